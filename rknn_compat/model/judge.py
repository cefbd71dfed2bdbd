"""Judge a model's facts against the target toolkit and the board.  Pure: facts x tables -> findings.

``.rknn`` files are judged against what loads them (the toolkit generation, librknnrt's model
version, the board's SoC, the pre-compile rule of manual 1.6.2); framework files against what
converts them (the toolkit's framework table of ``rknn-compat matrix``, and the file rules of
``model_rules.toml``).  Every rule is a row of the tables; this module only compares.
"""

from __future__ import annotations

import re

from ..tables import PRODUCTS, Matrix, Release
from ..tables.model_rules import ModelRules
from ..versions import Version, VersionError, parse_version
from .board import BoardFacts
from .results import COMPATIBLE, INCOMPATIBLE, MISMATCH, OK, UNKNOWN, WARNING, ModelFinding, ModelReport
from .version_text import toolkit_version

_SCHEMA = re.compile(r"schema version\s*=\s*(\d+)", re.I)
_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)+")


def judge(report: ModelReport, matrix: Matrix, rules: ModelRules, target: Release | None,
          board: BoardFacts | None) -> None:
    """Append the findings and set the verdict of one readable model."""
    if report.format == "rknn":
        if target is not None:
            _rknn_target(report, matrix, rules, target)
        if board is not None:
            _rknn_board(report, matrix, rules, board)
    elif target is not None:
        _framework(report, matrix, rules, target)
    elif board is not None:
        report.findings.append(ModelFinding(
            "toolkit", UNKNOWN, "--toolkit or --toolkit2", None,
            "A framework model is converted on the host: give the converting toolkit with --toolkit/--toolkit2."))
    report.verdict = verdict(report.findings)


def verdict(findings: list[ModelFinding]) -> str:
    statuses = {f.status for f in findings}
    if MISMATCH in statuses:
        return INCOMPATIBLE
    if UNKNOWN in statuses or not findings:
        return UNKNOWN
    return COMPATIBLE


def _add(report: ModelReport, check: str, status: str, expected, found, remedy=None, source=None) -> None:
    report.findings.append(ModelFinding(check, status, None if expected is None else str(expected),
                                        None if found is None else str(found), remedy, source))


# --- .rknn against the toolkit -------------------------------------------------------------------------

def _rknn_target(report: ModelReport, matrix: Matrix, rules: ModelRules, target: Release) -> None:
    facts = report.facts
    gen = facts.get("generation")
    if not _generation(report, gen, target.generation, f"{target.product} {target.toolkit}"):
        return
    built = toolkit_version(facts.get("toolkit_version"))
    if target.generation == "rknpu2":
        _model_version(report, rules, target.toolkit, f"{target.label} (its librknnrt)")
    else:
        _precompile(report, matrix, built, target.toolkit, "the target toolkit", by_toolkit=True)
    if built is not None and built.base > target.toolkit.base:
        _add(report, "toolkit_version", WARNING, f"<= {target.toolkit}", facts.get("toolkit_version"),
             f"Built by a newer toolkit than {target.label}: keep the toolkit, rknn_server and runtime versions "
             "consistent (Quick Start 1.6.0 3.4.2).", "qs2-1.6.0-en 3.4.2")


def _generation(report: ModelReport, model_gen, want_gen, what: str) -> bool:
    if model_gen is None:
        if report.facts.get("family") == "rknn3":
            _add(report, "generation", MISMATCH, PRODUCTS[want_gen] if want_gen else "RKNN Toolkit 1/2",
                 "RKNN3 (RKNX)", "An RKNN3 model needs the RKNN3 runtime; rebuild it with the toolkit of this "
                 "board, or run it where rknn3 runs.", "lutzroeder/netron tools/rknx.fbs")
        else:
            _add(report, "generation", UNKNOWN, PRODUCTS.get(want_gen), None,
                 report.unknown.get("product") or "which toolkit built it is unknown")
        return False
    if want_gen is None:
        return True
    if model_gen != want_gen:
        runtime_says = "Invalid RKNN format" if want_gen == "rknpu2" else "an invalid model"
        _add(report, "generation", MISMATCH, f"a model for {what}", f"{PRODUCTS[model_gen]} model",
             f"RKNN Toolkit 1 and RKNN-Toolkit2 models are not interchangeable (the runtime reports "
             f"{runtime_says}): rebuild it from the source model with {PRODUCTS[want_gen]}.",
             "ts-1.7.5 Toolkit vs Toolkit2 note")
        return False
    _add(report, "generation", OK, PRODUCTS[want_gen], PRODUCTS[model_gen])
    return True


