"""A recorded board: replay what a real board answered (unit tests, bug reports).

``rknn-compat probe --record FILE`` writes one; ``--device fixture:FILE`` replays it (also
``fixture:BUNDLE.zip#board-1``, a board of a ``doctor --bundle``).
Calls are replayed in order, so a recording keeps working when the probe script
changes wording between releases.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from ..errors import UsageError
from .base import CommandResult

FORMAT = "rknn-compat-recording/1"


class RecordingTransport:
    """Wraps a transport and remembers every answer for :meth:`save`."""

    def __init__(self, inner, device: dict | None = None):
        self.inner = inner
        self.kind = inner.kind
        self.serial = inner.serial
        self.device = device or {}
        self.runs: list[CommandResult] = []
        self.files: dict[str, str | None] = {}

    def run(self, script: str, timeout: float) -> CommandResult:
        result = self.inner.run(script, timeout)
        self.runs.append(result)  # kept, not copied: save() writes it as the probe finally read it
        return result

    def read_file(self, path: str, timeout: float, limit: int = 4 * 1024 * 1024) -> bytes | None:
        data = self.inner.read_file(path, timeout, limit)
        self.files[path] = None if data is None else base64.b64encode(data).decode()
        return data


    def save(self, path: str | Path) -> None:
        doc = {"format": FORMAT, "serial": self.serial, "transport": self.kind,
               "device": self.device, "files": self.files,
               "runs": [{"stdout_b64": base64.b64encode(r.stdout).decode(), "exit_code": r.exit_code,
                         "complete": r.complete, "error": r.error} for r in self.runs]}
        try:
            Path(path).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write recording {path}: {exc.strerror or exc}") from None


def _recording_text(path: str) -> str:
    """A recording file, or one out of a doctor bundle (``BUNDLE.zip#board-1``; the only one if unnamed)."""
    from .archive import is_archive, read_member

    base, sep, member = path.rpartition("#") if "#" in path and not Path(path).exists() else (path, "", "")
    if is_archive(base):
        _, data = read_member(base, member or None, prefix="boards/")
        return data.decode("utf-8")
    return Path(path).read_text(encoding="utf-8")


class FixtureTransport:
    """Replays a recording made by :class:`RecordingTransport`."""

    kind = "fixture"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            doc = json.loads(_recording_text(str(path)))
        except OSError as exc:
            raise UsageError(f"cannot read recording {path}: {exc.strerror or exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: not a recording (invalid JSON: {exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise UsageError(f"{path}: not a recording (format is not {FORMAT})")
        try:
            self.serial = str(doc.get("serial") or self.path.stem)
            self.device = dict(doc.get("device") or {})
            self.runs = [self._result(r) for r in doc["runs"]]
            self.files = {k: (None if v is None else base64.b64decode(v))
                          for k, v in dict(doc.get("files") or {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"{path}: malformed recording ({type(exc).__name__}: {exc})") from None
        self.calls = 0

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
        return self.files.get(path)

