"""Hostile boards through the real adb server: the RK3399Pro firmware pull cut, stalled or endless, a
board that floods one section, a mixed rack, a board whose probe raises, and the user's adb left as
it was found (reliability audit, sections 2, 3 and 6).
"""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from helpers import run_subprocess

import rknn_compat
from rknn_compat import lab_inventory

TIMEOUT = 3.0
MARGIN = 2.5  # a subprocess start-up and the adb server's round trips
RK3399PRO = "rk3399pro-android-1.7.5"


@pytest.fixture
def api(adb_server, monkeypatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    monkeypatch.delenv("ANDROID_ADB_SERVER_ADDRESS", raising=False)
    return adb_server


# drop_after_bytes counts the sync replies: 0 = before the STAT reply, 8 = in it, 20 = in the first
# DATA header, 5000 = in the middle of the image
PULL_FAULTS = {
    "drop before the STAT reply": ("+drop=sync+drop_after_bytes=0", "connection dropped"),
    "drop inside the STAT reply": ("+drop=sync+drop_after_bytes=8", "connection dropped"),
    "drop inside a DATA header": ("+drop=sync+drop_after_bytes=20", "connection dropped"),
    "drop during the pull": ("+drop=sync+drop_after_bytes=5000", "connection dropped"),
    "stall during the pull": ("+stall=sync+drop_after_bytes=5000", "no answer within"),
    "endless stream": ("+endless_pull", "more than the"),
}


@pytest.mark.parametrize("name", sorted(PULL_FAULTS))
def test_rk3399pro_firmware_pull_fault_is_unknown_with_the_reason_within_the_timeout(boards, api, name):
    """Audit: a drop 0.9 s into the pull was an AssertionError (exit 1); a stall ignored --timeout."""
    suffix, reason = PULL_FAULTS[name]
    board = boards(RK3399PRO + suffix)[0]
    started = time.monotonic()
    report = rknn_compat.probe(board.serial, toolkit="1.7.5", timeout=TIMEOUT, usb=False)
    took = time.monotonic() - started
    assert report.verdict == "unknown" and report.exit_code == 3
    for comp in ("npu_driver", "rknn_server", "librknn_runtime"):
        fact = report.components[comp]
        assert fact.value is None and "could not pull it (" in fact.reason and reason in fact.reason, fact.reason
    assert took < TIMEOUT + 1.0, took


def test_rk3399pro_with_latency_stays_within_the_timeout(boards, api):
    """Audit: RK3399Pro with 800 ms latency took 5.7 s for --timeout 3 (the pull ignored it)."""
    board = boards(RK3399PRO + "+latency_ms=800")[0]
    started = time.monotonic()
    report = rknn_compat.probe(board.serial, toolkit="1.7.5", timeout=TIMEOUT, usb=False)
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert report.verdict in ("compatible", "unknown")


def test_board_flooding_one_section_costs_at_most_the_timeout(boards, adb_server, tmp_path):
    """Audit: a 3.8 MB /proc/version (320 000 short lines) took 355 s for --timeout 3 (quadratic split)."""
    flood = "Linux version 4.4.194 (hostile)\\n" + "0123456789\\n" * 320_000
    profile = tmp_path / "flood.toml"
    profile.write_text(f'base = "rk1808-linux-1.3.2"\ndescription = "a 3.8 MB /proc/version"\n'
                       f'[board]\nproc_version = "{flood}"\n', encoding="utf-8")
    board = boards(str(profile))[0]
    started = time.monotonic()
    res = run_subprocess("probe", "--device", board.serial, "--toolkit", "1.3.2", "--timeout", str(TIMEOUT),
                         "--format", "json", env=adb_server.env)
    took = time.monotonic() - started
    assert res.returncode == 0, res
    # the probe now reads /proc/version's first line with the shell's own `read`, so the flood no
    # longer crosses the link at all; the splitter's linear time on 4 MB is test_splitting_4_mb_...
    assert res.json["platform"]["os"]["kernel"] == "4.4.194", res.json["platform"]["os"]
    assert took < TIMEOUT + MARGIN, took


def test_mixed_rack_every_good_board_reported_within_the_timeout(boards, adb_server, tmp_path):
    """Issue 10 "Done means": good, stall, drop, garbage, huge kernel log, offline, unauthorized and an
    RK3399Pro whose link drops during the firmware pull, through the real adb server, at once."""
    connected = boards("rk1808-linux-1.3.2", "rk1808-linux-1.1.0", "rk1808-stall", "rk1808-drop",
                       "rk1808-garbage", "rk1808-huge-dmesg", RK3399PRO + "+drop=sync+drop_after_bytes=5000")
    offline, unauthorized = boards("rk1808-offline", "rk1808-unauthorized", connect=False)
    rack = connected + [offline, unauthorized]
    devices = tmp_path / "rack.txt"
    devices.write_text("\ufeff# the lab rack\n" + "".join(f"{b.serial}\n" for b in rack), encoding="utf-8")
    started = time.monotonic()
    res = run_subprocess("inventory", "--devices", str(devices), "--toolkit", "1.3.2", "--timeout", str(TIMEOUT),
                         "--format", "json", env=adb_server.env)
    took = time.monotonic() - started
    assert "Traceback" not in res.stderr, res
    by = {b["device"]["serial"]: b for b in res.json["boards"]}
    assert list(by) == [b.serial for b in rack]
    verdicts = {b.profile.name: by[b.serial]["verdict"] for b in rack}
    assert verdicts == {
        "rk1808-linux-1.3.2": "compatible", "rk1808-linux-1.1.0": "incompatible", "rk1808-stall": "unknown",
        "rk1808-drop": "unknown", "rk1808-garbage": "compatible", "rk1808-huge-dmesg": "compatible",
        RK3399PRO + "+drop=sync+drop_after_bytes=5000": "unknown", "rk1808-offline": "unknown",
        "rk1808-unauthorized": "unknown"}
    pro = by[connected[-1].serial]
    assert "could not pull it (the connection dropped" in pro["components"]["rknn_server"]["reason"]
    assert res.returncode == 1  # incompatible > unknown > compatible
    assert took < TIMEOUT + MARGIN, took
    # what the inventory connected (the offline and unauthorized boards) it disconnected again
    for b in (offline, unauthorized):
        assert adb_server.state(b.serial) == "", b.serial


def test_one_board_raising_anything_never_costs_the_others(boards, api, monkeypatch):
    """Audit: one board's struct.error escaped `one()` and the inventory printed nothing at all."""
    good, bad = boards("rk1808-linux-1.3.2", "rk1808-linux-1.7.5")
    real = lab_inventory.probe

    def probe(device=None, **kw):
        if device == bad.serial:
            raise AssertionError("adbutils was surprised")
        return real(device=device, **kw)

    monkeypatch.setattr(lab_inventory, "probe", probe)
    inv = rknn_compat.inventory(devices=[good.serial, bad.serial], toolkit="1.3.2", timeout=TIMEOUT)
    verdicts = {b.device.serial: (b.verdict, b.error) for b in inv.boards}
    assert verdicts[good.serial] == ("compatible", None)
    assert verdicts[bad.serial][0] == "unknown"
    assert "AssertionError: adbutils was surprised" in verdicts[bad.serial][1]
    assert inv.exit_code == 3


def test_a_board_connected_by_the_probe_is_disconnected_after(boards, api):
    """Audit: HOST:PORT connections made by rknn-compat stayed in the adb server for ever."""
    board = boards("rk1808-linux-1.3.2", connect=False)[0]
    assert api.state(board.serial) == ""
    report = rknn_compat.probe(board.serial, toolkit="1.3.2", timeout=TIMEOUT, usb=False)
    assert report.verdict == "compatible"
    assert api.state(board.serial) == ""


def test_an_address_that_never_came_online_is_not_left_offline(api):
    """Audit: a typo'd HOST:PORT stayed `offline`, and every later plain inventory exited 3."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(4)  # the kernel accepts the TCP connection; nothing ever speaks adb on it
        address = f"127.0.0.1:{s.getsockname()[1]}"
        report = rknn_compat.probe(address, toolkit="1.3.2", timeout=1, usb=False)
        assert report.verdict == "unknown"
        assert api.state(address) == ""


def test_a_board_connected_before_stays_connected(boards, api):
    board = boards("rk1808-linux-1.3.2")[0]
    rknn_compat.probe(board.serial, toolkit="1.3.2", timeout=TIMEOUT, usb=False)
    assert api.state(board.serial) == "device"


def test_a_pulled_file_the_recording_lost_keeps_its_reason(boards, api, tmp_path):
    """A recorded RK3399Pro whose pull dropped replays with the same unknowns, not a crash."""
    board = boards(RK3399PRO + "+drop=sync+drop_after_bytes=20")[0]
    rec = tmp_path / "rec.json"
    live = rknn_compat.probe(board.serial, toolkit="1.7.5", timeout=TIMEOUT, usb=False, record=str(rec))
    replay = rknn_compat.probe("fixture:" + str(rec), toolkit="1.7.5", timeout=TIMEOUT)
    assert live.verdict == replay.verdict == "unknown"
    assert json.loads(rec.read_text())["files"] == {"/vendor/etc/npu_fw/boot.img": None}
    assert "could not pull it" in replay.components["rknn_server"].reason
    assert os.path.getsize(rec) < 100_000


def test_ctrl_c_in_inventory_stops_at_once_with_the_finished_boards(boards, adb_server):
    """Issue 10: the first Ctrl-C waited for the slowest board's timeout, then exited 130 silently."""
    import signal
    import subprocess
    import sys

    good, stall = boards("rk1808-linux-1.3.2", "rk1808-stall")
    proc = subprocess.Popen([sys.executable, "-m", "rknn_compat", "inventory", "-d", good.serial, "-d", stall.serial,
                             "--toolkit", "1.3.2", "--timeout", "60", "--format", "csv"],
                            env=adb_server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3.0)  # the good board has answered; the stalled one will not for a minute
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        took = time.monotonic() - sent
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130, (out, err)
    assert took < 2.0, took
    rows = {line.split(",")[0]: line for line in out.splitlines()[1:]}
    assert ",compatible," in rows[good.serial] and "interrupted before this board answered" in rows[stall.serial]
    (line,) = err.splitlines()
    assert line == f"rknn-compat: error: interrupted; 1 board(s) had not answered: {stall.serial}"


def test_progress_bar_names_the_board_still_awaited():
    import io

    from rknn_compat.output.progress import terminal_progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    show = terminal_progress(tty)
    show(1, 3, ["127.0.0.1:7010", "b\x1b[2J"])
    assert "1/3, waiting for 127.0.0.1:7010 (+1)" in tty.getvalue()
    show(3, 3, [])
    assert tty.getvalue().endswith("\r")


def test_local_board_flood_and_stray_children_are_bounded():
    """--device local: the output is capped while it streams and a tool left running is killed."""
    from rknn_compat.transport.base import MAX_OUTPUT_BYTES
    from rknn_compat.transport.local import LocalTransport

    started = time.monotonic()
    flood = LocalTransport().run("exec yes", 10)
    assert not flood.complete and "exceeded" in flood.error and len(flood.stdout) == MAX_OUTPUT_BYTES
    stray = LocalTransport().run("(sleep 30; echo late) & echo early", 0.5)
    assert stray.stdout == b"early\n" and not stray.complete and "no answer within" in stray.error
    assert time.monotonic() - started < 5
