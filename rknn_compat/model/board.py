"""The board facts a model is judged against, taken from the probe (``--device``, or ``fixture:FILE``).

The probe reads the board once (rknn_compat.board_probe); this keeps what a model needs: the SoC
and its NPU generation, the runtime library and its version, rknn_server (present or not, and its
version, which RKNN Toolkit 1 calls the driver), each with the reason when it is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..judge import _version  # the probe's own reading of a fact's version (one rule for both)
from ..results import BoardReport, Fact, ToolkitTarget
from ..versions import Version


@dataclass
class BoardFacts:
    serial: str | None = None
    soc: str | None = None
    generation: str | None = None  # rknpu1 / rknpu2
    runtime: Version | None = None
    runtime_library: str | None = None  # librknn_runtime (RKNPU1), librknnrt, librknnmrt
    rknn_server: Version | None = None
    rknn_server_installed: bool | None = None
    reasons: dict[str, str] = field(default_factory=dict)  # fact -> why unknown
    error: str | None = None

    def to_dict(self) -> dict:
        return {"serial": self.serial, "soc": self.soc, "generation": self.generation,
                "runtime": str(self.runtime) if self.runtime else None, "runtime_library": self.runtime_library,
                "rknn_server": str(self.rknn_server) if self.rknn_server else None,
                "rknn_server_installed": self.rknn_server_installed, "unknown_facts": self.reasons,
                "error": self.error}


def read_board(device: str, matrices=None) -> BoardFacts:
    """Probe ``device`` (no target toolkit: the models are the target) and keep the model's facts."""
    from .. import tables
    from ..board_probe import probe

    report = probe(device=device, matrices=matrices, usb=False,
                   resolved=(None, ToolkitTarget(reason="judged by rknn-compat model")))
    return from_report(report, tables.load(matrices))


def from_report(report: BoardReport, matrix) -> BoardFacts:
    from .. import judge

    out = BoardFacts(serial=report.device.serial, error=report.error)
    soc = report.platform.get("soc", Fact())
    out.soc = soc.value
    if soc.value is None:
        out.reasons["soc"] = soc.reason or report.error or "not read"
    out.generation = judge.board_generation(matrix, report.platform, report.components)
    if out.generation is None:
        out.reasons["generation"] = "neither the SoC nor the NPU driver names the NPU generation"
    runtime = report.components.get("librknn_runtime", Fact())
    out.runtime = _version(runtime)
    library = runtime.extra.get("library") or (runtime.path or "").rsplit("/", 1)[-1].replace(".so", "") or None
    out.runtime_library = library if runtime.value else None
    if out.runtime is None:
        out.reasons["runtime"] = runtime.reason or report.error or "not read"
    server = report.components.get("rknn_server", Fact())
    out.rknn_server = _version(server)
    out.rknn_server_installed = server.installed if server.installed is not None else (
        True if server.value else None)
    if out.rknn_server is None:
        out.reasons["rknn_server"] = server.reason or report.error or "not read"
    return out

