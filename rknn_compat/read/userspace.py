"""The user-space components' versions: rknn_server, librknn_runtime / librknnrt, and get_sdk_version() output."""

from __future__ import annotations

import re
from functools import lru_cache

from ..versions import VersionError, parse_version
from .drivers import _DRIVER_VERSION
from .text import _PAREN, _VER, Parsed, TextIn, _Cand, _Cands, _choose, _clean, _Key, _missing, _Text

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
# rknn_server's verbose log (airockchip/rknn-toolkit2 issue 403, Android logcat):
# "server & runtime version: rknn_server: 2.3.2 (1842325 build@...)", the runtime half on the next line.
_SERVER_LOG = re.compile(
    r"\bserver\s*&\s*(?:mini-runtime|runtime)\s+version\s*:\s*rknn_server\s*:\s*v?(?P<ver>" + _VER + r")" + _PAREN,
    re.I,
)
_SERVER_KEY = _Key(r"rknn[_ ]server|build|transfer version")


def rknn_server_version(text: TextIn) -> Parsed:
    """Version of the board-side ``rknn_server``.

    Recognised, best first:

    1. Lines naming it: RKNPU2 strings ``rknn_server version: 2.3.2 (1842325
       build@...)``, the start banner ``start rknn server, version:1.7.1 (...)`` and
       the server's own log ``server & runtime version: rknn_server: 2.3.2 (...)``
       (Android logcat prefixes and all; ``extra["source"]`` is ``rknn_server log``
       when a log prefix precedes the named line).
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
        m = _SERVER_NAMED.search(line) or _SERVER_LOG.search(line)
        if m:
            low = line.lower()
            src = ("start banner" if "start rknn server" in low else
                   "strings" if low.startswith("rknn_server version") else "rknn_server log")
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
    r"\bserver\s*&\s*(?P<kind>mini-runtime|runtime)\s+version\s*:\s*(?P<rest>.*)$", re.I
)
_SERVER_RT_OLD = re.compile(r"v?(?P<ver>" + _VER + r")" + _PAREN)
# "rknnrt: 2.3.2 (429f97ae6b@...)": after "rknn_server: X" on the same line, or alone on the next one
_SERVER_RT_PART = re.compile(r"(?<![\w/])(?P<lib>rknnrt|rknnmrt)\s*:\s*v?(?P<ver>" + _VER + r")" + _PAREN, re.I)
_RUNTIME_KEY = _Key(r"librknn|server\s*&")


def runtime_version(text: TextIn) -> Parsed:
    """Version of the board-side NPU runtime library.

    Recognised, best first:

    1. ``librknn_runtime version 1.7.5 (ccb93f1 build: ... base: 1131)`` (RKNPU1;
       ``extra["base"]``), ``librknnrt version: 2.3.2 (429f97ae6b@...)``,
       ``librknnmrt version: ...`` and the runtime banner ``RKNN Runtime
       Information, librknnrt version: ...`` (also the ``Information:`` form).
    2. rknn_server's log ``server & runtime version: X`` /
       ``server & mini-runtime version: X`` (what the server read from the library),
       and its newer two-part form ``server & runtime version: rknn_server: X (...)``
       with ``rknnrt: Y (...)`` after it on the same line or, as Android logcat
       splits it, on the next line (``extra["wrapped"]``; airockchip/rknn-toolkit2
       issue 403).  A two-part line without its ``rknnrt:`` half gives nothing.

    Same rank: the last line wins.  ``extra["library"]`` is ``librknn_runtime``,
    ``librknnrt`` or ``librknnmrt``; ``extra`` may hold ``build_time`` and ``base``.
    Noise never taken: ``rknn_get_sdk_version``, ``pre_compile_version``,
    ``op_version``, ``Unsupported evis version``, format strings, the toolkit's
    ``DRV: rknnrt:`` line (see :func:`sdk_version`) and ``librknn_api version``.
    """
    t = _Text(text)
    cands = _Cands()
    for start, end, raw in t.hits(_RUNTIME_KEY):
        line = _clean(raw)
        m = _RUNTIME.search(line)
        if m:
            lib = m.group("lib").lower()
            src = "runtime log" if "runtime information" in line.lower() else "strings"
            extra = {"library": lib, "source": src}
            cands.add(_Cand(1, start, m.group("ver"), line, extra, m.group("paren")))
            continue
        m = _SERVER_RT.search(line)
        if not m:
            continue
        mini = m.group("kind").lower().startswith("mini")
        extra = {"library": "librknnmrt" if mini else "librknnrt", "source": "rknn_server log"}
        rest, evidence = m.group("rest"), line
        if rest.lower().startswith("rknn_server"):
            part = _SERVER_RT_PART.search(rest)
            if part is None:
                nxt = _clean(t.line_after(end))
                part = _SERVER_RT_PART.search(nxt)
                if part is None:
                    continue
                evidence, extra["wrapped"] = f"{line}\n{nxt}", True
            extra["library"] = "librknnmrt" if part.group("lib").lower() == "rknnmrt" else "librknnrt"
            cands.add(_Cand(2, start, part.group("ver"), evidence, extra, part.group("paren")))
            continue
        old = _SERVER_RT_OLD.match(rest)
        if old:
            cands.add(_Cand(2, start, old.group("ver"), line, extra, old.group("paren")))
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
    r"(?:(?P<sub>rknn_server|rknnrt|rknnmrt)\s{0,4}:\s{0,8}|(?P<lib>librknn_runtime)\s{1,4}version\s{0,4}:?\s{0,8})?"
    r"v?(?P<ver>" + _VER + r")" + _PAREN,
    re.I,
)
# The C API demos' one line: "sdk version: 1.6.0 (...) driver version: 0.8.2" (RKNPU2),
# "driver version: 0.8.2, API version: 1.6.0 (...)", "rknn_api/rknnrt version: 2.2.0 (...), driver
# version: 0.9.8" and RKNPU1's "sdk version: librknn_runtime version 1.7.0 (...) driver version: 6.4.6.5.351518".
_CAPI_API = re.compile(
    r"\b(?:API|sdk|rknn_api/rknnrt)\s+version\s*:\s*(?:(?P<lib>librknn_runtime)\s+version\s*:?\s*)?v?(?P<ver>"
    + _VER + r")" + _PAREN,
    re.I,
)
_CAPI_MARKS = ("api version", "sdk version", "rknnrt version")
_SDK_KEY = _Key(r"api|drv|driver")
_SDK_KEYS = ("api", "drv", "drv_rknn_server", "drv_rknnrt", "api_runtime", "drv_galcore")
_SDK_DESCR = {
    "api": "'API: X (...)'",
    "drv": "'DRV: X (...)'",
    "drv_rknn_server": "toolkit2 'DRV: rknn_server: X'",
    "drv_rknnrt": "toolkit2 'DRV: rknnrt: X'",
    "api_runtime": "on-board 'API: librknn_runtime version X (...)'",
    "drv_galcore": "on-board 'DRV: <galcore version>'",
}
_GALCORE = "galcore kernel driver"


@lru_cache(maxsize=256)
def _is_galcore(token: str) -> bool:
    """A Vivante galcore version carries a build number (6.4.3.5.293908); rknn_server's never does."""
    try:
        return parse_version(token).build is not None
    except (VersionError, ValueError):
        return False


