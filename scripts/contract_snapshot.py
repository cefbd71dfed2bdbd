"""Record every command's output on every simulated profile, to diff two trees' behaviour.

    python scripts/contract_snapshot.py OUT_DIR

Boards listen on fixed ports (so serials are stable), one isolated adb server serves them all,
and each command runs as a user runs it (``python -m rknn_compat``). A refactor is behaviour-
preserving when two snapshots are byte-identical: ``diff -r before/ after/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from rknn_compat.sim import AdbServer, SimulatedBoards, list_profiles

BASE_PORT = 41200
TIMEOUT = "4"
MATRIX_RUNS = [
    ["matrix"],
    ["matrix", "--toolkit", "1.3.2"],
    ["matrix", "--toolkit", "1.7.5"],
    ["matrix", "--toolkit2", "2.3.2"],
    ["matrix", "--toolkit2", "1.6.0"],
    ["matrix", "--driver", "6.4.0, 227915"],
    ["matrix", "--rknn-server", "1.3.2"],
    ["matrix", "--runtime", "1.7.5"],
    ["matrix", "--rknn-server", "9.9.9"],
]


def run(out: Path, name: str, args: list[str], env: dict) -> None:
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", *args], env=env,
                          capture_output=True, timeout=120)
    stdout = re.sub(rb'"seconds": [0-9.]+', b'"seconds": "*"', proc.stdout)  # wall time varies
    (out / f"{name}.out").write_bytes(stdout + b"\n--- stderr\n" + proc.stderr +
                                      f"\n--- exit {proc.returncode}\n".encode())


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    for i, args in enumerate(MATRIX_RUNS):
        for fmt in ("json", "table"):
            run(out, f"matrix-{i}-{fmt}", [*args, "--format", fmt], env)
    run(out, "usb-json", ["usb", "--format", "json"], env)
    names = [name for name, _ in list_profiles()]
    with AdbServer() as server, SimulatedBoards(names, port=BASE_PORT) as sims:
        for board in sims.boards:
            server.connect(board.address, timeout=10)
        benv = {**env, **server.env}
        for board in sims.boards:
            for target in ([], ["--toolkit", "1.3.2"], ["--toolkit2", "2.3.2"]):
                tag = "-".join([board.profile.name, *target[1:]]) or board.profile.name
                for fmt in ("json", "table"):
                    run(out, f"probe-{tag}-{fmt}",
                        ["probe", "--device", board.serial, "--timeout", TIMEOUT, *target, "--format", fmt], benv)
        for fmt in ("json", "jsonl", "csv", "table"):
            run(out, f"inventory-{fmt}", ["inventory", "--toolkit", "1.3.2", "--timeout", TIMEOUT,
                                          "--format", fmt], benv)
        run(out, "inventory-notarget-json", ["inventory", "--timeout", TIMEOUT, "--format", "json"], benv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
