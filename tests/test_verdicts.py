"""The verdict vocabulary, its exit codes, the judge's rules and how a verdict is shown.

compatible (fits the target) / consistent (no target: one release, named) / incompatible /
not_ready (the versions fit, something stops it working) / unknown; exit 0 0 1 4 3; an internal
error is 70 with one stderr line naming the saved traceback.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from rknn_compat import cli, judge, remedies
from rknn_compat import tables as tables_mod
from rknn_compat.lab_inventory import judge_rack
from rknn_compat.output.inventory import inventory_text
from rknn_compat.output.probe import probe_text
from rknn_compat.results import (
    COMPATIBLE,
    CONSISTENT,
    INCOMPATIBLE,
    NOT_READY,
    UNKNOWN,
    VERDICTS,
    BoardReport,
    DeviceInfo,
    Fact,
    InventoryReport,
    Rack,
    ToolkitTarget,
    worst_verdict,
)


@pytest.fixture(scope="module")
def m():
    return tables_mod.load()


def comps(drv, server, runtime, **typed) -> dict[str, Fact]:
    return {"npu_driver": Fact(drv, drv, "test", **typed), "rknn_server": Fact(server, server, "test"),
            "librknn_runtime": Fact(runtime, runtime, "test")}


def plat(soc="RK1808", os_="linux"):
    return {"soc": Fact(soc, soc, "test"), "os": Fact(os_, os_, "test")}


RUNNING = Fact("running", "rknn_server", "grep", extra={"processes": 1, "npu_transfer_proxy": 0})
STOPPED = Fact("not running", None, "grep", extra={"processes": 0, "npu_transfer_proxy": 0})
OK_132 = ("6.4.0.227915", "1.3.2", "1.3.2")


def by(j):
    return {f.component: f for f in j.findings}


# ----------------------------------------------------------------------------- vocabulary and exit codes


def test_every_verdict_has_its_exit_code():
    codes = {v: BoardReport(DeviceInfo(), verdict=v).exit_code for v in VERDICTS}
    assert codes == {COMPATIBLE: 0, CONSISTENT: 0, INCOMPATIBLE: 1, NOT_READY: 4, UNKNOWN: 3}


@pytest.mark.parametrize("verdicts, worst", [
    ([], UNKNOWN), ([COMPATIBLE], COMPATIBLE), ([CONSISTENT, COMPATIBLE], CONSISTENT),
    ([CONSISTENT, NOT_READY], NOT_READY), ([NOT_READY, UNKNOWN], UNKNOWN),
    ([UNKNOWN, INCOMPATIBLE, NOT_READY], INCOMPATIBLE), (["banana"], UNKNOWN),
])
def test_worst_verdict_order(verdicts, worst):
    assert worst_verdict(verdicts) == worst


# ----------------------------------------------------------------------------- no target: consistent


def test_a_self_consistent_board_without_target_is_consistent_never_compatible(m):
    j = judge.judge(m, plat(), comps(*OK_132), RUNNING, None)
    assert j.verdict == CONSISTENT and j.matched == ["1.3.2"]
    assert {f.status for f in j.findings} == {"ok"}


def test_with_the_target_the_same_board_is_compatible(m):
    j = judge.judge(m, plat(), comps(*OK_132), RUNNING, m.release("1.3.2"))
    assert j.verdict == COMPATIBLE


def test_no_target_remedy_names_every_way_to_give_one():
    for flag in ("--toolkit", "--toolkit2", "--python PATH"):
        assert flag in remedies.NO_TARGET
    assert "\n" not in remedies.NO_TARGET


# ----------------------------------------------------------------------------- not ready


def test_a_fitting_board_with_a_stopped_rknn_server_is_not_ready(m):
    j = judge.judge(m, plat(), comps(*OK_132), STOPPED, m.release("1.3.2"))
    assert j.verdict == NOT_READY
    assert [f.status for f in j.findings] == ["ok", "ok", "ok", "not_ready"]


def test_a_stopped_server_on_a_mismatched_board_stays_incompatible(m):
    j = judge.judge(m, plat(), comps("6.3.3.2", "0.9.8", "1.0.0"), STOPPED, m.release("1.3.2"))
    assert j.verdict == INCOMPATIBLE and by(j)["rknn_server_process"].status == "not_ready"


def test_rknpu2_stopped_server_matters_only_for_connected_mode(m):
    c = comps("0.9.8", "2.3.2", "2.3.2", driver="rknpu")
    c["rknn_server"].path = "/usr/bin/rknn_server"
    j = judge.judge(m, plat("RK3588"), c, STOPPED, m.release("2.3.2", "rknpu2"))
    f = by(j)["rknn_server_process"]
    assert j.verdict == NOT_READY and f.status == "not_ready"
    assert "connected mode" in f.remedy and "rknn-toolkit-lite2 does not need it" in f.remedy
    assert "nohup /usr/bin/rknn_server" in f.remedy


def test_npu_transfer_proxy_on_the_host_in_adb_mode(m):
    proxy = Fact("running", "npu_transfer_proxy pid 4242", "test")
    j = judge.judge(m, plat(), comps(*OK_132), RUNNING, m.release("1.3.2"), host_proxy=proxy)
    f = by(j)["host_npu_transfer_proxy"]
    assert j.verdict == NOT_READY and f.found == "npu_transfer_proxy pid 4242"
    assert "8.8" in f.remedy and "item 5" in f.remedy
    j = judge.judge(m, plat(), comps(*OK_132), RUNNING, m.release("1.3.2"),
                    host_proxy=Fact("not running", "none", "test"))
    assert j.verdict == COMPATIBLE and "host_npu_transfer_proxy" not in by(j)


def test_no_usb_access_to_an_ntb_device(m):
    usb = {"status": "no_rule", "devices": [
        {"usb_id": "2207:1808", "kind": "ntb", "accessible": False, "node": "/dev/bus/usb/003/004",
         "node_mode_text": "crw-rw-r--"},
        {"usb_id": "2207:0006", "kind": "adb", "accessible": False, "node": "/dev/bus/usb/003/005"}]}
    j = judge.judge(m, plat(), comps(*OK_132), RUNNING, m.release("1.3.2"), usb=usb)
    f = by(j)["usb_access"]
    assert j.verdict == NOT_READY and "2207:1808" in f.remedy and "/dev/bus/usb/003/004" in f.found
    assert [x.component for x in j.findings].count("usb_access") == 1  # the adb device is adb's business
    usb["devices"][0]["accessible"] = True
    assert judge.judge(m, plat(), comps(*OK_132), RUNNING, m.release("1.3.2"), usb=usb).verdict == COMPATIBLE


# ----------------------------------------------------------------------------- loaded vs installed


def test_installed_fits_but_the_loaded_driver_does_not_is_not_ready(m):
    c = comps("6.4.3.5.293908", "1.7.5", "1.7.5", installed_version="6.4.6.351518")
    j = judge.judge(m, plat(), c, RUNNING, m.release("1.7.5"))
    f = by(j)["npu_driver"]
    assert j.verdict == NOT_READY and f.status == "not_ready"
    assert f.found == "6.4.3.5.293908 loaded (6.4.6.351518 installed)"
    assert "not loaded" in f.remedy and "reboot" in f.remedy
    j = judge.judge(m, plat(), c, RUNNING, None)  # no target: as it will be after a reboot
    assert j.verdict == NOT_READY and j.matched == ["1.7.5"]


def test_loaded_fits_and_the_file_differs_is_a_warning(m):
    c = comps("6.4.6.5.351518", "1.7.5", "1.7.5", installed_version="6.4.3.293908")
    j = judge.judge(m, plat(), c, RUNNING, m.release("1.7.5"))
    assert j.verdict == COMPATIBLE
    w = by(j)["npu_driver_installed"]
    assert w.status == "warning" and "does NOT fit" in w.remedy


def test_neither_fits_is_a_mismatch_that_names_both(m):
    c = comps("6.4.0.227915", "1.7.5", "1.7.5", installed_version="6.4.3.293908")
    f = by(judge.judge(m, plat(), c, RUNNING, m.release("1.7.5")))["npu_driver"]
    assert f.status == "mismatch" and "installed" in f.found and "not loaded" in f.remedy


# ----------------------------------------------------------------------------- recommended is a warning


def requiring(m) -> tables_mod.Matrix:
    """The tables with the Toolkit2 driver minimum turned into a hard requirement (no document does so)."""
    rels = []
    for r in m.releases:
        if r.generation == "rknpu2" and r.components["npu_driver"].stated:
            req = dataclasses.replace(r.components["npu_driver"], recommended=False)
            r = dataclasses.replace(r, components={**r.components, "npu_driver": req})
        rels.append(r)
    return tables_mod.Matrix(rels, m.precompile, m.onnx, m.platforms, m.directory)


def test_a_driver_below_a_recommendation_is_a_warning_never_a_mismatch(m):
    # the shipped tables mark "RKNPU2 driver >= 0.9.2" recommended, as Quick Start 1.6.0 3.4.1 states it
    c = comps("0.8.8", "1.6.0", "1.6.0", driver="rknpu")
    j = judge.judge(m, plat("RK3566"), c, RUNNING, m.release("1.6.0", "rknpu2"))
    f = by(j)["npu_driver"]
    assert (j.verdict, f.status) == (COMPATIBLE, "warning")
    assert "recommends" in f.remedy and "3.4.1" in f.remedy
    j = judge.judge(m, plat("RK3566"), c, RUNNING, None)
    assert j.verdict == CONSISTENT and by(j)["npu_driver"].status == "warning"
    assert "toolkit2-1.6.0" in j.matched


def test_no_driver_requirement_before_quick_start_1_6_0(m):
    # issue 11: an RK3566 with the matching 1.4.0 stack and driver 0.8.8 is fine (no document states a minimum)
    c = comps("0.8.8", "1.4.0", "1.4.0", driver="rknpu")
    j = judge.judge(m, plat("RK3566"), c, RUNNING, m.release("1.4.0", "rknpu2"))
    assert j.verdict == COMPATIBLE and by(j)["npu_driver"].status == "ok"


def test_a_required_minimum_still_mismatches(m):
    req = requiring(m)
    c = comps("0.8.8", "1.6.0", "1.6.0", driver="rknpu")
    j = judge.judge(req, plat("RK3566"), c, RUNNING, req.release("1.6.0", "rknpu2"))
    assert j.verdict == INCOMPATIBLE and by(j)["npu_driver"].status == "mismatch"


# ----------------------------------------------------------------------------- the rack


def board(serial, verdict, matched):
    return BoardReport(DeviceInfo(serial), toolkit=ToolkitTarget(matched=matched), verdict=verdict)


def test_a_mixed_rack_is_a_finding_with_exit_1():
    boards = [board(s, CONSISTENT, ["1.7.5"]) for s in "abc"] + [board("d", CONSISTENT, ["1.1.0"]),
                                                                 board("e", UNKNOWN, [])]
    rack = judge_rack(boards)
    assert (rack.judged, rack.status, rack.finding) == (True, "mismatch", "3 boards on 1.7.5, 1 on 1.1.0")
    assert rack.releases == {"1.7.5": ["a", "b", "c"], "1.1.0": ["d"]} and rack.common == []
    inv = InventoryReport(boards, ToolkitTarget(reason="none", remedy=remedies.NO_TARGET), rack=rack)
    assert inv.verdict == INCOMPATIBLE and inv.exit_code == 1
    text = inventory_text(inv, "table")
    assert "rack: 3 boards on 1.7.5, 1 on 1.1.0" in text and "--toolkit2" in text
    assert "4 consistent, 0 incompatible, 1 unknown" in text


def test_a_uniform_rack_passes():
    boards = [board("a", CONSISTENT, ["1.7.0", "1.7.1"]), board("b", NOT_READY, ["1.7.1"])]
    rack = judge_rack(boards)
    assert (rack.status, rack.common, rack.finding) == ("ok", ["1.7.1"], None)
    inv = InventoryReport(boards, rack=rack)
    assert inv.verdict == NOT_READY and inv.exit_code == 4
    assert inv.summary()["consistent"] == 1 and inv.summary()["not_ready"] == 1


def test_with_a_target_the_rack_is_not_judged():
    inv = InventoryReport([board("a", COMPATIBLE, ["1.7.5"]), board("b", INCOMPATIBLE, ["1.1.0"])],
                          ToolkitTarget("1.7.5", "rknpu1", "--toolkit"))
    assert inv.rack.to_dict() == Rack().to_dict() and inv.rack.verdict is None
    assert "rack:" not in inventory_text(inv, "table")


# ----------------------------------------------------------------------------- JSON contract (additions)


def test_json_keys_added_never_renamed():
    inv = InventoryReport([board("a", CONSISTENT, ["1.3.2"])], rack=Rack(judged=True))
    d = inv.to_dict()
    assert set(d) == {"schema_version", "boards", "summary", "toolkit", "rack", "servers"}
    assert "schema_version" not in d["boards"][0]  # one per document: a board inside carries none
    assert set(d["summary"]) == {"boards", "compatible", "consistent", "incompatible", "not_ready", "unknown",
                                 "verdict", "seconds"}
    assert set(d["rack"]) == {"judged", "releases", "common", "status", "finding", "remedy"}
    tk = ToolkitTarget(reason="none", remedy=remedies.NO_TARGET).to_dict()
    assert set(tk) == {"version", "generation", "source", "reason", "remedy"}


def test_probe_table_says_consistent_and_how_to_target():
    r = BoardReport(DeviceInfo("x", "device", "fixture"), toolkit=ToolkitTarget(reason="no rknn-toolkit",
                    remedy=remedies.NO_TARGET, matched=["1.3.2"]), verdict=CONSISTENT)
    text = probe_text(r, "table")
    assert "verdict: consistent (every component belongs to toolkit 1.3.2; no target given)" in text
    assert "- No target toolkit" in text and "--python PATH" in text


# ----------------------------------------------------------------------------- internal errors


def test_an_internal_error_is_exit_70_with_one_line_and_a_saved_traceback(monkeypatch, capsys, tmp_path):
    def boom(*a, **k):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(tables_mod, "load", boom)
    assert cli.main(["matrix"]) == 70
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("rknn-compat: internal error: RuntimeError: a bug")
    saved = list((tmp_path / "rknn-compat").glob("crash-*.txt"))
    assert len(saved) == 1 and str(saved[0]) in err and "please report it" in err
    body = saved[0].read_text()
    assert "Traceback (most recent call last)" in body and "boom" in body and "'matrix'" in body


def test_an_internal_error_as_a_user_runs_it(tmp_path):
    code = ("import sys; from rknn_compat import cli, tables\n"
            "def boom(*a, **k): raise KeyError('x')\n"
            "tables.load = boom\nsys.exit(cli.main(['matrix']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"XDG_CACHE_HOME": str(tmp_path / "ro" / "cache"), "PATH": "/usr/bin:/bin",
                               "HOME": str(tmp_path)})
    assert proc.returncode == 70, proc
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "traceback saved in" in proc.stderr


def test_without_target_a_driver_file_of_another_release_is_a_warning(m):
    c = comps("6.4.6.5.351518", "1.7.5", "1.7.5", installed_version="6.4.3.293908")
    j = judge.judge(m, plat(), c, RUNNING, None)
    assert j.verdict == CONSISTENT and j.matched == ["1.7.5"]
    assert "does NOT fit" in by(j)["npu_driver_installed"].remedy
