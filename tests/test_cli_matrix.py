"""`rknn-compat matrix`: its stdout, stderr and exit code (in-process; a few runs as a subprocess).

JSON shape of ``matrix --toolkit 1.3.2 --format json`` (the stable contract)::

    {"releases": [{
        "toolkit": "1.3.2",                 # normalised version
        "generation": "rknpu1",             # rknpu1 = RKNN Toolkit 1.x, rknpu2 = RKNN-Toolkit2
        "components": {
            "rknn_server" | "npu_driver" | "librknn_runtime": {
                "accepts": ["6.4.0.227915"],   # normalised versions the cell admits
                "printed": "6.4.0, 227915",    # the cell as the cited document prints it
                "minimum": null,               # ">= version" rows (Toolkit2 driver) instead
                "library": null | "librknn_runtime.so" | "librknnrt.so"}},
        "frameworks": {"tensorflow": str, "tflite": str, "caffe": str,
                       "onnx": {"release": "1.4.1", "opset": 9, "ir": 3},
                       "darknet": str, "pytorch": str, "mxnet": str, "keras": str},
        "notes": [str, ...],
        "sources": {"components" | "frameworks" | "onnx":
                    {"id", "document", "edition", "section", "location"}}}]}

Reverse look-ups (``--driver`` etc.) add ``"query": {"component", "version"}`` and
``"toolkits": [labels]`` before ``"releases"``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil

import pytest
from helpers import run_cli, run_subprocess
from manual_tables import FRAMEWORK_KEYS, MANUAL_COMPONENTS, MANUAL_FRAMEWORKS, MANUAL_ONNX, REPO_MATRICES, TF_1

NORMALISED_COMPONENTS = {
    "1.0.0": (["0.9.6", "0.9.7"], ["6.3.3.203718"], ["0.9.8", "0.9.9"]),
    "1.1.0": (["0.9.8"], ["6.3.3.203718"], ["1.0.0"]),
    "1.2.0": (["0.9.9"], ["6.4.0.213404"], ["1.1.0"]),
    "1.2.1": (["1.2.0"], ["6.4.0.213404"], ["1.2.0"]),
    "1.3.0": (["1.3.0"], ["6.4.0.227915"], ["1.3.0"]),
    "1.3.2": (["1.3.2"], ["6.4.0.227915"], ["1.3.2"]),
}


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "RKNN_COMPAT_MATRICES"}
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}, **extra)
    return env


def run(*args, env=None, python_flags=()):
    if python_flags:
        return run_subprocess(*args, env=env or _env(), python_flags=python_flags)
    return run_cli(*args, env=env or _env())


def assert_one_line_error(proc, code, *words):
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip("\n").split("\n")
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("rknn-compat: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], (w, proc.stderr)
    return lines[0]


@pytest.fixture(scope="module")
def one_json():
    proc = run("matrix", "--toolkit", "1.3.2", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def all_json():
    proc = run("matrix", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    return {(r["toolkit"], r["generation"]): r for r in data["releases"]}


# ------------------------------------------------------------------ JSON shape


def test_toolkit_json_shape(one_json):
    assert set(one_json) == {"releases"}
    (rel,) = one_json["releases"]
    assert list(rel) == ["toolkit", "generation", "components", "frameworks", "notes", "sources"]
    assert rel["toolkit"] == "1.3.2"
    assert rel["generation"] == "rknpu1"
    assert set(rel["components"]) == {"rknn_server", "npu_driver", "librknn_runtime"}
    for comp in rel["components"].values():
        assert set(comp) == {"accepts", "printed", "minimum", "library"}
        assert isinstance(comp["accepts"], list)
        assert comp["minimum"] is None
    assert rel["components"]["npu_driver"] == {
        "accepts": ["6.4.0.227915"], "printed": "6.4.0, 227915", "minimum": None, "library": None,
    }
    assert rel["components"]["librknn_runtime"]["library"] == "librknn_runtime.so"
    assert set(rel["frameworks"]) >= set(FRAMEWORK_KEYS)
    assert rel["frameworks"]["onnx"] == {"release": "1.4.1", "opset": 9, "ir": 3}
    assert isinstance(rel["notes"], list) and all(isinstance(n, str) for n in rel["notes"])
    assert any("6.4.0.7915" in n for n in rel["notes"])  # TS 1.6.0+ driver typo flagged
    assert set(rel["sources"]) == {"components", "frameworks", "onnx"}
    for src in rel["sources"].values():
        assert set(src) == {"id", "document", "edition", "section", "location"}
        assert all(isinstance(v, str) and v for v in src.values())
    assert rel["sources"]["components"]["section"] == "1.7.2"
    assert rel["sources"]["frameworks"]["section"] == "1.3.1"
    assert rel["sources"]["onnx"]["section"] == "1.3.1 note 4"
    assert rel["sources"]["components"]["id"] == "ts-1.3.2-cn"


# ------------------------------------------------------------------ every cell of the three tables


@pytest.mark.parametrize("toolkit", list(MANUAL_COMPONENTS))
def test_component_table_cells_via_json(all_json, toolkit):
    rel = all_json[(toolkit, "rknpu1")]
    for i, comp in enumerate(("rknn_server", "npu_driver", "librknn_runtime")):
        cell = rel["components"][comp]
        assert cell["printed"] == MANUAL_COMPONENTS[toolkit][i], (toolkit, comp)
        assert cell["accepts"] == NORMALISED_COMPONENTS[toolkit][i], (toolkit, comp)
    assert rel["sources"]["components"]["section"] == "1.7.2"


@pytest.mark.parametrize("toolkit", list(MANUAL_FRAMEWORKS))
def test_framework_and_onnx_table_cells_via_json(all_json, toolkit):
    rel = all_json[(toolkit, "rknpu1")]
    expected = dict(zip(FRAMEWORK_KEYS, MANUAL_FRAMEWORKS[toolkit]))
    for key, value in expected.items():
        if key == "onnx":
            opset, ir = MANUAL_ONNX[value]
            assert rel["frameworks"]["onnx"] == {"release": value, "opset": opset, "ir": ir}
        else:
            assert rel["frameworks"][key] == value, (toolkit, key)
    assert rel["sources"]["frameworks"]["section"] == "1.3.1"
    assert rel["sources"]["onnx"]["section"] == "1.3.1 note 4"


def test_all_json_lists_both_generations(all_json):
    assert ("1.6.0", "rknpu1") in all_json and ("1.6.0", "rknpu2") in all_json
    assert ("1.5.0", "rknpu1") not in all_json
    two = all_json[("1.6.0", "rknpu2")]
    assert two["components"]["npu_driver"]["minimum"] == "0.9.2"
    assert two["components"]["npu_driver"]["accepts"] == []


# ------------------------------------------------------------------ formats


@pytest.mark.parametrize("args", [["--toolkit", "1.3.2"], []], ids=["one", "all"])
def test_table_format(args):
    proc = run("matrix", *args, "--format", "table")
    assert proc.returncode == 0, proc.stderr
    assert "1.3.2" in proc.stdout and "6.4.0.227915" in proc.stdout
    assert "1.4.1 (9/3)" in proc.stdout


def test_table_is_the_default_format():
    assert run("matrix", "--toolkit", "1.3.2").stdout == run(
        "matrix", "--toolkit", "1.3.2", "--format", "table").stdout


@pytest.mark.parametrize("args", [["--toolkit", "1.3.2"], []], ids=["one", "all"])
def test_csv_format(args, all_json):
    proc = run("matrix", *args, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == (1 if args else len(all_json))
    by_key = {(r["toolkit"], r["generation"]): r for r in rows}
    row = by_key[("1.3.2", "rknpu1")]
    assert row["rknn_server"] == "1.3.2"
    assert row["npu_driver"] == "6.4.0.227915"
    assert row["librknn_runtime"] == "1.3.2"
    assert row["tensorflow"] == TF_1
    assert row["onnx"] == "1.4.1 (9/3)"
    assert row["mxnet"] == ">=1.4.0, <=1.5.1"
    assert "ts-1.3.2-cn" in row["source"]
    if not args:
        assert by_key[("1.0.0", "rknpu1")]["rknn_server"] == "0.9.6/0.9.7"


@pytest.mark.parametrize("args", [["--toolkit", "1.3.2"], []], ids=["one", "all"])
def test_markdown_format(args):
    proc = run("matrix", *args, "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert all(ln.startswith("|") and ln.endswith("|") for ln in lines)
    assert any(set(ln) <= set("|-: ") for ln in lines)  # header separator
    assert "6.4.0.227915" in proc.stdout


@pytest.mark.parametrize("args", [["--toolkit", "1.3.2"], []], ids=["one", "all"])
def test_jsonl_format(args, one_json, all_json):
    proc = run("matrix", *args, "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(ln) for ln in proc.stdout.splitlines()]
    if args:
        assert records == one_json["releases"]
    else:
        assert {(r["toolkit"], r["generation"]): r for r in records} == all_json


# ------------------------------------------------------------------ reverse look-ups


def test_reverse_driver_lookup_in_manual_spelling():
    proc = run("matrix", "--driver", "6.4.0, 227915", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert list(data)[:2] == ["query", "toolkits"]
    assert data["query"] == {"component": "npu_driver", "version": "6.4.0.227915"}
    rknpu1 = [r["toolkit"] for r in data["releases"] if r["generation"] == "rknpu1"]
    assert rknpu1 == ["1.3.0", "1.3.2", "1.4.0"]


def test_reverse_driver_lookup_lists_only_rknpu1_toolkits():
    data = json.loads(run("matrix", "--driver", "6.4.0, 227915", "--format", "json").stdout)
    assert data["toolkits"] == ["1.3.0", "1.3.2", "1.4.0"]


def test_reverse_rknn_server_lookup():
    proc = run("matrix", "--rknn-server", "0.9.7", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["query"] == {"component": "rknn_server", "version": "0.9.7"}
    assert data["toolkits"] == ["1.0.0"]
    assert data["releases"][0]["components"]["rknn_server"]["printed"] == "0.9.6/0.9.7"


def test_reverse_lookup_labels_toolkit2_rows():
    data = json.loads(run("matrix", "--rknn-server", "1.6.0", "--format", "json").stdout)
    assert data["toolkits"] == ["1.6.0", "toolkit2-1.6.0"]


def test_reverse_lookup_without_match_exits_1_with_one_line():
    proc = run("matrix", "--runtime", "1.3.4")
    line = assert_one_line_error(proc, 1, "librknn_runtime", "1.3.4")
    assert "no toolkit" in line
    assert proc.stdout == ""


def test_reverse_lookup_without_match_json_still_describes_the_query():
    proc = run("matrix", "--runtime", "1.3.4", "--format", "json")
    assert_one_line_error(proc, 1, "1.3.4")
    data = json.loads(proc.stdout)
    assert data["query"] == {"component": "librknn_runtime", "version": "1.3.4"}
    assert data["toolkits"] == [] and data["releases"] == []


# ------------------------------------------------------------------ usage errors (exit 2)


def test_unknown_toolkit_names_nearest_known():
    proc = run("matrix", "--toolkit", "1.5.0")
    assert_one_line_error(proc, 2, "1.5.0", "1.4.0", "1.6.0")
    assert proc.stdout == ""


def test_toolkit2_selects_the_other_generation():
    data = json.loads(run("matrix", "--toolkit2", "1.6.0", "--format", "json").stdout)
    assert data["releases"][0]["generation"] == "rknpu2"
    assert_one_line_error(run("matrix", "--toolkit2", "1.7.5"), 2, "RKNN-Toolkit2", "1.7.5")


def test_toolkit_that_is_not_a_version():
    assert_one_line_error(run("matrix", "--toolkit", "abc"), 2, "abc")


def test_bad_format():
    assert_one_line_error(run("matrix", "--format", "xml"), 2, "xml")


@pytest.mark.parametrize(
    "args",
    [
        ["--toolkit", "1.3.2", "--driver", "6.4.0"],
        ["--toolkit", "1.3.2", "--toolkit2", "1.6.0"],
        ["--rknn-server", "0.9.7", "--runtime", "1.3.2"],
    ],
)
def test_two_selectors_at_once(args):
    assert_one_line_error(run("matrix", *args), 2, "one of")


def _broken_copy(tmp_path):
    d = tmp_path / "m"
    shutil.copytree(REPO_MATRICES, d)
    path = d / "components.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'toolkit = "1.2.0"', 'toolkit = "abc"', 1), encoding="utf-8")
    return d


def test_matrices_option_pointing_at_a_broken_directory(tmp_path):
    d = _broken_copy(tmp_path)
    proc = run("matrix", "--toolkit", "1.3.2", "--matrices", str(d))
    assert_one_line_error(proc, 2, str(d / "components.toml"), "release 3", "abc")
    assert proc.stdout == ""


def test_env_var_pointing_at_a_broken_directory(tmp_path):
    d = _broken_copy(tmp_path)
    proc = run("matrix", "--toolkit", "1.3.2", env=_env(RKNN_COMPAT_MATRICES=str(d)))
    assert_one_line_error(proc, 2, "components.toml", "release 3")


def test_matrices_option_pointing_nowhere(tmp_path):
    proc = run("matrix", "--matrices", str(tmp_path / "absent"))
    assert_one_line_error(proc, 2, "absent")


def test_driver_with_superscript_digit_is_a_usage_error():
    assert_one_line_error(run("matrix", "--driver", "6.4.0:²"), 2, "6.4.0:²")


# ------------------------------------------------------------------ start-up cost


def test_matrix_command_does_not_import_adbutils():
    proc = run("matrix", "--toolkit", "1.3.2", python_flags=("-X", "importtime"))
    assert proc.returncode == 0, proc.stderr
    assert "import time:" in proc.stderr  # the check below is not vacuous
    assert "rknn_compat.tables" in proc.stderr
    assert "adbutils" not in proc.stderr


def test_as_a_user_runs_it():
    """`python -m rknn_compat matrix`: the JSON on stdout, and a bad version as one line with exit 2."""
    ok = run_subprocess("matrix", "--toolkit", "1.3.2", "--format", "json", env=_env())
    assert ok.returncode == 0 and ok.json["releases"][0]["toolkit"] == "1.3.2"
    assert_one_line_error(run_subprocess("matrix", "--toolkit", "not-a-version", env=_env()), 2, "not-a-version")
