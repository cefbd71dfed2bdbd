"""``explain --device S``: the live board's facts beside what the log says.

The board is read by :func:`rknn_compat.board_probe.probe` (one read-only shell round trip); its
report goes into ``ExplainReport.board``. A component the log and the board both show with
different versions gets a note (the log is from before an update, or from another board); the
probe's mismatches with the target toolkit become diagnoses of kind ``board``.
"""

from __future__ import annotations

from ..results import MISMATCH
from ..tables import COMPONENT_LABELS
from .judgement import last
from .report import Diagnosis, LogFact

_LOG_NAMES = {"rknn_server": ("rknn_server",), "librknn_runtime": ("librknnrt", "librknnmrt", "librknn_runtime"),
              "npu_driver": ("npu_driver",)}


def add_board(device: str, info: dict, facts: list[LogFact], matrices, notes: list[str],
              diagnoses: list[Diagnosis]) -> dict:
    from ..board_probe import probe

    tk = info.get("version") if "release" in info else None
    gen = info.get("generation")
    report = probe(device=device, toolkit=tk if gen == "rknpu1" else None,
                   toolkit2=tk if gen == "rknpu2" else None, matrices=matrices, usb=False)
    if report.error:
        notes.append(f"board {device}: {report.error}")
    for comp, names in _LOG_NAMES.items():
        board, logged = report.components.get(comp), last(facts, *names)
        if board is None or board.version is None or logged is None or logged.version is None:
            continue
        if not board.version.matches(logged.version):
            notes.append(f"the log's {logged.component} {logged.value} ({logged.line.source}:{logged.line.number}) "
                         f"is not the board's {COMPONENT_LABELS[comp]} {board.value} now: the log is from before "
                         "an update, or from another board")
    for finding in report.findings:
        if finding.status == MISMATCH:
            label = COMPONENT_LABELS.get(finding.component, finding.component)
            diagnoses.append(Diagnosis(
                f"board.{finding.component}", "board", f"board {report.device.serial}: {label} does not fit",
                f"The live board's {label} is {finding.found}; expected {finding.expected}.",
                f"{label} {finding.found} on the board is not what {info.get('product', 'the toolkit')} "
                f"{info.get('version', '')} works with.".replace("  ", " "), finding.remedy or "", [],
                {"id": "probe", "section": f"rknn-compat probe --device {device}", "threads": []},
                facts={"found": [finding.found or ""], "expected": [finding.expected or ""]}))
    return report.to_dict(nested=True)
