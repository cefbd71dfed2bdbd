"""`rknn-compat inventory` as a user runs it, against the manual's loop; peak memory (issue 15 goals).

Two simulated labs behind one isolated adb server: 8 boards `rk1808-linux-1.3.2` at 0 ms and 64
boards `rk1808-linux-1.3.2+latency_ms=50`, each lab in its own simulator process.  The manual's
way is a sequential bash loop running `adb -s SERIAL shell CMD` for the manual's three commands
(RKNN Toolkit troubleshooting manual 1.3.2, 1.7.2) on every board.  Both run as whole
processes, alternately (pairs), and the median of the per-pair ratios manual/inventory is
printed.  The 64-board loop takes about half a minute a run: it is run on 8 of the boards and
scaled by 8 (sequential, so each board costs the same; the output says "scaled").  Peak RSS
is the inventory process's own (VmHWM).  Prints figures; asserts nothing.

Run: make bench  (or .venv/bin/python bench/bench_inventory.py)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402  (the helpers live beside this file)
    MANUAL_COMMANDS,
    TOOLKIT,
    BoardsProcess,
    compile_package,
    connect_all,
    cpu_seconds,
    manual_loop,
    paired,
    peak_rss_mib,
    rknn_compat,
    run_once,
    use_server,
)

PAIRS = {8: 7, 64: 3}


def main() -> None:
    from rknn_compat.sim import AdbServer

    compile_package()
    print(f"bench_inventory: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; manual loop = "
          f"{len(MANUAL_COMMANDS)} x `adb -s S shell CMD` per board: {MANUAL_COMMANDS}")
    with AdbServer() as srv, BoardsProcess(["rk1808-linux-1.3.2"] * 8) as quick, \
            BoardsProcess(["rk1808-linux-1.3.2+latency_ms=50"] * 64) as slow, \
            tempfile.TemporaryDirectory(prefix="rknn-bench-") as tmp:
        use_server(srv)
        started = time.monotonic()
        connect_all(srv, quick.addresses + slow.addresses)
        print(f"72 boards in 2 simulator processes, adb connect took {time.monotonic() - started:.1f} s")
        env = dict(os.environ)
        rows = []
        for n, lab, goal in ((8, quick, 2.0), (64, slow, 20.0)):
            devices = Path(tmp, f"boards-{n}.txt")
            devices.write_text("\n".join(lab.addresses) + "\n")
            inv = rknn_compat("inventory", "--devices", str(devices), "--toolkit", TOOLKIT, "--format", "json")
            sample = lab.addresses[:8]
            r = paired(manual_loop(srv, sample), inv, PAIRS[n], env)
            cpu0 = cpu_seconds(lab.pid)
            wall = run_once(inv, env)[0]
            rows.append({"n": n, "goal": goal, "r": r, "scale": n / len(sample), "wall": wall,
                         "shells": cpu_seconds(lab.pid) - cpu0})
        print(f"{'boards':>6s} {'latency':>7s} {'inventory s':>11s} {'manual s':>9s} {'manual/inventory':>16s} "
              f"{'goal':>6s}  manual")
        for row in rows:
            r, scale, goal = row["r"], row["scale"], row["goal"]
            ratio = r["ratio"] * scale
            how = "measured" if scale == 1 else f"8 boards measured, scaled x{scale:g}"
            lat = "50 ms" if row["n"] == 64 else "0 ms"
            print(f"{row['n']:6d} {lat:>7s} {r['b']:11.3f} {r['a'] * scale:9.2f} {ratio:15.1f}x "
                  f"{'>=' + format(goal, 'g') + 'x':>6s} {'ok' if ratio >= goal else 'MISS'}  {how}; "
                  f"exit codes {r['codes']}")
        for row in rows:
            print(f"  one more inventory of {row['n']} boards: {row['wall']:.2f} s wall, of which the simulated "
                  f"boards' shells used {row['shells']:.2f} CPU s on this {os.cpu_count()}-core machine")
        devices = Path(tmp, "boards-64.txt")
        peaks = [peak_rss_mib(["inventory", "--devices", str(devices), "--toolkit", TOOLKIT, "--format", "json"],
                              env) for _ in range(3)]
        peak = max(peaks)
        print(f"peak RSS of `rknn-compat inventory` of 64 boards: {peak:.1f} MiB (max of 3; goal <= 40: "
              f"{'ok' if peak <= 40 else 'MISS'})")
        one = run_once(rknn_compat("inventory", "--devices", str(devices), "--toolkit", TOOLKIT), env)
        print(f"one table run of 64 boards: {one[0]:.2f} s, exit {one[1]}")
        for address in quick.addresses + slow.addresses:
            srv.disconnect(address)
    print("stopped: adb server and boards")


if __name__ == "__main__":
    main()
