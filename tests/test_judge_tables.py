"""The judge uses the tables beyond the toolkit rows (issue 11's rows, issue 9's verdicts).

Board-only RKNPU1 releases (matrices/board_releases.toml), a release newer than the tables (judged
by the product's stated rule, ``Matrix.derive``), the RV1103/RV1106 layout (no rknn_server before
Toolkit2 1.5.0) and the rknn_server_proxy.md rules of matrices/rules.toml.
"""

from __future__ import annotations

import pytest

from rknn_compat import judge
from rknn_compat import tables as tables_mod
from rknn_compat.results import COMPATIBLE, CONSISTENT, INCOMPATIBLE, UNKNOWN, Fact
from rknn_compat.tables import NewerThanTables

# the strings of rockchip-linux/rknpu @ c4c616f (the 1.5.0 board release; board_releases.toml)
RKNPU_150 = ("6.4.3.5.293908", "1.5.0", "1.5.0")


@pytest.fixture(scope="module")
def m():
    return tables_mod.load()


def comps(drv, server, runtime) -> dict[str, Fact]:
    out = {"npu_driver": Fact(drv, drv, "test"), "librknn_runtime": Fact(runtime, runtime, "test")}
    out["rknn_server"] = Fact(server, server, "test") if server else Fact.unknown("absent", installed=False)
    return out


def plat(soc):
    return {"soc": Fact(soc, soc, "test"), "os": Fact("linux", "linux", "test")}


def by(j):
    return {f.component: f for f in j.findings}


def derived(m, version, gen):
    with pytest.raises(NewerThanTables) as info:
        m.release(version, gen)
    return info.value.derived


# ----------------------------------------------------------------------------- board-only releases

def test_the_board_release_row_holds_what_the_binaries_say(m):
    row = next(r for r in m.board_releases if str(r.toolkit) == "1.5.0")
    cells = {c: r.describe() for c, r in row.components.items()}
    assert cells == {"rknn_server": "1.5.0", "npu_driver": "6.4.3.5.293908", "librknn_runtime": "1.5.0"}
    assert row.kind == "board" and "RK1808" in row.socs and row.cites["components"].source.id == "rknpu-binaries"


@pytest.mark.parametrize("board, drv", [("1.5.0", "6.4.3.5.293908"), ("1.5.1", "6.4.3.5.293908"),
                                        ("1.3.1", "6.4.0.227915"), ("1.3.4", "6.4.0.227915")])
def test_a_board_on_a_board_only_release_is_consistent_with_it(m, board, drv):
    j = judge.judge(m, plat("RK1808"), comps(drv, board, board))
    assert j.verdict == CONSISTENT, j.findings
    assert j.matched == [f"rknpu-{board}"] and j.matched_kind == "board"
    f = by(j)
    assert all(f[c].status == "ok" for c in ("rknn_server", "npu_driver", "librknn_runtime"))
    no_toolkit = f["toolkit_release"]
    assert no_toolkit.status == "warning" and f"rknpu-{board}" in no_toolkit.found
    assert "no RKNN Toolkit release matches" in no_toolkit.remedy


def test_the_nearest_toolkits_come_from_the_tables(m):
    j = judge.judge(m, plat("RK1808"), comps(*RKNPU_150))
    remedy = by(j)["toolkit_release"].remedy
    # the Trouble-Shooting table jumps 1.4.0 -> 1.6.0 (components.toml)
    assert "nearest toolkit releases are 1.4.0 or 1.6.0" in remedy
    assert "2020-09-16" in remedy and "RK1808" in remedy


def test_a_board_release_board_with_a_target_is_a_mismatch_naming_what_it_runs(m):
    j = judge.judge(m, plat("RK1808"), comps(*RKNPU_150), target=m.release("1.6.0"))
    assert j.verdict == INCOMPATIBLE
    f = by(j)
    assert f["rknn_server"].status == "mismatch" and f["librknn_runtime"].status == "mismatch"
    assert "The board runs rknpu-1.5.0" in f["rknn_server"].remedy
    assert "Upgrade the board to the 1.6.0 release" in f["rknn_server"].remedy
    assert "toolkit_release" not in f  # with a target the release to bring it to is the target's


def test_a_board_mixing_a_board_release_with_another_driver_is_not_called_consistent(m):
    # rknn_server/runtime 1.5.0 with galcore 6.4.0 (the RK3399Pro driver of c4c616f): no one release
    j = judge.judge(m, plat("RK1808"), comps("6.4.0.227915", "1.5.0", "1.5.0"))
    assert j.verdict == INCOMPATIBLE and j.matched_kind is None


# ----------------------------------------------------------------------------- newer than the tables

def test_a_board_newer_than_the_tables_is_judged_by_the_toolkit2_rule(m):
    j = judge.judge(m, plat("RK3588"), comps("0.9.8", "9.1.0", "9.1.0"))
    assert j.verdict == CONSISTENT and j.matched == ["toolkit2-9.1.0"] and j.matched_kind == "derived"
    assert all("derived" in f.expected for f in j.findings if f.component in ("rknn_server", "librknn_runtime"))
    assert any("newer than the tables" in n for n in j.notes)


def test_a_newer_board_whose_runtime_differs_breaks_the_rule(m):
    j = judge.judge(m, plat("RK3588"), comps("0.9.8", "9.1.0", "2.3.2"))
    f = by(j)
    assert j.verdict == INCOMPATIBLE and f["rknn_server"].status == "ok"
    assert f["librknn_runtime"].status == "mismatch" and "derived" in f["librknn_runtime"].expected


