"""`rknn-compat doctor`: host rules as data, the packaging judgements, pitfalls, adb parsing, the report contract,
crashes, marks and the CLI's errors. Real wheels: test_doctor_env.py; boards and bundles: test_doctor_bundle.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rknn_compat.doctor import adb as doctor_adb
from rknn_compat.doctor import report as rep
from rknn_compat.doctor.context import Context, Target
from rknn_compat.doctor.pitfalls import pitfall_checks, running
from rknn_compat.doctor.requirements import cell_spec, table_checks
from rknn_compat.errors import ExitCode, MatrixError
from rknn_compat.host.environment import Distribution, Environment, from_listing
from rknn_compat.host.toolkit import ToolkitInfo
from rknn_compat.tables import load
from rknn_compat.tables.host_rules import host_rules
from rknn_compat.tables.load import default_directory

DATA = Path(__file__).parent / "data"

# the JSON contract (issue #14: one object per area with status and checks: id, status, found, expected,
# remedy, evidence); fields may be added, never removed
REPORT_KEYS = {"schema_version", "format", "rknn_compat", "areas", "summary"}
AREA_KEYS = {"id", "title", "status", "summary", "checks"}
CHECK_KEYS = {"id", "status", "title", "found", "expected", "remedy", "evidence", "source"}
SUMMARY_KEYS = {"status", "exit_code", "areas", "ok", "warning", "problem", "unknown", "crashed", "seconds"}


def env_of(packages=(), host=None, dirs=None, toolkit=("rknn-toolkit", "1.3.2")) -> Environment:
    info = ToolkitInfo(None, toolkit[0], "rknpu1", "py", "3.6.9", "test")
    env = Environment("py", info, executable="/venv/bin/python", python_version="3.6.9")
    env.distributions = [Distribution(n, v, "/venv/site") for n, v in packages]
    env.host = host or {"sys_platform": "linux", "machine": "x86_64", "system": "Linux", "gcc": "/usr/bin/gcc",
                        "PYTHONLEGACYWINDOWSSTDIO": None}
    env.markers = {"python_version": "3.6", "sys_platform": "linux", "platform_machine": "x86_64"}
    env.import_dirs = dirs or {"numpy": ["/venv/site"]}
    return env


def ctx_of(env, product="rknn-toolkit", version="1.3.2") -> Context:
    ctx = Context(matrix=load(), rules=host_rules(), env=env)
    rel = ctx.matrix.release(version, "rknpu1") if product == "rknn-toolkit" and version >= "1.0.0" else None
    ctx.target = Target(product, version, "rknpu1", "test", rel)
    return ctx


# ------------------------------------------------------------------------------ host rules, as data

def test_host_rules_load_and_cite():
    rules = host_rules()
    assert {p.id for p in rules.pitfalls} >= {"numpy-allow-pickle", "numpy-two-copies", "aarch64-pre-compile",
                                             "pre-compile-needs-gcc", "windows-legacy-stdio"}
    by_id = {p.id: p for p in rules.pitfalls}
    assert by_id["numpy-allow-pickle"].cite == "ts-1.3.2-cn 1.3.4"
    assert by_id["windows-legacy-stdio"].cite == "ts-1.3.2-cn 1.8.2"
    assert rules.python_for("rknn-toolkit", "1.3.2", "linux_x86_64").python == ("3.5", "3.6")
    assert rules.python_for("rknn-toolkit", "1.7.5", "linux_x86_64").python == ("3.6", "3.8")
    assert {p.table for p in rules.packages if p.table} == {"tensorflow", "pytorch", "onnx", "mxnet", "keras"}


@pytest.mark.parametrize("row, error", [
    ('[[pitfall]]\nid="x"\nstatus="bad"\ntext="t"\nremedy="r"\nsystem="Linux"\nsource="ts-1.3.2-cn"\nsection="1"\n',
     "status must be one of"),
    ('[[pitfall]]\nid="x"\nstatus="problem"\ntext="t"\nremedy="r"\ntoolkit="1.0.0!"\nsource="ts-1.3.2-cn"\n'
     'section="1"\n', "not a PEP 440 specifier"),
    ('[[pitfall]]\nid="x"\nstatus="problem"\ntext="t"\nremedy="r"\nsource="nope"\nsection="1"\n', "not defined"),
    ('[[pitfall]]\nid="x"\nstatus="problem"\ntext="t"\nremedy="r"\nsource="ts-1.3.2-cn"\nsection="1"\n',
     "at least one condition"),
    ('[[python]]\nproduct="p"\ntoolkit=["1"]\nplatform="amiga"\npython=["3.6"]\nsource="ts-1.3.2-cn"\n'
     'section="1"\n', "platform must be one of"),
])
def test_malformed_host_rules_fail_with_file_and_row(tmp_path, row, error):
    d = tmp_path / "m"
    shutil.copytree(default_directory(), d)
    (d / "host_rules.toml").write_text(row)
    with pytest.raises(MatrixError) as e:
        host_rules(d)
    assert error in str(e.value) and "host_rules.toml" in str(e.value) and "\n" not in str(e.value)


# ------------------------------------------------------------------------------ packaging judgements

@pytest.mark.parametrize("cell, version, inside, exact", [
    (">=1.10.0, <=1.13.2", "1.13.2", True, False), (">=1.10.0, <=1.13.2", "2.4.0", False, False),
    ("1.12.0~2.8.0", "2.8.0", True, False), ("1.12.0~2.8.0", "2.9.1", False, False),
    ("1.4.1", "1.4.1", True, True), ("1.4.1", "1.6.0", False, True), (">=2.1.6-tf", "2.2.4", True, False),
])
def test_framework_cells_become_specifiers(cell, version, inside, exact):
    spec, is_exact = cell_spec(cell)
    assert (version in spec) is inside and is_exact is exact


def test_tensorflow_2_4_and_torch_1_10_with_toolkit_1_3_2_are_flagged():
    """The issue's opening case: unflagged before doctor."""
    env = env_of([("tensorflow", "2.4.0"), ("torch", "1.10.0"), ("onnx", "1.4.1")])
    ctx = ctx_of(env)
    checks = {c.id: c for c in table_checks(ctx.target.release, env, ctx.rules, ctx.pip)}
    assert checks["framework:tensorflow"].status == "problem"
    assert checks["framework:tensorflow"].expected.startswith(">=1.10.0, <=1.13.2")
    assert "'tensorflow<=1.13.2,>=1.10.0'" in checks["framework:tensorflow"].remedy
    assert checks["framework:pytorch"].status == "problem" and "torch 1.10.0" in checks["framework:pytorch"].found
    assert checks["framework:onnx"].status == "ok"
    assert "1.3.1" in checks["framework:tensorflow"].source


