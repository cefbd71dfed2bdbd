"""doctor --adb-server: the boards area asks the named adb servers, as probe and inventory do."""

from __future__ import annotations

from helpers import run_cli

from rknn_compat.sim.net import free_port, port_open


def _boards_area(doc: dict) -> dict:
    return next(a for a in doc["areas"] if a["id"] == "boards")


def test_doctor_finds_the_boards_of_a_named_server(boards, adb_server):
    """No --device: the boards area probes what the named server lists, through that server."""
    board = boards("rk1808-linux-1.3.2")[0]
    res = run_cli("doctor", "--adb-server", f"127.0.0.1:{adb_server.port}", "--toolkit", "1.3.2",
                  "--format", "json")
    area = _boards_area(res.json)
    checks = {c["id"]: c for c in area["checks"]}
    assert f"board:{board.serial}" in checks, area
    assert checks[f"board:{board.serial}"]["status"] == "ok", checks


def test_doctor_never_starts_a_named_server_that_is_down():
    """A named server that does not answer is a '?' with the reason, and nothing is started on its port."""
    port = free_port()
    res = run_cli("doctor", "--adb-server", f"127.0.0.1:{port}", "--format", "json")
    area = _boards_area(res.json)
    assert area["status"] == "unknown" and str(port) in area["checks"][0]["found"], area
    assert not port_open(port)
