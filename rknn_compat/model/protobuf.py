"""The protobuf wire format, read field by field without the generated classes.

ONNX (``onnx.ModelProto``), TensorFlow (``GraphDef``) and Caffe (``NetParameter``) files are
protobuf messages; the few version fields needed sit at the top level.  A length-delimited field
is handed back as (offset, length) and skipped by seeking, so a 2 GB ``graph`` costs one varint.
Wire format: protobuf's encoding guide (varint keys ``field << 3 | wire_type``; types 0 varint,
1 fixed64, 2 length-delimited, 5 fixed32; 3/4 are deprecated groups).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .source import NotAModel

WINDOW = 64 << 10


class BytesSource:
    """A ``read_at`` over bytes already in memory (a nested message)."""

    def __init__(self, data: bytes):
        self.data = data
        self.size = len(data)

    def read_at(self, offset: int, length: int, what: str = "data", exact: bool = True) -> bytes:
        if exact and offset + length > self.size:
            raise NotAModel(f"not protobuf: {what} runs past the end of its message")
        return self.data[offset:offset + length]


@dataclass(frozen=True)
class Field:
    number: int
    wire: int
    value: int = 0  # wire 0, 1, 5: the number
    offset: int = 0  # wire 2: where the body starts
    length: int = 0  # wire 2: its size


def fields(src, start: int = 0, end: int | None = None, what: str = "message",
           limit: int | None = None) -> Iterator[Field]:
    """Every field of the message in ``src[start:end]``, in file order; NotAModel if malformed.

    ``limit`` caps how many fields are yielded (the caller says what it needs)."""
    end = src.size if end is None else end
    buf, buf_at = b"", start
    pos, count = start, 0

    def byte(p: int) -> int:
        nonlocal buf, buf_at
        if not buf_at <= p < buf_at + len(buf):
            buf = src.read_at(p, min(WINDOW, end - p), what, exact=False)
            buf_at = p
            if not buf:
                raise NotAModel(f"not protobuf: {what} ends inside a field")
        return buf[p - buf_at]

    def varint(p: int) -> tuple[int, int]:
        result = shift = 0
        for _ in range(10):
            if p >= end:
                raise NotAModel(f"not protobuf: {what} ends inside a varint")
            b = byte(p)
            p += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result, p
            shift += 7
        raise NotAModel(f"not protobuf: a varint of more than 10 bytes in {what}")

    while pos < end:
        if limit is not None and count >= limit:
            return
        key, pos = varint(pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise NotAModel(f"not protobuf: field number 0 in {what}")
        if wire == 0:
            value, pos = varint(pos)
            yield Field(number, 0, value)
        elif wire == 2:
            length, pos = varint(pos)
            if pos + length > end:
                raise NotAModel(f"not protobuf: field {number} of {what} claims {length} bytes, past the end")
            yield Field(number, 2, offset=pos, length=length)
            pos += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > end:
                raise NotAModel(f"not protobuf: {what} ends inside field {number}")
            raw = src.read_at(pos, size, what)
            yield Field(number, wire, int.from_bytes(raw, "little"))
            pos += size
        else:
            raise NotAModel(f"not protobuf: wire type {wire} (field {number}) in {what}")
        count += 1


def body(src, field: Field, cap: int, what: str) -> bytes | None:
    """A length-delimited field's bytes, or None when it is larger than ``cap``."""
    if field.length > cap:
        return None
    return src.read_at(field.offset, field.length, what)


def text(src, field: Field, cap: int = 4096) -> str:
    """A string field, cut to ``cap`` bytes, invalid UTF-8 replaced."""
    data = src.read_at(field.offset, min(field.length, cap), "a string")
    return data.decode("utf-8", "replace")
