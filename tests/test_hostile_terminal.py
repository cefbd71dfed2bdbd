"""Board text never drives the user's terminal, JSON stays valid UTF-8, and the work after the
answer arrives is linear and capped (reliability audit, sections 2, 6, 8 and 10).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from helpers import run_cli
from test_probe_units import boot_img, newc, tiny_image

import rknn_compat
from rknn_compat.output.inventory import inventory_text
from rknn_compat.output.probe import probe_text
from rknn_compat.read import drivers, identity
from rknn_compat.read import npu_firmware as firmware
from rknn_compat.read.script import MARK, split_answer
from rknn_compat.results import InventoryReport

RECORDING = Path(__file__).parent / "data" / "recordings" / "rk1808-linux-1.3.2.json"
# what the audit's board printed as /proc/version: a title, a clear screen, colour, backspaces,
# and the one-character C1 CSI (U+009B) and OSC (U+009D) that the ANSI filter let through
HOSTILE = ("Linux version 4.4 \x1b]0;OWNED-TITLE\x07\x1b[2J\x1b[1;31mRED\x1b[0m\x08\x08\x08"
           "\u009b2J\u009d0;T2\u009c\u202eevil\r")
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]")


def _hostile_recording(tmp_path: Path, serial: str = "evil-\x1b[2J-board") -> Path:
    doc = json.loads(RECORDING.read_text())
    answer = base64.b64decode(doc["runs"][0]["stdout_b64"]).decode()
    start = answer.index(f"{MARK} begin os_release")
    end = answer.index(f"{MARK} end os_release")
    answer = (answer[:start] + f"{MARK} begin os_release\ncat: can't open '/etc/os-release'\n" + answer[end:]
              + f"\n{MARK} begin kernel\n{HOSTILE}\n{MARK} end kernel 0\n")
    doc["runs"][0]["stdout_b64"] = base64.b64encode(answer.encode()).decode()
    doc["serial"] = serial
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc))
    return path


def test_board_text_in_table_output_is_escaped(tmp_path):
    """Audit: /proc/version's raw first line set the terminal title, cleared the screen, moved the cursor."""
    res = run_cli("probe", "--device", "fixture:" + str(_hostile_recording(tmp_path)), "--toolkit", "1.3.2")
    assert res.returncode == 0, res
    assert not RAW_CONTROL.search(res.stdout), repr(RAW_CONTROL.search(res.stdout))
    assert "\\x1b]0;OWNED-TITLE\\x07" in res.stdout and "\\x9b2J" in res.stdout
    assert "evil-\\x1b[2J-board" in res.stdout


def test_json_keeps_board_text_escaped_and_valid(tmp_path):
    res = run_cli("probe", "--device", "fixture:" + str(_hostile_recording(tmp_path)), "--toolkit", "1.3.2",
                  "--format", "json")
    assert not RAW_CONTROL.search(res.stdout.replace("\n", ""))
    report = json.loads(res.stdout)
    assert report["platform"]["os"]["evidence"].startswith("Linux version 4.4 \x1b]0;OWNED-TITLE\x07")
    assert "\u009b2J" in report["platform"]["os"]["evidence"]  # JSON keeps the text, escaped


def test_inventory_rows_and_csv_are_escaped(tmp_path):
    report = rknn_compat.probe("fixture:" + str(_hostile_recording(tmp_path)), toolkit="1.3.2")
    inv = InventoryReport([report], report.toolkit, 0.1)
    for fmt in ("table", "csv"):
        assert not RAW_CONTROL.search(inventory_text(inv, fmt)), fmt
    assert "\\x1b" in inventory_text(inv, "table")


