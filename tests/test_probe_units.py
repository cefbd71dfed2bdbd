"""The probe's seams without adb: the answer splitter, facts from section texts, the judge,
recordings, the local transport and the RK3399Pro firmware unpacker.

Section texts are real board outputs (tests/data/real_board_outputs.json, item RO-nnn) laid
out the way the probe script prints them.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rknn_compat
from rknn_compat import judge as check
from rknn_compat import tables as matrix_mod
from rknn_compat.errors import UsageError
from rknn_compat.read import facts
from rknn_compat.read import npu_firmware as firmware
from rknn_compat.read.script import MARK, SCRIPT, split_answer
from rknn_compat.results import (
    COMPATIBLE,
    CONSISTENT,
    INCOMPATIBLE,
    NOT_READY,
    UNKNOWN,
    BoardReport,
    Fact,
    worst_verdict,
)
from rknn_compat.transport.fixture import FORMAT, FixtureTransport, RecordingTransport
from rknn_compat.transport.local import LocalTransport

RECORDINGS = Path(__file__).parent / "data" / "recordings"
M = MARK.encode()


# ----------------------------------------------------------------------------- building answers


def sec(name: str, body: bytes | str = b"", status: int = 0) -> bytes:
    body = body.encode() if isinstance(body, str) else body
    return b"\n" + M + b" begin " + name.encode() + b"\n" + body + b"\n" + M + b" end " + name.encode() + \
        b" " + str(status).encode() + b"\n"


def files(name: str, per_file: dict[str, bytes | str], tool: str = "strings", status: int = 0) -> bytes:
    out = b"\n" + M + b" begin " + name.encode() + b"\n"
    for path, body in per_file.items():
        body = body.encode() if isinstance(body, str) else body
        out += b"\n" + M + b" file " + path.encode() + b"\n"
        out += b"\n" + M + b" tool " + tool.encode() + b"\n" + body + b"\n"
    return out + b"\n" + M + b" end " + name.encode() + b" " + str(status).encode() + b"\n"


DONE = b"\n" + M + b" done\n"

RK1808_COMPATIBLE = b"rockchip,rk1808-evb-v10\0rockchip,rk1808\0"
OS_RELEASE = 'NAME=Buildroot\nID=buildroot\nPRETTY_NAME="Buildroot 2018.02-rc3"\n'

# RO-001: the poster's paste, first line cut and an elision, galcore 6.4.3.5.293908
RO_001 = """   20.846644] galcore: loading out-of-tree module taints kernel.
[   20.849220] galcore: npu init.
[   20.851293] galcore: start npu probe.
[   20.851817] Galcore version 6.4.3.5.293908
.....
[   20.864052] galcore ffbc0000.npu: Init npu devfreq
"""
# RO-030: exactly the manual's command; .note.gnu.build-id also matches `grep build`
RO_030 = "1.4.0 (b4a8096 build: 2020-09-14 11:15:57)\n.note.gnu.build-id\n"
# RO-031: the runtime line among printf formats
RO_031 = ("librknn_runtime version 1.4.0 (4c92df0 build: 2020-09-11 20:27:18 base: 1112)\n"
          "E [%s:%d]build tensor io fail\n")
# RO-018 / RO-067: the DRM rknpu driver init lines (RKNPU2)
RO_018 = "[    2.167946] [drm] Initialized rknpu 0.9.8 20240828 for ff300000.npu on minor 1\n"
RO_067 = "[   10.718134] [drm] Initialized rknpu 0.8.5 20230202 for fde40000.npu on minor 1\n"
# RO-019: debugfs version file on an RK3588
RO_019 = "RKNPU driver: v0.9.3\n"
# RO-049: RKNPU2 summary lines
RO_049_RT = "librknnrt version: 2.3.2 (429f97ae6b@2025-04-09T09:09:27)\n"
RO_049_SERVER = "rknn_server version: 2.3.2 (1842325 build@2025-03-30T09:54:34)\n"


def rk1808_answer(dmesg: str = RO_001, server: str = RO_030, runtime: str = RO_031, tool: str = "strings",
                  done: bool = True) -> bytes:
    raw = (sec("id", "uid=0(root) gid=0(root)") + sec("kernel", "Linux version 4.4.194 (rk@rk1808) #1 SMP PREEMPT")
           + sec("compatible", RK1808_COMPATIBLE) + sec("getprop", "getprop: not found")
           + sec("os_release", OS_RELEASE) + sec("dmesg", dmesg)
           + sec("modules", "galcore 1105920 0 - Live 0x0000000000000000 (O)\nsysfs /sys/module/galcore")
           + sec("rknpu_debug") + files("galcore_ko", {"/lib/modules/galcore.ko": "$VERSION$6.4.3:293908$"}, tool)
           + files("rknn_server", {"/usr/bin/rknn_server": server}, tool)
           + files("runtime", {"/usr/lib/librknn_runtime.so": runtime}, tool)
           + sec("process", "/proc/440/comm:rknn_server", 0) + sec("npu_fw", "", 0))
    return raw + (DONE if done else b"")


# ----------------------------------------------------------------------------- split_answer


def test_split_a_whole_answer():
    ans = split_answer(rk1808_answer())
    assert ans.finished
    assert set(ans.sections) >= {"id", "compatible", "dmesg", "rknn_server", "runtime", "process", "npu_fw"}
    assert all(s.finished for s in ans.sections.values())
    server = ans.sections["rknn_server"]
    assert [p for p in server.parts if p] == ["/usr/bin/rknn_server"]
    assert server.meta["tool:/usr/bin/rknn_server"] == "strings"
    assert server.exit_status == 0
    assert ans.sections["compatible"].text.startswith(b"rockchip,rk1808-evb-v10\0")


@pytest.mark.parametrize("cut", [0, 1, 7, 100, 333, 700, 1000, -len(DONE), -3])
def test_split_truncated_anywhere(cut):
    raw = rk1808_answer()[:cut] if cut else b""
    ans = split_answer(raw)
    assert not ans.finished
    finished = [s for s in ans.sections.values() if s.finished]
    assert len(finished) >= len(ans.sections) - 1  # only the last one may be cut
    # facts never raise on a cut answer, and say why a fact is unknown
    for read in (facts.npu_driver, facts.rknn_server, facts.runtime, facts.server_running):
        fact = read(ans)
        assert fact.value or fact.reason


def test_split_cut_inside_a_section_is_unfinished():
    raw = rk1808_answer()
    cut = raw.index(b"Galcore version") + 5
    ans = split_answer(raw[:cut])
    assert not ans.sections["dmesg"].finished
    assert "rknn_server" not in ans.sections
    assert facts.rknn_server(ans).reason == "the board's answer stopped before this check ran"
    assert facts.npu_driver(ans).reason.startswith("the board's answer was cut off")


def test_split_duplicated_answer_keeps_the_versions():
    raw = rk1808_answer()
    ans = split_answer(raw + raw)
    assert ans.finished
    assert facts.rknn_server(ans).value == "1.4.0"
    assert facts.runtime(ans).value == "1.4.0"
    assert facts.npu_driver(ans).value == "6.4.3.5.293908"


def test_split_junk_markers_are_ignored():
    junk = (M + b"\n" + M + b"   \n" + M + b" end nothing 0\n" + M + b" begin\n" + M + b" bogus verb\n"
            + b"text " + M + b" begin fake\n" + M + b" \xff\xfe begin\n" + b"\x00\x01\x02\n")
    ans = split_answer(junk + rk1808_answer())
    assert "fake" not in ans.sections and ans.finished
    assert facts.rknn_server(ans).value == "1.4.0"


def test_split_marker_in_the_middle_of_a_line_is_data():
    raw = sec("dmesg", "[ 1.0] say " + MARK + " done\n[ 2.0] Galcore version 6.4.0.227915")
    ans = split_answer(raw)
    assert not ans.finished
    assert b"say " + M + b" done" in ans.sections["dmesg"].text


def test_split_non_utf8_bytes_survive():
    dmesg = b"[ 0.0] \xff\xfe\x80 earlycon \x1b[1;31m\xc3(\x00\n[ 2.3] Galcore version 6.4.0.227915\n\xfe\xfd junk"
    ans = split_answer(sec("dmesg", dmesg) + DONE)
    assert b"\xff\xfe\x80" in ans.sections["dmesg"].text
    assert facts.npu_driver(ans).value == "6.4.0.227915"


def test_split_crlf_and_empty_input():
    ans = split_answer(rk1808_answer().replace(b"\n", b"\r\n"))
    assert "dmesg" in ans.sections
    assert split_answer(b"").sections == {}
    assert not split_answer(b"\n\n\n").finished


def test_split_end_marker_with_unicode_digit_does_not_raise():
    raw = M + b" begin dmesg\nx\n" + M + " end dmesg ²\n".encode()
    ans = split_answer(raw)
    assert ans.sections["dmesg"].finished


def test_probe_of_a_recording_with_a_junk_end_marker_returns_a_report(tmp_path):
    raw = rk1808_answer().replace(M + b" end dmesg 0", M + " end dmesg ²".encode())
    rec = _recording(tmp_path, raw)
    report = rknn_compat.probe(f"fixture:{rec}", toolkit="1.3.2", usb=False)
    assert report.verdict in (COMPATIBLE, INCOMPATIBLE, UNKNOWN)


def test_random_bytes_never_break_split_or_facts():
    rnd = random.Random(4)
    base = rk1808_answer()
    for _ in range(200):
        raw = bytearray(base)
        for _ in range(rnd.randint(1, 40)):
            raw[rnd.randrange(len(raw))] = rnd.randrange(256)
        ans = split_answer(bytes(raw))
        facts.platform_facts(ans)
        for read in (facts.npu_driver, facts.rknn_server, facts.runtime, facts.server_running):
            read(ans)


# ----------------------------------------------------------------------------- facts


def test_facts_rk1808_manual_commands():
    ans = split_answer(rk1808_answer())
    plat = facts.platform_facts(ans, "RK1808_EVB")
    assert plat["soc"].value == "RK1808" and plat["soc"].source == "cat /proc/device-tree/compatible"
    assert plat["os"].value == "linux" and "Buildroot" in plat["os"].evidence
    assert plat["model"].value == "RK1808_EVB"
    drv = facts.npu_driver(ans)
    assert (drv.value, drv.source, drv.driver) == ("6.4.3.5.293908", "dmesg | grep -i galcore", "galcore")
    server = facts.rknn_server(ans)
    assert server.value == "1.4.0" and server.extra["commit"] == "b4a8096"
    assert server.source == "strings /usr/bin/rknn_server | grep build"
    assert ".note.gnu.build-id" not in server.evidence
    rt = facts.runtime(ans)
    assert rt.value == "1.4.0" and rt.extra.get("base") == "1112"
    assert rt.source == "strings /usr/lib/librknn_runtime.so | grep version"
    running = facts.server_running(ans)
    assert running.value == "running" and running.extra["processes"] == 1


def test_facts_without_strings_say_grep():
    ans = split_answer(rk1808_answer(tool="grep"))
    assert facts.rknn_server(ans).source.startswith("grep -a -o (no strings) /usr/bin/rknn_server")
    assert facts.rknn_server(ans).value == "1.4.0"


def test_facts_dmesg_rotated_uses_galcore_ko():
    ans = split_answer(rk1808_answer(dmesg="[ 9.9] usb 1-1: new high-speed USB device\n"))
    drv = facts.npu_driver(ans)
    assert drv.value == "6.4.3.293908" or drv.value.startswith("6.4.3")
    assert "galcore.ko" in drv.source and "module file" in drv.extra["note"]


def test_facts_dmesg_not_permitted():
    raw = rk1808_answer(dmesg="dmesg: klogctl: Operation not permitted\n").replace(
        b"$VERSION$6.4.3:293908$", b"nothing")
    drv = facts.npu_driver(split_answer(raw))
    assert drv.value is None
    assert "not readable by this user" in drv.reason
    assert "no $VERSION$ tag" in drv.reason


def test_facts_runtime_not_installed():
    raw = rk1808_answer().replace(files("runtime", {"/usr/lib/librknn_runtime.so": RO_031}), sec("runtime"))
    rt = facts.runtime(split_answer(raw))
    assert rt.value is None and rt.installed is False
    assert rt.reason.startswith("not installed (not at /usr/lib/librknn_runtime.so")


def test_facts_rknn_server_without_version_string():
    raw = rk1808_answer(server=".note.gnu.build-id\n")
    fact = facts.rknn_server(split_answer(raw))
    assert fact.value is None and fact.reason.startswith("/usr/bin/rknn_server:")


def test_facts_rknpu2_rk3588():
    raw = (sec("compatible", b"radxa,rock-5a\0rockchip,rk3588s\0") + sec("getprop", "getprop: not found")
           + sec("os_release", 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n')
           + sec("dmesg", RO_018) + sec("modules", "") + sec("rknpu_debug", M.decode() + " file "
                                                                   "/sys/kernel/debug/rknpu/version\n" + RO_019)
           + files("galcore_ko", {}) + files("rknn_server", {"/usr/bin/rknn_server": RO_049_SERVER})
           + files("runtime", {"/usr/lib/librknnrt.so": RO_049_RT}) + sec("process", "", 1) + sec("npu_fw") + DONE)
    ans = split_answer(raw)
    assert facts.platform_facts(ans)["soc"].value in ("RK3588", "RK3588S")
    drv = facts.npu_driver(ans)
    assert drv.driver == "rknpu" and drv.value in ("0.9.8", "0.9.3")
    assert facts.rknn_server(ans).value == "2.3.2"
    rt = facts.runtime(ans)
    assert rt.value == "2.3.2" and rt.path == "/usr/lib/librknnrt.so"
    assert facts.server_running(ans).value == "not running"


def test_facts_rk356x_rknpu_from_dmesg():
    raw = sec("dmesg", RO_067) + sec("modules", "rknpu 0 0 - Live 0x0")
    drv = facts.npu_driver(split_answer(raw))
    assert (drv.value, drv.driver) == ("0.8.5", "rknpu")


def test_facts_android_getprop():
    props = ("[ro.board.platform]: [rk3399pro]\n[ro.build.version.release]: [8.1.0]\n"
             "[ro.product.model]: [rk3399pro]\n")
    raw = sec("compatible", "cat: /proc/device-tree/compatible: No such file or directory", 1) + \
        sec("getprop", props) + DONE
    plat = facts.platform_facts(split_answer(raw))
    assert plat["soc"].value == "RK3399Pro" and plat["soc"].source == "getprop"
    assert plat["os"].value == "android" and plat["os"].extra["release"] == "8.1.0"


def test_facts_transfer_proxy_comm_is_truncated():
    ans = split_answer(sec("process", "/proc/318/comm:npu_transfer_pr\n"))
    running = facts.server_running(ans)
    assert running.value == "not running"
    assert running.extra["npu_transfer_proxy"] == 1


def test_facts_unknown_platform_says_why():
    ans = split_answer(sec("compatible", b"vendor,some-board\0", 0) + sec("getprop", "getprop: not found"))
    soc = facts.platform_facts(ans)["soc"]
    assert soc.value is None and soc.reason


# ----------------------------------------------------------------------------- judge


@pytest.fixture(scope="module")
def m():
    return matrix_mod.load()


def comps(driver=None, server=None, runtime=None, **extra) -> dict[str, Fact]:
    def f(v, name):
        if v == "missing":
            return Fact(None, None, "strings", "not installed", installed=False)
        if v is None:
            return Fact.unknown(f"{name} unreadable")
        given = extra.get(name, {})
        typed = {k: v for k, v in given.items() if k in Fact._TYPED}
        return Fact(v, f"{name} {v}", "test", extra={k: v for k, v in given.items() if k not in typed}, **typed)
    return {"npu_driver": f(driver, "npu_driver"), "rknn_server": f(server, "rknn_server"),
            "librknn_runtime": f(runtime, "librknn_runtime")}


def plat(soc="RK1808", os_="linux"):
    return {"soc": Fact(soc, soc, "test"), "os": Fact(os_, os_, "test")}


RUNNING = Fact("running", "rknn_server", "grep", extra={"processes": 1, "npu_transfer_proxy": 0})
STOPPED = Fact("not running", None, "grep", extra={"processes": 0, "npu_transfer_proxy": 0})


def by_comp(j):
    return {f.component: f for f in j.findings}


def test_judge_ok(m):
    j = check.judge(m, plat(), comps("6.4.0.227915", "1.3.2", "1.3.2"), RUNNING, m.release("1.3.2"))
    assert j.verdict == COMPATIBLE and j.matched == ["1.3.2"]
    assert {f.status for f in j.findings} == {"ok"}
    assert "rknn_server_process" in by_comp(j)


def test_judge_older_board(m):
    j = check.judge(m, plat(), comps("6.3.3.2", "0.9.8", "1.0.0"), RUNNING, m.release("1.3.2"))
    assert j.verdict == INCOMPATIBLE and j.matched == ["1.1.0"]
    f = by_comp(j)["rknn_server"]
    assert f.status == "mismatch" and f.expected == "1.3.2" and f.found == "0.9.8"
    assert f.remedy.startswith("Upgrade the board to the 1.3.2 release")
    assert "RKNN Toolkit 1.1.0" in f.remedy


def test_judge_newer_board(m):
    j = check.judge(m, plat(), comps("6.4.6.5.351518", "1.7.5", "1.7.5"), RUNNING, m.release("1.3.2"))
    assert j.verdict == INCOMPATIBLE
    for c in ("npu_driver", "rknn_server", "librknn_runtime"):
        assert by_comp(j)[c].remedy.startswith("Upgrade RKNN Toolkit on the host to 1.7.5")


def test_judge_newer_unlisted_version(m):
    j = check.judge(m, plat(), comps(None, "1.9.9", None), RUNNING, m.release("1.3.2"))
    f = by_comp(j)["rknn_server"]
    assert f.status == "mismatch" and "newer than RKNN Toolkit 1.3.2" in f.remedy


def test_judge_unknown(m):
    j = check.judge(m, plat(), comps(None, "1.3.2", "1.3.2"), RUNNING, m.release("1.3.2"))
    assert j.verdict == UNKNOWN
    f = by_comp(j)["npu_driver"]
    assert f.status == "unknown" and f.found is None
    assert "npu_driver unreadable" in f.remedy and "dmesg | grep -i galcore" in f.remedy


def test_judge_not_installed(m):
    j = check.judge(m, plat(), comps("6.4.0.227915", "1.3.2", "missing"), RUNNING, m.release("1.3.2"))
    assert j.verdict == INCOMPATIBLE
    f = by_comp(j)["librknn_runtime"]
    assert (f.status, f.found) == ("mismatch", "not installed")
    j = check.judge(m, plat(), comps("6.4.0.227915", "missing", "1.3.2"), None, m.release("1.3.2"))
    assert "mini driver" in by_comp(j)["rknn_server"].remedy
    assert "rknn_server_process" not in by_comp(j)


def test_judge_not_running(m):
    j = check.judge(m, plat(), comps("6.4.0.227915", "1.3.2", "1.3.2"), STOPPED, m.release("1.3.2"))
    f = by_comp(j)["rknn_server_process"]
    assert j.verdict == NOT_READY and f.status == "not_ready" and "start_rknn.sh" in f.remedy
    j = check.judge(m, plat("RK1808", "android"), comps("6.4.0.227915", "1.3.2", "1.3.2"), STOPPED,
                    m.release("1.3.2"))
    assert "/vendor/bin/rknn_server" in by_comp(j)["rknn_server_process"].remedy


def test_judge_rk3399pro_checks_the_transfer_proxy(m):
    note = {"location": "npu_firmware", "note": "read from the NPU firmware image"}
    c = comps("6.4.6.5.351518", "1.7.5", "1.7.5", rknn_server=note)
    proxy = Fact("not running", None, "grep", extra={"processes": 0, "npu_transfer_proxy": 1})
    j = check.judge(m, plat("RK3399Pro", "android"), c, proxy, m.release("1.7.5"))
    assert j.verdict == COMPATIBLE
    assert by_comp(j)["npu_transfer_proxy_process"].status == "ok"
    j = check.judge(m, plat("RK3399Pro", "android"), c, STOPPED, m.release("1.7.5"))
    assert by_comp(j)["npu_transfer_proxy_process"].status == "not_ready"


def test_judge_rknpu2_soc_against_toolkit1_is_a_platform_mismatch(m):
    c = comps("0.9.8", "2.3.2", "2.3.2", npu_driver={"driver": "rknpu"})
    j = check.judge(m, plat("RK3588"), c, RUNNING, m.release("1.3.2"))
    assert j.verdict == INCOMPATIBLE
    assert [f.component for f in j.findings] == ["platform"]
    f = j.findings[0]
    assert f.status == "mismatch" and "RKNPU2" in f.remedy and "RKNN-Toolkit2" in f.remedy
    # an RKNPU2 board is never judged by the 1.x component rows
    assert not {"npu_driver", "rknn_server", "librknn_runtime"} & {x.component for x in j.findings}


def test_judge_rknpu_driver_alone_marks_the_generation(m):
    c = comps("0.9.8", "2.3.2", "2.3.2", npu_driver={"driver": "rknpu"})
    j = check.judge(m, plat(None), c, RUNNING, m.release("1.3.2"))
    assert [f.component for f in j.findings] == ["platform"]


def test_judge_toolkit1_board_against_toolkit2(m):
    j = check.judge(m, plat(), comps("6.4.0.227915", "1.3.2", "1.3.2"), RUNNING, m.release("2.3.2", "rknpu2"))
    assert [f.component for f in j.findings] == ["platform"] and j.verdict == INCOMPATIBLE


def test_judge_rk3588_without_target(m):
    c = comps("0.9.8", "2.3.2", "2.3.2", npu_driver={"driver": "rknpu"})
    j = check.judge(m, plat("RK3588"), c, RUNNING, None)
    assert j.verdict == CONSISTENT, j.findings
    assert j.matched and all(x.startswith("toolkit2-") for x in j.matched)
    assert "toolkit2-2.3.2" in j.matched


def test_judge_mixed_board_without_target(m):
    j = check.judge(m, plat(), comps("6.4.3.5.293908", "1.7.3", "1.6.0"), RUNNING, None)
    assert j.verdict == INCOMPATIBLE and j.matched == []
    assert by_comp(j)["rknn_server"].status == "mismatch"


def test_judge_unlisted_board_side_release(m):
    j = check.judge(m, plat(), comps(None, "1.3.4", None), RUNNING, None)
    f = by_comp(j)["rknn_server"]
    assert f.status == "mismatch" and "No toolkit release" in f.remedy


def test_precompile_note_for_an_old_rknn_server(m):
    j = check.judge(m, plat(), comps(None, "0.9.4", None), RUNNING, m.release("1.3.2"))
    assert len(j.notes) == 1
    assert "re-compiled" in j.notes[0] or "Pre-compiled" in j.notes[0]
    assert "1.6.2" in j.notes[0]
    j = check.judge(m, plat(), comps("6.4.0.227915", "1.3.2", "1.3.2"), RUNNING, m.release("1.3.2"))
    assert j.notes == []


def test_worst_verdict():
    assert worst_verdict([]) == UNKNOWN
    assert worst_verdict([COMPATIBLE]) == COMPATIBLE
    assert worst_verdict([COMPATIBLE, UNKNOWN]) == UNKNOWN
    assert worst_verdict([UNKNOWN, INCOMPATIBLE, COMPATIBLE]) == INCOMPATIBLE
    assert worst_verdict(iter([COMPATIBLE, COMPATIBLE])) == COMPATIBLE


def test_exit_codes_follow_the_verdict():
    verdicts = (COMPATIBLE, CONSISTENT, INCOMPATIBLE, UNKNOWN, NOT_READY)
    assert [BoardReport({}, verdict=v).exit_code for v in verdicts] == [0, 0, 1, 3, 4]


def test_fact_extras_never_replace_the_contract_keys():
    d = Fact("1.3.2", "line", "the command", None, {"source": "parser", "value": "x", "path": "/p"}).to_dict("version")
    assert (d["version"], d["source"], d["path"]) == ("1.3.2", "the command", "/p")


# ----------------------------------------------------------------------------- recordings


def _recording(tmp_path: Path, stdout: bytes, **over) -> Path:
    doc = {"format": FORMAT, "serial": "rec", "transport": "adb", "device": {"model": "RK1808_EVB"},
           "runs": [{"stdout_b64": base64.b64encode(stdout).decode(), "exit_code": 0, "complete": True,
                     "error": None}], "files": {}}
    doc.update(over)
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("content", [
    "{not json", "\xff\xfe", "[]", "null", json.dumps({"format": "other/1", "runs": []}),
    json.dumps({"runs": []}),
    json.dumps({"format": FORMAT}),
    json.dumps({"format": FORMAT, "runs": 5}),
    json.dumps({"format": FORMAT, "runs": [5]}),
    json.dumps({"format": FORMAT, "runs": [{}]}),
    json.dumps({"format": FORMAT, "runs": [{"stdout_b64": "!!!not base64"}]}),
    json.dumps({"format": FORMAT, "runs": [{"stdout_b64": 5}]}),
    json.dumps({"format": FORMAT, "runs": [], "files": [1, 2]}),
    json.dumps({"format": FORMAT, "runs": [], "files": {"/x": 5}}),
    json.dumps({"format": FORMAT, "runs": [], "device": "RK1808"}),
])
def test_fixture_malformed_is_a_usage_error(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape") if content != "\xff\xfe" else b"\xff\xfe")
    with pytest.raises(UsageError) as exc:
        FixtureTransport(path)
    assert exc.value.exit_code == 2
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(UsageError):
        rknn_compat.probe(f"fixture:{path}", toolkit="1.3.2", usb=False)


def test_fixture_missing_or_directory(tmp_path):
    for path in (tmp_path / "nope.json", tmp_path):
        with pytest.raises(UsageError) as exc:
            FixtureTransport(path)
        assert exc.value.exit_code == 2


def test_fixture_with_no_runs_is_unknown_not_a_crash(tmp_path):
    rec = _recording(tmp_path, b"", runs=[])
    report = rknn_compat.probe(f"fixture:{rec}", toolkit="1.3.2", usb=False)
    assert report.verdict == UNKNOWN and report.exit_code == 3
    assert "did not answer" in report.error


def test_fixture_replays_a_real_recording():
    report = rknn_compat.probe(f"fixture:{RECORDINGS / 'rk1808-linux-1.3.2.json'}", toolkit="1.3.2", usb=False)
    assert report.verdict == COMPATIBLE
    assert report.device.transport == "fixture" and report.device.model == "RK1808_EVB"
    assert [report.components[c].value for c in ("npu_driver", "rknn_server", "librknn_runtime")] == \
        ["6.4.0.227915", "1.3.2", "1.3.2"]
    older = rknn_compat.probe(f"fixture:{RECORDINGS / 'rk1808-linux-1.3.2.json'}", toolkit="1.1.0", usb=False)
    assert older.verdict == INCOMPATIBLE
    assert "put the 1.1.0 release on the board" in older.findings[0].remedy


def test_fixture_replays_a_dropped_board():
    report = rknn_compat.probe(f"fixture:{RECORDINGS / 'rk1808-drop.json'}", toolkit="1.3.2", usb=False)
    assert report.verdict == UNKNOWN and report.error
    assert report.platform["soc"].value == "RK1808"


def test_fixture_replays_a_board_without_strings():
    report = rknn_compat.probe(f"fixture:{RECORDINGS / 'rk1808-no-strings.json'}", toolkit="1.3.2", usb=False)
    assert report.verdict == COMPATIBLE
    assert report.components["rknn_server"].source.startswith("grep -a -o (no strings)")


def test_record_and_replay_in_process(tmp_path):
    inner = FixtureTransport(RECORDINGS / "rk1808-linux-1.3.2.json")
    rec = RecordingTransport(inner, {"model": "X"})
    out = rec.run(SCRIPT, 1)
    assert rec.read_file("/nope", 1) is None
    rec.save(tmp_path / "again.json")
    replay = FixtureTransport(tmp_path / "again.json")
    assert replay.run(SCRIPT, 1).stdout == out.stdout
    assert replay.read_file("/nope", 1) is None
    assert replay.run(SCRIPT, 1).error == "the recording has no more answers"
    with pytest.raises(UsageError):
        rec.save(tmp_path / "no-such-dir" / "x.json")


# ----------------------------------------------------------------------------- local transport


def test_local_transport_timeout_keeps_partial_output():
    started = time.monotonic()
    result = LocalTransport().run("echo early; exec sleep 5", 0.5)
    assert time.monotonic() - started < 3
    assert not result.complete and "no answer within 0.5 s" in result.error
    assert b"early" in result.stdout


def test_local_transport_runs_and_reads(tmp_path):
    result = LocalTransport().run("echo hi; exit 3", 5)
    assert result.complete and result.stdout == b"hi\n" and result.exit_code == 3
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    assert LocalTransport().read_file(str(f), 1) == b"abc"
    assert LocalTransport().read_file(str(f), 1, limit=2) is None
    assert LocalTransport().read_file(str(tmp_path / "none"), 1) is None


# ----------------------------------------------------------------------------- firmware


def newc(name: str, data: bytes, mode: int = 0o100644, filesize: str | None = None) -> bytes:
    fields = [f"{v:08X}" for v in (1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)]
    if filesize is not None:
        fields[6] = filesize
    blob = b"070701" + "".join(fields).encode() + name.encode() + b"\0"
    blob += b"\0" * (-len(blob) % 4)
    return blob + data + b"\0" * (-len(data) % 4)


def boot_img(ramdisk: bytes, page: int = 2048, kernel: bytes = b"K" * 100) -> bytes:
    hdr = b"ANDROID!" + struct.pack("<8I", len(kernel), 0x10008000, len(ramdisk), 0x11000000, 0, 0, 0x100, page)
    return hdr.ljust(page, b"\0") + kernel.ljust(-(-len(kernel) // page) * page, b"\0") + ramdisk


SERVER_ELF = b"\x7fELF\x02\x01\0junk\0\x011.7.5 (bb79b30 build: 2023-07-18 10:49:14)\0ab\0"
RUNTIME_ELF = b"\x7fELF\0librknn_runtime version 1.7.5 (ccb93f1 build: 2023-07-18 10:48:49 base: 1131)\0"
GALCORE_ELF = b"\x7fELF\0\0$VERSION$6.4.6:351518$\0"


def tiny_image(**kw) -> bytes:
    cpio = (newc("usr", b"", mode=0o040755) + newc("usr/bin/rknn_server", SERVER_ELF)
            + newc("usr/lib/librknn_runtime.so", RUNTIME_ELF) + newc("lib/modules/galcore.ko", GALCORE_ELF)
            + newc("etc/other", b"rknn_server 9.9.9") + newc("TRAILER!!!", b""))
    return boot_img(gzip.compress(cpio), **kw)


def test_npu_files_of_a_tiny_image():
    found = firmware.npu_files(tiny_image())
    assert set(found) == {"rknn_server", "librknn_runtime.so", "galcore.ko"}
    assert "1.7.5 (bb79b30 build: 2023-07-18 10:49:14)" in found["rknn_server"]
    assert "librknn_runtime version 1.7.5" in found["librknn_runtime.so"]
    assert "$VERSION$6.4.6:351518$" in found["galcore.ko"]
    assert firmware.npu_files(tiny_image(page=4096)) == found


def test_npu_files_boot_img_through_the_probe(tmp_path):
    raw = (sec("compatible", b"rockchip,rk3399pro-evb-v11\0rockchip,rk3399pro\0")
           + sec("getprop", "[ro.board.platform]: [rk3399pro]\n[ro.build.version.release]: [8.1.0]\n")
           + sec("dmesg") + sec("modules") + sec("rknpu_debug") + files("galcore_ko", {})
           + files("rknn_server", {}) + files("runtime", {})
           + sec("process", "/proc/318/comm:npu_transfer_pr\n")
           + b"\n" + M + b" begin npu_fw\n\n" + M + b" dir /vendor/etc/npu_fw\n\n" + M
           + b" file /vendor/etc/npu_fw/boot.img\n\n" + M + b" tool strings\n\n" + M + b" end npu_fw 0\n" + DONE)
    image = tiny_image()
    rec = _recording(tmp_path, raw, files={"/vendor/etc/npu_fw/boot.img": base64.b64encode(image).decode()})
    report = rknn_compat.probe(f"fixture:{rec}", toolkit="1.7.5", usb=False)
    d = report.to_dict()
    assert d["platform"]["soc"]["value"] == "RK3399Pro"
    for c in ("npu_driver", "rknn_server", "librknn_runtime"):
        assert "boot.img" in d["components"][c]["source"] and d["components"][c]["pulled_bytes"] == len(image)
    assert d["components"]["rknn_server"]["version"] == "1.7.5"
    assert report.verdict == COMPATIBLE, d["findings"]
    # a firmware image that cannot be pulled: unknown with the reason, never a crash
    rec = _recording(tmp_path, raw, files={"/vendor/etc/npu_fw/boot.img": None})
    report = rknn_compat.probe(f"fixture:{rec}", toolkit="1.7.5", usb=False)
    assert report.verdict == UNKNOWN
    assert "could not pull it" in report.components["rknn_server"].reason


HOSTILE_IMAGES = [
    b"", b"ANDROID!", b"ANDROID!" + b"\xff" * 40, b"ANDROID!" + b"\0" * 100,
    b"ANDROID!" + struct.pack("<8I", 0, 0, 10, 0, 0, 0, 0, 2048),  # ramdisk past the end
    b"ANDROID!" + struct.pack("<8I", 0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0, 0, 0, 2048) + b"\0" * 5000,
    boot_img(b"not gzip at all" * 10),
    boot_img(gzip.compress(b"070701" + b"Z" * 200)),  # cpio header with non-hex fields
    boot_img(gzip.compress(b"junk before " + newc("rknn_server", b"1.0.0 (a build: b)"))),
    boot_img(gzip.compress(newc("rknn_server", b"x" * 10, filesize="FFFFFFFF"))),
    boot_img(gzip.compress(newc("", b""))),
    boot_img(gzip.compress(newc("rknn_server", b"data"))[:-8]),  # truncated gzip
    tiny_image()[:3000],
    os.urandom(4096),
    b"ANDROID!" + os.urandom(4096),
]


@pytest.mark.parametrize("image", HOSTILE_IMAGES, ids=range(len(HOSTILE_IMAGES)))
def test_npu_files_never_raises(image):
    assert isinstance(firmware.npu_files(image), dict)


def test_npu_files_random_flips_never_raise():
    rnd = random.Random(7)
    base = bytearray(tiny_image())
    for _ in range(300):
        img = bytearray(base)
        for _ in range(rnd.randint(1, 20)):
            img[rnd.randrange(len(img))] = rnd.randrange(256)
        assert isinstance(firmware.npu_files(bytes(img)), dict)


HANG = """
import gzip, struct, sys
sys.path.insert(0, {tests!r})
from test_probe_units import boot_img, newc
from rknn_compat.read import npu_firmware as firmware
print(firmware.npu_files(boot_img(gzip.compress(newc("x", b"", filesize="-0000070")))))
"""


def test_npu_files_negative_cpio_size_does_not_hang():
    code = HANG.format(tests=str(Path(__file__).parent))
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("npu_files hangs on a cpio header with a negative size")
    assert proc.returncode == 0, proc.stderr
