"""Local transport: rknn-compat runs on the board itself (``--device local``)."""

from __future__ import annotations

import os
import subprocess
import time

from .base import MAX_OUTPUT_BYTES, CommandResult


class LocalTransport:
    kind = "local"
    serial = "local"

    def run(self, script: str, timeout: float) -> CommandResult:
        started = time.monotonic()
        try:
            proc = subprocess.run(["/bin/sh", "-c", script], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            return CommandResult(script, exc.stdout or b"", None, False,
                                 f"no answer within {timeout:g} s", time.monotonic() - started)
        except OSError as exc:
            return CommandResult(script, b"", None, False, f"cannot run /bin/sh: {exc}")
        out = proc.stdout[:MAX_OUTPUT_BYTES]
        return CommandResult(script, out, proc.returncode, True, None, time.monotonic() - started)

    def read_file(self, path: str, timeout: float, limit: int = MAX_OUTPUT_BYTES) -> bytes | None:
        try:
            if os.path.getsize(path) > limit:
                return None
            with open(path, "rb") as fh:
                return fh.read(limit)
        except OSError:
            return None

