"""The last-resort pulls: only when the board could not print a version itself."""

from __future__ import annotations

from rknn_compat.read import fallbacks as pull
from rknn_compat.results import Fact

BLOB = (b"\x7fELF\x02\x01\x00\x00" + b"\x00\x01" * 50
        + b"1.3.2 (f113d64 build: 2020-04-23 09:35:26)\x00.note.gnu.build-id\x00")


class Files:
    """A transport seam that only serves files (and counts pulls)."""

    def __init__(self, files):
        self.files, self.pulled = files, []

    def read_file(self, path, timeout, limit=0):
        self.pulled.append(path)
        return self.files.get(path)


def unknown(tool):
    fact = Fact.unknown("/usr/bin/rknn_server: no version string", "strings /usr/bin/rknn_server | grep build")
    fact.path, fact.tool = "/usr/bin/rknn_server", tool
    return fact


def test_pulls_when_grep_found_nothing_and_reads_the_version_here():
    board = Files({"/usr/bin/rknn_server": BLOB})
    fact = pull.component_file(unknown("grep"), "rknn_server", board, 5)
    assert fact.value == "1.3.2" and fact.source == "adb pull /usr/bin/rknn_server (searched on the host)"
    assert fact.extra["pulled_bytes"] == len(BLOB)


def test_no_pull_when_strings_ran_or_the_version_is_known():
    board = Files({"/usr/bin/rknn_server": BLOB})
    assert pull.component_file(unknown("strings"), "rknn_server", board, 5).value is None
    known = Fact("1.3.2", "1.3.2 (f113d64 ...)", "strings", path="/usr/bin/rknn_server", tool="grep")
    assert pull.component_file(known, "rknn_server", board, 5) is known
    assert board.pulled == []


def test_unreadable_or_versionless_file_keeps_the_unknown():
    for files in ({}, {"/usr/bin/rknn_server": b"\x00" * 100}):
        fact = unknown("grep")
        assert pull.component_file(fact, "rknn_server", Files(files), 5) is fact


def test_firmware_that_cannot_be_pulled_gives_reasons_not_guesses():
    comps = {c: Fact.unknown("not installed") for c in ("rknn_server", "librknn_runtime", "npu_driver")}
    out = pull.npu_firmware(comps, "/vendor/etc/npu_fw/boot.img", Files({}), 5)
    assert all(f.value is None and "NPU firmware" in f.reason and "could not pull" in f.reason for f in out.values())