def _model_version(report: ModelReport, rules: ModelRules, runtime: Version | None, what: str) -> None:
    mv = report.facts.get("model_version")
    if mv is None:
        _add(report, "model_version", UNKNOWN, None, None, report.unknown.get("model_version", "not read"))
        return
    rule = rules.model_version(mv)
    if rule is None:
        known = ", ".join(str(r.fields["version"]) for r in rules.table("model_version")) or "none"
        _add(report, "model_version", UNKNOWN, f"a model version the tables know ({known})", mv,
             f"No source in the tables says which librknnrt loads model version {mv}.")
        return
    need = rule.fields["runtime_min"]
    if runtime is None:
        _add(report, "model_version", UNKNOWN, f"librknnrt >= {need}", None,
             "The board's librknnrt version is unknown.", rule.source)
    elif runtime.sort_key() < need.sort_key():
        _add(report, "model_version", MISMATCH, f"librknnrt >= {need}", f"{what} {runtime}",
             f"librknnrt {runtime} refuses model version {mv} ('Invalid RKNN model version {mv}'): install "
             f"librknnrt (and rknn_server) {need} or newer on the board, or rebuild the model with the "
             f"toolkit2 that matches the board's runtime.", rule.source)
    else:
        _add(report, "model_version", OK, f"librknnrt >= {need}", f"{what} {runtime}", None, rule.source)


def _precompile(report: ModelReport, matrix: Matrix, built: Version | None, against: Version | None,
                what: str, by_toolkit: bool) -> None:
    """Manual 1.6.2: pre-compiled models of toolkit < 1.0.0 and >= 1.0.0 need drivers on each side of 0.9.6."""
    if not report.facts.get("precompiled"):
        return
    for rule in matrix.precompile:
        if built is None or against is None:
            _add(report, "precompile", UNKNOWN, rule.text, None,
                 "The model's toolkit version or the board's driver (rknn_server) version is unknown.",
                 str(rule.cite))
            continue
        new_model = built.sort_key() >= rule.toolkit_min.sort_key()
        limit = rule.toolkit_min if by_toolkit else rule.rknn_server_min
        new_driver = against.sort_key() >= limit.sort_key()
        found = f"a pre-compiled model of toolkit {built} on {what} {against}"
        if new_model == new_driver:
            _add(report, "precompile", OK, "model and driver on the same side of the 1.0.0 / 0.9.6 change",
                 found, None, str(rule.cite))
        else:
            _add(report, "precompile", MISMATCH, "model and driver on the same side of the 1.0.0 / 0.9.6 change",
                 found, rule.text, str(rule.cite))


# --- .rknn against the board ---------------------------------------------------------------------------

def _rknn_board(report: ModelReport, matrix: Matrix, rules: ModelRules, board: BoardFacts) -> None:
    facts = report.facts
    if board.error and board.soc is None and board.runtime is None:
        _add(report, "board", UNKNOWN, "a readable board", None, board.error)
        return
    if board.generation is None:
        _add(report, "generation", UNKNOWN, facts.get("product"), None, board.reasons.get("generation"))
    elif not _generation(report, facts.get("generation"), board.generation, f"this {board.soc or ''} board"):
        return
    _platform(report, rules, board)
    if board.generation == "rknpu2" or facts.get("generation") == "rknpu2":
        _library(report, rules, board)
        if board.runtime_library != "librknnmrt":
            _model_version(report, rules, board.runtime, "the board's librknnrt")
        _size_rules(report, matrix, board)
        return
    built = toolkit_version(facts.get("toolkit_version"))
    _precompile(report, matrix, built, board.rknn_server, "a board with rknn_server", by_toolkit=False)
    if facts.get("precompiled") and built is not None and board.rknn_server is not None \
            and built.base != board.rknn_server.base:
        _add(report, "precompile_driver", WARNING, f"rknn_server {built.base[0]}.{built.base[1]}.{built.base[2]}",
             str(board.rknn_server), "A pre-compiled model usually needs rebuilding when the NPU driver changes: "
             "rebuild it on (or for) this board if it fails to load (UG 1.7.3 build(), TS 1.7.5 ch. 4 q. 12).",
             "ts-1.7.5 chapter 4 question 12")
    if board.rknn_server_installed is False and not facts.get("precompiled"):
        _add(report, "mini_driver", WARNING, "a pre-compiled model", "not pre-compiled",
             "rknn_server is not installed, which is how the Mini driver looks; the Mini driver runs only "
             "pre-compiled models (RKNN_ERR_NON_PRE_COMPILED_MODEL_ON_MINI_DRIVER): export one with "
             "rknn.export_rknn_precompile_model() or install the full driver.", "ug-1.7.5-en")


