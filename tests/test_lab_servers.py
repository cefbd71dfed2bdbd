"""A simulated two-host lab: two isolated adb servers on loopback, each with its boards, one board
connected to both and one board connected twice to the same server under two serials.

`--adb-server` (probe, inventory), the lab file, one report per physical board, and what a
server that does not answer does to the run.
"""

from __future__ import annotations

import json

import pytest

from rknn_compat import cli
from rknn_compat.lab_inventory import inventory
from rknn_compat.sim import AdbServer, SimulatedBoards
from rknn_compat.sim.net import free_port

TIMEOUT = 4.0
DEVICE_KEYS = {"serial", "state", "transport", "model", "product", "device", "transport_id", "round_trips",
               "bytes", "seconds", "adb_server", "boot_id"}
SERVER_KEYS = {"adb_server", "boards", "error"}


def _connect(srv: AdbServer, address: str) -> str:
    msg = srv.connect(address)
    assert "connected to" in msg, msg
    serial = address
    assert srv.wait_state(serial, "device", 10), msg
    return serial


@pytest.fixture(scope="module")
def lab():
    """Host A: a 1.3.2 board, a 1.1.0 board, and the shared board; host B: the Android board and the
    shared board; host A also reaches the 1.3.2 board a second time as localhost:PORT."""
    with AdbServer() as a, AdbServer() as b, SimulatedBoards(
            ["rk1808-linux-1.3.2", "rk1808-linux-1.1.0", "rk3399pro-android-1.7.5", "rk1808-linux-1.7.5"]) as sim:
        ok, old, android, shared = sim.boards
        for board in (ok, old, shared):
            _connect(a, board.address)
        for board in (android, shared):
            _connect(b, board.address)
        twice = _connect(a, f"localhost:{ok.address.rsplit(':', 1)[1]}")
        yield {"a": a, "b": b, "A": f"127.0.0.1:{a.port}", "B": f"127.0.0.1:{b.port}", "ok": ok, "old": old,
               "android": android, "shared": shared, "twice": twice}
        for srv in (a, b):
            for line in srv.adb("devices").stdout.splitlines()[1:]:
                if line.split():
                    srv.disconnect(line.split()[0])


def _run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _by_serial(boards: list[dict]) -> dict[str, dict]:
    return {b["device"]["serial"]: b for b in boards}


def test_two_servers_every_board_once_with_its_server(lab, capsys):
    code, out, err = _run(capsys, "inventory", "--adb-server", lab["A"], "--adb-server", lab["B"],
                          "-t", "1.3.2", "--timeout", str(TIMEOUT), "-f", "json")
    d = json.loads(out)
    assert code == 1, err  # the 1.1.0 board does not fit 1.3.2
    boards = _by_serial(d["boards"])
    # 6 listings (A: ok, old, shared, ok-again; B: android, shared) are 4 boards
    assert sorted(boards) == sorted([lab["ok"].serial, lab["old"].serial, lab["android"].serial,
                                     lab["shared"].serial])
    assert boards[lab["android"].serial]["device"]["adb_server"] == lab["B"]
    assert boards[lab["old"].serial]["device"]["adb_server"] == lab["A"]
    assert {b["device"]["adb_server"] for b in d["boards"]} == {lab["A"], lab["B"]}
    shared = boards[lab["shared"].serial]
    assert shared["device"]["also_seen"] == [{"serial": lab["shared"].serial, "state": "device",
                                              "adb_server": lab["B"] if shared["device"]["adb_server"] == lab["A"]
                                              else lab["A"]}]
    assert any("reported once" in n and shared["device"]["boot_id"] in n for n in shared["notes"])
    ok = boards[lab["ok"].serial]  # the USB-like serial is kept over the second network name
    assert ok["device"]["also_seen"][0]["serial"] == lab["twice"]
    assert DEVICE_KEYS <= set(ok["device"]) <= DEVICE_KEYS | {"also_seen", "serialno", "labels"}
    assert [set(s) for s in d["servers"]] == [SERVER_KEYS, SERVER_KEYS]
    assert [s["boards"] for s in d["servers"]] == [4, 2] and not any(s["error"] for s in d["servers"])
    assert d["summary"]["boards"] == 4


def test_boards_that_differ_are_never_merged(lab):
    inv = inventory(adb_servers=[lab["A"]], toolkit="1.3.2", timeout=TIMEOUT)
    ids = [b.device.boot_id for b in inv.boards]
    assert len(inv.boards) == 3 and len(set(ids)) == 3 and all(ids)


def test_table_and_csv_name_the_server(lab, capsys):
    code, out, _ = _run(capsys, "inventory", "--adb-server", lab["B"], "-t", "1.7.5", "--timeout", str(TIMEOUT))
    assert "adb server" in out.splitlines()[0]
    assert all(lab["B"] in line for line in out.splitlines()[2:4])
    code, out, _ = _run(capsys, "inventory", "--adb-server", lab["B"], "-t", "1.7.5", "-f", "csv")
    assert out.splitlines()[0].startswith("serial,adb_server,")


def test_probe_finds_the_board_on_the_second_server(lab, capsys):
    code, out, err = _run(capsys, "probe", "--adb-server", lab["A"], "--adb-server", lab["B"],
                          "-d", lab["android"].serial, "-t", "1.7.5", "-f", "json")
    d = json.loads(out)
    assert d["device"]["adb_server"] == lab["B"] and d["platform"]["soc"]["value"] == "RK3399Pro", err
    code, out, _ = _run(capsys, "probe", "--adb-server", lab["B"], "-d", lab["android"].serial, "-t", "1.7.5")
    assert f"adb server {lab['B']}" in out.splitlines()[0]


