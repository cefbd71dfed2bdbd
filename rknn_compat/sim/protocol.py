"""The ADB wire protocol as a device speaks it: packets, one TCP connection, its streams.

Protocol facts are from AOSP adb (system/core at tag platform-tools-29.0.6: adb/protocol.txt,
adb.h, adb.cpp, transport.cpp); written from those facts, no code was copied.

* A packet is a 24-byte header (six little-endian u32: command, arg0, arg1, data length, data
  check, magic = command ^ 0xFFFFFFFF) and its data.  The check is the byte sum of the data.
* The host sends CNXN first; the device answers CNXN with its banner (online), AUTH TOKEN that
  the host cannot satisfy (``unauthorized``), or nothing (``offline``).
* ``OPEN(host_id, 0, service)`` is answered ``OKAY(dev_id, host_id)`` or refused with
  ``CLSE(0, host_id)``.  The OPEN counts as a READY: a stream may send one WRTE straight away,
  then one more per OKAY from the host.  Every WRTE from the host is answered with an OKAY.

Threads: one reader thread per connection, one worker thread per stream.  Which services a
connection offers is the table it is given (``Board`` passes ``adbd.SERVICES``).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import queue
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rknn_compat.sim.adbd import Board
    from rknn_compat.sim.profile import Profile

log = logging.getLogger(__name__)

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_AUTH = 0x48545541
A_VERSION = 0x01000001
MAX_PAYLOAD_V1 = 4096
AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3

#: a service's body: runs in the stream's worker thread, ``Stream.close`` follows it
Service = Callable[["Board", "Stream"], None]


def pack(cmd: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    return struct.pack(
        "<6I", cmd, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, cmd ^ 0xFFFFFFFF
    ) + data


def banner(profile: Profile) -> bytes:
    feats = ",".join(profile.features)
    b = (
        f"device::ro.product.name={profile.product_name};ro.product.model={profile.model};"
        f"ro.product.device={profile.device};features={feats}"
    ).encode()
    if len(b) + 24 > MAX_PAYLOAD_V1:
        raise ValueError("CNXN banner does not fit in 4096 bytes")
    return b


def find_service(services: Mapping[str, Service], service: str) -> Service | None:
    """The handler of the first pattern (``fnmatch``, case-sensitive) matching all of ``service``."""
    for pattern, handler in services.items():
        if fnmatch.fnmatchcase(service, pattern):
            return handler
    return None


class StreamClosed(Exception):
    """The stream or its connection is gone: the worker stops quietly."""


class Stream:
    def __init__(self, conn: Connection, local_id: int, remote_id: int, service: str):
        self.conn = conn
        self.local_id = local_id
        self.remote_id = remote_id
        self.service = service
        self.cond = threading.Condition()
        self.can_write = True  # the OPEN counts as a READY
        self.closed = False  # by either side
        self.inbox: queue.Queue[bytes | None] = queue.Queue()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        self.proc: subprocess.Popen | None = None

    # -- called from the connection reader thread
    def on_okay(self) -> None:
        with self.cond:
            self.can_write = True
            self.cond.notify_all()
        self._wake()

    def on_write(self, data: bytes) -> None:
        self.inbox.put(data)
        self._wake()

    def on_close(self) -> None:
        """The host closed the stream, or the connection died: stop the worker and its command."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        self.inbox.put(None)
        self._wake()
        self.kill()

    def _wake(self) -> None:
        try:
            os.write(self.wake_w, b"x")
        except OSError:
            pass

    def kill(self) -> None:
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    # -- called from the worker thread
    def wait_writable(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while not self.can_write and not self.closed and not self.conn.dead:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self.cond.wait(left if left is not None else 0.5)
            if self.closed or self.conn.dead:
                raise StreamClosed()
            return True

    def write(self, data: bytes) -> None:
        """Send ``data`` in WRTEs no larger than maxdata, obeying flow control."""
        mv = memoryview(data)
        while mv:
            self.wait_writable()
            chunk = bytes(mv[: self.conn.maxdata])
            mv = mv[len(chunk):]
            self.send_chunk(chunk)

    def send_chunk(self, chunk: bytes) -> None:
        self.conn.latency()
        with self.cond:
            if self.closed:
                raise StreamClosed()
            self.can_write = False
        self.conn.send(A_WRTE, self.local_id, self.remote_id, chunk)

    def close(self) -> None:
        with self.cond:
            was = self.closed
            self.closed = True
            self.cond.notify_all()
        if not was:
            self.conn.send(A_CLSE, self.local_id, self.remote_id)
        self.kill()

    def cleanup(self) -> None:
        for fd in (self.wake_r, self.wake_w):
            try:
                os.close(fd)
            except OSError:
                pass


class Connection:
    def __init__(self, board: Board, sock: socket.socket, services: Mapping[str, Service]):
        self.board = board
        self.sock = sock
        self.services = services
        self.send_lock = threading.Lock()
        self.streams: dict[int, Stream] = {}
        self.next_id = 1
        self.maxdata = MAX_PAYLOAD_V1
        self.version = A_VERSION
        self.dead = False
        self.online = False
        self.workers: list[threading.Thread] = []
        self.thread = threading.Thread(target=self.run, name=f"adbd-conn-{board.port}",
                                       daemon=True)

    def latency(self) -> None:
        ms = self.board.profile.faults.latency_ms
        if ms:
            time.sleep(ms / 1000.0)

    def send(self, cmd: int, a0: int, a1: int, data: bytes = b"") -> None:
        pkt = pack(cmd, a0, a1, data)
        with self.send_lock:
            if self.dead:
                raise StreamClosed()
            try:
                self.sock.sendall(pkt)
            except OSError as e:
                self.dead = True
                raise StreamClosed() from e

    def _recv_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise StreamClosed()
            buf += chunk
        return bytes(buf)

    def run(self) -> None:
        try:
            while not self.dead:
                hdr = self._recv_exact(24)
                cmd, a0, a1, dlen, _chk, magic = struct.unpack("<6I", hdr)
                if magic != cmd ^ 0xFFFFFFFF or dlen > 1024 * 1024:
                    log.debug("bad packet header, dropping connection")
                    break
                data = self._recv_exact(dlen) if dlen else b""
                self.handle(cmd, a0, a1, data)
        except (StreamClosed, OSError):
            pass
        finally:
            self.abort()

    def handle(self, cmd: int, a0: int, a1: int, data: bytes) -> None:
        prof = self.board.profile
        if cmd == A_CNXN:
            if prof.faults.offline:
                return  # accept TCP, never answer: the host shows `offline`
            self.version = min(a0, A_VERSION)
            self.maxdata = min(a1, prof.maxdata) if a1 else prof.maxdata
            if prof.auth == "reject":
                self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))
                return
            self.latency()
            self.send(A_CNXN, A_VERSION, prof.maxdata, banner(prof))
            self.online = True
        elif cmd == A_AUTH:
            if prof.auth == "reject" and a0 == AUTH_SIGNATURE:
                self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))
            # RSAPUBLICKEY: a real device would show a dialog; nobody ever accepts it here
        elif not self.online:
            return
        elif cmd == A_OPEN:
            service = data.rstrip(b"\0").decode("utf-8", "replace")
            self.open_stream(a0, service)
        elif cmd == A_OKAY:
            st = self.streams.get(a1)
            if st is not None and st.remote_id in (a0, 0):
                st.remote_id = a0
                st.on_okay()
        elif cmd == A_WRTE:
            st = self.streams.get(a1)
            if st is None:
                self.send(A_CLSE, 0, a0)
                return
            self.send(A_OKAY, a1, a0)
            st.on_write(data)
        elif cmd == A_CLSE:
            st = self.streams.get(a1)
            if st is not None:
                st.on_close()

    def open_stream(self, remote_id: int, service: str) -> None:
        handler = find_service(self.services, service)
        if handler is None:
            log.debug("refusing service %r", service)
            self.send(A_CLSE, 0, remote_id)
            return
        lid = self.next_id
        self.next_id += 1
        st = Stream(self, lid, remote_id, service)
        self.streams[lid] = st
        t = threading.Thread(target=self._worker, args=(handler, st), daemon=True,
                             name=f"adbd-{service[:12]}")
        self.workers = [w for w in self.workers if w.is_alive()]
        self.workers.append(t)
        t.start()

    def _worker(self, handler: Service, st: Stream) -> None:
        try:
            self.latency()
            self.send(A_OKAY, st.local_id, st.remote_id)
            handler(self.board, st)
            st.close()
        except StreamClosed:
            pass
        except Exception:  # pragma: no cover - keep the board alive, log the bug
            log.exception("stream %s failed", st.service)
            try:
                st.close()
            except StreamClosed:
                pass
        finally:
            st.kill()
            self.streams.pop(st.local_id, None)
            st.cleanup()

    def abort(self) -> None:
        self.dead = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        for st in list(self.streams.values()):
            st.on_close()
        self.board.forget(self)
