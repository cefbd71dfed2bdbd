"""The tables' board releases, platform layout and rules, end to end: the real adb server, simulated
boards (rk1808-linux-1.5.0, rv1106-linux-1.4.0, rv1106-linux-1.5.2, rk3588-linux-newer) and the CLI."""

from __future__ import annotations

import json

import pytest
from helpers import connected_boards

from rknn_compat import cli  # in-process runs; the adb server and the boards are real

PROFILES = ("rk1808-linux-1.5.0", "rv1106-linux-1.4.0", "rv1106-linux-1.5.2", "rk3588-linux-newer")


@pytest.fixture(scope="module")
def fleet(adb_server):
    with connected_boards(adb_server, PROFILES) as boards:
        yield {b.profile.name: b for b in boards}


@pytest.fixture
def probe(fleet, adb_server, monkeypatch, capsys):
    for key, value in adb_server.env.items():
        monkeypatch.setenv(key, value)

    def run(name: str, *args: str):
        code = cli.main(["probe", "--device", fleet[name].serial, "--timeout", "10", *args])
        out = capsys.readouterr()
        assert "Traceback" not in out.err
        return code, out.out, out.err

    return run


def probe_json(probe, name, *args):
    code, out, err = probe(name, *args, "--format", "json")
    return code, json.loads(out)


def finding(d: dict, component: str) -> dict:
    found = [f for f in d["findings"] if f["component"] == component]
    assert len(found) == 1, (component, d["findings"])
    return found[0]


def test_an_rk1808_on_board_release_1_5_0_is_consistent_with_it(probe):
    code, d = probe_json(probe, "rk1808-linux-1.5.0")
    assert code == 0 and d["verdict"] == "consistent", d["findings"]
    assert d["toolkit"]["matched"] == ["rknpu-1.5.0"] and d["toolkit"]["matched_kind"] == "board"
    assert d["components"]["npu_driver"]["version"] == "6.4.3.5.293908"
    f = finding(d, "toolkit_release")
    assert f["status"] == "warning" and "1.4.0 or 1.6.0" in f["remedy"]
    assert d["device"]["round_trips"] == 1
    code, text, _ = probe("rk1808-linux-1.5.0")
    assert "board release (no toolkit) rknpu-1.5.0" in text and "verdict: consistent" in text


def test_an_rk1808_on_board_release_1_5_0_against_a_toolkit_names_what_it_runs(probe):
    code, d = probe_json(probe, "rk1808-linux-1.5.0", "--toolkit", "1.6.0")
    assert code == 1 and d["verdict"] == "incompatible"
    assert "The board runs rknpu-1.5.0" in finding(d, "rknn_server")["remedy"]


def test_an_rv1106_reads_librknnmrt_under_oem_and_needs_no_rknn_server_before_1_5_0(probe):
    code, d = probe_json(probe, "rv1106-linux-1.4.0", "--toolkit2", "1.4.0")
    assert code == 0 and d["verdict"] == "compatible", d["findings"]
    rt = d["components"]["librknn_runtime"]
    assert (rt["version"], rt["path"]) == ("1.4.0", "/oem/usr/lib/librknnmrt.so")
    server = finding(d, "rknn_server")
    assert server["status"] == "ok" and server["found"] == "not installed"
    code, d = probe_json(probe, "rv1106-linux-1.4.0")
    assert code == 0 and d["verdict"] == "consistent" and d["toolkit"]["matched"] == ["toolkit2-1.4.0"]


def test_an_rv1106_below_the_recommended_rknn_server_is_a_warning(probe):
    code, d = probe_json(probe, "rv1106-linux-1.5.2", "--toolkit2", "1.5.2")
    assert code == 0 and d["verdict"] == "compatible", d["findings"]
    assert d["components"]["rknn_server"]["path"] == "/oem/usr/bin/rknn_server"
    f = finding(d, "rknn_server_recommended")
    assert f["status"] == "warning" and f["found"] == "1.5.2" and f["expected"].startswith(">=2.1.0")


def test_a_board_newer_than_the_tables_is_judged_by_the_rule(probe):
    code, d = probe_json(probe, "rk3588-linux-newer")
    assert code == 0 and d["verdict"] == "consistent", d["findings"]
    assert d["toolkit"]["matched"] == ["toolkit2-9.1.0"] and d["toolkit"]["matched_kind"] == "derived"
    assert "derived" in finding(d, "rknn_server")["expected"]
    assert any("newer than the tables" in n for n in d["notes"])


def test_a_target_newer_than_the_tables_is_no_usage_error(probe):
    code, d = probe_json(probe, "rk3588-linux-newer", "--toolkit2", "9.1.0")
    assert code == 0 and d["verdict"] == "compatible" and d["toolkit"]["kind"] == "derived"
    code, d = probe_json(probe, "rv1106-linux-1.5.2", "--toolkit2", "9.1.0")
    assert code == 1 and "derived" in finding(d, "librknn_runtime")["expected"]
