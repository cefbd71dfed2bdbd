"""The output formats, and the primitives that turn result dictionaries into each of them.

JSON is the stable contract for scripts; the other formats are views of the same
data, flattened into rows. :class:`Format` is the one list of formats; a command that
offers fewer gets its own choice of them from :func:`choices`, so ``--help`` and the error
for a wrong ``--format`` come from here.
"""

from __future__ import annotations

import csv
import io
import json
from enum import Enum


class Format(str, Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    MARKDOWN = "markdown"


def choices(name: str, *formats: Format) -> type[Enum]:
    """An Enum of some of the formats, for one command's ``--format`` option (typer reads Enums)."""
    return Enum(name, {f.name: f.value for f in formats}, type=str)  # type: ignore[return-value]


def to_json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)


def to_jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def rows_text(rows: list[dict], columns: list[tuple[str, str]], fmt: str) -> str:
    """Render flat rows; ``columns`` is (key, header) in display order."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key, _ in columns])
        return buf.getvalue()
    from tabulate import tabulate  # only the text formats pay for it

    table = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    style = "github" if fmt == "markdown" else "simple"
    return tabulate(table, headers=[h for _, h in columns], tablefmt=style, disable_numparse=True) + "\n"


def pairs_text(pairs: list[tuple[str, str]], fmt: str) -> str:
    """A two-column key/value view (one release, one board)."""
    rows = [{"k": k, "v": v} for k, v in pairs]
    return rows_text(rows, [("k", "field"), ("v", "value")], fmt)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_cell(v) for v in value)
    return str(value)
