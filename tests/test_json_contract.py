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
               "seconds", "adb_server", "serialno", "boot_id", "labels", "also_seen"}
SERVER_KEYS = {"adb_server", "boards", "error"}
TOOLKIT_KEYS = {"version", "generation", "source", "matched", "matched_kind"}  # + "reason"/"remedy" without a target
# + "kind": "derived" when the target is newer than the tables (judged by its product's rule)
FACT_KEYS = {"value", "evidence", "source", "reason"}  # components say "version" for "value"
FINDING_KEYS = {"component", "status", "expected", "found", "remedy"}
CONNECTION_KEYS = {"adb_state", "rknn_server_process", "usb", "host_npu_transfer_proxy"}
SUMMARY_KEYS = {"boards", "compatible", "consistent", "incompatible", "not_ready", "unknown", "verdict", "seconds"}
RACK_KEYS = {"judged", "releases", "common", "status", "finding", "remedy"}
RELEASE_KEYS = {"toolkit", "generation", "label", "kind", "released", "components", "frameworks", "pins", "python",
                "aliases", "socs", "notes", "sources"}
REQUIREMENT_KEYS = {"accepts", "printed", "minimum", "recommended", "stated", "published", "library", "aliases",
                    "commits"}
CITE_KEYS = {"id", "document", "edition", "section", "location"}
USB_KEYS = {"status", "reason", "remedy", "rule_installed", "devices", "rules", "rule_files", "problems", "notes"}


def _check_board(board: dict) -> None:
    assert set(board) == BOARD_KEYS
    assert set(board["device"]) <= DEVICE_KEYS and {"serial", "state", "transport"} <= set(board["device"])
    assert set(board["toolkit"]) >= {"version", "generation", "source"}
    assert set(board["toolkit"]) <= TOOLKIT_KEYS | {"reason", "remedy", "kind"}
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
    assert set(inv) == {"boards", "summary", "toolkit", "rack", "servers"}
    assert [set(s) for s in inv["servers"]] == [SERVER_KEYS]
    assert set(inv["summary"]) == SUMMARY_KEYS
    assert set(inv["rack"]) == RACK_KEYS
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
    assert look.returncode == 0 and set(look.json) == {"query", "toolkits", "releases", "board_releases", "notes"}
    assert set(look.json["query"]) == {"component", "version", "product"}
    newer = run_cli("matrix", "--toolkit2", "9.9.9", "--format", "json")
    assert newer.returncode == 3 and set(newer.json) == {"newer_than_tables", "releases"}
    assert set(newer.json["newer_than_tables"]) == {"product", "version", "known_up_to", "dated", "checked",
                                                    "checked_against"}
    wheel = run_cli("matrix", "--toolkit2", "2.5.0", "--format", "json").json["releases"][0]["sources"]["binaries"]
    assert set(wheel) == CITE_KEYS | {"file", "sha256"}


def test_usb_json():
    """usb --format json: the access report (its exit code follows its status)."""
    res = run_cli("usb", "--format", "json")
    assert set(res.json) == USB_KEYS
    assert res.returncode in (0, 1, 3)


DOCTOR_KEYS = {"format", "rknn_compat", "areas", "summary"}
DOCTOR_AREA_KEYS = {"id", "title", "status", "summary", "checks"}
DOCTOR_CHECK_KEYS = {"id", "status", "title", "found", "expected", "remedy", "evidence", "source"}  # + "details"
DOCTOR_SUMMARY_KEYS = {"status", "exit_code", "areas", "ok", "warning", "problem", "unknown", "crashed", "seconds"}