def test_tensorflow_gpu_is_judged_as_tensorflow():
    env = env_of([("tensorflow-gpu", "1.14.0")])
    ctx = ctx_of(env)
    checks = {c.id: c for c in table_checks(ctx.target.release, env, ctx.rules, ctx.pip)}
    assert checks["framework:tensorflow"].status == "problem" and "tensorflow-gpu 1.14.0" in checks[
        "framework:tensorflow"].found


# ------------------------------------------------------------------------------ pitfalls

def _pitfalls(ctx):
    return {c.id.split(":", 1)[1]: c for c in pitfall_checks(ctx, host_side=False)}


def test_numpy_allow_pickle_only_before_toolkit_1_0_0():
    old = _pitfalls(ctx_of(env_of([("numpy", "1.16.3")]), version="0.9.9"))
    assert old["numpy-allow-pickle"].status == "problem" and "1.16.2" in old["numpy-allow-pickle"].remedy
    assert "numpy-allow-pickle" not in _pitfalls(ctx_of(env_of([("numpy", "1.16.2")]), version="0.9.9"))
    assert "numpy-allow-pickle" not in _pitfalls(ctx_of(env_of([("numpy", "1.16.3")]), version="1.3.2"))


def test_windows_1_2_0_without_legacy_stdio():
    host = {"sys_platform": "win32", "machine": "AMD64", "system": "Windows", "PYTHONLEGACYWINDOWSSTDIO": None,
            "gcc": None}
    found = _pitfalls(ctx_of(env_of(host=host), version="1.2.0"))
    assert found["windows-legacy-stdio"].status == "problem"
    assert "PYTHONLEGACYWINDOWSSTDIO=1" in found["windows-legacy-stdio"].remedy
    host["PYTHONLEGACYWINDOWSSTDIO"] = "1"
    assert "windows-legacy-stdio" not in _pitfalls(ctx_of(env_of(host=host), version="1.2.0"))
    assert "windows-legacy-stdio" not in _pitfalls(ctx_of(env_of(host={**host, "PYTHONLEGACYWINDOWSSTDIO": None}),
                                                          version="1.2.1"))


