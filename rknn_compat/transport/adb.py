"""ADB transport: the real adb server, through its smart-socket protocol (:mod:`.adb_server`).

Cost matters when a lab probes 64 boards: adbutils picks a device by serial with an
extra ``host:version`` connection, and every connection close sleeps 10 ms.  We list
the devices once (which gives each board's transport id), then open exactly one
connection per probe, selected by transport id, and read it with our own deadline
so a stalled board, a trickling server or a board streaming a file forever costs at most
the timeout, and a flood of output is cut off.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field

from ..errors import DeviceError
from . import adb_server as server
from .adb_server import Deadline
from .base import MAX_OUTPUT_BYTES, CommandResult

DEFAULT_PORT = 5037
SERVER_TIMEOUT = 10.0


@dataclass
class DeviceEntry:
    """One line of ``adb devices -l``."""

    serial: str
    state: str  # device, offline, unauthorized, no permissions, ...
    tags: dict = field(default_factory=dict)

    @property
    def transport_id(self) -> int | None:
        tid = self.tags.get("transport_id")
        return int(tid) if tid and tid.isascii() and tid.isdigit() and len(tid) <= 18 else None

    @property
    def model(self) -> str | None:
        return self.tags.get("model")


MAX_PORT = 65535
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_started_servers: set[tuple[str, int]] = set()  # said once per process


def server_address() -> tuple[str, int]:
    """(host, port) of the adb server this environment names; a bad port is a usage error."""
    from .adb_client import default_server

    server = default_server()
    return server.host, server.port


def client(timeout: float = SERVER_TIMEOUT, server=None):
    """An adbutils client for ``server``, else the one this environment names (ANDROID_ADB_SERVER_PORT).

    Only its address is used on the data path (below); the port is checked before adbutils is
    imported, since adbutils parses it at import time and raises a bare ValueError on a bad one.
    """
    from . import adb_client

    return adb_client.client(server, timeout, start=server is None)


def list_devices(adb, timeout: float = SERVER_TIMEOUT, start: bool | None = None) -> list[DeviceEntry]:
    """Every board the server knows, in all states (``adb devices -l``), within ``timeout``.

    ``start``: start the adb server when none listens on a local port, as the adb command does,
    and say so once on stderr; a server named by address (``--adb-server``) is never started.
    """
    from .adb_devices import adb_devices

    if start is None:  # a client of a server named by address says so (adb_client.client)
        start = not getattr(adb, "never_start", False)
    listing = _host_query(adb, "host:devices-l", timeout, start=start)
    entries = []
    for row in adb_devices(listing):
        tags = {k: v for k, v in row.items() if k not in ("serial", "state", "detail")}
        entries.append(DeviceEntry(row["serial"], row["state"], tags))
    return entries


def connect_network(adb, address: str, timeout: float) -> str:
    """``adb connect HOST:PORT``; returns the server's answer (it never raises)."""
    try:
        return _host_query(adb, "host:connect:" + address, timeout)
    except DeviceError as exc:
        return f"failed to connect to {address}: {exc}"


def disconnect_network(adb, address: str, timeout: float) -> None:
    """``adb disconnect HOST:PORT``: undo a connection this process made (failures are ignored)."""
    try:
        _host_query(adb, "host:disconnect:" + address, min(timeout, 5.0))
    except DeviceError:
        pass


def _host_query(adb, request: str, timeout: float, start: bool = False) -> str:
    where = f"{adb.host}:{adb.port}"
    deadline = Deadline(timeout)
    try:
        try:
            return server.host_query(adb.host, adb.port, request, deadline)
        except ConnectionRefusedError:
            if not (start and adb.host in _LOCAL_HOSTS and _start_server(adb.port, deadline)):
                raise
            return server.host_query(adb.host, adb.port, request, deadline)
    except socket.timeout:
        raise DeviceError(f"the adb server at {where} did not answer within {timeout:g} s") from None
    except (OSError, EOFError) as exc:
        raise DeviceError(f"cannot reach the adb server at {where}: {_one_line(exc)}") from None


def _start_server(port: int, deadline: Deadline) -> bool:
    """``adb -P PORT start-server`` with its chatter captured; one line on stderr says it happened."""
    try:
        from adbutils._utils import adb_path

        adb = adb_path()
        proc = subprocess.run([adb, "-P", str(port), "start-server"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=max(deadline.left(), 5.0))
    except Exception:  # noqa: BLE001 - no adb binary, a hung start: the caller reports "cannot reach"
        return False
    if proc.returncode != 0:
        return False
    if ("127.0.0.1", port) not in _started_servers:
        _started_servers.add(("127.0.0.1", port))
        sys.stderr.write(f"rknn-compat: no adb server was running on port {port}; started one ({adb})\n")
    return True


def is_network_address(serial: str) -> bool:
    host, sep, port = serial.rpartition(":")
    return bool(sep and host and port.isascii() and port.isdigit())


class AdbTransport:
    """Runs the probe script over one ``shell:`` stream selected by transport id."""

    kind = "adb"

    def __init__(self, adb, entry: DeviceEntry):
        self.adb = adb
        self.entry = entry
        self.serial = entry.serial
        self.calls = 0
        self.read_error: str | None = None

    def _target(self) -> str:
        tid = self.entry.transport_id
        return f"transport-id:{tid}" if tid else f"transport:{self.serial}"

    def _open(self, service: str, deadline: Deadline) -> socket.socket:
        return server.open_service(self.adb.host, self.adb.port, self._target(), service, deadline)

    def run(self, script: str, timeout: float) -> CommandResult:
        started = time.monotonic()
        deadline = Deadline(timeout)
        self.calls += 1
        chunks: list[bytes] = []
        total = 0
        sock = None
        try:
            sock = self._open("shell:" + script, deadline)
            while True:
                sock.settimeout(deadline.left())
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
                total += len(data)
                if total > MAX_OUTPUT_BYTES:
                    return self._partial(script, chunks, started,
                                         f"output exceeded {MAX_OUTPUT_BYTES} bytes; cut off")
        except socket.timeout:
            return self._partial(script, chunks, started, f"no answer within {timeout:g} s")
        except (DeviceError, OSError, EOFError) as exc:
            return self._partial(script, chunks, started, _one_line(exc))
        finally:
            if sock is not None:
                sock.close()
        out = b"".join(chunks)
        return CommandResult(script, out, None, True, None, time.monotonic() - started)

    def _partial(self, script, chunks, started, why) -> CommandResult:
        out = b"".join(chunks)
        return CommandResult(script, out, None, False, why, time.monotonic() - started)

    def read_file(self, path: str, timeout: float, limit: int = MAX_OUTPUT_BYTES) -> bytes | None:
        """Pull one file over the sync service (last resort), within ``timeout`` and ``limit`` bytes.

        None when it cannot be pulled; ``read_error`` then says why (a drop, a stall, a board
        that streams more than it announced).
        """
        self.read_error = None
        deadline = Deadline(timeout)
        sock = None
        try:
            sock = self._open("sync:", deadline)
            self.calls += 1
            return server.pull(sock, path, limit, deadline)
        except socket.timeout:
            self.read_error = f"no answer within {timeout:.3g} s, what was left of --timeout"
        except EOFError as exc:
            self.read_error = f"the connection dropped during the pull ({_one_line(exc)})"
        except (DeviceError, OSError, struct.error) as exc:
            self.read_error = _one_line(exc)
        finally:
            if sock is not None:
                sock.close()
        return None


def _one_line(exc: BaseException) -> str:
    return server.one_line(str(exc) or type(exc).__name__)
