"""Find the lines of a log that matter, in one pass, fast on a 50 MB log.

The text is never split into lines in Python: each block is searched for the keywords the
readers and signatures declare (``str.find`` in C), and only the lines holding one are cut out,
cleaned and numbered. At most :data:`MAX_KEPT` lines are kept per input, the first half and the
last half (errors are usually at the end); the others are counted as dropped.
"""

from __future__ import annotations

import re
from collections import deque

from ..read.text import _ANSI, MAX_LINE, _clean, _strip_ts
from .inputs import Input
from .report import LogLine

MAX_KEPT = 20_000
AFTER = 4  # following lines kept with a hit that names devices (a device list continues there)

_LOGCAT = re.compile(r"^\d{2}-\d{2}\s\d{2}:\d{2}:\d{2}\.\d{3}\s{1,8}\d{1,7}\s{1,8}\d{1,7}\s"
                     r"(?P<level>[VDIWEF])\s(?P<tag>[^:]{0,40}?)\s{0,12}:\s")
_VIM_NUMBER = re.compile(r"^\s{0,8}\d{1,6}\s(?=[DIWEFT]\s)")


def clean(raw: str) -> str:
    """A log line as the readers want it: no logcat or kernel prefix, editor numbers, quotes."""
    line = raw.replace("\x00", " ")
    m = _LOGCAT.match(line)
    if m:
        line = f"{m.group('level')} {m.group('tag').strip()}: {line[m.end():]}"
    line = _VIM_NUMBER.sub("", _strip_ts(line), count=1)
    return _clean(line)


class _Kept:
    """The first MAX_KEPT/2 lines and the last MAX_KEPT/2, counting the ones dropped between."""

    def __init__(self) -> None:
        self.first: list[LogLine] = []
        self.last: deque[LogLine] = deque(maxlen=MAX_KEPT // 2)
        self.dropped = 0

    def add(self, line: LogLine) -> None:
        if len(self.first) < MAX_KEPT // 2:
            self.first.append(line)
            return
        if len(self.last) == self.last.maxlen:
            self.dropped += 1
        self.last.append(line)

    def lines(self) -> list[LogLine]:
        return self.first + list(self.last)


def scan(inp: Input, keywords: tuple[str, ...]) -> list[LogLine]:
    """The cleaned lines of ``inp`` that hold one of ``keywords`` (lower case), in order."""
    kept = _Kept()
    carry, base, overlong = "", 0, False
    for block in inp.blocks():
        text = carry + block
        cut = text.rfind("\n")
        if cut < 0:  # no line end yet: keep waiting, unless the line is already absurdly long
            carry = "" if len(text) > MAX_LINE else text
            overlong = overlong or len(text) > MAX_LINE
            continue
        part, carry = text[: cut + 1], text[cut + 1 :]
        if overlong:  # the rest of a line too long to be a log line
            skip = part.find("\n") + 1
            part, base, overlong = part[skip:], base + 1, False
        base = _block(part, base, inp.name, keywords, kept)
    if carry and not overlong:
        base = _block(carry + "\n", base, inp.name, keywords, kept)
    inp.info.lines = base
    inp.info.kept_lines = len(kept.first) + len(kept.last) + kept.dropped
    inp.info.dropped_lines = kept.dropped
    return kept.lines()


def _block(part: str, base: int, name: str, keywords: tuple[str, ...], kept: _Kept) -> int:
    """Scan one block of whole lines starting at line ``base``; returns the line count after it."""
    if "\r\n" in part:
        part = part.replace("\r\n", "\n")
    if "\x1b" in part:
        part = _ANSI.sub("", part)
    low = _lower(part)
    starts: set[int] = set()
    for kw in keywords:
        pos = low.find(kw)
        while pos >= 0:
            starts.add(low.rfind("\n", 0, pos) + 1)
            end = low.find("\n", pos)
            pos = low.find(kw, end + 1) if end >= 0 else -1
    number, at = base, 0
    for start in sorted(starts):
        number += part.count("\n", at, start)
        at = start
        end = part.find("\n", start)
        raw = part[start:end]
        if len(raw) > MAX_LINE:
            continue
        raw_low = low[start:end]
        text = clean(_segment(raw, raw_low, keywords))
        if text:
            kept.add(LogLine(name, number + 1, text, _after(part, end) if "device" in raw_low else ()))
    return number + part.count("\n", at)


def _lower(part: str) -> str:
    """Lower case of the same length (offsets must line up with the original)."""
    low = part.lower()
    if len(low) == len(part):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in part)


def _segment(raw: str, low: str, keywords: tuple[str, ...]) -> str:
    """Of a line joined by carriage returns (progress bars), the last part holding a keyword."""
    if "\r" not in raw:
        return raw
    parts, lows = raw.split("\r"), low.split("\r")
    for seg, seg_low in zip(reversed(parts), reversed(lows)):
        if any(k in seg_low for k in keywords):
            return seg
    return parts[-1]


def _after(part: str, end: int) -> tuple[str, ...]:
    out = []
    pos = end + 1
    for _ in range(AFTER):
        if pos >= len(part):
            break
        nxt = part.find("\n", pos)
        nxt = len(part) if nxt < 0 else nxt
        out.append(clean(part[pos : min(nxt, pos + MAX_LINE)].split("\r")[-1]))
        pos = nxt + 1
    return tuple(out)
