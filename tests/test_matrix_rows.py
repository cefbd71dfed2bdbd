"""The rows issue 11 added or corrected, cell by cell, against values transcribed from their sources.

Expected values are written here from the documents and binaries themselves, not from matrices/:

* Toolkit2 component cells: the version strings of the shipped binaries (rockchip-linux/rknpu2
  1346f96 .. f29bfee, airockchip/rknn-toolkit2 2c2d03d .. 42aa1d4) under the rule of Quick Start
  1.6.0 section 3.4.2 (server = runtime = toolkit); driver ">= 0.9.2" recommended from QS 1.6.0 3.4.1;
* the PyPI wheels rknn-toolkit2 2.2.0 / 2.2.1 / 2.3.0 / 2.3.2 / 2.5.0 (METADATA Requires-Dist,
  rknn/VERSION, librknn_api.so strings) and rknn-toolkit-lite2 2.5.0;
* rockchip-linux/rknpu binaries at fae5532, 81fa614, 4b57141, c4c616f/9d8eaa7, 7deb7a8, ae933da
  (board releases without a toolkit); API reference 2.3.2 section 1.1 (RK2118, RV1106B);
  rknn_server_proxy.md 2.2 (three rules); airockchip/RK3399Pro_npu history (firmware).
"""

from __future__ import annotations

import pytest
from manual_tables import REPO_MATRICES

from rknn_compat.tables import load
from rknn_compat.versions import parse_version

