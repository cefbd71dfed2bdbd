"""The main jobs on built-in defaults, no hardware needed (`make demo`).

1. `inventory`: an isolated adb server and a few simulated boards of different firmware,
   judged against RKNN Toolkit 1.3.2 through the real adb server;
2. `explain`: a real user's log (rockchip-linux/rknn-toolkit#511) turned into its causes and fixes;
3. `model`: a real Caffe net with V1 layers (BVLC/caffe), judged against toolkit 1.3.2;
4. `doctor`: the whole chain for one of the simulated boards.
Everything is stopped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rknn_compat.sim import AdbServer, SimulatedBoards

HERE = Path(__file__).resolve().parent
BOARDS = [
    "rk1808-linux-1.3.2",       # matches toolkit 1.3.2
    "rk1808-linux-1.1.0",       # old firmware
    "rk1808-mixed",             # driver, rknn_server and runtime from different releases
    "rk3399pro-android-1.7.5",  # Android, NPU components inside the NPU firmware
    "rk1808-unauthorized",      # adb key not accepted
]
SAMPLE_LOG = HERE / "explain-sample.log"
SAMPLE_MODEL = HERE.parent / "tests" / "data" / "models" / "caffe-v1-imagenet_deploy.prototxt"


def step(title: str, args: list[str], env: dict) -> int:
    print(f"\n=== {title}\n$ rknn-compat {' '.join(args)}\n", flush=True)
    code = subprocess.run([sys.executable, "-m", "rknn_compat", *args], env=env).returncode
    print(f"(exit {code})", flush=True)
    return code


def main() -> int:
    codes = []
    with AdbServer() as server, SimulatedBoards(BOARDS) as sims:
        for board in sims.boards:
            server.connect(board.address, timeout=10)
            print(f"simulated {board.profile.name:<26} at {board.address}", flush=True)
        env = {**os.environ, **server.env}
        codes.append(step("1. inventory: every board at once", ["inventory", "--toolkit", "1.3.2", "--timeout", "10"],
                          env))
        codes.append(step("2. explain: a pasted log", ["explain", str(SAMPLE_LOG)], env))
        codes.append(step("3. model: will this file convert?", ["model", str(SAMPLE_MODEL), "--toolkit", "1.3.2"],
                          env))
        codes.append(step("4. doctor: the whole chain for one board",
                          ["doctor", "--device", sims.boards[0].serial, "--toolkit", "1.3.2"], env))
    print("\nExit codes: 0 all fit, 1 a problem found, 3 something could not be told, 4 not ready; "
          "simulated boards and adb server stopped.", flush=True)
    return 0 if all(c in (0, 1, 3, 4) for c in codes) else 1


if __name__ == "__main__":
    sys.exit(main())
