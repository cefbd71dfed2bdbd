"""`rknn-compat matrix`: its stdout, stderr and exit code (in-process; a few runs as a subprocess).

JSON shape of ``matrix --toolkit 1.3.2 --format json`` (the stable contract)::

    {"releases": [{
        "toolkit": "1.3.2",                 # normalised version
        "generation": "rknpu1",             # rknpu1 = RKNN Toolkit 1.x, rknpu2 = RKNN-Toolkit2
        "label": "1.3.2",                   # "toolkit2-2.3.2", "rknpu-1.5.0" (board release)
        "kind": "toolkit",                  # "toolkit" | "board" | "derived"
        "released": "2020-04-02" | null,    # sources.released says where the date is printed
        "components": {
            "rknn_server" | "npu_driver" | "librknn_runtime": {
                "accepts": ["6.4.0.227915"],   # normalised versions the cell admits
                "printed": "6.4.0, 227915",    # the cell as the cited document prints it
                "minimum": null,               # ">= version" rows (Toolkit2 driver) instead
                "recommended": false,          # true: advice (a warning), never a mismatch
                "stated": true,                # false: no document states a requirement
                "published": true,             # false: no board binary of it was released
                "library": null | "librknn_runtime.so" | "librknnrt.so",
                "aliases": [str], "commits": [str]}},
        "frameworks": {"tensorflow": str, "tflite": str, "caffe": str,
                       "onnx": {"release": "1.4.1", "opset": 9, "ir": 3},
                       "darknet": str, "pytorch": str, "mxnet": str, "keras": str},
        "pins": {package: spec}, "python": [str], "aliases": [str], "socs": [str],
        "notes": [str, ...],
        "sources": {"components" | "frameworks" | "onnx" | "binaries" | "released" | ...:
                    {"id", "document", "edition", "section", "location"[, "file", "sha256"]}}}],
     "board_releases": [...]}          # the full listing only

Reverse look-ups (``--driver`` etc.): ``{"query": {"component", "version", "product"},
"toolkits": [labels], "releases": [...], "board_releases": [...], "notes": [str]}``.
A release newer than the tables: ``{"newer_than_tables": {...}, "releases": [derived]}``, exit 3.
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

RELEASE_KEYS = ["toolkit", "generation", "label", "kind", "released", "components", "frameworks", "pins", "python",
                "aliases", "socs", "notes", "sources"]
REQUIREMENT_KEYS = {"accepts", "printed", "minimum", "recommended", "stated", "published", "library", "aliases",
                    "commits"}
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
    assert set(data) == {"schema_version", "releases", "board_releases"}
    assert all(r["kind"] == "board" for r in data["board_releases"])
    return {(r["toolkit"], r["generation"]): r for r in data["releases"]}


# ------------------------------------------------------------------ JSON shape


def test_toolkit_json_shape(one_json):
    assert set(one_json) == {"schema_version", "releases"}
    (rel,) = one_json["releases"]
    assert list(rel) == RELEASE_KEYS
    assert rel["toolkit"] == "1.3.2"
    assert rel["generation"] == "rknpu1"
    assert set(rel["components"]) == {"rknn_server", "npu_driver", "librknn_runtime"}
    for comp in rel["components"].values():
        assert set(comp) == REQUIREMENT_KEYS
        assert isinstance(comp["accepts"], list)
        assert comp["minimum"] is None
    assert rel["components"]["npu_driver"] == {
        "accepts": ["6.4.0.227915"], "printed": "6.4.0, 227915", "minimum": None, "library": None,
        "recommended": False, "stated": True, "published": True, "aliases": ["6.4.0.7915"], "commits": [],
    }
    assert rel["components"]["rknn_server"]["commits"] == ["f113d64", "7576518"]
    assert rel["released"] == "2020-04-02" and rel["label"] == "1.3.2" and rel["kind"] == "toolkit"
    assert rel["components"]["librknn_runtime"]["library"] == "librknn_runtime.so"
    assert set(rel["frameworks"]) >= set(FRAMEWORK_KEYS)
    assert rel["frameworks"]["onnx"] == {"release": "1.4.1", "opset": 9, "ir": 3}
    assert isinstance(rel["notes"], list) and all(isinstance(n, str) for n in rel["notes"])
    assert any("6.4.0.7915" in n for n in rel["notes"])  # TS 1.6.0+ driver typo flagged
    assert set(rel["sources"]) == {"components", "frameworks", "onnx", "binaries", "released", "aliases"}
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
    assert "1.4.1 (9 / 3)" in proc.stdout
    assert "ONNX (opset / supported IR)" in proc.stdout


def test_table_is_the_default_format():
    assert run("matrix", "--toolkit", "1.3.2").stdout == run(
        "matrix", "--toolkit", "1.3.2", "--format", "table").stdout


@pytest.mark.parametrize("args", [["--toolkit", "1.3.2"], []], ids=["one", "all"])
def test_csv_format(args, all_json):
    proc = run("matrix", *args, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == (1 if args else len(all_json) + 6)  # + the six board-only releases
    by_key = {(r["toolkit"], r["generation"]): r for r in rows}
    row = by_key[("1.3.2", "rknpu1")]
    assert row["rknn_server"] == "1.3.2"
    assert row["npu_driver"] == "6.4.0.227915"
    assert row["librknn_runtime"] == "1.3.2"
    assert row["tensorflow"] == TF_1
    assert row["onnx"] == "1.4.1 (9 / 3)"
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
    assert all(r.pop("schema_version") == "1" for r in records)  # every line is a document of its own
    if args:
        assert records == one_json["releases"]
    else:
        toolkits = {(r["toolkit"], r["generation"]): r for r in records if r["kind"] == "toolkit"}
        assert toolkits == all_json


# ------------------------------------------------------------------ reverse look-ups


def test_reverse_driver_lookup_in_manual_spelling():
    proc = run("matrix", "--driver", "6.4.0, 227915", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert list(data)[:3] == ["schema_version", "query", "toolkits"]
    assert data["query"] == {"component": "npu_driver", "version": "6.4.0.227915", "product": "rknpu1"}
    rknpu1 = [r["toolkit"] for r in data["releases"] if r["generation"] == "rknpu1"]
    assert rknpu1 == ["1.3.0", "1.3.2", "1.4.0"]


def test_reverse_driver_lookup_lists_only_rknpu1_toolkits():
    data = json.loads(run("matrix", "--driver", "6.4.0, 227915", "--format", "json").stdout)
    assert data["toolkits"] == ["1.3.0", "1.3.2", "1.4.0"]


def test_reverse_rknn_server_lookup():
    proc = run("matrix", "--rknn-server", "0.9.7", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["query"] == {"component": "rknn_server", "version": "0.9.7", "product": None}
    assert data["toolkits"] == ["1.0.0"]
    assert data["releases"][0]["components"]["rknn_server"]["printed"] == "0.9.6/0.9.7"


def test_reverse_lookup_labels_toolkit2_rows():
    data = json.loads(run("matrix", "--rknn-server", "1.6.0", "--format", "json").stdout)
    assert data["toolkits"] == ["1.6.0", "toolkit2-1.6.0"]


def test_reverse_lookup_without_match_exits_1_with_one_line():
    proc = run("matrix", "--runtime", "0.9.7")
    line = assert_one_line_error(proc, 1, "librknn_runtime", "0.9.7")
    assert "no toolkit" in line
    assert proc.stdout == ""


def test_reverse_lookup_without_match_json_still_describes_the_query():
    proc = run("matrix", "--runtime", "1.3.4", "--format", "json")
    assert_one_line_error(proc, 1, "1.3.4", "rknpu-1.3.4", "no toolkit release")
    data = json.loads(proc.stdout)
    assert data["query"] == {"component": "librknn_runtime", "version": "1.3.4", "product": None}
    assert data["toolkits"] == [] and data["releases"] == []
    assert [b["label"] for b in data["board_releases"]] == ["rknpu-1.3.4"]


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


# ------------------------------------------------------------------ issue 11: newer releases, names, platforms


def test_toolkit2_2_5_0_answers_from_cited_data():
    proc = run("matrix", "--toolkit2", "2.5.0", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (rel,) = json.loads(proc.stdout)["releases"]
    assert rel["label"] == "toolkit2-2.5.0" and rel["released"] == "2026-10-09"
    assert rel["components"]["rknn_server"]["accepts"] == ["2.5.0"]
    assert rel["components"]["npu_driver"]["minimum"] == "0.9.2" and rel["components"]["npu_driver"]["recommended"]
    assert rel["pins"]["torch"] == ">=1.10.1,<=2.4.0"
    wheel = rel["sources"]["binaries"]
    assert wheel["id"] == "pypi-toolkit2-2.5.0" and len(wheel["sha256"]) == 64 and wheel["file"].endswith(".whl")
    text = run("matrix", "--toolkit2", "2.5.0").stdout
    assert ">=0.9.2 (recommended)" in text and "pin onnx" in text


def test_release_newer_than_the_tables_is_derived_and_exits_3():
    proc = run("matrix", "--toolkit2", "9.9.9")
    assert proc.returncode == 3, proc.stderr
    assert "RKNN-Toolkit2 9.9.9 (derived)" in proc.stdout and "Derived, not a row" in proc.stdout
    lines = proc.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("rknn-compat: ")
    assert "which know up to 2.5.0, dated 2026-10-09" in lines[0] and "--matrices" in lines[0]
    data = json.loads(run("matrix", "--toolkit2", "9.9.9", "--format", "json").stdout)
    assert data["newer_than_tables"]["known_up_to"] == "2.5.0"
    assert data["releases"][0]["kind"] == "derived"
    assert data["releases"][0]["components"]["librknn_runtime"]["accepts"] == ["9.9.9"]


@pytest.mark.parametrize("option", ["--toolkit", "--toolkit2", "--rknn-server", "--driver", "--runtime", "--platform"])
@pytest.mark.parametrize("value", ["", "  "])
def test_empty_value_is_a_usage_error(option, value, capsys):
    from rknn_compat import cli

    assert cli.main(["matrix", option, value]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "empty" in err and err.count("\n") == 1


@pytest.mark.parametrize("name", ["2.0.0b0", "2.0.0-beta0", "2.1.0+708089d1"])
def test_toolkit2_by_the_names_it_ships_under(name, capsys):
    from rknn_compat import cli

    assert cli.main(["matrix", "--toolkit2", name, "--format", "json"]) == 0
    label = json.loads(capsys.readouterr().out)["releases"][0]["label"]
    assert label in ("toolkit2-2.0.0b0", "toolkit2-2.1.0")


def test_toolkit_number_of_the_other_product_names_it(capsys):
    from rknn_compat import cli

    assert cli.main(["matrix", "--toolkit", "2.3.2"]) == 2
    assert "--toolkit2 2.3.2" in capsys.readouterr().err


def test_platform_view(capsys):
    from rknn_compat import cli

    assert cli.main(["matrix", "--platform", "rv1106", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runtime_library"] == "librknnmrt.so" and data["rknn_server_since"] == "1.5.0"
    assert "small-memory-server-2.1.0" in [r["id"] for r in data["rules"]]
    assert cli.main(["matrix", "--platform", "RK3399Pro"]) == 0
    assert "NPU firmware" in capsys.readouterr().out
    assert cli.main(["matrix", "--platform", "RK9999"]) == 2
    assert "unknown SoC" in capsys.readouterr().err


def test_full_board_line_as_a_user_types_it():
    proc = run("matrix", "--runtime", "librknn_runtime version 1.7.5 (ccb93f1 build: 2023-07-18 10:48:49 base: 1131)",
               "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["toolkits"] == ["1.7.5"]


def test_the_readme_row_example_adds_a_release(tmp_path):
    readme = (REPO_MATRICES.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Adding a row"):]
    row = section[section.index("```toml\n") + len("```toml\n"):section.index("```\n", section.index("```toml"))]
    d = tmp_path / "m"
    shutil.copytree(REPO_MATRICES, d)
    with open(d / "toolkit2.toml", "a", encoding="utf-8") as fh:
        fh.write("\n" + row)
    with open(d / "sources.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[[source]]\nid = "my-notes"\ntitle = "notes"\nedition = "1"\nlocation = "here"\n')
    proc = run("matrix", "--toolkit2", "2.6.0", "--matrices", str(d), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rel = json.loads(proc.stdout)["releases"][0]
    assert rel["kind"] == "toolkit" and rel["components"]["rknn_server"]["commits"] == ["abc1234"]
    assert run("matrix", "--toolkit2", "2.6.0").returncode == 3  # the shipped tables stop at 2.5.0


def test_as_a_user_runs_it():
    """`python -m rknn_compat matrix`: the JSON on stdout, and a bad version as one line with exit 2."""
    ok = run_subprocess("matrix", "--toolkit", "1.3.2", "--format", "json", env=_env())
    assert ok.returncode == 0 and ok.json["releases"][0]["toolkit"] == "1.3.2"
    assert_one_line_error(run_subprocess("matrix", "--toolkit", "not-a-version", env=_env()), 2, "not-a-version")