def _size_rules(report: ModelReport, matrix: Matrix, board: BoardFacts) -> None:
    """rknn_server_proxy.md 2.2: a model over 2 GB needs rknn_server >= 2.0.0b0 (connected mode only).

    The dynamic-shape rule of the same section is not applied: the .rknn reader does not read
    whether a model's inputs are dynamic.
    """
    for rule in matrix.rules_for("rknpu2", board.soc):
        if rule.model_bytes_over is None or report.size is None or report.size <= rule.model_bytes_over:
            continue
        need = f"rknn_server >= {rule.minimum}"
        found = f"{report.size} bytes"
        if board.rknn_server_installed is False:
            _add(report, "model_size", WARNING, need, f"{found}, no rknn_server",
                 f"{rule.text} The board has no rknn_server: on-board inference does not need it, connected "
                 "mode (running from the PC) does.", str(rule.cite))
        elif board.rknn_server is None:
            _add(report, "model_size", UNKNOWN, need, found,
                 f"{rule.text} The board's rknn_server version is unknown.", str(rule.cite))
        elif board.rknn_server.sort_key() < rule.minimum.sort_key():
            _add(report, "model_size", MISMATCH, need, f"{found}, rknn_server {board.rknn_server}",
                 f"{rule.text} Update rknn_server (and librknnrt) on the board to {rule.minimum} or newer for "
                 "connected mode.", str(rule.cite))
        else:
            _add(report, "model_size", OK, need, f"{found}, rknn_server {board.rknn_server}", None, str(rule.cite))


def _platform(report: ModelReport, rules: ModelRules, board: BoardFacts) -> None:
    targets = report.facts.get("target_platform")
    source = None
    if not targets and report.facts.get("generation") == "rknpu1":
        default = rules.table("default_target")
        if default:
            targets, source = default[0].fields["socs"], default[0].source
    if not targets:
        _add(report, "target_platform", UNKNOWN, board.soc, None, report.unknown.get("target_platform"))
        return
    shown = ", ".join(targets)
    if board.soc is None:
        _add(report, "target_platform", UNKNOWN, None, shown, f"The board's SoC is unknown: {board.reasons['soc']}")
        return
    soc = board.soc.upper()
    wanted = {t.upper() for t in targets}
    if soc in wanted:
        _add(report, "target_platform", OK, soc, shown, None, source)
        return
    group = rules.group_of(soc)
    if group and wanted & set(group.fields["socs"]):
        status = WARNING if group.fields.get("inferred") else OK
        note = "assumed (an inference, see the source)" if status == WARNING else None
        _add(report, "target_platform", status, soc, shown, note, group.source)
        return
    _add(report, "target_platform", MISMATCH, soc, shown,
         f"The model was built for {shown}, the board is {soc} ('The rknn model does not match the RKNPU hardware "
         f"version' / RKNN_ERR_TARGET_PLATFORM_UNMATCH): rebuild it with target_platform='{soc.lower()}'.",
         source or (group.source if group else None))


def _library(report: ModelReport, rules: ModelRules, board: BoardFacts) -> None:
    family = report.facts.get("family")
    rule = rules.library_for(family) if family else None
    if rule is None or board.runtime_library is None:
        return
    need = rule.fields["library"]
    if board.runtime_library == need:
        _add(report, "container_family", OK, need, board.runtime_library, None, rule.source)
    else:
        _add(report, "container_family", MISMATCH, need, board.runtime_library,
             f"A {family} model loads only in {need}, the board runs {board.runtime_library} (librknnmrt says "
             "'incompatible model version'): rebuild the model with the board's target_platform.", rule.source)


# --- framework files against the converting toolkit ------------------------------------------------------

def _framework(report: ModelReport, matrix: Matrix, rules: ModelRules, target: Release) -> None:
    fmt = report.format
    cell = target.frameworks.get(fmt)
    if cell is None:
        _add(report, "framework", UNKNOWN, None, fmt, f"The tables have no {fmt} cell for {target.label}.")
    elif cell == "not supported":
        _add(report, "framework", MISMATCH, f"a framework {target.label} converts", fmt,
             f"{target.label} does not convert {fmt} models (rknn-compat matrix); use a toolkit that does.",
             str(target.cites.get("frameworks", "")) or None)
        return
    else:
        _add(report, "framework", OK, cell, fmt, None, str(target.cites.get("frameworks", "")) or None)
    if fmt == "onnx":
        _onnx(report, matrix, rules, target, cell)
    elif fmt == "tflite":
        _tflite(report, cell, target)
    elif fmt == "pytorch":
        _torch(report, rules, cell, target)
    for rule in rules.file_rules(fmt):
        _file_rule(report, rule, target, cell)


