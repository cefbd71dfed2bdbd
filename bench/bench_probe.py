"""Cost of one probe of one simulated board: round trips, connections, bytes, ms per probe.

Compares, on the same board in the same run (issue #5):

* ``probe()``: rknn-compat's own probe, end to end (adb device list, one shell round trip,
  parsing and judging);
* ``AdbTransport.run(SCRIPT)``: our transport alone (one connection chosen by transport id);
* naive adbutils: ``adb.device(serial=S).shell(SCRIPT)`` (the same script, one call);
* adbutils ``shell2`` once per manual command (device chosen by serial);
* the manual's loop: ``adb -s S shell CMD`` once per command, run by bash.

The boards run in a separate process (``python -m rknn_compat simulate``) with an isolated adb
server on a free port (never 5037).  Connections to the adb server are counted by a small TCP
proxy in front of it (one extra untimed pass per method; the adb CLI's connections are counted
the same way) and, for the in-process methods, by wrapping ``adbutils.AdbClient.make_connection``
and ``AdbConnection.close`` (which sleeps 10 ms).  Prints figures; asserts nothing.

Run: make bench  (or .venv/bin/python bench/bench_probe.py)
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PROFILE = "rk1808-linux-1.3.2"
LATENCY_MS = 50
TOOLKIT = "1.3.2"
RUNS = {0: 15, LATENCY_MS: 5}         # timed runs per method at each latency
CLI_RUNS = {0: 5, LATENCY_MS: 3}      # the CLI loop is slower; fewer runs

# The manual's commands (TS 1.3.2 section 1.7.2) plus platform and OS.
MANUAL_COMMANDS = [
    "dmesg | grep -i galcore",
    "strings /usr/bin/rknn_server | grep build",
    "strings /usr/lib/librknn_runtime.so | grep version",
    "cat /proc/device-tree/compatible",
    "cat /etc/os-release",
]


# --------------------------------------------------------------------------------------------
# shared helpers (bench_inventory.py imports these)

class BoardsProcess:
    """Simulated boards served by a child ``python -m rknn_compat simulate`` process."""

    def __init__(self, profiles: list[str]):
        self.profiles = profiles
        self.proc: subprocess.Popen | None = None
        self.addresses: list[str] = []
        self.start_seconds = 0.0

    def __enter__(self) -> BoardsProcess:
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rknn_compat", "simulate", *self.profiles],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        try:
            for line in self.proc.stdout:
                if line.startswith("adb connect "):
                    self.addresses.append(line.split()[2])
                elif line.startswith("serving"):
                    break
            if len(self.addresses) != len(self.profiles):
                raise RuntimeError(f"simulate started {len(self.addresses)} of {len(self.profiles)} boards: "
                                   f"{self.proc.stderr.read()[-500:]}")
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def peak_rss_kb(self) -> int | None:
        """VmHWM of the boards' process (peak resident set, kB)."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()
        self.proc = None

    def __exit__(self, *exc) -> None:
        self.stop()


def connect_all(srv, addresses: list[str], workers: int = 8) -> None:
    """``adb connect`` every board (a few at a time) and wait until each is ``device``."""
    def one(addr: str) -> None:
        msg = srv.connect(addr)
        if "connected to" not in msg or not srv.wait_state(addr, "device", 20):
            raise RuntimeError(f"adb connect {addr}: {msg}")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, addresses))


def use_server(srv) -> None:
    """Point this process's adbutils/rknn-compat at the isolated server."""
    os.environ.pop("ANDROID_ADB_SERVER_ADDRESS", None)
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(srv.port)


def manual_loop_script(srv, serials: list[str]) -> str:
    """The manual's way as a bash loop: one ``adb -s SERIAL shell CMD`` per command per board."""
    adb = f"{shlex.quote(srv.adb_path)} -P {srv.port}"
    cmds = " ".join(shlex.quote(c) for c in MANUAL_COMMANDS)
    return (f"for s in {' '.join(shlex.quote(s) for s in serials)}; do "
            f"for c in {cmds}; do {adb} -s \"$s\" shell \"$c\"; done; done")


