"""Round trip of one shell call to a simulated board: adbutils vs the adb CLI.

100 sequential `echo hi` calls each way, against one rk1808-linux-1.3.2 board and an
isolated adb server (never port 5037).  Prints ms per call; never asserts.
"""

from __future__ import annotations

import statistics
import subprocess
import time

from rknn_compat.sim import AdbServer, SimulatedBoards

CALLS = 100


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    with AdbServer() as server, SimulatedBoards(["rk1808-linux-1.3.2"]) as sims:
        board = sims.boards[0]
        server.connect(board.address, timeout=10)
        client = server.client()
        by_serial = client.device(serial=board.serial)
        tid = next(i.transport_id for i in client.list(extended=True) if i.serial == board.serial)
        by_tid = client.device(transport_id=tid)
        cli = [server.adb_path, "-P", str(server.port), "-s", board.serial, "shell", "echo hi"]
        rows = [
            ("adbutils d.shell('echo hi'), device by serial", lambda: by_serial.shell("echo hi")),
            ("adbutils d.shell('echo hi'), device by transport id", lambda: by_tid.shell("echo hi")),
            ("adbutils d.shell2('echo hi', v2=True), by serial", lambda: by_serial.shell2("echo hi", v2=True)),
            ("adb CLI `adb -s S shell 'echo hi'` (process start included)",
             lambda: subprocess.run(cli, env=server.env, capture_output=True, check=True)),
        ]
        print(f"bench_shell_roundtrip: {CALLS} sequential calls each, board {board.profile.name} at {board.address}")
        for label, call in rows:
            call()  # warm up
            times = [timed(call) for _ in range(CALLS)]
            print(f"  {label:<62} median {statistics.median(times):6.2f} ms  mean {statistics.mean(times):6.2f} ms")
    print("stopped: adb server and board")


if __name__ == "__main__":
    main()
