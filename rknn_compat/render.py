"""Turn result dictionaries into table, CSV, Markdown, JSON or JSON Lines text.

JSON is the stable contract for scripts; the other formats are views of the same
data, flattened into rows.
"""

from __future__ import annotations

import csv
import io
import json


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
