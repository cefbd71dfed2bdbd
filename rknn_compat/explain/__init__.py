"""``rknn-compat explain``: from the error a user got to its cause and fix.

:func:`explain` reads logs (files, ``-``, pasted text, folders), pulls out what they say about
versions, targets, devices and error codes (:mod:`.facts`), matches the known problems of
``matrices/error_signatures.toml`` (:mod:`.match`) and judges the versions through the tables
``probe`` uses (:mod:`.judgement`). The result is an :class:`ExplainReport`.
"""

from __future__ import annotations

import time

from .. import tables
from ..tables.error_codes import error_codes
from ..tables.error_signatures import signatures
from ..tables.model_rules import model_rules
from . import facts as readers
from . import judgement, match
from .inputs import resolve
from .report import Diagnosis, ExplainReport, LogFact, LogLine
from .scan import scan

__all__ = ["Diagnosis", "ExplainReport", "LogFact", "LogLine", "explain"]

# Words many keywords share: searching for them instead of each keyword makes fewer passes over a
# big log; the lines they find are then checked against the precise keywords.
HUBS = ("version", "driver", "device", "pytorch", "rknpu")


def explain(sources, toolkit: str | None = None, toolkit2: str | None = None, device: str | None = None,
            matrices=None) -> ExplainReport:
    """Explain the logs in ``sources`` (paths, folders, ``"-"``, or text: bytes or a str with a newline).

    ``toolkit``/``toolkit2`` give the toolkit version when the log shows none; ``device`` adds the
    live board's facts (an adb serial, ``HOST:PORT``, ``local`` or ``fixture:FILE``).
    """
    if toolkit and toolkit2:
        from ..errors import UsageError

        raise UsageError("give --toolkit or --toolkit2, not both")
    started = time.monotonic()
    matrix = tables.load(matrices)
    sigs, codes = signatures(matrices), error_codes(matrices)
    keywords = _minimal((*HUBS, *readers.keywords(), *match.keywords(sigs)))
    report = ExplainReport()
    hits: dict[str, Diagnosis] = {}
    all_lines: list[LogLine] = []
    for inp in resolve(sources):
        lines = scan(inp, keywords)
        report.inputs.append(inp.info)
        if inp.info.dropped_lines:
            report.notes.append(f"{inp.name}: {inp.info.dropped_lines} keyword lines in the middle were not "
                                "read (the first and last 10000 were)")
        for line in lines:
            report.facts += readers.read_line(line, line.text.lower(), codes)
        match.match(lines, sigs, hits)
        all_lines += lines
    report.facts = _dedupe(report.facts)
    rel, report.toolkit = judgement.target_toolkit(matrix, report.facts, toolkit, toolkit2, report.notes)
    diagnoses = sorted(hits.values(), key=lambda d: (d.lines[0].source, d.lines[0].number))
    by_id = {s.id: s for s in sigs}
    for diag in diagnoses:
        judgement.fixed_in(diag, by_id[diag.id], report.facts, rel, report.toolkit)
        if diag.facts.get("model_version"):
            judgement.model_version(diag, report.facts, model_rules(matrices).table("model_version"), matrix)
    versions = judgement.api_drv(matrix, report.facts)
    covered = {id(f) for f in report.facts if any(f.line in d.lines[1:] for d in versions)}
    versions += judgement.components(matrix, report.facts, rel, covered)
    report.diagnoses = diagnoses + versions
    if device:
        report.board = _board(device, report, matrices)
    seen = {(ln.source, ln.number) for d in report.diagnoses for ln in d.lines}
    seen |= {(f.line.source, f.line.number) for f in report.facts if f.kind != "error_code"}
    errors = match.unexplained(all_lines, seen, {ln.source for d in report.diagnoses for ln in d.lines})
    report.unexplained, report.unexplained_count = errors[: match.MAX_UNEXPLAINED], len(errors)
    report.seconds = time.monotonic() - started
    return report


def _board(device: str, report: ExplainReport, matrices) -> dict:
    from .board import add_board

    return add_board(device, report.toolkit, report.facts, matrices, report.notes, report.diagnoses)


def _minimal(keywords) -> tuple[str, ...]:
    """Drop a keyword that holds a shorter one: the shorter finds its lines already."""
    ordered = sorted(set(keywords), key=len)
    kept: list[str] = []
    for kw in ordered:
        if not any(k in kw for k in kept):
            kept.append(kw)
    return tuple(kept)


def _dedupe(facts: list[LogFact]) -> list[LogFact]:
    """The same fact from the same text again (a loop, a re-run) is counted, not repeated."""
    out: dict[tuple, LogFact] = {}
    for f in facts:
        key = (f.component, f.kind, f.value, f.line.source, f.line.text)
        if key in out:
            out[key].count += 1
        else:
            out[key] = f
    return list(out.values())
