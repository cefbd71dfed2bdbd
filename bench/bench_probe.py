"""One probe of one simulated board, in process: latency units, WRTE packets, and the stall fallback.

A latency unit (u) is one ``latency_ms`` sleep of the simulator, which it takes before each OKAY
answering an OPEN and before each WRTE it sends (rknn_compat/sim/protocol.py), like a real link's
round trip: adbd may have one WRTE in flight.  The floor of one probe is OPEN + one WRTE = 2 u plus
the board's script time.  An ADB packet counter between the adb server and the board counts the
WRTEs the board sends per probe.  Methods run round-robin (A B C A B C ...), medians printed.
The stalled-dmesg board shows what the one-burst answer costs when a board hangs.  Prints
figures; asserts nothing.

Run: make bench  (or .venv/bin/python bench/bench_probe.py)
"""

from __future__ import annotations

import os
import socket
import statistics
import struct
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import TOOLKIT, BoardsProcess, connect_all, use_server  # noqa: E402

LATENCY_MS = 50
ROUNDS = 9
WRTE, OPEN = 0x45545257, 0x4E45504F


class PacketCounter:
    """A TCP proxy speaking nothing, reading ADB packet headers: counts the WRTEs the board sends."""

    def __init__(self, board_port: int):
        self.board_port = board_port
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.wrtes = 0
        self.opens = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                host, _ = self.sock.accept()
            except OSError:
                return
            board = socket.create_connection(("127.0.0.1", self.board_port))
            threading.Thread(target=self._pump, args=(host, board, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(board, host, True), daemon=True).start()

    @staticmethod
    def _exact(s: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def _pump(self, src: socket.socket, dst: socket.socket, from_board: bool) -> None:
        try:
            while True:
                head = self._exact(src, 24)
                cmd, _a0, _a1, length = struct.unpack("<4I", head[:16])
                dst.sendall(head + (self._exact(src, length) if length else b""))
                if from_board and cmd == WRTE:
                    self.wrtes += 1
                elif not from_board and cmd == OPEN:
                    self.opens += 1
        except (EOFError, OSError):
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


def main() -> None:
    from rknn_compat.board_probe import probe
    from rknn_compat.read.script import SCRIPT
    from rknn_compat.sim import AdbServer
    from rknn_compat.transport import adb
    from rknn_compat.transport.adb import AdbTransport

    profiles = [f"rk1808-linux-1.3.2+latency_ms={LATENCY_MS}", "rk1808-linux-1.3.2", "rk1808-stall"]
    print(f"bench_probe: one probe in process, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{ROUNDS} round-robin rounds")
    with AdbServer() as srv, BoardsProcess(profiles) as boards:
        use_server(srv)
        slow, fast, stall = boards.addresses
        counter = PacketCounter(int(slow.rsplit(":", 1)[1]))
        traced = f"127.0.0.1:{counter.port}"
        connect_all(srv, [slow, fast, stall, traced])
        client = adb.client()
        entries = {e.serial: e for e in adb.list_devices(client)}

        def do_probe(serial):
            return lambda: probe(device=serial, toolkit=TOOLKIT, usb=False, adb=client, entry=entries[serial])

        def streamed(serial):
            return lambda: AdbTransport(client, entries[serial]).run(SCRIPT, 15)

        def raw_true(serial):
            return lambda: AdbTransport(client, entries[serial]).run("true", 15)

        methods = {
            f"probe() @{LATENCY_MS} ms": do_probe(slow),
            f"probe() through the packet counter @{LATENCY_MS} ms": do_probe(traced),
            f"the script streamed (before this change) @{LATENCY_MS} ms": streamed(slow),
            f"shell:true (1 u: OPEN only) @{LATENCY_MS} ms": raw_true(slow),
            "probe() @0 ms": do_probe(fast),
        }
        times: dict[str, list[float]] = {name: [] for name in methods}
        for fn in methods.values():
            fn()  # warm up
        for _ in range(ROUNDS):
            for name, fn in methods.items():
                started = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - started)
        before = counter.wrtes
        report = probe(device=traced, toolkit=TOOLKIT, usb=False, adb=client, entry=entries[traced])
        wrtes = counter.wrtes - before
        streamed(traced)()
        wrtes_streamed = counter.wrtes - before - wrtes
        unit = LATENCY_MS / 1000
        print(f"{'method':56s} {'median ms':>9s} {'units':>6s}")
        for name, ts in times.items():
            med = statistics.median(ts)
            units = f"{med / unit:5.2f}u" if f"@{LATENCY_MS}" in name else ""
            print(f"{name:56s} {med * 1000:9.1f} {units:>6s}")
        probe_u = statistics.median(times[f"probe() @{LATENCY_MS} ms"]) / unit
        zero = statistics.median(times["probe() @0 ms"])
        print(f"one probe at {LATENCY_MS} ms: {probe_u:.2f} latency units (goal <= 2.6: "
              f"{'ok' if probe_u <= 2.6 else 'MISS'}); the board sent {wrtes} WRTE packet(s) for it "
              f"({wrtes_streamed} for the streamed script); round trips {report.device.round_trips}, "
              f"verdict {report.verdict}")
        print(f"of which the latency: (probe @{LATENCY_MS} ms - probe @0 ms) / {LATENCY_MS} ms = "
              f"{(probe_u * unit - zero) / unit:.2f} u; the rest is the board's script ({zero * 1000:.0f} ms at 0 ms; "
              f"it grows with the machine's load, the floor is 2 u + the script)")

        timeout = 4.0
        started = time.perf_counter()
        r = probe(device=stall, toolkit=TOOLKIT, usb=False, adb=client, entry=entries[stall], timeout=timeout)
        took = time.perf_counter() - started
        soc, os_ = r.platform.get("soc"), r.platform.get("os")
        got = bool(soc and soc.value and os_ and os_.value)
        print(f"stalled dmesg (rk1808-stall, --timeout {timeout:g}): {took:.2f} s, SoC "
              f"{soc.value if soc else None}, OS {os_.value if os_ else None}, round trips "
              f"{r.device.round_trips} -> SoC and OS kept within the timeout: {'yes' if got else 'NO'}")
        counter.close()
        for address in (slow, fast, stall, traced):
            srv.disconnect(address)
    print("stopped: adb server and boards")


if __name__ == "__main__":
    main()
