"""The exit-code contract (README, "Exit codes") and the errors that carry a code.

Every command ends with one :class:`ExitCode`; every error the user can act on is a
:class:`RknnCompatError` whose ``exit_code`` says which, and the CLI catches them by class in one
place. Imports nothing of the project, so every folder may import it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a script may read from ``$?``."""

    OK = 0  # every check passed (compatible, consistent, nothing wrong found)
    PROBLEM = 1  # an incompatibility or a known problem was found
    USAGE = 2  # bad option or input file
    UNKNOWN = 3  # a board could not be reached, or a needed fact is unknown
    NOT_READY = 4  # the versions fit, but something stops it working (a stopped service, no USB access)
    INTERNAL = 70  # a bug in rknn-compat (EX_SOFTWARE of BSD sysexits.h)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class RknnCompatError(Exception):
    """Base: a failure the user can act on. ``str(e)`` is the one-line message."""

    exit_code = ExitCode.USAGE


class UsageError(RknnCompatError):
    """Bad input: an argument, a version, a file the user named (exit 2)."""

    exit_code = ExitCode.USAGE


class MatrixError(UsageError):
    """A matrix file that does not load: names file, row and reason (exit 2)."""


class DeviceError(RknnCompatError):
    """A board that cannot be reached or read (exit 3)."""

    exit_code = ExitCode.UNKNOWN
