"""`doctor` with simulated boards on the real adb server: the boards area, the bundle, and reading it back.

Issue #14 "Done means": a bundle written on simulated boards reads back with `probe --device fixture:` and
`doctor --from`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile

import pytest

from rknn_compat.cli import main
from rknn_compat.errors import ExitCode


@pytest.fixture
def server_env(adb_server, monkeypatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    monkeypatch.delenv("ANDROID_ADB_SERVER_ADDRESS", raising=False)
    return adb_server


@pytest.fixture
def two_boards(boards, server_env):
    good, old = boards("rk1808-linux-1.3.2", "rk1808-linux-1.1.0")
    return good, old


def _run(capsys, *args):
    rc = main(["doctor", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return rc, out.out


def _boards(data):
    area = next(a for a in data["areas"] if a["id"] == "boards")
    return {c["details"]["device"]["serial"]: c for c in area["checks"]}


def test_boards_area_from_the_server_listing(two_boards, capsys):
    good, old = two_boards
    rc, out = _run(capsys, "--toolkit", "1.3.2", "--format", "json")
    checks = _boards(json.loads(out))
    assert checks[good.serial]["status"] == "ok"
    assert checks[old.serial]["status"] == "problem"
    assert "board matches 1.1.0" in checks[old.serial]["expected"]
    assert "Upgrade the board to the 1.3.2 release" in checks[old.serial]["remedy"]
    assert rc == ExitCode.PROBLEM


@pytest.mark.parametrize("suffix", ["zip", "tar.gz"])
def test_bundle_reads_back_with_probe_fixture_and_doctor_from(two_boards, capsys, tmp_path, suffix):
    good, old = two_boards
    log = tmp_path / "init.log"
    log.write_text("E RKNNAPI: rknn_init,  driver open fail! ret = -9!\n")
    bundle = tmp_path / f"report.{suffix}"
    rc, live = _run(capsys, "--toolkit", "1.3.2", "--device", good.serial, "--device", old.serial,
                    "--bundle", str(bundle), "--log", str(log))
    assert rc == ExitCode.PROBLEM and bundle.is_file()
    names = (zipfile.ZipFile(bundle).namelist() if suffix == "zip"
             else tarfile.open(bundle).getnames())
    assert {"doctor.json", "doctor.txt", "boards/board-1.json", "boards/board-2.json", "environment.json",
            "versions.json", "manifest.json", "logs/1-init.log"} <= set(names), names
    assert not any(n.endswith((".rknn", ".onnx", ".pt")) for n in names)

    rc2, again = _run(capsys, "--from", str(bundle))
    assert rc2 == rc
    assert [ln for ln in again.splitlines() if ln.startswith("[")] == \
           [ln for ln in live.splitlines() if ln.startswith("[")]

    for i, board in enumerate((good, old), start=1):
        capsys.readouterr()
        replay = main(["probe", "--device", f"fixture:{bundle}#board-{i}", "--toolkit", "1.3.2", "--format", "json"])
        direct = main(["probe", "--device", board.serial, "--toolkit", "1.3.2", "--format", "json"])
        replayed, live_board = (json.loads(part) for part in _two_json(capsys.readouterr().out))
        assert replay == direct
        assert replayed["components"] == live_board["components"]
        assert replayed["verdict"] == live_board["verdict"]


def _two_json(text):
    first_end = text.index("\n}\n") + 3
    return text[:first_end], text[first_end:]


def test_redacted_bundle_hides_serials_and_home(two_boards, capsys, tmp_path, monkeypatch):
    good, old = two_boards
    monkeypatch.setenv("HOME", str(tmp_path))  # a home path that shows up: the --log file's own
    log = tmp_path / "toolkit.log"
    log.write_text(f"W log at {tmp_path}/toolkit.log\nadb connect 192.168.1.20:5555\nGalcore version 6.4.0.227915\n")
    bundle = tmp_path / "r.zip"
    _run(capsys, "--toolkit", "1.3.2", "--device", good.serial, "--bundle", str(bundle), "--redact", "--log", str(log))
    zf = zipfile.ZipFile(bundle)
    text = {n: zf.read(n).decode() for n in zf.namelist()}
    for name, body in text.items():
        assert good.serial not in body, name
    logged = text["logs/1-toolkit.log"]
    assert "~/toolkit.log" in logged and str(tmp_path) not in logged
    assert "ip-1:5555" in logged and "Galcore version 6.4.0.227915" in logged
    assert json.loads(text["manifest.json"])["redacted"] is True
    capsys.readouterr()
    assert main(["probe", "--device", f"fixture:{bundle}", "--toolkit", "1.3.2"]) == 0  # still replays
    assert "serial-1" in capsys.readouterr().out


def test_no_server_no_board_list_and_nothing_started(capsys, monkeypatch):
    from rknn_compat.sim.net import free_port, port_open

    port = free_port()
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
    rc, out = _run(capsys, "--toolkit", "1.3.2")
    assert f"[?] Boards: no adb server running on 127.0.0.1:{port}: no board list" in out
    assert rc in (ExitCode.PROBLEM, ExitCode.UNKNOWN)
    assert not port_open(port)


def test_bad_fixture_device_is_that_board_only(server_env, capsys, tmp_path):
    rc, out = _run(capsys, "--toolkit", "1.3.2", "--device", f"fixture:{tmp_path}/none.json", "--format", "json")
    boards = next(a for a in json.loads(out)["areas"] if a["id"] == "boards")
    assert boards["status"] == "unknown" and "cannot read recording" in boards["checks"][0]["found"]
    assert next(a for a in json.loads(out)["areas"] if a["id"] == "host")["checks"]


def test_bundle_bad_log_is_one_line(capsys, tmp_path, server_env):
    assert main(["doctor", "--toolkit", "1.3.2", "--bundle", str(tmp_path / "x.zip"), "--log", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rknn-compat: error: --log") and "\n" not in err
    assert not (tmp_path / "x.zip").exists()


def test_cli_subprocess_with_a_board(two_boards, server_env):
    good, _ = two_boards
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "doctor", "--toolkit", "1.3.2", "-d", good.serial,
                           "-v"], env=server_env.env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr
    assert f"✓ board {good.serial} (adb, device): RK1808: npu_driver 6.4.0.227915" in proc.stdout
    assert "| rknn_server: ok, expected 1.3.2, found 1.3.2" in proc.stdout
