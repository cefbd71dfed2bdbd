"""The version matrices through the public API, checked cell by cell against the manuals.

Expected values are transcribed here from the documents themselves, not from matrices/:

* TS 1.3.2 CN (rockchip-linux/rknn-toolkit v1.3.2, doc/) section 1.7.2 (component table),
  section 1.3.1 (framework table) and its note 4 (ONNX table);
* TS 1.7.5 Table 8-1 (rows 1.4.0-1.7.5, driver typos read as the data file's comments say)
  and UG 1.7.5 Tables 1-2/1-3.
"""

from __future__ import annotations

import shutil

import pytest
from manual_tables import (
    FRAMEWORK_KEYS,
    MANUAL_COMPONENTS,
    MANUAL_FRAMEWORKS,
    MANUAL_ONNX,
    NS,
    REPO_MATRICES,
    TF_1,
    TFL,
)

from rknn_compat.errors import MatrixError, UsageError
from rknn_compat.tables import ENV_VAR, load
from rknn_compat.versions import VersionError, parse_version

# later editions (facts 2.1): 1.6.0 -> 11 -> 6, 1.7.0 -> 12 -> 7
LATER_ONNX = {"1.6.0": (11, 6), "1.7.0": (12, 7)}

# ---------------------------------------------------------------- TS 1.7.5 Table 8-1 (facts 1.1)
# Printed typos, read as the data file comments say: 6.3.3.3718 / 6.3.3.03718 -> 6.3.3:203718,
# 6.4.0.7915 / 6.4.0.27915 -> 6.4.0.227915.
TABLE_8_1 = {
    "1.0.0": ("0.9.6/0.9.7", "6.3.3.3718", "0.9.8/0.9.9"),
    "1.1.0": ("0.9.8", "6.3.3.03718", "1.0.0"),
    "1.2.0": ("0.9.9", "6.4.0.213404", "1.1.0"),
    "1.2.1": ("1.2.0", "6.4.0.213404", "1.2.0"),
    "1.3.0": ("1.3.0", "6.4.0.227915", "1.3.0"),
    "1.3.2": ("1.3.2", "6.4.0.7915", "1.3.2"),
    "1.4.0": ("1.4.0", "6.4.0.27915", "1.4.0"),
    "1.6.0": ("1.6.0", "6.4.3.5.293908", "1.6.0"),
    "1.6.1": ("1.6.1", "6.4.3.5.293908", "1.6.1"),
    "1.7.0": ("1.7.0", "6.4.6.5.351518", "1.7.0"),
    "1.7.1": ("1.7.1", "6.4.6.5.351518", "1.7.1"),
    "1.7.3": ("1.7.3", "6.4.6.5.351518", "1.7.3"),
    "1.7.5": ("1.7.5", "6.4.6.5.351518", "1.7.5"),
}
TYPO_READING = {
    "6.3.3.3718": "6.3.3:203718",
    "6.3.3.03718": "6.3.3:203718",
    "6.4.0.7915": "6.4.0.227915",
    "6.4.0.27915": "6.4.0.227915",
}

# ---------------------------------------------------------------- UG 1.7.5 Tables 1-2/1-3 (facts 2.1)
# toolkit: TensorFlow, TF Lite, Caffe, ONNX, Darknet, PyTorch, MXNet, Keras
TF_2 = ">=1.10.0, <=2.0.0"
TF_22 = ">=1.10.0, <=2.2.0"
MX = ">=1.4.0, <=1.5.1"
KERAS = ">=2.1.6-tf"
UG_FRAMEWORKS = {
    "1.4.0": (TF_1, TFL, "1.0", "1.4.1", "810d7f7", ">=1.0.0, <=1.2.0", MX, NS),
    "1.6.0": (TF_2, TFL, "1.0", "1.6.0", "810d7f7", ">=1.0.0, <=1.6.0", MX, KERAS),
    "1.6.1": (TF_2, TFL, "1.0", "1.6.0", "810d7f7", ">=1.0.0, <=1.6.0", MX, KERAS),
    "1.7.0": (TF_2, TFL, "1.0", "1.6.0", "810d7f7", ">=1.0.0, <=1.6.0", MX, KERAS),
    "1.7.1": (TF_2, TFL, "1.0", "1.6.0", "810d7f7", ">=1.5.1, <=1.9.0", MX, KERAS),
    "1.7.3": (TF_22, TFL, "1.0", "1.6.0", "810d7f7", ">=1.5.1, <=1.10.0", MX, KERAS),
    "1.7.5": (TF_22, TFL, "1.0", "1.7.0", "810d7f7", ">=1.5.1, <=1.10.0", MX, KERAS),
}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def m():
    return load(REPO_MATRICES)


