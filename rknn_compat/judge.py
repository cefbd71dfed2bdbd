"""Judge board facts against the matrices.  Pure: facts × matrix × target → findings.

With a target toolkit, each component is ok or a mismatch (with a remedy in the
manual's terms: upgrade the board firmware, or the toolkit).  Without one, the
board is judged against itself: do its components belong to one release, and which
toolkit(s) is that?  An RKNPU2 chip (RK3566/RK3568/RK3588...) is never judged by the
1.x tables: it is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import remedies
from .results import COMPATIBLE, INCOMPATIBLE, MISMATCH, OK, UNKNOWN, Fact, Finding, worst_verdict
from .tables import COMPONENTS, Matrix, Release
from .versions import Version, VersionError, parse_version


@dataclass
class Judgement:
    findings: list[Finding] = field(default_factory=list)
    verdict: str = UNKNOWN
    matched: list[str] = field(default_factory=list)  # toolkit releases the board fits
    notes: list[str] = field(default_factory=list)


def board_generation(matrix: Matrix, platform: dict[str, Fact], components: dict[str, Fact]) -> str | None:
    gen = matrix.generation_of(platform.get("soc", Fact()).value)
    if gen:
        return gen
    return {"galcore": "rknpu1", "rknpu": "rknpu2"}.get(components.get("npu_driver", Fact()).driver)


def _version(fact: Fact) -> Version | None:
    """The version a reader parsed; a fact made by hand (tests, recordings) is parsed from its value."""
    if fact.version is not None or not fact.value:
        return fact.version
    try:
        return parse_version(fact.value)
    except VersionError:
        return None


def judge(matrix: Matrix, platform: dict[str, Fact], components: dict[str, Fact],
          running: Fact | None = None, target: Release | None = None) -> Judgement:
    gen = board_generation(matrix, platform, components)
    soc = platform.get("soc", Fact()).value
    out = Judgement()
    if target is not None and gen is not None and gen != target.generation:
        out.findings.append(_wrong_generation(soc, gen, target))
        out.verdict = INCOMPATIBLE
        return out
    versions = {c: _version(components.get(c, Fact())) for c in COMPONENTS}
    fits = {c: _fitting(matrix, c, v, gen or (target.generation if target else "rknpu1"))
            for c, v in versions.items()}
    out.matched = _matched(versions, fits)
    if target is not None:
        for comp in COMPONENTS:
            out.findings.append(_against_target(comp, components.get(comp, Fact()), versions[comp],
                                                target, out.matched, platform))
        out.notes += _precompile_notes(matrix, versions["rknn_server"], target)
    else:
        out.findings += _against_itself(components, versions, fits, out.matched)
    if running is not None and components.get("rknn_server", Fact()).value:
        out.findings.append(_running(running, platform, components["rknn_server"]))
    out.verdict = _verdict(out.findings)
    return out


def _fitting(matrix: Matrix, comp: str, version: Version | None, gen: str) -> list[Release]:
    if version is None:
        return []
    # not Matrix.toolkits_for: a Toolkit2 row's driver is a minimum (">=0.9.2" of rknpu), and only a
    # board already known to be RKNPU2 may be judged by it
    return [r for r in matrix.releases
            if r.generation == gen and comp in r.components and r.components[comp].admits(version)]


def _matched(versions: dict, fits: dict) -> list[str]:
    """Toolkit releases every known component fits (RKNPU2: server and runtime agree)."""
    known = [c for c, v in versions.items() if v is not None]
    if not known:
        return []
    common = None
    for comp in known:
        labels = [r.label for r in fits[comp]]
        common = labels if common is None else [x for x in common if x in labels]
    return common or []


def _wrong_generation(soc: str | None, gen: str, target: Release) -> Finding:
    return Finding("platform", MISMATCH, f"a board for {target.product} {target.toolkit}",
                   f"{soc or 'unknown SoC'} ({gen})", remedies.wrong_generation(soc, gen))


def _against_target(comp: str, fact: Fact, version: Version | None, target: Release,
                    matched: list[str], platform: dict[str, Fact]) -> Finding:
    req = target.components[comp]
    expected = req.describe()
    if version is None:
        if fact.installed is False:
            return Finding(comp, MISMATCH, expected, "not installed", remedies.not_installed(comp, target))
        return Finding(comp, UNKNOWN, expected, None, remedies.unreadable(comp, fact.reason))
    if req.admits(version):
        return Finding(comp, OK, expected, str(version))
    newer = version.sort_key() > max(v.sort_key() for v in _req_versions(req))
    soc = platform.get("soc", Fact()).value
    return Finding(comp, MISMATCH, expected, str(version), remedies.version_mismatch(target, newer, matched, soc))


def _req_versions(req) -> list[Version]:
    if req.accepts is not None:
        return list(req.accepts.versions)
    return [req.minimum]


def _against_itself(components: dict[str, Fact], versions: dict, fits: dict,
                    matched: list[str]) -> list[Finding]:
    """No target toolkit: do the board's components belong to one release?"""
    findings = []
    for comp in COMPONENTS:
        fact, version = components.get(comp, Fact()), versions[comp]
        if version is None:
            if fact.installed is False:
                findings.append(Finding(comp, MISMATCH, "installed", "not installed",
                                        remedies.not_installed(comp, None)))
            else:
                findings.append(Finding(comp, UNKNOWN, None, None, remedies.unreadable(comp, fact.reason)))
            continue
        belongs = [r.label for r in fits[comp]]
        if matched and any(b in matched for b in belongs):
            findings.append(Finding(comp, OK, "toolkit " + ", ".join(matched), str(version)))
        elif not belongs:
            findings.append(Finding(comp, MISMATCH, "a version listed for some toolkit release", str(version),
                                    remedies.unlisted(comp, version)))
        else:
            findings.append(Finding(comp, MISMATCH, "the same release as the other components", str(version),
                                    remedies.mixed_releases(comp, version, belongs)))
    return findings


def _running(running: Fact, platform: dict[str, Fact], server: Fact) -> Finding:
    if running.value is None:
        return Finding("rknn_server_process", UNKNOWN, "running", None, running.reason)
    if server.location == "npu_firmware":
        # RK3399Pro: rknn_server runs on the NPU; the AP side of the link is npu_transfer_proxy
        if running.extra.get("npu_transfer_proxy"):
            return Finding("npu_transfer_proxy_process", OK, "running", "running")
        return Finding("npu_transfer_proxy_process", MISMATCH, "running", "not running",
                       remedies.NPU_TRANSFER_PROXY_DOWN)
    if running.value == "running":
        return Finding("rknn_server_process", OK, "running", "running")
    android = platform.get("os", Fact()).value == "android"
    return Finding("rknn_server_process", MISMATCH, "running", "not running", remedies.rknn_server_down(android))


def _precompile_notes(matrix: Matrix, server: Version | None, target: Release) -> list[str]:
    notes = []
    for rule in matrix.precompile:
        if target.generation != "rknpu1" or target.toolkit.sort_key() < rule.toolkit_min.sort_key():
            continue
        if server is not None and server.sort_key() < rule.rknn_server_min.sort_key():
            notes.append(f"{rule.text} ({rule.cite})")
    return notes


_STATUS_VERDICT = {MISMATCH: INCOMPATIBLE, UNKNOWN: UNKNOWN, OK: COMPATIBLE}


def _verdict(findings: list[Finding]) -> str:
    """A mismatch anywhere is incompatible; an unknown (or nothing judged) is unknown."""
    return worst_verdict(_STATUS_VERDICT.get(f.status, UNKNOWN) for f in findings)
