"""``matrices/usb_ids.toml``: what a Rockchip USB product id says about a device's mode.

Found and validated like every other table (``--matrices`` / ``RKNN_COMPAT_MATRICES`` honoured;
a malformed row fails with file, row and reason). A directory without the file has no ids.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import MatrixError
from .load import read_toml, resolve_directory

KINDS = ("adb", "ntb", "maskrom", "gadget")
QUALITIES = ("primary", "third-party", "forum")
_PID = re.compile(r"^[0-9a-fA-F]{4}$")


@dataclass(frozen=True)
class UsbId:
    pid: str
    kind: str  # one of KINDS
    mode: str
    source: str
    quality: str  # one of QUALITIES: how far to trust the row


_CACHE: dict[Path, dict[str, UsbId]] = {}


def known_usb_ids(directory: str | os.PathLike | None = None) -> dict[str, UsbId]:
    """The table keyed by lower-case product id; cached per directory."""
    path = resolve_directory(directory).resolve() / "usb_ids.toml"
    if path not in _CACHE:
        _CACHE[path] = _load(path) if path.exists() else {}
    return _CACHE[path]


def _load(path: Path) -> dict[str, UsbId]:
    data = read_toml(path)
    unknown = sorted(set(data) - {"vendor", "product"})
    if unknown:
        raise MatrixError(f"{path}: unknown table(s) {', '.join(unknown)}")
    rows = data.get("product", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise MatrixError(f"{path}: [[product]] must be an array of tables")
    table: dict[str, UsbId] = {}
    for i, row in enumerate(rows, start=1):
        where = f"{path}: product {i}"
        fields = ("pid", "kind", "mode", "source", "quality")
        missing = [k for k in fields if not isinstance(row.get(k), str) or not row[k].strip()]
        if missing or set(row) - set(fields):
            bad = missing or sorted(set(row) - set(fields))
            raise MatrixError(f"{where}: {'missing or empty' if missing else 'unknown'} field(s) {', '.join(bad)}")
        if not _PID.match(row["pid"]):
            raise MatrixError(f"{where}: pid must be 4 hex digits, not {row['pid']!r}")
        if row["kind"] not in KINDS or row["quality"] not in QUALITIES:
            raise MatrixError(f"{where}: kind must be one of {', '.join(KINDS)} and quality one of "
                              f"{', '.join(QUALITIES)}")
        pid = row["pid"].lower()
        if pid in table:
            raise MatrixError(f"{where}: duplicate pid {pid}")
        table[pid] = UsbId(pid, row["kind"], row["mode"], row["source"], row["quality"])
    return table
