"""ADB transport: adbutils talking to the real adb server.

Cost matters when a lab probes 64 boards: adbutils picks a device by serial with an
extra ``host:version`` connection, and every connection close sleeps 10 ms.  We list
the devices once (which gives each board's transport id), then open exactly one
connection per probe, selected by transport id, and read it with our own deadline
so a stalled board costs at most the timeout and a flood of output is cut off.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

from ..errors import DeviceError
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
        return int(tid) if tid and tid.isdigit() else None

    @property
    def model(self) -> str | None:
        return self.tags.get("model")


def server_address() -> tuple[str, int]:
    """The adb server this environment names (ANDROID_ADB_SERVER_ADDRESS / _PORT, as adb reads them)."""
    from .adb_client import default_server

    server = default_server()
    return server.host, server.port


def client(timeout: float = SERVER_TIMEOUT, server=None):
    """An adbutils client for ``server``, else the one this environment names (ANDROID_ADB_SERVER_PORT)."""
    from . import adb_client

    return adb_client.client(server, timeout, start=server is None)


def list_devices(adb) -> list[DeviceEntry]:
    """Every board the server knows, in all states (``adb devices -l``).

    Asked on a connection we close ourselves: adbutils' own ``list()`` lingers 10 ms
    on close, a third of a single probe's time.
    """
    from .adb_client import protocol
    from .adb_devices import adb_devices

    adbutils = protocol()

    conn = None
    try:
        conn = adb.make_connection()
        conn.send_command("host:devices-l")
        conn.check_okay()
        listing = conn.read_string_block()
    except (adbutils.AdbError, OSError) as exc:
        raise DeviceError(f"cannot reach the adb server: {_one_line(exc)}") from None
    finally:
        if conn is not None:
            _close_quietly(conn)
    entries = []
    for row in adb_devices(listing):
        tags = {k: v for k, v in row.items() if k not in ("serial", "state", "detail")}
        entries.append(DeviceEntry(row["serial"], row["state"], tags))
    return entries


def connect_network(adb, address: str, timeout: float) -> str:
    """``adb connect HOST:PORT``; returns the server's answer (it never raises)."""
    from .adb_client import protocol

    adbutils = protocol()

    try:
        return adb.connect(address, timeout=timeout)
    except (adbutils.AdbError, OSError) as exc:
        return f"failed to connect to {address}: {_one_line(exc)}"


def is_network_address(serial: str) -> bool:
    host, sep, port = serial.rpartition(":")
    return bool(sep and host and port.isdigit())


class AdbTransport:
    """Runs the probe script over one ``shell:`` stream selected by transport id."""

    kind = "adb"

    def __init__(self, adb, entry: DeviceEntry):
        self.adb = adb
        self.entry = entry
        self.serial = entry.serial
        self.calls = 0

    def _device(self):
        """adbutils' whole device object (file pulls only: it costs the package's full import)."""
        import adbutils

        adb = adbutils.AdbClient(host=self.adb.host, port=self.adb.port)
        if self.entry.transport_id:
            return adb.device(transport_id=self.entry.transport_id)
        return adb.device(serial=self.serial)

    def _open_shell(self, script: str, timeout: float):
        """One server connection switched to this board's transport, running ``shell:script``."""
        conn = self.adb.make_connection(timeout=timeout)
        try:
            tid = self.entry.transport_id
            conn.send_command(f"host:transport-id:{tid}" if tid else f"host:transport:{self.serial}")
            conn.check_okay()
            conn.send_command("shell:" + script)
            conn.check_okay()
        except BaseException:
            _close_quietly(conn)
            raise
        return conn

    def run(self, script: str, timeout: float) -> CommandResult:
        from .adb_client import protocol

        adbutils = protocol()
        started = time.monotonic()
        deadline = started + timeout
        self.calls += 1
        chunks: list[bytes] = []
        total = 0
        conn = None
        try:
            conn = self._open_shell(script, timeout)
            sock = conn.conn
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return self._partial(script, chunks, started, f"no answer within {timeout:g} s")
                sock.settimeout(left)
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
        except adbutils.AdbTimeout:
            return self._partial(script, chunks, started, f"no answer within {timeout:g} s")
        except (adbutils.AdbError, OSError, EOFError) as exc:
            return self._partial(script, chunks, started, _one_line(exc))
        finally:
            if conn is not None:
                _close_quietly(conn)
        out = b"".join(chunks)
        return CommandResult(script, out, None, True, None, time.monotonic() - started)

    def _partial(self, script, chunks, started, why) -> CommandResult:
        out = b"".join(chunks)
        return CommandResult(script, out, None, False, why, time.monotonic() - started)

    def read_file(self, path: str, timeout: float, limit: int = MAX_OUTPUT_BYTES) -> bytes | None:
        """Pull one file over the sync service (last resort: costs two connections)."""
        import adbutils

        try:
            dev = self._device()
            st = dev.sync.stat(path)
            if st.mode == 0 or st.size > limit:
                return None
            data = dev.sync.read_bytes(path)
        except (adbutils.AdbError, OSError, EOFError):
            return None
        self.calls += 2
        return data



def _close_quietly(conn) -> None:
    """Close without adbutils' 10 ms linger: the stream is finished or abandoned."""
    sock = getattr(conn, "conn", None)
    try:
        if sock is not None:
            sock.close()
    except OSError:
        pass


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:300]