def _versions(spec_text):
    return [parse_version(p) for p in spec_text.split("/")]


def _labels(releases):
    return [(str(r.toolkit), r.generation) for r in releases]


# ================================================================ component table (1.7.2)


@pytest.mark.parametrize("toolkit", list(MANUAL_COMPONENTS))
def test_component_table_1_7_2(m, toolkit):
    rel = m.release(toolkit)
    assert str(rel.toolkit) == toolkit
    assert rel.generation == "rknpu1"
    for comp, cell in zip(("rknn_server", "npu_driver", "librknn_runtime"),
                          MANUAL_COMPONENTS[toolkit]):
        req = rel.components[comp]
        # stored exactly as the manual prints it ...
        assert req.accepts.printed == cell, (toolkit, comp)
        # ... normalised to the same versions ...
        assert req.accepts.normalised() == [str(v) for v in _versions(cell)]
        # ... and admitting exactly what the cell says
        for v in _versions(cell):
            assert req.admits(v), (toolkit, comp, cell)
        assert req.minimum is None
    assert rel.components["librknn_runtime"].library == "librknn_runtime.so"
    cite = rel.cites["components"]
    assert cite.source.id == "ts-1.3.2-cn"
    assert cite.section == "1.7.2"


def test_component_table_has_no_extra_1_x_rows_up_to_1_3_2(m):
    upto = [str(r.toolkit) for r in m.releases
            if r.generation == "rknpu1" and r.toolkit.sort_key() <= parse_version("1.3.2").sort_key()]
    assert upto == list(MANUAL_COMPONENTS)


def test_component_cells_reject_neighbouring_versions(m):
    # 1.0.0 accepts 0.9.6/0.9.7, not 0.9.8 (which is 1.1.0's)
    rel = m.release("1.0.0")
    assert not rel.components["rknn_server"].admits(parse_version("0.9.8"))
    assert not rel.components["npu_driver"].admits(parse_version("6.4.0.213404"))
    assert not m.release("1.2.0").components["npu_driver"].admits(parse_version("6.4.0, 227915"))


# ================================================================ framework table (1.3.1)


@pytest.mark.parametrize("toolkit", list(MANUAL_FRAMEWORKS))
def test_framework_table_1_3_1(m, toolkit):
    rel = m.release(toolkit)
    cells = dict(zip(FRAMEWORK_KEYS, MANUAL_FRAMEWORKS[toolkit]))
    for key, expected in cells.items():
        assert rel.frameworks[key] == expected, (toolkit, key)
    cite = rel.cites["frameworks"]
    assert cite.source.id == "ts-1.3.2-cn"
    assert cite.section == "1.3.1"
    # the 1.3.1 table has no Keras column; the cell comes from UG 1.7.5 and says so
    assert rel.frameworks["keras"] == NS
    assert any("Keras" in n and "ug-1.7.5-en" in n for n in rel.notes)


def test_caffe_artefact_for_1_3_2_is_noted(m):
    notes = " ".join(m.release("1.3.2").notes)
    assert "Caffe" in notes and "1.0" in notes


# ================================================================ ONNX table (1.3.1 note 4)


@pytest.mark.parametrize("release", list(MANUAL_ONNX) + list(LATER_ONNX))
def test_onnx_release_opset_ir(m, release):
    opset, ir = {**MANUAL_ONNX, **LATER_ONNX}[release]
    rows = [r for r in m.onnx if str(r.release) == release]
    assert len(rows) == 1
    assert (rows[0].opset, rows[0].ir) == (opset, ir)
    if release in MANUAL_ONNX:
        assert rows[0].cite.source.id == "ts-1.3.2-cn"
        assert rows[0].cite.section == "1.3.1 note 4"


def test_onnx_table_has_exactly_the_documented_rows(m):
    assert sorted(str(r.release) for r in m.onnx) == sorted({**MANUAL_ONNX, **LATER_ONNX})


