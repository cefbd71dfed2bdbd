"""`doctor` on Rockchip's real wheels (rknn-toolkit2 2.3.2, rknn-toolkit-lite2 2.5.0 from PyPI) and real numpy,
protobuf and keras wheels inside and outside the ranges rknn-toolkit2 declares (the ``toolkit_venvs`` fixture).

Issue #14 "Done means": on a venv with the real rknn-toolkit2 wheel and a numpy outside its declared range,
doctor names the toolkit, its version and the numpy problem with the fix, end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rknn_compat.doctor import doctor
from rknn_compat.errors import ExitCode

pytestmark = pytest.mark.slow


def _checks(report, area):
    return {c.id: c for c in report.area(area).checks}


@pytest.fixture
def no_adb_server(monkeypatch):
    """The environment names a port where no adb server runs: nothing may start one."""
    from rknn_compat.sim.net import free_port

    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(free_port()))
    monkeypatch.delenv("ANDROID_ADB_SERVER_ADDRESS", raising=False)
    monkeypatch.delenv("PYTHONPATH", raising=False)


def test_numpy_outside_rknn_toolkit2_pins_cli_end_to_end(toolkit_venvs, no_adb_server):
    py = toolkit_venvs["tk2-outside"]["python"]
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "doctor", "--python", py], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == ExitCode.PROBLEM, proc
    out = proc.stdout
    assert "[✗] Toolkit environment: rknn-toolkit2 2.3.2" in out
    assert "✗ numpy for rknn-toolkit2 2.3.2: numpy 2.1.3" in out
    assert "expected: numpy<=1.26.4 (Requires-Dist of rknn-toolkit2 2.3.2)" in out
    assert f"fix: Install a numpy that rknn-toolkit2 2.3.2 declares: {py} -m pip install 'numpy<=1.26.4'" in out


def test_requires_dist_is_read_from_the_real_metadata(toolkit_venvs, no_adb_server):
    report = doctor(python=toolkit_venvs["tk2-outside"]["python"], areas=("toolkit",))
    checks = _checks(report, "toolkit")
    assert checks["installed"].found == "rknn-toolkit2 2.3.2"
    assert checks["requires:numpy"].status == "problem"
    assert checks["requires:protobuf"].status == "problem"
    assert "protobuf 5.28.3" in checks["requires:protobuf"].found
    assert "protobuf<=4.25.4,>=4.21.6" in checks["requires:protobuf"].expected
    missing = checks["requires-missing"]  # --no-deps: the rest of rknn-toolkit2's Requires-Dist is absent
    assert missing.status == "problem"
    for name in ("psutil>=5.9.0", "scipy>=1.9.3", "onnx>=1.16.1", "torch<=2.4.0,>=1.10.1"):
        assert name in missing.found and f"'{name}'" in missing.remedy
    assert checks["wheel-tags"].status == "ok" and "cp311" in checks["wheel-tags"].found
    assert report.exit_code == ExitCode.PROBLEM


def test_numpy_and_protobuf_inside_the_pins_are_met(toolkit_venvs, no_adb_server):
    report = doctor(python=toolkit_venvs["tk2-inside"]["python"], areas=("toolkit", "host"))
    checks = _checks(report, "toolkit")
    assert "requires:numpy" not in checks and "requires:protobuf" not in checks
    met = checks["requires-dist"].evidence
    assert any(e.startswith("numpy 1.26.4") and e.endswith("meets numpy<=1.26.4") for e in met), met
    assert any(e.startswith("protobuf 4.25.4") for e in met), met
    assert checks["requires-dist"].found == "2 of 11 Requires-Dist of rknn-toolkit2 2.3.2 met"
    host = _checks(report, "host")
    assert host["python-support"].status == "ok"  # Python 3.11 on linux_x86_64: in the wheel's own notes


def test_framework_table_with_a_real_keras(toolkit_venvs, no_adb_server):
    py = toolkit_venvs["tk2-outside"]["python"]
    old = _checks(doctor(python=py, toolkit="1.3.2", areas=("toolkit",)), "toolkit")
    assert old["framework:keras"].status == "warning"  # 1.3.2 framework table: Keras not supported
    assert "not supported" in old["framework:keras"].expected
    new = _checks(doctor(python=py, toolkit="1.7.5", areas=("toolkit",)), "toolkit")
    assert new["framework:keras"].status == "ok"  # >=2.1.6-tf admits keras 2.15.0
    assert new["installed"].status == "warning"  # asked about 1.7.5, the interpreter has rknn-toolkit2 2.3.2


def test_lite2_aarch64_wheel_in_an_x86_venv(toolkit_venvs, no_adb_server):
    report = doctor(python=toolkit_venvs["lite2-aarch64"]["python"], areas=("toolkit", "host"))
    checks = _checks(report, "toolkit")
    assert checks["installed"].found == "rknn-toolkit-lite2 2.5.0"
    wheel = checks["wheel-tags"]
    assert wheel.status == "problem" and "aarch64" in wheel.found and wheel.expected == "cp311 on x86_64"
    assert "runs on the board" in wheel.remedy
    assert checks["requires-missing"].found == "not installed: numpy, psutil, ruamel.yaml"
    assert checks["framework-table"].status == "ok"  # lite only runs .rknn models
    host = _checks(report, "host")
    assert host["python-support"].status == "problem"
    assert host["python-support"].found == "rknn-toolkit-lite2 2.5.0 publishes no wheel for linux_x86_64"


def test_two_numpy_copies_on_the_path(toolkit_venvs, no_adb_server, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", toolkit_venvs["extra_numpy"])
    report = doctor(python=toolkit_venvs["tk2-inside"]["python"], areas=("toolkit",))
    checks = _checks(report, "toolkit")
    two = checks["pitfall:numpy-two-copies"]
    assert two.status == "problem" and two.source == "ts-1.3.2-cn 1.1.1" and "PyFPE_jbuf" in two.found
    assert toolkit_venvs["extra_numpy"] in two.evidence[0] and toolkit_venvs["tk2-inside"]["site"] in two.evidence[0]
    # the first copy on sys.path is the one judged (the PYTHONPATH one: numpy 2.1.3, outside the pin)
    assert checks["requires:numpy"].status == "problem" and "2.1.3" in checks["requires:numpy"].found
    listing = checks["packages"].evidence
    assert sum(1 for e in listing if e.startswith(("numpy 2.1.3 in ", "numpy 1.26.4 in "))) == 2, listing
    assert any(e.startswith("numpy importable from 2 places") for e in listing), listing


def test_adb_bundled_in_the_toolkit2_wheel_against_adbutils(toolkit_venvs, no_adb_server):
    report = doctor(python=toolkit_venvs["tk2-outside"]["python"], areas=("adb",))
    checks = report.area("adb").checks
    bundled = [c for c in checks if c.title == "adb from rknn-toolkit2 2.3.2 wheel"]
    assert len(bundled) == 1 and bundled[0].found.startswith("adb 1.0.40 (4986621) at ")
    assert "rknn/3rdparty/platform-tools/adb/linux-x86_64/adb" in bundled[0].found
    assert any(c.title == "adb from adbutils (rknn-compat's)" and "adb 1.0.41" in c.found for c in checks)
    agreement = next(c for c in checks if c.id == "adb-agreement")
    assert agreement.status == "warning"  # no server yet: they will fight once both are used
    assert next(c for c in checks if c.id == "adb-server").found.startswith("no adb server running")


def test_adb_server_of_another_version_is_a_problem(toolkit_venvs, adb_server, monkeypatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    report = doctor(python=toolkit_venvs["tk2-outside"]["python"], areas=("adb",))
    checks = {c.id: c for c in report.area("adb").checks}
    assert checks["adb-server"].found.endswith("version 41")
    assert checks["adb-agreement"].status == "problem"
    assert "rknn-toolkit2 2.3.2 wheel adb 1.0.40 would kill it" in checks["adb-agreement"].found
    assert "kill-server" in checks["adb-agreement"].remedy
    assert report.exit_code == ExitCode.PROBLEM


def test_json_of_a_real_environment(toolkit_venvs, no_adb_server, capsys):
    from rknn_compat.cli import main

    rc = main(["doctor", "--python", toolkit_venvs["tk2-outside"]["python"], "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1 and data["summary"]["exit_code"] == 1
    toolkit = next(a for a in data["areas"] if a["id"] == "toolkit")
    numpy = next(c for c in toolkit["checks"] if c["id"] == "requires:numpy")
    assert numpy["status"] == "problem" and numpy["found"].startswith("numpy 2.1.3 in ")
    assert os.path.isdir(numpy["found"].split(" in ", 1)[1])