def test_a_serial_that_is_not_utf8_prints_in_every_format(tmp_path):
    """A lone surrogate (undecodable bytes in a name) must not crash the UTF-8 write: it is escaped."""
    path = _hostile_recording(tmp_path, serial="board-\udcff")
    for fmt in ("table", "json"):
        proc = subprocess.run([sys.executable, "-m", "rknn_compat", "probe", "--device", f"fixture:{path}",
                               "--toolkit", "1.3.2", "--format", fmt], capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout.decode("utf-8")  # strict: valid UTF-8
        assert "board-\\udcff" in text
    assert json.loads(text)["device"]["serial"] == "board-\udcff"


def test_report_text_renders_every_board_field_escaped(tmp_path):
    report = rknn_compat.probe("fixture:" + str(_hostile_recording(tmp_path)), toolkit="1.3.2")
    report.notes.append("note \x1b[2J")
    report.error = "error\nverdict: compatible"  # a forged line must not appear as one
    text = probe_text(report, "table")
    assert "\nverdict: compatible" not in text.replace(f"\nverdict: {report.verdict}", "")
    assert not RAW_CONTROL.search(text)


def test_c1_escapes_are_stripped_by_the_readers():
    """Audit: U+009B (C1 CSI) passed the ANSI filter into evidence."""
    parsed = drivers.galcore_version("\u009b31m[    2.3] Galcore version 6.4.0.227915\u009b0m \u009d0;t\u009c")
    assert str(parsed.version) == "6.4.0.227915" and "\u009b" not in parsed.evidence and "\u009d" not in parsed.evidence
    assert identity.compatible_list("\u009b1mrockchip,rk1808\u009b0m\x00") == ["rockchip,rk1808"]


def test_an_error_message_is_one_escaped_line():
    res = run_cli("matrix", "--matrices", "/nonexistent/\x1b]0;x\x07\n2")
    (line,) = res.stderr.splitlines()
    assert "\\x1b]0;x\\x07\\x0a2" in line and res.returncode == 2


# ----------------------------------------------------------------------------- linear after the answer


def test_splitting_4_mb_in_one_section_is_linear():
    """Audit: 330 000 short lines in one section took 27.8 s (355 s live for --timeout 3)."""
    answer = (f"{MARK} begin kernel\n".encode() + b"0123456789\n" * 330_000 + f"{MARK} end kernel 0\n".encode()
              + f"{MARK} begin dmesg\n".encode() + b"[ 1.0] galcore: Galcore version 6.4.0.227915\n" * 90_000
              + f"{MARK} end dmesg 0\n{MARK} done\n".encode())
    started = time.monotonic()
    got = split_answer(answer)
    took = time.monotonic() - started
    assert got.finished and got.sections["kernel"].text.count(b"\n") == 330_000
    assert got.sections["dmesg"].finished and got.sections["kernel"].exit_status == 0
    assert took < 2.0, took


def test_splitting_keeps_parts_and_blank_lines_as_before():
    raw = (f"junk\n{MARK} begin s\n\n\na\n\nb\n{MARK} file /x\n\nc\n{MARK} tool grep\nd\n"
           f"{MARK} begin s\ne\n{MARK} end s 7\n").encode()
    sec = split_answer(raw).sections["s"]
    assert sec.parts == {"": b"a\n\nb\ne\n", "/x": b"c\nd\n"} and sec.exit_status == 7
    assert sec.meta == {"tool": "grep", "tool:/x": "grep"}


def test_gzip_bomb_image_costs_memory_linear_in_its_size():
    """Audit: a 1 MB image cost 525 MB RSS (decompressed to the 256 MiB cap)."""
    bomb = gzip.compress(newc("usr/bin/big", bytes(256 << 20)), compresslevel=9)  # 250 KB holding 256 MiB
    image = boot_img(bomb)
    assert len(image) < 1 << 20
    tracemalloc.start()
    try:
        started = time.monotonic()
        assert firmware.npu_files(image) == {}
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < firmware.MAX_RATIO * len(bomb) * 2 + (8 << 20), peak
    assert took < 3, took


def test_two_million_empty_entries_cost_bounded_cpu():
    """Audit: a 5.5 MB image holding 2 M empty entries cost 12.9 s of CPU."""
    entry = newc("e", b"")
    image = boot_img(gzip.compress(entry * 2_000_000 + tiny_cpio()))
    started = time.process_time()
    assert firmware.npu_files(image) == {}  # the wanted files lie past the entry cap
    assert time.process_time() - started < 3


def test_one_huge_printable_file_in_a_small_image_costs_little():
    """Audit: a 1 MB image holding a 250 MB printable rknn_server cost 768 MB (strings built it twice)."""
    big = b"A" * (64 << 20) + b"\x00rknn_server version: 1.7.5 (bb79b30)\x00"
    image = boot_img(gzip.compress(newc("usr/bin/rknn_server", big), compresslevel=6))
    assert len(image) < 1 << 20
    tracemalloc.start()
    try:
        firmware.npu_files(image)  # cut at 16x the image: the version at the end is not reached
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * firmware.MAX_RATIO * len(image), peak


def test_strings_skip_runs_longer_than_a_reader_reads():
    data = memoryview(b"x" * 10_000 + b"\0rknn_server version: 1.7.5\0ab\0" + b"y" * 5000)
    assert firmware.printable_strings(data) == "rknn_server version: 1.7.5"


def test_second_gzip_member_is_read_too():
    """Audit: only the first gzip member was read."""
    image = boot_img(gzip.compress(newc("etc/a", b"x")) + gzip.compress(tiny_cpio()))
    assert set(firmware.npu_files(image)) == {"rknn_server", "librknn_runtime.so", "galcore.ko"}


def tiny_cpio() -> bytes:
    image = tiny_image()
    start = 2048 + 2048  # header page + the 100-byte kernel's page
    return zlib.decompress(image[start:], 16 + zlib.MAX_WBITS)


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_probe_report_of_the_hostile_board_has_no_traceback(tmp_path, fmt):
    res = run_cli("probe", "--device", "fixture:" + str(_hostile_recording(tmp_path)), "--toolkit", "1.3.2",
                  "--format", fmt)
    assert res.returncode == 0 and res.stderr == "", res
