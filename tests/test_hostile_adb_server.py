"""A hostile or broken adb server, and a board whose file stream breaks: one-line errors, the
timeout honoured, memory bounded (reliability audit, sections 2 and 6).

The environment cases run as a subprocess (adbutils parses ANDROID_ADB_SERVER_PORT when it is first
imported, which in-process has already happened); the protocol cases run in-process against
:mod:`fake_adb`, and the sync cases call ``AdbTransport.read_file`` the way the RK3399Pro firmware
pull does.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import tracemalloc

import pytest
from fake_adb import FakeAdbServer, block, data, read_request, stat_reply, sync_board, wait_closed
from helpers import run_cli, run_subprocess

from rknn_compat.transport.adb import AdbTransport, DeviceEntry, client


def _env(port) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "ANDROID_ADB_SERVER_ADDRESS"}
    env["ANDROID_ADB_SERVER_PORT"] = str(port)
    return env


def _one_line(res, code: int) -> str:
    assert res.returncode == code, res
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rknn-compat: error: "), res
    assert "Traceback" not in res.stderr
    return lines[0]


@pytest.mark.parametrize("value", ["abc", "99999", "-1", "0", "", "７０１０"])
def test_bad_adb_server_port_in_the_environment_is_a_usage_error(value):
    """Audit: `abc` raised ValueError inside adbutils' import, `99999` OverflowError (exit 1)."""
    res = run_subprocess("probe", "--device", "127.0.0.1:7010", "--toolkit", "1.3.2", env=_env(value))
    assert "ANDROID_ADB_SERVER_PORT" in _one_line(res, 2)
    res = run_subprocess("inventory", "--toolkit", "1.3.2", env=_env(value))
    assert "ANDROID_ADB_SERVER_PORT" in _one_line(res, 2)


def _reply(payload: bytes, then_wait: bool = False):
    def handler(conn, stopped):
        read_request(conn)
        conn.sendall(payload)
        if then_wait:
            wait_closed(conn, stopped)
    return handler


def _trickle(conn, stopped):
    read_request(conn)
    conn.sendall(b"OKAY0100")
    while not stopped.is_set():  # one byte every 0.1 s: each recv succeeds, the answer never ends
        conn.sendall(b"x")
        time.sleep(0.1)