@pytest.mark.parametrize("toolkit", list(MANUAL_FRAMEWORKS) + list(UG_FRAMEWORKS))
def test_each_release_links_its_onnx_row(m, toolkit):
    rel = m.release(toolkit)
    onnx_release = rel.frameworks["onnx"]
    opset, ir = {**MANUAL_ONNX, **LATER_ONNX}[onnx_release]
    assert str(rel.onnx.release) == onnx_release
    assert (rel.onnx.opset, rel.onnx.ir) == (opset, ir)
    assert "onnx" in rel.cites


# ================================================================ later rows 1.4.0-1.7.5


@pytest.mark.parametrize("toolkit", list(TABLE_8_1))
def test_table_8_1_of_ts_1_7_5(m, toolkit):
    rel = m.release(toolkit)
    for comp, printed in zip(("rknn_server", "npu_driver", "librknn_runtime"), TABLE_8_1[toolkit]):
        read_as = TYPO_READING.get(printed, printed)
        req = rel.components[comp]
        for v in _versions(read_as):
            assert req.admits(v), (toolkit, comp, printed, read_as)
        assert [str(v) for v in req.accepts.versions] == [str(v) for v in _versions(read_as)]


@pytest.mark.parametrize("toolkit", ["1.0.0", "1.1.0", "1.3.2", "1.4.0"])
def test_typo_driver_cells_carry_a_note_with_the_printed_typo(m, toolkit):
    printed = TABLE_8_1[toolkit][1]
    assert printed in TYPO_READING
    notes = " ".join(m.release(toolkit).notes)
    assert printed in notes


@pytest.mark.parametrize("toolkit", list(UG_FRAMEWORKS))
def test_framework_rows_of_ug_1_7_5(m, toolkit):
    rel = m.release(toolkit)
    cells = dict(zip((*FRAMEWORK_KEYS, "keras"), UG_FRAMEWORKS[toolkit]))
    for key, expected in cells.items():
        assert rel.frameworks[key] == expected, (toolkit, key)


def test_there_is_no_toolkit_1_5(m):
    assert [str(r.toolkit) for r in m.releases if r.generation == "rknpu1"] == list(TABLE_8_1)


@pytest.mark.parametrize(
    "toolkit,words",
    [
        ("1.7.5", ["ONNX", "1.7.0", "1.10.0"]),  # UG 1.7.5 says 1.7.0, TS 1.7.5 says 1.10.0
        ("1.7.1", ["PyTorch", ">=1.5.0", ">=1.5.1"]),  # TS 1.7.1 vs TS/UG 1.7.3+
        ("1.3.2", ["6.4.0.7915"]),
        ("1.4.0", ["6.4.0.27915"]),
        ("1.0.0", ["6.3.3.3718", "6.3.3.2, 22133405"]),
        ("1.1.0", ["6.3.3.03718", "6.3.3.2, 28225a"]),
        ("1.2.0", ["6.4.0, 67399c4"]),
        ("1.2.1", ["6.4.0, 5c7e2cbd"]),
    ],
)
def test_disputed_cells_carry_a_note(m, toolkit, words):
    notes = " ".join(m.release(toolkit).notes)
    for w in words:
        assert w in notes, (toolkit, w)


# ================================================================ sources


def test_every_row_cites_document_edition_and_section(m):
    assert m.releases
    for rel in m.releases:
        assert "components" in rel.cites and "frameworks" in rel.cites, rel.toolkit
        for what, cite in rel.cites.items():
            assert cite.source.title.strip(), (rel.toolkit, what)
            assert cite.source.edition.strip(), (rel.toolkit, what)
            assert cite.section.strip(), (rel.toolkit, what)
            text = str(cite)
            assert cite.source.title in text and cite.section in text
            assert set(cite.to_dict()) == {"id", "document", "edition", "section", "location"}
    for row in m.onnx:
        assert row.cite.source.title and row.cite.source.edition and row.cite.section
    for p in m.platforms.values():
        assert p.cite.source.title and p.cite.source.edition and p.cite.section


# ================================================================ look-ups


def test_unknown_version_names_nearest_known(m):
    with pytest.raises(UsageError) as info:
        m.release("1.5.0")
    msg = str(info.value)
    assert "1.5.0" in msg and "1.4.0" in msg and "1.6.0" in msg
    assert "\n" not in msg


