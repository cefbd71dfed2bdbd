"""`rknn-compat probe` end to end: the real adb server, simulated boards, the CLI and the API.

Issue #4 "Done means": a compatible RK1808 (exit 0), each kind of mismatch (exit 1, the
right component, the right remedy), the Android RK3399Pro board, every fault profile (a
clear report, the right exit code, no hang past the timeout, no traceback), and proof that
the probe is read-only and never pastes the command line into the board's shell.

One fleet of boards is started and connected once for the module; tests that need a board
of their own (a profile written in tmp_path, the read-only snapshots) start it themselves.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import assert_valid, check_json

import rknn_compat
from rknn_compat.read import script as probe_script
from rknn_compat.read.ask import burst
from rknn_compat.transport.base import MAX_OUTPUT_BYTES
from rknn_compat.transport.fixture import FixtureTransport

FAULT_TIMEOUT = 2.0
MARGIN = 3.0  # process start-up, adb server round trips, the firmware pull

FLEET = (
    "rk1808-linux-1.3.2", "rk1808-linux-1.1.0", "rk1808-linux-1.7.5", "rk1808-mixed",
    "rk1808-no-runtime", "rk3399pro-android-1.7.5", "rk1808-latency", "rk1808-stall",
    "rk1808-drop", "rk1808-garbage", "rk1808-huge-dmesg", "rk1808-dmesg-rotated",
    "rk1808-no-strings",
)

ADB_CONTRACT_COMPONENTS = ("npu_driver", "rknn_server", "librknn_runtime")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def fleet(adb_server):
    """Every built-in profile as a board; all connected, plus one unauthorized and one offline.

    ``adb connect`` to the offline board blocks inside the adb server (~10 s) because the
    board never answers CNXN: it runs in the background, once, and the board is used as soon
    as `adb devices` lists it offline.
    """
    from rknn_compat.sim import SimulatedBoards

    sim = SimulatedBoards(list(FLEET) + ["rk1808-unauthorized", "rk1808-offline"])
    sim.start()
    by_name = {b.profile.name: b for b in sim.boards}
    connecting = None
    try:
        for name in FLEET:
            msg = adb_server.connect(by_name[name].address)
            assert "connected to" in msg, msg
        for name in FLEET:
            assert adb_server.wait_state(by_name[name].serial, "device", 10), name
        unauth = by_name["rk1808-unauthorized"]
        assert "failed to authenticate" in adb_server.connect(unauth.address)
        assert adb_server.wait_state(unauth.serial, "unauthorized", 10)
        offline = by_name["rk1808-offline"]
        connecting = subprocess.Popen(
            [adb_server.adb_path, "-P", str(adb_server.port), "connect", offline.address],
            env=adb_server.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        assert adb_server.wait_state(offline.serial, "offline", 10)
        yield by_name
    finally:
        if connecting is not None:
            connecting.kill()
            connecting.wait()
        for b in sim.boards:
            adb_server.disconnect(b.address)
        sim.stop()


@pytest.fixture
def api(adb_server, monkeypatch):
    """``rknn_compat.probe`` against the test adb server (never the user's port 5037); every report's
    ``to_dict()`` is held to probe's JSON Schema, whatever the board did."""
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    monkeypatch.delenv("ANDROID_ADB_SERVER_ADDRESS", raising=False)

    def run(device, **kw):
        kw.setdefault("usb", False)
        kw.setdefault("timeout", FAULT_TIMEOUT)
        report = rknn_compat.probe(device, **kw)
        assert_valid("probe", report.to_dict())
        return report

    return run


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, seconds: float):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.seconds = seconds

    @property
    def json(self) -> dict:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"Run(rc={self.rc}, {self.seconds:.2f}s, err={self.err!r}, out={self.out[:2000]!r})"


@pytest.fixture
def cli(adb_server):
    """The CLI as a user runs it: a subprocess with the test server's environment."""

    def run(*args: str, timeout: float = 60) -> Run:
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "rknn_compat", "probe", *args], env=adb_server.env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        r = Run(proc, time.monotonic() - started)
        assert "Traceback" not in r.err, r
        check_json(["probe", *args], proc.stdout, proc.returncode)
        return r

    return run


