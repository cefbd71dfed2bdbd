"""What the small tables of ``matrices/`` share: find the file, read its rows, cite its sources.

The release tables are loaded by :mod:`.load`; the tables ``explain`` reads (error signatures,
error codes, model versions) are loaded by one module each, built on these helpers so that every
table fails the same way: file, row and reason (:class:`MatrixError`, exit 2).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import MatrixError
from .load import _fields, load, read_toml, resolve_directory
from .model import Cite


def table_path(directory: str | os.PathLike | None, name: str) -> Path:
    """``name`` in the matrix directory (``--matrices`` / ``RKNN_COMPAT_MATRICES`` honoured)."""
    return resolve_directory(directory).resolve() / name


_CACHE: dict[Path, object] = {}


def cached(directory, name: str, loader):
    """``loader(path, directory)`` for the table file ``name``, once per matrix directory."""
    path = table_path(directory, name)
    if path not in _CACHE:
        _CACHE[path] = loader(path, directory)
    return _CACHE[path]


def read_rows(path: Path, table: str, tables: tuple[str, ...] = ()) -> list[tuple[str, dict]]:
    """The ``[[table]]`` rows of ``path`` as ``(where, row)``; a missing file has none.

    ``tables`` names every table the file may hold (default: only ``table``).
    """
    if not path.exists():
        return []
    data = read_toml(path)
    extra = sorted(set(data) - set(tables or (table,)))
    if extra:
        raise MatrixError(f"{path}: unknown table(s) {', '.join(extra)} (expected [[{table}]])")
    rows = data.get(table, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise MatrixError(f"{path}: [[{table}]] must be an array of tables")
    return [(f"{path}: {table} {i}", row) for i, row in enumerate(rows, start=1)]


def fields(where: str, row: dict, required=(), optional=(), types=None) -> dict:
    """Required and optional keys, their types (str unless ``types`` says), no unknown key."""
    return _fields(where, row, required=required, optional=optional, types=types)


def strings(where: str, row: dict, key: str) -> list[str]:
    """A list field that must hold non-empty strings."""
    values = row.get(key, [])
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise MatrixError(f"{where}: {key} must be a list of non-empty strings")
    return list(values)


def cite(directory, where: str, row: dict) -> Cite:
    """The row's ``source`` (an id of sources.toml) and ``section``."""
    sources = load(directory).sources
    if row["source"] not in sources:
        raise MatrixError(f"{where}: source {row['source']!r} is not defined in sources.toml")
    return Cite(sources[row["source"]], row["section"])