def test_unknown_version_below_and_above_everything(m):
    with pytest.raises(UsageError, match="1.0.0"):
        m.release("0.1")
    with pytest.raises(UsageError, match="1.7.5"):
        m.release("9.9.9")
    with pytest.raises(UsageError, match="2.3.2"):
        m.release("2.4.0", "rknpu2")


def test_bad_version_is_a_version_error(m):
    with pytest.raises(VersionError, match="abc"):
        m.release("abc")


def test_release_accepts_any_spelling(m):
    assert str(m.release("v1.3.2").toolkit) == "1.3.2"
    assert str(m.release("1.3.2 (f113d64 build: 2020-04-23 09:35:26)").toolkit) == "1.3.2"
    assert str(m.release(parse_version("1.3")).toolkit) == "1.3.0"


def test_generation_split_for_shared_numbers(m):
    one = m.release("1.6.0")
    two = m.release("1.6.0", "rknpu2")
    assert one is not two
    assert one.generation == "rknpu1" and two.generation == "rknpu2"
    assert one.components["npu_driver"].accepts.normalised() == ["6.4.3.5.293908"]
    assert two.components["npu_driver"].accepts is None
    assert str(two.components["npu_driver"].minimum) == "0.9.2"
    assert one.components["librknn_runtime"].library == "librknn_runtime.so"
    assert two.components["librknn_runtime"].library == "librknnrt.so"
    # 2.x exists only as Toolkit2
    with pytest.raises(UsageError):
        m.release("2.3.2")
    assert m.release("2.3.2", "rknpu2").generation == "rknpu2"


GALCORE_LOOKUPS = [
    # shared
    ("6.4.0.227915", ["1.3.0", "1.3.2", "1.4.0"]),
    ("6.4.0, 227915", ["1.3.0", "1.3.2", "1.4.0"]),
    ("$VERSION$6.4.0:227915$", ["1.3.0", "1.3.2", "1.4.0"]),
    ("6.3.3:203718", ["1.0.0", "1.1.0"]),
    ("6.4.0.213404", ["1.2.0", "1.2.1"]),
    ("6.4.3.5.293908", ["1.6.0", "1.6.1"]),
    ("$VERSION$6.4.6:351518$", ["1.7.0", "1.7.1", "1.7.3", "1.7.5"]),
    # none
    ("6.4.3.p2.336687", []),
    ("6.4.0.27915", []),  # TS 1.6.0+ typo read literally (build 27915)
    ("6.3.3:3718", []),
]


@pytest.mark.parametrize("version,expected", GALCORE_LOOKUPS)
def test_reverse_lookup_npu_driver_rknpu1_rows(m, version, expected):
    found = [r for r in m.toolkits_for("npu_driver", version) if r.generation == "rknpu1"]
    assert _labels(found) == [(t, "rknpu1") for t in expected]


@pytest.mark.parametrize("version,expected", GALCORE_LOOKUPS[:1] + GALCORE_LOOKUPS[-3:])
def test_reverse_lookup_npu_driver_complete_answer(m, version, expected):
    found = m.toolkits_for("npu_driver", version)
    assert _labels(found) == [(t, "rknpu1") for t in expected]


@pytest.mark.parametrize(
    "component,version,expected",
    [
        # unique
        ("rknn_server", "0.9.7", ["1.0.0"]),
        ("rknn_server", "0.9.6", ["1.0.0"]),
        ("rknn_server", "0.9.8", ["1.1.0"]),
        ("rknn_server", "1.3.2 (f113d64 build: 2020-04-23 09:35:26)", ["1.3.2"]),
        ("librknn_runtime", "0.9.9", ["1.0.0"]),
        ("librknn_runtime", "1.1.0", ["1.2.0"]),
        # none
        ("rknn_server", "1.3.4", []),
        ("librknn_runtime", "1.3.4", []),
    ],
)
def test_reverse_lookups(m, component, version, expected):
    found = m.toolkits_for(component, version)
    assert _labels(found) == [(t, "rknpu1") for t in expected]


def test_reverse_lookup_spans_generations(m):
    found = _labels(m.toolkits_for("rknn_server", "1.6.0"))
    assert found == [("1.6.0", "rknpu1"), ("1.6.0", "rknpu2")]


