"""A hostile "adb server" on a loopback port: it answers each connection with a handler of the test's.

The real adb server never sends garbage, so the tests of how rknn-compat survives one (a non-hex
length, a short block, HTTP, a trickle, silence, a board's sync stream cut at any byte) talk to
this instead. Framing as in AOSP adb's SERVICES.TXT and SYNC.TXT.
"""

from __future__ import annotations

import socket
import struct
import threading
import time


def read_request(conn: socket.socket) -> str:
    """One smart-socket request: 4 hex digits of length, then the text ('' when the client left)."""
    head = _exact(conn, 4)
    if len(head) < 4:
        return ""
    return _exact(conn, int(head, 16)).decode("utf-8", "replace")


def block(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return b"%04x" % len(data) + data


def _exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        try:
            chunk = conn.recv(n - len(buf))
        except OSError:
            return buf
        if not chunk:
            return buf
        buf += chunk
    return buf


class FakeAdbServer:
    """``with FakeAdbServer(handler) as srv:`` ... ``srv.port``; ``handler(conn)`` serves one connection."""

    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self.stopped)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> FakeAdbServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.sock.close()


def wait_closed(conn: socket.socket, stopped: threading.Event, seconds: float = 30) -> None:
    """Say nothing until the client gives up (or the test ends)."""
    conn.settimeout(0.1)
    end = time.monotonic() + seconds
    while not stopped.is_set() and time.monotonic() < end:
        try:
            if conn.recv(4096) == b"":
                return
        except socket.timeout:
            continue
        except OSError:
            return


def sync_board(reply_to_sync):
    """A server with one board (transport id 1) whose ``sync:`` service is ``reply_to_sync(conn, stopped)``."""

    def handler(conn, stopped):
        request = read_request(conn)
        if request == "host:devices-l":
            conn.sendall(b"OKAY" + block("fake\tdevice product:p model:m device:d transport_id:1\n"))
        elif request == "host:transport-id:1":
            conn.sendall(b"OKAY")
            if read_request(conn) == "sync:":
                conn.sendall(b"OKAY")
                reply_to_sync(conn, stopped)

    return handler


def stat_reply(size: int, mode: int = 0o100644) -> bytes:
    return struct.pack("<4sIII", b"STAT", mode, size, 0)


def data(chunk: bytes) -> bytes:
    return b"DATA" + struct.pack("<I", len(chunk)) + chunk
