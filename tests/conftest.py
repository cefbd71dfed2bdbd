"""Shared fixtures: an isolated adb server and simulated boards connected to it.

No test may touch the user's adb server on port 5037 or leave a process behind: the
session-wide ``_no_leftovers`` check below fails the run if either happens.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest


def _adb_server_pids(ports: set[int]) -> set[int]:
    """adb server processes serving one of ``ports`` (other sessions' servers are not ours)."""
    wanted = {str(p).encode() for p in ports}
    pids = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if not (argv and argv[0].endswith(b"adb") and (b"server" in argv or b"fork-server" in argv)):
            continue
        words = {w.rsplit(b":", 1)[-1] for w in argv}  # "-P 5101" or "-L tcp:5101"
        if words & wanted:
            pids.add(int(d))
    return pids


@pytest.fixture(scope="session", autouse=True)
def _no_leftovers() -> Iterator[None]:
    from rknn_compat.sim import AdbServer
    from rknn_compat.sim.net import port_open

    had_5037 = port_open(5037)
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _adb_server_pids(AdbServer.ports_used):
        time.sleep(0.1)
    left = _adb_server_pids(AdbServer.ports_used)
    assert not left, f"tests left adb server processes behind: {sorted(left)}"
    if not had_5037:
        assert not port_open(5037), "a test started an adb server on the user's port 5037"


@pytest.fixture(scope="session")
def adb_server():
    """A session-wide adb server on its own port with its own HOME (never 5037)."""
    from rknn_compat.sim import AdbServer

    with AdbServer() as srv:
        yield srv


@pytest.fixture
def boards(adb_server):
    """Factory: ``boards("rk1808-linux-1.3.2", ...)`` starts the boards and connects them to
    ``adb_server``; returns the list of boards.  Everything is torn down after the test, even
    when it fails.  Pass ``connect=False`` for boards that must not be connected first."""
    from rknn_compat.sim import SimulatedBoards

    started: list[SimulatedBoards] = []

    def make(*profiles, connect: bool = True):
        sim = SimulatedBoards(list(profiles))
        started.append(sim)
        sim.start()
        if connect:
            for b in sim.boards:
                msg = adb_server.connect(b.address)
                assert "connected to" in msg, msg
                assert adb_server.wait_state(b.serial, "device", 10), msg
        return sim.boards

    yield make
    for sim in started:
        for b in sim.boards:
            adb_server.disconnect(b.address)
        sim.stop()
