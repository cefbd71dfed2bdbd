"""Which reader a file gets: by its first bytes first, by its name only where bytes cannot tell.

Magic numbers: ``RKNN``/``CYPTRKNN``/``RKNX``/``VPMN`` (.rknn family), ``TFL3`` at byte 4 (TFLite),
``PK\\x03\\x04`` or a pickle protocol byte (PyTorch), ``[net]`` (Darknet).  Protobuf files have no
magic, so ``.onnx``, ``.pb`` and ``.caffemodel`` are told apart by name (and ONNX by its first
field).  A Git LFS pointer (``version https://git-lfs.github.com/spec/v1``) is named as such.
"""

from __future__ import annotations

import os
import re

from . import caffe, darknet, onnx, pytorch, rknn, tensorflow, tflite
from .source import NotAModel

LFS = re.compile(rb"^version https://git-lfs\.github\.com/spec/v1\s*\noid sha256:([0-9a-f]{64})\s*\nsize (\d+)")
PROTOBUF_BY_NAME = {".onnx": onnx.read, ".pb": tensorflow.read, ".caffemodel": caffe.read_binary}
TEXT_BY_NAME = {".prototxt": caffe.read_text, ".pbtxt": caffe.read_text, ".cfg": darknet.read}


def reader_for(path: str, head: bytes):
    """The function that reads this file, or NotAModel with the reason."""
    m = LFS.match(head)
    if m:
        raise NotAModel(f"a Git LFS pointer, not the model (oid sha256:{m.group(1).decode()[:12]}..., "
                        f"{m.group(2).decode()} bytes): run `git lfs pull` to fetch the file")
    if head[:4] in (b"RKNN", b"RKNX", b"VPMN") or head[:8] == b"CYPTRKNN":
        return rknn.read
    if tflite.looks_like(head):
        return tflite.read
    if pytorch.looks_like(head):
        return pytorch.read
    ext = os.path.splitext(path)[1].lower()
    if ext in TEXT_BY_NAME:
        return TEXT_BY_NAME[ext]
    if ext in PROTOBUF_BY_NAME:
        return PROTOBUF_BY_NAME[ext]
    if darknet.looks_like(head):
        return darknet.read
    if caffe.looks_like_text(head):
        return caffe.read_text
    if onnx.looks_like(head):
        return onnx.read
    if not head:
        raise NotAModel("empty file")
    if ext in (".rknn", ".tflite", ".pt", ".pth", ".onnx"):
        raise NotAModel(f"a {ext} file whose first bytes ({head[:8].hex()}) are not that format's "
                        "(truncated, or another file renamed)")
    raise NotAModel(f"unknown format (first bytes {head[:8].hex()}; known: .rknn, .onnx, .tflite, .prototxt, "
                    ".caffemodel, .pb, .pt/.pth, .cfg)")
