"""Cold start of `rknn-compat matrix --toolkit 1.3.2` against `python -c pass`.

Prints medians over N runs and checks (prints, does not assert) that adbutils is
not imported.  Run: make bench  (or .venv/bin/python bench/bench_startup.py)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15


def median_seconds(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    py = sys.executable
    base = median_seconds([py, "-c", "pass"])
    matrix = median_seconds([py, "-m", "rknn_compat", "matrix", "--toolkit", "1.3.2"])
    imports = subprocess.run([py, "-X", "importtime", "-m", "rknn_compat", "matrix", "--toolkit", "1.3.2"],
                             capture_output=True, text=True).stderr
    heavy = [m for m in ("adbutils", "requests", "PIL") if f" {m}" in imports]
    print(f"python -c pass                         median {base * 1000:7.1f} ms ({RUNS} runs)")
    print(f"rknn-compat matrix --toolkit 1.3.2     median {matrix * 1000:7.1f} ms ({RUNS} runs)")
    print(f"overhead over bare python              {(matrix - base) * 1000:7.1f} ms")
    print(f"heavy modules imported by matrix: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
