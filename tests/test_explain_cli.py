"""`rknn-compat explain` as a user runs it: exit codes, formats, the JSON contract, --device.

The JSON key sets are pinned in tests/test_json_contract.py with the other commands'; here the
values are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rknn_compat.cli import main

LOGS = Path(__file__).parent / "data" / "logs"
PROBLEM = LOGS / "rockchip-linux-rknn-toolkit-511-two-runs-api-drv.log"
CLEAN = LOGS / "rockchip-linux-rknn-toolkit2-292-clean-load.log"
UNKNOWN = LOGS / "rockchip-linux-rknn-toolkit2-118-tqdm-joined.log"



def _run(capsys, *args):
    code = main(["explain", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exit_codes(capsys):
    assert _run(capsys, PROBLEM)[0] == 1
    assert _run(capsys, CLEAN)[0] == 0
    assert _run(capsys, UNKNOWN)[0] == 3


def test_json_values(capsys):
    code, out, _ = _run(capsys, PROBLEM, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "problem_found"
    for diag in data["diagnoses"]:
        assert {"id", "section", "threads"} <= set(diag["source"])
    drv = next(f for f in data["facts"] if f["component"] == "rknn_server")
    assert (drv["version"], drv["line"], drv["kind"]) == ("1.7.3", 11, "version")
    code_fact = next(f for f in data["facts"] if f["kind"] == "error_code")
    assert code_fact["version"] is None and code_fact["value"] == "-9(ERROR_PIPE)" and code_fact["meaning"]
    assert {d["id"] for d in data["diagnoses"]} == {"recv-msgloadack-pipe", "version.api-drv-mismatch"}
    assert data["toolkit"]["release"] == "1.7.5"


def test_table_and_markdown(capsys):
    code, out, _ = _run(capsys, PROBLEM)
    assert "what the log says:" in out and "[2] API and DRV versions differ" in out
    assert out.rstrip().endswith("verdict: problem_found (2 known problem(s) or version mismatch(es) found)")
    code, out, _ = _run(capsys, PROBLEM, "-f", "markdown")
    assert out.startswith("## rknn-compat explain: ") and "| rknn_server" in out and "**2. API and DRV" in out


def test_toolkit_option_only_fills_a_missing_version(capsys):
    code, out, _ = _run(capsys, LOGS / "rockchip-linux-rknn-toolkit-450-driver-open-fail-9.log", "--toolkit",
                        "1.7.5", "-f", "json")
    assert json.loads(out)["toolkit"] == {"product": "rknn-toolkit", "version": "1.7.5", "generation": "rknpu1",
                                          "source": "--toolkit", "release": "1.7.5"}
    code, out, _ = _run(capsys, PROBLEM, "--toolkit", "1.3.2", "-f", "json")
    data = json.loads(out)
    assert data["toolkit"]["version"] == "1.7.5" and any("the log's version is used" in n for n in data["notes"])


def test_usage_errors_are_one_line(capsys):
    code, _, err = _run(capsys, PROBLEM, "--toolkit", "1.7.5", "--toolkit2", "2.3.2")
    assert code == 2 and err == "rknn-compat: error: give --toolkit or --toolkit2, not both\n"
    code, _, err = _run(capsys, PROBLEM, "--format", "csv")
    assert code == 2 and err.startswith("rknn-compat: error: ") and "\n" == err[-1]


def test_as_a_user_runs_it_with_a_pipe():
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "explain"], input=PROBLEM.read_bytes(),
                          capture_output=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert b"API and DRV versions differ" in proc.stdout and b"Traceback" not in proc.stderr


@pytest.fixture
def adb_env(adb_server, monkeypatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    monkeypatch.delenv("ANDROID_ADB_SERVER_ADDRESS", raising=False)
    monkeypatch.setenv("HOME", adb_server.env["HOME"])


def test_device_adds_the_live_board(boards, adb_env, capsys):
    """The log says DRV 1.7.3; the simulated board (rknpu 1.7.5 release) has rknn_server 1.7.5 now."""
    (board,) = boards("rk1808-linux-1.7.5")
    code, out, _ = _run(capsys, PROBLEM, "--device", board.serial, "-f", "json")
    data = json.loads(out)
    assert data["board"]["device"]["serial"] == board.serial
    assert data["board"]["components"]["rknn_server"]["version"] == "1.7.5"
    assert data["board"]["verdict"] == "compatible"
    assert any("the log's rknn_server 1.7.3" in n and "board's rknn_server 1.7.5 now" in n for n in data["notes"])
    assert code == 1  # the log's own problems stay
    assert not [d for d in data["diagnoses"] if d["kind"] == "board"]


def test_device_mismatch_becomes_a_board_diagnosis(boards, adb_env, capsys):
    (board,) = boards("rk1808-linux-1.1.0")
    code, out, _ = _run(capsys, PROBLEM, "--device", board.serial, "-f", "json")
    data = json.loads(out)
    board_diags = {d["id"] for d in data["diagnoses"] if d["kind"] == "board"}
    assert {"board.rknn_server", "board.librknn_runtime", "board.npu_driver"} <= board_diags
    assert code == 1


def test_device_unreachable_is_a_note(adb_env, capsys):
    code, out, _ = _run(capsys, CLEAN, "--device", "no-such-board", "-f", "json")
    data = json.loads(out)
    assert code == 0 and any(n.startswith("board no-such-board:") for n in data["notes"])
