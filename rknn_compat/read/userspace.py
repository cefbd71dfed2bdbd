"""The user-space components' versions: rknn_server, librknn_runtime / librknnrt, and get_sdk_version() output."""

from __future__ import annotations

import re

from .drivers import _DRIVER_VERSION
from .text import _PAREN, _VER, Parsed, TextIn, _Cand, _Cands, _choose, _Key, _missing, _Text

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

    Several blocks (item RO-050 of tests/data/real_board_outputs.json): each key independently
    takes the last one; the others are in ``extra["candidates"]``.
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
