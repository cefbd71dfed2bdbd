"""The house keeps its shape: which folder of rknn_compat may import which.

Read from the source (every ``import`` / ``from`` statement, also those inside functions), so a
lazy import cannot slip past. The rules are the README's ("Development: the map").
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rknn_compat"

# part of the package -> the parts it may import (besides itself). A part is a folder or a module.
ALLOWED = {
    "errors": set(),
    "schemas": set(),  # the JSON Schemas and schema_version: every result's to_dict() uses it
    "userfiles": {"errors"},  # reading a file the user named: regular, capped; any part may use it
    "versions": {"errors"},
    "tables": {"errors", "versions", "userfiles"},
    "results": {"errors", "versions", "schemas"},
    "sim": {"errors", "userfiles"},
    "read": {"errors", "versions", "tables", "results"},
    "transport": {"errors", "read", "userfiles"},
    "remedies": {"tables"},
    "board_rules": {"errors", "versions", "tables", "results", "remedies"},  # the judge's rules beyond the rows
    "judge": {"errors", "versions", "tables", "results", "remedies", "board_rules"},
    "lookup": {"errors", "versions", "tables", "read"},  # a board's line -> a reverse look-up of the tables
    "host": {"errors", "versions", "tables", "userfiles", "schemas"},
    "output": {"errors", "versions", "tables", "results", "host", "doctor", "explain", "schemas"},
    # explain reads logs with the board readers and judges them like probe; --device calls probe
    "explain": {"errors", "versions", "tables", "read", "results", "judge", "transport", "board_probe", "schemas"},
    # doctor wires the chain together like board_probe (and calls it); the optional feature folders
    # model/ and explain/ are used where a build has them; __version__ is the package's version string
    # model/ reads files and judges them; with --device it probes the board like doctor does
    "model": {"errors", "versions", "tables", "results", "judge", "board_probe", "schemas"},
    "doctor": {"errors", "versions", "tables", "results", "host", "transport", "board_probe", "model", "explain",
               "__version__", "schemas", "lab"},  # lab: doctor --adb-server lists the named servers like inventory
    # lab/ lists boards of several adb servers and serves the inventory's results to Prometheus
    "lab": {"errors", "tables", "results", "transport"},
}


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


def _imported_parts(path: Path) -> set[str]:
    """The rknn_compat parts a module imports, resolved from relative and absolute imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]  # the module's package
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(here[:len(here) - node.level + 1]) if node.level else []
            mod = base + (node.module.split(".") if node.module else [])
            names = [".".join(mod + ([a.name] if not node.module else [])) for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "rknn_compat" and len(parts) > 1:
                out.add(parts[1])
    return out


def test_every_part_imports_only_what_it_may():
    """errors imports nothing; the tables only versions/errors; the simulator only errors; output no transport."""
    broken = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = _part(path)
        if part not in ALLOWED:
            continue
        for imported in sorted(_imported_parts(path) - {part} - ALLOWED[part]):
            broken.append(f"{path.relative_to(PACKAGE)} imports rknn_compat.{imported}")
    assert not broken, "\n".join(broken)


def test_the_rules_cover_the_package():
    """A new folder gets a rule (or is one of the top-level jobs that wire the others together)."""
    wiring = {"__init__", "__main__", "cli", "cli_checks", "board_probe", "lab_inventory"}
    parts = {_part(p) for p in PACKAGE.rglob("*.py")} - {"matrices"}
    unruled = parts - set(ALLOWED) - wiring
    assert not unruled, f"parts without an import rule: {sorted(unruled)}"


def test_the_checker_is_found():
    """The scan is not vacuous: it sees the imports it is meant to police."""
    assert "tables" in _imported_parts(PACKAGE / "judge.py")
    assert "errors" in _imported_parts(PACKAGE / "sim" / "profile_schema.py")
