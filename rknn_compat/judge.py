"""Judge board facts against the matrices.  Pure: facts × matrix × target → findings, verdict.

With a target toolkit each component is ok or a mismatch (with a remedy in the manual's terms:
upgrade the board firmware, or the toolkit) and a fitting board is ``compatible``.  Without one
the board is judged against itself: do its components belong to one release, and which?  Such a
board is ``consistent``, never ``compatible``.  Versions that fit while something stops the board
working (rknn_server stopped, a driver pushed but not loaded, npu_transfer_proxy on the host in
adb mode, no USB access to an NTB device) make it ``not_ready``; a version below what Rockchip
only recommends is a warning.  An RKNPU2 chip is never judged by the 1.x tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import board_rules, remedies
from .results import (
    COMPATIBLE,
    CONSISTENT,
    INCOMPATIBLE,
    MISMATCH,
    NOT_READY,
    OK,
    UNKNOWN,
    WARNING,
    Fact,
    Finding,
    worst_verdict,
)
from .tables import COMPONENTS, Matrix, Release
from .tables.model import BOARD, DERIVED, TOOLKIT
from .versions import Version, VersionError, parse_version


@dataclass
class Judgement:
    findings: list[Finding] = field(default_factory=list)
    verdict: str = UNKNOWN
    matched: list[str] = field(default_factory=list)  # releases the board fits
    notes: list[str] = field(default_factory=list)
    matched_kind: str | None = None  # what matched names: toolkit releases, a board release, a derived row


def board_generation(matrix: Matrix, platform: dict[str, Fact], components: dict[str, Fact]) -> str | None:
    gen = matrix.generation_of(platform.get("soc", Fact()).value)
    if gen:
        return gen
    return {"galcore": "rknpu1", "rknpu": "rknpu2"}.get(components.get("npu_driver", Fact()).driver)


def _parse(text: str | None) -> Version | None:
    try:
        return parse_version(text) if text else None
    except VersionError:
        return None


def _version(fact: Fact) -> Version | None:
    """The version a reader parsed; a fact made by hand (tests, recordings) is parsed from its value."""
    if fact.version is not None or not fact.value:
        return fact.version
    return _parse(fact.value)


def _installed(fact: Fact, loaded: Version | None) -> Version | None:
    """The driver on disk, when it is not the one loaded (pushed, never rebooted)."""
    installed = _parse(fact.installed_version)
    if installed is None or loaded is None or installed.matches(loaded):
        return None
    return installed


def judge(matrix: Matrix, platform: dict[str, Fact], components: dict[str, Fact],
          running: Fact | None = None, target: Release | None = None, host_proxy: Fact | None = None,
          usb: dict | None = None) -> Judgement:
    """``running``: the board's processes; ``host_proxy``: npu_transfer_proxy on this host (adb boards
    only); ``usb``: the host's USB report (``rknn-compat usb --format json``)."""
    gen = board_generation(matrix, platform, components)
    soc = platform.get("soc", Fact()).value
    out = Judgement()
    if target is not None and gen is not None and gen != target.generation:
        out.findings.append(_wrong_generation(soc, gen, target))
        out.verdict = INCOMPATIBLE
        return out
    gen = gen or (target.generation if target else "rknpu1")
    versions = {c: _version(components.get(c, Fact())) for c in COMPONENTS}
    drv = components.get("npu_driver", Fact())
    installed = _installed(drv, versions["npu_driver"])
    toolkits = _matched(matrix, versions, gen)
    if installed is not None and not toolkits:  # as it will be after a reboot
        toolkits = _matched(matrix, {**versions, "npu_driver": installed}, gen)
    own = None if toolkits else (board_rules.board_release(matrix, versions, gen)
                                 or board_rules.newer_release(matrix, versions, gen))
    out.matched, out.matched_kind = (toolkits, TOOLKIT) if toolkits else \
        ([own.label], own.kind) if own is not None else ([], None)
    if target is not None:
        for comp in COMPONENTS:
            out.findings += _against_target(comp, components.get(comp, Fact()), versions[comp],
                                            installed if comp == "npu_driver" else None, target, toolkits, soc,
                                            own if own is not None and own.kind == BOARD else None)
        out.findings = _server_layout(matrix, out.findings, soc, target.toolkit)
        out.findings = board_rules.mark_derived(out.findings, target, versions)
        out.notes += _precompile_notes(matrix, versions["rknn_server"], target)
        out.notes += list(target.notes) if target.kind == DERIVED else []
    elif own is not None:  # a board-only release, or one newer than the tables: judged against that row
        for comp in COMPONENTS:
            out.findings += _against_target(comp, components.get(comp, Fact()), versions[comp],
                                            installed if comp == "npu_driver" else None, own, [], soc)
        out.findings = board_rules.mark_derived(out.findings, own, versions)
        if own.kind == BOARD:
            out.findings.append(board_rules.no_toolkit_finding(matrix, own, soc))
        out.notes += list(own.notes)
    else:
        out.findings += _against_itself(matrix, components, versions, installed, out.matched, gen)
        out.findings = _server_layout(matrix, out.findings, soc, versions["librknn_runtime"])
    out.findings += board_rules.rule_findings(matrix, gen, soc, versions)
    out.findings += _readiness(running, platform, components, gen, host_proxy, usb)
    out.verdict = _verdict(out.findings, target is not None)
    return out