def test_probe_without_device_on_two_servers_names_the_choices(lab, capsys):
    code, out, err = _run(capsys, "probe", "--adb-server", lab["A"], "--adb-server", lab["B"])
    assert code == 2 and err.startswith("rknn-compat: error: ") and err.count("\n") == 1
    assert lab["B"] in err and lab["android"].serial in err


def test_a_server_that_does_not_answer_is_reported_and_the_run_goes_on(lab, capsys):
    down = f"127.0.0.1:{free_port()}"
    code, out, err = _run(capsys, "inventory", "--adb-server", lab["B"], "--adb-server", down,
                          "-t", "1.7.5", "--timeout", str(TIMEOUT), "-f", "json")
    d = json.loads(out)
    assert code == 3  # the Android board fits 1.7.5, but one server could not be asked
    assert d["servers"][1]["adb_server"] == down and "cannot reach" in d["servers"][1]["error"]
    assert d["servers"][1]["boards"] is None and d["summary"]["verdict"] == "unknown"
    assert len(d["boards"]) == 2
    code, out, _ = _run(capsys, "inventory", "--adb-server", lab["B"], "--adb-server", down, "-t", "1.7.5")
    assert f"adb server {down}: cannot reach" in out
    code, out, err = _run(capsys, "probe", "--adb-server", down, "--adb-server", lab["B"],
                          "-d", lab["android"].serial, "-t", "1.7.5")
    assert code in (0, 4), err  # 4: an npu_transfer_proxy runs on this host (another job's test)


def test_every_server_down_is_one_line_exit_3(capsys):
    code, out, err = _run(capsys, "inventory", "--adb-server", f"127.0.0.1:{free_port()}", "-t", "1.3.2")
    assert code == 3 and out == "" and err.count("\n") == 1 and "cannot reach the adb server" in err


def test_lab_file_servers_boards_and_labels(lab, capsys, tmp_path):
    lab_file = tmp_path / "lab.toml"
    lab_file.write_text(f'''
toolkit = "1.3.2"
[[server]]
address = "{lab["A"]}"
labels = {{ host = "bench-a", rack = "1" }}
boards = ["{lab["ok"].serial}"]
[[server]]
address = "{lab["B"]}"
labels = {{ host = "bench-b" }}
[[board]]
serial = "{lab["android"].serial}"
labels = {{ slot = "3", owner = "cv \\"team\\"" }}
''', encoding="utf-8")
    code, out, err = _run(capsys, "inventory", "--lab", str(lab_file), "--timeout", str(TIMEOUT), "-f", "json")
    d = json.loads(out)
    boards = _by_serial(d["boards"])
    assert sorted(boards) == sorted([lab["ok"].serial, lab["android"].serial, lab["shared"].serial]), err
    assert boards[lab["ok"].serial]["device"]["labels"] == {"host": "bench-a", "rack": "1"}
    assert boards[lab["android"].serial]["device"]["labels"] == {"host": "bench-b", "slot": "3",
                                                                 "owner": 'cv "team"'}
    assert d["toolkit"]["version"] == "1.3.2"  # the lab's target


@pytest.mark.parametrize("text, message", [
    ("[[server]]\naddress = '127.0.0.1:5037'\nport = 1\n", "unknown key 'port'"),
    ("[[server]]\naddress = '127.0.0.1:5037'\nlabels = { 'bad-name' = 'x' }\n", "label name 'bad-name'"),
    ("[[server]]\naddress = '127.0.0.1:5037'\nlabels = { serial = 'x' }\n", "one rknn-compat sets itself"),
    ("[[server]]\naddress = 'h:99999'\n", "port must be a number"),
    ("toolkit = '1.3.2'\n", "names no [[server]]"),
    ("[[server]\n", "invalid TOML"),
    ("[[server]]\naddress = '127.0.0.1:5037'\nboards = 'S'\n", "boards must be a list"),
    ("timeout = -1\n[[server]]\naddress = '127.0.0.1:5037'\n", "timeout must be a positive number"),
])
def test_bad_lab_files_are_one_line_usage_errors(text, message, capsys, tmp_path):
    path = tmp_path / "lab.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = _run(capsys, "inventory", "--lab", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("rknn-compat: error: ") and message in err


def test_lab_file_that_is_not_a_regular_file(capsys, tmp_path):
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (tmp_path, fifo, tmp_path / "missing.toml"):
        code, _, err = _run(capsys, "inventory", "--lab", str(path))
        assert code == 2 and err.count("\n") == 1 and "lab file" in err


def test_the_host_is_read_once_per_inventory_not_once_per_board(lab, monkeypatch):
    from rknn_compat.host import processes

    calls = []
    real = processes.transfer_proxy_pids
    monkeypatch.setattr(processes, "transfer_proxy_pids", lambda *a: calls.append(1) or real(*a))
    inv = inventory(adb_servers=[lab["A"], lab["B"]], toolkit="1.3.2", timeout=TIMEOUT)
    assert len(inv.boards) == 4 and len(calls) == 1
    assert all(b.connection.host_npu_transfer_proxy for b in inv.boards)
