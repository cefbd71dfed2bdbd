"""Run the CLI in-process, as ``rknn-compat ARGS`` would run, for the many format and exit-code tests.

``run_cli`` calls :func:`rknn_compat.cli.main` with stdout and stderr captured and, if given, the
environment replaced for the call; it returns what a subprocess would (``returncode``, ``stdout``,
``stderr``) plus ``.json``. A handful of tests still run ``python -m rknn_compat`` as a user does.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass


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
    return Result(list(args), code, out.getvalue(), err.getvalue())


def run_subprocess(*args: str, env: dict | None = None, python_flags=(), timeout: float = 60) -> Result:
    """``python -m rknn_compat ARGS``: the proof that the command works as a user runs it."""
    proc = subprocess.run([sys.executable, *python_flags, "-m", "rknn_compat", *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=timeout)
    return Result(list(args), proc.returncode, proc.stdout, proc.stderr)
