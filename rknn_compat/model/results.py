"""Typed results of ``rknn-compat model``: one report per file, and the run over all of them.

``to_dict()`` is the JSON contract (README, "rknn-compat model"): fields are only ever added.
A model's verdict is ``compatible`` (fits the target), ``incompatible``, ``unknown`` (no target,
or a needed fact could not be read) or ``error`` (the file cannot be read as a model).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ExitCode
from ..results import COMPATIBLE, INCOMPATIBLE, MISMATCH, OK, UNKNOWN
from ..schemas import versioned

WARNING = "warning"  # a finding that does not stop the model loading, but may (stated as such)
ERROR = "error"  # verdict of a file that is not a readable model
FORMATS = ("rknn", "onnx", "tflite", "caffe", "tensorflow", "pytorch", "darknet", "unknown")
_EXIT = {COMPATIBLE: ExitCode.OK, INCOMPATIBLE: ExitCode.PROBLEM, UNKNOWN: ExitCode.UNKNOWN,
         ERROR: ExitCode.USAGE}
# over several files: a file that will not load wins, then one that is not a model, then unknown
_ORDER = (INCOMPATIBLE, ERROR, UNKNOWN, COMPATIBLE)
__all__ = ["COMPATIBLE", "ERROR", "INCOMPATIBLE", "MISMATCH", "OK", "UNKNOWN", "WARNING", "ModelFinding",
           "ModelReport", "ModelsReport"]


@dataclass
class ModelFinding:
    """One check of a model against the target toolkit or the board."""

    check: str  # "model_version", "target_platform", "onnx_opset", ...
    status: str  # ok / mismatch / unknown / warning
    expected: str | None
    found: str | None
    remedy: str | None = None
    source: str | None = None  # the document and section the rule comes from

    def to_dict(self) -> dict:
        return {"check": self.check, "status": self.status, "expected": self.expected, "found": self.found,
                "remedy": self.remedy, "source": self.source}


@dataclass
class ModelReport:
    path: str
    format: str = "unknown"  # one of FORMATS
    facts: dict = field(default_factory=dict)
    unknown: dict = field(default_factory=dict)  # fact -> why it could not be read
    findings: list[ModelFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verdict: str = UNKNOWN
    error: str | None = None
    size: int | None = None
    bytes_read: int | None = None
    seconds: float | None = None

    @property
    def exit_code(self) -> ExitCode:
        return _EXIT.get(self.verdict, ExitCode.UNKNOWN)

    def to_dict(self) -> dict:
        return {"path": self.path, "format": self.format, "size": self.size, "facts": self.facts,
                "unknown_facts": self.unknown, "findings": [f.to_dict() for f in self.findings],
                "notes": self.notes, "verdict": self.verdict, "error": self.error, "bytes_read": self.bytes_read,
                "seconds": self.seconds}


@dataclass
class ModelsReport:
    models: list[ModelReport]
    target: dict = field(default_factory=dict)  # {"toolkit", "generation", "source", "reason"}
    device: dict | None = None  # the board facts the models were judged against

    @property
    def verdict(self) -> str:
        verdicts = {m.verdict for m in self.models}
        return next((v for v in _ORDER if v in verdicts), UNKNOWN)

    @property
    def exit_code(self) -> ExitCode:
        return _EXIT.get(self.verdict, ExitCode.UNKNOWN)

    def to_dict(self, nested: bool = False) -> dict:
        """The model JSON; ``nested``: inside a doctor report, no schema_version."""
        return versioned({"models": [m.to_dict() for m in self.models], "target": self.target,
                          "device": self.device, "verdict": self.verdict}, nested)
