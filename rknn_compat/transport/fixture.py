"""A recorded board: replay what a real board answered (unit tests, bug reports).

``rknn-compat probe --record FILE`` writes one; ``--device fixture:FILE`` replays it (also
``fixture:BUNDLE.zip#board-1``, a board of a ``doctor --bundle``).
Calls are replayed in order, so a recording keeps working when the probe script
changes wording between releases.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from ..errors import UsageError
from ..userfiles import check_regular, read_bytes, write_text
from .base import CommandResult

FORMAT = "rknn-compat-recording/1"
# a 4 MiB answer and a 64 MiB NPU firmware image, base64-encoded, with room to spare
MAX_RECORDING_BYTES = 128 << 20


class RecordingTransport:
    """Wraps a transport and remembers every answer for :meth:`save`."""

    def __init__(self, inner, device: dict | None = None):
        self.inner = inner
        self.kind = inner.kind
        self.serial = inner.serial
        self.device = device or {}
        self.runs: list[CommandResult] = []
        self.files: dict[str, str | None] = {}
        self.read_error: str | None = None

    def run(self, script: str, timeout: float) -> CommandResult:
        result = self.inner.run(script, timeout)
        self.runs.append(result)  # kept, not copied: save() writes it as the probe finally read it
        return result

    def read_file(self, path: str, timeout: float, limit: int = 4 * 1024 * 1024) -> bytes | None:
        data = self.inner.read_file(path, timeout, limit)
        self.read_error = getattr(self.inner, "read_error", None)
        self.files[path] = None if data is None else base64.b64encode(data).decode()
        return data


    def save(self, path: str | Path) -> None:
        doc = {"format": FORMAT, "serial": self.serial, "transport": self.kind,
               "device": self.device,
               "runs": [{"stdout_b64": base64.b64encode(r.stdout).decode(), "exit_code": r.exit_code,
                         "complete": r.complete, "error": r.error} for r in self.runs],
               "files": self.files}
        write_text(path, json.dumps(doc, indent=1) + "\n", "recording")


def _recording_text(path: str) -> str:
    """A recording file, or one out of a doctor bundle (``BUNDLE.zip#board-1``; the only one if unnamed)."""
    from .archive import is_archive, read_member

    base, sep, member = path.rpartition("#") if "#" in path and not os.path.lexists(path) else (path, "", "")
    check_regular(base, "recording")  # before anything opens it: a FIFO would block, /dev/zero never end
    if is_archive(base):
        _, data = read_member(base, member or None, prefix="boards/")
    else:
        data = read_bytes(base, MAX_RECORDING_BYTES, "recording")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"recording {path} is not UTF-8 text") from None


class FixtureTransport:
    """Replays a recording made by :class:`RecordingTransport`."""

    kind = "fixture"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not str(path):
            raise UsageError("fixture: names no recording (write fixture:FILE)")
        try:
            doc = json.loads(_recording_text(str(path)))
        except ValueError as exc:
            raise UsageError(f"{path}: not a recording (invalid JSON: {exc})") from None
        except RecursionError:
            raise UsageError(f"{path}: not a recording (invalid JSON: nested too deeply)") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise UsageError(f"{path}: not a recording (format is not {FORMAT})")
        try:
            self.serial = str(doc.get("serial") or self.path.stem)
            self.device = dict(doc.get("device") or {})
            self.runs = [self._result(r) for r in doc["runs"]]
            self.files = {k: (None if v is None else base64.b64decode(v))
                          for k, v in dict(doc.get("files") or {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"{path}: malformed recording ({type(exc).__name__}: {str(exc)[:200]})") from None
        self.calls = 0
        self.read_error: str | None = None

    @staticmethod
    def _result(run: dict) -> CommandResult:
        return CommandResult(
            command="(recorded)",
            stdout=base64.b64decode(run["stdout_b64"]),
            exit_code=run.get("exit_code"),
            complete=bool(run.get("complete", True)),
            error=run.get("error"),
        )

    def run(self, script: str, timeout: float) -> CommandResult:
        if self.calls >= len(self.runs):
            self.calls += 1
            return CommandResult(script, b"", None, False, "the recording has no more answers")
        result = self.runs[self.calls]
        self.calls += 1
        return CommandResult(script, result.stdout, result.exit_code, result.complete, result.error)

    def read_file(self, path: str, timeout: float, limit: int = 4 * 1024 * 1024) -> bytes | None:
        data = self.files.get(path)
        self.read_error = None if data is not None else (
            "the recording holds no copy of it" if path not in self.files else "it could not be pulled when recorded")
        return data if data is None or len(data) <= limit else None

