"""The ``sync:`` service: STAT/STA2/LST2, LIST/LIS2, RECV, a refused SEND, QUIT.

Request and reply shapes are from AOSP adb (file_sync_protocol.h, SYNC.TXT,
daemon/file_sync_service.cpp); written from those facts, no code was copied.  A request is an
8-byte header (4-character id, u32 LE length) and a path.  STAT answers mode, size and mtime
(all zero: no such file); STA2/LST2 a 72-byte stat_v2 with an errno; LIST/LIS2 one DENT/DNT2
record per entry, then a zeroed record with id DONE; RECV ``DATA`` chunks of at most 64 KiB,
then ``DONE``; errors ``FAIL`` and a message.  The v2 requests are answered only when the
profile advertises ``stat_v2`` / ``ls_v2``.  The board is read-only: an upload is read, then
refused.  Faults (``_Faulty``): a drop or a stall part-way through the replies, an endless RECV.
Paths are resolved inside the board's rootfs, following the board's own symlinks.
"""

from __future__ import annotations

import errno
import os
import struct
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rknn_compat.sim.profile_schema import SYNC_FAULT
from rknn_compat.sim.protocol import Stream, StreamClosed

if TYPE_CHECKING:
    from rknn_compat.sim.adbd import Board

SYNC_DATA_MAX = 64 * 1024


