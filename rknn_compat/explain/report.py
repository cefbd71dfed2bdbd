"""What ``explain`` found in a log, as typed results; ``ExplainReport.to_dict()`` is the JSON contract.

Fields are only ever added, never renamed (README, "rknn-compat explain"). A fact is something
the log states (a version, the target, a device, an error code) with the line it came from; a
diagnosis is a known problem or a version judgement, with its cause, remedy, lines and source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ExitCode
from ..schemas import versioned

PROBLEM_FOUND, NO_KNOWN_PROBLEM, UNRECOGNISED = "problem_found", "no_known_problem", "unrecognised"
VERDICT_EXIT = {PROBLEM_FOUND: ExitCode.PROBLEM, NO_KNOWN_PROBLEM: ExitCode.OK, UNRECOGNISED: ExitCode.UNKNOWN}


@dataclass(frozen=True)
class LogLine:
    """One line of an input, cleaned (ANSI, CR, prompts and log prefixes removed)."""

    source: str  # the file name, "-" for stdin, "<text>" for pasted text
    number: int  # 1-based line number in that input
    text: str
    after: tuple[str, ...] = ()  # the next few lines, for facts that continue there

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.number, "text": self.text}


@dataclass
class LogFact:
    component: str  # rknn_toolkit2, librknn_api, rknn_server, librknnrt, npu_driver, target, device, ...
    kind: str  # version | target | device | error_code | model
    value: str  # the normalised version, SoC, serial or code
    line: LogLine
    how: str  # what kind of line said it, in words
    version: object = None  # the parsed Version of a version fact
    extra: dict = field(default_factory=dict)
    count: int = 1  # the same line seen again

    def to_dict(self) -> dict:
        return {"component": self.component, "kind": self.kind,
                "version": self.value if self.kind == "version" else None, "value": self.value,
                "source": self.line.source, "line": self.line.number, "evidence": self.line.text,
                "how": self.how, **({"count": self.count} if self.count > 1 else {}), **self.extra}


@dataclass
class Diagnosis:
    id: str
    kind: str  # known_problem | version | board
    title: str
    what: str
    cause: str
    remedy: str
    lines: list[LogLine]
    source: dict  # the cite (document, edition, section, location) plus threads
    facts: dict = field(default_factory=dict)  # named values the message carried
    products: tuple[str, ...] = ()
    judgement: list[str] = field(default_factory=list)  # what the versions say about it
    fixed_in: dict | None = None
    quote: str | None = None
    inference: bool = False

    def to_dict(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "title": self.title, "what": self.what, "cause": self.cause,
               "remedy": self.remedy, "lines": [ln.to_dict() for ln in self.lines], "source": self.source,
               "facts": self.facts, "applies_to": list(self.products), "judgement": self.judgement,
               "inference": self.inference}
        if self.fixed_in is not None:
            out["fixed_in"] = self.fixed_in
        if self.quote:
            out["quote"] = self.quote
        return out


@dataclass
class InputInfo:
    name: str
    bytes: int = 0
    lines: int = 0
    kept_lines: int = 0  # lines that held a keyword
    dropped_lines: int = 0  # keyword lines over the cap (the middle of a huge log)
    encoding: str = "utf-8"

    def to_dict(self) -> dict:
        return {"name": self.name, "bytes": self.bytes, "lines": self.lines, "kept_lines": self.kept_lines,
                "dropped_lines": self.dropped_lines, "encoding": self.encoding}


@dataclass
class ExplainReport:
    inputs: list[InputInfo] = field(default_factory=list)
    facts: list[LogFact] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    unexplained: list[LogLine] = field(default_factory=list)  # error lines no known problem covers
    unexplained_count: int = 0
    toolkit: dict = field(default_factory=dict)  # the toolkit the log was judged against
    board: dict | None = None  # the live board's probe report (--device)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        if self.diagnoses:
            return PROBLEM_FOUND
        if self.facts and not self.unexplained_count:
            return NO_KNOWN_PROBLEM
        return UNRECOGNISED

    @property
    def reason(self) -> str:
        if self.diagnoses:
            return f"{len(self.diagnoses)} known problem(s) or version mismatch(es) found"
        if self.unexplained_count:
            first = self.unexplained[0]
            return (f"{self.unexplained_count} error line(s) that no known problem explains, first: "
                    f"{first.source}:{first.number}: {first.text}")
        if self.facts:
            return "the log shows versions and no error"
        return "nothing in the input was recognised (no RKNN version, target, device or known error)"

    @property
    def exit_code(self) -> ExitCode:
        return VERDICT_EXIT[self.verdict]

    def to_dict(self) -> dict:
        return versioned({"inputs": [i.to_dict() for i in self.inputs], "facts": [f.to_dict() for f in self.facts],
                          "diagnoses": [d.to_dict() for d in self.diagnoses],
                          "unexplained": [ln.to_dict() for ln in self.unexplained],
                          "unexplained_count": self.unexplained_count, "toolkit": self.toolkit, "board": self.board,
                          "notes": self.notes, "verdict": self.verdict, "reason": self.reason,
                          "seconds": round(self.seconds, 3)})
