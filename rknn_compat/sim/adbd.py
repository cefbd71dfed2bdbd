"""A small adbd: one simulated board's listener on 127.0.0.1, its connections and its services.

The wire protocol is in ``protocol``; each service in its own module.  ``SERVICES`` maps a
service pattern (``fnmatch``, matched against the whole service string of an OPEN) to the code
that serves it; anything else is refused with a CLSE, as adbd refuses a service it lacks.

Threads: one accept thread per board, one reader thread per TCP connection, one worker thread
per stream (shell command or sync session).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from rknn_compat.sim import shell_service, sync_service
from rknn_compat.sim.net import USER_ADB_SERVER_PORT, scanned_by_adb
from rknn_compat.sim.profile import Profile
from rknn_compat.sim.protocol import Connection, Service

SERVICES: dict[str, Service] = {
    "shell*:*": shell_service.run,  # shell[,v2][,TERM=...][,raw|,pty]:[command]
    "exec:*": shell_service.run,  # adb exec-out
    "sync:": sync_service.run,  # adb pull / push / ls, adbutils' sync
}


class Board:
    """One simulated board: its rootfs and its adbd listening on 127.0.0.1:port."""

    def __init__(self, profile: Profile, root: Path, port: int | None = None):
        if port is not None and (scanned_by_adb(port) or port == USER_ADB_SERVER_PORT):
            raise ValueError(f"port {port} is in the range the adb server scans (5555-5585)")
        self.profile = profile
        self.root = root
        self._requested_port = port
        self.port = 0
        self.sock: socket.socket | None = None
        self.conns: list[Connection] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    serial = address

    def start(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self._requested_port is not None:
            s.bind(("127.0.0.1", self._requested_port))
        else:
            for _ in range(50):
                s.bind(("127.0.0.1", 0))
                if not scanned_by_adb(s.getsockname()[1]):
                    break
                s.close()
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.listen(8)
        s.settimeout(0.2)
        self.sock = s
        self.port = s.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name=f"adbd-{self.port}")
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            c.settimeout(None)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(self, c, SERVICES)
            with self._lock:
                self.conns.append(conn)
            conn.thread.start()

    def forget(self, conn: Connection) -> None:
        """Called by a connection that has ended."""
        with self._lock:
            if conn in self.conns:
                self.conns.remove(conn)

    def stop(self) -> None:
        self._stop.set()
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            conns = list(self.conns)
        for c in conns:
            c.abort()
        for c in conns:
            c.thread.join(timeout=5)
            for w in c.workers:
                w.join(timeout=5)
