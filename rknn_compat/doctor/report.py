"""What `rknn-compat doctor` found: areas of checks, each with a status, and the JSON contract.

A check is one link of the chain (the Python version, numpy against the toolkit's pins, one adb
binary, one board). Its status is one of :data:`STATUSES`; an area's status is its worst check's;
the report's exit code is the worst area's (:data:`EXIT`). A check that raised is ``crashed``:
the other checks still ran, and the exit code says INTERNAL only when nothing worse was found.
``to_dict()`` is the contract (fields are added, never renamed); ``from_dict()`` reads it back for
``doctor --from``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ExitCode, UsageError
from ..schemas import versioned

OK, WARNING, PROBLEM, UNKNOWN, CRASHED = "ok", "warning", "problem", "unknown", "crashed"
STATUSES = (OK, WARNING, PROBLEM, UNKNOWN, CRASHED)
SEVERITY = (PROBLEM, CRASHED, UNKNOWN, WARNING, OK)  # worst first
EXIT = {OK: ExitCode.OK, WARNING: ExitCode.OK, PROBLEM: ExitCode.PROBLEM, UNKNOWN: ExitCode.UNKNOWN,
        CRASHED: ExitCode.INTERNAL}
FORMAT = "rknn-compat-doctor/1"


def worst(statuses) -> str:
    found = set(statuses)
    return next((s for s in SEVERITY if s in found), OK)


@dataclass
class Check:
    id: str
    status: str
    title: str
    found: str | None = None
    expected: str | None = None
    remedy: str | None = None
    evidence: list[str] = field(default_factory=list)
    source: str | None = None  # the document and section the check applies
    details: dict | None = None  # the full record (a board's probe JSON), for --format json

    def to_dict(self) -> dict:
        out = {"id": self.id, "status": self.status, "title": self.title, "found": self.found,
               "expected": self.expected, "remedy": self.remedy, "evidence": list(self.evidence),
               "source": self.source}
        if self.details is not None:
            out["details"] = self.details
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Check:
        status = d.get("status")
        if status not in STATUSES or not isinstance(d.get("id"), str):
            raise ValueError(f"check {d.get('id')!r}: status {status!r}")
        text = {k: d[k] if isinstance(d.get(k), str) else None for k in ("found", "expected", "remedy", "source")}
        evidence = [e for e in d.get("evidence") or [] if isinstance(e, str)]
        details = d.get("details") if isinstance(d.get("details"), dict) else None
        return cls(d["id"], status, str(d.get("title") or d["id"]), evidence=evidence, details=details, **text)


def crashed(check_id: str, title: str, exc: BaseException) -> Check:
    """A check that raised: say so, with the bug's last frames as evidence."""
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    tail = [ln.rstrip() for chunk in frames[-3:] for ln in chunk.splitlines() if ln.strip()]
    return Check(check_id, CRASHED, title, found=f"the check crashed: {type(exc).__name__}: {exc}"[:300],
                 remedy="This is a bug in rknn-compat, not in your setup: please report it with "
                        "`rknn-compat doctor -v` output (or a --bundle).", evidence=tail[-6:])


def guard(check_id: str, title: str, fn: Callable[[], list[Check]]) -> list[Check]:
    """Run one check (or one group of checks); a crash becomes a ``crashed`` check, the others go on."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - a crashed check must not stop the doctor
        return [crashed(check_id, title, exc)]


@dataclass
class Area:
    id: str  # host, toolkit, adb, usb, boards, model
    title: str
    checks: list[Check] = field(default_factory=list)

    @property
    def status(self) -> str:
        return worst(c.status for c in self.checks) if self.checks else UNKNOWN

    @property
    def summary(self) -> str:
        """The area's line: what its first check found, and how many checks need attention."""
        if not self.checks:
            return "nothing checked"
        first = self.checks[0]
        text = first.found or first.title
        issues = sum(1 for c in self.checks if c.status != OK)
        return text + (f" ({issues} to look at)" if issues and (issues > 1 or first.status == OK) else "")

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status, "summary": self.summary,
                "checks": [c.to_dict() for c in self.checks]}

    @classmethod
    def from_dict(cls, d: dict) -> Area:
        checks = d.get("checks")
        if not isinstance(d.get("id"), str) or not isinstance(checks, list):
            raise ValueError(f"area {d.get('id')!r}")
        return cls(d["id"], str(d.get("title") or d["id"]),
                   [Check.from_dict(c) for c in checks if isinstance(c, dict)])


@dataclass
class DoctorReport:
    areas: list[Area] = field(default_factory=list)
    version: str = ""
    seconds: float = 0.0
    context: object = field(default=None, repr=False, compare=False)  # the run's Context (for the bundle)

    @property
    def status(self) -> str:
        return worst(a.status for a in self.areas)

    @property
    def exit_code(self) -> ExitCode:
        return EXIT[self.status]

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def summary(self) -> dict:
        counts = {s: sum(1 for a in self.areas if a.status == s) for s in STATUSES}
        return {"status": self.status, "exit_code": int(self.exit_code), "areas": len(self.areas), **counts,
                "seconds": round(self.seconds, 3)}

    def to_dict(self) -> dict:
        return versioned({"format": FORMAT, "rknn_compat": self.version,
                          "areas": [a.to_dict() for a in self.areas], "summary": self.summary()})

    @classmethod
    def from_dict(cls, d: dict, where: str = "report") -> DoctorReport:
        """A report read back (``doctor --from``); a malformed one is a one-line UsageError."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise UsageError(f"{where}: not a doctor report (format is not {FORMAT})")
        try:
            areas = [Area.from_dict(a) for a in d["areas"]]
            seconds = float((d.get("summary") or {}).get("seconds") or 0)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"{where}: malformed doctor report ({type(exc).__name__}: {exc})") from None
        return cls(areas, str(d.get("rknn_compat") or ""), seconds)
