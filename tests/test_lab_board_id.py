"""Board identity readers (boot id, serial number) on real pastes, and the adb server addresses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rknn_compat.errors import UsageError
from rknn_compat.read import board_id
from rknn_compat.read.identity import getprop_map
from rknn_compat.transport.adb_client import ServerAddress, parse_server, servers

DATA = Path(__file__).parent / "data" / "lab"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_boot_id_from_a_paste_with_prompt_and_journal_ids():
    assert board_id.boot_id(_read("boot_id-rpi0w-4517.txt")) == "f7979de0-6e38-4421-96d4-3295af874e14"


@pytest.mark.parametrize("text", [b"", b"cat: /proc/sys/kernel/random/boot_id: No such file or directory\n",
                                  b"5109888f0c2e4a9aa272db636b910123\n", b"f7979de0-6e38-4421-96d4\n"])
def test_no_boot_id_is_none(text):
    assert board_id.boot_id(text) is None


def test_boot_id_tolerates_ansi_and_crlf():
    assert board_id.boot_id(b"\x1b[0m# cat boot_id\r\nF7979DE0-6E38-4421-96D4-3295AF874E14\r\n") == \
        "f7979de0-6e38-4421-96d4-3295af874e14"


def test_serial_from_getprop_boot_serialno():
    props = getprop_map(_read("getprop-hammerhead-flutter-4009.txt"))
    assert board_id.serial_from_props(props) == ("07e401a0d00b3699", "[ro.boot.serialno]: [07e401a0d00b3699]")


def test_ro_serialno_wins_and_placeholders_are_no_serial():
    assert board_id.serial_from_props({"ro.serialno": "ABC", "ro.boot.serialno": "DEF"})[0] == "ABC"
    assert board_id.serial_from_props({"ro.serialno": "unknown", "ro.boot.serialno": ""}) == (None, None)


@pytest.mark.parametrize("name, serial", [
    ("cmdline-qcom-magisk-3187.txt", "8404562d"),
    ("cmdline-rockchip-elecfans.txt", "67188a9846568f84"),
    ("lk-cmdline-ufi-2.txt", "f782bae"),
])
def test_serial_from_kernel_command_lines(name, serial):
    assert board_id.serial_from_cmdline(_read(name)) == (serial, f"androidboot.serialno={serial}")


def test_serial_from_device_tree_paste_and_raw_file():
    assert board_id.serial_from_device_tree(_read("dt-serial-rockpi-nebra-274.txt"))[0] == "34996b0xxxxxx"
    assert board_id.serial_from_device_tree(b"c3d9b8674f4b94f6\x00")[0] == "c3d9b8674f4b94f6"
    assert board_id.serial_from_device_tree(b"") == (None, None)


def test_junk_is_no_serial():
    blob = b"androidboot.serialno=\x00\xff" + b"x" * 100_000
    assert board_id.serial_from_cmdline(blob) == (None, None)


@pytest.mark.parametrize("text, want", [
    ("10.0.0.2:5037", ServerAddress("10.0.0.2", 5037)),
    ("bench-a.lab", ServerAddress("bench-a.lab", 5037)),
    (":5038", ServerAddress("127.0.0.1", 5038)),
    ("[::1]:5039", ServerAddress("::1", 5039)),
])
def test_server_addresses(text, want):
    assert parse_server(text) == want


def test_server_address_spelling_round_trips():
    for s in ("10.0.0.2:5037", "[::1]:5039"):
        assert str(parse_server(s)) == s


@pytest.mark.parametrize("text", ["host:0", "host:70000", "host:port", "::1:5037", "[::1", "a b:1", "x/y:1"])
def test_bad_server_addresses_are_usage_errors(text):
    with pytest.raises(UsageError, match="--adb-server"):
        parse_server(text)


def test_servers_default_to_the_environment(monkeypatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", "5123")
    monkeypatch.delenv("ANDROID_ADB_SERVER_ADDRESS", raising=False)
    assert servers([]) == [ServerAddress("127.0.0.1", 5123)]
    assert servers(["a:1", "a:1", "b:2"]) == [ServerAddress("a", 1), ServerAddress("b", 2)]


def test_adbutils_protocol_without_pillow_or_requests_then_the_whole_package():
    code = ("import sys\n"
            "from rknn_compat.transport import adb_client\n"
            "p = adb_client.protocol()\n"
            "light = sorted(m for m in ('PIL', 'requests', 'adbutils._device') if m in sys.modules)\n"
            "import adbutils\n"
            "assert adbutils.AdbConnection is p.AdbConnection and adbutils.AdbError is p.AdbError\n"
            "assert adbutils.AdbClient(host='127.0.0.1', port=1).host == '127.0.0.1'\n"
            "print(light, 'PIL' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "True"]


def test_a_named_server_that_is_down_is_never_started():
    from rknn_compat.sim.net import free_port
    from rknn_compat.transport import adb
    from rknn_compat.transport.adb_client import client

    port = free_port()
    with pytest.raises(Exception, match="(?i)connect"):
        adb.list_devices(client(ServerAddress("127.0.0.1", port), 2))
    from rknn_compat.sim.net import port_open

    assert not port_open(port)


def test_many_threads_ask_for_the_client_at_once():
    code = ("import threading\n"
            "from rknn_compat.transport.adb_client import ServerAddress, client\n"
            "errors, start = [], threading.Event()\n"
            "def one(i):\n"
            "    start.wait()\n"
            "    try:\n"
            "        client(ServerAddress('127.0.0.1', 1000 + i), 1, start=i % 2 == 0)\n"
            "    except Exception as exc:\n"
            "        errors.append(repr(exc))\n"
            "ts = [threading.Thread(target=one, args=(i,)) for i in range(16)]\n"
            "[t.start() for t in ts]; start.set(); [t.join() for t in ts]\n"
            "print(errors)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
