"""Just enough of the FlatBuffers binary format to read a root table's scalars and strings.

RKNN-Toolkit2 payloads (identifier ``RKNN``) and TFLite files (identifier ``TFL3``) are
FlatBuffers.  Layout (google/flatbuffers ``docs/source/internals.md``): a u32 offset to the root
table; a table starts with an i32 back-offset to its vtable; the vtable is u16 vtable size,
u16 table size, then one u16 field offset per slot (0 = absent).  Strings and vectors are a u32
offset to a u32 length and the data.  Every offset is checked against the buffer, every read is
a few bytes through ``read_at``, so a lying offset is a reason, never a crash or a big read.
"""

from __future__ import annotations

import struct

from .source import NotAModel

MAX_VECTOR = 1 << 20  # entries of a vector this reader walks (TFLite metadata, buffers)


class Buffer:
    """A FlatBuffer at ``base`` of ``size`` bytes inside ``src`` (a ModelFile or BytesSource)."""

    def __init__(self, src, base: int, size: int, what: str):
        self.src, self.base, self.size, self.what = src, base, size, what

    def _get(self, pos: int, n: int) -> bytes:
        if pos < 0 or pos + n > self.size:
            raise NotAModel(f"{self.what}: an offset points outside the FlatBuffer ({pos} of {self.size})")
        return self.src.read_at(self.base + pos, n, self.what)

    def u32(self, pos: int) -> int:
        return struct.unpack("<I", self._get(pos, 4))[0]

    def identifier(self) -> bytes:
        return self._get(4, 4) if self.size >= 8 else b""

    def root(self) -> Table:
        return Table(self, self.u32(0))

    def string_at(self, pos: int, cap: int = 4096) -> str:
        length = self.u32(pos)
        data = self._get(pos + 4, min(length, cap))
        return data.decode("utf-8", "replace")


class Table:
    def __init__(self, buf: Buffer, pos: int):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack("<i", buf._get(pos, 4))[0]
        vt_size = struct.unpack("<H", buf._get(vt, 2))[0]
        if vt_size < 4 or vt_size % 2:
            raise NotAModel(f"{buf.what}: a vtable of {vt_size} bytes is not a FlatBuffer")
        self.slots = (vt_size - 4) // 2
        self._vt = vt

    def _field(self, slot: int) -> int | None:
        if slot >= self.slots:
            return None
        rel = struct.unpack("<H", self.buf._get(self._vt + 4 + 2 * slot, 2))[0]
        return self.pos + rel if rel else None

    def has(self, slot: int) -> bool:
        return self._field(slot) is not None

    def uint(self, slot: int, size: int = 4, default: int | None = None) -> int | None:
        at = self._field(slot)
        if at is None:
            return default
        return int.from_bytes(self.buf._get(at, size), "little")

    def string(self, slot: int, cap: int = 4096) -> str | None:
        at = self._field(slot)
        if at is None:
            return None
        return self.buf.string_at(at + self.buf.u32(at), cap)

    def vector(self, slot: int) -> tuple[int, int] | None:
        """(position of the first element, element count)."""
        at = self._field(slot)
        if at is None:
            return None
        start = at + self.buf.u32(at)
        return start + 4, self.buf.u32(start)

    def tables(self, slot: int, limit: int = MAX_VECTOR) -> list[Table]:
        """The tables of a vector field (at most ``limit``)."""
        vec = self.vector(slot)
        if vec is None:
            return []
        first, count = vec
        return [Table(self.buf, first + 4 * i + self.buf.u32(first + 4 * i)) for i in range(min(count, limit))]

    def element(self, slot: int, index: int) -> Table | None:
        """Table ``index`` of a vector field, or None when there is no such element."""
        vec = self.vector(slot)
        if vec is None or not 0 <= index < vec[1]:
            return None
        at = vec[0] + 4 * index
        return Table(self.buf, at + self.buf.u32(at))

    def data(self, slot: int, cap: int) -> bytes | None:
        """The first ``cap`` bytes of a ``[ubyte]`` field."""
        vec = self.vector(slot)
        return None if vec is None else self.buf._get(vec[0], min(vec[1], cap))

    def table(self, slot: int) -> Table | None:
        at = self._field(slot)
        return None if at is None else Table(self.buf, at + self.buf.u32(at))