# toolkit2 -> (rknn_server, runtime, a commit of each shipped binary or None, driver minimum or None)
TOOLKIT2 = {
    "1.0.0": (None, "1.0.0", None, "454a7218", None),  # no rknn_server until 1.1.0 (CHANGELOG v1.1.0)
    "1.1.0": ("1.1.0", "1.1.0", None, None, None),  # no 1.1.0 binaries in rknpu2 (issue #5)
    "1.2.0": ("1.2.0", "1.2.0", "4c3573e", "9db21b35d", None),
    "1.3.0": ("1.3.0", "1.3.0", "121b661", "c193be371", None),
    "1.4.0": ("1.4.0", "1.4.0", "bb6dac9", "a10f100eb", None),  # no driver before QS 1.6.0
    "1.4.2": ("1.4.2", "1.4.2", None, None, None),
    "1.5.0": ("1.5.0", "1.5.0", "17e11b1", "e6fe0c678", None),
    "1.5.2": ("1.5.2", "1.5.2", "8babfea", "c6b7b351a", None),
    "1.6.0": ("1.6.0", "1.6.0", "535b468", "9a7b5d24c", "0.9.2"),
    "2.0.0b0": ("2.0.0b0", "2.0.0b0", "18eacd0", "35a6907d79", "0.9.2"),  # not "2.0.0"
    "2.1.0": ("2.1.0", "2.1.0", "6405676", "967d001cc8", "0.9.2"),
    "2.2.0": ("2.2.0", "2.2.0", "3e10681", "c195366594", "0.9.2"),
    "2.2.1": ("2.2.0", "2.2.0", "3e10681", None, "0.9.2"),  # wheel's librknn_api.so is 2.2.0 (3e10681)
    "2.3.0": ("2.3.0", "2.3.0", "e80ac5c", "c949ad889d", "0.9.2"),
    "2.3.2": ("2.3.2", "2.3.2", "1842325", "429f97ae6b", "0.9.2"),
    "2.5.0": ("2.5.0", "2.5.0", None, None, "0.9.2"),  # PyPI only; no board binaries public
}
# Requires-Dist of each wheel's METADATA (the packages the issue names)
PINS = {
    "2.2.0": {"onnx": "==1.14.1", "torch": ">=1.13.1,<=2.1.0", "numpy": "<=1.26.4", "protobuf": "==3.20.3"},
    "2.2.1": {"onnx": "==1.14.1", "torch": ">=1.10.1,<=2.1.0", "numpy": "<=1.26.4", "protobuf": "==3.20.3"},
    "2.3.0": {"onnx": ">=1.10.0", "torch": ">=1.10.1,<=2.4.0", "numpy": "<=1.26.4", "protobuf": ">=4.21.6,<=4.25.4"},
    "2.3.2": {"onnx": ">=1.16.1", "torch": ">=1.10.1,<=2.4.0", "numpy": "<=1.26.4", "protobuf": ">=4.21.6,<=4.25.4"},
    "2.5.0": {"onnx": ">=1.16.1,<=1.18.0", "onnxruntime": ">=1.17.0", "torch": ">=1.10.1,<=2.4.0",
              "numpy": "<=1.26.4", "protobuf": ">=4.21.6,<=4.25.4"},
}
WHEELS = {  # source id -> (file, sha256) as pip download saved them
    "pypi-toolkit2-2.5.0": ("rknn_toolkit2-2.5.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                            "7dead4048d60f9cf29dc6017cf0f1dbb30f5f1d4f227c5e2e6739d9fe3e5eec6"),
    "pypi-lite2-2.5.0": ("rknn_toolkit_lite2-2.5.0-cp310-cp310-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
                         "57a5a1f967ff88a1f933abc15a64cf11db37fb406c00cb610f20a566ec231161"),
    "pypi-toolkit2-2.2.1": ("rknn_toolkit2-2.2.1-cp38-cp38-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                            "dea5e64e98806708f2e363a7f797bc9f12c0aeb1f0ac023970d313e27af51136"),
}
# board release -> (rknn_server commit, runtime commit, galcore)
BOARD = {
    "1.3.1": ("6ebb4d7", "7c5d3d8", "6.4.0.227915"),
    "1.3.3": ("a5487cb", "2bf5770", "6.4.0.227915"),
    "1.3.4": ("399a00a", "c18633a", "6.4.0.227915"),
    "1.5.0": ("c719b66", "31b4f46", "6.4.3.5.293908"),
    "1.5.1": ("abdb818", "161f53f", "6.4.3.5.293908"),
    "1.5.2": ("e67e5cb", "ae50db3", "6.4.3.5.293908"),
}


@pytest.fixture(scope="module")
def m():
    return load(REPO_MATRICES)


def test_toolkit2_has_exactly_these_rows(m):
    assert [str(r.toolkit) for r in m.releases if r.generation == "rknpu2"] == list(TOOLKIT2)


@pytest.mark.parametrize("toolkit", list(TOOLKIT2))
def test_toolkit2_component_cells(m, toolkit):
    server, runtime, server_commit, runtime_commit, driver = TOOLKIT2[toolkit]
    rel = m.release(toolkit, "rknpu2")
    comps = rel.components
    for comp, want, commit in (("rknn_server", server, server_commit), ("librknn_runtime", runtime, runtime_commit)):
        req = comps[comp]
        assert (req.accepts.normalised() if req.stated else None) == ([want] if want else None), comp
        assert (commit in req.commits) if commit else True
    assert comps["librknn_runtime"].library == "librknnrt.so"
    drv = comps["npu_driver"]
    if driver is None:
        assert not drv.stated and drv.admits(parse_version("0.8.8"))  # no document: nothing to fail
        assert any("No document states a driver" in n for n in rel.notes) or toolkit == "1.4.2"
    else:
        assert str(drv.minimum) == driver and drv.recommended
        assert rel.cites["npu_driver"].source.id == "qs2-1.6.0-en"
    assert rel.cites["components"].source.id == "qs2-1.6.0-en"
    assert "3.4.2" in rel.cites["components"].section
    if server_commit or runtime_commit:
        assert rel.cites["binaries"].source.id.startswith(("toolkit2-binaries", "pypi-"))


def test_no_public_1_4_2_board_binaries(m):
    rel = m.release("1.4.2", "rknpu2")
    assert not rel.components["rknn_server"].published and not rel.components["librknn_runtime"].published
    assert any("No 1.4.2 rknn_server or librknnrt was ever published" in n for n in rel.notes)
    assert rel.released is None


@pytest.mark.parametrize("name", ["2.0.0b0", "2.0.0-beta0", "v2.0.0-beta0", "2.0.0"])
def test_2_0_0_is_2_0_0b0_by_every_name(m, name):
    assert str(m.release(name, "rknpu2").toolkit) == "2.0.0b0"


def test_toolkit_1_1_1_and_local_versions_find_their_row(m):
    assert str(m.release("1.1.1", "rknpu2").toolkit) == "1.1.0"
    assert str(m.release("2.1.0+708089d1", "rknpu2").toolkit) == "2.1.0"


def test_frameworks_cited_to_the_api_reference_and_absent_where_no_table(m):
    rel = m.release("2.0.0b0", "rknpu2")
    assert rel.frameworks["pytorch"] == "1.10.1~2.1.0" and rel.frameworks["onnx"] == "1.7.0~1.14.1"
    assert rel.cites["frameworks"].source.id == "apiref2-2.3.2-en"
    assert "2.0.0" in rel.cites["frameworks"].section
    for toolkit in ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.2.1", "2.5.0"):
        assert m.release(toolkit, "rknpu2").frameworks == {}, toolkit


@pytest.mark.parametrize("toolkit", list(PINS))
def test_wheel_pins(m, toolkit):
    rel = m.release(toolkit, "rknpu2")
    for package, spec in PINS[toolkit].items():
        assert rel.pins[package] == spec, package
    assert rel.cites["pins"].source.id == f"pypi-toolkit2-{toolkit}"


def test_2_5_0_answers_from_the_wheel(m):
    rel = m.release("2.5.0", "rknpu2")
    assert rel.python == ("3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12")
    assert rel.released == "2026-10-09"
    assert "rknn_server version is too old" in rel.cites["binaries"].section
    assert rel.cites["lite"].source.id == "pypi-lite2-2.5.0"
    assert m.newest("rknpu2") is rel
    assert m.horizon("rknpu2").describe() == "which know up to 2.5.0, dated 2026-10-09"


@pytest.mark.parametrize("source_id", list(WHEELS))
def test_wheels_are_cited_by_file_and_sha256(m, source_id):
    rel = next(r for r in m.releases if any(c.source.id == source_id for c in r.cites.values()))
    src = next(c.source for c in rel.cites.values() if c.source.id == source_id)
    assert (src.file, src.sha256) == WHEELS[source_id]


@pytest.mark.parametrize("board", list(BOARD))
def test_board_releases_without_a_toolkit(m, board):
    server_commit, runtime_commit, galcore = BOARD[board]
    row = next(r for r in m.board_releases if str(r.toolkit) == board)
    assert row.kind == "board" and row.label == f"rknpu-{board}" and row.generation == "rknpu1"
    assert row.components["rknn_server"].accepts.normalised() == [board]
    assert row.components["librknn_runtime"].accepts.normalised() == [board]
    assert row.components["npu_driver"].accepts.normalised() == [galcore]
    assert server_commit in row.components["rknn_server"].commits
    assert runtime_commit in row.components["librknn_runtime"].commits
    assert row.cites["components"].source.id == "rknpu-binaries"
    assert row not in m.releases  # never a toolkit row: the judge's releases stay toolkit releases


@pytest.mark.parametrize("soc,added,source", [("RK2118", "2.0.0b0", "toolkit2-changelog"),
                                              ("RV1106B", "2.2.0", "apiref2-2.3.2-en"),
                                              ("RK3562", "1.5.0", "toolkit2-changelog"),
                                              ("RK3576", "2.0.0b0", "toolkit2-changelog"),
                                              ("RV1103B", "2.1.0", "toolkit2-changelog"),
                                              ("RV1126B", "2.3.2", "toolkit2-changelog")])
def test_rknpu2_platforms_and_when_they_were_added(m, soc, added, source):
    p = m.platform(soc)
    assert p.generation == "rknpu2" and str(p.added) == added
    assert p.cite.source.id in ("apiref2-2.3.2-en", "ts-1.7.5")
    assert p.cites["added"].source.id == source


@pytest.mark.parametrize("soc", ["RV1103", "RV1106"])
def test_rv1103_rv1106_layout(m, soc):
    p = m.platform(soc)
    assert (p.runtime_library, p.runtime_dir, p.rknn_server_dir) == ("librknnmrt.so", "/oem/usr/lib", "/oem/usr/bin")
    assert str(p.rknn_server_since) == "1.5.0"
    assert p.cites["layout"].source.id == "rknn-server-proxy-2.3.2"


def test_rk3399pro_firmware_and_note_section(m):
    p = m.platform("RK3399Pro")
    assert [str(f.release) for f in p.firmware] == ["1.5.0", "1.7.0", "1.7.1", "1.7.3", "1.7.5"]
    assert str(p.firmware[0].npu_driver) == "6.4.3.5.293908"
    assert p.firmware[-1].cite.source.id == "rk3399pro-npu" and "8858114" in p.firmware[-1].cite.section
    assert "sections 4 and 5.1.1" in p.cites["notes"].section


def test_the_three_rknn_server_proxy_rules(m):
    rules = {r.id: r for r in m.rules}
    assert set(rules) == {"dynamic-shape-1.5.0", "model-over-2gb-2.0.0b0", "small-memory-server-2.1.0"}
    dyn, big, small = rules["dynamic-shape-1.5.0"], rules["model-over-2gb-2.0.0b0"], rules["small-memory-server-2.1.0"]
    assert (dyn.components, str(dyn.minimum), dyn.recommended) == (("rknn_server", "librknn_runtime"), "1.5.0", False)
    assert (big.components, str(big.minimum), big.recommended) == (("rknn_server",), "2.0.0b0", False)
    assert (small.socs, str(small.minimum), small.recommended) == (("RV1103", "RV1106", "RV1103B"), "2.1.0", True)
    assert all(r.cite.source.id == "rknn-server-proxy-2.3.2" for r in rules.values())
    assert small in m.rules_for("rknpu2", "rv1106") and small not in m.rules_for("rknpu2", "RK3588")


def test_onnx_1_4_1_ir_note_and_the_1_7_5_dispute(m):
    row = next(r for r in m.onnx if str(r.release) == "1.4.1")
    assert row.ir == 3 and "IR 4" in row.notes[0]
    rel = m.release("1.7.5")
    assert rel.frameworks["onnx"] == "1.10.0" and rel.onnx is None
    assert any("1.7.0" in n and "1.10.0" in n for n in rel.notes)


def test_usb_350a_names_rk3566_only():
    from rknn_compat.tables.usb_ids import known_usb_ids

    text = str(known_usb_ids(REPO_MATRICES)["350a"])
    assert "RK3566" in text and "RK3568 is not stated" in text


def test_rknpu1_rows_carry_release_dates_and_binaries(m):
    for rel in (r for r in m.releases if r.generation == "rknpu1"):
        assert rel.released and rel.cites["released"].source.id == "toolkit-changelog"
        assert rel.components["rknn_server"].commits and rel.cites["binaries"].source.id == "rknpu-binaries"
    assert m.horizon("rknpu1").describe() == "which know up to 1.7.5, dated 2023-07-31"
