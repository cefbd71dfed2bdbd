"""The text engine every reader shares: clean what a board or a paste printed, find lines, rank candidates.

Every reader is pure: text in, facts out.  A fact always comes with the
line it was read from (``evidence``); when nothing usable is found the result
says so and why (``reason``) instead of guessing.

Input may be ``str`` or ``bytes`` (decoded as UTF-8 with ``errors="replace"``).
ANSI colour codes, ``\\r\\n``, NUL bytes, markdown fences/backticks, terminal
prompts and prose around the interesting lines are tolerated.  Regexes are
anchored on literal keywords, every repetition is bounded and lines longer than
:data:`MAX_LINE` characters are ignored, so a 10 MB blob of junk is read in
well under a second.

Choosing between several candidates (the same rule everywhere, documented per
function): every pattern has a *rank* (1 = the component printing its own
version, higher = second-hand or anonymous).  The best rank wins; among equal
ranks the **last** occurrence wins, because later output is newer (a reloaded
driver, a re-run command).  When more than one candidate was seen,
``extra["candidates"]`` lists ``(version, evidence)`` for each of them,
``extra["why"]`` says why the winner won, and ``extra["conflict"]`` is ``True``
if they disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union

from ..versions import Version, VersionError, parse_version

TextIn = Union[str, bytes, bytearray, memoryview, None]

#: Lines longer than this are not board output anyone pasted; skipping them keeps
#: every regex linear in practice even on hostile input.
MAX_LINE = 4096


@dataclass(frozen=True)
class Parsed:
    """One version read from text, or why none could be read."""

    version: Version | None  # normalised (versions.parse_version)
    evidence: str | None  # the exact line it came from (stripped)
    reason: str | None = None  # why version is None
    commit: str | None = None
    extra: dict = field(default_factory=dict)  # e.g. {"base": "1112"}, {"build_time": ...}

    def __bool__(self) -> bool:  # "if parsed:" reads naturally
        return self.version is not None


# --------------------------------------------------------------------------- text helpers

_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]{0,32}[ -/]{0,8}[@-~]"  # CSI (colours, cursor moves); U+009B is a one-character CSI
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]{0,512}(?:\x07|\x1b\\|\x9c)?"  # OSC (titles, hyperlinks), also C1 OSC
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
_ESCAPE_STARTS = ("\x1b", "\x9b", "\x9d")


def _has_escape(text: str) -> bool:
    return any(c in text for c in _ESCAPE_STARTS)


# Kernel log prefixes: "<6>[   20.851817] ", a truncated "   20.846644] ", "[Tue Nov 25 ...] ".
_TS = re.compile(
    r"^\s{0,8}(?:<\d{1,2}>)?\s{0,8}"
    r"(?:\[\s{0,12}\d{1,10}\.\d{1,9}\]|\d{1,10}\.\d{1,9}\]|\[[A-Z][a-z]{2} [^\]]{10,40}\])\s?"
)
_EDGE = " \t`'\"\u201c\u201d\u2018\u2019\u300c\u300d>"

# One version token: 1.7.5, 0.91, 6.4.3.5.293908, 6.4.3.p2.336687, 1.5.3b13
_VER = r"\d{1,9}(?:\.p?\d{1,9}){1,6}(?:(?:a|b|rc)\d{1,6})?(?![.\d]*\d)"
# "(bb79b30 build: 2023-07-18 10:49:14)", "(535b468 build@2023-..)", "(429f97ae6b@2025-..)",
# "(ccb93f1 build: 2023-07-18 10:48:49 base: 1131)"; the closing paren may be cut off.
_PAREN = r"(?:\s{0,4}\((?P<paren>[^()\r\n]{1,200})\)?)?"
_PAREN_BODY = re.compile(
    r"\s*(?P<commit>[0-9a-fA-F]{6,40})\b\s*(?:build\s*[:@]?|@)?\s*(?P<rest>.*)$", re.S
)
_BASE = re.compile(r"\s*\bbase\s*:\s*(?P<base>\d{1,12})\s*$")


def _to_text(data: TextIn) -> str:
    if data is None:
        return ""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data).decode("utf-8", errors="replace")
    if not isinstance(data, str):
        return str(data)
    return data


_NULS = re.compile(r"\x00+")

#: A parser looks at no more than this many lines holding its keyword (the last
#: ones are lost on absurd inputs, e.g. 10 MB of nothing but version lines).
MAX_HITS = 100_000


class _Key:
    """A keyword regex written in lower case, searched on the lower-cased text."""

    __slots__ = ("low", "icase")

    def __init__(self, pattern: str) -> None:
        self.low = re.compile(pattern)
        self.icase = re.compile(pattern, re.I)


class _Text:
    """Normalised input: ANSI codes removed, every line break (CR, CRLF, NUL runs) a LF.

    Parsers never loop over all lines in Python: they search the whole text for
    a keyword (fast, in C) and look only at the lines that contain it.
    """

    __slots__ = ("text", "_low")

    def __init__(self, data: TextIn) -> None:
        text = _to_text(data)
        if _has_escape(text):
            text = _ANSI.sub("", text)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text:
            text = _NULS.sub("\n", text)
        self.text = text
        self._low: str | None = None

    def hits(self, key: _Key) -> Iterator[tuple[int, int, str]]:
        """(start, end, line) of each line with a match of ``key``, in order, once each."""
        text = self.text
        if self._low is None:
            # U+0130 is the one character whose lower() is two characters long
            low = (text.replace("\u0130", "I") if "\u0130" in text else text).lower()
            self._low = low if len(low) == len(text) else ""
        if self._low:
            hay, rx = self._low, key.low
        else:  # lower() changed the length (rare Unicode): search case-insensitively
            hay, rx = text, key.icase
        pos = 0
        for _ in range(MAX_HITS):
            m = rx.search(hay, pos)
            if m is None:
                return
            start = text.rfind("\n", 0, m.start()) + 1
            end = text.find("\n", m.end())
            if end < 0:
                end = len(text)
            pos = end + 1
            if end - start <= MAX_LINE:
                yield start, end, text[start:end]
            if pos > len(text):
                return

    def lines(self, key: _Key) -> Iterator[tuple[int, str]]:
        """(start, cleaned line) of each line with a match of ``key``."""
        for start, _end, raw in self.hits(key):
            yield start, _clean(raw)

    def line_after(self, end: int) -> str:
        """The next line after a line ending at ``end`` ('' at the end or if too long)."""
        text = self.text
        if end >= len(text):
            return ""
        stop = text.find("\n", end + 1)
        if stop < 0:
            stop = len(text)
        return text[end + 1 : stop] if stop - end - 1 <= MAX_LINE else ""


def _clean(line: str) -> str:
    """A line as evidence: surrounding blanks, quotes, backticks and '> ' removed."""
    return line.strip().strip(_EDGE).strip()


def _strip_ts(line: str) -> str:
    return _TS.sub("", line, count=1)



def _version(token: str, paren: str | None = None) -> tuple[Version, str | None, dict] | None:
    """parse_version on a token plus its "(commit build: time base: n)" group."""
    try:
        v = parse_version(token)
    except (VersionError, ValueError):
        return None
    commit = None
    extra: dict = {}
    if paren:
        m = _PAREN_BODY.match(paren)
        if m:
            commit = m.group("commit").lower()
            rest = m.group("rest").strip()
            b = _BASE.search(rest)
            if b:
                extra["base"] = b.group("base")
                rest = rest[: b.start()].strip()
            if rest:
                extra["build_time"] = rest
            raw = f"{token} ({paren})"
            v = Version(v.release, build=v.build, commit=commit, pre=v.pre, raw=raw)
    return v, commit, extra


def _missing(reason: str, **extra) -> Parsed:
    return Parsed(version=None, evidence=None, reason=reason, extra=dict(extra))


#: At most this many candidates are parsed and listed in ``extra["candidates"]``
#: (the most recent ones); ``extra["candidate_count"]`` has the full number.
_MAX_LISTED = 16


class _Cand:
    """A version seen in the text, parsed only when needed (huge inputs stay fast)."""

    __slots__ = ("rank", "pos", "token", "paren", "evidence", "extra", "version", "commit", "_ok")

    def __init__(
        self,
        rank: int,
        pos: int,
        token: str,
        evidence: str,
        extra: dict,
        paren: str | None = None,
    ) -> None:
        self.rank, self.pos, self.token, self.paren = rank, pos, token, paren
        self.evidence, self.extra = evidence, extra
        self.version: Version | None = None
        self.commit: str | None = None
        self._ok: bool | None = None

    def resolve(self) -> bool:
        if self._ok is None:
            got = _version(self.token, self.paren)
            self._ok = got is not None
            if got:
                self.version, self.commit, more = got
                self.extra = {**self.extra, **more}
        return self._ok


class _Cands:
    """Candidates in text order; an identical line seen again only moves forward."""

    def __init__(self) -> None:
        self.items: dict[tuple, _Cand] = {}
        self.count = 0

    def add(self, c: _Cand) -> None:
        self.count += 1
        key = (c.rank, c.token, c.paren, c.evidence)
        self.items.pop(key, None)
        self.items[key] = c

    def __bool__(self) -> bool:
        return bool(self.items)


def _choose(cands: _Cands, what: str) -> Parsed | None:
    """Best rank wins, then the last occurrence; see the module docstring."""
    items = list(cands.items.values())
    if not items:
        return None
    winner = min(items, key=lambda c: (c.rank, -c.pos))
    if not winner.resolve():
        winner = None
        for c in sorted(items, key=lambda c: (c.rank, -c.pos)):
            if c.resolve():
                winner = c
                break
        if winner is None:
            return None
    assert winner.version is not None
    extra = dict(winner.extra)
    if cands.count > 1:
        recent = sorted(items, key=lambda c: c.pos)[-_MAX_LISTED:]
        if winner not in recent:
            recent = [winner, *recent[1:]]
        listed = [c for c in recent if c.resolve()]
        extra["candidates"] = [(str(c.version), c.evidence) for c in listed]
        if cands.count > len(listed):
            extra["candidate_count"] = cands.count
        extra["conflict"] = any(
            c.version is not None and not c.version.matches(winner.version) for c in listed
        )
        ranks = {c.rank for c in items}
        if len(ranks) == 1:
            extra["why"] = f"last of {cands.count} {what} lines (later output is newer)"
        else:
            extra["why"] = (
                f"{winner.extra.get('source', 'most direct')} line preferred over less direct "
                f"ones; the last such line wins"
            )
    return Parsed(winner.version, winner.evidence, None, winner.commit, extra)
