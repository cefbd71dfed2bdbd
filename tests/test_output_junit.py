"""`inventory --format junit`, read back with junitparser (the reader CI plugins' format follows)."""

from __future__ import annotations

import subprocess
import sys

from junitparser import Error, Failure, JUnitXml

from rknn_compat.output.junit import inventory_junit
from rknn_compat.results import BoardReport, DeviceInfo, Finding, InventoryReport, ToolkitTarget
from rknn_compat.sim.net import free_port


def _parse(xml: str, tmp_path) -> JUnitXml:
    path = tmp_path / "report.xml"
    path.write_text(xml, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def _results(case) -> list:
    return list(case.result)


def test_a_rack_as_junit(boards, adb_server, tmp_path):
    ok, old, stall = boards("rk1808-linux-1.3.2", "rk1808-linux-1.1.0", "rk1808-stall")
    (offline,) = boards("rk1808-offline", connect=False)
    adb_server.connect(offline.address)
    down = f"127.0.0.1:{free_port()}"
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "inventory", "-t", "1.3.2", "--timeout", "2",
                           "-f", "junit", "--adb-server", f"127.0.0.1:{adb_server.port}", "--adb-server", down,
                           *[a for b in (ok, old, stall, offline) for a in ("-d", b.serial)]],
                          capture_output=True, text=True, env=adb_server.env, timeout=120)
    assert proc.returncode == 1, proc.stderr  # worst verdict: the 1.1.0 board is incompatible
    xml = _parse(proc.stdout, tmp_path)
    (suite,) = list(xml)
    cases = {c.name: c for c in suite}
    assert set(cases) == {ok.serial, old.serial, stall.serial, offline.serial, down}
    assert suite.tests == 5 and "1.3.2" in suite.name
    # nothing, unless an npu_transfer_proxy runs on this host (another job's test): not_ready then
    assert all(isinstance(r, Failure) and r.type == "not_ready" for r in _results(cases[ok.serial]))
    fails = _results(cases[old.serial])
    assert fails and all(isinstance(r, Failure) and r.type in ("mismatch", "not_ready") for r in fails)
    assert sum(r.type == "mismatch" for r in fails) >= 3  # rknn_server, npu_driver, librknn_runtime
    assert any(r.message.startswith("rknn_server: expected") for r in fails)
    assert suite.failures == len(fails) + len(_results(cases[ok.serial]))
    (stalled,) = _results(cases[stall.serial])
    assert isinstance(stalled, Error) and stalled.type == "incomplete" and "no answer within 2 s" in stalled.message
    (gone,) = _results(cases[offline.serial])
    assert isinstance(gone, Error) and gone.type in ("offline", "not found", "unreachable")
    (server,) = _results(cases[down])
    assert isinstance(server, Error) and "cannot reach" in server.message
    assert suite.errors == 3
    assert cases[ok.serial].classname == f"rknn-compat.127.0.0.1:{adb_server.port}"
    assert "rknn_server: 1.3.2" in cases[ok.serial].system_out


def test_text_xml_cannot_hold_is_replaced(tmp_path):
    board = BoardReport(DeviceInfo("S\x1b[1m", "device", "adb"), verdict="unknown",
                        error="junk \x00\x07 and \udcff from the board",
                        findings=[Finding("rknn_server", "unknown", "1.3.2", None, "look <here> & \"there\"")])
    xml = inventory_junit(InventoryReport([board], ToolkitTarget("1.3.2", "rknpu1", "--toolkit")))
    (suite,) = list(_parse(xml, tmp_path))
    (case,) = list(suite)
    assert case.name == "S\ufffd[1m"
    assert _results(case)[0].message == "junk \ufffd\ufffd and \ufffd from the board"


def test_unknown_facts_of_a_reached_board_are_errors(tmp_path):
    board = BoardReport(DeviceInfo("S", "device", "adb"), verdict="unknown",
                        findings=[Finding("rknn_server", "unknown", "1.3.2", None, "pull the file"),
                                  Finding("npu_driver", "ok", "6.4.0", "6.4.0")])
    (suite,) = list(_parse(inventory_junit(InventoryReport([board])), tmp_path))
    (err,) = _results(next(iter(suite)))
    assert isinstance(err, Error) and err.type == "unknown" and err.text == "pull the file"