def cell_max(cell: str | None) -> Version | None:
    """The newest version a framework cell admits: '1.12.0~2.8.0', '>=1.10.0, <=1.13.2', '1.6.0'."""
    if not cell:
        return None
    if "~" in cell:
        part = cell.split("~", 1)[1]
    elif "<=" in cell:
        part = cell.split("<=", 1)[1]
    elif cell.strip()[:1].isdigit():
        part = cell
    else:
        return None
    m = _VERSION.search(part)
    try:
        return parse_version(m.group(0)) if m else None
    except VersionError:
        return None


def _onnx(report: ModelReport, matrix: Matrix, rules: ModelRules, target: Release, cell: str) -> None:
    release = cell_max(cell)
    row = target.onnx if target.onnx else next((r for r in matrix.onnx if release and r.release.matches(release)),
                                               None)
    if row is not None:
        opset, ir, source = row.opset, row.ir, str(row.cite)
    else:
        fallback = rules.onnx_release(release) if release else None
        if fallback is None:
            _add(report, "onnx_opset", UNKNOWN, f"ONNX {cell}", report.facts.get("opset"),
                 f"No table gives the opset of ONNX {release or cell}.")
            return
        opset, ir, source = fallback.fields["opset"], fallback.fields["ir"], fallback.source
    found = report.facts.get("opset")
    fix = (f"Export with opset_version={opset} or lower (torch.onnx.export(..., opset_version={opset})), or use a "
           "toolkit whose ONNX is newer.")
    if found is None:
        _add(report, "onnx_opset", UNKNOWN, f"<= {opset}", None, report.unknown.get("opset"), source)
    else:
        _add(report, "onnx_opset", OK if found <= opset else MISMATCH, f"<= {opset} (ONNX {release})", found,
             None if found <= opset else fix, source)
    ir_found = report.facts.get("ir_version")
    if ir_found is not None:
        _add(report, "onnx_ir_version", OK if ir_found <= ir else MISMATCH, f"<= {ir}", ir_found,
             None if ir_found <= ir else f"IR version {ir_found} is newer than ONNX {release} reads ({ir}): "
             "export with an older onnx / exporter.", source)


def _tflite(report: ModelReport, cell: str, target: Release) -> None:
    m = _SCHEMA.search(cell)
    found = report.facts.get("schema_version")
    if not m:
        _add(report, "tflite_schema", UNKNOWN, cell, found, "The table's TFLite cell names no schema version.")
        return
    want = int(m.group(1))
    _add(report, "tflite_schema", OK if found == want else MISMATCH, want, found,
         None if found == want else f"{target.label} reads TFLite schema version {want} only.",
         str(target.cites.get("frameworks", "")) or None)


def _torch(report: ModelReport, rules: ModelRules, cell: str, target: Release) -> None:
    version = report.facts.get("format_version")
    newest = cell_max(cell)
    rule = rules.torch_release(version) if isinstance(version, int) else None
    if rule is None or newest is None:
        if version is not None:
            _add(report, "torch_format", UNKNOWN, f"torch <= {newest}" if newest else cell, f"format {version}",
                 f"No table gives the torch release of file format {version}.")
        return
    made = rule.fields["torch"]
    report.facts["torch_release"] = str(made)
    ok = made.base[:2] <= newest.base[:2]
    _add(report, "torch_format", OK if ok else MISMATCH, f"torch <= {newest}", f"format {version} (torch {made})",
         None if ok else f"Written by torch {made}, newer than the {newest} {target.label} supports: save it with "
         f"torch {newest} or older, or use a newer toolkit.", rule.source)


def _file_rule(report: ModelReport, rule, target: Release, cell: str | None) -> None:
    f = rule.fields
    if target.generation not in f["applies_to"]:
        return
    below = f.get("below")
    newest = cell_max(cell)
    if below is not None and (newest is None or newest.sort_key() >= below.sort_key()):
        return
    value = report.facts.get(f["fact"])
    if "contains" in f:
        hit = isinstance(value, (list, dict)) and f["contains"] in value
    else:
        hit = value in f["values"]
    if value is None and f["fact"] in report.unknown:
        _add(report, rule.fields["id"], UNKNOWN, None, None, report.unknown[f["fact"]], rule.source)
        return
    _add(report, f["id"], MISMATCH if hit else OK, "absent: " + f["text"].split(": '")[0],
         f"{f['fact']} = {value}", f"{f['text']}. {f['remedy']}" if hit else None, rule.source)
