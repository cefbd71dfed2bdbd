"""The logs ``explain`` reads: files, ``-`` (stdin), pasted text, or the ``.log``/``.txt`` files of a folder.

Every input is read in blocks of :data:`BLOCK` bytes and decoded incrementally, so memory stays
bounded whatever its size; an input over :data:`MAX_INPUT_BYTES` is refused (exit 2), as are
FIFOs, devices, sockets, binary files and empty input, each with a one-line reason.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .report import InputInfo

MAX_INPUT_BYTES = 64 << 20  # a toolkit's verbose log of a big model is ~10 MB
MAX_FILES = 200  # files taken from one folder
BLOCK = 1 << 20
LOG_SUFFIXES = (".log", ".txt")
_BINARY_MAGIC = (b"\x7fELF", b"RKNN", b"PK\x03\x04", b"CYPTRKNN", b"\x89PNG", b"\xff\xd8\xff", b"MZ")
_HINT = "pass the part around the error, e.g. `tail -c 32M FILE | rknn-compat explain -`"


@dataclass
class Input:
    """One log to read; ``blocks()`` yields its decoded text, ``info`` counts what was read."""

    name: str
    path: Path | None = None  # a file
    data: bytes | None = None  # pasted text
    stdin: bool = False

    def __post_init__(self) -> None:
        self.info = InputInfo(self.name)

    def blocks(self) -> Iterator[str]:
        if self.data is not None:
            yield from self._decode(iter([self.data]))
        elif self.stdin:
            yield from self._decode(_chunks(sys.stdin.buffer))
        else:
            try:
                with open(self.path, "rb") as fh:
                    if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                        raise UsageError(f"{self.name}: not a regular file")
                    yield from self._decode(_chunks(fh))
            except OSError as exc:
                raise UsageError(f"{self.name}: cannot read: {exc.strerror or exc}") from None

    def _decode(self, chunks: Iterator[bytes]) -> Iterator[str]:
        decoder = None
        for chunk in chunks:
            self.info.bytes += len(chunk)
            if self.info.bytes > MAX_INPUT_BYTES:
                raise UsageError(f"{self.name}: larger than {MAX_INPUT_BYTES >> 20} MiB; {_HINT}")
            if decoder is None:
                encoding = _encoding(self.name, chunk)
                self.info.encoding = encoding
                decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
            yield decoder.decode(chunk)
        if decoder is None:
            raise UsageError(f"{self.name}: empty input (nothing to explain)")
        yield decoder.decode(b"", final=True)


def _chunks(fh) -> Iterator[bytes]:
    while True:
        chunk = fh.read(BLOCK)
        if not chunk:
            return
        yield chunk


def _encoding(name: str, head: bytes) -> str:
    """UTF-16 (PowerShell's `>`), UTF-8, or GB18030 (a Chinese Windows console); refuse binary."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    sample = head[:8192]
    if sample.startswith(_BINARY_MAGIC) or sample.count(0) > len(sample) // 10:
        raise UsageError(f"{name}: binary data, not a text log (give the log the toolkit or the board printed)")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a character cut by the sample's end
            return "utf-8"
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"


def resolve(sources) -> list[Input]:
    """The inputs named by ``sources``: paths, ``"-"``, or text (``bytes``, or ``str`` with a newline)."""
    out: list[Input] = []
    for item in sources or ():
        if isinstance(item, (bytes, bytearray)):
            out.append(Input("<text>", data=bytes(item)))
        elif isinstance(item, str) and "\n" in item:
            out.append(Input("<text>", data=item.encode("utf-8")))
        elif item == "-":
            if any(i.stdin for i in out):
                raise UsageError("'-' (stdin) given twice")
            out.append(Input("-", stdin=True))
        else:
            out += _path_inputs(Path(os.fspath(item)))
    if not out:
        raise UsageError("nothing to explain: give a log file, a folder, or '-' for stdin")
    return out


def _path_inputs(path: Path) -> list[Input]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        return _folder(path)
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{path}: not a regular file (a FIFO, device or socket is not read)")
    if st.st_size > MAX_INPUT_BYTES:
        raise UsageError(f"{path}: larger than {MAX_INPUT_BYTES >> 20} MiB; {_HINT}")
    return [Input(str(path), path=path)]


def _folder(path: Path) -> list[Input]:
    """A folder's log files, e.g. where the toolkit wrote log_feedback_to_the_rknn_toolkit_dev_team.log."""
    try:
        names = sorted(os.listdir(path))
    except OSError as exc:
        raise UsageError(f"{path}: cannot list: {exc.strerror or exc}") from None
    files = []
    for name in names:
        full = path / name
        if name.lower().endswith(LOG_SUFFIXES) and full.is_file():
            files.append(full)
    if not files:
        raise UsageError(f"{path}: no {' or '.join(LOG_SUFFIXES)} file in this folder")
    if len(files) > MAX_FILES:
        raise UsageError(f"{path}: {len(files)} log files; name at most {MAX_FILES} (or the one you mean)")
    out: list[Input] = []
    for f in files:
        out += _path_inputs(f)
    return out