def test_aarch64_pre_compile_and_gcc():
    host = {"sys_platform": "linux", "machine": "aarch64", "system": "Linux", "gcc": None,
            "PYTHONLEGACYWINDOWSSTDIO": None}
    found = _pitfalls(ctx_of(env_of(host=host)))
    assert found["aarch64-pre-compile"].status == "warning" and found["aarch64-pre-compile"].source.endswith("1.6.1")
    assert found["pre-compile-needs-gcc"].status == "warning" and "gcc: not on PATH" in found[
        "pre-compile-needs-gcc"].evidence
    assert not _pitfalls(ctx_of(env_of()))  # x86_64 with gcc: nothing


def test_toolkit_1_and_toolkit2_in_one_environment():
    found = _pitfalls(ctx_of(env_of([("rknn-toolkit", "1.3.2"), ("rknn-toolkit2", "1.4.0")])))
    assert found["toolkit-and-toolkit2"].status == "problem"


def test_a_condition_that_cannot_be_told_is_unknown_not_skipped():
    env = env_of([("numpy", "1.16.3")], host={"sys_platform": "linux", "system": "Linux"})  # no machine, no gcc key
    found = _pitfalls(ctx_of(env))
    assert found["aarch64-pre-compile"].status == "unknown" and "machine unknown" in found["aarch64-pre-compile"].found
    assert found["pre-compile-needs-gcc"].status == "unknown"


def test_running_processes_from_proc(tmp_path):
    for pid, comm, argv in ((10, "npu_transfer_pr", b"/opt/rknn/npu_transfer_proxy\0"), (11, "bash", b"bash\0")):
        d = tmp_path / str(pid)
        d.mkdir()
        (d / "comm").write_text(comm + "\n")
        (d / "cmdline").write_bytes(argv)
    assert running("npu_transfer_proxy", str(tmp_path)) == [10]
    assert running("bash", str(tmp_path)) == [11]
    assert running("x", str(tmp_path / "nope")) is None


# ------------------------------------------------------------------------------ probe listing and adb

def test_listing_with_real_lite_1_7_5_metadata(tmp_path, monkeypatch):
    """The real METADATA/WHEEL of rknn_toolkit_lite 1.7.5 (cp38): read by the probe in a subprocess."""
    from rknn_compat.host.environment import read_environment

    meta = tmp_path / "site" / "rknn_toolkit_lite-1.7.5.dist-info"
    meta.mkdir(parents=True)
    shutil.copy(DATA / "toolkit_env" / "rknn_toolkit_lite-1.7.5.METADATA", meta / "METADATA")
    shutil.copy(DATA / "toolkit_env" / "rknn_toolkit_lite-1.7.5.WHEEL", meta / "WHEEL")
    monkeypatch.setenv("PYTHONPATH", str(meta.parent))
    env = read_environment(sys.executable)
    assert env.toolkit.distribution == "rknn-toolkit-lite" and str(env.toolkit.version) == "1.7.5"
    dist = env.rknn_dist("rknn-toolkit-lite")
    assert dist.requires == ("numpy", "psutil", "ruamel.yaml") and dist.tags == ("cp38-cp38-linux_x86_64",)
    assert env.markers["python_version"] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    ctx = Context(python=sys.executable).load()
    from rknn_compat.doctor.toolkit_env import toolkit_area

    checks = {c.id: c for c in toolkit_area(ctx)}
    assert checks["wheel-tags"].status == "problem" and checks["wheel-tags"].found == "built for cp38-cp38-linux_x86_64"