def test_reverse_lookup_unknown_component(m):
    with pytest.raises(UsageError, match="galcore"):
        m.toolkits_for("galcore", "6.4.0")


def test_platform_generation(m):
    assert m.generation_of("rk1808") == "rknpu1"
    assert m.generation_of("RK3588") == "rknpu2"
    assert m.generation_of(None) is None
    assert m.generation_of("nope") is None


# ================================================================ directory selection


def _copy(tmp_path, name="m"):
    dst = tmp_path / name
    shutil.copytree(REPO_MATRICES, dst)
    return dst


def _mark(directory, server="9.9.9"):
    """Change 1.3.2's rknn_server so we can tell which directory was loaded."""
    path = directory / "components.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('rknn_server = "1.3.2"', f'rknn_server = "{server}"'),
                    encoding="utf-8")


def test_default_directory_is_the_packaged_one():
    assert load().directory == load(REPO_MATRICES).directory


def test_env_var_selects_directory(tmp_path, monkeypatch):
    d = _copy(tmp_path)
    _mark(d)
    monkeypatch.setenv(ENV_VAR, str(d))
    got = load()
    assert got.directory == d.resolve()
    assert got.release("1.3.2").components["rknn_server"].accepts.normalised() == ["9.9.9"]


def test_explicit_directory_selects_and_wins_over_env(tmp_path, monkeypatch):
    env_dir, arg_dir = _copy(tmp_path, "env"), _copy(tmp_path, "arg")
    _mark(env_dir, "8.8.8")
    _mark(arg_dir, "7.7.7")
    monkeypatch.setenv(ENV_VAR, str(env_dir))
    got = load(str(arg_dir))
    assert got.directory == arg_dir.resolve()
    assert got.release("1.3.2").components["rknn_server"].accepts.normalised() == ["7.7.7"]
    assert load(arg_dir) is got  # cached per directory


def test_env_var_pointing_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "absent"))
    with pytest.raises(MatrixError, match="absent"):
        load()


def test_directory_argument_pointing_nowhere(tmp_path):
    with pytest.raises(MatrixError, match="not a directory"):
        load(tmp_path / "absent")


# ================================================================ hostile matrix directories


def _edit_row(directory, filename, table, index, edit):
    """Apply ``edit`` (str -> str) to the ``index``-th (1-based) [[table]] block of a file."""
    path = directory / filename
    head = f"[[{table}]]"
    parts = path.read_text(encoding="utf-8").split(head)
    assert len(parts) > index, f"{filename} has fewer than {index} [[{table}]] rows"
    parts[index] = edit(parts[index])
    path.write_text(head.join(parts), encoding="utf-8")


def _replace_line(key, new):
    """Edit: replace the ``key = ...`` line of a block by ``new`` (None deletes it)."""

    def edit(block):
        lines = block.split("\n")
        hits = [i for i, ln in enumerate(lines) if ln.split("=")[0].strip() == key]
        assert hits, f"no {key} line in block"
        if new is None:
            del lines[hits[0]]
        else:
            lines[hits[0]] = new
        return "\n".join(lines)

    return edit


def _add_line(line):
    return lambda block: block.replace("\n", "\n" + line + "\n", 1)


def _write(filename, data):
    def breaker(d):
        p = d / filename
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")

    return breaker


def _row(filename, table, index, edit):
    return lambda d: _edit_row(d, filename, table, index, edit)


def _delete(filename):
    return lambda d: (d / filename).unlink()


def _non_utf8(filename):
    def breaker(d):
        p = d / filename
        p.write_bytes(p.read_bytes().replace(b"1.2.0", b"1.2\xff\xfe.0", 1))

    return breaker


