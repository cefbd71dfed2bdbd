"""ONNX files (``onnx.ModelProto``): IR version, opset imports, producer, read off the wire format.

Fields (onnx/onnx ``onnx/onnx.proto``): ``ir_version = 1`` (int64), ``producer_name = 2``,
``producer_version = 3``, ``domain = 4``, ``model_version = 5``, ``graph = 7`` (skipped by
seeking), ``opset_import = 8`` (``OperatorSetIdProto {domain = 1; version = 2}``; domain "" is
ai.onnx).  The official serializer writes fields in number order, so the opsets come after the
graph: every top-level field is visited, none is assumed to be first.
"""

from __future__ import annotations

from . import protobuf
from .results import ModelReport
from .source import ModelFile, NotAModel

MAX_TOP_FIELDS = 1 << 16  # a ModelProto has a dozen top-level fields; metadata_props may add some


def looks_like(head: bytes) -> bool:
    """ONNX files start with ir_version (field 1, varint): key byte 0x08, then a small number."""
    return len(head) >= 2 and head[0] == 0x08 and 1 <= head[1] <= 20


def read(mf: ModelFile, report: ModelReport) -> None:
    report.format = "onnx"
    facts = report.facts
    opsets: dict[str, int] = {}
    graph = False
    for f in protobuf.fields(mf, what="ModelProto", limit=MAX_TOP_FIELDS):
        if f.number == 1 and f.wire == 0:
            facts["ir_version"] = f.value
        elif f.number in (2, 3, 4) and f.wire == 2:
            facts[("producer_name", "producer_version", "domain")[f.number - 2]] = protobuf.text(mf, f, 256)
        elif f.number == 5 and f.wire == 0:
            facts["model_version"] = f.value
        elif f.number == 7 and f.wire == 2:
            graph = True
            facts["graph_bytes"] = f.length
        elif f.number == 8 and f.wire == 2:
            domain, version = _opset(mf, f)
            opsets[domain or "ai.onnx"] = max(version, opsets.get(domain or "ai.onnx", 0))
    if "ir_version" not in facts:
        raise NotAModel("not an ONNX model: no ir_version (field 1)")
    if not graph:
        report.notes.append("the model has no graph (field 7)")
    facts["opset_import"] = opsets
    facts["opset"] = opsets.get("ai.onnx")
    if facts["opset"] is None:
        report.unknown["opset"] = "no opset_import for the default domain (ai.onnx)"


def _opset(mf: ModelFile, f: protobuf.Field) -> tuple[str, int]:
    data = protobuf.body(mf, f, 4096, "an opset_import")
    if data is None:
        raise NotAModel("not an ONNX model: an opset_import entry of more than 4 KiB")
    src = protobuf.BytesSource(data)
    domain, version = "", 0
    for sub in protobuf.fields(src, what="OperatorSetIdProto", limit=64):
        if sub.number == 1 and sub.wire == 2:
            domain = protobuf.text(src, sub, 256)
        elif sub.number == 2 and sub.wire == 0:
            version = sub.value
    return domain, version
