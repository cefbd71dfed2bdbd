"""A progress bar for many boards, shown only when stderr is a terminal."""

from __future__ import annotations

import sys


def terminal_progress(stream=None):
    """``show(done, total)`` drawing on ``stream`` (stderr) if it is a terminal; None (silent) otherwise."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        stream.write(f"\rprobing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            stream.write("\r" + " " * (width + 30) + "\r")
        stream.flush()

    return show