def _finding(d: dict, component: str) -> dict:
    found = [f for f in d["findings"] if f["component"] == component]
    assert len(found) == 1, (component, d["findings"])
    return found[0]


def _one_line_error(r: Run) -> str:
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1, r
    assert lines[0].startswith("rknn-compat: error: "), r
    return lines[0]


# ----------------------------------------------------------------------------- compatible


def test_compatible_rk1808_json_contract(fleet, cli):
    board = fleet["rk1808-linux-1.3.2"]
    r = cli("--device", board.serial, "--toolkit", "1.3.2", "--format", "json", "--timeout", "10")
    assert r.rc == 0, r
    assert r.err == ""
    d = r.json
    assert set(d) >= {"device", "platform", "components", "toolkit", "findings", "connection", "notes",
                      "verdict", "error"}
    assert d["verdict"] == "compatible" and d["error"] is None
    assert d["device"]["serial"] == board.serial
    assert d["device"]["state"] == "device" and d["device"]["transport"] == "adb"
    assert d["device"]["round_trips"] == 1
    assert d["platform"]["soc"]["value"] == "RK1808"
    assert d["platform"]["os"]["value"] == "linux"
    comps = d["components"]
    assert set(comps) == set(ADB_CONTRACT_COMPONENTS)
    for c in comps.values():
        assert {"version", "evidence", "source", "reason"} <= set(c)
        assert c["reason"] is None and c["evidence"]
    assert comps["npu_driver"]["version"] == "6.4.0.227915"
    assert "Galcore version 6.4.0.227915" in comps["npu_driver"]["evidence"]
    assert comps["npu_driver"]["source"] == "dmesg | grep -i galcore"
    assert comps["rknn_server"]["version"] == "1.3.2"
    assert "f113d64" in comps["rknn_server"]["evidence"]
    assert comps["librknn_runtime"]["version"] == "1.3.2"
    assert "librknn_runtime version 1.3.2" in comps["librknn_runtime"]["evidence"]
    assert d["toolkit"]["version"] == "1.3.2" and d["toolkit"]["source"] == "--toolkit"
    assert d["toolkit"]["matched"] == ["1.3.2"]
    for f in d["findings"]:
        assert set(f) == {"component", "status", "expected", "found", "remedy"}
        assert f["status"] == "ok" and f["remedy"] is None
    assert [f["component"] for f in d["findings"]] == ["rknn_server", "npu_driver", "librknn_runtime",
                                                       "rknn_server_process"]
    assert _finding(d, "npu_driver")["found"] == "6.4.0.227915"
    assert _finding(d, "rknn_server")["expected"] == "1.3.2"


def test_component_source_is_the_command_run(fleet, api):
    d = api(fleet["rk1808-linux-1.3.2"].serial, toolkit="1.3.2").to_dict()
    assert d["components"]["rknn_server"]["source"] == "strings /usr/bin/rknn_server | grep build"
    assert d["components"]["librknn_runtime"]["source"] == "strings /usr/lib/librknn_runtime.so | grep version"


def test_compatible_rk1808_table(fleet, cli):
    board = fleet["rk1808-linux-1.3.2"]
    r = cli("--device", board.serial, "--toolkit", "1.3.2", "--timeout", "10")
    assert r.rc == 0, r
    for text in ("RK1808", "linux", "6.4.0.227915", "1.3.2", board.serial, "verdict: compatible",
                 "board matches toolkit: 1.3.2", "dmesg | grep -i galcore"):
        assert text in r.out, text
    assert r.err == ""


def test_python_api_returns_the_same_report(fleet, api, cli):
    board = fleet["rk1808-linux-1.3.2"]
    report = api(board.serial, toolkit="1.3.2")
    assert report.verdict == "compatible" and report.exit_code == 0
    d = report.to_dict()
    cli_d = cli("--device", board.serial, "--toolkit", "1.3.2", "-f", "json").json
    for key in ("platform", "components", "findings", "verdict"):
        assert d[key] == cli_d[key], key


def test_latency_board_still_works(fleet, api):
    report = api(fleet["rk1808-latency"].serial, toolkit="1.3.2", timeout=10)
    assert report.verdict == "compatible", report.to_dict()
    assert report.components["npu_driver"].value == "6.4.0.227915"


