"""`rknn-compat explain` on a 50 MB log: wall time and peak memory.

The log is built from real lines only: the verbose `D RKNN:` lines of a toolkit2 build log
(tests/data/logs/airockchip-rknn-toolkit2-408-*) repeated to 50 MB, then a real failing run at
the end (airockchip/rknn-toolkit2#281). Each size runs in a fresh process (`--worker`) so that
ru_maxrss is that run's own peak. Prints figures, never asserts.
Run: .venv/bin/python bench/bench_explain.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOGS = Path(__file__).resolve().parents[1] / "tests" / "data" / "logs"
FILLER = LOGS / "airockchip-rknn-toolkit2-408-librknnc-2.3.2-build.log"
FAILURE = LOGS / "airockchip-rknn-toolkit2-281-model-version-6-1.log"
SIZES_MB = (1, 10, 50)
RUNS = 3


def build(path: Path, megabytes: int) -> None:
    lines = "".join(ln + "\n" for ln in FILLER.read_text(encoding="utf-8").splitlines() if ln.startswith("D RKNN"))
    with open(path, "w", encoding="utf-8") as fh:
        written = 0
        while written < megabytes * 1_000_000:
            fh.write(lines)
            written += len(lines)
        fh.write(FAILURE.read_text(encoding="utf-8"))


def worker(path: str) -> None:
    from rknn_compat.explain import explain

    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        report = explain([path])
        times.append(time.perf_counter() - started)
    print(json.dumps({"seconds": sorted(times)[len(times) // 2], "verdict": report.verdict,
                      "diagnoses": [d.id for d in report.diagnoses],
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for mb in SIZES_MB:
            path = Path(tmp) / f"log{mb}.log"
            build(path, mb)
            out = subprocess.run([sys.executable, __file__, "--worker", str(path)], capture_output=True, text=True,
                                 check=True).stdout
            r = json.loads(out)
            print(f"{path.stat().st_size / 1e6:6.1f} MB  median {r['seconds']:.2f} s of {RUNS}  "
                  f"peak RSS {r['maxrss_mb']:.0f} MB  {r['verdict']} {', '.join(r['diagnoses'])}")
        base = subprocess.run([sys.executable, "-c", "import resource, rknn_compat.explain; "
                               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"],
                              capture_output=True, text=True, check=True).stdout.strip()
        print(f"peak RSS of the interpreter with rknn_compat.explain imported: {float(base):.0f} MB")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2])
    else:
        main()
