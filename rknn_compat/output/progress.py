"""A progress bar for many boards, shown only when stderr is a terminal."""

from __future__ import annotations

import sys

from .formats import printable


def terminal_progress(stream=None):
    """``show(done, total)`` drawing on ``stream`` (stderr) if it is a terminal; None (silent) otherwise."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    last = [0]

    def show(done: int, total: int, pending=()) -> None:
        """``pending``: the boards still awaited, named once the run has taken a few seconds."""
        width = 30
        filled = width * done // total
        line = f"probing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if pending and done < total:
            more = f" (+{len(pending) - 1})" if len(pending) > 1 else ""
            line += f", waiting for {printable(pending[0])[:40]}{more}"
        stream.write("\r" + line.ljust(last[0]))
        last[0] = len(line)
        if done == total:
            stream.write("\r" + " " * last[0] + "\r")
        stream.flush()

    return show