def run_manual_loop(srv, serials: list[str], port: int | None = None) -> tuple[float, int]:
    """Run the loop under bash; returns (seconds, bytes of output)."""
    script = manual_loop_script(srv, serials)
    env = dict(srv.env)
    if port is not None:
        script = script.replace(f" -P {srv.port} ", f" -P {port} ")
        env["ANDROID_ADB_SERVER_PORT"] = str(port)
    started = time.perf_counter()
    r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, stdin=subprocess.DEVNULL,
                       timeout=600)
    return time.perf_counter() - started, len(r.stdout)


class CountingProxy:
    """A TCP proxy in front of the adb server: counts connections and bytes server -> client."""

    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.bytes_down = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closing = False
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def reset(self) -> None:
        time.sleep(0.05)  # let the last pumps finish counting
        with self._lock:
            self.connections = 0
            self.bytes_down = 0

    def snapshot(self) -> tuple[int, int]:
        time.sleep(0.05)
        with self._lock:
            return self.connections, self.bytes_down

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                c.close()
                continue
            for src, dst, down in ((c, up, False), (up, c, True)):
                t = threading.Thread(target=self._pump, args=(src, dst, down), daemon=True)
                t.start()
                self._threads.append(t)

    def _pump(self, src: socket.socket, dst: socket.socket, down: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if down:
                    with self._lock:
                        self.bytes_down += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._accepter.join(timeout=2)
        for t in self._threads:
            t.join(timeout=2)


class AdbutilsCounter:
    """Counts adbutils' connections to the server and its lingering (10 ms sleep) closes."""

    def __init__(self):
        import adbutils
        from adbutils import _adb

        self.connections = 0
        self.lingering_closes = 0
        self._orig_make = adbutils.AdbClient.make_connection
        self._orig_close = _adb.AdbConnection.close
        counter = self
        orig_make, orig_close = self._orig_make, self._orig_close

        def make_connection(self, *a, **kw):
            counter.connections += 1
            return orig_make(self, *a, **kw)

        def close(self):
            if not self.closed:
                counter.lingering_closes += 1
            return orig_close(self)

        adbutils.AdbClient.make_connection = make_connection
        _adb.AdbConnection.close = close

    def reset(self) -> None:
        self.connections = 0
        self.lingering_closes = 0

    def restore(self) -> None:
        import adbutils
        from adbutils import _adb

        adbutils.AdbClient.make_connection = self._orig_make
        _adb.AdbConnection.close = self._orig_close


def cpu_seconds(pid: int) -> float:
    """utime+stime of a process and of its reaped children, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


# --------------------------------------------------------------------------------------------
# the methods; each takes (client, serial, transport_id) and returns (shell calls, bytes)

def m_probe(adb, serial, tid):
    from rknn_compat.board_probe import probe

    r = probe(device=serial, toolkit=TOOLKIT, usb=False, adb=adb)
    if r.error:
        raise RuntimeError(f"probe {serial}: {r.error}")
    return r.device.round_trips, r.device.bytes


def m_transport(adb, serial, tid):
    from rknn_compat.read.script import SCRIPT
    from rknn_compat.transport.adb import AdbTransport, DeviceEntry

    t = AdbTransport(adb, DeviceEntry(serial, "device", {"transport_id": str(tid)}))
    r = t.run(SCRIPT, 15)
    return t.calls, len(r.stdout)


def m_naive(adb, serial, tid):
    from rknn_compat.read.script import SCRIPT

    d = adb.device(serial=serial)
    return 1, len(d.shell(SCRIPT).encode())


def m_naive_tid(adb, serial, tid):
    from rknn_compat.read.script import SCRIPT

    d = adb.device(transport_id=tid)
    return 1, len(d.shell(SCRIPT).encode())


def m_shell2(adb, serial, tid):
    d = adb.device(serial=serial)
    total = 0
    for c in MANUAL_COMMANDS:
        total += len(d.shell2(c, encoding=None).output)
    return len(MANUAL_COMMANDS), total


METHODS = [
    ("probe() end to end", "rknn_compat.probe(device=S, toolkit='1.3.2', usb=False)", m_probe),
    ("AdbTransport.run(SCRIPT)", "AdbTransport(adb, entry).run(SCRIPT, 15)  # transport id", m_transport),
    ("naive adbutils shell", "adb.device(serial=S).shell(SCRIPT)", m_naive),
    ("adbutils shell, by tid", "adb.device(transport_id=N).shell(SCRIPT)", m_naive_tid),
    ("adbutils shell2 x5", "for c in CMDS: adb.device(serial=S).shell2(c)", m_shell2),
]


def board_script_alone(runs: int) -> float:
    """The probe script run by the board's shell on a fresh rootfs, here, without adb."""
    import shutil

    from rknn_compat.read.script import SCRIPT
    from rknn_compat.sim import load_profile
    from rknn_compat.sim import rootfs as rfs
    from rknn_compat.sim.chroot import board_env, shell_argv

    prof = load_profile(PROFILE)
    root = rfs.new_rootfs(prof)
    try:
        argv = shell_argv(prof, root, SCRIPT)

        def run() -> None:
            subprocess.run(argv, env=board_env(prof), cwd=str(root), capture_output=True,
                           stdin=subprocess.DEVNULL, check=False)

        return timed(run, runs)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def host_side_alone(adb, serial: str, runs: int) -> float:
    """probe() on a recording of this board's answer: parsing and judging only, no adb."""
    import tempfile

    from rknn_compat.board_probe import probe

    with tempfile.TemporaryDirectory(prefix="rknn-bench-") as tmp:
        path = os.path.join(tmp, "answer.json")
        probe(device=serial, toolkit=TOOLKIT, usb=False, adb=adb, record=path)
        return timed(lambda: probe(device=f"fixture:{path}", toolkit=TOOLKIT, usb=False), runs)


def timed(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import adbutils

    from rknn_compat.sim import AdbServer

    profiles = [PROFILE, f"{PROFILE}+latency_ms={LATENCY_MS}"]
    print(f"bench_probe: one probe of one simulated board ({PROFILE}), Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    with AdbServer() as srv, BoardsProcess(profiles) as boards:
        use_server(srv)
        connect_all(srv, boards.addresses)
        client = adbutils.AdbClient(host="127.0.0.1", port=srv.port)
        tids = {i.serial: int(i.tags["transport_id"]) for i in client.list(extended=True)}
        lat_of = dict(zip((0, LATENCY_MS), boards.addresses))
        print(f"adb server: {srv.adb_path} -P {srv.port} (isolated HOME); boards: "
              f"`python -m rknn_compat simulate {' '.join(profiles)}` in pid {boards.pid}")
        print(f"latency fault: {LATENCY_MS} ms per OPEN and per WRTE packet the board sends "
              f"(rknn_compat/sim/protocol.py Connection.latency)\n")

        # 1. counts: one untimed pass per method through the counting proxy
        proxy = CountingProxy(srv.port)
        pclient = adbutils.AdbClient(host="127.0.0.1", port=proxy.port)
        counter = AdbutilsCounter()
        counts = {}
        serial = lat_of[0]
        try:
            for name, _, fn in METHODS:
                proxy.reset()
                counter.reset()
                calls, nbytes = fn(pclient, serial, tids[serial])
                conns, wire = proxy.snapshot()
                counts[name] = (calls, conns, counter.connections, counter.lingering_closes, nbytes, wire)
            proxy.reset()
            _, nbytes = run_manual_loop(srv, [serial], port=proxy.port)
            conns, wire = proxy.snapshot()
            counts["adb CLI loop x5"] = (len(MANUAL_COMMANDS), conns, None, None, nbytes, wire)
        finally:
            counter.restore()
            proxy.close()

        # 2. timings, direct to the server
        timings: dict[str, dict[int, float]] = {}
        for lat, addr in lat_of.items():
            tid = tids[addr]
            for name, _, fn in METHODS:
                timings.setdefault(name, {})[lat] = timed(
                    lambda fn=fn, addr=addr, tid=tid: fn(client, addr, tid), RUNS[lat])
            timings.setdefault("adb CLI loop x5", {})[lat] = timed(
                lambda addr=addr: run_manual_loop(srv, [addr]), CLI_RUNS[lat])

        script_alone = board_script_alone(RUNS[0])
        host_alone = host_side_alone(client, lat_of[0], RUNS[0])

        print("Per probe of one board (median; shell calls, connections and bytes from one counted pass)")
        head = (f"{'method':26s} {'shell':>5s} {'conns':>5s} {'adbutils':>8s} {'10ms':>5s} {'bytes':>6s} "
                f"{'wire B':>7s} {'ms @0ms':>8s} {'ms @' + str(LATENCY_MS) + 'ms':>9s} {'x probe':>8s}")
        print(head)
        print(f"{'':26s} {'calls':>5s} {'(tcp)':>5s} {'conns':>8s} {'waits':>5s} {'out':>6s} "
              f"{'down':>7s} {'latency':>8s} {'latency':>9s} {'@' + str(LATENCY_MS) + 'ms':>8s}")
        print("-" * len(head))
        ref = timings["probe() end to end"][LATENCY_MS]
        for name in [m[0] for m in METHODS] + ["adb CLI loop x5"]:
            calls, conns, aconns, lingers, nbytes, wire = counts[name]
            t0, t50 = timings[name][0], timings[name][LATENCY_MS]
            print(f"{name:26s} {calls:5d} {conns:5d} {'-' if aconns is None else aconns:>8} "
                  f"{'-' if lingers is None else lingers:>5} {nbytes:6d} {wire:7d} {ms(t0)} {ms(t50):>9s} "
                  f"{t50 / ref:7.2f}x")
        print()
        print("Commands:")
        for name, cmd, _ in METHODS:
            print(f"  {name:26s} {cmd}")
        print(f"  {'adb CLI loop x5':26s} bash -c {shlex.quote(manual_loop_script(srv, ['S']))}")
        print(f"  CMDS = {MANUAL_COMMANDS}")
        print()
        print("Columns: shell calls = shell round trips to the board; conns (tcp) = TCP connections to the\n"
              "adb server counted by a proxy (the CLI's include its own host:features/version queries);\n"
              "adbutils conns = AdbClient.make_connection calls; 10ms waits = AdbConnection.close() calls\n"
              "on an open socket (each sleeps 10 ms); bytes out = command output returned to the caller;\n"
              "wire B down = every byte the adb server sent back (protocol included).  The adb CLI loop\n"
              "runs under bash, so its connections are counted by the proxy only.\n")
        lat0 = timings["probe() end to end"][0]
        for other in ("naive adbutils shell", "adb CLI loop x5"):
            print(f"{other} takes {timings[other][0] / lat0:.2f}x probe()'s time at 0 ms latency, "
                  f"{timings[other][LATENCY_MS] / ref:.2f}x at {LATENCY_MS} ms")
        print(f"where probe()'s {lat0 * 1000:.1f} ms at 0 ms latency go: probe script run by the board's "
              f"shell alone, no adb {script_alone * 1000:.1f} ms; parsing+judging a recorded answer "
              f"(probe(device='fixture:F')) {host_alone * 1000:.1f} ms; the device list (adb.list(), "
              f"one connection closed with adbutils' 10 ms sleep) is the rest")
        print(f"boards started in {boards.start_seconds:.1f} s; boards' process peak RSS "
              f"{(boards.peak_rss_kb() or 0) / 1024:.1f} MiB")
        for addr in boards.addresses:
            srv.disconnect(addr)
    print("stopped: adb server and boards")


if __name__ == "__main__":
    main()
