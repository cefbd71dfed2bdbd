"""Bounded access to a model file the user named: a regular file, read by offset, never slurped.

A model can be gigabytes; every reader asks for the few bytes it needs (``read_at``) and every
request is capped, so a size field that points past the end or claims 2^63 bytes costs one short
read and a reason, never memory.  A FIFO, a device or a directory is refused before it is read.
"""

from __future__ import annotations

import os
import stat

MAX_READ = 64 << 20  # the most any single request may return (a toolkit-1 JSON, a prototxt)


class NotAModel(Exception):
    """This file cannot be read as a model: ``str(e)`` is the one-line reason (exit 2)."""


class Truncated(NotAModel):
    """The file ends before a size it declares: a cut-off download or copy."""


class ModelFile:
    """An open regular file with its size; use as a context manager."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise NotAModel(f"cannot read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(st.st_mode):
            raise NotAModel("is a directory, not a model file")
        if not stat.S_ISREG(st.st_mode):
            raise NotAModel("not a regular file (a FIFO, socket or device is never read)")
        try:
            # O_NONBLOCK: if the path was swapped for a FIFO since the stat, open does not hang
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise NotAModel(f"cannot read: {exc.strerror or exc}") from None
        self._fh = os.fdopen(fd, "rb", buffering=0)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            self._fh.close()
            raise NotAModel("not a regular file (a FIFO, socket or device is never read)")
        self.size = st.st_size
        self.bytes_read = 0

    def __enter__(self) -> ModelFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._fh.close()

    def read_at(self, offset: int, length: int, what: str = "data", exact: bool = True) -> bytes:
        """``length`` bytes at ``offset``; Truncated if the file is shorter and ``exact``."""
        if offset < 0 or length < 0:
            raise NotAModel(f"{what}: negative offset or size")
        if length > MAX_READ:
            raise NotAModel(f"{what}: {length} bytes is more than the {MAX_READ >> 20} MiB this reader allows")
        if offset + length > self.size:
            if exact:
                raise Truncated(f"truncated: {what} needs bytes {offset}..{offset + length} but the file "
                                f"has {self.size}")
            length = max(0, self.size - offset)
        if length == 0:
            return b""
        self._fh.seek(offset)
        chunks, want = [], length
        while want:
            try:
                chunk = self._fh.read(want)
            except OSError as exc:
                raise NotAModel(f"cannot read: {exc.strerror or exc}") from None
            if not chunk:
                raise Truncated(f"truncated: the file ended while reading {what}")
            chunks.append(chunk)
            want -= len(chunk)
        self.bytes_read += length
        return b"".join(chunks)

    def head(self, length: int) -> bytes:
        return self.read_at(0, min(length, self.size), "the header")
