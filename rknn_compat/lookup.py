"""Reverse look-ups from what a board or a log prints: a bare version or the whole line.

``rknn-compat matrix --rknn-server/--driver/--runtime`` take ``2.3.0``, ``1.3.2 (f113d64 build:
...)`` and equally the full line: ``rknn_server version: 2.3.0 (e80ac5c build@...)``,
``librknnrt version: 2.3.2 (429f97ae6b@...)``, ``librknn_runtime version 1.7.5 (... base:
1131)``, ``Galcore version 6.4.6.5.351518``, ``[drm] Initialized rknpu 0.9.8 ...``, a
get_sdk_version ``DRV: ...`` line. The board readers of :mod:`rknn_compat.read` read the line;
its spelling says which product printed it (the tables stay free of line formats), and
:meth:`rknn_compat.tables.Matrix.look_up` answers within that product.
"""

from __future__ import annotations

import re

from .errors import UsageError
from .read import drivers, userspace
from .tables import LookUp, Matrix
from .versions import Version, VersionError, parse_version

MAX_QUERY = 64 * 1024  # a pasted log, never a file

# Spellings only one product prints (strings of the shipped binaries, rknpu and rknpu2 / rknn-toolkit2):
# RKNPU2 rknn_server >= 1.5.2 "X (commit build@ISO)", librknnrt "X (commit@ISO)"; RKNPU1
# librknn_runtime "... base: N" (RKNPU2 1.2.0-1.5.0 rknn_server also wrote "build: ", so that
# spelling alone tells nothing: the commit does, in the tables).
_RKNPU2_STAMP = re.compile(r"\(\s*[0-9a-fA-F]{6,40}\s*(?:build)?@\d{4}-\d{2}-\d{2}")
_RKNPU1_BASE = re.compile(r"\bbase\s*:\s*\d+\s*\)?\s*$")
_LIBRARY_PRODUCT = {"librknn_runtime": "rknpu1", "librknnrt": "rknpu2", "librknnmrt": "rknpu2"}


def look_up(matrix: Matrix, component: str, text: str) -> LookUp:
    """The releases that fit ``text`` (a version or a line) for ``component``, product-aware."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"empty {component} version")
    if len(text) > MAX_QUERY:
        raise UsageError(f"{component}: {len(text)} characters is not a version or a line (limit {MAX_QUERY})")
    query, product = read_query(component, text)
    return matrix.look_up(component, query, product)


def read_query(component: str, text: str) -> tuple[str | Version, str | None]:
    """(what to look up, the product the spelling belongs to or None)."""
    try:
        parse_version(text)
        return text, _stamp_product(text)  # a bare version: the tables also try their aliases on it
    except VersionError:
        pass
    readers = {"rknn_server": _server, "librknn_runtime": _runtime, "npu_driver": _driver}
    got = readers[component](text)
    if got is None:
        # not a line any reader knows: an alias of a cell ("6.3.3.2, 22133405") or a usage error
        return text, None
    return got


def _stamp_product(text: str) -> str | None:
    if _RKNPU2_STAMP.search(text):
        return "rknpu2"
    if _RKNPU1_BASE.search(text):
        return "rknpu1"
    return None


def _server(text: str):
    sdk = userspace.sdk_version(text)
    drv = sdk["drv_rknn_server"] or sdk["drv"]
    if drv and drv.extra.get("component") == "rknn_server":
        # Toolkit2 prints "DRV: rknn_server: X"; Toolkit 1.x prints "DRV: X" (the board's rknn_server)
        return drv.version, "rknpu2" if sdk["drv_rknn_server"] else "rknpu1"
    got = userspace.rknn_server_version(text)
    if not got:
        return None
    line = got.evidence or ""
    # "rknn_server version: X" is how RKNPU2's binary names itself; RKNPU1's prints no such prefix
    named = re.search(r"\brknn_server\s+version\b", line, re.I)
    return got.version, "rknpu2" if named else _stamp_product(line)


def _runtime(text: str):
    got = userspace.runtime_version(text)
    if got:
        return got.version, _LIBRARY_PRODUCT.get(got.extra.get("library"), _stamp_product(got.evidence or ""))
    rt = userspace.sdk_version(text)["drv_rknnrt"]
    return (rt.version, "rknpu2") if rt else None


def _driver(text: str):
    if re.search(r"\bDRV\s*:", text) and not re.search(r"driver\s+version", text, re.I):
        raise UsageError("a get_sdk_version 'DRV:' line is the board's rknn_server (TS 1.7.5, Table 8-1 note): "
                         "look it up with --rknn-server")
    got = drivers.galcore_version(text)
    if got:
        return got.version, "rknpu1"
    got = drivers.rknpu_version(text)
    return (got.version, "rknpu2") if got else None


def miss_message(matrix: Matrix, result: LookUp) -> str:
    """Why no toolkit release fits, in one line: a board-only release, or what the rows ask."""
    from .tables.queries import nearest_toolkits

    what = f"{result.component} {result.version}"
    if result.board_releases:
        boards = result.board_releases
        near = nearest_toolkits(matrix, boards[0].toolkit, boards[0].generation)
        return (f"{what} belongs to {', '.join(b.label for b in boards)}, a board release that no toolkit release "
                f"lists (nearest toolkits: {', '.join(near) or 'none'})")
    advice = sorted({r.components[result.component].describe() for r in matrix.releases
                     if (result.product in (None, r.generation)) and r.components[result.component].recommended
                     and r.components[result.component].stated})
    tail = f" (some releases recommend {', '.join(advice)}: advice, not a requirement)" if advice else ""
    return f"no toolkit release lists {what}{tail}"