def resolve(root: Path, path: str, follow_last: bool = True) -> Path:
    """Map a board path to a host path under ``root``, following symlinks inside the board."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    hops = 0
    while parts:
        name = parts.pop(0)
        if name == "..":
            if resolved:
                resolved.pop()
            continue
        cand = root.joinpath(*resolved, name)
        if cand.is_symlink() and (parts or follow_last):
            hops += 1
            if hops > 40:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
            target = os.readlink(cand)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(name)
    return root.joinpath(*resolved)


class _Reader:
    """Exact reads from the bytes the host writes to the stream."""

    def __init__(self, st: Stream):
        self.st = st
        self.buf = bytearray()

    def read(self, n: int) -> bytes:
        while len(self.buf) < n:
            item = self.st.inbox.get()
            if item is None:
                raise StreamClosed()
            self.buf += item
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def _stat_v1(root: Path, path: str) -> bytes:
    try:
        s = os.lstat(resolve(root, path, follow_last=False))
        return struct.pack("<4sIII", b"STAT", s.st_mode, s.st_size & 0xFFFFFFFF,
                           int(s.st_mtime) & 0xFFFFFFFF)
    except OSError:
        return struct.pack("<4sIII", b"STAT", 0, 0, 0)


def _v2_fields(s: os.stat_result) -> tuple:
    return (s.st_dev, s.st_ino, s.st_mode, s.st_nlink, 0, 0, s.st_size,
            int(s.st_atime), int(s.st_mtime), int(s.st_ctime))


def _stat_v2(root: Path, rid: bytes, path: str, follow: bool) -> bytes:
    try:
        p = resolve(root, path, follow_last=follow)
        s = os.stat(p) if follow else os.lstat(p)
        return struct.pack("<4sIQQIIIIQqqq", rid, 0, *_v2_fields(s))
    except OSError as e:
        return struct.pack("<4sIQQIIIIQqqq", rid, e.errno or errno.ENOENT, 0, 0, 0, 0, 0, 0, 0,
                           0, 0, 0)


def _list(root: Path, path: str, v2: bool) -> bytes:
    out = bytearray()
    try:
        d = resolve(root, path)
        names = [".", ".."] + sorted(os.listdir(d))
    except OSError:
        names = []
        d = root
    for name in names:
        try:
            s = os.lstat(d / name)
        except OSError:
            continue
        nb = name.encode("utf-8", "surrogateescape")
        if v2:
            out += struct.pack("<4sIQQIIIIQqqqI", b"DNT2", 0, *_v2_fields(s), len(nb)) + nb
        else:
            out += struct.pack("<4sIIII", b"DENT", s.st_mode, s.st_size & 0xFFFFFFFF,
                               int(s.st_mtime) & 0xFFFFFFFF, len(nb)) + nb
    if v2:
        out += b"DONE" + bytes(struct.calcsize("<IQQIIIIQqqqI"))
    else:
        out += b"DONE" + bytes(16)
    return bytes(out)


def _fail(msg: str) -> bytes:
    m = msg.encode()
    return b"FAIL" + struct.pack("<I", len(m)) + m


class _Faulty:
    """The sync replies as sent, with the profile's sync faults: ``drop = ["sync"]`` cuts the
    connection and ``stall = ["sync"]`` stops sending once ``drop_after_bytes`` bytes went out;
    ``endless_pull`` makes RECV stream DATA forever (a board lying about a file's size)."""

    def __init__(self, st: Stream, board: Board):
        faults = board.profile.faults
        self.st = st
        self.drop = SYNC_FAULT in faults.drop
        self.stall = SYNC_FAULT in faults.stall
        self.left = faults.drop_after_bytes if self.drop or self.stall else None
        self.endless = faults.endless_pull

    def _cut(self, data: bytes) -> bytes:
        if self.left is None or len(data) <= self.left:
            if self.left is not None:
                self.left -= len(data)
            return data
        head, self.left = data[: self.left], 0
        if head:
            self.st.write(head)
        if self.drop:
            self.st.conn.abort()
        while not self.st.closed and not self.st.conn.dead:  # stall: say nothing until the host gives up
            time.sleep(0.05)
        raise StreamClosed()

    def write(self, data: bytes) -> None:
        self.st.write(self._cut(data))

    def send_chunk(self, chunk: bytes) -> None:
        self.st.send_chunk(self._cut(chunk))

    def __getattr__(self, name: str):
        return getattr(self.st, name)


def _recv(st, root: Path, path: str) -> None:
    if getattr(st, "endless", False):
        chunk = b"DATA" + struct.pack("<I", SYNC_DATA_MAX) + bytes(SYNC_DATA_MAX)
        while True:
            st.write(chunk)
    try:
        p = resolve(root, path)
        if p.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        f = open(p, "rb")
    except OSError as e:
        st.write(_fail(f"open failed: {os.strerror(e.errno or errno.ENOENT)}"))
        return
    with f:
        pending = bytearray()
        while True:
            data = f.read(SYNC_DATA_MAX)
            if data:
                pending += b"DATA" + struct.pack("<I", len(data)) + data
            else:
                pending += b"DONE" + struct.pack("<I", 0)
            while len(pending) >= st.conn.maxdata or (not data and pending):
                st.wait_writable()
                chunk = bytes(pending[: st.conn.maxdata])
                del pending[: len(chunk)]
                st.send_chunk(chunk)
            if not data:
                return


def run(board: Board, st: Stream) -> None:
    rd = _Reader(st)
    st = _Faulty(st, board)
    root = board.root
    while True:
        rid, ln = struct.unpack("<4sI", rd.read(8))
        if rid == b"QUIT":
            return
        if ln > 1024 * 1024:
            st.write(_fail("path too long"))
            return
        path = rd.read(ln).decode("utf-8", "surrogateescape") if ln else ""
        if rid == b"STAT":
            st.write(_stat_v1(root, path))
        elif rid in (b"STA2", b"LST2") and "stat_v2" in board.profile.features:
            st.write(_stat_v2(root, rid, path, follow=rid == b"STA2"))
        elif rid == b"LIST":
            st.write(_list(root, path, v2=False))
        elif rid == b"LIS2" and "ls_v2" in board.profile.features:
            st.write(_list(root, path, v2=True))
        elif rid == b"RECV":
            _recv(st, root, path)
        elif rid == b"SEND":
            # read-only board: swallow the upload, then refuse it
            while True:
                cid, n = struct.unpack("<4sI", rd.read(8))
                if cid == b"DATA":
                    rd.read(n)
                elif cid == b"DONE":
                    break
                else:
                    return
            st.write(_fail("couldn't create file: Read-only file system"))
        else:
            st.write(_fail(f"unknown sync command {rid!r}"))
            return