def _fits(req, version: Version) -> bool:
    """A recommendation never excludes a release; it only warns (see _below_recommended)."""
    return req.recommended or req.admits(version)


def _fitting(matrix: Matrix, comp: str, version: Version | None, gen: str) -> list[Release]:
    if version is None:
        return []
    # not Matrix.toolkits_for: a Toolkit2 row's driver is a minimum (">=0.9.2" of rknpu), and only a
    # board already known to be RKNPU2 may be judged by it
    return [r for r in matrix.releases
            if r.generation == gen and comp in r.components and _fits(r.components[comp], version)]


def _matched(matrix: Matrix, versions: dict, gen: str) -> list[str]:
    """Toolkit releases every known component fits (RKNPU2: server and runtime agree)."""
    common = None
    for comp, version in versions.items():
        if version is None:
            continue
        labels = [r.label for r in _fitting(matrix, comp, version, gen)]
        common = labels if common is None else [x for x in common if x in labels]
    return common or []


def _wrong_generation(soc: str | None, gen: str, target: Release) -> Finding:
    return Finding("platform", MISMATCH, f"a board for {target.product} {target.toolkit}",
                   f"{soc or 'unknown SoC'} ({gen})", remedies.wrong_generation(soc, gen))


def _missing(comp: str, fact: Fact, expected: str | None, target: Release | None) -> Finding:
    if fact.installed is False:
        return Finding(comp, MISMATCH, expected or "installed", "not installed", remedies.not_installed(comp, target))
    return Finding(comp, UNKNOWN, expected, None, remedies.unreadable(comp, fact.reason))


def _server_layout(matrix: Matrix, findings: list[Finding], soc: str | None, release: Version | None) -> list[Finding]:
    """No rknn_server where the platform had none at that release (RV1103/RV1106 before 1.5.0) is no fault."""
    shipped = board_rules.server_not_shipped(matrix, soc, release)
    if shipped is None:
        return findings
    return [shipped if f.component == "rknn_server" and f.found == "not installed" else f for f in findings]


def _against_target(comp: str, fact: Fact, version: Version | None, installed: Version | None,
                    target: Release, matched: list[str], soc: str | None,
                    runs: Release | None = None) -> list[Finding]:
    req = target.components[comp]
    expected = req.describe()
    if version is None:
        return [_missing(comp, fact, expected, target)]
    if req.admits(version):
        return [Finding(comp, OK, expected, str(version))] + _installed_warning(comp, version, installed, req)
    if req.recommended:
        return [_below_recommended(comp, version, req, target)]
    if installed is not None and req.admits(installed):
        return [_not_loaded(comp, version, installed)]
    newer = version.sort_key() > max(v.sort_key() for v in _req_versions(req))
    remedy = remedies.version_mismatch(target, newer, matched, soc)
    if runs is not None:
        remedy += " " + remedies.board_runs(runs)
    if installed is not None:
        remedy += " " + remedies.driver_not_loaded(installed, version)
    return [Finding(comp, MISMATCH, expected, _found(version, installed), remedy)]


def _found(version: Version, installed: Version | None) -> str:
    return f"{version} loaded ({installed} installed)" if installed is not None else str(version)


def _not_loaded(comp: str, loaded: Version, installed: Version) -> Finding:
    """The installed driver fits, the loaded one does not: a reboot, not a reinstall."""
    return Finding(comp, NOT_READY, f"the installed {installed} loaded", _found(loaded, installed),
                   remedies.driver_not_loaded(installed, loaded))


def _installed_warning(comp: str, loaded: Version, installed: Version | None, req=None,
                       fits: bool | None = None) -> list[Finding]:
    """The loaded driver fits; the one on disk differs and loads at the next reboot."""
    if installed is None:
        return []
    fits = req.admits(installed) if req is not None else fits
    return [Finding(f"{comp}_installed", WARNING, f"the loaded {loaded}", f"{installed} installed",
                    remedies.installed_differs(installed, loaded, fits))]


def _below_recommended(comp: str, version: Version, req, target: Release | None) -> Finding:
    return Finding(comp, WARNING, f"{req.describe()} (recommended)", str(version),
                   remedies.below_recommended(comp, version, req.describe(), target))


def _req_versions(req) -> list[Version]:
    if req.accepts is not None:
        return list(req.accepts.versions)
    return [req.minimum]


