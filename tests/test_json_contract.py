"""The JSON contract of every command, pinned in one place (the README documents the same keys).

Scripts read these keys; they may be added to, never renamed or dropped. Each test runs the
command as a user would (probe and inventory against a simulated board through the real adb
server) and compares the key sets exactly, so an added key is a deliberate edit here too.
"""

from __future__ import annotations

import os

import pytest
from helpers import run_cli

BOARD_KEYS = {"device", "platform", "components", "toolkit", "findings", "connection", "notes", "verdict", "error"}
DEVICE_KEYS = {"serial", "state", "transport", "model", "product", "device", "transport_id", "round_trips", "bytes",
               "seconds"}
TOOLKIT_KEYS = {"version", "generation", "source", "matched"}
FACT_KEYS = {"value", "evidence", "source", "reason"}  # components say "version" for "value"
FINDING_KEYS = {"component", "status", "expected", "found", "remedy"}
CONNECTION_KEYS = {"adb_state", "rknn_server_process", "usb"}
SUMMARY_KEYS = {"boards", "compatible", "incompatible", "unknown", "verdict", "seconds"}
RELEASE_KEYS = {"toolkit", "generation", "components", "frameworks", "notes", "sources"}
REQUIREMENT_KEYS = {"accepts", "printed", "minimum", "library"}
CITE_KEYS = {"id", "document", "edition", "section", "location"}
USB_KEYS = {"status", "reason", "remedy", "rule_installed", "devices", "rules", "rule_files", "problems", "notes"}


def _check_board(board: dict) -> None:
    assert set(board) == BOARD_KEYS
    assert set(board["device"]) <= DEVICE_KEYS and {"serial", "state", "transport"} <= set(board["device"])
    assert set(board["toolkit"]) >= {"version", "generation", "source"}
    assert set(board["toolkit"]) <= TOOLKIT_KEYS | {"reason"}
    for fact in board["platform"].values():
        assert FACT_KEYS <= set(fact)
    for fact in board["components"].values():
        assert (FACT_KEYS - {"value"}) | {"version"} <= set(fact)
    for finding in board["findings"]:
        assert set(finding) == FINDING_KEYS
    assert set(board["connection"]) <= CONNECTION_KEYS


@pytest.fixture(scope="module")
def board_env(adb_server):
    return {**os.environ, **adb_server.env}


def test_probe_json(boards, board_env):
    """probe --format json: one board report."""
    board = boards("rk1808-linux-1.3.2")[0]
    res = run_cli("probe", "--device", board.serial, "--toolkit", "1.3.2", "--format", "json", env=board_env)
    assert res.returncode == 0, res.stderr
    report = res.json
    _check_board(report)
    assert set(report["components"]) == {"npu_driver", "rknn_server", "librknn_runtime"}
    assert set(report["platform"]) >= {"soc", "os"}
    assert set(report["toolkit"]) == TOOLKIT_KEYS


def test_inventory_json(boards, board_env):
    """inventory --format json: every board report, a summary and the target."""
    board = boards("rk1808-linux-1.1.0")[0]
    res = run_cli("inventory", "--device", board.serial, "--toolkit", "1.3.2", "--format", "json", env=board_env)
    assert res.returncode == 1, res.stderr
    inv = res.json
    assert set(inv) == {"boards", "summary", "toolkit"}
    assert set(inv["summary"]) == SUMMARY_KEYS
    assert set(inv["toolkit"]) == {"version", "generation", "source"}
    for board_report in inv["boards"]:
        _check_board(board_report)


def test_every_board_has_the_same_keys_whatever_its_state(boards, board_env, adb_server):
    """Issue 10: an unauthorized, offline or unreachable board carries platform and components (null, with
    reasons), platform.os.kernel and connection.usb like a board that was read."""
    ok = boards("rk1808-linux-1.3.2")[0]
    (unauth,) = boards("rk1808-unauthorized", connect=False)
    assert "authenticate" in adb_server.connect(unauth.address)
    assert adb_server.wait_state(unauth.serial, "unauthorized", 10)
    res = run_cli("inventory", "-d", ok.serial, "-d", unauth.serial, "-d", "no-such-board", "--toolkit", "1.3.2",
                  "--timeout", "3", "--format", "json", env=board_env)
    reports = res.json["boards"]
    assert [b["verdict"] for b in reports] == ["compatible", "unknown", "unknown"]
    for board in reports:
        _check_board(board)
        assert set(board["platform"]) >= {"soc", "os"} and "kernel" in board["platform"]["os"]
        assert set(board["components"]) == {"npu_driver", "rknn_server", "librknn_runtime"}
        assert set(board["connection"]) == CONNECTION_KEYS
    for board in reports[1:]:
        assert all(f["version"] is None and f["reason"] for f in board["components"].values())
        assert board["platform"]["soc"]["value"] is None and board["platform"]["soc"]["reason"]
    adb_server.disconnect(unauth.address)


def test_matrix_json():
    """matrix --format json: releases; a reverse look-up adds query and toolkits."""
    res = run_cli("matrix", "--toolkit", "1.3.2", "--format", "json")
    assert res.returncode == 0, res.stderr
    (release,) = res.json["releases"]
    assert set(release) == RELEASE_KEYS
    assert set(release["components"]) == {"rknn_server", "npu_driver", "librknn_runtime"}
    for req in release["components"].values():
        assert set(req) == REQUIREMENT_KEYS
    for cite in release["sources"].values():
        assert set(cite) == CITE_KEYS
    look = run_cli("matrix", "--driver", "6.4.0, 227915", "--format", "json")
    assert look.returncode == 0 and set(look.json) == {"query", "toolkits", "releases"}
    assert set(look.json["query"]) == {"component", "version"}


def test_usb_json():
    """usb --format json: the access report (its exit code follows its status)."""
    res = run_cli("usb", "--format", "json")
    assert set(res.json) == USB_KEYS
    assert res.returncode in (0, 1, 3)
