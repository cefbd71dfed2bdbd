"""The version judgement a log allows, through the tables ``probe`` uses.

* API != DRV in a get_sdk_version() block: the host's RKNN API and the board's rknn_server come
  from different releases (manual 1.7.2); the remedy is the probe's, from the same tables.
* The components the log shows (rknn_server, the runtime, the NPU driver) against the toolkit the
  log (or ``--toolkit``/``--toolkit2``) names, by :func:`rknn_compat.judge.judge`.
* A model version above what the runtime accepts: the runtime release that loads it
  (``matrices/model_rules.toml``, shared with ``model``), and whether the runtime the log names is the one that ran.
* A "fixed in X" answer: whether the user's version already has the fix.

Versions the log does not show are never assumed: they stay out of the judgement.
"""

from __future__ import annotations

from .. import judge as board_judge
from ..errors import RknnCompatError
from ..results import MISMATCH, Fact
from ..tables import COMPONENT_LABELS, Matrix
from ..tables.model_rules import Rule
from .report import Diagnosis, LogFact

_PRODUCT_OF = {"rknn_toolkit": ("rknpu1", "rknn-toolkit"), "rknn_toolkit_lite": ("rknpu1", "rknn-toolkit"),
               "rknn_toolkit2": ("rknpu2", "rknn-toolkit2"), "rknn_toolkit_lite2": ("rknpu2", "rknn-toolkit2")}
_RUNTIMES = ("librknnrt", "librknnmrt", "librknn_runtime")
SDK_PAIR_LINES = 6  # DRV follows API within this many lines in one get_sdk_version() block


def last(facts: list[LogFact], *components: str) -> LogFact | None:
    found = [f for f in facts if f.component in components]
    return found[-1] if found else None


def target_toolkit(matrix: Matrix, facts: list[LogFact], toolkit: str | None, toolkit2: str | None,
                   notes: list[str]):
    """(release or None, description dict): the log's toolkit banner, else --toolkit/--toolkit2."""
    banner = last(facts, *_PRODUCT_OF) or _api_as_toolkit(facts)
    given = ("rknpu1", toolkit, "--toolkit") if toolkit else ("rknpu2", toolkit2, "--toolkit2") if toolkit2 else None
    if banner is not None:
        gen, product = _PRODUCT_OF[banner.component]
        info = {"product": product, "version": banner.value, "generation": gen,
                "source": f"{banner.line.source}:{banner.line.number}"}
        if given and (given[0] != gen or given[1] != banner.value):
            notes.append(f"{given[2]} {given[1]} was given, but the log shows {product} {banner.value} "
                         f"({info['source']}): the log's version is used")
        version = banner.version
    elif given:
        gen, version, src = given
        info = {"product": "rknn-toolkit" if gen == "rknpu1" else "rknn-toolkit2", "version": version,
                "generation": gen, "source": src}
    else:
        return None, {"reason": "the log names no toolkit version (give --toolkit or --toolkit2)"}
    try:
        rel = matrix.release(version, gen)
    except RknnCompatError as exc:  # a version the tables do not list still dates a "fixed in" answer
        info["reason"] = str(exc)
        return None, info
    info["release"] = rel.label
    return rel, info


def _api_as_toolkit(facts: list[LogFact]) -> LogFact | None:
    """Without a banner, get_sdk_version()'s API is the toolkit's own librknn_api, of its version."""
    api = last(facts, "librknn_api")
    if api is None:
        return None
    drv = next((f for f in facts if f.component in ("rknn_server", "librknnrt") and f.how.startswith("get_sdk")
                and f.line.source == api.line.source and 0 < f.line.number - api.line.number <= SDK_PAIR_LINES), None)
    two = drv is not None and (drv.extra.get("generation") == "rknpu2" or drv.component == "librknnrt")
    return LogFact("rknn_toolkit2" if two else "rknn_toolkit", "version", api.value, api.line,
                   "get_sdk_version() API (the toolkit's librknn_api)", api.version)


def api_drv(matrix: Matrix, facts: list[LogFact]) -> list[Diagnosis]:
    """Each get_sdk_version() block whose DRV is not the API's version."""
    out = []
    for api in (f for f in facts if f.component == "librknn_api"):
        drvs = [f for f in facts if f.component in ("rknn_server", "librknnrt") and f.how.startswith("get_sdk")
                and f.line.source == api.line.source and 0 < f.line.number - api.line.number <= SDK_PAIR_LINES]
        for drv in drvs:
            if drv.version is None or api.version is None or drv.version.matches(api.version):
                continue
            out.append(_api_drv(matrix, api, drv))
    return out