GARBLED = {
    "non-hex length": _reply(b"OKAYzzzz"),
    "short block": _reply(b"OKAY0010abc"),
    "http": _reply(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
    "immediate close": lambda conn, stopped: None,
    "fail non-hex": _reply(b"FAILxyz!"),
    "silent": lambda conn, stopped: wait_closed(conn, stopped),
    "trickle": _trickle,
}


@pytest.mark.parametrize("name", sorted(GARBLED))
@pytest.mark.parametrize("command", ["probe", "inventory"])
def test_garbled_or_slow_adb_server_is_one_line_within_the_timeout(name, command):
    """Audit: a non-hex length raised ValueError, a trickle never ended, silence cost 10 s whatever --timeout."""
    with FakeAdbServer(GARBLED[name]) as srv:
        started = time.monotonic()
        res = run_cli(command, "--toolkit", "1.3.2", "--timeout", "1", env=_env(srv.port))
        took = time.monotonic() - started
    # inventory cannot list: one error line; probe reports the board unknown with the reason
    assert res.returncode == 3 and "Traceback" not in res.stderr, res
    said = _one_line(res, 3) if command == "inventory" else res.stdout
    assert "adb server" in said, res
    assert took < 2.5, (took, res)


def test_hostile_device_list_is_read_not_crashed_on():
    """ANSI, junk lines, a 5 000-digit transport id, a NUL: listed or skipped, never a traceback."""
    listing = ("\x1b[31mjunk\x1b[0m\n" + "x" * 5000 + "\n" + "s1\tdevice transport_id:" + "9" * 5000 + "\n"
               + "s2\x00\tdevice\n" + "s3\tunauthorized usb:1-1 transport_id:7\n")

    def handler(conn, stopped):
        read_request(conn)
        conn.sendall(b"OKAY" + block(listing))

    with FakeAdbServer(handler) as srv:
        res = run_cli("probe", "--device", "nope", "--toolkit", "1.3.2", "--timeout", "1", env=_env(srv.port))
        assert res.returncode == 3 and "Traceback" not in res.stderr, res
        res = run_cli("probe", "--device", "s3", "--toolkit", "1.3.2", "--timeout", "1", env=_env(srv.port))
        assert res.returncode == 3 and "unauthorized" in res.stdout, res


# ----------------------------------------------------------------------------- the file pull

def _transport(port):
    return AdbTransport(_client(port), DeviceEntry("fake", "device", {"transport_id": "1"}))


def _client(port):
    saved = os.environ.get("ANDROID_ADB_SERVER_PORT")
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    try:
        return client()
    finally:
        if saved is None:
            del os.environ["ANDROID_ADB_SERVER_PORT"]
        else:
            os.environ["ANDROID_ADB_SERVER_PORT"] = saved


def _request(conn) -> bool:
    head = conn.recv(8)
    if len(head) < 8:
        return False
    conn.recv(int.from_bytes(head[4:], "little"))
    return True


def _sync(to_stat: bytes, to_recv: bytes | None = None, stall: bool = False):
    """Answer STAT with ``to_stat``; then (if given) RECV with ``to_recv``; then close, or stall."""
    def sync(conn, stopped):
        if not _request(conn):
            return
        conn.sendall(to_stat)
        if to_recv is not None and _request(conn):
            conn.sendall(to_recv)
        if stall:
            wait_closed(conn, stopped)
    return sync


FILE = bytes(range(256)) * 40  # 10 240 bytes
STAT = stat_reply(len(FILE))
DONE = b"DONE\0\0\0\0"

PULL_FAULTS = {
    # audit: STAT reply cut / closed before the STAT reply / DATA header cut raised struct.error and AssertionError
    "closed before the STAT reply": (_sync(b""), "connection dropped"),
    "STAT reply cut": (_sync(STAT[:8]), "connection dropped"),
    "DATA header cut": (_sync(STAT, b"DAT"), "connection dropped"),
    "DATA cut": (_sync(STAT, data(FILE)[:5000]), "connection dropped"),
    "garbled STAT": (_sync(b"HTTP/1.1 200 OK\r\n"), "garbled"),
    "garbled chunk": (_sync(STAT, b"ZZZZ\0\0\0\0"), "garbled"),
    "chunk over 64 KiB": (_sync(STAT, b"DATA\xff\xff\xff\x00"), "garbled"),
    "board refuses": (_sync(STAT, b"FAIL\x06\0\0\0denied"), "refused: denied"),
    "no such file": (_sync(stat_reply(0, mode=0)), "no such file"),
    "larger than the cap": (_sync(stat_reply(200 << 20)), "more than the"),
    "sends fewer bytes than announced": (_sync(stat_reply(len(FILE) + 1), data(FILE) + DONE),
                                         "sent 10240 of the 10241"),
    "stall after the first chunk": (_sync(STAT, data(FILE[:100]), stall=True), "no answer within"),
    "stall before the STAT reply": (_sync(b"", stall=True), "no answer within"),
}


@pytest.mark.parametrize("name", sorted(PULL_FAULTS))
def test_a_broken_file_stream_is_none_with_the_reason(name):
    sync, reason = PULL_FAULTS[name]
    with FakeAdbServer(sync_board(sync)) as srv:
        t = _transport(srv.port)
        started = time.monotonic()
        assert t.read_file("/vendor/etc/npu_fw/boot.img", 1.0, 64 << 20) is None
        took = time.monotonic() - started
    assert reason in t.read_error, t.read_error
    assert took < 2.0


def test_a_good_stream_is_pulled_whole():
    good = _sync(STAT, data(FILE[:6000]) + data(FILE[6000:]) + DONE)
    with FakeAdbServer(sync_board(good)) as srv:
        t = _transport(srv.port)
        assert t.read_file("/vendor/etc/npu_fw/boot.img", 2.0, 64 << 20) == FILE and t.read_error is None


@pytest.mark.parametrize("mode,size,cap", [(0o100644, 1000, 1000), (0o120777, 30, 4 << 20)])
def test_a_board_that_streams_forever_costs_bounded_memory(mode, size, cap):
    """Audit: a board that said 1 000 bytes and streamed forever filled 3 GB in 10 s.

    A regular file is cut at its STAT size; a symlink (STAT is lstat: no size to trust) at the cap.
    """
    def sync(conn, stopped):
        _request(conn)
        conn.sendall(stat_reply(size, mode))
        _request(conn)
        chunk = data(bytes(65536))
        try:
            while not stopped.is_set():
                conn.sendall(chunk)
        except OSError:
            return

    with FakeAdbServer(sync_board(sync)) as srv:
        t = _transport(srv.port)
        tracemalloc.start()
        try:
            assert t.read_file("/link", 5.0, 4 << 20) is None
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert f"more than the {cap} bytes" in t.read_error
    assert peak < 16 << 20, peak


# ----------------------------------------------------------------------------- no server running

def test_no_adb_server_running_says_once_that_one_was_started(tmp_path):
    """Audit: adbutils started a daemon silently and adb's "* daemon started successfully" leaked."""
    from rknn_compat.sim import AdbServer

    srv = AdbServer(home=str(tmp_path))  # not started: its port, HOME and adb binary, for the check only
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", srv.port)) != 0
    try:
        res = run_subprocess("inventory", "--toolkit", "1.3.2", "--timeout", "10", env=srv.env)
        lines = res.stderr.splitlines()
        assert sum("started one" in ln for ln in lines) == 1, res
        assert f"port {srv.port}" in res.stderr and srv.adb_path in res.stderr
        assert "daemon" not in res.stderr, res  # adb's own chatter is captured
        assert res.returncode == 3, res  # the new server lists no board
    finally:
        srv.adb("kill-server", timeout=10)
        shutil.rmtree(tmp_path / ".android", ignore_errors=True)
