"""The NPU kernel driver's version: galcore (RKNPU1) and rknpu (RKNPU2), from dmesg, sysfs and the module file."""

from __future__ import annotations

import re
from itertools import islice

from .text import _VER, MAX_HITS, Parsed, TextIn, _Cand, _Cands, _choose, _clean, _Key, _missing, _strip_ts, _Text

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
        return _with_reloads(chosen, cands)
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


def _with_reloads(chosen: Parsed, cands: _Cands) -> Parsed:
    """Several 'Galcore version' printks: the module was loaded more than once (each load prints
    one); ``extra["kernel_log_versions"]`` lists them in log order, the last is the loaded one."""
    printks = [c for c in sorted(cands.items.values(), key=lambda c: c.pos)
               if c.extra.get("source") == "dmesg" and c.resolve()]
    if len(printks) > 1 and chosen.extra.get("source") == "dmesg":
        chosen.extra["kernel_log_versions"] = [str(c.version) for c in printks]
    return chosen


# Vivante's debugfs gc/version: "%s built at %s\n" then "Platform path: %s\n" (galcore 6.4.0 and
# 6.4.3, Freescale/kernel-module-imx-gpu-viv gc_hal_kernel_device.c gc_version_show); galcore
# 6.4.6's sysfs attribute prints the version alone, "%s\n" (its version_show in galcore.ko).
_NODE_BUILT = re.compile(r"^[ \t]*(?P<ver>\d{1,3}(?:\.p?\d{1,9}){2,5})[ \t]+built[ \t]+at\b.{0,200}$", re.M | re.I)
_NODE_ERROR = re.compile(r"(permission denied|operation not permitted|no such file|no such device"
                         r"|not found|input/output error|invalid argument)", re.I)


def galcore_node_version(text: TextIn) -> Parsed:
    """The version a loaded galcore states in its own node: debugfs ``gc/version`` (``6.4.0.2.227915
    built at HOST``) or the 6.4.6 sysfs ``version`` attribute (``6.4.6.5.351518``).  A node that
    answered with an error (``Permission denied``: debugfs is root-only) is a reason, never a guess."""
    t = _Text(text)
    body = t.text
    m = _NODE_BUILT.search(body) or _GALCORE_BARE.search(body)
    if m:
        source = "debugfs" if "built" in m.group(0).lower() else "sysfs"
        line = _clean(m.group(0))
        got = _choose(_one(m.group("ver"), line, source), "galcore node")
        if got:
            return got
    err = _NODE_ERROR.search(body)
    first = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    if err:
        return _missing(f"the node answered {first[:200]!r}", line=first[:200])
    if not first:
        return _missing("the node is empty")
    return _missing(f"no galcore version in the node's text: {first[:200]!r}", line=first[:200])


def _one(token: str, line: str, source: str) -> _Cands:
    cands = _Cands()
    cands.add(_Cand(1, 0, token, line, {"source": source}))
    return cands


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


def _is_galcore_version(token: str) -> bool:
    """Vivante's numbering (6.x with a long build number), never rknpu's 0.x."""
    parts = token.split(".")
    return len(parts) >= 4 and parts[0].isdigit() and int(parts[0]) >= 5


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
            if rx is _DRIVER_VERSION and _is_galcore_version(m.group("ver")):
                break  # RKNPU1's C API prints galcore (6.4.6.5.351518) as its "driver version"
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
