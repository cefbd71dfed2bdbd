"""Verdicts and the loaded driver end to end: the real adb server, simulated boards, the CLI.

Each loaded-vs-installed case has its own profile (rotated log with the debugfs node, with the
sysfs node, with debugfs unmounted; installed newer than loaded; a reload in the log; an RKNPU2
board whose version is only in debugfs).  A self-consistent board without a target is
``consistent`` (exit 0), a fitting board with a stopped rknn_server is ``not_ready`` (exit 4),
and an inventory without a target judges the rack.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import connected_boards

PROFILES = (
    "rk1808-loaded-debugfs", "rk1808-debugfs-unmounted", "rk1808-loaded-sysfs", "rk1808-installed-newer",
    "rk1808-reloaded", "rk3588-linux-2.3.2", "rk3588-debugfs-only", "rk3588-server-stopped",
    "rk1808-linux-1.1.0", "rk1808-linux-1.7.5", "rk1808-linux-1.3.2",
)


@pytest.fixture(scope="module")
def fleet(adb_server):
    with connected_boards(adb_server, list(PROFILES) + ["rk1808-linux-1.7.5"]) as boards:
        by_name: dict = {}
        for b in boards:
            by_name.setdefault(b.profile.name, b)
        by_name["rk1808-linux-1.7.5 (2)"] = boards[-1]
        yield by_name


class Run:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.rc, self.out, self.err = proc.returncode, proc.stdout, proc.stderr

    @property
    def json(self) -> dict:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"Run(rc={self.rc}, err={self.err!r}, out={self.out[:3000]!r})"


def run_cli(adb_server, *args: str, prefix: tuple = ()) -> Run:
    proc = subprocess.run([*prefix, sys.executable, "-m", "rknn_compat", *args], env=adb_server.env,
                          capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    run = Run(proc)
    assert "Traceback" not in run.err, run
    return run


def probe(adb_server, board, *args: str) -> Run:
    return run_cli(adb_server, "probe", "--device", board.serial, "--timeout", "10", *args)


def finding(d: dict, component: str) -> dict:
    found = [f for f in d["findings"] if f["component"] == component]
    assert len(found) == 1, (component, d["findings"])
    return found[0]


# ----------------------------------------------------------------------------- the driver that is loaded


@pytest.mark.parametrize("profile, version, loaded_from, source", [
    ("rk1808-loaded-debugfs", "6.4.0.2.227915", "debugfs", "cat /sys/kernel/debug/gc/version"),
    ("rk1808-loaded-sysfs", "6.4.6.5.351518", "sysfs", "cat /sys/devices/platform/ffbc0000.npu/version"),
    ("rk3588-debugfs-only", "0.9.8", "debugfs", "cat /sys/kernel/debug/rknpu/version"),
])
def test_a_rotated_log_reads_the_loaded_modules_own_node(fleet, adb_server, profile, version, loaded_from, source):
    d = probe(adb_server, fleet[profile], "-f", "json").json
    drv = d["components"]["npu_driver"]
    assert (drv["version"], drv["loaded_from"], drv["source"]) == (version, loaded_from, source)
    assert d["device"]["round_trips"] == 1
    assert "Galcore version" not in (drv["evidence"] or "") and "Initialized rknpu" not in (drv["evidence"] or "")


def test_debugfs_unmounted_falls_back_to_the_file_and_says_why(fleet, adb_server):
    r = probe(adb_server, fleet["rk1808-debugfs-unmounted"], "--toolkit", "1.3.2", "-f", "json")
    assert r.rc == 0, r
    drv = r.json["components"]["npu_driver"]
    assert drv["loaded_from"] == "module file" and drv["version"] == "6.4.0.227915"
    assert "debugfs is not mounted at /sys/kernel/debug" in drv["note"]
    table = probe(adb_server, fleet["rk1808-debugfs-unmounted"], "--toolkit", "1.3.2")
    assert "note: NPU driver (galcore): read from the module file on disk" in table.out


def test_installed_newer_than_loaded_reports_both_and_the_remedy(fleet, adb_server):
    board = fleet["rk1808-installed-newer"]
    r = probe(adb_server, board, "--toolkit", "1.7.5", "-f", "json")
    assert r.rc == 4, r
    d = r.json
    drv = d["components"]["npu_driver"]
    assert (drv["version"], drv["installed_version"], drv["loaded_from"]) == (
        "6.4.3.5.293908", "6.4.6.351518", "debugfs")
    f = finding(d, "npu_driver")
    assert f["status"] == "not_ready" and f["found"] == "6.4.3.5.293908 loaded (6.4.6.351518 installed)"
    assert "The installed driver 6.4.6.351518 is not loaded" in f["remedy"] and "reboot" in f["remedy"]
    assert d["verdict"] == "not_ready"
    table = probe(adb_server, board, "--toolkit", "1.7.5")
    assert table.rc == 4 and "verdict: not_ready" in table.out and "is not loaded" in table.out
    # against the release the loaded driver belongs to, the file on disk is the warning
    old = probe(adb_server, board, "--toolkit", "1.6.0", "-f", "json")
    assert finding(old.json, "npu_driver")["status"] == "ok"
    assert finding(old.json, "npu_driver_installed")["status"] == "warning"


def test_a_reload_in_the_log_is_said(fleet, adb_server):
    r = probe(adb_server, fleet["rk1808-reloaded"], "--toolkit", "1.7.5", "-f", "json")
    assert r.rc == 0, r
    drv = r.json["components"]["npu_driver"]
    assert drv["kernel_log_versions"] == ["6.4.3.5.293908", "6.4.6.5.351518"]
    assert drv["version"] == "6.4.6.5.351518" and "loaded more than once" in drv["note"]


def test_the_probe_leaves_the_board_as_it_was(fleet, adb_server):
    board = fleet["rk1808-installed-newer"]

    def snapshot():
        out = {}
        for dirpath, _dirs, files in os.walk(board.root):
            for name in files:
                p = Path(dirpath) / name
                if p.is_file() and not p.is_symlink():
                    out[str(p)] = (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        return out

    before = snapshot()
    assert probe(adb_server, board, "--toolkit", "1.7.5").rc == 4
    assert snapshot() == before


# ----------------------------------------------------------------------------- verdicts


def test_no_target_is_consistent_and_says_how_to_give_one(fleet, adb_server):
    r = probe(adb_server, fleet["rk1808-linux-1.1.0"], "-f", "json")
    assert r.rc == 0, r
    d = r.json
    assert d["verdict"] == "consistent" and d["toolkit"]["matched"] == ["1.1.0"]
    assert "--toolkit" in d["toolkit"]["remedy"] and "--python PATH" in d["toolkit"]["remedy"]
    table = probe(adb_server, fleet["rk1808-linux-1.1.0"])
    assert "verdict: consistent (every component belongs to toolkit 1.1.0; no target given)" in table.out
    assert "verdict: compatible" not in table.out
    hint = [ln for ln in table.out.splitlines() if "--toolkit2" in ln]
    assert len(hint) == 1 and "--python PATH" in hint[0]


def test_rknpu2_board_consistent_then_compatible_with_toolkit2(fleet, adb_server):
    board = fleet["rk3588-linux-2.3.2"]
    free = probe(adb_server, board, "-f", "json")
    assert (free.rc, free.json["verdict"], free.json["toolkit"]["matched"]) == (0, "consistent", ["toolkit2-2.3.2"])
    r = probe(adb_server, board, "--toolkit2", "2.3.2", "-f", "json")
    assert (r.rc, r.json["verdict"]) == (0, "compatible"), r
    assert "NPU driver (rknpu)" in probe(adb_server, board, "--toolkit2", "2.3.2").out


def test_rknpu2_stopped_server_is_not_ready_for_connected_mode(fleet, adb_server):
    r = probe(adb_server, fleet["rk3588-server-stopped"], "--toolkit2", "2.3.2", "-f", "json")
    assert r.rc == 4, r
    f = finding(r.json, "rknn_server_process")
    assert f["status"] == "not_ready" and "connected mode" in f["remedy"]
    assert "rknn-toolkit-lite2 does not need it" in f["remedy"]
    for comp in ("npu_driver", "rknn_server", "librknn_runtime"):
        assert finding(r.json, comp)["status"] == "ok"


def test_npu_transfer_proxy_on_the_host_in_adb_mode_is_not_ready(fleet, adb_server, tmp_path):
    """A host process named npu_transfer_proxy, in a PID namespace of its own so that nothing else on
    this machine sees it; the CLI runs in the same namespace."""
    unshare = shutil.which("unshare")
    if not unshare or subprocess.run([unshare, "--pid", "--fork", "--mount-proc", "true"],
                                     capture_output=True).returncode != 0:
        pytest.skip("no PID namespace (unshare --pid --mount-proc) on this host")
    proxy = tmp_path / "npu_transfer_proxy"
    shutil.copy(shutil.which("sleep"), proxy)
    script = f'{proxy} 30 & sleep 0.3; "$@"; rc=$?; kill $!; exit $rc'
    board = fleet["rk1808-linux-1.3.2"]
    r = run_cli(adb_server, "probe", "--device", board.serial, "--toolkit", "1.3.2", "-f", "json",
                    prefix=(unshare, "--pid", "--fork", "--mount-proc", "sh", "-c", script, "sh"))
    assert r.rc == 4, r
    f = finding(r.json, "host_npu_transfer_proxy")
    assert f["status"] == "not_ready" and "item 5" in f["remedy"]
    assert r.json["connection"]["host_npu_transfer_proxy"]["value"] == "running"
    plain = probe(adb_server, board, "--toolkit", "1.3.2", "-f", "json").json
    assert plain["connection"]["host_npu_transfer_proxy"]["value"] == "not running"
    assert plain["verdict"] == "compatible"


# ----------------------------------------------------------------------------- the rack


def inventory(adb_server, fleet, names, *args) -> Run:
    devices = [a for n in names for a in ("--device", fleet[n].serial)]
    return run_cli(adb_server, "inventory", "--timeout", "10", *devices, *args)


def test_a_mixed_rack_without_target_is_a_finding_and_exit_1(fleet, adb_server):
    names = ["rk1808-linux-1.7.5", "rk1808-linux-1.7.5 (2)", "rk1808-reloaded", "rk1808-linux-1.1.0"]
    started = time.monotonic()
    r = inventory(adb_server, fleet, names, "-f", "json")
    assert r.rc == 1, r
    d = r.json
    assert [b["verdict"] for b in d["boards"]] == ["consistent"] * 4  # each board agrees with itself
    assert d["rack"]["finding"] == "3 boards on 1.7.5, 1 on 1.1.0" and d["rack"]["status"] == "mismatch"
    assert d["summary"]["verdict"] == "incompatible" and d["summary"]["consistent"] == 4
    table = inventory(adb_server, fleet, names)
    assert table.rc == 1
    assert "rack: 3 boards on 1.7.5, 1 on 1.1.0" in table.out and "--python PATH" in table.out
    assert "4 consistent, 0 incompatible, 0 unknown" in table.out
    assert time.monotonic() - started < 60


def test_a_uniform_rack_without_target_passes(fleet, adb_server):
    r = inventory(adb_server, fleet, ["rk1808-linux-1.7.5", "rk1808-reloaded"])
    assert r.rc == 0, r
    assert "rack: every judged board belongs to toolkit 1.7.5" in r.out


def test_with_a_target_each_board_is_judged_not_the_rack(fleet, adb_server):
    r = inventory(adb_server, fleet, ["rk1808-linux-1.7.5", "rk1808-linux-1.1.0"], "--toolkit", "1.7.5",
                  "-f", "json")
    assert r.rc == 1
    d = r.json
    assert d["rack"]["judged"] is False and d["rack"]["finding"] is None
    assert [b["verdict"] for b in d["boards"]] == ["compatible", "incompatible"]


def test_not_ready_board_in_an_inventory_exits_4(fleet, adb_server):
    r = inventory(adb_server, fleet, ["rk3588-linux-2.3.2", "rk3588-server-stopped"], "--toolkit2", "2.3.2")
    assert r.rc == 4, r
    assert "not ready: rknn_server_process" in r.out and "1 not ready" in r.out
