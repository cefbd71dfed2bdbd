"""What `rknn-compat matrix` prints: releases as JSON, or flattened for tables and CSV."""

from __future__ import annotations

from ..tables import COMPONENT_LABELS, COMPONENTS, Release
from ..tables.model import LookUp
from . import formats

COMPONENT_COLUMNS = [
    ("toolkit", "toolkit"),
    ("generation", "gen"),
    ("rknn_server", "rknn_server"),
    ("npu_driver", COMPONENT_LABELS["npu_driver"]),
    ("librknn_runtime", "librknn_runtime"),
]
FRAMEWORK_COLUMNS = [
    ("tensorflow", "TensorFlow"),
    ("tflite", "TF Lite"),
    ("caffe", "Caffe"),
    ("onnx", "ONNX (opset/IR)"),
    ("darknet", "Darknet"),
    ("pytorch", "PyTorch"),
    ("mxnet", "MXNet"),
    ("keras", "Keras"),
]


def flat_row(rel: Release) -> dict:
    """One line per release: normalised component versions and framework cells."""
    row = {"toolkit": str(rel.toolkit), "generation": rel.generation}
    for comp in COMPONENTS:
        req = rel.components.get(comp)
        row[comp] = req.describe() if req else ""
    for key, _ in FRAMEWORK_COLUMNS:
        row[key] = rel.frameworks.get(key, "")
    if rel.onnx:
        row["onnx"] = f"{rel.frameworks['onnx']} ({rel.onnx.opset}/{rel.onnx.ir})"
    row["source"] = "; ".join(f"{k}: {c.source.id} {c.section}" for k, c in rel.cites.items())
    return row


def releases_text(releases: list[Release], fmt: str, query: dict | None = None) -> str:
    if fmt == "json":
        data: dict = {"releases": [r.to_dict() for r in releases]}
        if query is not None:
            data = {"query": query, "toolkits": [r.label for r in releases], **data}
        return formats.to_json(data) + "\n"
    if fmt == "jsonl":
        return formats.to_jsonl([r.to_dict() for r in releases])
    rows = [flat_row(r) for r in releases]
    if fmt == "csv":
        return formats.rows_text(rows, COMPONENT_COLUMNS + FRAMEWORK_COLUMNS + [("source", "source")], fmt)
    return (
        formats.rows_text(rows, COMPONENT_COLUMNS, fmt)
        + "\n"
        + formats.rows_text(rows, [("toolkit", "toolkit"), ("generation", "gen")] + FRAMEWORK_COLUMNS, fmt)
    )


def release_text(rel: Release, fmt: str) -> str:
    """One release, vertically, with its sources and notes (table/markdown)."""
    if fmt in ("json", "jsonl", "csv"):
        return releases_text([rel], fmt)
    row = flat_row(rel)
    pairs = [("release", f"{rel.product} {rel.toolkit}")]
    pairs += [(header, row[key]) for key, header in COMPONENT_COLUMNS[2:]]
    for comp in COMPONENTS:
        req = rel.components[comp]
        if req.accepts is not None and req.accepts.printed != req.describe():
            pairs.append((f"  {comp} as printed", req.accepts.printed))
    pairs += [(header, row[key]) for key, header in FRAMEWORK_COLUMNS if row.get(key)]
    pairs += [(f"source ({what})", str(cite)) for what, cite in rel.cites.items()]
    pairs += [("note", n) for n in rel.notes]
    return formats.pairs_text(pairs, fmt)


def lookup_text(result: LookUp, fmt: str) -> str:
    """A reverse look-up; with no release found, the text formats show nothing (stderr says why)."""
    if not result.releases and fmt not in ("json", "jsonl", "csv"):
        return ""
    return releases_text(result.releases, fmt, query=result.query)