# (id, breaker, file named, row named or None, reason words)
HOSTILE = [
    ("invalid-toml", _write("components.toml", '[[release]\ntoolkit = "1.0.0"\n'),
     "components.toml", "line 1", ["invalid TOML"]),
    ("invalid-toml-value", _row("components.toml", "release", 3, _add_line("oops = ")),
     "components.toml", "line", ["invalid TOML"]),
    ("empty-file", _write("components.toml", ""), "components.toml", None, ["no [[release]] rows"]),
    ("comment-only-file", _write("onnx.toml", "# nothing\n"), "onnx.toml", None, ["no [[onnx]] rows"]),
    ("missing-field", _row("components.toml", "release", 3, _replace_line("npu_driver", None)),
     "components.toml", "release 3", ["missing", "npu_driver"]),
    ("missing-field-frameworks",
     _row("frameworks.toml", "release", 3, _replace_line("darknet", None)),
     "frameworks.toml", "release 3", ["missing", "darknet"]),
    ("unknown-field", _row("components.toml", "release", 3, _add_line('galcore = "6.4.0"')),
     "components.toml", "release 3", ["unknown field", "galcore"]),
    ("unknown-table", _write("onnx.toml", '[[onnx]]\nrelease = "1.3.0"\n[extra]\nx = 1\n'),
     "onnx.toml", None, ["unknown table", "extra"]),
    ("table-not-array", _write("onnx.toml", '[onnx]\nrelease = "1.3.0"\n'),
     "onnx.toml", None, ["array of tables"]),
    ("duplicate-toolkit", _row("components.toml", "release", 3,
                               _replace_line("toolkit", 'toolkit = "1.1.0"')),
     "components.toml", "release 3", ["duplicate", "1.1.0"]),
    ("duplicate-toolkit-frameworks", _row("frameworks.toml", "release", 3,
                                          _replace_line("toolkit", 'toolkit = "v1.1.0"')),
     "frameworks.toml", "release 3", ["duplicate", "1.1.0"]),
    ("duplicate-onnx", _row("onnx.toml", "onnx", 2, _replace_line("release", 'release = "1.3.0"')),
     "onnx.toml", "onnx 2", ["duplicate", "1.3.0"]),
    ("duplicate-source", _row("sources.toml", "source", 3,
                              _replace_line("id", 'id = "ts-1.3.2-cn"')),
     "sources.toml", "source 3", ["duplicate", "ts-1.3.2-cn"]),
    ("version-abc", _row("components.toml", "release", 3, _replace_line("toolkit", 'toolkit = "abc"')),
     "components.toml", "release 3", ["toolkit", "not a version", "abc"]),
    ("version-abc-in-cell", _row("components.toml", "release", 3,
                                 _replace_line("rknn_server", 'rknn_server = "0.9.9/abc"')),
     "components.toml", "release 3", ["rknn_server", "abc"]),
    ("version-abc-onnx-cell", _row("frameworks.toml", "release", 3,
                                   _replace_line("onnx", 'onnx = "abc"')),
     "frameworks.toml", "release 3", ["onnx", "abc"]),
    ("darknet-not-a-commit", _row("frameworks.toml", "release", 3,
                                  _replace_line("darknet", 'darknet = "latest"')),
     "frameworks.toml", "release 3", ["darknet", "latest"]),
    ("wrong-type-number", _row("components.toml", "release", 3,
                               _replace_line("toolkit", "toolkit = 1.2")),
     "components.toml", "release 3", ["toolkit", "must be a str", "1.2"]),
    ("wrong-type-int-for-str", _row("components.toml", "release", 3,
                                    _replace_line("rknn_server", "rknn_server = 99")),
     "components.toml", "release 3", ["rknn_server", "must be a str"]),
    ("wrong-type-str-for-int", _row("onnx.toml", "onnx", 2, _replace_line("opset", 'opset = "9"')),
     "onnx.toml", "onnx 2", ["opset", "must be a int"]),
    ("wrong-type-bool-for-int", _row("onnx.toml", "onnx", 2, _replace_line("ir", "ir = true")),
     "onnx.toml", "onnx 2", ["ir", "True"]),
    ("wrong-type-notes", _row("components.toml", "release", 3,
                              _replace_line("notes", 'notes = "just a string"')),
     "components.toml", "release 3", ["notes", "must be a list"]),
    ("wrong-type-notes-items", _row("components.toml", "release", 3,
                                    _replace_line("notes", "notes = [1, 2]")),
     "components.toml", "release 3", ["notes", "list of strings"]),
    ("empty-string", _row("components.toml", "release", 3,
                          _replace_line("librknn_runtime", 'librknn_runtime = "  "')),
     "components.toml", "release 3", ["librknn_runtime", "empty"]),
    ("undefined-source", _row("components.toml", "release", 3,
                              _replace_line("source", 'source = "ts-9.9.9"')),
     "components.toml", "release 3", ["ts-9.9.9", "not defined"]),
    ("undefined-source-onnx", _row("onnx.toml", "onnx", 2,
                                   _replace_line("source", 'source = "nowhere"')),
     "onnx.toml", "onnx 2", ["nowhere", "not defined"]),
    ("frameworks-row-without-components", _row("frameworks.toml", "release", 3,
                                               _replace_line("toolkit", 'toolkit = "1.5.0"')),
     "frameworks.toml", "release 3", ["1.5.0", "no row for this toolkit in components.toml"]),
    ("missing-sources", _delete("sources.toml"), "sources.toml", None, ["missing"]),
    ("missing-components", _delete("components.toml"), "components.toml", None, ["missing"]),
    ("missing-frameworks", _delete("frameworks.toml"), "frameworks.toml", None, ["missing"]),
    ("missing-onnx", _delete("onnx.toml"), "onnx.toml", None, ["missing"]),
    ("non-utf8", _non_utf8("frameworks.toml"), "frameworks.toml", None, ["cannot read", "utf-8"]),
    ("non-utf8-whole-file", _write("components.toml", b"\xff\xfe\x00[\x00[\x00"),
     "components.toml", None, ["cannot read"]),
    ("toolkit2-version-abc", _row("toolkit2.toml", "release", 3,
                                  _replace_line("npu_driver_min", 'npu_driver_min = "abc"')),
     "toolkit2.toml", "release 3", ["npu_driver_min", "abc"]),
    ("toolkit2-invalid-toml", _write("toolkit2.toml", "release = [\n"),
     "toolkit2.toml", None, ["invalid TOML"]),
    ("platform-bad-generation", _row("platforms.toml", "platform", 3,
                                     _replace_line("generation", 'generation = "rknpu3"')),
     "platforms.toml", "platform 3", ["generation", "rknpu3"]),
    ("platform-duplicate-soc", _row("platforms.toml", "platform", 3,
                                    _replace_line("soc", 'soc = "rk1808"')),
     "platforms.toml", "platform 3", ["duplicate", "rk1808"]),
]