def test_malformed_listing_is_dropped_not_trusted():
    env = from_listing("py", {"found": "x", "distributions": [1, {"name": "numpy"}, {"name": "a", "version": "1"}],
                              "rknn": [{"name": "r"}], "host": {"machine": ["x"], "system": "Linux"},
                              "import_dirs": {"numpy": "nope"}})
    assert [d.name for d in env.distributions] == ["a"] and env.rknn == [] and env.host == {"system": "Linux"}
    assert env.import_dirs == {"numpy": []}


@pytest.mark.parametrize("name, version, revision", [
    ("rknn-model-zoo-120.txt", "1.0.41", "35.0.1-11580240"),
    ("mifit-data-export-4.txt", "1.0.32", "eac51f2bb6a8-android"),
    ("adb-explorer-150.txt", "1.0.39", "5943271ace17-android"), ("logcat-10.txt", "1.0.41", "29.0.1-5644136"),
    ("rknn-toolkit2-2.3.2-bundled.txt", "1.0.40", "4986621"),
    ("adbutils-2.12.0-bundled.txt", "1.0.41", "36.0.0-13206524"),
])
def test_real_adb_version_outputs(name, version, revision):
    text = (DATA / "adb" / name).read_text(encoding="utf-8")
    assert doctor_adb.parse_adb_version(text) == (version, revision)
    messy = "\x1b[32m" + text.replace("\n", "\r\n") + "\x1b[0m"  # a Windows console paste, coloured
    assert doctor_adb.parse_adb_version(messy) == (version, revision)


def test_adb_version_of_garbage():
    assert doctor_adb.parse_adb_version("adb: unknown command version") == (None, None)


def test_server_version_never_starts_a_server():
    from rknn_compat.sim.net import free_port, port_open

    port = free_port()
    assert doctor_adb.server_version("127.0.0.1", port) == (None, f"no adb server running on 127.0.0.1:{port}")
    assert not port_open(port)


def test_server_version_of_the_real_server(adb_server):
    assert doctor_adb.server_version("127.0.0.1", adb_server.port) == (41, f"adb server on 127.0.0.1:{adb_server.port}")
    assert doctor_adb.server_binary(adb_server.port) == os.path.realpath(adb_server.adb_path)


# ------------------------------------------------------------------------------ report, crashes, CLI

def test_a_crashing_check_is_reported_and_the_others_run(monkeypatch, capsys):
    from rknn_compat.cli import main
    from rknn_compat.doctor import run

    def boom(ctx):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(run, "AREAS", tuple((i, t, boom if i == "usb" else f) for i, t, f in run.AREAS
                                            if i in ("host", "usb")))
    rc = main(["doctor", "--format", "json", "--toolkit2", "2.3.2"])
    data = json.loads(capsys.readouterr().out)
    usb = next(a for a in data["areas"] if a["id"] == "usb")
    assert usb["status"] == "crashed" and "ZeroDivisionError: division by zero" in usb["checks"][0]["found"]
    assert "bug in rknn-compat" in usb["checks"][0]["remedy"]
    assert next(a for a in data["areas"] if a["id"] == "host")["status"] == "ok"
    assert rc == ExitCode.INTERNAL  # nothing worse was found


