"""Helpers the bench scripts share: boards in their own process, paired timings, the manual loop.

Whole-process figures are *paired*: command A and command B run alternately (A B A B ...) and
the median of the per-pair ratios is printed, so a busy moment of the machine hits both sides of
a pair.  Every board runs in a separate ``python -m rknn_compat simulate`` process and every adb
server is an isolated one (its own port and HOME, never 5037).
"""

from __future__ import annotations

import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TOOLKIT = "1.3.2"
# The manual's three commands (RKNN Toolkit troubleshooting manual 1.3.2, section 1.7.2).
MANUAL_COMMANDS = [
    "dmesg | grep -i galcore",
    "strings /usr/bin/rknn_server | grep build",
    "strings /usr/lib/librknn_runtime.so | grep version",
]


def compile_package() -> None:
    """Write the package's .pyc files, as a wheel install does (this workplace may set
    PYTHONDONTWRITEBYTECODE, which makes an editable install recompile on every start)."""
    import rknn_compat

    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(rknn_compat.__file__)],
                   stdout=subprocess.DEVNULL, check=False)


class BoardsProcess:
    """Simulated boards served by a child ``python -m rknn_compat simulate`` process."""

    def __init__(self, profiles: list[str]):
        self.profiles = profiles
        self.proc: subprocess.Popen | None = None
        self.addresses: list[str] = []

    def __enter__(self) -> BoardsProcess:
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
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

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
    """Point this process (and the commands it starts) at the isolated server."""
    os.environ.pop("ANDROID_ADB_SERVER_ADDRESS", None)
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(srv.port)


def manual_loop(srv, serials: list[str]) -> list[str]:
    """The manual's way as a bash loop: one ``adb -s SERIAL shell CMD`` per command per board."""
    adb = f"{shlex.quote(srv.adb_path)} -P {srv.port}"
    cmds = " ".join(shlex.quote(c) for c in MANUAL_COMMANDS)
    return ["bash", "-c", f"for s in {' '.join(shlex.quote(s) for s in serials)}; do "
                          f"for c in {cmds}; do {adb} -s \"$s\" shell \"$c\"; done; done"]


def rknn_compat(*args: str) -> list[str]:
    """The installed command, as a user runs it (the venv's console script)."""
    script = os.path.join(os.path.dirname(sys.executable), "rknn-compat")
    return [script, *args] if os.path.exists(script) else [sys.executable, "-m", "rknn_compat", *args]


def run_once(argv: list[str], env: dict | None = None) -> tuple[float, int]:
    """(wall seconds, exit code) of one whole process."""
    started = time.perf_counter()
    code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL, env=env, check=False).returncode
    return time.perf_counter() - started, code


def paired(a: list[str], b: list[str], runs: int, env: dict | None = None) -> dict:
    """Run A and B alternately ``runs`` times; medians of each side and of the per-pair ratio A/B."""
    run_once(a, env)  # warm the page cache
    run_once(b, env)
    ta, tb, codes = [], [], set()
    for _ in range(runs):
        wall_a, code = run_once(a, env)
        ta.append(wall_a)
        tb.append(run_once(b, env)[0])
        codes.add(code)
    return {"a": statistics.median(ta), "b": statistics.median(tb),
            "ratio": statistics.median(x / y for x, y in zip(ta, tb)), "codes": sorted(codes)}


# VmHWM of the process's own memory map: getrusage's ru_maxrss would also count the pages of
# the (large) bench process it was forked from, which the kernel carries across exec.
_PEAK = ("import atexit, os, runpy, sys\n"
         "def _peak():\n"
         "    with open('/proc/self/status') as f, open(os.environ['BENCH_PEAK_FILE'], 'w') as out:\n"
         "        out.write(next(l for l in f if l.startswith('VmHWM:')).split()[1])\n"
         "atexit.register(_peak)\n"
         "sys.argv = ['rknn-compat'] + sys.argv[1:]\n"
         "runpy.run_module('rknn_compat', run_name='__main__')\n")


def peak_rss_mib(args: list[str], env: dict | None = None) -> float:
    """Peak resident memory of ``rknn-compat ARGS`` (its own pages), MiB."""
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="rknn-bench-peak-") as f:
        run_env = dict(env or os.environ, BENCH_PEAK_FILE=f.name)
        subprocess.run([sys.executable, "-c", _PEAK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, env=run_env, check=False)
        text = open(f.name).read().strip()
    return int(text) / 1024 if text.isdigit() else float("nan")


def cpu_seconds(pid: int) -> float:
    """utime+stime of a process and of its reaped children, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
