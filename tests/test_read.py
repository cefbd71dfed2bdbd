"""Readers against real board outputs and other spellings.

``tests/data/real_board_outputs.json``: outputs users pasted in public threads and repositories,
each item with its ``source`` (thread URL or repository path) and what it states (``expected``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rknn_compat import read as P
from rknn_compat.read.identity import kernel_release_read
from rknn_compat.transport.adb_devices import adb_devices
from rknn_compat.versions import parse_version

REAL = Path(__file__).resolve().parent / "data" / "real_board_outputs.json"
ITEMS = json.loads(REAL.read_text(encoding="utf-8"))


def _cases(key: str) -> list:
    return [pytest.param(it, id=it["id"]) for it in ITEMS if key in it["expected"]]


# the keys explain reads (api, drv, drv_rknn_server, drv_rknnrt) and the on-board RKNPU1 ones
SDK_KEYS = {"api", "drv", "drv_rknn_server", "drv_rknnrt", "api_runtime", "drv_galcore"}


def _v(s: str):
    return parse_version(s)


# --------------------------------------------------------------------------- real outputs


@pytest.mark.parametrize("item", _cases("galcore_version"))
def test_real_galcore(item):
    exp = item["expected"]["galcore_version"]
    got = P.galcore_version(item["text"])
    if exp is None:
        assert got.version is None and got.reason
    else:
        assert str(got.version) == exp
        assert got.evidence and exp in got.evidence


# what each real item states about a component -> the reader, and where the reader puts each detail
COMPONENT_READERS = {
    "rknn_server_version": (P.rknn_server_version, {"rknn_server_commit": "commit",
                                                    "rknn_server_build_time": "build_time"}),
    "librknn_runtime_version": (P.runtime_version, {"librknn_runtime_commit": "commit",
                                                    "librknn_runtime_build_time": "build_time",
                                                    "librknn_runtime_base": "base"}),
    "librknnrt_version": (P.runtime_version, {"librknnrt_commit": "commit", "librknnrt_build_time": "build_time"}),
    "rknpu_driver_version": (P.rknpu_version, {"rknpu_driver_date": "date", "npu_reg_base": "address"}),
}


@pytest.mark.parametrize("key,item", [pytest.param(k, it, id=f"{k}-{it['id']}")
                                      for k in COMPONENT_READERS for it in ITEMS if k in it["expected"]])
def test_real_component(key, item):
    """Every version and detail a real paste states is read, from the line that states it."""
    reader, details = COMPONENT_READERS[key]
    exp = item["expected"]
    got = reader(item["text"])
    assert got.version is not None, got.reason
    assert str(got.version) == exp[key] and got.version.matches(_v(exp[key]))
    for field, where in details.items():
        if field in exp:
            assert (got.commit if where == "commit" else got.extra[where]) == exp[field], field
    if key == "rknn_server_version":
        assert "Transfer" not in got.evidence  # NPUTransfer's own version is not rknn_server's
    if key.startswith("librknn"):
        assert got.extra["library"] == key.rsplit("_", 1)[0]
    if key == "rknpu_driver_version":  # an RKNPU2 board has no galcore: say so, don't guess
        gal = P.galcore_version(item["text"])
        assert gal.version is None and gal.reason


@pytest.mark.parametrize("item", _cases("configurations"))
def test_real_two_configurations_last_wins(item):
    confs = item["expected"]["configurations"]
    got = P.rknpu_version(item["text"])
    assert str(got.version) == confs[-1]["rknpu_driver_version"]
    assert [c[0] for c in got.extra["candidates"]] == [
        c["rknpu_driver_version"] for c in confs
    ]
    assert got.extra["conflict"] is True
    sdk = P.sdk_version(item["text"])
    assert str(sdk["drv"].version) == confs[-1]["rknpu_driver_version"]
    assert sdk["drv"].extra["component"] == "rknpu kernel driver"
    assert str(sdk["api"].version) == confs[-1]["api_version"]
    assert sdk["api"].commit == confs[-1]["api_commit"]


@pytest.mark.parametrize("item", _cases("api_version"))
def test_real_sdk_version(item):
    exp = item["expected"]
    got = P.sdk_version(item["text"])
    assert str(got["api"].version) == exp["api_version"]
    assert got["api"].commit == exp["api_commit"]
    assert got["api"].extra["build_time"] == exp["api_build_time"]
    assert str(got["drv"].version) == exp["drv_version"]
    assert got["drv"].commit == exp["drv_commit"]
    assert got["drv"].extra["build_time"] == exp["drv_build_time"]
    assert got["api"].version.matches(got["drv"].version) is exp["api_drv_match"]
    assert got["drv_rknnrt"].version is None and got["drv_rknnrt"].reason
    # DRV of the sdk block is not read by rknn_server_version, nor Transfer version
    assert P.rknn_server_version(item["text"]).version is None


@pytest.mark.parametrize("item", _cases("devices"))
def test_real_adb_devices(item):
    got = adb_devices(item["text"])
    assert got == item["expected"]["devices"]


@pytest.mark.parametrize("item", _cases("adb_devices"))
def test_real_adb_devices_backticks(item):
    assert adb_devices(item["text"]) == item["expected"]["adb_devices"]


@pytest.mark.parametrize("item", _cases("lsusb_devices"))
def test_real_lsusb(item):
    got = P.lsusb_rockchip(item["text"])
    exp = [
        {"bus": d["bus"], "device": d["device"], "vid": d["vid"], "pid": d["pid"],
         "name": d["description"]}
        for d in item["expected"]["lsusb_devices"]
    ]
    assert got == exp


@pytest.mark.parametrize("item", _cases("host_is_rockchip"))
def test_real_not_rockchip(item):
    entries = P.compatible_list(item["text"])
    prefix = item["expected"]["device_tree_compatible_prefix"]
    assert entries[0] == prefix[0]
    assert prefix[1].startswith(entries[1])
    soc, why = P.soc_from_compatible(entries)
    assert soc is None
    assert "not a Rockchip" in why and "raspberrypi" in why


@pytest.mark.parametrize("item", [pytest.param(it, id=it["id"]) for it in ITEMS])
def test_real_no_false_positives(item):
    """A parser finds nothing where the item states nothing of its kind."""
    exp, text = item["expected"], item["text"]
    if "galcore_version" not in exp:
        assert P.galcore_version(text).version is None
    if "rknn_server_version" not in exp:
        assert P.rknn_server_version(text).version is None
    if "librknn_runtime_version" not in exp and "librknnrt_version" not in exp:
        assert P.runtime_version(text).version is None
    if "rknpu_driver_version" not in exp and "configurations" not in exp:
        assert P.rknpu_version(text).version is None
    if not {"devices", "adb_devices"} & set(exp):
        assert adb_devices(text) == []
    if "lsusb_devices" not in exp:
        assert P.lsusb_rockchip(text) == []
    if "api_version" not in exp and "configurations" not in exp:
        assert all(p.version is None for p in P.sdk_version(text).values())


# --------------------------------------------------------------------------- galcore spellings


def test_galcore_bare_and_prefixed():
    for line in (
        "[    1.324472] Galcore version 6.4.0.227915",
        "<6>[    1.324472] galcore: Galcore version 6.4.0.227915",
        "Nov 25 10:00:00 rk1808 kernel: [ 1.3] Galcore version 6.4.0.227915",
        "Galcore version 6.4.0.227915",
    ):
        got = P.galcore_version(line)
        assert str(got.version) == "6.4.0.227915", line
        assert got.evidence == line.strip()
        assert got.version.build == 227915
        assert got.extra["source"] == "dmesg"


def test_galcore_styles():
    assert str(P.galcore_version("Galcore version 6.4.3.5.293908").version) == "6.4.3.5.293908"
    v = P.galcore_version("[ 1.3] Galcore version 6.4.3.p2.336687").version
    assert v.base == (6, 4, 3) and v.build == 336687
    assert str(P.galcore_version("Galcore version 6.4.6.5.351518").version) == "6.4.6.5.351518"


def test_galcore_last_wins_after_reload():
    text = (
        "[    5.1] Galcore version 6.4.0.227915\n"
        "[    5.2] galcore: npu init.\n"
        "[  300.0] galcore: start npu probe.\n"
        "[  300.1] Galcore version 6.4.6.5.351518\n"
        "[  300.2] galcore ffbc0000.npu: avs=0\n"
    )
    got = P.galcore_version(text)
    assert str(got.version) == "6.4.6.5.351518"
    assert got.evidence == "[  300.1] Galcore version 6.4.6.5.351518"
    assert got.extra["conflict"] is True
    assert len(got.extra["candidates"]) == 2
    assert "last" in got.extra["why"]


def test_galcore_wrapped_number_on_next_line():
    for text in (
        "[   20.851817] Galcore version\n[   20.851818] 6.4.3.5.293908\n[ 20.9] npu: x\n",
        "[   20.851817] Galcore version\n6.4.3.5.293908\n",
    ):
        got = P.galcore_version(text)
        assert str(got.version) == "6.4.3.5.293908"
        assert got.extra["wrapped"] is True
        assert "\n" in got.evidence


def test_galcore_wrapped_inside_number():
    got = P.galcore_version("[   20.851817] Galcore version 6.4.3.5.29\n3908\n")
    assert str(got.version) == "6.4.3.5.293908"
    assert got.extra["wrapped"] is True


def test_galcore_complete_line_not_joined_with_next():
    got = P.galcore_version("[ 1.0] Galcore version 6.4.0.227915\n[ 1.1] galcore: npu init.\n")
    assert str(got.version) == "6.4.0.227915"
    assert "wrapped" not in got.extra


def test_galcore_noise_only():
    text = (
        "   20.846644] galcore: loading out-of-tree module taints kernel.\n"
        "[   20.849220] galcore: npu init.\n"
        "[   20.865465] galcore ffbc0000.npu: avs=0\n"
    )
    got = P.galcore_version(text)
    assert got.version is None and got.evidence is None
    assert "none states the version" in got.reason


def test_galcore_absent():
    got = P.galcore_version("[    0.000000] Booting Linux on physical CPU 0x0\n")
    assert got.version is None
    assert "no 'Galcore version' line" in got.reason


def test_galcore_version_word_without_number():
    got = P.galcore_version("check the Galcore version\nwith dmesg\n")
    assert got.version is None and "no readable version" in got.reason


def test_galcore_ko_strings_prefers_version_tag():
    text = "6.4.0.2.227915\nlicense=Dual MIT/GPL\n$VERSION$6.4.0:227915$\n"
    got = P.galcore_version(text)
    assert got.extra["source"] == "VERSION tag"
    assert got.evidence == "$VERSION$6.4.0:227915$"
    assert got.version.base == (6, 4, 0) and got.version.build == 227915
    assert got.version.matches(_v("6.4.0.2.227915"))
    tag = P.galcore_version("$VERSION$6.4.6:351518$")
    assert tag.version.matches(_v("6.4.6.5.351518"))
    bare = P.galcore_version("galcore\n6.4.0.2.227915\n")
    assert bare.extra["source"] == "strings" and bare.version.build == 227915


def test_galcore_dmesg_beats_ko_strings():
    text = "$VERSION$6.4.0:227915$\n[ 1.0] Galcore version 6.4.3.5.293908\n"
    assert str(P.galcore_version(text).version) == "6.4.3.5.293908"


def test_galcore_crlf_ansi_fences():
    text = (
        "Here is my dmesg:\r\n```text\r\n"
        "\x1b[32m[   20.851817]\x1b[0m Galcore version 6.4.3.5.293908\r\n```\r\n"
    )
    got = P.galcore_version(text)
    assert str(got.version) == "6.4.3.5.293908"
    assert got.evidence == "[   20.851817] Galcore version 6.4.3.5.293908"
    assert "\x1b" not in got.evidence and "\r" not in got.evidence


def test_galcore_bytes_input():
    got = P.galcore_version(b"\xff\xfe junk\n[ 1.0] Galcore version 6.4.0.227915\n\x00\x00")
    assert str(got.version) == "6.4.0.227915"


def test_galcore_reason_on_rknpu_board():
    got = P.galcore_version("[ 2.1] [drm] Initialized rknpu 0.9.8 20240828 for x.npu on minor 1")
    assert got.version is None and "rknpu" in got.reason


# --------------------------------------------------------------------------- rknpu spellings


def test_rknpu_spellings():
    cases = {
        "[drm] Initialized rknpu 0.9.6 20240322 for fdab0000.npu on minor 1": "0.9.6",
        "RKNPU driver: v0.9.3": "0.9.3",
        "I RKNN: [01:19:04.510] RKNN Driver Information: version: 0.8.2": "0.8.2",
        "I RKNN: RKNN Driver Information, version: 0.9.8": "0.9.8",
        "driver version: 0.8.2, API version: 1.6.0 (9a7b5d24c@2023-12-13T17:31:11)": "0.8.2",
        "sdk version: 1.4.0 (a10f100eb@2022-09-09T09:07:14) driver version: 0.7.2": "0.7.2",
    }
    for line, exp in cases.items():
        got = P.rknpu_version(line)
        assert str(got.version) == exp, line
        assert got.evidence == line


def test_rknpu_drm_extra():
    got = P.rknpu_version("[ 2.0] [drm] Initialized rknpu 0.9.6 20240322 for fdab0000.npu on minor 1")
    assert got.extra == {
        "source": "drm init",
        "date": "20240322",
        "device": "fdab0000.npu",
        "address": "fdab0000",
        "minor": 1,
    }


def test_rknpu_kernel_line_beats_summary():
    text = "[drm] Initialized rknpu 0.9.6 20240322 for fdab0000.npu on minor 1\nrknpu 0.9.8 20240828\n"
    got = P.rknpu_version(text)
    assert str(got.version) == "0.9.6"
    assert got.extra["conflict"] is True


def test_rknpu_absent_on_galcore_board():
    got = P.rknpu_version("[ 1.0] Galcore version 6.4.0.227915")
    assert got.version is None and "galcore" in got.reason


def test_rknpu_not_hardware_version():
    text = "E RKNN: [07:01:31.700] failed to check rknpu hardware version: 0"
    assert P.rknpu_version(text).version is None


# --------------------------------------------------------------------------- rknn_server spellings


def test_rknn_server_strings_build_colon_and_at():
    text = "1.7.5 (bb79b30 build: 2023-07-18 10:49:14)\n.note.gnu.build-id\n"
    got = P.rknn_server_version(text)
    assert str(got.version) == "1.7.5" and got.commit == "bb79b30"
    assert got.extra["build_time"] == "2023-07-18 10:49:14"
    assert got.evidence == "1.7.5 (bb79b30 build: 2023-07-18 10:49:14)"
    at = P.rknn_server_version("rknn_server version: 2.3.2 (1842325 build@2025-03-30T09:54:34)")
    assert str(at.version) == "2.3.2" and at.commit == "1842325"
    assert at.extra["build_time"] == "2025-03-30T09:54:34"


def test_rknn_server_old_versions():
    assert str(P.rknn_server_version("0.9 (ad8cf48 build: 2018-11-15 15:53:54)").version) == "0.9"
    assert str(P.rknn_server_version("0.91 (237fb1a build: 2018-12-29 16:46:59)").version) == "0.91"


def test_rknn_server_banner_and_case():
    got = P.rknn_server_version("start rknn server, version: 1.3.0 (121b661 build: 2022-04-29 11:12:02)")
    assert str(got.version) == "1.3.0" and got.extra["source"] == "start banner"
    old_tk2 = P.rknn_server_version("rknn_server version: 1.3.0 (121b661 build: 2022-04-29 11:12:02)")
    assert old_tk2.commit == "121b661"


def test_rknn_server_ignores_other_build_strings():
    text = (
        "I NPUTransfer: Starting NPU Transfer Server, Transfer version 2.1.0 (b5861e7@2020-11-23)\n"
        "librknn_runtime version 1.7.5 (ccb93f1 build: 2023-07-18 10:48:49 base: 1131)\n"
        "E [%s:%d]build tensor io fail\n"
        ".note.gnu.build-id\n"
        "D RKNNAPI:   DRV: 1.7.3 (c4ea832 build: 2022-08-13 09:29:29)\n"
        "librknn_api version 1.7.5 (cf7f05f build: 2023-07-25 10:17:18)\n"
    )
    got = P.rknn_server_version(text)
    assert got.version is None and "Transfer version" in got.reason


def test_rknn_server_named_beats_bare():
    text = (
        "start rknn server, version:1.7.1 (0cfd4a1 build: 2021-12-10 09:43:11)\n"
        "1.7.3 (c4ea832 build: 2022-08-13 09:13:08)\n"
    )
    got = P.rknn_server_version(text)
    assert str(got.version) == "1.7.1"
    assert got.extra["conflict"] is True and "preferred" in got.extra["why"]


def test_rknn_server_same_rank_last_wins():
    text = (
        "1.7.3 (c4ea832 build: 2022-08-13 09:13:08)\n"
        "1.7.5 (bb79b30 build: 2023-07-18 10:49:14)\n"
    )
    assert str(P.rknn_server_version(text).version) == "1.7.5"


def test_rknn_server_markdown_and_prompt():
    text = (
        "```\n[root@M1808 ~]# strings /usr/bin/rknn_server | grep build\n"
        "`1.4.0 (b4a8096 build: 2020-09-14 11:15:57)`\n```\n"
    )
    got = P.rknn_server_version(text)
    assert str(got.version) == "1.4.0"
    assert got.evidence == "1.4.0 (b4a8096 build: 2020-09-14 11:15:57)"


# --------------------------------------------------------------------------- runtime spellings


def test_runtime_libraries():
    rt = P.runtime_version("librknnrt version: 1.5.2 (c6b7b351a@2023-08-23T15:29:04)")
    assert rt.extra["library"] == "librknnrt" and rt.commit == "c6b7b351a"
    mrt = P.runtime_version("librknnmrt version: 2.3.2 (429f97ae6b@2025-04-09T09:11:49)")
    assert mrt.extra["library"] == "librknnmrt" and str(mrt.version) == "2.3.2"
    banner = P.runtime_version(
        "I RKNN: [01:19:04.510] RKNN Runtime Information: librknnrt version: 1.4.0 "
        "(a10f100eb@2022-09-09T09:07:14)"
    )
    assert str(banner.version) == "1.4.0" and banner.extra["source"] == "runtime log"
    server = P.runtime_version("server & mini-runtime version: 1.5.2 (c6b7b351a@2023-08-23)")
    assert server.extra["library"] == "librknnmrt"


def test_runtime_noise_lines():
    noise = "\n".join(
        [
            "rknn_get_sdk_version",
            "pre_compile_version",
            "optimization_level_version",
            "op_version",
            "W [%s:%d]Unsupported evis version",
            "I [%s:%d]custom op version: %d",
            "E [%s:%d]unsupport kernel size:%d/dilation:%d/evis version:%d",
            "E [%s:%d] rknn_query,  info_len(%d) != sizeof(rknn_sdk_version)(%d)!",
            "//int8 version",
            ".gnu.version_r",
            ".gnu.version",
            "librknnrt version: %s",
            'strings %s|grep "librknnrt version"|awk -F \'version: \' \'{print $2}\'',
        ]
    )
    assert P.runtime_version(noise).version is None
    got = P.runtime_version(
        noise + "\nlibrknn_runtime version 1.7.5 (ccb93f1 build: 2023-07-18 10:48:49 base: 1131)"
    )
    assert str(got.version) == "1.7.5" and got.extra["base"] == "1131"
    assert "candidates" not in got.extra


# --------------------------------------------------------------------------- sdk block


def test_sdk_toolkit1_prefixes():
    for prefix in ("", "D RKNNAPI: ", "E RKNNAPI: ", " RKNNAPI: "):
        text = (
            f"{prefix}==============================================\n"
            f"{prefix}RKNN VERSION:\n"
            f"{prefix}  API: 1.3.2 (7c17e39 build: 2020-04-02 14:49:04)\n"
            f"{prefix}  DRV: 1.3.2 (7576518 build: 2020-04-03 10:04:44)\n"
        )
        got = P.sdk_version(text)
        assert str(got["api"].version) == "1.3.2" and got["api"].commit == "7c17e39"
        assert got["drv"].commit == "7576518" and got["drv"].extra["component"] == "rknn_server"
    ug132 = P.sdk_version(" RKNNAPI: API: 1.3.2 (7c17e39 build: 2020-04-02 14:49:04)")
    assert ug132["api"].commit == "7c17e39"


def test_sdk_toolkit2_form():
    text = (
        "==============================================\n"
        "RKNN VERSION:\n"
        "  API: 1.5.2 (8babfea build@2023-08-25T02:31:12)\n"
        "  DRV: rknn_server: 1.5.2 (8babfea build@2023-08-25T10:30:12)\n"
        "  DRV: rknnrt: 1.5.3b13 (42cbca6f5@2023-10-27T10:13:21)\n"
        "==============================================\n"
    )
    got = P.sdk_version(text)
    assert set(got) == SDK_KEYS
    assert str(got["api"].version) == "1.5.2"
    assert str(got["drv_rknn_server"].version) == "1.5.2"
    assert got["drv"] == got["drv_rknn_server"]
    assert got["drv_rknnrt"].version.pre == "b13" and got["drv_rknnrt"].commit == "42cbca6f5"
    old = P.sdk_version("D RKNNAPI:   DRV: rknnrt: 1.3.0 (c193be371@2022-05-04T20:16:33)")
    assert old["drv_rknnrt"].extra["build_time"] == "2022-05-04T20:16:33"
    assert old["api"].version is None and old["api"].reason


def test_sdk_missing():
    got = P.sdk_version("API version is printed later")
    assert all(p.version is None and p.reason for p in got.values())


# --------------------------------------------------------------------------- SoC identity


@pytest.mark.parametrize(
    ("data", "soc"),
    [
        (b"rockchip,rk1808-evb-v10\x00rockchip,rk1808\x00", "RK1808"),
        (b"rockchip,rk3399pro-evb-v11-linux\x00rockchip,rk3399pro\x00", "RK3399Pro"),
        (b"rockchip,rk3399pro-toybrick\x00rockchip,rk3399\x00", "RK3399Pro"),
        (b"firefly,roc-rk3399-pc\x00rockchip,rk3399\x00", "RK3399"),
        (b"rockchip,rv1126-evb-ddr3-v13\x00rockchip,rv1126\x00", "RV1126"),
        (b"rockchip,rv1109-38x38-v10\x00rockchip,rv1109\x00", "RV1109"),
        (b"rockchip,rk1806-evb\x00rockchip,rk1806\x00", "RK1806"),
        (b"radxa,rock-5a\x00rockchip,rk3588s\x00", "RK3588S"),
        (b"rockchip,rk3588s-orangepi-5\x00rockchip,rk3588\x00", "RK3588S"),
        (b"radxa,rock-5b\x00rockchip,rk3588\x00", "RK3588"),
        (b"radxa,zero3\x00rockchip,rk3566\x00", "RK3566"),
        ("rockchip,rk3568-evb1-ddr4-v10\nrockchip,rk3568\n", "RK3568"),
        ("rockchip,rk3562-evb\\0rockchip,rk3562\\0", "RK3562"),
        (b"rockchip,rk3576-evb1-v10\x00rockchip,rk3576\x00", "RK3576"),
        (b"luckfox,pico\x00rockchip,rv1103\x00", "RV1103"),
        (b"rockchip,rv1106g-38x38-ipc-v10\x00rockchip,rv1106\x00", "RV1106"),
        (b"rockchip,rv1103b-evb\x00rockchip,rv1103b\x00", "RV1103B"),
        (b"rockchip,rv1126b-evb1-v10\x00rockchip,rv1126b\x00", "RV1126B"),
        ("rockchip,rk3588s-orangepi-5rockchip,rk3588root@orangepi5:~#", "RK3588S"),
    ],
)
def test_soc_from_compatible(data, soc):
    entries = P.compatible_list(data)
    got, evidence = P.soc_from_compatible(entries)
    assert got == soc, (entries, evidence)
    assert "rockchip," in evidence
    assert P.soc_from_compatible(data)[0] == soc


def test_soc_from_compatible_negative():
    assert P.soc_from_compatible([]) == (None, "no device-tree compatible entries in the input")
    soc, why = P.soc_from_compatible(P.compatible_list(b"raspberrypi,4-model-b\x00brcm,bcm2711\x00"))
    assert soc is None and "not a Rockchip" in why


def test_compatible_list_forms():
    assert P.compatible_list(b"a,b\x00c,d\x00") == ["a,b", "c,d"]
    assert P.compatible_list("a,b\nc,d\n") == ["a,b", "c,d"]
    assert P.compatible_list("$ cat /proc/device-tree/compatible | tr '\\0' '\\n'\na,b\nc,d\n$ ") == [
        "a,b",
        "c,d",
    ]
    assert P.compatible_list(b"") == [] and P.compatible_list(b"\x00\x00") == []


def test_getprop():
    text = (
        "[ro.board.platform]: [rk3399pro]\n"
        "[ro.empty]: []\n"
        "[ro.weird]: [a]b] ]\n"
        "[ro.hardware]: [rk30board]\r\n"
        "not a prop\n"
    )
    props = P.getprop_map(text)
    assert props == {
        "ro.board.platform": "rk3399pro",
        "ro.empty": "",
        "ro.weird": "a]b] ",
        "ro.hardware": "rk30board",
    }
    assert P.soc_from_props(props) == ("RK3399Pro", "[ro.board.platform]: [rk3399pro]")
    soc, why = P.soc_from_props({"ro.hardware": "rk30board"})
    assert soc is None and "rk30board" in why
    assert P.soc_from_props({"ro.hardware": "rk30board", "ro.product.board": "rk3568_r"})[0] == "RK3568"
    assert P.soc_from_props({"ro.board.platform": "rk3399", "ro.product.device": "rk3399pro"})[
        0
    ] == "RK3399Pro"
    assert P.soc_from_props({})[0] is None


# --------------------------------------------------------------------------- adb / lsusb


def test_adb_devices_long_and_states():
    text = (
        "* daemon not running; starting now at tcp:5037\n"
        "* daemon started successfully\n"
        "List of devices attached\n"
        "TM018083200400203      device usb:1-1 product:rk1808 model:RK1808 device:rk1808 "
        "transport_id:1\n"
        "0123456789ABCDEF\toffline\n"
        "c3d9b8674f4b94f6\tunauthorized usb:1-2 transport_id:2\n"
        "????????????\tno permissions (user in plugdev group; are your udev rules wrong?); "
        "see [http://developer.android.com/tools/device.html] usb:3-1 transport_id:3\n"
        "192.168.1.20:5555\tdevice\n"
        "\n"
    )
    got = adb_devices(text)
    assert got[0] == {
        "serial": "TM018083200400203",
        "state": "device",
        "usb": "1-1",
        "product": "rk1808",
        "model": "RK1808",
        "device": "rk1808",
        "transport_id": "1",
    }
    assert got[1] == {"serial": "0123456789ABCDEF", "state": "offline"}
    assert got[2]["state"] == "unauthorized" and got[2]["usb"] == "1-2"
    assert {"serial": "192.168.1.20:5555", "state": "device"} in got
    noperm = [d for d in got if d["state"] == "no permissions"][0]
    assert noperm["serial"] == "????????????" and noperm["usb"] == "3-1"
    assert "udev" in noperm["detail"]
    assert len(got) == 5


def test_adb_devices_prose_and_duplicates():
    text = (
        "My device is offline and the device shows nothing\n"
        "This device\n"
        "List of devices attached\n"
        "56c0d97c7b4de727\toffline\n"
        "56c0d97c7b4de727\tdevice\n"
    )
    assert adb_devices(text) == [{"serial": "56c0d97c7b4de727", "state": "device"}]
    assert adb_devices("List of devices attached\n\n") == []


def test_lsusb():
    text = (
        "Bus 001 Device 002: ID 2207:1808 Fuzhou Rockchip Electronics Company\n"
        "Bus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub\n"
        "Bus 003 Device 009: ID 2207:350b\n"
    )
    assert P.lsusb_rockchip(text) == [
        {"bus": "001", "device": "002", "vid": "2207", "pid": "1808",
         "name": "Fuzhou Rockchip Electronics Company"},
        {"bus": "003", "device": "009", "vid": "2207", "pid": "350b", "name": None},
    ]


# --------------------------------------------------------------------------- OS helpers


def test_os_release_and_kernel():
    osr = P.os_release(
        'NAME="Ubuntu"\nVERSION_ID="20.04"\nID=ubuntu\n# c\nPRETTY_NAME=\'Ubuntu 20.04.6 LTS\'\n'
        'X="a \\"q\\""\nbad line\n'
    )
    assert osr == {
        "NAME": "Ubuntu",
        "VERSION_ID": "20.04",
        "ID": "ubuntu",
        "PRETTY_NAME": "Ubuntu 20.04.6 LTS",
        "X": 'a "q"',
    }
    proc = (
        "Linux version 5.10.110-rockchip-rk3588 (builder@host) (gcc version 11.3.0) "
        "#1 SMP Tue Nov 7 2023"
    )
    assert P.kernel_release(proc) == "5.10.110-rockchip-rk3588"
    assert P.kernel_release("Linux rock-5a 6.1.43-15-rk2312 #1 SMP aarch64 GNU/Linux") == (
        "6.1.43-15-rk2312"
    )
    assert P.kernel_release("4.4.194\n") == "4.4.194"
    assert P.kernel_release("no kernel here") is None


# --------------------------------------------------------------------------- hostile input

VERSION_PARSERS = [
    P.galcore_version,
    P.rknpu_version,
    P.rknn_server_version,
    P.runtime_version,
]
ALL_PARSERS = [
    *VERSION_PARSERS,
    P.sdk_version,
    P.compatible_list,
    P.soc_from_compatible,
    P.getprop_map,
    adb_devices,
    P.lsusb_rockchip,
    P.os_release,
    P.kernel_release,
    kernel_release_read,
]
_ids = [f.__name__ for f in ALL_PARSERS]


def _check_shape(f, out):
    if f in VERSION_PARSERS:
        assert isinstance(out, P.Parsed)
        assert (out.version is None) == (out.evidence is None)
        assert out.version is not None or out.reason
    elif f is P.sdk_version:
        assert set(out) == SDK_KEYS
        for p in out.values():
            assert p.version is not None or p.reason
    elif f in (P.soc_from_compatible, kernel_release_read):
        assert isinstance(out, tuple) and isinstance(out[1], str) and out[1]


@pytest.mark.parametrize("f", ALL_PARSERS, ids=_ids)
@pytest.mark.parametrize("data", ["", b"", None, "\x00" * 1000, b"\x00" * 1000, "\r\n\r\n", "\x1b["])
def test_empty_and_nul(f, data):
    out = f(data)
    _check_shape(f, out)
    if f in VERSION_PARSERS:
        assert out.version is None


# A guard against super-linear readers (a quadratic regex on 10 MB takes minutes), not a speed
# claim: speed is measured in bench/. Loose enough for a loaded 2-core CI machine.
HANG_GUARD_S = 10.0


@pytest.fixture(scope="module")
def ten_mb_random() -> bytes:
    return os.urandom(10 * 1024 * 1024)


@pytest.mark.parametrize("f", ALL_PARSERS, ids=_ids)
def test_ten_megabytes_random(f, ten_mb_random):
    t0 = time.perf_counter()
    out = f(ten_mb_random)
    assert time.perf_counter() - t0 < HANG_GUARD_S
    _check_shape(f, out)


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param("a" * 10_000_000, id="one-long-line"),
        pytest.param(b"\x00" * 10_000_000, id="nuls"),
        pytest.param("\n" * 10_000_000, id="newlines"),
        pytest.param("Galcore version " * 600_000, id="keyword-repeated"),
        pytest.param("1.0 (abcdef build: " * 500_000, id="open-parens"),
        pytest.param("[ 1.0] Galcore version 6.4.0.227915\n" * 250_000, id="many-hits"),
    ],
)
def test_ten_megabytes_pathological(blob):
    for f in (P.galcore_version, P.rknn_server_version, P.sdk_version, adb_devices):
        t0 = time.perf_counter()
        f(blob)
        assert time.perf_counter() - t0 < HANG_GUARD_S, f.__name__


def test_galcore_in_huge_noise_found():
    noise = ("[ 12.3] usb 1-1: new high-speed USB device number 2 using ehci\n" * 100_000)
    text = noise + "[ 20.8] Galcore version 6.4.6.5.351518\n" + noise
    t0 = time.perf_counter()
    got = P.galcore_version(text)
    assert time.perf_counter() - t0 < HANG_GUARD_S
    assert str(got.version) == "6.4.6.5.351518"


_fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_board_alphabet = st.sampled_from(
    list("0123456789.:@()[]$ \t\n\r\x00\x1b`abcdefpv,&-_")
    + ["Galcore version ", "rknpu ", "build: ", "build@", "librknnrt version: ", "API: ",
       "DRV: ", "rknn_server version: ", "start rknn server, version:", "$VERSION$",
       "[drm] Initialized rknpu ", "RKNPU driver: v", "\tdevice", "Bus 001 Device 002: ID 2207:",
       "rockchip,rk3588", "[ro.board.platform]: [", "Linux version ", "6.4.3.5.293908",
       "server & runtime version: rknn_server: ", "rknnrt: ", "API: librknn_runtime version ", "sdk version: ",
       "driver version: ", "Kernel: ", "uname -r\n", "GNU/Linux", "Device: ", "root@host:~#", "rockchip,rk3588s"]
)


@pytest.mark.parametrize("f", ALL_PARSERS, ids=_ids)
@_fast
@given(data=st.binary(max_size=2000))
def test_property_bytes_never_raise(f, data):
    _check_shape(f, f(data))


@pytest.mark.parametrize("f", ALL_PARSERS, ids=_ids)
@_fast
@given(data=st.text(max_size=2000))
def test_property_text_never_raise(f, data):
    _check_shape(f, f(data))


@pytest.mark.parametrize("f", ALL_PARSERS, ids=_ids)
@_fast
@given(parts=st.lists(_board_alphabet, max_size=80))
def test_property_board_like_never_raise(f, parts):
    _check_shape(f, f("".join(parts)))


@_fast
@given(
    major=st.integers(0, 9), minor=st.integers(0, 99), patch=st.integers(0, 99),
    commit=st.text("0123456789abcdef", min_size=7, max_size=10),
    sep=st.sampled_from([" build: ", " build@", "@"]),
)
def test_property_runtime_roundtrip(major, minor, patch, commit, sep):
    ver = f"{major}.{minor}.{patch}"
    line = f"librknnrt version: {ver} ({commit}{sep}2025-04-09T09:09:27)"
    got = P.runtime_version("noise\n" + line + "\nmore noise")
    assert got.version.release == (major, minor, patch)
    assert got.commit == commit and got.evidence == line
