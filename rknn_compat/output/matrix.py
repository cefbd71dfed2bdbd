"""What `rknn-compat matrix` prints: releases as JSON, or flattened for tables and CSV.

The tables have no one result type, so the JSON documents are built (and given their
``schema_version``) here; ``Release.to_dict()`` is a part of them.
"""

from __future__ import annotations

from ..schemas import versioned
from ..tables import COMPONENTS, LookUp, NewerThanTables, Release, Requirement
from ..tables.model import Platform, Rule
from . import formats

COMPONENT_COLUMNS = [
    ("toolkit", "toolkit"),
    ("generation", "gen"),
    ("rknn_server", "rknn_server"),
    ("npu_driver", "NPU driver (galcore / rknpu)"),
    ("librknn_runtime", "librknn_runtime"),
    ("released", "released"),
]
FRAMEWORK_COLUMNS = [
    ("tensorflow", "TensorFlow"),
    ("tflite", "TF Lite"),
    ("caffe", "Caffe"),
    ("onnx", "ONNX (opset / supported IR)"),
    ("darknet", "Darknet"),
    ("pytorch", "PyTorch"),
    ("mxnet", "MXNet"),
    ("keras", "Keras"),
]
BOARD_COLUMNS = [("toolkit", "board release"), ("generation", "gen"), ("socs", "boards"),
                 *COMPONENT_COLUMNS[2:]]
_TEXT = ("table", "markdown")


def requirement_text(req: Requirement) -> str:
    """A cell as the tables mean it: the versions, and whether it is advice or never shipped."""
    text = req.describe()
    if req.stated and req.recommended:
        text += " (recommended)"
    if not req.published:
        text += " (never published)"
    return text


def flat_row(rel: Release) -> dict:
    """One line per release: component cells and framework cells."""
    row = {"toolkit": str(rel.toolkit), "generation": rel.generation, "released": rel.released or "",
           "socs": " ".join(rel.socs)}
    for comp in COMPONENTS:
        req = rel.components.get(comp)
        row[comp] = requirement_text(req) if req else ""
    for key, _ in FRAMEWORK_COLUMNS:
        row[key] = rel.frameworks.get(key, "")
    if rel.onnx:
        row["onnx"] = f"{rel.frameworks['onnx']} ({rel.onnx.opset} / {rel.onnx.ir})"
    row["source"] = "; ".join(f"{k}: {c.source.id} {c.section}" for k, c in rel.cites.items())
    return row


def releases_text(releases: list[Release], fmt: str, query: dict | None = None,
                  board_releases: list[Release] | None = None) -> str:
    if fmt == "json":
        data: dict = {"releases": [r.to_dict() for r in releases]}
        if query is not None:
            data = {"query": query, "toolkits": [r.label for r in releases], **data}
        if board_releases is not None:
            data["board_releases"] = [r.to_dict() for r in board_releases]
        return formats.to_json(versioned(data)) + "\n"
    every = releases + list(board_releases or [])
    if fmt == "jsonl":
        return formats.to_jsonl([versioned(r.to_dict()) for r in every])
    if fmt == "csv":
        columns = COMPONENT_COLUMNS + FRAMEWORK_COLUMNS + [("kind", "kind"), ("source", "source")]
        return formats.rows_text([{**flat_row(r), "kind": r.kind} for r in every], columns, fmt)
    out = ""
    if releases:
        rows = [flat_row(r) for r in releases]
        out = (formats.rows_text(rows, COMPONENT_COLUMNS, fmt) + "\n"
               + formats.rows_text(rows, [("toolkit", "toolkit"), ("generation", "gen")] + FRAMEWORK_COLUMNS, fmt))
    if board_releases:
        out += ("\n" if out else "") + ("Board releases no toolkit release lists:\n" if fmt == "table" else "")
        out += formats.rows_text([flat_row(r) for r in board_releases], BOARD_COLUMNS, fmt)
    return out


