"""Judge board facts against the matrices.  Pure: facts × matrix × target → findings.

With a target toolkit, each component is ok or a mismatch (with a remedy in the
manual's terms: upgrade the board firmware, or the toolkit).  Without one, the
board is judged against itself: do its components belong to one release, and which
toolkit(s) is that?  An RKNPU2 chip (RK3566/RK3568/RK3588...) is never judged by the
1.x tables: it is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .matrix import COMPONENTS, Matrix, Release
from .report import COMPATIBLE, INCOMPATIBLE, MISMATCH, OK, UNKNOWN, Fact, Finding
from .versions import Version, VersionError, parse_version

LABEL = {"rknn_server": "rknn_server", "npu_driver": "NPU driver (galcore)",
         "librknn_runtime": "librknn_runtime"}
HOW_TO_READ = {
    "npu_driver": "run `dmesg | grep -i galcore` on the board as root (right after boot, before the log "
                  "rotates), or `strings /lib/modules/galcore.ko | grep VERSION`",
    "rknn_server": "run `strings /usr/bin/rknn_server | grep build` on the board, or rknn.get_sdk_version() "
                   "on the host (its DRV field is the rknn_server version)",
    "librknn_runtime": "run `strings /usr/lib/librknn_runtime.so | grep version` on the board",
}


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
    driver = components.get("npu_driver", Fact()).extra.get("driver")
    return {"galcore": "rknpu1", "rknpu": "rknpu2"}.get(driver)


def _version(fact: Fact) -> Version | None:
    if not fact.value:
        return None
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


def _label(rel: Release) -> str:
    return str(rel.toolkit) if rel.generation == "rknpu1" else f"toolkit2 {rel.toolkit}"


def _matched(versions: dict, fits: dict) -> list[str]:
    """Toolkit releases every known component fits (RKNPU2: server and runtime agree)."""
    known = [c for c, v in versions.items() if v is not None]
    if not known:
        return []
    common = None
    for comp in known:
        labels = [_label(r) for r in fits[comp]]
        common = labels if common is None else [x for x in common if x in labels]
    return common or []


def _wrong_generation(soc: str | None, gen: str, target: Release) -> Finding:
    if gen == "rknpu2":
        remedy = (f"{soc or 'This board'} has an RKNPU2 NPU: RKNN Toolkit 1.x does not support it "
                  "(TS 1.7.5: Toolkit 1 models are for RK1806/RK1808/RK3399Pro/RV1109/RV1126). "
                  "Use RKNN-Toolkit2 with a matching rknn_server and librknnrt.")
    else:
        remedy = (f"{soc or 'This board'} has an RKNPU1 NPU: RKNN-Toolkit2 does not support it. "
                  "Use RKNN Toolkit 1.x (the 1.x tables: rknn-compat matrix).")
    return Finding("platform", MISMATCH, f"a board for {_product(target)} {target.toolkit}",
                   f"{soc or 'unknown SoC'} ({gen})", remedy)


def _against_target(comp: str, fact: Fact, version: Version | None, target: Release,
                    matched: list[str], platform: dict[str, Fact]) -> Finding:
    req = target.components[comp]
    expected = req.describe()
    if version is None:
        if fact.extra.get("installed") is False:
            return Finding(comp, MISMATCH, expected, "not installed",
                           _install_remedy(comp, target))
        return Finding(comp, UNKNOWN, expected, None,
                       f"Could not read it ({fact.reason}); {HOW_TO_READ[comp]}.")
    if req.admits(version):
        return Finding(comp, OK, expected, str(version))
    newer = version.sort_key() > max(v.sort_key() for v in _req_versions(req))
    how = _firmware_words(platform, target)
    if newer and matched:
        remedy = (f"Upgrade RKNN Toolkit on the host to {' or '.join(matched)} (the release this board matches), "
                  f"or put the {target.toolkit} release on the board: {how}.")
    elif newer:
        remedy = (f"The board is newer than {_product(target)} {target.toolkit}: upgrade the toolkit on the host, "
                  f"or put the {target.toolkit} release on the board: {how}.")
    else:
        remedy = f"Upgrade the board to the {target.toolkit} release: {how}" + (
            f"; or use RKNN Toolkit {' or '.join(matched)} on the host (the release this board matches)."
            if matched else ".")
    return Finding(comp, MISMATCH, expected, str(version), remedy)


def _req_versions(req) -> list[Version]:
    if req.accepts is not None:
        return list(req.accepts.versions)
    return [req.minimum]


def _product(rel: Release) -> str:
    return "RKNN Toolkit" if rel.generation == "rknpu1" else "RKNN-Toolkit2"


def _firmware_words(platform: dict[str, Fact], target: Release) -> str:
    """How the manual says to bring a board to a release."""
    soc = platform.get("soc", Fact()).value
    if soc == "RK3399Pro":
        return "update the NPU firmware (copy npu_fw/* of that release to /vendor/etc/npu_fw/, reboot)"
    if target.generation == "rknpu2":
        return "install rknn_server and librknnrt of that release (rknpu2 runtime), then restart rknn_server"
    comps = target.components
    return (f"push rknpu's drivers of that release (rknn_server {comps['rknn_server'].describe()}, "
            f"librknn_runtime {comps['librknn_runtime'].describe()} and galcore.ko "
            f"{comps['npu_driver'].describe()} together), then reboot")


def _install_remedy(comp: str, target: Release | None) -> str:
    if comp == "rknn_server":
        return ("rknn_server is not installed: a board with the mini driver (runtime only) cannot be used "
                "for online debugging from the PC. Install the full NPU driver"
                + (f" of the {target.toolkit} release" if target else "") + ".")
    return (f"{LABEL[comp]} is not installed: install the NPU driver"
            + (f" of the {target.toolkit} release" if target else "") + " on the board.")


def _against_itself(components: dict[str, Fact], versions: dict, fits: dict,
                    matched: list[str]) -> list[Finding]:
    """No target toolkit: do the board's components belong to one release?"""
    findings = []
    for comp in COMPONENTS:
        fact, version = components.get(comp, Fact()), versions[comp]
        if version is None:
            if fact.extra.get("installed") is False:
                findings.append(Finding(comp, MISMATCH, "installed", "not installed", _install_remedy(comp, None)))
            else:
                findings.append(Finding(comp, UNKNOWN, None, None,
                                        f"Could not read it ({fact.reason}); {HOW_TO_READ[comp]}."))
            continue
        belongs = [_label(r) for r in fits[comp]]
        if matched and any(b in matched for b in belongs):
            findings.append(Finding(comp, OK, "toolkit " + ", ".join(matched), str(version)))
        elif not belongs:
            findings.append(Finding(comp, MISMATCH, "a version listed for some toolkit release", str(version),
                                    f"No toolkit release in the matrices lists {LABEL[comp]} {version} "
                                    "(board-side releases such as 1.3.1/1.3.3/1.3.4/1.5.x have no toolkit "
                                    "counterpart): install the NPU driver of a toolkit release."))
        else:
            findings.append(Finding(comp, MISMATCH, "the same release as the other components", str(version),
                                    f"{LABEL[comp]} {version} belongs to toolkit {', '.join(belongs)}, the "
                                    "other components to another release: reinstall the NPU driver of one "
                                    "release (rknn_server, galcore.ko and librknn_runtime together)."))
    return findings


