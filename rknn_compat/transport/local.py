"""Local transport: rknn-compat runs on the board itself (``--device local``)."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time

from ..errors import UsageError
from ..userfiles import read_bytes
from .base import MAX_OUTPUT_BYTES, CommandResult


class LocalTransport:
    kind = "local"
    serial = "local"

    def run(self, script: str, timeout: float) -> CommandResult:
        """The script under ``/bin/sh``, read as the adb transport reads a board: within ``timeout``,
        at most MAX_OUTPUT_BYTES kept; what is left running (a stalled tool) is killed with its group."""
        started = time.monotonic()
        try:
            proc = subprocess.Popen(["/bin/sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            return CommandResult(script, b"", None, False, f"cannot run /bin/sh: {exc}")
        chunks, total, why = [], 0, None
        with proc, selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while why is None:
                left = started + timeout - time.monotonic()
                if left <= 0:
                    why = f"no answer within {timeout:g} s"
                elif sel.select(left):
                    data = os.read(proc.stdout.fileno(), 65536)
                    if not data:
                        break
                    chunks.append(data)
                    total += len(data)
                    if total > MAX_OUTPUT_BYTES:
                        why = f"output exceeded {MAX_OUTPUT_BYTES} bytes; cut off"
            if why is not None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            code = proc.wait()
        out = b"".join(chunks)[:MAX_OUTPUT_BYTES]
        return CommandResult(script, out, None if why else code, why is None, why, time.monotonic() - started)

    read_error: str | None = None

    def read_file(self, path: str, timeout: float, limit: int = MAX_OUTPUT_BYTES) -> bytes | None:
        """A regular file only (a FIFO or a device the board names would block or never end)."""
        try:
            data = read_bytes(path, limit)
        except UsageError as exc:
            self.read_error = str(exc)
            return None
        self.read_error = None
        return data

