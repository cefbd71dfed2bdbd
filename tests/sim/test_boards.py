"""Simulated boards through the real stack: adb server + adb CLI + adbutils."""

from __future__ import annotations

import os
import subprocess
import time

import adbutils
import pytest


def _sh(srv, serial, cmd, **kw):
    return srv.adb("-s", serial, "shell", cmd, **kw)


def test_devices_and_shell_linux(adb_server, boards):
    b, old = boards("rk1808-linux-1.3.2", "rk1808-linux-1.1.0")
    out = adb_server.adb("devices", "-l").stdout
    assert f"{b.serial}" in out and "model:RK1808_EVB" in out and "product:rk1808" in out
    r = _sh(adb_server, b.serial, "dmesg | grep -i galcore")
    assert r.returncode == 0 and "] Galcore version 6.4.0.227915" in r.stdout
    r = _sh(adb_server, b.serial, "strings /usr/bin/rknn_server | grep build")
    assert r.stdout.splitlines() == ["1.3.2 (f113d64 build: 2020-04-23 09:35:26)",
                                     ".note.gnu.build-id"]
    r = _sh(adb_server, b.serial, "cat /proc/device-tree/compatible | tr '\\0' '\\n'")
    assert r.stdout.splitlines() == ["rockchip,rk1808-evb-v10", "rockchip,rk1808"]
    r = _sh(adb_server, b.serial, "pidof rknn_server; ps | grep -c rknn_serve[r]")
    assert r.stdout.split() == ["440", "1"]
    r = _sh(adb_server, b.serial, "strings /usr/lib/librknn_runtime.so | grep 'librknn_runtime version'")
    assert r.stdout.strip() == ("librknn_runtime version 1.3.2 (f1ecca1 build: 2020-05-09 11:12:28 "
                                "base: 1112)")
    r = _sh(adb_server, b.serial, "strings /lib/modules/galcore.ko | grep VERSION; "
            "ls /sys/module/galcore/version")
    assert "$VERSION$6.4.0:227915$" in r.stdout and r.returncode != 0
    r = _sh(adb_server, old.serial, "strings /usr/bin/rknn_server | grep build; "
            "ls /usr/lib/modules/")
    assert "0.9.8 (943f8e8 build: 2019-07-03 17:51:17)" in r.stdout and "galcore.ko" in r.stdout


def test_exit_codes_and_stderr(adb_server, boards):
    (b,) = boards("rk1808-linux-1.7.5")
    assert _sh(adb_server, b.serial, "exit 42").returncode == 42
    r = _sh(adb_server, b.serial, "echo out; echo err >&2; nosuchcmd")
    assert r.returncode == 127 and r.stdout == "out\n" and "err" in r.stderr
    assert "nosuchcmd: not found" in r.stderr
    d = adb_server.client().device(b.serial)
    res = d.shell2("echo o; echo e >&2; exit 3", v2=True)
    assert (res.returncode, res.stdout, res.stderr) == (3, "o\n", "e\n")
    res = d.shell2("ls /lib/modules/galcore.ko; false")
    assert res.returncode == 1 and "galcore.ko" in res.output
    assert d.shell("cat /proc/version").startswith("Linux version 4.4.194")
    # stdin reaches the command (shell v2 stdin packets, then close-stdin)
    r = adb_server.adb("-s", b.serial, "shell", "cat | wc -c", input="hello\n")
    assert r.stdout.strip() == "6"


def test_no_host_files_visible(adb_server, boards):
    (b,) = boards("rk1808-linux-1.3.2")
    host_hostname = open("/etc/hostname").read().strip() if os.path.exists("/etc/hostname") else ""
    r = _sh(adb_server, b.serial, "cat /etc/hostname; hostname; ls /work /home 2>&1; echo $HOME")
    assert "RK1808" in r.stdout
    if host_hostname and host_hostname != "RK1808":
        assert host_hostname not in r.stdout
    assert "/work" not in r.stdout.replace("ls: /work: No such file", "")
    assert _sh(adb_server, b.serial, "env").stdout.count("\n") < 12