def test_json_contract_and_round_trip(monkeypatch, capsys):
    from rknn_compat.cli import main
    from rknn_compat.sim.net import free_port

    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(free_port()))
    rc = main(["doctor", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert set(data) == REPORT_KEYS and set(data["summary"]) == SUMMARY_KEYS and rc == data["summary"]["exit_code"]
    assert [a["id"] for a in data["areas"]] == ["host", "toolkit", "adb", "usb", "boards"]
    for area in data["areas"]:
        assert set(area) == AREA_KEYS and area["status"] in rep.STATUSES
        for check in area["checks"]:
            assert set(check) - {"details"} == CHECK_KEYS, check
    again = rep.DoctorReport.from_dict(data).to_dict()
    assert again["areas"] == data["areas"] and again["summary"]["exit_code"] == data["summary"]["exit_code"]
    boards = next(a for a in data["areas"] if a["id"] == "boards")
    assert boards["status"] == "unknown" and "no adb server running" in boards["summary"]


def test_from_a_doctor_json_and_bad_from_files(tmp_path, capsys):
    from rknn_compat.cli import main

    report = rep.DoctorReport([rep.Area("host", "Host", [rep.Check("platform", "ok", "os", found="Linux")]),
                               rep.Area("adb", "adb", [rep.Check("adb-agreement", "problem", "one adb",
                                                                 found="fight", remedy="use one")])])
    f = tmp_path / "d.json"
    f.write_text(json.dumps(report.to_dict()))
    assert main(["doctor", "--from", str(f)]) == 1
    out = capsys.readouterr().out
    assert "[✓] Host: Linux" in out and "[✗] adb: fight" in out and "fix: use one" in out
    for content, msg in (("{", "invalid JSON"), ('{"format": "x"}', "not a doctor report"),
                         ('{"format": "rknn-compat-doctor/1", "areas": [{"id": 1}]}', "malformed doctor report")):
        f.write_text(content)
        assert main(["doctor", "--from", str(f)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("rknn-compat: error: ") and msg in err and "\n" not in err
    assert main(["doctor", "--from", str(tmp_path / "missing.zip")]) == 2


@pytest.mark.parametrize("args, msg", [
    (["--python", "/nonexistent/python3"], "no such file"),
    (["--toolkit", "1.3.2", "--toolkit2", "2.3.2"], "not both"),
    (["--toolkit", "1.5"], "unknown RKNN Toolkit version"),
    (["--bundle", "out.rar"], "FILE.zip or FILE.tar.gz"),
    (["--timeout", "0"], "must be more than 0"),
    (["--timeout", "nan"], "must be more than 0"),  # probe's bound: nan passed doctor's own "<= 0" check
])
def test_usage_errors_are_one_line(args, msg, capsys, tmp_path, monkeypatch):
    from rknn_compat.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["doctor", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rknn-compat: error: ") and msg in err and "\n" not in err


def test_ascii_marks_where_the_terminal_cannot_show_them():
    from rknn_compat.sim.net import free_port

    env = {**os.environ, "PYTHONIOENCODING": "ascii", "ANDROID_ADB_SERVER_PORT": str(free_port())}
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "doctor", "--toolkit2", "2.3.2"], env=env,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    out = proc.stdout.decode("ascii")  # would raise on a mark
    assert "Traceback" not in proc.stderr.decode() and proc.returncode in (0, 1, 3)
    assert out.startswith("[+] Host: ") or out.startswith("[x] Host: ")
    assert "doctor: 5 areas" in out or "doctor: no issues" in out


def test_verbose_shows_ok_checks_and_evidence(capsys):
    from rknn_compat.output.doctor import doctor_text

    report = rep.DoctorReport([rep.Area("host", "Host", [rep.Check("platform", "ok", "os", found="Linux",
                                                                   evidence=["uname"], source="doc 1.2")])])
    short, verbose = doctor_text(report, "table"), doctor_text(report, "table", verbose=True)
    assert "| uname" not in short and "| uname" in verbose and "source: doc 1.2" in verbose
    assert "doctor: no issues found in 1 areas" in short


def test_model_area_without_the_model_checks(monkeypatch, tmp_path):
    from rknn_compat.doctor import doctor

    monkeypatch.setitem(sys.modules, "rknn_compat.model", None)  # a build without rknn_compat.model
    model = tmp_path / "m.rknn"
    model.write_bytes(b"RKNN")
    report = doctor(models=[str(model)], areas=("model",), toolkit2="2.3.2")
    check = report.area("model").checks[0]
    assert check.status == "unknown" and check.found == "model checks not available in this build"
    assert report.exit_code == ExitCode.UNKNOWN