def _against_itself(matrix: Matrix, components: dict[str, Fact], versions: dict, installed: Version | None,
                    matched: list[str], gen: str) -> list[Finding]:
    """No target toolkit: do the board's components belong to one release?"""
    findings = []
    chosen = [r for r in matrix.releases if r.label in matched]
    for comp in COMPONENTS:
        fact, version = components.get(comp, Fact()), versions[comp]
        if version is None:
            findings.append(_missing(comp, fact, None, None))
            continue
        belongs = [r.label for r in _fitting(matrix, comp, version, gen)]
        if matched and any(b in matched for b in belongs):
            short = [r for r in chosen if comp in r.components and not r.components[comp].admits(version)]
            if short and len(short) == len(chosen):  # fits only by a recommendation
                findings.append(_below_recommended(comp, version, short[0].components[comp], None))
            else:
                findings.append(Finding(comp, OK, "toolkit " + ", ".join(matched), str(version)))
                if comp == "npu_driver" and installed is not None:
                    same = any(r.label in matched for r in _fitting(matrix, comp, installed, gen))
                    findings += _installed_warning(comp, version, installed, fits=same)
        elif comp == "npu_driver" and installed is not None and matched:
            findings.append(_not_loaded(comp, version, installed))
        elif not belongs:
            findings.append(Finding(comp, MISMATCH, "a version listed for some toolkit release", str(version),
                                    remedies.unlisted(comp, version)))
        else:
            findings.append(Finding(comp, MISMATCH, "the same release as the other components", str(version),
                                    remedies.mixed_releases(comp, version, belongs)))
    return findings


def _readiness(running: Fact | None, platform: dict[str, Fact], components: dict[str, Fact], gen: str,
               host_proxy: Fact | None, usb: dict | None) -> list[Finding]:
    """What stops a fitting board from working: services, the host's proxy, USB access."""
    out = []
    if running is not None and components.get("rknn_server", Fact()).value:
        out.append(_running(running, platform, components["rknn_server"], gen))
    if host_proxy is not None and host_proxy.value == "running":
        out.append(Finding("host_npu_transfer_proxy", NOT_READY, "not running on this host (adb mode)",
                           host_proxy.evidence or "running", remedies.HOST_PROXY_IN_ADB_MODE))
    for dev in (usb or {}).get("devices", []):
        if dev.get("kind") == "ntb" and not dev.get("accessible"):
            found = f"{dev.get('node') or dev.get('usb_id')} ({dev.get('node_mode_text') or 'no node'})"
            out.append(Finding("usb_access", NOT_READY, "read/write access to the NTB device", found,
                               remedies.ntb_no_access(dev.get("usb_id"))))
    return out


def _running(running: Fact, platform: dict[str, Fact], server: Fact, gen: str) -> Finding:
    if running.value is None:
        return Finding("rknn_server_process", UNKNOWN, "running", None, running.reason)
    if server.location == "npu_firmware":
        # RK3399Pro: rknn_server runs on the NPU; the AP side of the link is npu_transfer_proxy
        if running.extra.get("npu_transfer_proxy"):
            return Finding("npu_transfer_proxy_process", OK, "running", "running")
        return Finding("npu_transfer_proxy_process", NOT_READY, "running", "not running",
                       remedies.NPU_TRANSFER_PROXY_DOWN)
    if running.value == "running":
        return Finding("rknn_server_process", OK, "running", "running")
    android = platform.get("os", Fact()).value == "android"
    return Finding("rknn_server_process", NOT_READY, "running", "not running",
                   remedies.rknn_server_down(android, gen, server.path))


def _precompile_notes(matrix: Matrix, server: Version | None, target: Release) -> list[str]:
    notes = []
    for rule in matrix.precompile:
        if target.generation != "rknpu1" or target.toolkit.sort_key() < rule.toolkit_min.sort_key():
            continue
        if server is not None and server.sort_key() < rule.rknn_server_min.sort_key():
            notes.append(f"{rule.text} ({rule.cite})")
    return notes


def _verdict(findings: list[Finding], has_target: bool) -> str:
    """The worst finding decides: mismatch > unknown > not ready > fits (a warning fits too)."""
    fits = COMPATIBLE if has_target else CONSISTENT
    status_verdict = {MISMATCH: INCOMPATIBLE, UNKNOWN: UNKNOWN, NOT_READY: NOT_READY, OK: fits, WARNING: fits}
    return worst_verdict(status_verdict.get(f.status, UNKNOWN) for f in findings)


def judge_rack(boards: list[tuple[str, str, list[str]]]) -> tuple[str, list[str], dict[str, list[str]]]:
    """Without a target, can one toolkit serve the whole rack?  ``boards``: (serial, verdict,
    matched) each.  Returns (status, common releases, {release label: serials}); boards that belong
    to no release (incompatible, unknown) are judged on their own and left out here."""
    groups: dict[str, list[str]] = {}
    common: list[str] | None = None
    for serial, verdict, matched in boards:
        if verdict not in (CONSISTENT, NOT_READY) or not matched:
            continue
        groups.setdefault(", ".join(matched), []).append(serial)
        common = list(matched) if common is None else [m for m in common if m in matched]
    if common is None:
        return UNKNOWN, [], groups
    return (OK if common else MISMATCH), common, groups
