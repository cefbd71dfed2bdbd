"""Inventory of 1, 8, 32 and 64 simulated boards with 50 ms latency; the manual's loop beside it.

Every board is ``rk1808-linux-1.3.2+latency_ms=50`` (50 ms before each OPEN answer and each
WRTE the board sends).  The boards run in their own process (``python -m rknn_compat simulate``)
and the isolated adb server in its own, so each ``inventory()`` runs in a fresh worker process
(this script with ``--worker``) whose ``getrusage`` peak RSS is the inventory's own.  Beside it,
the manual's way: a bash loop running ``adb -s SERIAL shell CMD`` once per command per board,
sequentially; it is measured on up to 8 boards and extrapolated linearly beyond (it is
sequential: each board costs the same), which the output says.  Prints figures; asserts nothing.

Run: make bench  (or .venv/bin/python bench/bench_inventory.py [--full-manual])
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_probe import (  # noqa: E402  (the helpers live beside this file)
    MANUAL_COMMANDS,
    AdbutilsCounter,
    BoardsProcess,
    connect_all,
    cpu_seconds,
    manual_loop_script,
    run_manual_loop,
)

PROFILE = "rk1808-linux-1.3.2+latency_ms=50"
TOOLKIT = "1.3.2"
SIZES = (1, 8, 32, 64)
REPEATS = {1: 5, 8: 3, 32: 3, 64: 3}   # inventory runs per size (median reported)
MANUAL_MEASURED_MAX = 8                 # boards the manual loop really runs; beyond, extrapolated


def worker(port: str, serials: list[str]) -> None:
    """One inventory in this process; prints one JSON line of figures."""
    os.environ.pop("ANDROID_ADB_SERVER_ADDRESS", None)
    os.environ["ANDROID_ADB_SERVER_PORT"] = port
    from rknn_compat import tables as matrix
    from rknn_compat.lab_inventory import inventory

    matrix.load()  # the matrices are loaded and cached before the clock starts in either case
    import adbutils  # noqa: F401  (imported before the baseline, as inventory() would)

    counter = AdbutilsCounter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = time.process_time()
    started = time.perf_counter()
    inv = inventory(devices=serials, toolkit=TOOLKIT, usb=False)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    boards = inv.boards
    print(json.dumps({
        "wall": wall,
        "cpu": cpu,
        "ok": sum(1 for b in boards if not b.error),
        "verdicts": sorted({b.verdict for b in boards}),
        "errors": [b.error for b in boards if b.error][:3],
        "round_trips": sum(b.device.get("round_trips", 0) for b in boards),
        "bytes": sum(b.device.get("bytes", 0) for b in boards),
        "slowest_board": max(b.device.get("seconds", 0) for b in boards),
        "connections": counter.connections,
        "lingering_closes": counter.lingering_closes,
        "rss_before_kb": rss_before,
        "rss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }))


def run_worker(srv, boards, serials: list[str]) -> dict:
    """One inventory in a fresh process; adds the CPU the boards and the adb server spent meanwhile."""
    b0, s0 = cpu_seconds(boards.pid), cpu_seconds(srv.proc.pid)
    r = subprocess.run([sys.executable, __file__, "--worker", str(srv.port), *serials],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"inventory worker failed (rc {r.returncode}): {r.stderr[-2000:]}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["cpu_boards"] = cpu_seconds(boards.pid) - b0
    out["cpu_server"] = cpu_seconds(srv.proc.pid) - s0
    return out


def main(full_manual: bool) -> None:
    from rknn_compat.sim import AdbServer

    n_max = max(SIZES)
    print(f"bench_inventory: inventory of 1..{n_max} simulated boards ({PROFILE}), "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with AdbServer() as srv, BoardsProcess([PROFILE] * n_max) as boards:
        t = time.monotonic()
        connect_all(srv, boards.addresses)
        connect_s = time.monotonic() - t
        serials = boards.addresses
        print(f"adb server: {srv.adb_path} -P {srv.port} (isolated HOME, own process)")
        print(f"boards: `python -m rknn_compat simulate {PROFILE} x{n_max}` in pid {boards.pid} "
              f"(started in {boards.start_seconds:.1f} s, adb connect of all in {connect_s:.1f} s)")
        print(f"inventory: `{Path(sys.executable).name} {Path(__file__).name} --worker PORT SERIAL...` = "
              f"rknn_compat.inventory(devices=SERIALS, toolkit='{TOOLKIT}', usb=False) in a fresh process")
        print(f"manual loop: bash -c '{' '.join(manual_loop_script(srv, ['SERIAL...']).split())}'\n")

        results: dict[int, list[dict]] = {}
        for n in SIZES:
            results[n] = [run_worker(srv, boards, serials[:n]) for _ in range(REPEATS[n])]

        manual: dict[int, tuple[float, int, bool]] = {}  # n -> (seconds, boards run, extrapolated)
        for n in SIZES:
            run_n = n if full_manual else min(n, MANUAL_MEASURED_MAX)
            if run_n in (m[1] for m in manual.values()) and run_n < n:
                secs = next(m[0] for m in manual.values() if m[1] == run_n)
            else:
                secs, _ = run_manual_loop(srv, serials[:run_n])
            manual[n] = (secs * n / run_n if run_n < n else secs, run_n, run_n < n)

        one = statistics.median(r["wall"] for r in results[1])
        print(f"Inventory wall time (median of runs), {len(MANUAL_COMMANDS)} manual commands per board")
        head = (f"{'boards':>6s} {'runs':>4s} {'wall s':>7s} {'x 1 board':>9s} {'slowest':>8s} {'ok':>4s} "
                f"{'shell':>6s} {'conns':>5s} {'10ms':>5s} {'bytes':>7s} {'manual s':>9s} {'manual/inv':>10s}  "
                f"manual")
        print(head)
        print(f"{'':>6s} {'':>4s} {'':>7s} {'':>9s} {'board s':>8s} {'':>4s} {'calls':>6s} {'':>5s} "
              f"{'waits':>5s} {'':>7s}")
        print("-" * len(head))
        for n in SIZES:
            rs = results[n]
            wall = statistics.median(r["wall"] for r in rs)
            slowest = statistics.median(r["slowest_board"] for r in rs)
            last = rs[-1]
            msecs, run_n, extra = manual[n]
            how = f"extrapolated from {run_n} boards" if extra else "measured"
            print(f"{n:6d} {len(rs):4d} {wall:7.3f} {wall / one:8.2f}x {slowest:8.3f} {last['ok']:4d} "
                  f"{last['round_trips']:6d} {last['connections']:5d} {last['lingering_closes']:5d} "
                  f"{last['bytes']:7d} {msecs:9.2f} {msecs / wall:9.1f}x  {how}")
            if last["errors"]:
                print(f"       errors: {last['errors']}")
        print("\nColumns: wall s = inventory() call; slowest board s = the longest single probe inside it;\n"
              "ok = boards probed without error; shell calls = round trips summed over boards; conns =\n"
              "adbutils AdbClient.make_connection calls (1 device list + 1 per board); 10ms waits =\n"
              "AdbConnection.close() calls that sleep 10 ms; manual s = the bash loop's wall time.")

        cores = os.cpu_count() or 1
        print("\nWhere the time goes: CPU seconds per inventory run (median), all processes on this machine")
        print(f"{'boards':>6s} {'wall s':>7s} {'inventory':>10s} {'boards+shells':>14s} {'adb server':>11s} "
              f"{'total CPU':>10s} {'CPU/(wall x ' + str(cores) + ')':>16s}")
        for n in SIZES:
            rs = results[n]
            wall = statistics.median(r["wall"] for r in rs)
            inv_cpu = statistics.median(r["cpu"] for r in rs)
            b_cpu = statistics.median(r["cpu_boards"] for r in rs)
            s_cpu = statistics.median(r["cpu_server"] for r in rs)
            total = inv_cpu + b_cpu + s_cpu
            print(f"{n:6d} {wall:7.3f} {inv_cpu:10.3f} {b_cpu:14.3f} {s_cpu:11.3f} {total:10.3f} "
                  f"{total / (wall * cores):15.0%}")
        print("inventory = the inventory process during inventory(); boards+shells = the simulator process\n"
              "and the board shells it ran (whole worker run, so a little start-up idle is included);\n"
              "near 100% means the machine's cores, not the 50 ms latency, bound the wall time.")

        print("\nPeak RSS (ru_maxrss), one fresh process per inventory run, MiB (max over runs)")
        print(f"{'boards':>6s} {'before inventory()':>19s} {'peak self':>10s} {'inventory adds':>15s} "
              f"{'children':>9s}")
        for n in SIZES:
            rs = results[n]
            before = max(r["rss_before_kb"] for r in rs) / 1024
            peak = max(r["rss_self_kb"] for r in rs) / 1024
            child = max(r["rss_children_kb"] for r in rs) / 1024
            print(f"{n:6d} {before:19.1f} {peak:10.1f} {peak - before:15.1f} {child:9.1f}")
        print("self = the inventory's process only (boards and adb server run in other processes);\n"
              "children = RUSAGE_CHILDREN of that process (inventory starts none with usb=False).\n"
              f"boards' process (all {n_max} boards, all runs) peak RSS: "
              f"{(boards.peak_rss_kb() or 0) / 1024:.1f} MiB (VmHWM)")
        for addr in serials:
            srv.disconnect(addr)
    print("stopped: adb server and boards")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3:])
    else:
        main(full_manual="--full-manual" in sys.argv[1:])