def sdk_version(text: TextIn) -> dict[str, Parsed]:
    """The ``get_sdk_version()`` / ``RKNN_QUERY_SDK_VERSION`` block.

    Always returns the keys ``api``, ``drv``, ``drv_rknn_server``, ``drv_rknnrt``,
    ``api_runtime`` and ``drv_galcore`` (a :class:`Parsed` with ``reason`` when absent).

    * Toolkit 1.x on the PC: ``API: 1.7.5 (...)`` / ``DRV: 1.7.3 (...)``, with or
      without ``D RKNNAPI:`` / ``E RKNNAPI:`` / `` RKNNAPI:`` prefixes.  ``drv`` is
      the board's rknn_server (``extra["component"] == "rknn_server"``).
    * Toolkit 2: ``DRV: rknn_server: X`` → ``drv_rknn_server`` and also ``drv``;
      ``DRV: rknnrt: X`` (or ``rknnmrt``) → ``drv_rknnrt``.
    * RKNPU1 on the board (toolkit-lite, C API): ``API: librknn_runtime version X
      (...)`` is the board's runtime → ``api_runtime`` (``extra["base"]``), and a
      ``DRV:`` value with a build number (``6.4.3.5.293908``) is the galcore kernel
      driver → ``drv_galcore``; the C API's ``sdk version: librknn_runtime version X
      (...) driver version: 6.4.6.5.351518`` gives the same two.  ``api`` and ``drv``
      stay unknown there, with a reason: they mean the host's API and rknn_server.
    * RKNPU2 C API demo lines ``driver version: 0.8.2, API version: 1.6.0 (...)``,
      ``sdk version: ... driver version: ...`` and ``rknn_api/rknnrt version: X (...),
      driver version: Y``: ``api`` is librknnrt's API, ``drv`` is the **kernel rknpu
      driver** (``extra["component"] == "rknpu kernel driver"``).  Only lines carrying
      both versions count.

    Several blocks (item RO-050 of tests/data/real_board_outputs.json): each key independently
    takes the last one; the others are in ``extra["candidates"]``.
    """
    t = _Text(text)
    found: dict[str, _Cands] = {k: _Cands() for k in _SDK_KEYS}

    def add(key: str, start: int, ver: str, line: str, component: str, paren: str | None = None) -> None:
        found[key].add(_Cand(1, start, ver, line, {"component": component}, paren))

    for start, line in t.lines(_SDK_KEY):
        m = _SDK_LINE.search(line)
        if m:
            key = m.group("key").lower()
            sub = (m.group("sub") or "").lower()
            ver, paren = m.group("ver"), m.group("paren")
            if key == "api":
                if m.group("lib"):
                    add("api_runtime", start, ver, line, "librknn_runtime", paren)
                else:
                    add("api", start, ver, line, "api", paren)
            elif sub == "" and _is_galcore(ver):
                add("drv_galcore", start, ver, line, _GALCORE, paren)
            elif sub == "":
                add("drv", start, ver, line, "rknn_server", paren)
            elif sub == "rknn_server":
                for k in ("drv_rknn_server", "drv"):
                    add(k, start, ver, line, "rknn_server", paren)
            else:
                add("drv_rknnrt", start, ver, line, "librknnmrt" if sub == "rknnmrt" else "librknnrt", paren)
            continue
        low = line.lower()
        if "driver version" in low and any(k in low for k in _CAPI_MARKS):
            dm = _DRIVER_VERSION.search(line)
            am = _CAPI_API.search(line)
            if not (dm and am):
                continue
            if am.group("lib") or _is_galcore(dm.group("ver")):
                add("drv_galcore", start, dm.group("ver"), line, _GALCORE)
                add("api_runtime", start, am.group("ver"), line, "librknn_runtime", am.group("paren"))
            else:
                add("drv", start, dm.group("ver"), line, "rknpu kernel driver")
                add("api", start, am.group("ver"), line, "librknnrt api", am.group("paren"))
    out: dict[str, Parsed] = {}
    for key in _SDK_KEYS:
        out[key] = _choose(found[key], f"{key.upper()} version") or _missing(_sdk_reason(key, found))
    return out


def _sdk_reason(key: str, found: dict[str, _Cands]) -> str:
    """Why a key is absent; on an RKNPU1 board's own block, say what its API/DRV were instead."""
    on_board = {"api": "api_runtime", "drv": "drv_galcore"}.get(key)
    if on_board and found[on_board]:
        what = "the board's librknn_runtime" if key == "api" else "the galcore kernel driver"
        return (f"this is the on-board get_sdk_version() form: its {key.upper()} is {what} (read as "
                f"{on_board}), not the host's {'API' if key == 'api' else 'rknn_server'}")
    return (f"no {_SDK_DESCR[key]} line in the text (the get_sdk_version() block is printed "
            "after init_runtime with verbose logging)")
