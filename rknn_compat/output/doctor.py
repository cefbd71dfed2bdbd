"""How a doctor report looks: one line per area with its mark, the remedy under each problem, ``-v`` evidence.

Marks are ✓ ! ✗ ? (``flutter doctor``'s); a terminal that cannot encode them gets the ASCII
marks of :data:`ASCII`. JSON is the report's ``to_dict()``.
"""

from __future__ import annotations

from ..doctor.report import CRASHED, OK, PROBLEM, UNKNOWN, WARNING, DoctorReport
from . import formats

UNICODE = {OK: "✓", WARNING: "!", PROBLEM: "✗", UNKNOWN: "?", CRASHED: "?"}
ASCII = {OK: "+", WARNING: "!", PROBLEM: "x", UNKNOWN: "?", CRASHED: "?"}
_LABEL = {CRASHED: "crashed: "}


def can_encode(encoding: str | None) -> bool:
    """Whether a stream in ``encoding`` can show the Unicode marks."""
    try:
        "".join(UNICODE.values()).encode(encoding or "ascii")
    except (LookupError, UnicodeEncodeError):
        return False
    return True


def doctor_text(report: DoctorReport, fmt: str, verbose: bool = False, unicode: bool = True) -> str:
    if fmt == "json":
        return formats.to_json(report.to_dict()) + "\n"
    marks = UNICODE if unicode else ASCII
    lines = []
    for area in report.areas:
        lines.append(f"[{marks[area.status]}] {area.title}: {_label(area.status)}{area.summary}")
        for check in area.checks:
            if check.status == OK and not verbose:
                continue
            found = f": {_label(check.status)}{check.found}" if check.found else ""
            lines.append(f"    {marks[check.status]} {check.title}{found}")
            if check.expected and (verbose or check.status != OK):
                lines.append(f"        expected: {check.expected}")
            if check.remedy and check.status != OK:
                lines.append(f"        fix: {check.remedy}")
            if verbose:
                lines += [f"        | {e}" for e in check.evidence]
                if check.source:
                    lines.append(f"        source: {check.source}")
    lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def summary_line(report: DoctorReport) -> str:
    counts = report.summary()
    parts = [f"{counts[s]} {name}" for s, name in ((PROBLEM, "with problems"), (CRASHED, "crashed"),
                                                   (UNKNOWN, "could not be checked"), (WARNING, "with warnings"))
             if counts[s]]
    if not parts:
        return f"doctor: no issues found in {counts['areas']} areas ({counts['seconds']:.1f} s)"
    return (f"doctor: {counts['areas']} areas, " + ", ".join(parts)
            + f" ({counts['seconds']:.1f} s, exit {counts['exit_code']})")


def _label(status: str) -> str:
    return _LABEL.get(status, "")