def test_a_target_newer_than_the_tables_is_judged_not_refused(m):
    target = derived(m, "9.1.0", "rknpu2")
    ok = judge.judge(m, plat("RK3588"), comps("0.9.8", "9.1.0", "9.1.0"), target=target)
    assert ok.verdict == COMPATIBLE and any("Derived, not a row" in n for n in ok.notes)
    old = judge.judge(m, plat("RK3588"), comps("0.9.8", "2.3.2", "2.3.2"), target=target)
    assert old.verdict == INCOMPATIBLE and "derived" in by(old)["rknn_server"].expected


def test_a_newer_rknpu1_release_states_no_driver_so_it_cannot_be_judged(m):
    target = derived(m, "1.8.0", "rknpu1")
    j = judge.judge(m, plat("RK1808"), comps("6.4.6.5.351518", "1.8.0", "1.8.0"), target=target)
    f = by(j)
    assert j.verdict == UNKNOWN  # exit 3: nothing states the galcore of a release the tables lack
    assert f["npu_driver"].status == "unknown" and "Adding a row" in f["npu_driver"].remedy
    assert f["rknn_server"].status == "ok"
    # RKNN Toolkit's rule is a recommendation: another version is a warning, never a mismatch
    other = judge.judge(m, plat("RK1808"), comps("6.4.6.5.351518", "1.7.5", "1.7.5"), target=target)
    assert by(other)["rknn_server"].status == "warning" and other.verdict == UNKNOWN


# ----------------------------------------------------------------------------- RV1103/RV1106

@pytest.mark.parametrize("soc", ["RV1106", "RV1103"])
def test_no_rknn_server_before_1_5_0_is_no_missing_component(m, soc):
    j = judge.judge(m, plat(soc), comps("0.9.2", None, "1.4.0"))
    assert j.verdict == CONSISTENT, j.findings
    f = by(j)["rknn_server"]
    assert f.status == "ok" and f.found == "not installed" and "before 1.5.0" in f.expected
    with_target = judge.judge(m, plat(soc), comps("0.9.2", None, "1.4.0"), target=m.release("1.4.0", "rknpu2"))
    assert with_target.verdict == COMPATIBLE and by(with_target)["rknn_server"].status == "ok"


def test_no_rknn_server_from_1_5_0_on_is_still_missing(m):
    j = judge.judge(m, plat("RV1106"), comps("0.9.2", None, "1.5.2"), target=m.release("1.5.2", "rknpu2"))
    assert by(j)["rknn_server"].status == "mismatch"
    # and an RK3588 never had that exception
    rk = judge.judge(m, plat("RK3588"), comps("0.9.2", None, "1.4.0"), target=m.release("1.4.0", "rknpu2"))
    assert by(rk)["rknn_server"].status == "mismatch"


@pytest.mark.parametrize("soc, warned", [("RV1106", True), ("RV1103", True), ("RV1103B", True),
                                         ("RK3588", False)])
def test_the_2_1_0_recommendation_is_a_warning_on_small_memory_chips(m, soc, warned):
    target = m.release("2.0.0b0", "rknpu2")
    j = judge.judge(m, plat(soc), comps("0.9.6", "2.0.0b0", "2.0.0b0"), target=target)
    assert j.verdict == COMPATIBLE, j.findings
    f = by(j).get("rknn_server_recommended")
    assert (f is not None) == warned
    if warned:
        assert f.status == "warning" and f.expected == f">=2.1.0 (recommended on {soc})"
        assert "rknn_server_proxy.md" in f.remedy


def test_rknn_server_2_1_0_on_an_rv1106_has_no_warning(m):
    j = judge.judge(m, plat("RV1106"), comps("0.9.6", "2.1.0", "2.1.0"))
    assert "rknn_server_recommended" not in by(j) and j.verdict == CONSISTENT


# ----------------------------------------------------------------------------- model size (rknn-compat model)

def _model_against(m, size, server, installed=True):
    from rknn_compat.model import judge as model_judge
    from rknn_compat.model.board import BoardFacts
    from rknn_compat.model.results import ModelReport
    from rknn_compat.tables.model_rules import model_rules
    from rknn_compat.versions import parse_version

    report = ModelReport("big.rknn", "rknn", facts={"generation": "rknpu2", "target_platform": ["rk3588"]},
                         size=size)
    board = BoardFacts(soc="RK3588", generation="rknpu2", runtime=parse_version("2.3.2"),
                       runtime_library="librknnrt", rknn_server=parse_version(server) if server else None,
                       rknn_server_installed=installed)
    model_judge.judge(report, m, model_rules(), None, board)
    return {f.check: f for f in report.findings}


def test_a_model_over_2_gb_needs_rknn_server_2_0_0b0(m):
    rule = next(r for r in m.rules if r.id == "model-over-2gb-2.0.0b0")
    big = rule.model_bytes_over + 1
    assert _model_against(m, big, "1.6.0")["model_size"].status == "mismatch"
    assert _model_against(m, big, "2.0.0b0")["model_size"].status == "ok"
    assert _model_against(m, big, None, installed=False)["model_size"].status == "warning"
    assert _model_against(m, big, None, installed=None)["model_size"].status == "unknown"
    assert "model_size" not in _model_against(m, rule.model_bytes_over, "1.6.0")  # not over the limit
