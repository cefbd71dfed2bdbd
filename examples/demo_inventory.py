"""The main job on a built-in default, no hardware needed (`make demo`).

Starts an isolated adb server and a few simulated boards of different firmware,
connects them, runs `rknn-compat inventory --toolkit 1.3.2` against them through the
real adb server, prints the table, and stops everything.
"""

from __future__ import annotations

import os
import subprocess
import sys

from rknn_compat.sim import AdbServer, SimulatedBoards

BOARDS = [
    "rk1808-linux-1.3.2",       # matches toolkit 1.3.2
    "rk1808-linux-1.1.0",       # old firmware
    "rk1808-mixed",             # driver, rknn_server and runtime from different releases
    "rk3399pro-android-1.7.5",  # Android, NPU components inside the NPU firmware
    "rk1808-unauthorized",      # adb key not accepted
]


def main() -> int:
    with AdbServer() as server, SimulatedBoards(BOARDS) as sims:
        for board in sims.boards:
            server.connect(board.address, timeout=10)
            print(f"simulated {board.profile.name:<26} at {board.address}", flush=True)
        cmd = [sys.executable, "-m", "rknn_compat", "inventory", "--toolkit", "1.3.2", "--timeout", "10"]
        print(f"\n$ rknn-compat inventory --toolkit 1.3.2   (adb server on port {server.port})\n", flush=True)
        proc = subprocess.run(cmd, env={**os.environ, **server.env})
    print(f"\ninventory exited {proc.returncode} (0 all fit, 1 a board is incompatible, 3 a board is "
          "unreachable or unknown, 4 a board is not ready); simulated boards and adb server stopped.", flush=True)
    return 0 if proc.returncode in (0, 1, 3, 4) else proc.returncode


if __name__ == "__main__":
    sys.exit(main())