@pytest.mark.parametrize("case", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_matrix_raises_matrix_error_naming_file_row_and_reason(tmp_path, case):
    _, breaker, filename, row, words = case
    d = _copy(tmp_path)
    breaker(d)
    with pytest.raises(MatrixError) as info:
        load(d)
    msg = str(info.value)
    assert str(d / filename) in msg
    if row:
        assert row in msg
    for w in words:
        assert w in msg, (msg, w)
    assert "\n" not in msg  # the CLI prints it as one line


def test_optional_files_may_be_absent(tmp_path):
    d = _copy(tmp_path)
    (d / "toolkit2.toml").unlink()
    (d / "platforms.toml").unlink()
    got = load(d)
    assert all(r.generation == "rknpu1" for r in got.releases)
    assert got.platforms == {}
    with pytest.raises(UsageError):
        got.release("1.6.0", "rknpu2")


def test_pristine_copy_loads(tmp_path):
    d = _copy(tmp_path)
    assert _labels(load(d).releases) == _labels(load(REPO_MATRICES).releases)


def test_duplicate_toolkit_in_another_spelling_is_rejected(tmp_path):
    d = _copy(tmp_path)
    for name in ("components.toml", "frameworks.toml"):
        _edit_row(d, name, "release", 3, _replace_line("toolkit", 'toolkit = "1.1"'))
    with pytest.raises(MatrixError) as info:
        load(d)
    assert "release 3" in str(info.value) and "duplicate" in str(info.value)


def test_duplicate_onnx_release_in_another_spelling_is_rejected(tmp_path):
    d = _copy(tmp_path)
    _edit_row(d, "onnx.toml", "onnx", 2, _replace_line("release", 'release = "1.3"'))
    with pytest.raises(MatrixError) as info:
        load(d)
    assert "onnx 2" in str(info.value) and "duplicate" in str(info.value)


@pytest.mark.parametrize("cell", ['npu_driver = "6.4.0:²"', f'npu_driver = "{"9" * 5000}"'],
                         ids=["superscript", "huge"])
def test_version_that_crashes_the_parser_is_still_a_matrix_error(tmp_path, cell):
    d = _copy(tmp_path)
    _edit_row(d, "components.toml", "release", 3, _replace_line("npu_driver", cell))
    with pytest.raises(MatrixError) as info:
        load(d)
    assert "release 3" in str(info.value)