def release_text(rel: Release, fmt: str) -> str:
    """One release, vertically, with its sources and notes (table/markdown)."""
    if fmt not in _TEXT:
        return releases_text([rel], fmt)
    row = flat_row(rel)
    title = f"{rel.product} {rel.toolkit}" + (" (derived)" if rel.kind == "derived" else "")
    pairs = [("release", title)]
    pairs += [("also named", ", ".join(rel.aliases))] if rel.aliases else []
    pairs += [("released", rel.released)] if rel.released else []
    pairs += [(header, row[key]) for key, header in COMPONENT_COLUMNS[2:5]]
    for comp in COMPONENTS:
        req = rel.components[comp]
        if req.accepts is not None and req.accepts.printed != req.describe():
            pairs.append((f"  {comp} as printed", req.accepts.printed))
        if req.aliases:
            pairs.append((f"  {comp} also printed", " | ".join(req.aliases)))
    pairs += [(header, row[key]) for key, header in FRAMEWORK_COLUMNS if row.get(key)]
    pairs += [(f"pin {name}", spec) for name, spec in rel.pins.items()]
    pairs += [("python", " ".join(rel.python))] if rel.python else []
    pairs += [(f"source ({what})", str(cite)) for what, cite in rel.cites.items()]
    pairs += [("note", n) for n in rel.notes]
    return formats.pairs_text(pairs, fmt)


def lookup_text(result: LookUp, fmt: str) -> str:
    """A reverse look-up: how the query was read, the toolkit rows, the board-only rows."""
    if fmt == "json":
        data = {"query": result.query, "toolkits": [r.label for r in result.releases],
                "releases": [r.to_dict() for r in result.releases],
                "board_releases": [r.to_dict() for r in result.board_releases], "notes": list(result.notes)}
        return formats.to_json(versioned(data)) + "\n"
    if fmt not in _TEXT:
        return releases_text(result.releases, fmt, board_releases=result.board_releases)
    if not result.releases and not result.board_releases:
        return ""
    head = "".join(f"read: {n}\n" for n in result.notes)
    return head + ("\n" if head else "") + releases_text(result.releases, fmt, board_releases=result.board_releases)


def newer_text(exc: NewerThanTables, fmt: str) -> str:
    """A release newer than the tables: the derived row, marked as such, and how far the tables reach."""
    horizon = exc.horizon
    reach = {"product": horizon.product.name, "version": str(exc.wanted), "known_up_to": str(horizon.newest.toolkit),
             "dated": horizon.newest.released, "checked": horizon.product.checked,
             "checked_against": horizon.product.checked_against}
    if fmt == "json":
        return formats.to_json(versioned({"newer_than_tables": reach, "releases": [exc.derived.to_dict()]})) + "\n"
    if fmt not in _TEXT:
        return releases_text([exc.derived], fmt)
    return release_text(exc.derived, fmt)


def platform_text(platform: Platform, rules: list[Rule], fmt: str) -> str:
    """One SoC: its generation, where its libraries live, its firmware releases, the rules for it."""
    data = versioned({**platform.to_dict(), "rules": [r.to_dict() for r in rules]})
    if fmt in ("json", "jsonl"):
        return (formats.to_json(data) + "\n") if fmt == "json" else formats.to_jsonl([data])
    pairs = [("soc", platform.soc), ("generation", f"{platform.generation} ({data['product']})")]
    for key in ("added", "runtime_library", "runtime_dir", "rknn_server_dir", "rknn_server_since"):
        if data[key]:
            pairs.append((key.replace("_", " "), data[key]))
    for fw in platform.firmware:
        driver = f", NPU driver {fw.npu_driver}" if fw.npu_driver else ""
        pairs.append(("NPU firmware", f"{fw.release} ({fw.released}{driver}; {fw.cite.source.id} {fw.cite.section})"))
    for rule in rules:
        kind = "recommended" if rule.recommended else "required"
        pairs.append((f"rule ({kind})", f"{rule.text} [{rule.when}] ({rule.cite})"))
    pairs += [(f"source ({what})", str(c)) for what, c in [("platform", platform.cite), *platform.cites.items()]]
    pairs += [("note", n) for n in platform.notes]
    return formats.pairs_text(pairs, fmt)
