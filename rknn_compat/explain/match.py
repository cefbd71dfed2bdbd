"""Match the known problems of ``matrices/error_signatures.toml`` against a log's lines.

One diagnosis per signature, with every line that showed it (up to :data:`MAX_LINES`) and the
named values its patterns pulled out. Error lines no signature explains are collected too, so
that a log with an unknown error is reported as such instead of "no problem".
"""

from __future__ import annotations

import re

from ..tables.error_signatures import Signature
from .report import Diagnosis, LogLine

MAX_LINES = 20  # lines listed per diagnosis
MAX_UNEXPLAINED = 10
ERROR_KEYWORDS = ("error", "fail", "exception", "fatal", "abort", "segmentation fault", "e rknn", "invalid",
                  "unsupport", "not support")
_ERROR_LINE = re.compile(r"^(?:E\s|E/\w|\[ERROR\]|Fatal\b|Segmentation fault|Aborted\b)"
                         r"|\b\w{0,40}(?:Error|Exception):\s")
_WRAPPER = re.compile(r"Traceback \(most recent call last\)|^E?\s{0,4}(?:\w{1,20}:\s{1,4})?File \"|"
                      r"Please feedback the detailed log|check github issues|Catch exception when|"
                      r"Init runtime environment failed|Runtime environment is not inited|={5,}|"
                      r"RKNN VERSION:\s?$|^E\s{0,4}(?:\[\]|\S{1,20}:)?\s?$|During handling of the above exception|"
                      r"rknn-toolkit2? version", re.I)

_CONSEQUENCE = re.compile(r"load model (?:file )?(?:failed|error)|load_model failed|init failed|fallback cpu failed|"
                          r"failed to init|error code:|Device is not available|\bret\s?=\s?-\d", re.I)


def keywords(signatures: list[Signature]) -> tuple[str, ...]:
    return tuple({k for s in signatures for k in (*s.keywords, *s.context)} | set(ERROR_KEYWORDS))


def match(lines: list[LogLine], signatures: list[Signature], hits: dict[str, Diagnosis]) -> None:
    """Add to ``hits`` (by signature id) what ``lines`` of one input show."""
    lows = [ln.text.lower() for ln in lines]
    for sig in signatures:
        if sig.context and not any(c in low for low in lows for c in sig.context):
            continue
        for line, low in zip(lines, lows):
            m = sig.match(line.text, low)
            if m is None:
                continue
            diag = hits.get(sig.id) or hits.setdefault(sig.id, _diagnosis(sig))
            if len(diag.lines) < MAX_LINES:
                diag.lines.append(line)
            for name, value in m.groupdict().items():
                if value is not None and value not in diag.facts.setdefault(name, []):
                    diag.facts[name].append(value)


def _diagnosis(sig: Signature) -> Diagnosis:
    source = {**sig.cite.to_dict(), "threads": list(sig.threads)}
    return Diagnosis(sig.id, "known_problem", sig.title, sig.what, sig.cause, sig.remedy, [], source,
                     products=sig.products, quote=sig.quote, inference=sig.inference)


def unexplained(lines: list[LogLine], covered: set[tuple[str, int]], diagnosed: set[str]) -> list[LogLine]:
    """Error lines that are neither a diagnosis line, a version line, nor a traceback's wrapping.

    In an input with a diagnosis, the generic lines that follow any failure ("load model
    failed", "RKNN init failed. error code: ...") are its consequence, not a second problem.
    """
    out = []
    for line in lines:
        if (line.source, line.number) in covered or not _ERROR_LINE.search(line.text):
            continue
        if _WRAPPER.search(line.text) or (line.source in diagnosed and _CONSEQUENCE.search(line.text)):
            continue
        out.append(line)
    return out