def _api_drv(matrix: Matrix, api: LogFact, drv: LogFact) -> Diagnosis:
    gen = drv.extra.get("generation") or ("rknpu2" if drv.component == "librknnrt" else "rknpu1")
    comp = "rknn_server" if drv.component == "rknn_server" else "librknn_runtime"
    label = COMPONENT_LABELS[comp] if comp == "rknn_server" else drv.component
    cause = (f"The host's RKNN API is {api.value} but the board's {label} (get_sdk_version()'s DRV) is "
             f"{drv.value}: the two must come from one release.")
    remedy = ("Keep API and DRV the same: install the board-side components of the API's release, or use the "
              "toolkit of the board's release.")
    source = _cite(matrix, "ts-1.3.2-cn", "1.7.2 (get_sdk_version()'s DRV is the rknn_server version)")
    try:
        rel = matrix.release(api.version, gen)
    except RknnCompatError:
        rel = None
    if rel is not None:
        fact = Fact(drv.value, drv.line.text, drv.how, version=drv.version)
        finding = next((f for f in board_judge.judge(matrix, {}, {comp: fact}, None, rel).findings
                        if f.component == comp and f.status == MISMATCH), None)
        if finding is not None:
            cause += f" {rel.product} {rel.toolkit} needs {label} {finding.expected}."
            remedy = finding.remedy
            source = rel.cites["components"].to_dict()
    return Diagnosis("version.api-drv-mismatch", "version", "API and DRV versions differ",
                     "get_sdk_version() shows the host's API and the board's DRV from different releases.",
                     cause, remedy, [api.line, drv.line], {**source, "threads": []},
                     facts={"api": [api.value], "drv": [drv.value]})


def components(matrix: Matrix, facts: list[LogFact], rel, covered: set[int]) -> list[Diagnosis]:
    """The board components the log shows, judged by the probe's judge.

    Against ``rel`` (the log's or the user's toolkit) when known; otherwise an RKNPU1 board is
    judged against itself (one release for all three), an RKNPU2 board against its runtime's own
    release (rknn_server = runtime version, driver minimum), and a board of unknown generation not
    at all.
    """
    found = {"rknn_server": last(facts, "rknn_server"), "librknn_runtime": last(facts, *_RUNTIMES),
             "npu_driver": last(facts, "npu_driver")}
    found = {k: f for k, f in found.items() if f is not None and f.version is not None and id(f) not in covered}
    gen = rel.generation if rel else generation(matrix, facts)
    against = f"{rel.product} {rel.toolkit}" if rel else "the other components"
    if rel is None and gen == "rknpu2" and "librknn_runtime" in found:
        try:
            rel = matrix.release(found["librknn_runtime"].version, "rknpu2")
        except RknnCompatError:
            return []
        against = f"its runtime's release ({rel.label})"
    if not found or gen is None or (gen == "rknpu2" and rel is None):
        return []
    comps = {k: Fact(f.value, f.line.text, f.how, version=f.version, driver=f.extra.get("driver"))
             for k, f in found.items()}
    soc = last(facts, "board_platform", "target", "host")
    platform = {"soc": Fact(soc.value)} if soc and matrix.platform(soc.value) else {}
    out = []
    for finding in board_judge.judge(matrix, platform, comps, None, rel).findings:
        if finding.status != MISMATCH or (against.startswith("its runtime") and finding.component == "librknn_runtime"):
            continue
        fact = found.get(finding.component)
        lines = [fact.line] if fact else [soc.line] if soc else []
        label = COMPONENT_LABELS.get(finding.component, finding.component)
        source = rel.cites["components"].to_dict() if rel else _cite(matrix, "ts-1.3.2-cn", "1.7.2")
        out.append(Diagnosis(f"version.{finding.component}", "version", f"{label} does not fit {against}",
                             f"The log shows {label} {finding.found}; {against} needs {finding.expected}.",
                             f"{label} {finding.found} is not the version {against} works with.",
                             finding.remedy or "", lines, {**source, "threads": []},
                             facts={"found": [finding.found or ""], "expected": [finding.expected or ""]}))
    return out


