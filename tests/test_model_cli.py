"""`rknn-compat model` end to end: CLI, JSON contract, exit codes, boards through the real adb server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from model_files import onnx_model, toolkit1_rknn, toolkit2_rknn

from rknn_compat.cli import main
from rknn_compat.model import check_models
from rknn_compat.model.board import BoardFacts
from rknn_compat.model.check import read_model
from rknn_compat.model.judge import judge
from rknn_compat.tables import load
from rknn_compat.tables.model_rules import model_rules
from rknn_compat.versions import parse_version

RECORDING = Path(__file__).parent / "data" / "recordings" / "rk1808-linux-1.3.2.json"
TOP_KEYS = {"schema_version", "models", "target", "device", "verdict"}
MODEL_KEYS = {"path", "format", "size", "facts", "unknown_facts", "findings", "notes", "verdict", "error",
              "bytes_read", "seconds"}
FINDING_KEYS = {"check", "status", "expected", "found", "remedy", "source"}
RKNN_FACTS = {"product", "toolkit_version", "target_platform", "container_version", "model_version", "precompiled"}


def _file(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract(tmp_path, capsys):
    path = _file(tmp_path, "m.rknn", toolkit2_rknn())
    code, out, _ = _run(capsys, "model", path, "--toolkit2", "2.3.2", "--format", "json")
    data = json.loads(out)
    assert code == 0 and set(data) == TOP_KEYS and data["verdict"] == "compatible"
    model = data["models"][0]
    assert set(model) == MODEL_KEYS and RKNN_FACTS <= set(model["facts"])
    assert all(set(f) == FINDING_KEYS for f in model["findings"])
    assert data["target"] == {"toolkit": "toolkit2-2.3.2", "generation": "rknpu2", "source": "--toolkit2",
                              "reason": None}


def test_exit_codes(tmp_path, capsys):
    new = _file(tmp_path, "new.rknn", toolkit2_rknn())
    old_rt = "1.4.0"  # librknnrt 1.4.0 loads model version 1 only
    assert _run(capsys, "model", new, "--toolkit2", old_rt)[0] == 1
    assert _run(capsys, "model", new)[0] == 3  # no target: cannot tell
    code, _, err = _run(capsys, "model", str(tmp_path / "missing.rknn"))
    assert code == 2 and err.startswith("rknn-compat: error:") and "Traceback" not in err
    assert _run(capsys, "model", new, "--toolkit", "1.6.0", "--toolkit2", "1.6.0")[0] == 2
    assert _run(capsys, "model", new, "--toolkit2", "1.4.1")[0] == 2  # unknown, between rows
    assert _run(capsys, "model", new, "--toolkit2", "9.9.9")[0] == 3  # newer than the tables: cannot tell


def test_several_files_worst_wins(tmp_path, capsys):
    ok = _file(tmp_path, "ok.rknn", toolkit2_rknn())
    bad = _file(tmp_path, "bad.rknn", toolkit1_rknn())
    junk = _file(tmp_path, "junk.onnx", b"hello")
    code, out, err = _run(capsys, "model", ok, bad, junk, "--toolkit2", "2.3.2")
    assert code == 1 and "overall: incompatible" in out and "junk.onnx" in err
    assert _run(capsys, "model", ok, junk, "--toolkit2", "2.3.2")[0] == 2


def test_table_strips_control_characters(tmp_path, capsys):
    desc_version = "1.6.0\x1b]0;pwned\x07"
    from model_files import NBG, rknn_container

    path = _file(tmp_path, "m.rknn", rknn_container(NBG, {"version": desc_version, "ovxlib_version": "1"}, 1))
    _, out, _ = _run(capsys, "model", path)
    assert "\x1b" not in out and "\x07" not in out


def test_toolkit1_model_on_toolkit2_and_precompile_rule(tmp_path):
    t1 = _file(tmp_path, "t1.rknn", toolkit1_rknn(toolkit="0.9.9"))
    r = check_models([t1], toolkit2="1.6.0").models[0]
    assert r.verdict == "incompatible" and r.findings[0].check == "generation"
    r = check_models([t1], toolkit="1.3.2").models[0]  # manual 1.6.2: a 0.9.9 pre-compiled model on a new driver
    assert r.verdict == "incompatible" and any(f.check == "precompile" and "1.6.2" in f.source for f in r.findings)


def _board(**kw) -> BoardFacts:
    defaults = {"serial": "b", "soc": "RK3588", "generation": "rknpu2", "runtime": parse_version("1.5.0"),
                "runtime_library": "librknnrt", "rknn_server": parse_version("1.5.0"), "rknn_server_installed": True}
    defaults.update(kw)
    return BoardFacts(**defaults)


@pytest.mark.parametrize("model_kw,board_kw,check,status", [
    ({}, {}, "model_version", "mismatch"),  # model version 6 on librknnrt 1.5.0 ('6, 4')
    ({}, {"runtime": parse_version("2.3.2")}, "model_version", "ok"),
    ({"platform": "rk3566"}, {"runtime": parse_version("2.3.2")}, "target_platform", "mismatch"),
    ({"platform": "rk3566"}, {"soc": "RK3568", "runtime": parse_version("2.3.2")}, "target_platform", "ok"),
    ({}, {"soc": "RK3588S", "runtime": parse_version("2.3.2")}, "target_platform", "warning"),
    ({}, {"runtime_library": "librknnmrt", "soc": "RV1106", "runtime": None}, "container_family", "mismatch"),
    ({}, {"soc": "RK1808", "generation": "rknpu1"}, "generation", "mismatch"),
    ({}, {"soc": None, "runtime": None, "reasons": {"soc": "x", "runtime": "y"}}, "model_version", "unknown"),
])
def test_rknn_against_board(tmp_path, model_kw, board_kw, check, status):
    report = read_model(_file(tmp_path, "m.rknn", toolkit2_rknn(**model_kw)))
    judge(report, load(), model_rules(), None, _board(**board_kw))
    found = {f.check: f.status for f in report.findings}
    assert found.get(check) == status, report.to_dict()


def test_rv1106_family_needs_librknnmrt(tmp_path):
    report = read_model(_file(tmp_path, "m.rknn", toolkit2_rknn(container=0x1003)))
    assert report.facts["family"] == "rv1103/rv1106"
    judge(report, load(), model_rules(), None, _board(soc="RV1106", runtime_library="librknnmrt", runtime=None))
    assert {f.check: f.status for f in report.findings}["container_family"] == "ok"


def test_mini_driver_warning(tmp_path):
    report = read_model(_file(tmp_path, "m.rknn", toolkit1_rknn(target=("RV1126",), nbg=False)))
    board = _board(soc="RV1126", generation="rknpu1", runtime_library="librknn_runtime", rknn_server=None,
                   rknn_server_installed=False)
    judge(report, load(), model_rules(), None, board)
    assert {f.check: f.status for f in report.findings}["mini_driver"] == "warning"


def test_default_target_of_old_toolkit1_models(tmp_path):
    report = read_model(_file(tmp_path, "m.rknn", toolkit1_rknn(target=(), toolkit="1.3.0")))
    judge(report, load(), model_rules(), None, _board(soc="RV1126", generation="rknpu1",
                                                       runtime_library="librknn_runtime",
                                                       rknn_server=parse_version("1.3.0")))
    assert {f.check: f.status for f in report.findings}["target_platform"] == "mismatch"


def test_framework_model_with_only_a_board_is_unknown(tmp_path):
    report = read_model(_file(tmp_path, "m.onnx", onnx_model()))
    judge(report, load(), model_rules(), None, _board())
    assert report.verdict == "unknown"


# --- through the probe: a recording, and simulated boards on the real adb server ---------------------

def test_recorded_board(tmp_path, capsys):
    ok = _file(tmp_path, "rk1808.rknn", toolkit1_rknn(toolkit="1.3.2"))
    other = _file(tmp_path, "rv1126.rknn", toolkit1_rknn(toolkit="1.3.2", target=("RV1126",)))
    t2 = _file(tmp_path, "t2.rknn", toolkit2_rknn())
    code, out, _ = _run(capsys, "model", ok, other, t2, "--device", f"fixture:{RECORDING}", "--format", "json")
    data = json.loads(out)
    assert data["device"]["soc"] == "RK1808" and data["device"]["rknn_server"] == "1.3.2"
    assert [m["verdict"] for m in data["models"]] == ["compatible", "incompatible", "incompatible"]
    assert code == 1


def test_simulated_boards_end_to_end(tmp_path, boards, adb_server, monkeypatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    board, = boards("rk1808-linux-1.7.5")
    fits = _file(tmp_path, "fits.rknn", toolkit1_rknn(toolkit="1.7.5b1"))
    old = _file(tmp_path, "old.rknn", toolkit1_rknn(toolkit="0.9.9"))
    t2 = _file(tmp_path, "t2.rknn", toolkit2_rknn())
    report = check_models([fits, old, t2], device=board.serial)
    verdicts = [m.verdict for m in report.models]
    assert report.device["soc"] == "RK1808" and report.device["generation"] == "rknpu1"
    assert verdicts == ["compatible", "incompatible", "incompatible"], report.to_dict()
    assert report.exit_code == 1


def test_unreachable_board_is_unknown(tmp_path, adb_server, monkeypatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    t1 = _file(tmp_path, "t1.rknn", toolkit1_rknn())
    report = check_models([t1], device="no-such-serial")
    assert report.models[0].verdict == "unknown" and report.exit_code == 3


def test_subprocess_run(tmp_path):
    path = _file(tmp_path, "m.onnx", onnx_model(opset=11))
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "model", path, "--toolkit", "1.3.2"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "onnx_opset" in proc.stdout and "mismatch" in proc.stdout


def test_rknpu2_boards_end_to_end(tmp_path, boards, adb_server, monkeypatch):
    """Through the real adb server: a toolkit2 model (version 6) loads on RK3588's librknnrt 2.3.2, a model
    built for another SoC does not, and an RV1106 (librknnmrt under /oem) refuses a standard-container model."""
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    rk3588, rv1106 = boards("rk3588-linux-2.3.2", "rv1106-linux-1.4.0")
    fits = _file(tmp_path, "rk3588.rknn", toolkit2_rknn(platform="rk3588"))
    other_soc = _file(tmp_path, "rk3566.rknn", toolkit2_rknn(platform="rk3566"))
    report = check_models([fits, other_soc], device=rk3588.serial)
    assert report.device["generation"] == "rknpu2", report.to_dict()
    assert [m.verdict for m in report.models] == ["compatible", "incompatible"], report.to_dict()
    rv = _file(tmp_path, "rv1106.rknn", toolkit2_rknn(platform="rv1106", npu="RKNPU lite"))
    report = check_models([rv], device=rv1106.serial)
    checks = {c["check"]: c for c in report.to_dict()["models"][0]["findings"]}
    assert report.device["runtime_library"] == "librknnmrt", report.to_dict()
    assert report.models[0].verdict == "incompatible", report.to_dict()
    assert checks["container_family"]["status"] == "mismatch", checks
