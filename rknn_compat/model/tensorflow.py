"""TensorFlow frozen graphs (``.pb``, ``tensorflow.GraphDef``): producer, ops and attributes.

tensorflow/tensorflow ``core/framework/graph.proto``: ``GraphDef { node = 1 (NodeDef);
library = 2; version = 3 (deprecated); versions = 4 (VersionDef) }``; ``versions.proto``:
``VersionDef { producer = 1; min_consumer = 2; bad_consumers = 3 }``; ``node_def.proto``:
``NodeDef { name = 1; op = 2; input = 3; device = 4; attr = 5 (map<string, AttrValue>) }``.
Only op names and attribute *keys* are read (every value is skipped by seeking): an attribute
such as Conv2D's ``explicit_paddings`` (tensorflow commit ec81825a, TF 1.14) is what an older
converter rejects (RKNN Toolkit TS 1.3.2 section 4.4).
"""

from __future__ import annotations

from . import protobuf
from .results import ModelReport
from .source import ModelFile, NotAModel

MAX_NODES = 1 << 20
MAX_NAMES = 4096  # distinct ops / attribute keys kept


def looks_like(head: bytes) -> bool:
    """A GraphDef starts with a node (field 1, length-delimited: key byte 0x0a) or versions (0x22)."""
    return len(head) >= 2 and head[0] in (0x0A, 0x22)


def read(mf: ModelFile, report: ModelReport) -> None:
    report.format = "tensorflow"
    facts = report.facts
    ops: dict[str, int] = {}
    attrs: set[str] = set()
    nodes = 0
    for f in protobuf.fields(mf, what="GraphDef", limit=MAX_NODES + 16):
        if f.number == 1 and f.wire == 2:
            nodes += 1
            _node(mf, f, ops, attrs)
        elif f.number == 4 and f.wire == 2:
            for sub in protobuf.fields(mf, f.offset, f.offset + f.length, "VersionDef", limit=64):
                if sub.wire == 0 and sub.number in (1, 2):
                    facts[("producer", "min_consumer")[sub.number - 1]] = sub.value
        elif f.number == 3 and f.wire == 0:
            facts["graph_version"] = f.value
        elif f.wire != 2 or f.number not in (2,):
            raise NotAModel(f"not a TensorFlow GraphDef: unexpected field {f.number} (wire type {f.wire})")
    if not nodes:
        raise NotAModel("not a TensorFlow GraphDef: no nodes")
    facts["nodes"] = nodes
    facts["ops"] = dict(sorted(ops.items()))
    facts["attributes"] = sorted(attrs)
    if "producer" not in facts:
        report.unknown["producer"] = "the graph has no versions (VersionDef)"


def _node(mf: ModelFile, f: protobuf.Field, ops: dict, attrs: set) -> None:
    for sub in protobuf.fields(mf, f.offset, f.offset + f.length, "NodeDef", limit=1 << 16):
        if sub.number == 2 and sub.wire == 2 and len(ops) < MAX_NAMES:
            op = protobuf.text(mf, sub, 128)
            ops[op] = ops.get(op, 0) + 1
        elif sub.number == 5 and sub.wire == 2 and len(attrs) < MAX_NAMES:
            for entry in protobuf.fields(mf, sub.offset, sub.offset + sub.length, "an attr entry", limit=4):
                if entry.number == 1 and entry.wire == 2:
                    attrs.add(protobuf.text(mf, entry, 128))
                    break
