"""Read what a board (or a user's paste) printed, and say what it says.

Every function here is pure: text in, facts out.  A fact always comes with the
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
from itertools import islice
from typing import Union

from .versions import Version, VersionError, parse_version

__all__ = [
    "MAX_LINE",
    "Parsed",
    "adb_devices",
    "compatible_list",
    "galcore_version",
    "getprop_map",
    "kernel_release",
    "lsusb_rockchip",
    "os_release",
    "rknn_server_version",
    "rknpu_version",
    "runtime_version",
    "sdk_version",
    "soc_from_compatible",
    "soc_from_props",
]

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
    r"\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]"  # CSI (colours, cursor moves)
    r"|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)?"  # OSC (titles, hyperlinks)
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
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
        if "\x1b" in text:
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


def _has_ts(line: str) -> bool:
    return _TS.match(line) is not None


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


# --------------------------------------------------------------------------- galcore

_GALCORE = re.compile(r"\bgalcore\s+version\b\s{0,4}:?\s{0,4}v?(?P<ver>" + _VER + r")?", re.I)
_VERSION_TAG = re.compile(
    r"\$VERSION\$\s{0,4}(?P<ver>\d{1,9}(?:\.\d{1,9}){1,5}\s{0,2}:\s{0,2}\d{1,12})\s{0,4}\$?",
    re.I,
)
_GALCORE_BARE = re.compile(
    r"^[ \t`'\"]*(?P<ver>\d{1,3}\.\d{1,3}\.\d{1,3}\.(?:p?\d{1,3}\.)?\d{5,9})[ \t`'\"]*$", re.M
)
_GALCORE_KEY = _Key(r"galcore\s+version|\$version\$")
_VER_START = re.compile(r"v?(?P<ver>" + _VER + r")")
_WRAP_FRAGMENT = re.compile(r"[0-9.p]{1,24}")
_RKNPU_DRM = _Key(r"initialized\s+rknpu\b")
_GALCORE_WORD = _Key("galcore")


def galcore_version(text: TextIn) -> Parsed:
    """Version of the RKNPU1 kernel driver (galcore) from dmesg or ``strings galcore.ko``.

    Recognised, best first:

    1. ``Galcore version 6.4.3.5.293908`` printk (any prefix: ``[ ts]``, a truncated
       ``  20.8] ``, ``galcore:``, ``kernel:``).  Several such lines: the **last**
       wins (the driver was reloaded; dmesg is chronological).  A line wrapped by a
       terminal is joined: the version on the next line (with or without its own
       timestamp), or the version number cut in two (the continuation has only
       digits and dots).  ``extra["wrapped"]`` is then ``True`` and ``evidence``
       holds both lines separated by ``"\\n"``.
    2. ``$VERSION$6.4.0:227915$`` tag of ``strings galcore.ko`` (last wins).
    3. A bare ``6.4.0.2.227915`` line of ``strings galcore.ko`` (last wins).

    ``extra["source"]`` is ``dmesg``, ``VERSION tag`` or ``strings``.  Other galcore
    lines (``npu init.``, ``avs=0``, ``loading out-of-tree module``) are noise.
    """
    t = _Text(text)
    cands = _Cands()
    unreadable: str | None = None
    for start, end, raw in t.hits(_GALCORE_KEY):
        line = _clean(raw)
        m = _GALCORE.search(line)
        if m:
            got = _galcore_from_line(t, end, line, m)
            if got is None:
                unreadable = line
            else:
                cands.add(_Cand(1, start, got[0], got[1], got[2]))
        for m in _VERSION_TAG.finditer(line):
            token = re.sub(r"\s", "", m.group("ver"))
            cands.add(_Cand(2, start, token, line, {"source": "VERSION tag"}))
    for m in islice(_GALCORE_BARE.finditer(t.text), MAX_HITS):
        cands.add(_Cand(3, m.start(), m.group("ver"), _clean(m.group(0)), {"source": "strings"}))
    chosen = _choose(cands, "galcore version")
    if chosen:
        return chosen
    if unreadable:
        return _missing(
            f"a 'Galcore version' line carries no readable version: {unreadable!r}",
            line=unreadable,
        )
    if any(True for _ in t.hits(_RKNPU_DRM)):
        return _missing(
            "no galcore in the text: this board runs the RKNPU2 'rknpu' DRM driver "
            "(see rknpu_version), not galcore"
        )
    if any(True for _ in t.hits(_GALCORE_WORD)):
        return _missing(
            "galcore lines are present but none states the version (the 'Galcore version' "
            "printk may have rotated out of the dmesg buffer; try `strings galcore.ko | "
            "grep VERSION`)"
        )
    return _missing(
        "no 'Galcore version' line, $VERSION$ tag or galcore strings version in the text "
        "(galcore not loaded, dmesg buffer rotated, or not an RKNPU1 board)"
    )


def _galcore_from_line(
    t: _Text, end: int, line: str, m: re.Match
) -> tuple[str, str, dict] | None:
    """(version token, evidence, extra) of a 'Galcore version' line, joining a wrap."""
    ver = m.group("ver")
    extra: dict = {"source": "dmesg"}
    evidence = line
    nxt = _clean(t.line_after(end))
    if ver is None:
        # "Galcore version" then the number on the next line (pr_cont split or wrap)
        vm = _VER_START.match(_strip_ts(nxt).strip())
        if not vm:
            return None
        ver = vm.group("ver")
        evidence = line + "\n" + nxt
        extra["wrapped"] = True
    elif line.endswith(ver) and nxt and _WRAP_FRAGMENT.fullmatch(nxt):
        # the number itself cut by the terminal: "... 6.4.3.5.29" / "3908"
        joined = ver + nxt
        if re.fullmatch(_VER, joined):
            ver = joined
            evidence = line + "\n" + nxt
            extra["wrapped"] = True
    return ver, evidence, extra


# --------------------------------------------------------------------------- rknpu (RKNPU2)

_RKNPU_INIT = re.compile(
    r"(?:\[drm\]\s{0,4})?initialized\s+rknpu\s+v?(?P<ver>" + _VER + r")"
    r"(?:\s+(?P<date>\d{8}))?(?:\s+for\s+(?P<dev>\S{1,80})\s+on\s+minor\s+(?P<minor>\d{1,4}))?",
    re.I,
)
_RKNPU_DEBUGFS = re.compile(r"\brknpu\s+driver\s*:\s*v?(?P<ver>" + _VER + r")", re.I)
_RKNPU_RT = re.compile(
    r"RKNN\s+Driver\s+Information\s*[:,]\s*version\s*:\s*v?(?P<ver>" + _VER + r")", re.I
)
_DRIVER_VERSION = re.compile(r"\bdriver\s+version\s*:\s*v?(?P<ver>" + _VER + r")", re.I)
_RKNPU_LOOSE = re.compile(
    r"\brknpu\s+v?(?P<ver>\d{1,4}\.\d{1,4}\.\d{1,4})\s+(?P<date>\d{8})\b", re.I
)
_RKNPU_KEY = _Key(r"rknpu|driver")


def rknpu_version(text: TextIn) -> Parsed:
    """Version of the RKNPU2 kernel driver ``rknpu`` (RK356x, RK3588, RV1106 ...).

    Recognised, best first (rank 1 = the kernel itself, 2 = a program reporting
    what the kernel told it, 3 = a hand-written summary):

    1. ``[drm] Initialized rknpu 0.9.8 20240828 for ff300000.npu on minor 1``
       (``extra``: ``date``, ``device`` ``ff300000.npu``, ``address`` ``ff300000``,
       ``minor``) and the debugfs/procfs node ``RKNPU driver: v0.9.3``.
    2. librknnrt's ``RKNN Driver Information, version: 0.9.8`` (also ``: version:``)
       and ``driver version: 0.8.2`` (rknn_query SDK_VERSION demo line, and the
       "you have driver version: x" / "Current driver version: x" runtime warnings).
    3. ``rknpu 0.9.8 20240828`` written by a user.

    Same rank: the last line wins.  If the winner has no date but another line
    states the same version with its date, that date is copied
    (``extra["date_evidence"]``).  galcore lines are never read here.
    """
    t = _Text(text)
    cands = _Cands()
    for start, line in t.lines(_RKNPU_KEY):
        m = _RKNPU_INIT.search(line)
        if m:
            extra: dict = {"source": "drm init"}
            if m.group("date"):
                extra["date"] = m.group("date")
            if m.group("dev"):
                dev = m.group("dev")
                extra["device"] = dev
                extra["address"] = dev.split(".", 1)[0]
                extra["minor"] = int(m.group("minor"))
            cands.add(_Cand(1, start, m.group("ver"), line, extra))
            continue
        for rank, rx, source in (
            (1, _RKNPU_DEBUGFS, "debugfs"),
            (2, _RKNPU_RT, "runtime log"),
            (2, _DRIVER_VERSION, "driver version line"),
            (3, _RKNPU_LOOSE, "summary"),
        ):
            m = rx.search(line)
            if not m:
                continue
            extra = {"source": source}
            if "date" in m.groupdict() and m.group("date"):
                extra["date"] = m.group("date")
            cands.add(_Cand(rank, start, m.group("ver"), line, extra))
            break
    chosen = _choose(cands, "rknpu driver version")
    if chosen:
        if "date" not in chosen.extra and chosen.version is not None:
            # the same version stated elsewhere with its DRIVER_DATE: not a guess
            for c in sorted(cands.items.values(), key=lambda c: -c.pos):
                if "date" in c.extra and c.resolve() and c.version.matches(chosen.version):
                    chosen.extra["date"] = c.extra["date"]
                    chosen.extra["date_evidence"] = c.evidence
                    break
        return chosen
    if any(True for _ in t.hits(_GALCORE_WORD)):
        return _missing(
            "no rknpu driver version in the text; galcore lines are present, so this is an "
            "RKNPU1 board (see galcore_version)"
        )
    return _missing(
        "no rknpu driver version in the text (expected '[drm] Initialized rknpu X DATE', "
        "'RKNPU driver: vX' from /sys/kernel/debug/rknpu/version, or 'RKNN Driver "
        "Information, version: X')"
    )


# --------------------------------------------------------------------------- rknn_server

_SERVER_NAMED = re.compile(
    r"(?:\brknn_server\s+version|\bstart\s+rknn\s+server\s*,?\s*version)\s*:?\s*v?(?P<ver>"
    + _VER
    + r")"
    + _PAREN,
    re.I,
)
_SERVER_BARE = re.compile(
    r"v?(?P<ver>" + _VER + r")\s{0,4}\((?P<paren>[0-9a-fA-F]{6,40}\s{1,4}build\s*[:@][^()]{0,80})\)"
)
_SERVER_KEY = _Key(r"rknn[_ ]server|build|transfer version")


def rknn_server_version(text: TextIn) -> Parsed:
    """Version of the board-side ``rknn_server``.

    Recognised, best first:

    1. Lines naming it: RKNPU2 strings ``rknn_server version: 2.3.2 (1842325
       build@...)`` and the start banner ``start rknn server, version:1.7.1 (...)``.
    2. The anonymous line of RKNPU1 ``strings rknn_server | grep build``: the whole
       line must be ``<ver> (<hex commit> build: <time>)`` (or ``build@``), e.g.
       ``1.7.5 (bb79b30 build: 2023-07-18 10:49:14)``, ``0.9 (ad8cf48 build: ...)``.
       A named line wins over it because an anonymous build string could come from
       another binary pasted alongside.

    Same rank: the last line wins.  Never taken: ``.note.gnu.build-id``, ``Transfer
    version 2.1.0 (...)`` (NPUTransfer), ``librknn_runtime version ...``, the
    toolkit's ``API:``/``DRV:`` lines (read those with :func:`sdk_version`).
    ``extra``: ``source``, ``build_time``.
    """
    t = _Text(text)
    cands = _Cands()
    saw_transfer = False
    for start, line in t.lines(_SERVER_KEY):
        m = _SERVER_NAMED.search(line)
        if m:
            src = "start banner" if "start" in line.lower() else "strings"
            cands.add(_Cand(1, start, m.group("ver"), line, {"source": src}, m.group("paren")))
            continue
        if "transfer version" in line.lower():
            saw_transfer = True
            continue
        m = _SERVER_BARE.fullmatch(line)
        if m:
            extra = {"source": "strings (build)"}
            cands.add(_Cand(2, start, m.group("ver"), line, extra, m.group("paren")))
    chosen = _choose(cands, "rknn_server version")
    if chosen:
        return chosen
    hint = (
        " (only an NPUTransfer 'Transfer version' line, which is not the rknn_server version)"
        if saw_transfer
        else ""
    )
    return _missing(
        "no rknn_server version line in the text" + hint + "; expected 'X.Y.Z (commit build: "
        "date)' from `strings rknn_server | grep build`, 'rknn_server version: X' or "
        "'start rknn server, version:X'"
    )


# --------------------------------------------------------------------------- runtime

_RUNTIME = re.compile(
    r"\b(?P<lib>librknn_runtime|librknnrt|librknnmrt)(?:\.so)?\s+version\s*:?\s*v?(?P<ver>"
    + _VER
    + r")"
    + _PAREN,
    re.I,
)
_SERVER_RT = re.compile(
    r"\bserver\s*&\s*(?P<kind>mini-runtime|runtime)\s+version\s*:\s*v?(?P<ver>"
    + _VER
    + r")"
    + _PAREN,
    re.I,
)
_RUNTIME_KEY = _Key(r"librknn|server\s*&")


def runtime_version(text: TextIn) -> Parsed:
    """Version of the board-side NPU runtime library.

    Recognised, best first:

    1. ``librknn_runtime version 1.7.5 (ccb93f1 build: ... base: 1131)`` (RKNPU1;
       ``extra["base"]``), ``librknnrt version: 2.3.2 (429f97ae6b@...)``,
       ``librknnmrt version: ...`` and the runtime banner ``RKNN Runtime
       Information, librknnrt version: ...`` (also the ``Information:`` form).
    2. rknn_server's log ``server & runtime version: X`` /
       ``server & mini-runtime version: X`` (what the server read from the library).

    Same rank: the last line wins.  ``extra["library"]`` is ``librknn_runtime``,
    ``librknnrt`` or ``librknnmrt``; ``extra`` may hold ``build_time`` and ``base``.
    Noise never taken: ``rknn_get_sdk_version``, ``pre_compile_version``,
    ``op_version``, ``Unsupported evis version``, format strings, the toolkit's
    ``DRV: rknnrt:`` line (see :func:`sdk_version`) and ``librknn_api version``.
    """
    t = _Text(text)
    cands = _Cands()
    for start, line in t.lines(_RUNTIME_KEY):
        m = _RUNTIME.search(line)
        if m:
            lib = m.group("lib").lower()
            src = "runtime log" if "runtime information" in line.lower() else "strings"
            extra = {"library": lib, "source": src}
            cands.add(_Cand(1, start, m.group("ver"), line, extra, m.group("paren")))
            continue
        m = _SERVER_RT.search(line)
        if m:
            mini = m.group("kind").lower().startswith("mini")
            extra = {"library": "librknnmrt" if mini else "librknnrt", "source": "rknn_server log"}
            cands.add(_Cand(2, start, m.group("ver"), line, extra, m.group("paren")))
    chosen = _choose(cands, "runtime version")
    if chosen:
        return chosen
    return _missing(
        "no runtime version line in the text; expected 'librknn_runtime version X (...)' "
        "(RKNPU1) or 'librknnrt version: X' / 'librknnmrt version: X' (RKNPU2)"
    )


# --------------------------------------------------------------------------- get_sdk_version

_SDK_LINE = re.compile(
    r"^(?:[DIWE]\s{1,4})?(?:RKNNAPI:\s{0,8}){0,2}(?P<key>API|DRV)\s{0,4}:\s{0,8}"
    r"(?:(?P<sub>rknn_server|rknnrt|rknnmrt)\s{0,4}:\s{0,8})?v?(?P<ver>" + _VER + r")" + _PAREN,
    re.I,
)
_CAPI_API = re.compile(r"\b(?:API|sdk)\s+version\s*:\s*v?(?P<ver>" + _VER + r")" + _PAREN, re.I)
_SDK_KEY = _Key(r"api|drv|driver")
_SDK_KEYS = ("api", "drv", "drv_rknn_server", "drv_rknnrt")
_SDK_DESCR = {
    "api": "'API: X (...)'",
    "drv": "'DRV: X (...)'",
    "drv_rknn_server": "toolkit2 'DRV: rknn_server: X'",
    "drv_rknnrt": "toolkit2 'DRV: rknnrt: X'",
}


def sdk_version(text: TextIn) -> dict[str, Parsed]:
    """The ``get_sdk_version()`` / ``RKNN_QUERY_SDK_VERSION`` block.

    Always returns the keys ``api``, ``drv``, ``drv_rknn_server`` and
    ``drv_rknnrt`` (a :class:`Parsed` with ``reason`` when absent).

    * Toolkit 1.x: ``API: 1.7.5 (...)`` / ``DRV: 1.7.3 (...)``, with or without
      ``D RKNNAPI:`` / ``E RKNNAPI:`` / `` RKNNAPI:`` prefixes.  ``drv`` is the
      board's rknn_server (``extra["component"] == "rknn_server"``).
    * Toolkit 2: ``DRV: rknn_server: X`` → ``drv_rknn_server`` and also ``drv``;
      ``DRV: rknnrt: X`` (or ``rknnmrt``) → ``drv_rknnrt``.
    * RKNPU2 C API demo line ``driver version: 0.8.2, API version: 1.6.0 (...)``
      (or ``sdk version: ... driver version: ...``): ``api`` is librknnrt's API,
      ``drv`` is the **kernel rknpu driver** (``extra["component"] ==
      "rknpu kernel driver"``).  Only lines carrying both versions count.

    Several blocks (RO-050): each key independently takes the last one; the others
    are in ``extra["candidates"]``.
    """
    t = _Text(text)
    found: dict[str, _Cands] = {k: _Cands() for k in _SDK_KEYS}
    for start, line in t.lines(_SDK_KEY):
        m = _SDK_LINE.search(line)
        if m:
            key = m.group("key").lower()
            sub = (m.group("sub") or "").lower()
            ver, paren = m.group("ver"), m.group("paren")
            if key == "api":
                found["api"].add(_Cand(1, start, ver, line, {"component": "api"}, paren))
            elif sub == "":
                found["drv"].add(_Cand(1, start, ver, line, {"component": "rknn_server"}, paren))
            elif sub == "rknn_server":
                for k in ("drv_rknn_server", "drv"):
                    found[k].add(_Cand(1, start, ver, line, {"component": "rknn_server"}, paren))
            else:
                lib = "librknnmrt" if sub == "rknnmrt" else "librknnrt"
                found["drv_rknnrt"].add(_Cand(1, start, ver, line, {"component": lib}, paren))
            continue
        low = line.lower()
        if "driver version" in low and ("api version" in low or "sdk version" in low):
            dm = _DRIVER_VERSION.search(line)
            am = _CAPI_API.search(line)
            if dm and am:
                found["drv"].add(
                    _Cand(1, start, dm.group("ver"), line, {"component": "rknpu kernel driver"})
                )
                found["api"].add(
                    _Cand(
                        1, start, am.group("ver"), line, {"component": "librknnrt api"},
                        am.group("paren"),
                    )
                )
    out: dict[str, Parsed] = {}
    for key in _SDK_KEYS:
        chosen = _choose(found[key], f"{key.upper()} version")
        out[key] = chosen or _missing(
            f"no {_SDK_DESCR[key]} line in the text (the get_sdk_version() block is printed "
            "after init_runtime with verbose logging)"
        )
    return out


# --------------------------------------------------------------------------- SoC identity

# Longest first so rk3399pro is tried before rk3399 and rv1126b before rv1126.
_SOC_NAMES = {
    "rk3399pro": "RK3399Pro",
    "rk3588s": "RK3588S",
    "rv1103b": "RV1103B",
    "rv1126b": "RV1126B",
    "rk1808": "RK1808",
    "rk1806": "RK1806",
    "rv1109": "RV1109",
    "rv1126": "RV1126",
    "rk3562": "RK3562",
    "rk3566": "RK3566",
    "rk3568": "RK3568",
    "rk3576": "RK3576",
    "rk3588": "RK3588",
    "rv1103": "RV1103",
    "rv1106": "RV1106",
    "rk3399": "RK3399",
}
# A base chip named by the SoC entry is refined when another entry names the variant.
_VARIANTS = {"rk3399": "rk3399pro", "rk3588": "rk3588s", "rv1126": "rv1126b", "rv1103": "rv1103b"}
_SOC_TOKEN = re.compile(
    r"(?<![a-z0-9])(?P<soc>" + "|".join(_SOC_NAMES) + r"|r[kv]\d{4}[a-z]?)(?![0-9])", re.I
)
_COMPAT_ENTRY = re.compile(r"[A-Za-z0-9][A-Za-z0-9,._+\-/]{0,127}")
_STRACE_READ = re.compile(r'"(?P<s>(?:[^"\\\r\n]|\\.){0,4096})"')


#: /proc/device-tree/compatible is a few hundred bytes; more than this is not it.
MAX_COMPATIBLE = 1 << 20


def compatible_list(data: TextIn) -> list[str]:
    """Entries of ``/proc/device-tree/compatible``.

    Accepts the raw file (NUL separated), the ``tr '\\0' '\\n'`` form, a literal
    ``\\0`` separator (as strace or a paste shows it, RO-058) and an strace
    ``read(fd, "a\\0b"..., n)`` line.  Entries that do not look like compatible
    strings (prompts, prose) are dropped; duplicates are kept once, order kept.
    """
    text = _to_text(data)[:MAX_COMPATIBLE]
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\x00" not in text and "\\0" in text:
        quoted = [m.group("s") for m in _STRACE_READ.finditer(text) if "\\0" in m.group("s")]
        if quoted:
            text = "\n".join(quoted)
        text = text.replace("\\0", "\n")
    parts = re.split(r"[\x00\r\n]+", text)
    out: list[str] = []
    for p in parts:
        p = p.strip().strip(_EDGE).strip()
        m = _COMPAT_ENTRY.match(p)
        if not m or len(p) > 256:
            continue
        if m.end() < len(p):
            # `cat compatible` on a terminal glues the prompt on: "...rockchip,rk3588root@x:~#"
            if any(ch.isspace() for ch in p[m.end() :]):
                continue
            p = m.group(0)
        if "," in p and p not in out:
            out.append(p)
    return out


def _soc_key(token: str) -> str:
    return token.lower()


def _soc_display(token: str) -> str:
    key = _soc_key(token)
    return _SOC_NAMES.get(key, key.upper())


def _with_variant(key: str, evidence: str, named: list[tuple[str, str]]) -> tuple[str, str]:
    """The chip, upgraded to its variant when another entry names it (rk3399 + rk3399pro -> RK3399Pro)."""
    variant = _VARIANTS.get(key)
    for k, e in named:
        if variant and k == variant:
            return _soc_display(variant), f"{evidence} + {e}"
    return _soc_display(key), evidence


def soc_from_compatible(entries: list[str] | TextIn) -> tuple[str | None, str]:
    """The Rockchip SoC named by device-tree compatible entries.

    Returns ``(soc, evidence)`` when found, ``(None, reason)`` otherwise.  The
    SoC entry itself (``rockchip,rk3588``) is preferred, first one in DT order
    (most specific first); then a base chip is refined to its variant when another
    entry names it (``rockchip,rk3399`` + ``rockchip,rk3399pro-evb`` → RK3399Pro,
    rk3588 → RK3588S, rv1126 → RV1126B, rv1103 → RV1103B).  Without a bare SoC
    entry the first entry naming a chip is used.  Non-NPU Rockchip chips are
    still named (``RK3399``, ``RK3328``): the caller decides what they support.
    Also accepts raw file text/bytes (passed through :func:`compatible_list`).
    """
    if not isinstance(entries, list):
        entries = compatible_list(entries)
    entries = [e for e in entries if isinstance(e, str)]
    if not entries:
        return None, "no device-tree compatible entries in the input"
    rk = [e for e in entries if e.lower().startswith("rockchip,") or "rockchip" in e.lower()]
    named: list[tuple[str, str]] = []  # (soc key, entry)
    for e in entries:
        low = e.lower()
        if not (low.startswith("rockchip,") or ("," in low and _SOC_TOKEN.search(low))):
            continue
        after = low.split(",", 1)[1] if "," in low else low
        m = _SOC_TOKEN.search(after)
        if m:
            named.append((_soc_key(m.group("soc")), e))
    if not named:
        shown = ", ".join(repr(e) for e in entries[:4])
        if rk:
            return None, f"Rockchip board but no chip name in compatible: {shown}"
        return None, f"not a Rockchip board (device-tree compatible: {shown})"
    exact = [(k, e) for k, e in named if e.lower().split(",", 1)[-1] == k]
    key, evidence = exact[0] if exact else named[0]
    return _with_variant(key, evidence, named)


_GETPROP = re.compile(r"^\s*\[(?P<key>[^\[\]]{1,256})\]\s*:\s*\[(?P<val>.*)\]\s*$")


_GETPROP_KEY = _Key(r"\]\s{0,8}:\s{0,8}\[")


def getprop_map(text: TextIn) -> dict[str, str]:
    """``getprop`` output (``[ro.board.platform]: [rk3399pro]``) as a dict.

    Values may be empty or contain ``]``: the value ends at the last ``]`` of the
    line.  A key seen twice keeps its last value.  Other lines are ignored.
    """
    out: dict[str, str] = {}
    for _s, _e, raw in _Text(text).hits(_GETPROP_KEY):
        m = _GETPROP.match(_clean_keep_brackets(raw))
        if m:
            out[m.group("key").strip()] = m.group("val")
    return out


def _clean_keep_brackets(line: str) -> str:
    return line.strip().strip("`").strip()


_PROP_ORDER = (
    "ro.board.platform",
    "ro.product.board",
    "ro.hardware",
    "ro.soc.model",
    "ro.boot.hardware",
    "ro.product.platform",
    "ro.hardware.chipname",
    "ro.chipname",
    "ro.product.device",
)


def soc_from_props(props: dict[str, str]) -> tuple[str | None, str]:
    """The Rockchip SoC from Android properties (see :func:`getprop_map`).

    Keys are tried in order ``ro.board.platform``, ``ro.product.board``,
    ``ro.hardware``, ``ro.soc.model``, ``ro.boot.hardware``, ... ; the first one
    whose value names a chip wins (``rk30board``, the old generic ``ro.hardware``,
    names none).  A base chip is refined to its variant when a later key names it
    (rk3399 + rk3399pro → RK3399Pro).  Returns ``(soc, evidence)`` or
    ``(None, reason)``.
    """
    if not isinstance(props, dict) or not props:
        return None, "no Android properties in the input"
    named: list[tuple[str, str]] = []
    for key in _PROP_ORDER:
        val = props.get(key)
        if not isinstance(val, str) or not val:
            continue
        m = _SOC_TOKEN.search(val)
        if m:
            named.append((_soc_key(m.group("soc")), f"[{key}]: [{val}]"))
    if not named:
        shown = ", ".join(
            f"{k}={props[k]!r}" for k in _PROP_ORDER if isinstance(props.get(k), str)
        )
        return None, "no Rockchip chip named in " + (shown or "ro.board.platform/ro.hardware")
    key, evidence = named[0]
    return _with_variant(key, evidence, named)


# --------------------------------------------------------------------------- adb / lsusb

_ADB_STATES = (
    "no permissions",
    "unauthorized",
    "authorizing",
    "connecting",
    "bootloader",
    "recovery",
    "sideload",
    "offline",
    "device",
    "rescue",
    "unknown",
    "host",
)
_ADB_LINE = re.compile(
    r"^(?P<serial>[^\s]{1,128})(?P<sep>\t|\s{1,64})(?P<state>" + "|".join(_ADB_STATES) + r")"
    r"(?P<rest>\s.*)?$"
)
_ADB_KEY = _Key("|".join(_ADB_STATES))
_KV = re.compile(r"^(?P<k>[a-z_]{1,32}):(?P<v>\S{1,256})$")


def adb_devices(text: TextIn) -> list[dict]:
    """Devices listed by ``adb devices`` / ``adb devices -l``.

    Each item: ``serial``, ``state`` (``device``, ``offline``, ``unauthorized``,
    ``no permissions``, ``recovery``...) and the ``-l`` fields (``usb``,
    ``product``, ``model``, ``device``, ``transport_id``...); for ``no
    permissions`` the explanation adb prints is in ``detail``.  The header, the
    ``* daemon ...`` noise and prose are skipped: the serial and the state must be
    separated by a tab, by two or more spaces (a pasted tab), or the serial must
    contain a digit; anything after the state must be ``key:value`` fields.  A
    serial listed twice (pasted twice) is reported once, with its last state.
    """
    out: dict[str, dict] = {}
    anon: list[dict] = []
    for _s, line in _Text(text).lines(_ADB_KEY):
        if not line or line.startswith(("*", "List of devices", "adb ", "error:", "$", "#")):
            continue
        m = _ADB_LINE.match(line)
        if not m:
            continue
        serial, sep, state = m.group("serial"), m.group("sep"), m.group("state")
        if not ("\t" in sep or len(sep) >= 2 or any(ch.isdigit() for ch in serial)):
            continue
        if serial.endswith(":") or serial.lower() in ("list", "the", "device", "devices"):
            continue
        rest = (m.group("rest") or "").strip()
        item: dict = {"serial": serial, "state": state}
        tokens = rest.split()
        if state == "no permissions":
            detail: list[str] = []
            for tok in tokens:
                kv = _KV.match(tok)
                if kv and kv.group("k") not in ("http", "https"):
                    item[kv.group("k")] = kv.group("v")
                else:
                    detail.append(tok)
            if detail:
                item["detail"] = " ".join(detail)
        else:
            kvs = [_KV.match(t) for t in tokens]
            if not all(kvs):
                continue
            for kv in kvs:
                item[kv.group("k")] = kv.group("v")
        if set(serial) == {"?"}:
            anon.append(item)
        else:
            if serial in out:
                out[serial].clear()
                out[serial].update(item)
            else:
                out[serial] = item
    return list(out.values()) + anon


_LSUSB = re.compile(
    r"Bus\s+(?P<bus>\d{1,3})\s+Device\s+(?P<dev>\d{1,3})\s*:\s*ID\s+(?P<vid>2207):"
    r"(?P<pid>[0-9a-fA-F]{4})\b(?P<name>[^\r\n]{0,256})",
    re.I,
)


_LSUSB_KEY = _Key(r"2207:")


def lsusb_rockchip(text: TextIn) -> list[dict]:
    """Rockchip (vendor 2207) devices in ``lsusb`` output.

    Each item: ``bus``, ``device`` (as printed, zero-padded), ``vid``, ``pid``
    (lower-case hex) and ``name`` (``None`` when lsusb has no usb.ids entry, RO-044).
    """
    out: list[dict] = []
    for _s, line in _Text(text).lines(_LSUSB_KEY):
        m = _LSUSB.search(line)
        if not m:
            continue
        name = m.group("name").strip().strip("`").strip() or None
        out.append(
            {
                "bus": m.group("bus"),
                "device": m.group("dev"),
                "vid": m.group("vid").lower(),
                "pid": m.group("pid").lower(),
                "name": name,
            }
        )
    return out


# --------------------------------------------------------------------------- OS helpers

_OS_KEY = _Key(r"=")
_OS_LINE = re.compile(r"^(?P<k>[A-Za-z_][A-Za-z0-9_]{0,63})=(?P<v>.*)$")


def os_release(text: TextIn) -> dict[str, str]:
    """``/etc/os-release`` as a dict (quotes removed, ``\\`` escapes resolved)."""
    out: dict[str, str] = {}
    for _s, _e, raw in _Text(text).hits(_OS_KEY):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _OS_LINE.match(line)
        if not m:
            continue
        v = m.group("v").strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
            q, v = v[0], v[1:-1]
            if q == '"':
                v = re.sub(r"\\([\\$\"`])", r"\1", v)
        out[m.group("k")] = v
    return out


_PROC_VERSION = re.compile(r"\bLinux\s+version\s+(?P<rel>\S{1,128})")
_UNAME_A = re.compile(r"^Linux\s+\S{1,128}\s+(?P<rel>\d{1,3}\.\d{1,3}\S{0,120})\s+#")
_UNAME_R_LINE = re.compile(
    r"^[ \t`]{0,8}(?P<rel>\d{1,3}\.\d{1,3}(?:\.\d{1,4})?[\w.+~\-]{0,120})[ \t`]{0,8}$", re.M
)
_LINUX_KEY = _Key(r"linux")


def kernel_release(text: TextIn) -> str | None:
    """Kernel release (``5.10.110-rockchip-rk3588``) from ``/proc/version``.

    Also reads ``uname -a`` (``Linux host 5.10.110 #1 SMP ...``) and a lone
    ``uname -r`` line.  ``None`` when none is present.
    """
    t = _Text(text)
    for _s, line in t.lines(_LINUX_KEY):
        m = _PROC_VERSION.search(line) or _UNAME_A.match(line)
        if m:
            return m.group("rel")
    m = _UNAME_R_LINE.search(t.text)
    return m.group("rel") if m else None

