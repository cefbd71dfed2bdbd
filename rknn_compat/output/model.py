"""How ``rknn-compat model`` looks: per file its facts, its findings with remedies, its verdict."""

from __future__ import annotations

import re

from . import formats

# file-derived text reaches the terminal: no escape sequences, no C0/C1 control characters
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# the facts shown first, per format (the JSON has them all)
SHOWN = {
    "rknn": ("product", "toolkit_version", "target_platform", "container_version", "family", "payload",
             "model_version", "compiler_version", "npu_generation", "source_framework", "precompiled",
             "nbg_version", "encrypted"),
    "onnx": ("ir_version", "opset", "opset_import", "producer_name", "producer_version"),
    "tflite": ("schema_version", "min_runtime_version", "subgraphs"),
    "caffe": ("file_kind", "layer_format", "deprecated_input", "round_mode"),
    "tensorflow": ("producer", "min_consumer", "nodes", "attributes"),
    "pytorch": ("container", "kind", "format_version", "torch_release", "checkpoint_keys", "pickled_class"),
    "darknet": ("layers", "layer_types", "input"),
}


def model_text(report, fmt: str) -> str:
    """``report``: a :class:`rknn_compat.model.ModelsReport`."""
    if fmt == "json":
        return formats.to_json(report.to_dict()) + "\n"
    target = report.target
    lines = [f"target toolkit: {target['toolkit']} ({target['source']})" if target.get("toolkit")
             else f"target toolkit: none ({target.get('reason')})"]
    if report.device is not None:
        d = report.device
        lines.append(f"board {d.get('serial') or '?'}: SoC {d.get('soc') or 'unknown'}, {d.get('generation') or '?'}, "
                     f"runtime {d.get('runtime_library') or ''} {d.get('runtime') or 'unknown'}, "
                     f"rknn_server {d.get('rknn_server') or 'unknown'}"
                     + (f" (error: {d['error']})" if d.get("error") else ""))
    for model in report.models:
        lines.append("")
        lines.append(f"{_clean(model.path)}  [{model.format}]")
        if model.error:
            lines.append(f"error: {_clean(model.error)}")
        else:
            rows = [{"k": k, "v": _value(model.facts.get(k))} for k in SHOWN.get(model.format, ())
                    if k in model.facts or k in model.unknown]
            for row in rows:
                if row["v"] == "" and row["k"] in model.unknown:
                    row["v"] = f"unknown ({model.unknown[row['k']]})"
            if rows:
                lines.append(formats.pairs_text([(r["k"], r["v"]) for r in rows], "table").rstrip("\n"))
        if model.findings:
            rows = [{"c": f.check, "s": f.status, "e": f.expected or "", "f": f.found or ""} for f in model.findings]
            lines.append(formats.rows_text(rows, [("c", "check"), ("s", "status"), ("e", "expected"),
                                                 ("f", "found")], "table").rstrip("\n"))
            for f in model.findings:
                if f.remedy and f.status != "ok":
                    lines.append(f"- {f.check}: {_clean(f.remedy)}" + (f" [{f.source}]" if f.source else ""))
        for note in model.notes:
            lines.append(f"note: {_clean(note)}")
        lines.append(f"verdict: {model.verdict}")
    if len(report.models) > 1:
        lines.append("")
        lines.append(f"overall: {report.verdict}")
    return "\n".join(lines) + "\n"


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return _clean(str(value))


def _clean(text: str) -> str:
    return _CONTROL.sub("?", text)
