"""Readers on the further real outputs of issue 9 section 4 (``tests/data/board_outputs``, sources in its SOURCES.md).

``BOARD_OUTPUTS`` states, per file, what each reader must read from it; a reader not named for a
file must read nothing there (no false positives). Files already in ``tests/data/loaded_driver``
are used for the kernel release too.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from rknn_compat import read as P
from rknn_compat.read.identity import kernel_release_read
from rknn_compat.tables.usb_ids import known_usb_ids

DATA = Path(__file__).resolve().parent / "data"
BOARD = DATA / "board_outputs"

# file -> {"server": (version, commit, source), "runtime": (version, commit, library),
#          "sdk": {key: (version, commit, component)}, "kernel": release,
#          "compatible": ([entries], soc or None)}
BOARD_OUTPUTS: dict[str, dict] = {
    "sdk_version/01-yiqisoft-rv1126-lite-1.8.0.txt": {
        "runtime": ("1.8.0", "97198ce", "librknn_runtime"),
        "sdk": {"api_runtime": ("1.8.0", "97198ce", "librknn_runtime"),
                "drv_galcore": ("6.4.6.5.351518", None, "galcore kernel driver")},
    },
    "sdk_version/02-firefly-cam-c1126s2u-lite-1.6.0.txt": {
        "runtime": ("1.6.0", "6523e57", "librknn_runtime"),
        "sdk": {"api_runtime": ("1.6.0", "6523e57", "librknn_runtime"),
                "drv_galcore": ("6.4.3.5.293908", None, "galcore kernel driver")},
    },
    "sdk_version/03-engineerai-rv1126-capi-1.7.0.txt": {
        "runtime": ("1.7.0", "0bef7b3", "librknn_runtime"),
        "sdk": {"api_runtime": ("1.7.0", "0bef7b3", "librknn_runtime"),
                "drv_galcore": ("6.4.6.5.351518", None, "galcore kernel driver")},
    },
    "sdk_version/04-rknn-toolkit-440-rk3588-capi.txt": {
        "sdk": {"api": ("1.6.0", "9a7b5d24c", "librknnrt api"), "drv": ("0.8.2", None, "rknpu kernel driver")},
    },
    "sdk_version/05-rknn-toolkit2-508-rv1106g3.txt": {
        "sdk": {"api": ("2.2.0", "c195366594", "librknnrt api"), "drv": ("0.9.8", None, "rknpu kernel driver")},
        "kernel": "5.10.226",
    },
    "sdk_version/06-simple-rknn2-readme.txt": {
        # a C API line (driver 0.6.4) then a PC-side block: each key takes its last line
        "sdk": {"api": ("1.2.0", "4c3573e", "api"), "drv": ("1.2.0", "4c3573e", "rknn_server"),
                "drv_rknn_server": ("1.2.0", "4c3573e", "rknn_server"),
                "drv_rknnrt": ("1.2.0", "1867aec5b", "librknnrt")},
    },
    "sdk_version/07-simple-rknn2-rock3a-run.txt": {
        "sdk": {"api": ("1.2.0", "9db21b35d", "librknnrt api"), "drv": ("0.4.2", None, "rknpu kernel driver")},
    },
    "sdk_version/08-rknpu-16-title.txt": {"runtime": ("1.6.0", None, "librknn_runtime")},
    "logcat/01-rknn-toolkit2-403-android-server.txt": {
        "server": ("2.3.2", "1842325", "rknn_server log"),
        "runtime": ("2.3.2", "429f97ae6b", "librknnrt"),
    },
    "logcat/02-rknpu2-25-android-rknn.txt": {},
    "logcat/03-sherpa-onnx-2721-android-rknpu.txt": {},
    "runtime/01-rknn-model-zoo-214-strings.txt": {
        "server": ("2.3.0", "e80ac5c", "strings"), "runtime": ("2.3.0", "c949ad889d", "librknnrt"),
    },
    "runtime/02-rknn-toolkit2-301-restart.txt": {"server": ("2.3.0", "e80ac5c", "start banner")},
    "runtime/03-rknn-toolkit2-254-lite2.txt": {"runtime": ("1.3.0", "c193be371", "librknnrt")},
    "runtime/04-rknn-toolkit2-167-lite2.txt": {"runtime": ("2.0.0b0", "35a6907d79", "librknnrt")},
    "runtime/05-khadas-edge2-npu-lite2.txt": {"runtime": ("1.3.0", "c193be371", "librknnrt")},
    "runtime/06-rocki-librknnmrt-strings.txt": {"runtime": ("1.6.0", "9a7b5d24c", "librknnmrt")},
    "kernel_release/01-frigate-hass-addons-145.txt": {"kernel": "6.7.0-edge-rockchip-rk3588"},
    "kernel_release/02-sherpa-onnx-2515.txt": {"kernel": "6.1.43-15-rk2312"},
    "kernel_release/03-ezrknn-llm-19.txt": {"kernel": "5.10.110"},
    "compatible/01-myrktop-readme.txt": {
        "compatible": (["rockchip,rk3588s-orangepi-5", "rockchip,rk3588"], "RK3588S")},
    "compatible/02-rktop-2-orangepi-5-plus.txt": {
        "compatible": (["rockchip,rk3588-orangepi-5-plus", "rockchip,rk3588"], "RK3588")},
    "compatible/03-dlibox-8-chip.txt": {"compatible": (["nextthing,chipallwinner,sun5i-r8"], None)},
    "compatible/04-cpufetch-176-visionfive2.txt": {
        "compatible": (["starfive,visionfive-v2", "starfive,jh7110"], None)},
    "usb/01-rk3399pro-npu-guide-dmesg.txt": {},
    "usb/02-rkdeveloptool-pr132-lsusb.txt": {},
    "usb/03-rkdeveloptool-32-lsusb.txt": {},
}
SDK_KEYS = ("api", "drv", "drv_rknn_server", "drv_rknnrt", "api_runtime", "drv_galcore")


def _text(name: str) -> str:
    return (BOARD / name).read_text(encoding="utf-8")


def _cases():
    return [pytest.param(name, exp, id=name.split("/")[-1][:-4]) for name, exp in BOARD_OUTPUTS.items()]


def test_every_file_is_pinned_and_sourced():
    files = {str(p.relative_to(BOARD)) for p in BOARD.rglob("*.txt")}
    assert files == set(BOARD_OUTPUTS)
    sources = (BOARD / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in sources for name in files)


# what a component reader returns for a file: (version, commit, extra[detail])
COMPONENTS = {"server": (P.rknn_server_version, "source"), "runtime": (P.runtime_version, "library")}


@pytest.mark.parametrize("what", sorted(COMPONENTS))
@pytest.mark.parametrize("name,exp", _cases())
def test_component(name, exp, what):
    reader, detail = COMPONENTS[what]
    got = reader(_text(name))
    if what not in exp:
        assert got.version is None and got.reason
        return
    ver, commit, value = exp[what]
    assert (str(got.version), got.commit, got.extra[detail]) == (ver, commit, value)
    assert ver in got.evidence
    assert "Transfer" not in got.evidence and "avc:" not in got.evidence


@pytest.mark.parametrize("name,exp", _cases())
def test_sdk(name, exp):
    got = P.sdk_version(_text(name))
    assert tuple(got) == SDK_KEYS
    want = exp.get("sdk", {})
    for key in SDK_KEYS:
        p = got[key]
        if key not in want:
            assert p.version is None and p.reason, key
            continue
        ver, commit, component = want[key]
        assert (str(p.version), p.commit, p.extra["component"]) == (ver, commit, component), key


@pytest.mark.parametrize("name,exp", _cases())
def test_kernel_release(name, exp):
    release, why = kernel_release_read(_text(name))
    assert release == exp.get("kernel")
    assert why and (release is None or release in why)
    assert P.kernel_release(_text(name)) == release


@pytest.mark.parametrize("name,exp", _cases())
def test_compatible(name, exp):
    entries = P.compatible_list(_text(name))
    want, soc = exp.get("compatible", ([], None))
    assert entries == want
    got, why = P.soc_from_compatible(entries)
    assert got == soc
    if want and soc is None:
        assert "not a Rockchip board" in why


# --------------------------------------------------------------------------- get_sdk_version forms


def test_sdk_on_board_details():
    """On the board, API is the runtime banner and DRV galcore: never called the host API / rknn_server."""
    got = P.sdk_version(_text("sdk_version/02-firefly-cam-c1126s2u-lite-1.6.0.txt"))
    assert got["api_runtime"].extra["base"] == "1126"
    assert got["api_runtime"].extra["build_time"] == "2021-01-15 15:56:31"
    assert "on-board" in got["api"].reason and "api_runtime" in got["api"].reason
    assert "galcore" in got["drv"].reason and "drv_galcore" in got["drv"].reason
    assert got["drv_galcore"].version.build == 293908


def test_sdk_line_by_line_as_explain_reads_it():
    """explain feeds one line at a time: an on-board DRV line alone must not become rknn_server."""
    for line in _text("sdk_version/01-yiqisoft-rv1126-lite-1.8.0.txt").splitlines():
        got = P.sdk_version(line)
        assert got["api"].version is None and got["drv"].version is None, line
    alone = P.sdk_version("  DRV: 6.4.3.5.293908")
    assert str(alone["drv_galcore"].version) == "6.4.3.5.293908" and alone["drv"].version is None
    host = P.sdk_version("D RKNNAPI:   DRV: 1.7.3 (c4ea832 build: 2022-08-13 09:29:29)")
    assert str(host["drv"].version) == "1.7.3" and host["drv_galcore"].version is None


def test_sdk_half_line_is_unknown():
    got = P.sdk_version(_text("sdk_version/08-rknpu-16-title.txt"))
    assert all(p.version is None for p in got.values())


# --------------------------------------------------------------------------- logcat / server log


def test_logcat_server_and_runtime_split_over_two_lines():
    text = _text("logcat/01-rknn-toolkit2-403-android-server.txt")
    rt = P.runtime_version(text)
    assert rt.extra["wrapped"] is True and rt.extra["source"] == "rknn_server log"
    assert rt.evidence.count("\n") == 1 and "rknnrt: 2.3.2" in rt.evidence
    assert rt.extra["build_time"] == "2025-04-09T09:08:16"
    server = P.rknn_server_version(text)
    assert server.extra["conflict"] is False and len(server.extra["candidates"]) == 2


def test_server_runtime_two_part_spellings():
    one_line = "server & runtime version: rknn_server: 2.3.2 (1842325 build@x) rknnrt: 2.3.2 (429f97ae6b@y)"
    assert P.runtime_version(one_line).commit == "429f97ae6b"
    mini = "server & mini-runtime version: rknn_server: 2.3.2 (1842325 build@x)\nrknnmrt: 2.3.2 (429f97ae6b@y)"
    assert P.runtime_version(mini).extra["library"] == "librknnmrt"
    orphan = "D SERVER : server & runtime version: rknn_server: 2.3.2 (1842325 build@x)\nD SERVER : send ok"
    assert P.runtime_version(orphan).version is None  # no rknnrt half: nothing guessed
    assert str(P.rknn_server_version(orphan).version) == "2.3.2"


def test_librknnmrt_two_files_conflict_reported():
    got = P.runtime_version(_text("runtime/06-rocki-librknnmrt-strings.txt"))
    assert got.extra["conflict"] is True
    # the SDK's 1.6.0 line comes back last, identical: it moves forward instead of counting twice
    assert [c[0] for c in got.extra["candidates"]] == ["2.3.0", "1.6.0"]


# --------------------------------------------------------------------------- kernel release


@pytest.mark.parametrize(
    ("name", "release"),
    [
        ("rock5b-29-debugfs.txt", "6.1.43-20-rk2312"),  # "12.9" (debian_version) before it is not a kernel
        ("rknn-toolkit2-534-rk3576.txt", "6.1.75"),  # markdown "- **Kernel:** 6.1.75"
        ("fastdeploy-1005-rv1126-reload.txt", "4.19.111"),
        ("ezrknn-llm-19-rkllm.txt", None),
    ],
)
def test_kernel_release_loaded_driver_pastes(name, release):
    got, why = kernel_release_read((DATA / "loaded_driver" / name).read_text(encoding="utf-8"))
    assert got == release and why


def test_kernel_release_spellings():
    after_command = "$ uname -r\n5.10.110-rockchip-rk3588\n$ cat x\n0.9.8\n"
    assert kernel_release_read(after_command)[0] == "5.10.110-rockchip-rk3588"
    assert kernel_release_read("      Kernel: Linux 5.10.160-rockchip\n Architecture: arm64")[0] == "5.10.160-rockchip"
    assert kernel_release_read("```\n4.19.232\n```\n")[0] == "4.19.232"
    lone_in_log = "librknnrt version: 2.3.2\n2.3.2\nrknn_server version: 2.3.2\nsome\nmore\nlines\n"
    got, why = kernel_release_read(lone_in_log)
    assert got is None and "no kernel release" in why


# --------------------------------------------------------------------------- device-tree compatible


def test_compatible_glued_with_prompt():
    text = ("root@orangepi5:~# cat /proc/device-tree/compatible\n"
            "rockchip,rk3588s-orangepi-5rockchip,rk3588root@orangepi5:~#")
    assert P.compatible_list(text) == ["rockchip,rk3588s-orangepi-5", "rockchip,rk3588"]
    assert P.compatible_list("radxa,rock-5brockchip,rk3588") == ["radxa,rock-5b", "rockchip,rk3588"]
    assert P.compatible_list("xunlong,orangepi-5rockchip,rk3588s") == ["xunlong,orangepi-5", "rockchip,rk3588s"]


def test_compatible_glued_prompt_user_unknown_is_not_guessed():
    # rk3588 + "subuntu" or rk3588s + "ubuntu": the chip cannot be told, so the entry is dropped
    assert P.compatible_list("rockchip,rk3588subuntu@host:~$") == []
    soc, why = P.soc_from_compatible("rockchip,rv1126-evbrockchip,rv1126build@host:~$")
    assert soc == "RV1126" and why == "rockchip,rv1126-evb"  # read from the board entry, not the glued one


# --------------------------------------------------------------------------- Rockchip USB ids


def test_rk3399pro_npu_ids_from_rockchip_guide():
    text = _text("usb/01-rk3399pro-npu-guide-dmesg.txt")
    pids = re.findall(r"idVendor=2207, idProduct=([0-9a-f]{4})", text)
    assert pids == ["180a", "1808", "0019", "1005"]
    ids = known_usb_ids()
    assert [ids[p].kind for p in pids] == ["maskrom", "ntb", "gadget", "gadget"]
    assert all("RK3399Pro" in ids[p].mode and "RK-SM-YF-301" in ids[p].source for p in pids)


def test_lsusb_real_lines_against_the_table():
    ids = known_usb_ids()
    (dev,) = P.lsusb_rockchip(_text("usb/02-rkdeveloptool-pr132-lsusb.txt"))
    assert dev["pid"] == "330d" and ids["330d"].kind == "maskrom" and "RK3326" in ids["330d"].mode
    (unknown,) = P.lsusb_rockchip(_text("usb/03-rkdeveloptool-32-lsusb.txt"))
    assert unknown["pid"] == "0011" and unknown["name"] is None and "0011" not in ids  # stays unknown


def test_usb_rows_name_their_source():
    for row in known_usb_ids().values():
        assert row.source.strip() and row.quality in ("primary", "third-party", "forum")
        if row.kind == "maskrom":
            assert "MaskROM" in row.mode


# --------------------------------------------------------------------------- bounded


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param("uname -r\n" * 1_000_000, id="uname-commands"),
        pytest.param("5.10.110\n" * 1_000_000, id="lone-releases"),
        pytest.param("server & runtime version: rknn_server: 1.0 (abcdef build@x)\n" * 170_000, id="server-rt"),
        pytest.param("  DRV: 6.4.3.5.293908\n" * 450_000, id="drv-galcore"),
        pytest.param("Device: rockchip,rk3588s-x" * 40_000, id="labelled-glued"),
    ],
)
def test_new_forms_stay_fast(blob):
    for f in (P.kernel_release, P.runtime_version, P.sdk_version, P.compatible_list):
        t0 = time.perf_counter()
        f(blob)
        assert time.perf_counter() - t0 < 1.0, f.__name__


RKNPU1_CAPI = BOARD / "sdk_version" / "03-engineerai-rv1126-capi-1.7.0.txt"


def test_rknpu1_c_api_driver_version_is_galcore_not_rknpu():
    """RKNPU1's C API prints galcore's 6.4.6.5.351518 as its 'driver version': not an rknpu (RKNPU2) version."""
    text = RKNPU1_CAPI.read_text(encoding="utf-8")
    got = P.rknpu_version(text)
    assert got.version is None and got.reason
    sdk = P.sdk_version(text)
    assert str(sdk["drv_galcore"].version) == "6.4.6.5.351518" and str(sdk["api_runtime"].version) == "1.7.0"


def test_explain_reads_the_on_board_block():
    """explain shows what an RKNPU1 board's own get_sdk_version() line says: its runtime and its galcore."""
    from rknn_compat.explain import explain

    facts = {(f["component"], f["value"]) for f in explain([str(RKNPU1_CAPI)]).to_dict()["facts"]}
    assert ("npu_driver", "6.4.6.5.351518") in facts and ("librknn_runtime", "1.7.0") in facts
