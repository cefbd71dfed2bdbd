from __future__ import annotations

import signal
import subprocess
import sys

from rknn_compat.sim.cli import simulate_command


def test_list_only(capsys):
    assert simulate_command([], None, True) == 0
    out = capsys.readouterr().out
    assert "rk1808-linux-1.3.2" in out and "rk3399pro-android-1.7.5" in out


def test_unknown_profile_is_usage_error(capsys):
    assert simulate_command(["nope-board"], None, False) == 2
    assert "unknown profile" in capsys.readouterr().err


def test_serves_until_sigterm(adb_server):
    code = ("import sys; from rknn_compat.sim.cli import simulate_command; "
            "sys.exit(simulate_command(['rk1808-linux-1.7.5'], None, False))")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("adb connect 127.0.0.1:"), line
        addr = line.split()[2]
        assert "connected to" in adb_server.connect(addr)
        r = adb_server.adb("-s", addr, "shell", "strings /usr/bin/rknn_server | grep build")
        assert "1.7.5 (bb79b30 build: 2023-07-18 10:49:14)" in r.stdout
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
        adb_server.disconnect(addr)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