def test_sync_pull_identical(adb_server, boards, tmp_path):
    (b,) = boards("rk1808-linux-1.3.2")
    blob = (b.root / "usr/lib/librknn_runtime.so").read_bytes()
    r = adb_server.adb("-s", b.serial, "pull", "/usr/lib/librknn_runtime.so", str(tmp_path / "rt"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "rt").read_bytes() == blob
    d = adb_server.client().device(b.serial)
    assert d.sync.read_bytes("/usr/lib/librknn_runtime.so") == blob
    assert d.sync.stat("/usr/bin/rknn_server").size == (b.root / "usr/bin/rknn_server").stat().st_size
    assert "galcore.ko" in [f.path for f in d.sync.list("/lib/modules")]
    r = adb_server.adb("-s", b.serial, "pull", "/nope/missing", str(tmp_path / "m"))
    assert r.returncode == 1 and "No such file or directory" in r.stderr
    with pytest.raises(adbutils.AdbError):
        d.sync.read_bytes("/nope/missing")
    r = adb_server.adb("-s", b.serial, "ls", "/proc/device-tree/")
    assert "compatible" in r.stdout
    r = adb_server.adb("-s", b.serial, "push", str(tmp_path / "rt"), "/tmp/x")
    assert r.returncode == 1 and "Read-only file system" in r.stderr


def test_android_board(adb_server, boards):
    (a,) = boards("rk3399pro-android-1.7.5")
    d = adb_server.client().device(a.serial)
    assert d.getprop("ro.build.version.release") == "8.1.0"
    assert d.prop.model == "rk3399pro"
    allp = d.shell("getprop")
    assert "[ro.board.platform]: [rk3399pro]" in allp.splitlines()
    assert d.shell("pidof npu_transfer_proxy").strip() == "318"
    assert "npu_transfer_pr" in d.shell("ps -A")
    assert "boot.img" in d.shell("ls /vendor/etc/npu_fw/")
    assert "Transfer version 2.1.0" in d.shell("strings /vendor/lib64/librknn_api.so")
    assert d.shell("readlink /system/bin/ls").strip() == "toybox"
    img = d.sync.read_bytes("/vendor/etc/npu_fw/boot.img")
    assert img[:8] == b"ANDROID!"
    assert d.shell("dmesg | grep -ci galcore").strip() == "0"


def test_concurrent_shells(adb_server, boards):
    import concurrent.futures as cf

    (b,) = boards("rk1808-linux-1.3.2")
    d = adb_server.client().device(b.serial)
    with cf.ThreadPoolExecutor(6) as ex:
        outs = list(ex.map(lambda i: d.shell(f"echo {i}"), range(30)))
    assert outs == [str(i) for i in range(30)]


def test_big_output_flow_control(adb_server, boards):
    (b,) = boards("rk1808-linux-1.1.0")  # maxdata 4096: many WRTE/OKAY round trips
    r = adb_server.adb("-s", b.serial, "shell", "cat /usr/lib/librknn_runtime.so | wc -c")
    assert r.stdout.strip() == "1500000"
    d = adb_server.client().device(b.serial)
    out = d.shell("cat /usr/lib/librknn_runtime.so", encoding=None)
    assert out == (b.root / "usr/lib/librknn_runtime.so").read_bytes()


# ---------------------------------------------------------------------------------- faults


def test_latency(adb_server, boards):
    fast, slow = boards("rk1808-linux-1.3.2", "rk1808-latency")
    c = adb_server.client()

    def t(serial):
        d = c.device(serial)
        t0 = time.monotonic()
        d.shell("echo x")
        return time.monotonic() - t0

    assert t(slow.serial) >= 0.1  # 50 ms on the OKAY, 50 ms on the output WRTE
    assert t(slow.serial) - t(fast.serial) >= 0.08


def test_stall_times_out_and_board_survives(adb_server, boards):
    (b,) = boards("rk1808-stall")
    d = adb_server.client().device(b.serial)
    t0 = time.monotonic()
    with pytest.raises(adbutils.AdbTimeout):
        d.shell("dmesg", timeout=1)
    assert time.monotonic() - t0 < 3
    assert d.shell("echo ok") == "ok"
    # the stalled command's process group was killed when the host closed the stream
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and _procs_under(b.root):
        time.sleep(0.1)
    assert not _procs_under(b.root)


def _procs_under(root) -> list[int]:
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.readlink(f"/proc/{p}/root") == str(root):
                    out.append(int(p))
            except OSError:
                pass
    return out


def test_drop_gives_partial_output_then_recovers(adb_server, boards):
    (b,) = boards("rk1808-drop")
    d = adb_server.client().device(b.serial)
    out = d.shell("dmesg", timeout=10)
    full = (b.root / ".sim/kmsg").read_text()
    assert 0 < len(out) < len(full.strip()) and full.startswith(out.strip()[:200])
    assert adb_server.wait_state(b.serial, "device", 10)
    assert d.shell("echo back") == "back"


def test_garbage_bytes_intact(adb_server, boards):
    (b,) = boards("rk1808-garbage")
    raw = adb_server.adb("-s", b.serial, "shell", "dmesg", text=False).stdout
    assert raw == (b.root / ".sim/kmsg").read_bytes()
    assert b"\xff\xfe\x80" in raw
    d = adb_server.client().device(b.serial)
    assert b"\xff\xfe" in d.shell("ps", encoding=None)


def test_huge_dmesg_streams(adb_server, boards):
    (b,) = boards("rk1808-huge-dmesg")
    r = _sh(adb_server, b.serial, "dmesg | wc -c; dmesg | grep -c 'Galcore version'")
    size, n = r.stdout.split()
    assert int(size) >= 10 * 1024 * 1024 and n == "1"
    raw = adb_server.adb("-s", b.serial, "shell", "dmesg", text=False).stdout
    assert len(raw) == int(size)


def test_rotated_no_strings_no_runtime(adb_server, boards):
    rot, nostr, nort = boards("rk1808-dmesg-rotated", "rk1808-no-strings", "rk1808-no-runtime")
    r = _sh(adb_server, rot.serial, "dmesg | grep -i galcore")
    assert r.returncode == 1 and r.stdout == ""
    assert int(_sh(adb_server, rot.serial, "dmesg | wc -l").stdout) > 100
    r = _sh(adb_server, nostr.serial, "strings /usr/bin/rknn_server")
    assert r.returncode == 127 and "strings: not found" in r.stderr
    r = _sh(adb_server, nostr.serial, "grep -a -o '1\\.3\\.2 (f113d64[^)]*)' /usr/bin/rknn_server")
    assert r.stdout.strip() == "1.3.2 (f113d64 build: 2020-04-23 09:35:26)"
    r = _sh(adb_server, nort.serial, "ls /usr/lib/librknn_runtime.so")
    assert r.returncode == 1 and "No such file" in r.stderr


def test_unauthorized(adb_server, boards):
    (b,) = boards("rk1808-unauthorized", connect=False)
    msg = adb_server.connect(b.address)
    assert "failed to authenticate" in msg
    assert adb_server.state(b.serial) == "unauthorized"
    r = _sh(adb_server, b.serial, "echo hi")
    assert r.returncode != 0 and "unauthorized" in r.stderr


def test_offline_never_device(adb_server, boards):
    (b,) = boards("rk1808-offline", connect=False)
    p = subprocess.Popen([adb_server.adb_path, "-P", str(adb_server.port), "connect", b.address],
                         env=adb_server.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert adb_server.wait_state(b.serial, "offline", 5)
        time.sleep(1)
        assert adb_server.state(b.serial) == "offline"
        r = _sh(adb_server, b.serial, "echo hi", timeout=10)
        assert r.returncode != 0 and "offline" in r.stderr
    finally:
        p.kill()
        p.wait()
        adb_server.disconnect(b.address)
