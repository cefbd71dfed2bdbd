"""The JSON Schemas of every command's JSON output, and the version those documents carry.

Every top-level document a command prints (each line, for ``--format jsonl``) starts with
``"schema_version": SCHEMA_VERSION``; a result's ``to_dict()`` adds it (:func:`versioned`), so
the library's dict and the CLI's JSON stay equal. The version is bumped only when a key is
renamed, dropped or changes its type; added keys keep it (README, "JSON Schemas").

The files are JSON Schema draft 2020-12, ``<command>.schema.json`` beside this module. One
schema refers to another by its ``$id`` (inventory's boards are probe's board objects);
:func:`schema` returns a command's schema with those it refers to embedded under ``$defs``
(JSON Schema's bundling), so the one document validates on its own. The ``$id``s
(``https://rknn-compat.invalid/schemas/...``) are names, not addresses: ``.invalid`` never
resolves (RFC 2606); the files are here and ``rknn-compat schema`` prints them. Imports nothing of
rknn_compat: any part may use it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

SCHEMA_VERSION = "1"
HERE = Path(__file__).resolve().parent
COMMANDS = ("probe", "inventory", "matrix", "usb", "explain", "model", "doctor")
_REF = re.compile(r'"\$ref":\s*"([a-z]+)\.schema\.json[#"]')


def versioned(data: dict, nested: bool = False) -> dict:
    """A command's top-level document: ``schema_version`` first. A part of another document carries none."""
    return data if nested else {"schema_version": SCHEMA_VERSION, **data}


@cache
def _text(name: str) -> str:
    return (HERE / f"{name}.schema.json").read_text(encoding="utf-8")


def schema(command: str) -> dict:
    """``command``'s schema, self-contained: every schema it refers to embedded in ``$defs`` by its ``$id``.

    An unknown command is a KeyError (the CLI turns it into a usage error)."""
    if command not in COMMANDS:
        raise KeyError(command)
    root = json.loads(_text(command))
    seen, todo = {command}, [command]
    while todo:
        for name in _REF.findall(_text(todo.pop())):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    for name in sorted(seen - {command}):
        root.setdefault("$defs", {})[f"{name}.schema.json"] = json.loads(_text(name))
    return root


def schema_text(command: str) -> str:
    return json.dumps(schema(command), indent=2, ensure_ascii=False) + "\n"


def listing() -> str:
    """One line per command: its name and its schema's title."""
    return "".join(f"{name:<10} {json.loads(_text(name))['title']}\n" for name in COMMANDS)

