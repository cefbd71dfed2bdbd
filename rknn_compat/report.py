"""Typed results of a probe (one board) and an inventory (many), with their JSON form.

``to_dict()`` *is* the JSON contract documented in the README: scripts read it, so
fields are only ever added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import EXIT_COMPATIBLE, EXIT_INCOMPATIBLE, EXIT_UNREACHABLE

COMPATIBLE, INCOMPATIBLE, UNKNOWN = "compatible", "incompatible", "unknown"
OK, MISMATCH = "ok", "mismatch"  # finding statuses; plus UNKNOWN


@dataclass
class Fact:
    """One thing read off the board, with where it came from — or why it could not be."""

    value: str | None = None  # normalised version, SoC name, "linux", ...
    evidence: str | None = None  # the line it was read from
    source: str | None = None  # the command (and file) that printed it
    reason: str | None = None  # why value is None
    extra: dict = field(default_factory=dict)

    @classmethod
    def unknown(cls, reason: str, source: str | None = None) -> Fact:
        return cls(None, None, source, reason)

    def to_dict(self, key: str = "value") -> dict:
        out = dict(self.extra)  # details first: they never replace the contract's keys
        out.update({key: self.value, "evidence": self.evidence, "source": self.source, "reason": self.reason})
        return out


@dataclass
class Finding:
    component: str
    status: str  # ok / mismatch / unknown
    expected: str | None
    found: str | None
    remedy: str | None = None

    def to_dict(self) -> dict:
        return {"component": self.component, "status": self.status, "expected": self.expected,
                "found": self.found, "remedy": self.remedy}


@dataclass
class BoardReport:
    """Everything rknn-compat knows about one board and how it fits the toolkit."""

    device: dict
    platform: dict[str, Fact] = field(default_factory=dict)
    components: dict[str, Fact] = field(default_factory=dict)
    toolkit: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    connection: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    verdict: str = UNKNOWN
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return verdict_exit_code(self.verdict)

    def to_dict(self) -> dict:
        return {
            "device": self.device,
            "platform": {k: f.to_dict() for k, f in self.platform.items()},
            "components": {k: f.to_dict("version") for k, f in self.components.items()},
            "toolkit": self.toolkit,
            "findings": [f.to_dict() for f in self.findings],
            "connection": self.connection,
            "notes": self.notes,
            "verdict": self.verdict,
            "error": self.error,
        }


def verdict_exit_code(verdict: str) -> int:
    return {COMPATIBLE: EXIT_COMPATIBLE, INCOMPATIBLE: EXIT_INCOMPATIBLE}.get(verdict, EXIT_UNREACHABLE)


def worst_verdict(verdicts) -> str:
    """DESIGN.md over several boards: incompatible if any, else unknown if any, else compatible."""
    verdicts = list(verdicts)
    if INCOMPATIBLE in verdicts:
        return INCOMPATIBLE
    if not verdicts or UNKNOWN in verdicts:
        return UNKNOWN
    return COMPATIBLE


@dataclass
class InventoryReport:
    boards: list[BoardReport]
    toolkit: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        return worst_verdict(b.verdict for b in self.boards)

    @property
    def exit_code(self) -> int:
        return verdict_exit_code(self.verdict)

    def summary(self) -> dict:
        counts = {COMPATIBLE: 0, INCOMPATIBLE: 0, UNKNOWN: 0}
        for b in self.boards:
            counts[b.verdict] = counts.get(b.verdict, 0) + 1
        return {"boards": len(self.boards), **counts, "verdict": self.verdict,
                "seconds": round(self.seconds, 3)}

    def to_dict(self) -> dict:
        return {"boards": [b.to_dict() for b in self.boards], "summary": self.summary(),
                "toolkit": self.toolkit}
