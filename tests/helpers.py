"""Run the CLI in-process, as ``rknn-compat ARGS`` would run, for the many format and exit-code tests.

``run_cli`` calls :func:`rknn_compat.cli.main` with stdout and stderr captured and, if given, the
environment replaced for the call; it returns what a subprocess would (``returncode``, ``stdout``,
``stderr``) plus ``.json``. A handful of tests still run ``python -m rknn_compat`` as a user does.

Both check what they print with ``--format json`` or ``jsonl`` against the command's JSON Schema
(rknn_compat/schemas, :func:`check_json`), so every JSON document the suite produces is held to
the published contract; the suite's own wrappers of ``main`` call :func:`check_json` too.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)


def run_cli(*args: str, env: dict | None = None) -> Result:
    from rknn_compat.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    check_json(args, out.getvalue(), code)
    return Result(list(args), code, out.getvalue(), err.getvalue())


def run_subprocess(*args: str, env: dict | None = None, python_flags=(), timeout: float = 60) -> Result:
    """``python -m rknn_compat ARGS``: the proof that the command works as a user runs it."""
    proc = subprocess.run([sys.executable, *python_flags, "-m", "rknn_compat", *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=timeout)
    check_json(args, proc.stdout, proc.returncode)
    return Result(list(args), proc.returncode, proc.stdout, proc.stderr)


def command_and_format(args) -> tuple[str | None, str | None]:
    """The command (the first word that is not an option) and the ``--format``/``-f`` value of CLI args."""
    args = [str(a) for a in args]
    command = next((a for a in args if not a.startswith("-")), None)
    fmt = None
    for i, arg in enumerate(args):
        if arg in ("--format", "-f") and i + 1 < len(args):
            fmt = args[i + 1]
        elif arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
        elif arg.startswith("-f") and len(arg) > 2 and not arg.startswith("--"):
            fmt = arg[2:]
    return command, fmt


def check_json(args, stdout: str, returncode: int | None = None) -> int:
    """Validate the JSON a run printed against its command's schema; returns how many documents were checked.

    Runs whose format is not json/jsonl, commands without a schema and empty output are not JSON to check.
    Where a schema allows several shapes (matrix, inventory), the document is also held to the one its
    arguments ask for, so it cannot pass as another."""
    from rknn_compat.schemas import COMMANDS

    command, fmt = command_and_format(args)
    if fmt not in ("json", "jsonl") or command not in COMMANDS or not stdout.strip():
        return 0
    lines = stdout.splitlines() if fmt == "jsonl" else [stdout]
    docs = [json.loads(line) for line in lines if line.strip()]
    part = shape(command, [str(a) for a in args], fmt, returncode)
    for doc in docs:
        assert_valid(command, doc)
        if part:
            assert_valid(command, doc, part)
    return len(docs)


_LOOKUPS = ("--rknn-server", "--driver", "--runtime")


def shape(command: str, args: list[str], fmt: str, returncode: int | None) -> str | None:
    """The one branch of an ``anyOf`` schema a run's output must be (a ``$ref``), or None: the schema has one."""
    given = {a.split("=", 1)[0] for a in args}
    if command == "inventory":
        return "#/$defs/document" if fmt == "json" else "probe.schema.json"
    if command != "matrix":
        return None
    if "--platform" in given:
        return "#/$defs/platform_document"
    if fmt == "jsonl":
        return "#/$defs/release_line"
    if given & set(_LOOKUPS):
        return "#/$defs/lookup_document"
    return "#/$defs/newer_document" if returncode == 3 else "#/$defs/releases_document"


@cache
def validator(command: str, part: str | None = None):
    """A validator of ``command``'s schema, or of one branch of it (``part``, a ``$ref`` such as "#/$defs/x")."""
    from jsonschema import Draft202012Validator

    from rknn_compat.schemas import schema

    root = schema(command)
    if part:
        assert "anyOf" in root, f"{command}: one shape only"
        root = {**{k: v for k, v in root.items() if k != "anyOf"}, "$ref": part}
    return Draft202012Validator(root)


def schema_errors(command: str, document, part: str | None = None) -> list[str]:
    """Every place ``document`` breaks ``command``'s schema, as "path: message" lines (none: it is valid)."""
    errors = sorted(validator(command, part).iter_errors(document), key=lambda e: list(e.absolute_path))
    out = []
    for err in errors:
        # an anyOf (json document or jsonl line) failed: its branches say why
        for e in [err, *sorted(err.context or [], key=lambda c: len(c.absolute_path), reverse=True)[:3]]:
            out.append(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}")
    return out


def assert_valid(command: str, document, part: str | None = None) -> None:
    errors = schema_errors(command, document, part)
    assert not errors, f"{command} JSON breaks rknn_compat/schemas/{command}.schema.json:\n" + "\n".join(errors)


@contextlib.contextmanager
def connected_boards(adb_server, profiles: list[str]):
    """Simulated boards for a whole module, connected to ``adb_server`` and torn down after it."""
    from rknn_compat.sim import SimulatedBoards

    sim = SimulatedBoards(list(profiles))
    sim.start()
    try:
        for b in sim.boards:
            assert "connected to" in adb_server.connect(b.address)
        for b in sim.boards:
            assert adb_server.wait_state(b.serial, "device", 10), b.profile.name
        yield sim.boards
    finally:
        for b in sim.boards:
            adb_server.disconnect(b.address)
        sim.stop()
