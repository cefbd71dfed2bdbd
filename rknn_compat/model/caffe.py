"""Caffe models: a ``.prototxt`` (text) or ``.caffemodel`` (binary ``caffe.NetParameter``).

What the RKNN Toolkit manual (TS 1.3.2) says fails, and what shows it in the file:
layer format V0/V1 (3.7, "Not supported caffenet model version(v0 layer or v1 layer)"): V2 nets
use ``layer`` (field 100), V1 nets ``layers`` (field 2, V1LayerParameter), V0 nets ``layers`` that
each wrap ``layer`` (field 1, V0LayerParameter) (BVLC/caffe ``src/caffe/proto/caffe.proto``
8a65ae31; ``upgrade_proto.cpp`` NetNeedsV0ToV1Upgrade / NetNeedsV1ToV2Upgrade); the old
``input:`` / ``input_dim:`` declaration (3.1, "Deprecated caffe input usage", NetParameter fields
3 and 4); ``round_mode`` in a pooling layer (3.2, not in BVLC's PoolingParameter).
"""

from __future__ import annotations

import re

from . import protobuf
from .results import ModelReport
from .source import ModelFile

TEXT_CAP = 16 << 20
MAX_LAYERS = 1 << 20
_TOKEN = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|([A-Za-z_][A-Za-z0-9_]*)\s*([{:])?|(\})')


def looks_like_text(head: bytes) -> bool:
    text = head.decode("utf-8", "replace")
    return bool(re.search(r"^\s*(layers?|input|name)\s*[{:]", text, re.M))


def read_text(mf: ModelFile, report: ModelReport) -> None:
    report.format = "caffe"
    data = mf.read_at(0, min(mf.size, TEXT_CAP), "the prototxt")
    if mf.size > TEXT_CAP:
        report.notes.append(f"only the first {TEXT_CAP >> 20} MiB of the prototxt was read")
    text = data.decode("utf-8", "replace")
    depth, stack = 0, []  # stack: names of the open blocks
    v1 = v2 = v0 = 0
    top_fields: set[str] = set()
    round_mode = False
    for m in _TOKEN.finditer(text):
        name, sep, close = m.group(1), m.group(2), m.group(3)
        if close:
            if stack:
                stack.pop()
            depth = len(stack)
            continue
        if not name:
            continue  # a comment or a string
        if sep == "{":
            if depth == 0 and name == "layer":
                v2 += 1
            elif depth == 0 and name == "layers":
                v1 += 1
            elif depth == 1 and name == "layer" and stack[0] == "layers":
                v0 += 1
            stack.append(name)
            depth = len(stack)
        elif sep == ":":
            if depth == 0:
                top_fields.add(name)
            if name == "round_mode":
                round_mode = True
    _facts(report, v0, max(v1 - v0, 0), v2, top_fields, round_mode)
    report.facts["file_kind"] = "prototxt"


def read_binary(mf: ModelFile, report: ModelReport) -> None:
    report.format = "caffe"
    v0 = v1 = v2 = 0
    top_fields: set[str] = set()
    names = {1: "name", 3: "input", 4: "input_dim", 8: "input_shape", 7: "state"}
    for f in protobuf.fields(mf, what="NetParameter", limit=MAX_LAYERS):
        if f.number == 100 and f.wire == 2:
            v2 += 1
        elif f.number == 2 and f.wire == 2:
            wrapped = any(sub.number == 1 and sub.wire == 2
                          for sub in protobuf.fields(mf, f.offset, f.offset + f.length, "a V1 layer", limit=64))
            v0, v1 = (v0 + 1, v1) if wrapped else (v0, v1 + 1)
        elif f.number in names:
            top_fields.add(names[f.number])
    _facts(report, v0, v1, v2, top_fields, None)
    report.facts["file_kind"] = "caffemodel"
    report.unknown["round_mode"] = "not read from a binary caffemodel (check the prototxt)"


def _facts(report: ModelReport, v0: int, v1: int, v2: int, top_fields: set, round_mode) -> None:
    facts = report.facts
    facts["layers_v0"], facts["layers_v1"], facts["layers_v2"] = v0, v1, v2
    facts["layer_format"] = "V0" if v0 else "V1" if v1 else "V2" if v2 else None
    if facts["layer_format"] is None:
        report.unknown["layer_format"] = "no layer or layers block found"
    facts["deprecated_input"] = bool(top_fields & {"input", "input_dim"})
    facts["round_mode"] = round_mode
