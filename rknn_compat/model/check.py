"""``check_models``: read each model file, then judge it against the target toolkit and the board.

One file's failure is that file's ``error`` verdict with a one-line reason; it never stops the
others.  The board is probed once for all files.  See the README ("rknn-compat model").
"""

from __future__ import annotations

import os
import time

from .. import tables
from ..errors import RknnCompatError, UsageError
from ..tables.model_rules import model_rules
from . import judge, sniff
from .board import BoardFacts, read_board
from .results import ERROR, UNKNOWN, ModelReport, ModelsReport
from .source import ModelFile, NotAModel

HEAD = 4096


def check_models(paths, toolkit: str | None = None, toolkit2: str | None = None, device: str | None = None,
                 matrices=None) -> ModelsReport:
    """Read and judge every file of ``paths``; the target is ``toolkit``/``toolkit2`` and/or ``device``."""
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise UsageError("give at least one model file")
    if toolkit and toolkit2:
        raise UsageError("give --toolkit or --toolkit2, not both")
    matrix = tables.load(matrices)
    rules = model_rules(matrices)
    target, target_info = None, {"toolkit": None, "generation": None, "source": None,
                                 "reason": "no --toolkit/--toolkit2 given"}
    if toolkit or toolkit2:
        gen = "rknpu1" if toolkit else "rknpu2"
        target = matrix.release(toolkit or toolkit2, gen)
        target_info = {"toolkit": target.label, "generation": gen,
                       "source": "--toolkit" if toolkit else "--toolkit2", "reason": None}
    board = _board(device, matrices) if device else None
    report = ModelsReport([read_model(p) for p in paths], target_info, board.to_dict() if board else None)
    for model in report.models:
        if model.verdict != ERROR:
            judge.judge(model, matrix, rules, target, board)
            if target is None and board is None:
                model.notes.append("no target: give --toolkit/--toolkit2 (what converts or loads it) or --device "
                                   "(the board that runs it) to judge it")
    return report


def read_model(path: str) -> ModelReport:
    """The facts of one file, or its ``error`` verdict with the reason."""
    report = ModelReport(path)
    started = time.monotonic()
    try:
        with ModelFile(path) as mf:
            report.size = mf.size
            try:
                reader = sniff.reader_for(path, mf.head(HEAD))
                reader(mf, report)
            finally:
                report.bytes_read = mf.bytes_read
    except NotAModel as exc:
        report.verdict, report.error = ERROR, _one_line(str(exc))
    except RecursionError:
        report.verdict, report.error = ERROR, "nested too deeply to read"
    except MemoryError:
        report.verdict, report.error = ERROR, "too large to read"
    else:
        report.verdict = UNKNOWN
    report.seconds = round(time.monotonic() - started, 4)
    return report


def _board(device: str, matrices) -> BoardFacts:
    try:
        return read_board(device, matrices)
    except UsageError:
        raise
    except RknnCompatError as exc:
        return BoardFacts(error=str(exc), reasons={"board": str(exc)})


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