def generation(matrix: Matrix, facts: list[LogFact]) -> str | None:
    """RKNPU1 or RKNPU2, from the SoC, the driver or the runtime the log names (None: cannot tell)."""
    soc = last(facts, "board_platform", "target", "host", "model_target_platform")
    gen = matrix.generation_of(soc.value) if soc else None
    drv = last(facts, "npu_driver")
    if gen is None and drv is not None:
        gen = {"galcore": "rknpu1", "rknpu": "rknpu2"}.get(drv.extra.get("driver"))
    if gen is None and last(facts, "librknnrt", "librknnmrt"):
        gen = "rknpu2"
    if gen is None and last(facts, "librknn_runtime"):
        gen = "rknpu1"
    return gen


def model_version(diag: Diagnosis, facts: list[LogFact], rows: list[Rule], matrix: Matrix) -> None:
    """Name the runtime that loads the refused model (matrices/model_rules.toml), and check the
    runtime the log names."""
    versions = sorted({int(v) for v in diag.facts.get("model_version", []) if v.isdigit()})
    accepted = sorted({int(v) for v in diag.facts.get("runtime_model_version", []) if v.isdigit()})
    runtime = last(facts, *_RUNTIMES)
    for version in versions:
        row = next((r for r in rows if r.fields["version"] == version), None)
        if row is None:
            diag.judgement.append(f"Model version {version} is not in matrices/model_rules.toml: which runtime "
                                  "loads it is unknown.")
            continue
        needed = row.fields["runtime_min"]
        releases = [r.label for r in matrix.releases if r.generation == "rknpu2"
                    and r.toolkit.sort_key() >= needed.sort_key()]
        diag.judgement.append(f"Model version {version} loads in librknnrt {needed} or later (toolkit2 releases: "
                              f"{', '.join(releases) or 'none listed'}; {row.source}).")
        for acc in accepted:
            newer = [r for r in rows if r.fields["version"] > acc]
            if newer and any(r.fields["version"] <= acc for r in rows):
                first = min(newer, key=lambda r: r.fields["version"]).fields["runtime_min"]
                diag.judgement.append(f"The runtime that refused it accepts model version {acc}: a librknnrt "
                                      f"older than {first}.")
        if runtime is not None and runtime.version is not None:
            where = f"{runtime.line.source}:{runtime.line.number}"
            if runtime.version.sort_key() < needed.sort_key():
                diag.judgement.append(f"The log's {runtime.component} {runtime.value} ({where}) is older than "
                                      f"{needed}: update it.")
            else:
                diag.judgement.append(
                    f"The log names {runtime.component} {runtime.value} ({where}), which loads version {version}, yet "
                    "the runtime refused it: the program loaded another librknnrt.so (a copy beside the "
                    "program, LD_LIBRARY_PATH, /usr/lib64, or the board was not restarted after the update).")
        diag.facts.setdefault("runtime_min", []).append(str(needed))


def fixed_in(diag: Diagnosis, sig, facts: list[LogFact], rel, info: dict) -> None:
    """Does the user's version already have the fix the source names?"""
    if sig.fixed_in is None:
        return
    product = sig.fixed_in_product
    mine = None
    if info.get("product") == product and info.get("version"):
        mine = rel.toolkit if rel is not None else None
        mine = mine or _parse(info["version"])
    out = {"product": product, "version": str(sig.fixed_in), "user_version": str(mine) if mine else None}
    if mine is None:
        out["has_fix"] = None
        out["note"] = f"the log shows no {product} version (give --toolkit); the fix is in {sig.fixed_in}"
    elif mine.sort_key() >= sig.fixed_in.sort_key():
        out["has_fix"] = True
        out["note"] = (f"{product} {mine} already has the fix of {sig.fixed_in}: the remaining causes of the "
                       "answer apply")
    else:
        out["has_fix"] = False
        out["note"] = f"{product} {mine} is older than {sig.fixed_in}: upgrading fixes it"
    diag.fixed_in = out
    diag.judgement.append(out["note"])


def _parse(text: str):
    from ..versions import VersionError, parse_version

    try:
        return parse_version(text)
    except VersionError:
        return None


def _cite(matrix: Matrix, source_id: str, section: str) -> dict:
    src = matrix.sources.get(source_id)
    if src is None:
        return {"id": source_id, "section": section}
    from ..tables.model import Cite

    return Cite(src, section).to_dict()