def test_doctor_json(boards, board_env):
    board = boards("rk1808-linux-1.3.2")[0]
    r = run_cli("doctor", "--device", board.serial, "--toolkit", "1.3.2", "--format", "json", env=board_env)
    d = r.json
    assert set(d) == DOCTOR_KEYS and set(d["summary"]) == DOCTOR_SUMMARY_KEYS
    assert [a["id"] for a in d["areas"]] == ["host", "toolkit", "adb", "usb", "boards"]
    for area in d["areas"]:
        assert set(area) == DOCTOR_AREA_KEYS
        for check in area["checks"]:
            assert set(check) - {"details"} == DOCTOR_CHECK_KEYS
    board_check = next(a for a in d["areas"] if a["id"] == "boards")["checks"][0]
    _check_board(board_check["details"])  # a board's details are its probe JSON
    assert r.returncode == d["summary"]["exit_code"]


MODELS_KEYS = {"models", "target", "device", "verdict"}
MODEL_KEYS = {"path", "format", "size", "facts", "unknown_facts", "findings", "notes", "verdict", "error",
              "bytes_read", "seconds"}
MODEL_FINDING_KEYS = {"check", "status", "expected", "found", "remedy", "source"}
MODEL_TARGET_KEYS = {"toolkit", "generation", "source", "reason"}
MODEL_DEVICE_KEYS = {"serial", "soc", "generation", "runtime", "runtime_library", "rknn_server",
                     "rknn_server_installed", "unknown_facts", "error"}
RKNN_FACT_KEYS = {"product", "toolkit_version", "target_platform", "container_version", "model_version",
                  "precompiled"}


def test_model_json(boards, board_env, tmp_path):
    from model_files import toolkit1_rknn

    board = boards("rk1808-linux-1.3.2")[0]
    path = tmp_path / "m.rknn"
    path.write_bytes(toolkit1_rknn(toolkit="1.3.2"))
    r = run_cli("model", str(path), "--toolkit", "1.3.2", "--device", board.serial, "--format", "json",
                env=board_env)
    d = r.json
    assert set(d) == MODELS_KEYS and set(d["target"]) == MODEL_TARGET_KEYS and set(d["device"]) == MODEL_DEVICE_KEYS
    model = d["models"][0]
    assert set(model) == MODEL_KEYS and RKNN_FACT_KEYS <= set(model["facts"])
    assert model["findings"] and all(set(f) == MODEL_FINDING_KEYS for f in model["findings"])
    assert (d["verdict"], r.returncode) == ("compatible", 0)


EXPLAIN_KEYS = {"inputs", "facts", "diagnoses", "unexplained", "unexplained_count", "toolkit", "board", "notes",
                "verdict", "reason", "seconds"}
EXPLAIN_FACT_KEYS = {"component", "kind", "version", "value", "source", "line", "evidence", "how"}  # + details
DIAGNOSIS_KEYS = {"id", "kind", "title", "what", "cause", "remedy", "lines", "source", "facts", "applies_to",
                  "judgement", "inference"}  # + "fixed_in", "quote" where the source has them
LOG_LINE_KEYS = {"source", "line", "text"}
INPUT_KEYS = {"name", "bytes", "lines", "kept_lines", "dropped_lines", "encoding"}


def test_explain_json():
    """explain --format json on a real log (rockchip-linux/rknn-toolkit#511, tests/data/logs)."""
    from pathlib import Path

    log = Path(__file__).parent / "data" / "logs" / "rockchip-linux-rknn-toolkit-511-two-runs-api-drv.log"
    r = run_cli("explain", str(log), "--format", "json")
    d = r.json
    assert set(d) == EXPLAIN_KEYS and r.returncode == 1 and d["verdict"] == "problem_found"
    assert d["inputs"] and all(set(i) == INPUT_KEYS for i in d["inputs"])
    assert d["facts"] and all(EXPLAIN_FACT_KEYS <= set(f) for f in d["facts"])
    assert d["diagnoses"] and all(DIAGNOSIS_KEYS <= set(x) <= DIAGNOSIS_KEYS | {"fixed_in", "quote"}
                                  for x in d["diagnoses"])
    assert all(set(ln) == LOG_LINE_KEYS for x in d["diagnoses"] for ln in x["lines"])
    assert all(CITE_KEYS - {"document", "edition", "location"} <= set(x["source"]) for x in d["diagnoses"])
