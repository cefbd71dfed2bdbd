"""How one board's probe report looks in a terminal, or as JSON."""

from __future__ import annotations

from ..results import CONSISTENT, NOT_READY, BoardReport, ToolkitTarget
from ..tables import COMPONENT_LABELS
from . import formats

# the order a reader follows: the driver first, then what runs on top of it
SHOWN_COMPONENTS = ("npu_driver", "rknn_server", "librknn_runtime")


def probe_text(report: BoardReport, fmt: str) -> str:
    if fmt == "json":
        return formats.to_json(report.to_dict()) + "\n"
    dev = report.device
    safe = formats.printable  # every string here may come from the board: no raw control characters
    lines = [safe(f"board {dev.serial}  ({dev.transport}, state {dev.state}"
                  + (f", model {dev.model}" if dev.model else "")
                  + (f", adb server {dev.adb_server}" if dev.adb_server else "") + ")")]
    facts = []
    for key in ("soc", "os"):
        fact = report.platform.get(key)
        if fact is not None:
            facts.append({"what": key.upper() if key == "os" else "SoC", "value": fact.value or "unknown",
                          "from": fact.source or "", "evidence": fact.evidence or fact.reason or ""})
    for key in SHOWN_COMPONENTS:
        fact = report.components.get(key)
        if fact is not None:
            facts.append({"what": label(key, fact), "value": fact.value or "unknown", "from": fact.source or "",
                          "evidence": fact.evidence or fact.reason or ""})
    if facts:
        lines.append(formats.rows_text(facts, [("what", "fact"), ("value", "value"), ("from", "read with"),
                                              ("evidence", "evidence / reason")], "table"))
    for key in SHOWN_COMPONENTS:
        fact = report.components.get(key)
        if fact is not None and fact.extra.get("note"):
            lines.append(safe(f"note: {label(key, fact)}: {fact.extra['note']}"))
    lines += [safe(line) for line in target_lines(report.toolkit)]
    if report.toolkit.matched is not None:
        lines.append(safe(f"board matches {_what(report.toolkit.matched_kind)}: "
                          + (", ".join(report.toolkit.matched) or "none")))
    if report.findings:
        rows = [{"c": f.component, "s": f.status, "e": f.expected or "", "f": f.found or ""}
                for f in report.findings]
        lines.append("")
        lines.append(formats.rows_text(rows, [("c", "component"), ("s", "status"), ("e", "expected"),
                                             ("f", "found")], "table"))
        remedies: dict[str, list[str]] = {}
        for f in report.findings:
            if f.remedy and f.status != "ok":
                remedies.setdefault(f.remedy, []).append(f.component)
        for remedy, comps in remedies.items():
            lines.append(safe(f"- {', '.join(comps)}: {remedy}"))
    usb = report.connection.usb
    if usb and usb.get("status") in ("no_rule", "no_access"):
        lines.append(safe(f"- USB ({usb['status']}): {usb.get('remedy') or usb.get('reason')}"))
    for note in report.notes:
        lines.append(safe(f"note: {note}"))
    if report.error:
        lines.append(safe(f"error: {report.error}"))
    lines.append(safe(f"verdict: {verdict_text(report.verdict, report.toolkit.matched, report.toolkit.matched_kind)}"))
    return "\n".join(lines) + "\n"


def label(key: str, fact) -> str:
    """A component's name; the NPU driver says which one it is (galcore on RKNPU1, rknpu on RKNPU2)."""
    if key == "npu_driver" and fact.driver and fact.driver != "galcore":
        return f"NPU driver ({fact.driver})"
    return COMPONENT_LABELS[key]


def target_lines(tk: ToolkitTarget) -> list[str]:
    """The target toolkit, and without one the line that says how to give it."""
    target = f"{tk.version} ({tk.source})" if tk.version and tk.source and not tk.reason else f"none ({tk.reason})"
    return [f"target toolkit: {target}"] + ([f"- {tk.remedy}"] if tk.remedy else [])


# what toolkit.matched names (results.ToolkitTarget.matched_kind)
_KINDS = {"board": "board release (no toolkit)", "derived": "release newer than the tables (derived)"}


def _what(kind: str | None) -> str:
    return _KINDS.get(kind or "", "toolkit")


def verdict_text(verdict: str, matched: list[str] | None, kind: str | None = None) -> str:
    if verdict == CONSISTENT and matched:
        return f"{verdict} (every component belongs to {_what(kind)} {', '.join(matched)}; no target given)"
    if verdict == NOT_READY:
        return f"{verdict} (the versions fit; something above stops it working)"
    return verdict
