"""What explain reads and refuses: files, stdin, pasted text, folders, and hostile input.

Real logs are also read through the transformations real pastes go through (CRLF, colour codes,
a PowerShell UTF-16 redirect, a GB18030 console, progress bars joined by carriage returns): the
result must not change.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from rknn_compat.cli import main
from rknn_compat.errors import UsageError
from rknn_compat.explain import explain, inputs

LOGS = Path(__file__).parent / "data" / "logs"
MODEL_V6 = LOGS / "airockchip-rknn-toolkit2-281-model-version-6-1.log"
TQDM = LOGS / "rockchip-linux-rknn-toolkit2-118-tqdm-joined.log"


def _ids(report):
    return [d.id for d in report.diagnoses], [(f.component, f.value, f.line.number) for f in report.facts]


def _refused(capsys, path, needle):
    started = time.monotonic()
    assert main(["explain", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rknn-compat: error: ") and err.count("\n") == 1 and needle in err, err
    assert time.monotonic() - started < 5


def test_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    _refused(capsys, fifo, "not a regular file")


def test_huge_file_is_refused(tmp_path, capsys):
    big = tmp_path / "big.log"
    with open(big, "wb") as fh:
        fh.truncate(inputs.MAX_INPUT_BYTES + 1)
    _refused(capsys, big, "larger than 64 MiB")


def test_binary_empty_missing(tmp_path, capsys):
    elf = tmp_path / "librknnrt.so"
    elf.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(4000))
    _refused(capsys, elf, "binary data, not a text log")
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    _refused(capsys, empty, "empty input")
    _refused(capsys, tmp_path / "nope.log", "cannot read")


def test_stdin_over_the_cap(monkeypatch):
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 1000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x\n" * 5000)))
    with pytest.raises(UsageError, match="-: larger than"):
        explain(["-"])


def test_nothing_recognised_is_exit_3(capsys):
    assert main(["explain", str(Path(__file__).parents[1] / "pyproject.toml")]) == 3
    assert "nothing in the input was recognised" in capsys.readouterr().out


def test_stdin_pasted_text_and_folder(monkeypatch, tmp_path):
    data = MODEL_V6.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    from_stdin = explain(["-"])
    pasted = explain([data.decode("utf-8")])
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(MODEL_V6, folder / "log_feedback_to_the_rknn_toolkit_dev_team.log")
    (folder / "model.rknn").write_bytes(b"RKNN\0\0\0\0")
    from_folder = explain([folder])
    assert _ids(from_stdin) == _ids(pasted) == _ids(from_folder) == _ids(explain([MODEL_V6]))
    assert [i.name for i in from_folder.inputs] == [str(folder / "log_feedback_to_the_rknn_toolkit_dev_team.log")]
    models = tmp_path / "models"
    models.mkdir()
    (models / "model.rknn").write_bytes(b"RKNN\0\0\0\0")
    with pytest.raises(UsageError, match="no .log or .txt file"):
        explain([models])
    with pytest.raises(UsageError, match="given twice"):
        explain(["-", "-"])


@pytest.mark.parametrize("transform", ["crlf", "ansi", "utf16", "gb18030", "indent"])
def test_real_log_through_paste_transformations(tmp_path, transform):
    text = MODEL_V6.read_text(encoding="utf-8")
    if transform == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    elif transform == "ansi":  # librknn_api colours its E/W lines (rknn-toolkit2 2.5.0 strings)
        data = "".join(f"\x1b[1;31m{ln}\x1b[0m\n" if ln.startswith("E ") else ln + "\n"
                       for ln in text.splitlines()).encode("utf-8")
    elif transform == "utf16":  # PowerShell's `python test.py > log.txt`
        data = text.encode("utf-16")
    elif transform == "gb18030":  # a Chinese Windows console
        data = text.encode("gb18030")
    else:
        data = "".join(f"    {ln}\n" for ln in text.splitlines()).encode("utf-8")
    path = tmp_path / "log.txt"
    path.write_bytes(data)
    report = explain([path])
    assert _ids(report) == _ids(explain([MODEL_V6]))
    assert report.facts[0].line.text == "W rknn-toolkit-lite2 version: 2.3.0"


def test_progress_bar_overwritten_by_carriage_returns(tmp_path):
    """The thread shows the bars joined; a terminal log has them separated by CR, then the banner."""
    lines = TQDM.read_text(encoding="utf-8").splitlines()
    bars = lines[0].replace("Analysing :", "\rAnalysing :").lstrip("\r")
    path = tmp_path / "log.txt"
    path.write_text(bars + "\r" + "\n".join(lines[1:]) + "\n", encoding="utf-8")
    report = explain([path])
    assert [(f.component, f.value) for f in report.facts] == [("librknnc", "1.1.0b0")]
    assert report.verdict == "unrecognised"


def test_overlong_line_and_keyword_flood(tmp_path):
    tail = MODEL_V6.read_bytes()
    path = tmp_path / "log.txt"
    with open(path, "wb") as fh:
        fh.write(b"x" * 3_000_000 + b"\n")  # one line longer than any log line: skipped, counted
        fh.write(b"D version check\n" * 30_000)  # more keyword lines than are kept
        fh.write(tail)
    report = explain([path])
    assert "model-version-above-runtime" in _ids(report)[0]
    info = report.inputs[0]
    assert info.lines == 1 + 30_000 + tail.count(b"\n") and info.dropped_lines > 0
    assert any("were not read" in n for n in report.notes)
