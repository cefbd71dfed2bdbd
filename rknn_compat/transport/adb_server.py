"""The adb server's smart-socket protocol and the sync (file) protocol, under one deadline.

Facts from AOSP adb (``SERVICES.TXT``, ``protocol.txt``, ``SYNC.TXT``, ``file_sync_protocol.h``):
a request is 4 hex digits of length and the text; the server answers ``OKAY`` or ``FAIL`` +
a length-prefixed message; a host service then sends a length-prefixed answer, while
``host:transport-id:N`` / ``host:transport:SERIAL`` switch the socket to a board, whose service
(``shell:``, ``sync:``) then streams.  Sync requests and replies are a 4-byte id, a little-endian
u32 and data; ``RECV`` streams ``DATA`` chunks of at most 64 KiB and ends with ``DONE``.

Written here (no code copied) rather than taken from adbutils because a lab needs what adbutils
does not give: every read bounded by one deadline (a trickling or silent server cannot hold a
probe past ``--timeout``), replies checked strictly (a garbled one is a one-line
:class:`~rknn_compat.errors.DeviceError`, never a ``ValueError``), and a pull that accepts no
more bytes than the board announced and the caller allows.
"""

from __future__ import annotations

import re
import socket
import stat
import struct
import time

from ..errors import DeviceError

SYNC_DATA_MAX = 64 * 1024  # file_sync_protocol.h: SYNC_DATA_MAX
_HEX4 = re.compile(rb"[0-9a-fA-F]{4}")


class Deadline:
    """Seconds left of one call; every socket read and write is bounded by it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise socket.timeout(f"no answer within {self.seconds:g} s")
        return left


def connect(host: str, port: int, deadline: Deadline) -> socket.socket:
    """A TCP connection to the adb server (``ConnectionRefusedError`` when none listens)."""
    sock = socket.create_connection((host, port), timeout=min(deadline.left(), 3.0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send_request(sock: socket.socket, request: str, deadline: Deadline) -> None:
    data = request.encode("utf-8")
    if len(data) > 0xFFFF:
        raise DeviceError(f"adb request too long ({len(data)} bytes)")
    sock.settimeout(deadline.left())
    sock.sendall(b"%04x" % len(data) + data)


def recv_exact(sock: socket.socket, n: int, deadline: Deadline) -> bytes:
    """Exactly ``n`` bytes, or EOFError when the other side closes first."""
    buf = bytearray()
    while len(buf) < n:
        sock.settimeout(deadline.left())
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def read_block(sock: socket.socket, deadline: Deadline) -> str:
    """A length-prefixed string: 4 hex digits, then that many bytes."""
    head = recv_exact(sock, 4, deadline)
    if not _HEX4.fullmatch(head):
        raise DeviceError(f"garbled reply from the adb server (length {head!r})")
    return recv_exact(sock, int(head, 16), deadline).decode("utf-8", "replace")


def check_okay(sock: socket.socket, request: str, deadline: Deadline) -> None:
    status = recv_exact(sock, 4, deadline)
    if status == b"OKAY":
        return
    if status == b"FAIL":
        raise DeviceError(f"adb: {one_line(read_block(sock, deadline))}")
    raise DeviceError(f"garbled reply from the adb server to {request.split(':', 2)[:2]!r}: {status!r}")


def host_query(host: str, port: int, request: str, deadline: Deadline) -> str:
    """A host service with an answer (``host:devices-l``, ``host:connect:ADDR``...)."""
    sock = connect(host, port, deadline)
    try:
        send_request(sock, request, deadline)
        check_okay(sock, request, deadline)
        return read_block(sock, deadline)
    finally:
        sock.close()


def open_service(host: str, port: int, target: str, service: str, deadline: Deadline) -> socket.socket:
    """A socket streaming ``service`` of one board; ``target`` is ``transport-id:N`` or ``transport:SERIAL``."""
    sock = connect(host, port, deadline)
    try:
        for request in ("host:" + target, service):
            send_request(sock, request, deadline)
            check_okay(sock, request, deadline)
    except BaseException:
        sock.close()
        raise
    return sock


def pull(sock: socket.socket, path: str, limit: int, deadline: Deadline) -> bytes:
    """One board file over an open ``sync:`` socket: STAT, then RECV; at most ``limit`` bytes.

    A board that streams more than its STAT size, or than ``limit``, is cut off: the bytes it
    sends are never trusted to end by themselves.
    """
    name = path.encode("utf-8", "surrogateescape")
    sock.settimeout(deadline.left())
    sock.sendall(b"STAT" + struct.pack("<I", len(name)) + name)
    rid, mode, size, _mtime = struct.unpack("<4sIII", recv_exact(sock, 16, deadline))
    if rid != b"STAT":
        raise DeviceError(f"garbled sync reply to STAT: {rid!r}")
    if mode == 0:
        raise DeviceError(f"{path}: no such file on the board")
    expected = size if stat.S_ISREG(mode) else None  # STAT is lstat: a symlink's size is its target's name
    if expected is not None and expected > limit:
        raise DeviceError(f"{path} is {expected} bytes, more than the {limit} this probe pulls")
    cap = limit if expected is None else expected
    sock.settimeout(deadline.left())
    sock.sendall(b"RECV" + struct.pack("<I", len(name)) + name)
    data = bytearray()
    while True:
        rid, n = struct.unpack("<4sI", recv_exact(sock, 8, deadline))
        if rid == b"DONE":
            break
        if rid == b"FAIL":
            raise DeviceError(f"{path}: the board refused: {one_line(recv_exact(sock, min(n, 1024), deadline))}")
        if rid != b"DATA" or n > SYNC_DATA_MAX:
            raise DeviceError(f"garbled sync reply while pulling {path}: {rid!r} of {n} bytes")
        if len(data) + n > cap:
            raise DeviceError(f"the board sent more than the {cap} bytes of {path}; cut off")
        data += recv_exact(sock, n, deadline)
    if expected is not None and len(data) != expected:
        raise DeviceError(f"the board sent {len(data)} of the {expected} bytes of {path}")
    return bytes(data)


def one_line(text) -> str:
    """An error text from the other side, on one line and cut to 300 characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text) or "no reason given"
    return " ".join(text.split())[:300]
