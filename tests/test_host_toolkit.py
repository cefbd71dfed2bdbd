from __future__ import annotations

import ast
import importlib.util
import json
import sys
import time

import pytest

from rknn_compat.errors import UsageError
from rknn_compat.host import toolkit as ht


def fake_dist(site, dirname, name, version, kind="dist-info"):
    d = site / dirname
    d.mkdir(parents=True)
    fname = "METADATA" if kind == "dist-info" else "PKG-INFO"
    (d / fname).write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
                           "Summary: fake\n")
    return d


@pytest.fixture
def site(tmp_path, monkeypatch):
    s = tmp_path / "site"
    s.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(s))
    monkeypatch.delenv("RKNN_COMPAT_PROBE_METHOD", raising=False)
    return s


def script(tmp_path, body, name="fakepy"):
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body + "\n")
    p.chmod(0o755)
    return str(p)


def test_probe_is_python35_syntax():
    ast.parse(ht.PROBE, feature_version=(3, 5))
    with pytest.raises(SyntaxError):  # the check would catch an f-string
        ast.parse('x = f"{1}"', feature_version=(3, 5))


def test_subprocess_finds_toolkit_1x(site):
    fake_dist(site, "rknn_toolkit-1.3.2.dist-info", "rknn-toolkit", "1.3.2")
    info = ht.installed_toolkit(sys.executable)
    assert str(info.version) == "1.3.2" and info.version.base == (1, 3, 2)
    assert info.distribution == "rknn-toolkit" and info.generation == "rknpu1"
    assert info.python == sys.executable
    assert info.python_version == ".".join(map(str, sys.version_info[:3]))
    assert info.reason is None and "rknn-toolkit 1.3.2" in info.evidence
    d = info.to_dict()
    json.dumps(d)
    assert d["version"] == "1.3.2" and d["found"][0]["generation"] == "rknpu1"


@pytest.mark.parametrize("method", ["scan", "pkg_resources"])
def test_fallback_methods(site, monkeypatch, method):
    if method == "pkg_resources" and importlib.util.find_spec("pkg_resources") is None:
        pytest.skip("no setuptools here")
    fake_dist(site, "rknn_toolkit-1.7.5-py3.6.egg-info", "rknn_toolkit", "1.7.5",
              kind="egg-info")
    monkeypatch.setenv("RKNN_COMPAT_PROBE_METHOD", method)
    info = ht.installed_toolkit(sys.executable)
    assert str(info.version) == "1.7.5" and info.distribution == "rknn-toolkit"
    assert info.evidence.startswith(method if method != "scan" else "sys.path scan")


def test_toolkit2_reported_as_other_generation(site):
    fake_dist(site, "rknn_toolkit2-1.4.0+22dcfef4.dist-info", "rknn-toolkit2",
              "1.4.0+22dcfef4")
    info = ht.installed_toolkit(sys.executable)
    assert info.distribution == "rknn-toolkit2" and info.generation == "rknpu2"
    assert info.version.base == (1, 4, 0) and info.version.commit == "22dcfef4"


def test_toolkit1_preferred_and_all_listed(site):
    fake_dist(site, "rknn_toolkit_lite2-2.3.2.dist-info", "rknn-toolkit-lite2", "2.3.2")
    fake_dist(site, "rknn_toolkit-1.6.0.dist-info", "rknn-toolkit", "1.6.0")
    info = ht.installed_toolkit(sys.executable)
    assert info.distribution == "rknn-toolkit" and str(info.version) == "1.6.0"
    assert {f.name for f in info.found} == {"rknn-toolkit", "rknn-toolkit-lite2"}
    assert "also rknn-toolkit-lite2 2.3.2" in info.evidence


def test_unreadable_version(site):
    fake_dist(site, "rknn_toolkit-weird.dist-info", "rknn-toolkit", "not.a.version!")
    info = ht.installed_toolkit(sys.executable)
    assert info.version is None and info.distribution == "rknn-toolkit"
    assert "unreadable version" in info.reason


def test_current_interpreter_nothing_installed(monkeypatch):
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "rknn" not in p])
    info = ht.installed_toolkit()
    assert info.version is None and info.generation is None
    assert info.reason == f"no rknn-toolkit distribution in {sys.executable}"
    json.dumps(info.to_dict())


def test_current_interpreter_with_fake_dist(tmp_path, monkeypatch):
    fake_dist(tmp_path, "rknn_toolkit-1.7.1.dist-info", "rknn_toolkit", "1.7.1")
    monkeypatch.setattr(sys, "path", [str(tmp_path)] + sys.path)
    info = ht.installed_toolkit()
    assert str(info.version) == "1.7.1" and info.distribution == "rknn-toolkit"
    assert info.evidence.startswith("importlib.metadata")


def test_subprocess_nothing_installed(site):
    info = ht.installed_toolkit(sys.executable)
    assert info.version is None and info.reason.startswith("no rknn-toolkit distribution in")


def one_line_usage_error(excinfo, *parts):
    msg = str(excinfo.value)
    assert "\n" not in msg and "Traceback" not in msg
    for part in parts:
        assert part in msg


def test_missing_python(tmp_path):
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(str(tmp_path / "nope" / "python3.6"))
    one_line_usage_error(e, "no such file")


def test_directory_and_not_executable(tmp_path):
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(str(tmp_path))
    one_line_usage_error(e, "not an executable")
    f = tmp_path / "python"
    f.write_text("")
    f.chmod(0o644)
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(str(f))
    one_line_usage_error(e, "not an executable")


def test_garbage_output(tmp_path):
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(script(tmp_path, "echo 'hello, I am not python'"))
    one_line_usage_error(e, "did not answer", "hello")


def test_marker_with_bad_json(tmp_path):
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(script(tmp_path, "echo 'RKNN_COMPAT_PROBE {nope'"))
    one_line_usage_error(e, "did not answer")


def test_failing_interpreter(tmp_path):
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(script(tmp_path, "echo 'SyntaxError: bad' >&2; exit 1"))
    one_line_usage_error(e, "status 1", "SyntaxError: bad")


def test_hanging_interpreter_times_out(tmp_path):
    start = time.monotonic()
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(script(tmp_path, "sleep 30"), timeout=1)
    assert time.monotonic() - start < 5
    one_line_usage_error(e, "no answer within 1 s")


def test_exec_format_error(tmp_path):
    p = tmp_path / "python"
    p.write_bytes(b"\x7fELF\x00garbage")
    p.chmod(0o755)
    with pytest.raises(UsageError) as e:
        ht.installed_toolkit(str(p))
    one_line_usage_error(e, "cannot run")


@pytest.mark.parametrize("raw,base,commit", [
    ("1.7.5", (1, 7, 5), None),
    ("1.4.0-22dcfef4", (1, 4, 0), "22dcfef4"),
    ("1.6.0+81f21f4d", (1, 6, 0), "81f21f4d"),
    ("2.3.2", (2, 3, 2), None),
])
def test_parse_toolkit_version(raw, base, commit):
    v = ht.parse_toolkit_version(raw)
    assert v.base == base and v.commit == commit and v.raw == raw
