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
import re
from enum import Enum

# What a terminal acts on instead of showing: C0 controls (ESC, BEL, BS, CR, LF...), DEL, the C1
# controls (U+009B is a one-character CSI), the bidirectional overrides that reorder a line, and
# lone surrogates (a serial or path that was not UTF-8), which a UTF-8 terminal cannot be sent.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# The same in JSON text (json.dumps escapes C0 itself), plus lone surrogates, which are not UTF-8.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


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


def printable(value) -> str:
    """A board- or file-derived string made safe to print: every control character escaped (``\\x1b``)."""
    text = str(value)
    return _CONTROLS.sub(_escape, text) if _CONTROLS.search(text) else text


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_text(text: str) -> str:
    """JSON as valid UTF-8 that a terminal shows as it is: the unsafe characters as \\u escapes."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def to_json(data) -> str:
    return _json_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def to_jsonl(rows: list[dict]) -> str:
    return "".join(_json_text(json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)


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

    table = [[_cell(row.get(key)).strip() for key, _ in columns] for row in rows]
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
    return printable(value)
