"""`rknn-compat inventory` and `rknn_compat.inventory()` through the real adb server.

A rack of simulated boards (compatible, mismatched, unauthorized, offline, stalled,
dropping) is probed at once: every board must be reported with its own state, the
run must end within one timeout of the slowest healthy board, and the exit code is
the worst verdict.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time

import pytest
from helpers import assert_valid, check_json

TIMEOUT = 3.0


def run_cli(adb_server, *args, timeout=120):
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "inventory", *args], capture_output=True,
                          text=True, env={**adb_server.env}, timeout=timeout)
    check_json(["inventory", *args], proc.stdout, proc.returncode)
    return proc


@pytest.fixture
def rack(boards, adb_server):
    """Six boards; the unauthorized one is connected (and refused); the offline one is left to inventory."""
    healthy = boards("rk1808-linux-1.3.2", "rk1808-linux-1.1.0", "rk1808-stall", "rk1808-drop")
    odd = boards("rk1808-unauthorized", "rk1808-offline", connect=False)
    unauthorized, offline = odd
    assert "authenticate" in adb_server.connect(unauthorized.address)
    assert adb_server.wait_state(unauthorized.serial, "unauthorized", 10)
    return {"ok": healthy[0], "old": healthy[1], "stall": healthy[2], "drop": healthy[3],
            "unauthorized": unauthorized, "offline": offline}


def test_rack_every_board_reported_within_one_timeout(rack, adb_server):
    devices = [b.serial for b in rack.values()]
    started = time.monotonic()
    proc = run_cli(adb_server, "--toolkit", "1.3.2", "--timeout", str(TIMEOUT), "--format", "json",
                   *[a for d in devices for a in ("--device", d)])
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    by_serial = {b["device"]["serial"]: b for b in data["boards"]}
    assert list(by_serial) == devices  # one row per board, in the order asked
    assert by_serial[rack["ok"].serial]["verdict"] == "compatible"
    old = by_serial[rack["old"].serial]
    assert old["verdict"] == "incompatible"
    assert old["components"]["rknn_server"]["version"] == "0.9.8"
    assert old["toolkit"]["matched"] == ["1.1.0"]
    unauth = by_serial[rack["unauthorized"].serial]
    assert unauth["verdict"] == "unknown" and unauth["device"]["state"] == "unauthorized"
    assert "adb_keys" in unauth["findings"][0]["remedy"]
    stall = by_serial[rack["stall"].serial]
    assert stall["verdict"] == "unknown" and "no answer within 3 s" in stall["error"]
    drop = by_serial[rack["drop"].serial]
    assert drop["verdict"] == "unknown" and drop["error"]
    offline = by_serial[rack["offline"].serial]
    assert offline["verdict"] == "unknown" and offline["device"]["state"] in ("offline", "not found")
    assert data["summary"] == {"boards": 6, "compatible": 1, "consistent": 0, "incompatible": 1, "not_ready": 0,
                               "unknown": 4, "verdict": "incompatible", "seconds": data["summary"]["seconds"]}
    assert proc.returncode == 1  # worst verdict: incompatible beats unknown
    # healthy boards answer at once; the stalled one costs one timeout; the offline one's
    # `adb connect` is bounded by the same timeout: the whole run is about one timeout
    assert elapsed < 2 * TIMEOUT + 4, elapsed


def test_unknown_beats_compatible_in_the_exit_code(boards, adb_server):
    ok, stall = boards("rk1808-linux-1.3.2", "rk1808-stall")
    proc = run_cli(adb_server, "--toolkit", "1.3.2", "--timeout", "2", "-d", ok.serial, "-d", stall.serial)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "1 compatible, 0 incompatible, 1 unknown" in proc.stdout


def test_all_listed_boards_by_default_and_formats(boards, adb_server):
    a, b = boards("rk1808-linux-1.3.2", "rk1808-linux-1.7.5")
    # without --device: every board the server lists (other tests' boards are disconnected by then)
    table = run_cli(adb_server, "--toolkit", "1.3.2")
    assert a.serial in table.stdout and b.serial in table.stdout
    assert table.returncode == 1
    rows = list(csv.DictReader(io.StringIO(run_cli(adb_server, "-f", "csv", "-t", "1.3.2").stdout)))
    assert {r["serial"]: r["verdict"] for r in rows} == {a.serial: "compatible", b.serial: "incompatible"}
    assert {r["serial"]: r["rknn_server"] for r in rows} == {a.serial: "1.3.2", b.serial: "1.7.5"}
    lines = run_cli(adb_server, "-f", "jsonl").stdout.splitlines()
    assert sorted(json.loads(x)["toolkit"]["matched"][0] for x in lines) == ["1.3.2", "1.7.5"]


def test_devices_file_with_comments(boards, adb_server, tmp_path):
    (ok,) = boards("rk1808-linux-1.3.2")
    listing = tmp_path / "lab.txt"
    listing.write_text(f"# rack 1\n\n{ok.serial}   # the EVB\n")
    proc = run_cli(adb_server, "--devices", str(listing), "-t", "1.3.2", "-f", "json")
    assert proc.returncode == 0, proc.stderr
    assert [b["device"]["serial"] for b in json.loads(proc.stdout)["boards"]] == [ok.serial]


@pytest.mark.parametrize("content,needle", [
    ("a b c\n", "lab.txt:1"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_bad_devices_file_is_a_usage_error(adb_server, tmp_path, content, needle):
    listing = tmp_path / "lab.txt"
    listing.write_bytes(content if isinstance(content, bytes) else content.encode())
    proc = run_cli(adb_server, "--devices", str(listing))
    assert proc.returncode == 2
    assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--timeout", "0"], ["--toolkit", "1.5.0"],
                                  ["--devices", "/nonexistent"], ["--format", "xml"]])
def test_usage_errors(adb_server, args):
    proc = run_cli(adb_server, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_python_api_matches_json(boards, adb_server, monkeypatch):
    import rknn_compat

    (ok,) = boards("rk1808-linux-1.3.2")
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    inv = rknn_compat.inventory(devices=[ok.serial], toolkit="1.3.2", timeout=5)
    assert isinstance(inv, rknn_compat.InventoryReport)
    assert [b.verdict for b in inv.boards] == ["compatible"]
    assert inv.exit_code == 0
    cli = json.loads(run_cli(adb_server, "-d", ok.serial, "-t", "1.3.2", "-f", "json").stdout)
    api = inv.to_dict()
    assert_valid("inventory", api, "#/$defs/document")
    for doc in (api, cli):  # timings differ run to run
        doc["summary"].pop("seconds")
        for b in doc["boards"]:
            b["device"].pop("seconds")
    assert api == cli


def test_jobs_bound_still_reports_every_board(boards, adb_server):
    several = boards(*["rk1808-linux-1.3.2"] * 4)
    proc = run_cli(adb_server, "-j", "1", "-t", "1.3.2", "-f", "json",
                   *[a for b in several for a in ("-d", b.serial)])
    data = json.loads(proc.stdout)
    assert data["summary"]["compatible"] == 4 and proc.returncode == 0


def test_progress_bar_only_on_a_terminal():
    import io

    from rknn_compat.output.progress import terminal_progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert terminal_progress(io.StringIO()) is None  # a pipe or file: silent
    tty = Tty()
    show = terminal_progress(tty)
    show(1, 4)
    assert "probing [" in tty.getvalue() and "1/4" in tty.getvalue()
    show(4, 4)
    assert tty.getvalue().endswith("\r")  # the bar is wiped before the table is printed


def test_piped_stderr_stays_silent(boards, adb_server):
    (ok,) = boards("rk1808-linux-1.3.2")
    proc = run_cli(adb_server, "-d", ok.serial, "-t", "1.3.2")
    assert proc.returncode == 0 and proc.stderr == ""
