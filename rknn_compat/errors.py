"""Errors that the CLI turns into one line and an exit code (see DESIGN: 2 usage, 3 unreachable)."""

from __future__ import annotations

EXIT_COMPATIBLE = 0
EXIT_INCOMPATIBLE = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


class RknnCompatError(Exception):
    """Base: a failure the user can act on. ``str(e)`` is the one-line message."""

    exit_code = EXIT_USAGE


class UsageError(RknnCompatError):
    """Bad input: an argument, a version, a file the user named (exit 2)."""

    exit_code = EXIT_USAGE


class MatrixError(UsageError):
    """A matrix file that does not load: names file, row and reason (exit 2)."""


class DeviceError(RknnCompatError):
    """A board that cannot be reached or read (exit 3)."""

    exit_code = EXIT_UNREACHABLE
