"""Builders of small model files for the model tests, from the documented layouts.

.rknn containers follow the real Rockchip samples (see tests/data/models/SOURCES.md); the FlatBuffer
parts are written with the ``flatbuffers`` package, ONNX with the ``onnx`` package itself.
"""

from __future__ import annotations

import json
import struct

import flatbuffers

NBG = b"VPMN" + struct.pack("<HH", 11, 1) + b"\x82\x00\x00\x00" + b"dummy_network_name".ljust(64, b"\0")


def rknn_flatbuffer(version=6, npu="RKNPU v2", compiler_int=10602, platform="rk3588", source="ONNX",
                    compiler="1.6.2-source_code(compiler version: 1.6.2b0 (b1e4be9ca@2024-03-04T09:14:44))") -> bytes:
    """The RKNN-Toolkit2 Model table: slot 0 model version, 1 NPU, 6 compiler int, 7 compiler, 8 platform, 9 source."""
    b = flatbuffers.Builder(256)
    strings = {slot: b.CreateString(text) for slot, text in ((1, npu), (7, compiler), (8, platform), (9, source))}
    b.StartObject(10)
    b.PrependInt32Slot(0, version, -1)
    b.PrependUOffsetTRelativeSlot(1, strings[1], 0)
    b.PrependInt32Slot(6, compiler_int, -1)
    for slot in (7, 8, 9):
        b.PrependUOffsetTRelativeSlot(slot, strings[slot], 0)
    b.Finish(b.EndObject(), file_identifier=b"RKNN")
    return bytes(b.Output())


def rknn_container(payload: bytes, desc, version: int = 6, tail: bytes = b"", header: int | None = None) -> bytes:
    """Magic, u64 version, u64 payload size, [40 zero bytes if version > 1], payload, u64 JSON size, JSON."""
    raw = desc if isinstance(desc, bytes) else json.dumps(desc).encode()
    header = header or (64 if version > 1 else 24)
    out = b"RKNN\0\0\0\0" + struct.pack("<QQ", version, len(payload)) + bytes(header - 24)
    return out + payload + struct.pack("<Q", len(raw)) + raw + tail


def toolkit2_rknn(**fb) -> bytes:
    version = fb.pop("container", 6)
    desc = {"version": fb.pop("toolkit", "1.6.2-source_code"), "target_platform": [fb.get("platform", "rk3588")],
            "network_platform": "ONNX", "ori_network_platform": "ONNX", "name": "rknn model",
            "nodes": [{"op": "RKNN_OP_NNBG"}]}
    return rknn_container(rknn_flatbuffer(**fb), desc, version)


def toolkit1_rknn(toolkit="1.6.0", target=("RK1808",), pre_compile=0, nbg=True) -> bytes:
    desc = {"network_platform": "caffe", "ori_network_platform": "tensorflow", "version": toolkit,
            "ovxlib_version": "1.1.24", "pre_compile": pre_compile,
            "nodes": [{"op": "VSI_NN_OP_NBG" if nbg else "VSI_NN_OP_CONV2D"}]}
    if target:
        desc["target_platform"] = list(target)
    return rknn_container(NBG if nbg else b"\x01\x02\x03\x04weights", desc, 1)


# --- protobuf, for GraphDef and caffemodel files ---------------------------------------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_field(number: int, value) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def tf_graph(nodes, producer=27) -> bytes:
    """GraphDef: node = 1 (NodeDef name 1, op 2, attr 5 map entries key 1 / value 2), versions = 4."""
    out = b""
    for name, op, attrs in nodes:
        node = pb_field(1, name) + pb_field(2, op)
        for key in attrs:
            node += pb_field(5, pb_field(1, key) + pb_field(2, pb_field(2, b"VALID")))
        out += pb_field(1, node)
    return out + pb_field(4, pb_field(1, producer))


def tflite_model(version=3, min_runtime: str | None = "2.3.0") -> bytes:
    """schema.fbs Model: version (0), subgraphs (2), description (3), buffers (4), metadata (6)."""
    b = flatbuffers.Builder(256)
    desc = b.CreateString("MLIR Converted.")
    buffers, metas = [], []
    if min_runtime:
        data = b.CreateByteVector(min_runtime.encode().ljust(16, b"\0"))
        b.StartObject(1)
        b.PrependUOffsetTRelativeSlot(0, data, 0)
        buffers.append(b.EndObject())
        name = b.CreateString("min_runtime_version")
        b.StartObject(2)
        b.PrependUOffsetTRelativeSlot(0, name, 0)
        b.PrependUint32Slot(1, 0, 0)
        metas.append(b.EndObject())

    def vector(items):
        b.StartVector(4, len(items), 4)
        for item in reversed(items):
            b.PrependUOffsetTRelative(item)
        return b.EndVector()

    buf_vec, meta_vec = vector(buffers), vector(metas)
    b.StartObject(7)
    b.PrependUint32Slot(0, version, 0)
    b.PrependUOffsetTRelativeSlot(3, desc, 0)
    b.PrependUOffsetTRelativeSlot(4, buf_vec, 0)
    b.PrependUOffsetTRelativeSlot(6, meta_vec, 0)
    b.Finish(b.EndObject(), file_identifier=b"TFL3")
    return bytes(b.Output())


def onnx_model(opset=11, ir=6, producer="pytorch"):
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name=producer,
                              producer_version="1.10")
    model.ir_version = ir
    return onnx._serialize(model) if hasattr(onnx, "_serialize") else model.SerializeToString()