def _running(running: Fact, platform: dict[str, Fact], server: Fact) -> Finding:
    if running.value is None:
        return Finding("rknn_server_process", UNKNOWN, "running", None, running.reason)
    if server.extra.get("location") == "npu_firmware":
        # RK3399Pro: rknn_server runs on the NPU; the AP side of the link is npu_transfer_proxy
        if running.extra.get("npu_transfer_proxy"):
            return Finding("npu_transfer_proxy_process", OK, "running", "running")
        return Finding("npu_transfer_proxy_process", MISMATCH, "running", "not running",
                       "npu_transfer_proxy (the AP end of the link to the NPU's rknn_server) is not running: "
                       "start it, or reboot so that init starts it; its version must match the NPU firmware "
                       "(RK3399Pro API guide v1.7.5 section 5.1.1).")
    if running.value == "running":
        return Finding("rknn_server_process", OK, "running", "running")
    android = platform.get("os", Fact()).value == "android"
    how = ("start it: `/vendor/bin/rknn_server &` (after `su; setenforce 0`)" if android
           else "start it: `start_rknn.sh` (or `restart_rknn.sh`), and check that /usr/bin/rknn_server is executable")
    return Finding("rknn_server_process", MISMATCH, "running", "not running",
                   "rknn_server is installed but not running, so init_runtime() fails with "
                   f"RKNN_ERR_DEVICE_UNAVAILABLE (driver open fail, -9): {how}.")


def _precompile_notes(matrix: Matrix, server: Version | None, target: Release) -> list[str]:
    notes = []
    for rule in matrix.precompile:
        if target.generation != "rknpu1" or target.toolkit.sort_key() < rule.toolkit_min.sort_key():
            continue
        if server is not None and server.sort_key() < rule.rknn_server_min.sort_key():
            notes.append(f"{rule.text} ({rule.cite})")
    return notes


def _verdict(findings: list[Finding]) -> str:
    statuses = {f.status for f in findings}
    if MISMATCH in statuses:
        return INCOMPATIBLE
    if UNKNOWN in statuses or not findings:
        return UNKNOWN
    return COMPATIBLE
