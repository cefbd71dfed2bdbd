"""The transport seam: run one shell script on the board, read one file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# A probe's answer is a few KiB; anything far larger is a broken or hostile board.
MAX_OUTPUT_BYTES = 4 * 1024 * 1024


@dataclass
class CommandResult:
    """What came back from one command.

    ``complete`` is False when the link dropped or the deadline passed before the
    command finished: ``stdout`` then holds what arrived, and ``error`` says why.
    """

    command: str
    stdout: bytes
    exit_code: int | None = None
    complete: bool = True
    error: str | None = None
    seconds: float = 0.0


class Transport(Protocol):
    kind: str  # "adb", "fixture" or "local"
    serial: str

    def run(self, script: str, timeout: float) -> CommandResult:
        """Run ``script`` with the board's ``sh -c``; never raises for board-side failures."""

    def read_file(self, path: str, timeout: float, limit: int = MAX_OUTPUT_BYTES) -> bytes | None:
        """The bytes of a board file, or None when it cannot be read."""

