"""Whole-process cost of rknn-compat commands, as ratios to `python -c pass` (issue 15 goals).

Each command runs paired with `python -c pass` (alternately, RUNS pairs); the median of the
per-pair ratios is printed with the goal beside it.  `probe` runs against one simulated
rk1808-linux-1.3.2 board at 0 ms latency behind an isolated adb server.  Also prints which
heavy modules each command imports, and the peak RSS.  Prints figures; asserts nothing.

Run: make bench  (or .venv/bin/python bench/bench_startup.py)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402  (the helpers live beside this file)
    TOOLKIT,
    BoardsProcess,
    compile_package,
    connect_all,
    paired,
    peak_rss_mib,
    rknn_compat,
    use_server,
)

RUNS = 21
HEAVY = ("pydantic", "rich", "PIL", "requests", "tabulate", "adbutils._device", "prometheus_client")


def heavy_imports(argv: list[str], env: dict) -> str:
    code = ("import runpy, sys; sys.argv = ['rknn-compat'] + sys.argv[1:]\n"
            "try:\n    runpy.run_module('rknn_compat', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env)
    return r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""


def main() -> None:
    from importlib.metadata import version

    from rknn_compat.sim import AdbServer

    compile_package()
    base = [sys.executable, "-c", "pass"]
    print(f"bench_startup: {RUNS} pairs per command with `python -c pass`, Python {sys.version.split()[0]}, "
          f"typer {version('typer')}, adbutils {version('adbutils')}, {os.cpu_count()} CPUs")
    rows = [
        (["matrix", "--toolkit", TOOLKIT], 5.0),
        (["--help"], 5.0),
        (["probe", "--help"], None),
        (["inventory", "--help"], None),
    ]
    with AdbServer() as srv, BoardsProcess(["rk1808-linux-1.3.2"]) as boards:
        use_server(srv)
        connect_all(srv, boards.addresses)
        env = dict(os.environ)
        rows.append((["probe", "--device", boards.addresses[0], "--toolkit", TOOLKIT], 8.0))
        floor = paired([sys.executable, "-c", "import typer"], base, RUNS, env)
        print(f"{'command':58s} {'ms':>7s} {'python ms':>9s} {'ratio':>7s} {'goal':>6s} {'peak MiB':>8s}  imports")
        label = "python -c 'import typer' (the floor while typer parses)"
        print(f"{label:58s} {floor['a'] * 1000:7.1f} "
              f"{floor['b'] * 1000:9.1f} {floor['ratio']:6.1f}x")
        for args, goal in rows:
            r = paired(rknn_compat(*args), base, RUNS, env)
            shown = "rknn-compat " + " ".join("S" if a == boards.addresses[0] else a for a in args)
            mark = "" if goal is None else (f"<={goal:g}x" + (" ok" if r["ratio"] <= goal else " MISS"))
            print(f"{shown:58s} {r['a'] * 1000:7.1f} {r['b'] * 1000:9.1f} {r['ratio']:6.1f}x {mark:>9s} "
                  f"{peak_rss_mib(args, env):8.1f}  {heavy_imports(args, env) or 'no heavy module'}"
                  + ("" if r["codes"] == [0] else f"  (exit {r['codes']})"))
        srv.disconnect(boards.addresses[0])
    print(f"heavy modules looked for: {', '.join(HEAVY)}; ratio = median of per-pair ratios; "
          f"S = a simulated board at 0 ms latency")
    print("stopped: adb server and boards")


if __name__ == "__main__":
    main()