def test_no_toolkit_names_the_matched_toolkit(fleet, cli):
    r = cli("--device", fleet["rk1808-linux-1.3.2"].serial, "-f", "json")
    assert r.rc == 0, r
    d = r.json
    assert d["toolkit"]["version"] is None
    assert "no rknn" in d["toolkit"]["reason"]
    assert d["toolkit"]["matched"] == ["1.3.2"]
    assert {f["status"] for f in d["findings"]} == {"ok"}
    table = cli("--device", fleet["rk1808-linux-1.7.5"].serial)
    assert "board matches toolkit: 1.7.5" in table.out, table


def test_target_is_the_toolkit_installed_in_another_python(fleet, cli, tmp_path):
    """RKNN Toolkit 1.x lives in an old virtualenv: --python reads its version from there."""
    dist = tmp_path / "site" / "rknn_toolkit-1.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: rknn-toolkit\nVersion: 1.1.0\n")
    python = tmp_path / "python3.6"
    python.write_text(f"#!/bin/sh\nPYTHONPATH={tmp_path / 'site'} exec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    r = cli("--device", fleet["rk1808-linux-1.1.0"].serial, "--python", str(python), "-f", "json")
    assert r.rc == 0, r
    assert r.json["toolkit"]["version"] == "1.1.0" and str(python) in r.json["toolkit"]["source"]
    r = cli("--device", fleet["rk1808-linux-1.3.2"].serial, "--python", str(python), "-f", "json")
    assert r.rc == 1 and r.json["verdict"] == "incompatible", r


# ----------------------------------------------------------------------------- mismatches


def test_older_board_says_upgrade_the_board(fleet, cli):
    r = cli("--device", fleet["rk1808-linux-1.1.0"].serial, "--toolkit", "1.3.2", "-f", "json")
    assert r.rc == 1, r
    d = r.json
    assert d["verdict"] == "incompatible"
    assert d["toolkit"]["matched"] == ["1.1.0"]
    for comp, found in (("rknn_server", "0.9.8"), ("npu_driver", "6.3.3.2"), ("librknn_runtime", "1.0.0")):
        f = _finding(d, comp)
        assert f["status"] == "mismatch" and f["found"] == found
        assert "Upgrade the board to the 1.3.2 release" in f["remedy"]
        assert "RKNN Toolkit 1.1.0" in f["remedy"]
    assert _finding(d, "rknn_server_process")["status"] == "ok"


def test_newer_board_says_upgrade_the_toolkit(fleet, cli):
    r = cli("--device", fleet["rk1808-linux-1.7.5"].serial, "--toolkit", "1.3.2", "-f", "json")
    assert r.rc == 1, r
    d = r.json
    assert d["toolkit"]["matched"] == ["1.7.5"]
    for comp in ADB_CONTRACT_COMPONENTS:
        f = _finding(d, comp)
        assert f["status"] == "mismatch"
        assert f["remedy"].startswith("Upgrade RKNN Toolkit on the host to 1.7.5")
    assert _finding(d, "npu_driver")["found"] == "6.4.6.5.351518"


def test_mixed_board_without_toolkit_flags_the_odd_component(fleet, cli):
    r = cli("--device", fleet["rk1808-mixed"].serial, "-f", "json")
    assert r.rc == 1, r
    d = r.json
    assert d["verdict"] == "incompatible"
    comps = d["components"]
    assert (comps["npu_driver"]["version"], comps["rknn_server"]["version"],
            comps["librknn_runtime"]["version"]) == ("6.4.3.5.293908", "1.7.3", "1.6.0")
    assert d["toolkit"]["matched"] == []
    statuses = {f["component"]: f["status"] for f in d["findings"]}
    assert statuses["rknn_server"] == "mismatch"
    assert statuses["librknn_runtime"] == "mismatch" or statuses["npu_driver"] == "mismatch"
    server = _finding(d, "rknn_server")
    assert server["found"] == "1.7.3"
    assert "reinstall the NPU driver of one release" in server["remedy"] or "No toolkit release" in server["remedy"]
    table = cli("--device", fleet["rk1808-mixed"].serial)
    assert "board matches toolkit: none" in table.out and "verdict: incompatible" in table.out


def test_no_runtime_is_not_installed(fleet, cli):
    r = cli("--device", fleet["rk1808-no-runtime"].serial, "--toolkit", "1.3.2", "-f", "json")
    assert r.rc == 1, r
    d = r.json
    rt = d["components"]["librknn_runtime"]
    assert rt["version"] is None and rt["installed"] is False
    assert rt["reason"].startswith("not installed")
    f = _finding(d, "librknn_runtime")
    assert (f["status"], f["found"]) == ("mismatch", "not installed")
    assert "install the NPU driver of the 1.3.2 release" in f["remedy"]
    assert _finding(d, "rknn_server")["status"] == "ok"
    assert _finding(d, "npu_driver")["status"] == "ok"


NOT_RUNNING_PROFILE = """\
base = "rk1808-linux-1.3.2"
description = "RK1808 1.3.2 whose rknn_server was never started"

[[processes]]
pid = 1
name = "init"
cmdline = ["/sbin/init"]
ppid = 0

[[processes]]
pid = 402
name = "adbd"
cmdline = ["/usr/bin/adbd"]
"""


def test_rknn_server_not_running(boards, cli, tmp_path):
    prof = tmp_path / "rk1808-server-stopped.toml"
    prof.write_text(NOT_RUNNING_PROFILE)
    (board,) = boards(str(prof))
    r = cli("--device", board.serial, "--toolkit", "1.3.2", "-f", "json")
    assert r.rc == 4, r  # not ready: a stopped service is not a version mismatch
    d = r.json
    assert d["verdict"] == "not_ready"
    for comp in ADB_CONTRACT_COMPONENTS:
        assert _finding(d, comp)["status"] == "ok"
    f = _finding(d, "rknn_server_process")
    assert (f["status"], f["expected"], f["found"]) == ("not_ready", "running", "not running")
    assert "start_rknn.sh" in f["remedy"]
    assert "RKNN_ERR_DEVICE_UNAVAILABLE" in f["remedy"]
    assert d["connection"]["rknn_server_process"]["value"] == "not running"


# ----------------------------------------------------------------------------- Android RK3399Pro


def test_rk3399pro_android_reads_the_npu_firmware(fleet, cli):
    r = cli("--device", fleet["rk3399pro-android-1.7.5"].serial, "--toolkit", "1.7.5", "-f", "json",
            "--timeout", "10")
    assert r.rc == 0, r
    d = r.json
    assert d["platform"]["soc"]["value"] == "RK3399Pro"
    assert d["platform"]["os"]["value"] == "android"
    assert d["platform"]["os"]["release"] == "8.1.0"
    comps = d["components"]
    assert comps["rknn_server"]["version"] == "1.7.5"
    assert comps["librknn_runtime"]["version"] == "1.7.5"
    assert comps["npu_driver"]["version"] is not None
    for name in ADB_CONTRACT_COMPONENTS:
        assert "boot.img" in comps[name]["source"], comps[name]
        assert comps[name]["pulled_bytes"] > 0
    for name in ADB_CONTRACT_COMPONENTS:
        assert _finding(d, name)["status"] == "ok"
    components = [f["component"] for f in d["findings"]]
    assert "npu_transfer_proxy_process" in components
    assert "rknn_server_process" not in components
    assert _finding(d, "npu_transfer_proxy_process")["status"] == "ok"
    assert d["verdict"] == "compatible"
    assert any("NPU firmware" in n for n in d["notes"])


def test_rk3399pro_running_transfer_proxy_is_seen(fleet, cli):
    board = fleet["rk3399pro-android-1.7.5"]
    assert (board.root / "proc/318/comm").read_text() == "npu_transfer_pr\n"
    r = cli("--device", board.serial, "--toolkit", "1.7.5", "-f", "json", "--timeout", "10")
    d = r.json
    assert _finding(d, "npu_transfer_proxy_process")["status"] == "ok"
    assert r.rc == 0 and d["verdict"] == "compatible"


# ----------------------------------------------------------------------------- faults


def test_stall_returns_within_the_timeout(fleet, cli):
    r = cli("--device", fleet["rk1808-stall"].serial, "--toolkit", "1.3.2", "--timeout", "2", "-f", "json")
    assert r.rc == 3, r
    assert r.seconds < FAULT_TIMEOUT + MARGIN, r
    d = r.json
    assert d["verdict"] == "unknown"
    assert "no answer within 2 s" in d["error"]
    assert d["device"]["seconds"] < FAULT_TIMEOUT + 1
    # facts before the stall are kept, those after it say why they are unknown
    assert d["platform"]["soc"]["value"] == "RK1808"
    assert d["components"]["rknn_server"]["reason"] == "the board's answer stopped before this check ran"
    assert any("incomplete" in n for n in d["notes"])
    lost = [f for f in d["findings"] if f["status"] == "unknown"]
    assert lost and all("stopped answering before this was read (no answer within 2 s)" in f["remedy"]
                        for f in lost)
    table = cli("--device", fleet["rk1808-stall"].serial, "--timeout", "2")
    assert table.rc == 3 and "verdict: unknown" in table.out and "error: no answer within 2 s" in table.out


def test_drop_gives_a_partial_report(fleet, api):
    report = api(fleet["rk1808-drop"].serial, toolkit="1.3.2")
    d = report.to_dict()
    assert report.exit_code == 3 and d["verdict"] == "unknown", d
    assert d["error"]
    assert d["device"]["seconds"] < FAULT_TIMEOUT + 1
    assert d["platform"]["soc"]["value"] == "RK1808"
    for comp in ADB_CONTRACT_COMPONENTS:
        assert d["components"][comp]["version"] is None
        assert d["components"][comp]["reason"]
        assert _finding(d, comp)["status"] == "unknown"


def test_drop_cli_has_no_traceback(fleet, cli):
    r = cli("--device", fleet["rk1808-drop"].serial, "--toolkit", "1.3.2", "--timeout", "2")
    assert r.rc == 3, r
    assert "verdict: unknown" in r.out and "error: " in r.out


def test_garbage_keeps_versions_and_raw_bytes(fleet, cli, tmp_path):
    rec = tmp_path / "garbage.json"
    r = cli("--device", fleet["rk1808-garbage"].serial, "--toolkit", "1.3.2", "-f", "json",
            "--record", str(rec))
    assert r.rc == 0, r
    d = r.json
    assert [d["components"][c]["version"] for c in ADB_CONTRACT_COMPONENTS] == ["6.4.0.227915", "1.3.2", "1.3.2"]
    # the board's kernel log really is garbled; the probe's grep keeps only the lines it needs
    kmsg = (fleet["rk1808-garbage"].root / ".sim/kmsg").read_bytes()
    assert b"\xff\xfe" in kmsg
    with pytest.raises(UnicodeDecodeError):
        kmsg.decode("utf-8")
    raw = base64.b64decode(json.loads(rec.read_text())["runs"][0]["stdout_b64"])
    assert b"Galcore version 6.4.0.227915" in raw
    table = cli("--device", fleet["rk1808-garbage"].serial, "--toolkit", "1.3.2")
    assert table.rc == 0 and "verdict: compatible" in table.out


def test_huge_dmesg_stays_small(fleet, api):
    d = api(fleet["rk1808-huge-dmesg"].serial, toolkit="1.3.2", timeout=10).to_dict()
    assert d["verdict"] == "compatible", d
    assert d["components"]["npu_driver"]["version"] == "6.4.0.227915"
    assert d["device"]["bytes"] < 64 * 1024


def test_dmesg_rotated_reads_galcore_ko(fleet, api):
    d = api(fleet["rk1808-dmesg-rotated"].serial, toolkit="1.3.2").to_dict()
    assert d["verdict"] == "compatible", d
    drv = d["components"]["npu_driver"]
    assert drv["version"] == "6.4.0.227915"
    assert "galcore.ko" in drv["source"]
    assert "$VERSION$" in drv["evidence"]
    assert "module file" in drv["note"]


def test_no_strings_reads_with_grep_not_pull(fleet, api):
    d = api(fleet["rk1808-no-strings"].serial, toolkit="1.3.2").to_dict()
    assert d["verdict"] == "compatible", d
    for comp in ADB_CONTRACT_COMPONENTS:
        assert "pulled_bytes" not in d["components"][comp]
    assert [d["components"][c]["version"] for c in ADB_CONTRACT_COMPONENTS] == ["6.4.0.227915", "1.3.2", "1.3.2"]
    assert d["device"]["round_trips"] == 1


def test_no_strings_source_says_grep(fleet, api):
    d = api(fleet["rk1808-no-strings"].serial, toolkit="1.3.2").to_dict()
    assert "grep -a" in d["components"]["rknn_server"]["source"]
    assert "grep -a" in d["components"]["librknn_runtime"]["source"]


def test_unauthorized(fleet, cli):
    board = fleet["rk1808-unauthorized"]
    r = cli("--device", board.serial, "--toolkit", "1.3.2", "-f", "json", "--timeout", "2")
    assert r.rc == 3, r
    assert r.seconds < FAULT_TIMEOUT + MARGIN
    d = r.json
    assert d["device"]["state"] == "unauthorized"
    assert d["verdict"] == "unknown"
    assert "unauthorized" in d["error"]
    f = _finding(d, "connection")
    assert (f["status"], f["found"]) == ("unknown", "unauthorized")
    assert "adbkey.pub" in f["remedy"]
    table = cli("--device", board.serial, "--timeout", "2")
    assert table.rc == 3 and "adbkey.pub" in table.out


def test_offline_listed(fleet, cli):
    board = fleet["rk1808-offline"]
    r = cli("--device", board.serial, "--toolkit", "1.3.2", "-f", "json", "--timeout", "2")
    assert r.rc == 3, r
    assert r.seconds < FAULT_TIMEOUT + MARGIN, r
    d = r.json
    assert d["device"]["state"] == "offline"
    assert "replug" in _finding(d, "connection")["remedy"]


def test_offline_not_yet_connected_costs_at_most_the_timeout(adb_server, boards, api):
    (board,) = boards("rk1808-offline", connect=False)
    started = time.monotonic()
    report = api(board.address, toolkit="1.3.2")
    seconds = time.monotonic() - started
    assert report.exit_code == 3
    assert report.device.state in ("offline", "not found"), report.to_dict()
    assert seconds < FAULT_TIMEOUT + MARGIN, seconds


def test_unknown_serial_not_found(fleet, cli):
    r = cli("--device", "NO-SUCH-BOARD-42", "--toolkit", "1.3.2", "-f", "json", "--timeout", "2")
    assert r.rc == 3, r
    d = r.json
    assert d["device"]["state"] == "not found"
    f = _finding(d, "connection")
    assert "not found" in f["remedy"] and "adb devices" in f["remedy"]
    table = cli("--device", "NO-SUCH-BOARD-42", "--timeout", "2")
    assert table.rc == 3 and "not found" in table.out


def test_two_boards_without_device_is_a_usage_error(fleet, cli):
    r = cli("--toolkit", "1.3.2", "--timeout", "2")
    assert r.rc == 2, r
    line = _one_line_error(r)
    assert "choose one with --device" in line
    for name in ("rk1808-linux-1.3.2", "rk1808-mixed", "rk1808-unauthorized"):
        assert fleet[name].serial in line
    assert "(unauthorized)" in line and "(offline)" in line
    assert r.out == ""


def test_unknown_toolkit_is_one_line(fleet, cli):
    r = cli("--device", fleet["rk1808-linux-1.3.2"].serial, "--toolkit", "1.5")
    assert r.rc == 2, r
    assert "1.5" in _one_line_error(r)
    assert r.out == ""


def test_toolkit_newer_than_the_tables_is_judged_by_the_rule(fleet, cli):
    # issue 11: a release newer than every row is not a usage error; the board is judged by RKNN Toolkit's
    # stated rule (same versions, recommended), and the galcore it states nothing of makes it exit 3
    r = cli("--device", fleet["rk1808-linux-1.3.2"].serial, "--toolkit", "9.9")
    assert r.rc == 3, r
    assert r.err == "" and "newer than the tables" in r.out and "derived" in r.out
    assert "verdict: unknown" in r.out


def test_missing_fixture_is_a_usage_error(cli):
    r = cli("--device", "fixture:/nonexistent")
    assert r.rc == 2, r
    assert "/nonexistent" in _one_line_error(r)


@pytest.mark.parametrize("args", [
    ("--format", "xml"),
    ("--timeout", "0"),
    ("--toolkit", "1.3.2", "--toolkit2", "2.3.2"),
    ("--toolkit", "not-a-version"),
])
def test_usage_errors_are_one_line(args, cli):
    r = cli("--device", "fixture:/nonexistent", *args)
    assert r.rc == 2, r
    _one_line_error(r)


def test_no_board_attached_is_a_usage_error(tmp_path):
    """A fresh adb server with no boards: no --device is exit 2 with one line."""
    from rknn_compat.sim import AdbServer

    with AdbServer() as empty:
        proc = subprocess.run([sys.executable, "-m", "rknn_compat", "probe", "--timeout", "2"], env=empty.env,
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc
    assert "Traceback" not in proc.stderr
    assert "no board attached" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- record / replay


@pytest.mark.parametrize("profile, toolkit", [("rk1808-linux-1.3.2", "1.3.2"),
                                              ("rk3399pro-android-1.7.5", "1.7.5"),
                                              ("rk1808-linux-1.1.0", "1.3.2")])
def test_record_then_replay(fleet, cli, tmp_path, profile, toolkit):
    rec = tmp_path / "board.json"
    live = cli("--device", fleet[profile].serial, "--toolkit", toolkit, "-f", "json", "--record", str(rec),
               "--timeout", "10")
    doc = json.loads(rec.read_text())
    assert doc["format"] == "rknn-compat-recording/1" and len(doc["runs"]) == 1
    replay = cli("--device", f"fixture:{rec}", "--toolkit", toolkit, "-f", "json")
    assert replay.rc == live.rc, (live, replay)
    a, b = live.json, replay.json
    for key in ("platform", "components", "findings", "notes", "verdict", "error"):
        assert a[key] == b[key], key
    assert b["toolkit"]["matched"] == a["toolkit"]["matched"]
    assert b["device"]["transport"] == "fixture" and b["device"]["serial"] == fleet[profile].serial
    assert b["device"]["model"] == a["device"]["model"]


def test_record_a_stalled_board_replays_as_unknown(fleet, cli, tmp_path):
    rec = tmp_path / "stall.json"
    live = cli("--device", fleet["rk1808-stall"].serial, "--toolkit", "1.3.2", "-f", "json", "--timeout", "2",
               "--record", str(rec))
    replay = cli("--device", f"fixture:{rec}", "--toolkit", "1.3.2", "-f", "json")
    assert live.rc == replay.rc == 3
    assert live.json["components"] == replay.json["components"]
    assert replay.json["error"] == live.json["error"]


# ----------------------------------------------------------------------------- read-only


def _snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = None
            if stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                digest = os.readlink(p)
            rel = str(p.relative_to(root))
            out[rel] = (st.st_size if not stat.S_ISDIR(st.st_mode) else None, st.st_mode, st.st_mtime_ns, digest)
    return out


def test_probe_never_changes_a_file_on_the_board(boards, api, cli, tmp_path):
    plain, no_strings, rotated, android = boards("rk1808-linux-1.3.2", "rk1808-no-strings",
                                                 "rk1808-dmesg-rotated", "rk3399pro-android-1.7.5")
    before = {b.serial: _snapshot(b.root) for b in (plain, no_strings, rotated, android)}
    assert all(len(s) > 50 for s in before.values())
    for b in (plain, no_strings, rotated):
        assert api(b.serial, toolkit="1.3.2").verdict == "compatible"
        assert api(b.serial).toolkit.matched == ["1.3.2"]
    # RK3399Pro: the firmware image is pulled (the probe's only pull of a whole file)
    report = api(android.serial, toolkit="1.7.5", timeout=10)
    assert report.components["rknn_server"].extra["pulled_bytes"] > 0
    assert cli("--device", plain.serial, "--toolkit", "1.1.0", "--record", str(tmp_path / "r.json")).rc == 1
    assert cli("--device", android.serial, "-f", "json", "--timeout", "10").rc in (0, 1)
    for b in (plain, no_strings, rotated, android):
        after = _snapshot(b.root)
        assert set(after) == set(before[b.serial]), b.profile.name
        changed = [p for p in after if after[p] != before[b.serial][p]]
        assert not changed, (b.profile.name, changed)


HOSTILE = ["'; touch /tmp/pwned #", "$(touch /tmp/pwned)", "`touch /tmp/pwned`", "a\nb; rm -rf /",
           "x && touch /tmp/pwned", '"; touch /tmp/pwned; "', "127.0.0.1:1;touch /tmp/pwned"]


class _Spy:
    """A transport that records every script it is asked to run, then replays a real answer."""

    kind = "fixture"

    def __init__(self, inner: FixtureTransport):
        self.inner = inner
        self.serial = inner.serial
        self.device = inner.device
        self.scripts: list[str] = []
        self.paths: list[str] = []

    def run(self, script, timeout):
        self.scripts.append(script)
        self.inner.calls = 0
        return self.inner.run(script, timeout)

    def read_file(self, path, timeout, limit=4 * 1024 * 1024):
        self.paths.append(path)
        return self.inner.read_file(path, timeout, limit)

    def close(self):
        pass


def test_script_is_a_constant_whatever_the_arguments(fleet, api, cli, tmp_path):
    rec = tmp_path / "rec.json"
    assert cli("--device", fleet["rk1808-linux-1.3.2"].serial, "--record", str(rec)).rc == 0
    spy = _Spy(FixtureTransport(rec))
    for device in HOSTILE + [None, "local", "fixture:x"]:
        for toolkit in (None, "1.3.2", "1.7.5", "1.1.0"):
            rknn_compat.probe(device, toolkit=toolkit, transport=spy, usb=False)
    assert spy.scripts and set(spy.scripts) == {burst(probe_script.SCRIPT, MAX_OUTPUT_BYTES)}
    assert probe_script.build_script() == probe_script.SCRIPT
    assert not spy.paths


@pytest.mark.parametrize("device", HOSTILE)
def test_hostile_device_name_never_reaches_a_board(fleet, cli, device):
    r = cli("--device", device, "--toolkit", "1.3.2", "-f", "json", "--timeout", "2")
    assert r.rc in (2, 3), r
    if r.rc == 3:
        assert r.json["device"]["state"] in ("not found", "offline")
    for b in fleet.values():
        assert not (b.root / "tmp/pwned").exists()
    assert not Path("/tmp/pwned").exists()


def _shell_words(script: str) -> list[str]:
    # drop quoted strings (grep patterns, printf formats): only the shell's own words are commands
    unquoted = re.sub(r"'[^']*'", " ", script)
    return re.findall(r"[A-Za-z_][\w.-]*", unquoted)


@pytest.mark.parametrize("script", [probe_script.SCRIPT, burst(probe_script.SCRIPT, MAX_OUTPUT_BYTES)],
                         ids=["streamed", "burst"])
def test_script_has_no_writes(script):
    targets = re.findall(r"(?<![\w'])\d*(>>?|&>)\s*(&\d|[^\s;|&)]+)", script)
    assert targets, "the scan found no redirection at all: the regex is wrong"
    for op, target in targets:
        assert op == ">" and target in ("/dev/null", "&1", "&2"), (op, target)
    assert ">>" not in script
    words = set(_shell_words(script))
    for bad in ("rm", "mv", "cp", "touch", "chmod", "chown", "dd", "tee", "mkdir", "ln", "truncate",
                "install", "mount", "insmod", "rmmod", "kill", "setprop", "reboot"):
        assert bad not in words, bad
    assert not re.search(r"\bsed\b[^\n|;]*-i", script)
    for applet in ("cat", "grep", "head", "tail", "strings", "printf", "dmesg", "id", "getprop"):
        assert applet in words, applet


def test_script_runs_only_reads_on_a_real_shell(tmp_path):
    """The script under this host's /bin/sh, from an empty directory: it creates nothing."""
    result = subprocess.run(["/bin/sh", "-c", probe_script.SCRIPT], cwd=tmp_path, capture_output=True,
                            timeout=60, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)})
    assert probe_script.MARK.encode() + b" done" in result.stdout
    assert list(tmp_path.iterdir()) == []
