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
import unicodedata
from enum import Enum


class Format(str, Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    MARKDOWN = "markdown"
    JUNIT = "junit"


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
    table = [[_cell(row.get(key)).strip() for key, _ in columns] for row in rows]
    return _grid([h for _, h in columns], table, markdown=fmt == "markdown") + "\n"


def _grid(headers: list[str], table: list[list[str]], markdown: bool) -> str:
    """Aligned columns in the layout of tabulate's "simple" (or, for markdown, "github") style.

    Written here because importing tabulate costs more start-up time than the whole matrix
    command may take; cells may hold several lines, wide (CJK) characters count twice.
    """
    widths = [_width(h) + 2 for h in headers]
    for row in table:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], *(_width(line) for line in cell.split("\n")))

    def lines(cells: list[str]) -> list[str]:
        split = [c.split("\n") for c in cells]
        out = []
        for n in range(max(len(parts) for parts in split)):
            padded = [_pad(parts[n] if n < len(parts) else "", w) for parts, w in zip(split, widths)]
            out.append("| " + " | ".join(padded) + " |" if markdown else "  ".join(padded).rstrip())
        return out

    if markdown:
        rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    else:
        rule = "  ".join("-" * w for w in widths)
    return "\n".join([*lines(headers), rule, *(line for row in table for line in lines(row))])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


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
