"""The NPU driver that is loaded, not the file on disk: readers and facts.

Real outputs: ``tests/data/loaded_driver/`` (SOURCES.md names each thread) and item RO-019 of
``tests/data/real_board_outputs.json``.  galcore's own nodes have no public paste: their texts
below are built from the code that prints them (see SOURCES.md), and say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rknn_compat.read import drivers, facts
from rknn_compat.read.script import MARK, SCRIPT, split_answer

DATA = Path(__file__).parent / "data"
REAL = DATA / "loaded_driver"
ITEMS = {it["id"]: it for it in json.loads((DATA / "real_board_outputs.json").read_text(encoding="utf-8"))}
M = MARK.encode()

# formats from source code (no paste found): Vivante gc_version_show with galcore 6.4.0's data,
# and galcore 6.4.6's version_show
GC_DEBUGFS_640 = ("6.4.0.2.227915 built at randall-HP-ProDesk-680-G2-MT\nPlatform path: /work/projects/lion/git/"
                  "vipgal_driver/hal/os/linux/kernel/platform/rk/gc_hal_kernel_platform_1808.c\n")
GC_SYSFS_646 = "6.4.6.5.351518\n"


def real(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- readers


def test_reload_in_a_real_rv1126_log_is_said():
    got = drivers.galcore_version(real("fastdeploy-1005-rv1126-reload.txt"))
    assert str(got.version) == "6.4.6.5.351518"  # the last load is the one that runs
    assert got.extra["kernel_log_versions"] == ["6.4.3.5.293908", "6.4.6.5.351518"]
    assert got.evidence == "[ 2493.727331] Galcore version 6.4.6.5.351518"


def test_one_load_lists_no_reload():
    got = drivers.galcore_version(ITEMS["RO-001"]["text"])
    assert str(got.version) == "6.4.3.5.293908"
    assert "kernel_log_versions" not in got.extra


@pytest.mark.parametrize("name, version, source", [
    ("rock5b-29-debugfs.txt", "0.9.6", "debugfs"),
    ("ezrknn-llm-19-rkllm.txt", "0.8.2", "driver version line"),
    ("rknn-toolkit2-534-rk3576.txt", "0.9.7", "drm init"),
])
def test_rknpu_versions_users_read(name, version, source):
    got = drivers.rknpu_version(real(name))
    assert (str(got.version), got.extra["source"]) == (version, source)


def test_rknpu_debugfs_read_twice_with_prompts():
    got = drivers.rknpu_version(ITEMS["RO-019"]["text"])
    assert str(got.version) == "0.9.3" and got.evidence == "RKNPU driver: v0.9.3"
    assert got.extra["conflict"] is False


@pytest.mark.parametrize("text, version", [
    (GC_DEBUGFS_640, "6.4.0.2.227915"),
    (GC_SYSFS_646, "6.4.6.5.351518"),
    ("\r\n\x1b[0m6.4.3.5.293908 built at host\r\nPlatform path: x.c\r\n", "6.4.3.5.293908"),
])
def test_galcore_node_formats(text, version):
    got = drivers.galcore_node_version(text)
    assert str(got.version) == version


@pytest.mark.parametrize("text, needle", [
    ("head: /sys/kernel/debug/gc/version: Permission denied\n", "Permission denied"),
    ("", "empty"),
    ("Platform path: x.c\n", "no galcore version"),
    ("6.4\n", "no galcore version"),
])
def test_galcore_node_without_a_version_says_why(text, needle):
    got = drivers.galcore_node_version(text)
    assert got.version is None and needle in got.reason


# ----------------------------------------------------------------------------- facts: which source wins


def sec(name: str, body: str = "", meta: dict | None = None, files: dict | None = None) -> bytes:
    out = b"\n" + M + b" begin " + name.encode() + b"\n" + body.encode() + b"\n"
    for k, v in (meta or {}).items():
        out += b"\n" + M + b" " + k.encode() + b" " + v.encode() + b"\n"
    for path, text in (files or {}).items():
        out += b"\n" + M + b" file " + path.encode() + b"\n" + text.encode() + b"\n"
    return out + b"\n" + M + b" end " + name.encode() + b" 0\n"


MOUNTED = "debugfs /sys/kernel/debug debugfs rw,relatime 0 0"
GC = "/sys/kernel/debug/gc/version"
SYSFS = "/sys/devices/platform/ffbc0000.npu/version"
KO = "/lib/modules/galcore.ko"
ROTATED = "[ 9999.1] audit: type=1400 audit(1.000:2): avc:  denied  { read } for  pid=3 comm=\"sh\"\n"


def answer(dmesg: str = ROTATED, loaded: bytes | None = None, ko: str | None = "$VERSION$6.4.6:351518$") -> bytes:
    loaded = sec("npu_loaded", MOUNTED) if loaded is None else loaded
    kos = {KO: ko} if ko else {}
    return (sec("dmesg", dmesg) + sec("modules", "galcore 421520 0 - Live 0x0 (O)") + loaded
            + sec("galcore_ko", files=kos) + b"\n" + M + b" done\n")


def test_the_probe_script_reads_the_nodes_in_its_one_round_trip():
    assert SCRIPT.count("npu_loaded") == 2  # begin and end of one section
    for path in (GC, SYSFS, "/sys/kernel/debug/rknpu/version", "/proc/rknpu/version"):
        assert path in SCRIPT
    assert "/sys/module/galcore/version" not in SCRIPT  # it never exists


def test_the_node_wins_over_the_log_and_the_file():
    raw = answer(dmesg="[ 20.8] Galcore version 6.4.3.5.293908\n", loaded=sec("npu_loaded", MOUNTED,
                 files={GC: "6.4.3.5.293908 built at h\nPlatform path: p\n"}))
    drv = facts.npu_driver(split_answer(raw))
    assert (drv.value, drv.loaded_from, drv.source) == ("6.4.3.5.293908", "debugfs", f"cat {GC}")
    assert drv.installed_version == "6.4.6.351518" and drv.extra["installed_path"] == KO
    assert drv.extra["kernel_log_version"] == "6.4.3.5.293908"


def test_a_node_that_contradicts_the_log_wins_and_says_so():
    raw = answer(dmesg="[ 20.8] Galcore version 6.4.3.5.293908\n",
                 loaded=sec("npu_loaded", files={SYSFS: GC_SYSFS_646}))
    drv = facts.npu_driver(split_answer(raw))
    assert (drv.value, drv.loaded_from) == ("6.4.6.5.351518", "sysfs")
    assert "says 6.4.3.5.293908" in drv.extra["note"] and "which wins" in drv.extra["note"]


def test_the_last_log_line_comes_before_the_file():
    raw = answer(dmesg=real("fastdeploy-1005-rv1126-reload.txt"))
    drv = facts.npu_driver(split_answer(raw))
    assert (drv.value, drv.loaded_from, drv.source) == ("6.4.6.5.351518", "kernel log", "dmesg | grep -i galcore")
    assert "loaded more than once" in drv.extra["note"]
    assert drv.installed_version == "6.4.6.351518"


@pytest.mark.parametrize("loaded, reason", [
    (sec("npu_loaded", ""), "debugfs is not mounted at /sys/kernel/debug"),
    (sec("npu_loaded", "", meta={"denied": "/sys/kernel/debug"}), "root-only for this user"),
    (sec("npu_loaded", MOUNTED), "no gc/version (galcore 6.4.0/6.4.3) in debugfs"),
    (sec("npu_loaded", MOUNTED, files={GC: "head: /sys/kernel/debug/gc/version: Permission denied"}),
     "Permission denied"),
])
def test_an_unreadable_node_is_a_reason_not_an_error(loaded, reason):
    drv = facts.npu_driver(split_answer(answer(loaded=loaded)))
    assert drv.value == "6.4.6.351518" and drv.loaded_from == "module file"
    assert drv.installed_version is None  # the file is what was read: nothing to compare
    assert reason in drv.extra["note"] and "the loaded module may differ" in drv.extra["note"]


def test_an_selinux_denial_in_the_log_is_not_a_refused_dmesg():
    drv = facts.npu_driver(split_answer(answer()))
    assert "not readable by this user" not in drv.extra["note"]
    assert "rotated out of the ring buffer" in drv.extra["note"]
    refused = facts.npu_driver(split_answer(answer(dmesg="dmesg: klogctl: Operation not permitted\n")))
    assert "dmesg is not readable by this user" in refused.extra["note"]


def test_nothing_readable_is_unknown_with_every_reason():
    drv = facts.npu_driver(split_answer(answer(ko=None)))
    assert drv.value is None
    for part in ("rotated out of the ring buffer", "gc/version", SYSFS, "no galcore.ko at"):
        assert part in drv.reason


def test_an_old_recording_without_the_section_still_reads():
    raw = sec("dmesg", "[ 2.1] [drm] Initialized rknpu 0.9.8 20240828 for fdab0000.npu on minor 1") + \
        sec("rknpu_debug", files={"/sys/kernel/debug/rknpu/version": "RKNPU driver: v0.9.8"})
    drv = facts.npu_driver(split_answer(raw))
    assert (drv.value, drv.driver, drv.loaded_from) == ("0.9.8", "rknpu", "debugfs")


def test_rknpu_root_only_debugfs_falls_back_to_the_log():
    raw = sec("dmesg", ITEMS["RO-018"]["text"]) + sec("npu_loaded", "", meta={"denied": "/sys/kernel/debug"})
    drv = facts.npu_driver(split_answer(raw))
    assert (drv.value, drv.loaded_from) == ("0.9.8", "kernel log")
    assert "root-only" in drv.extra["loaded_reason"]


def test_rknpu_with_no_version_anywhere_is_unknown():
    raw = sec("dmesg", "[ 13.49] RKNPU fdab0000.npu: Adding to iommu group 14") + sec("npu_loaded", MOUNTED)
    drv = facts.npu_driver(split_answer(raw))
    assert drv.value is None and drv.driver == "rknpu"
    assert "no rknpu/version node" in drv.reason and "Initialized rknpu" in drv.reason
