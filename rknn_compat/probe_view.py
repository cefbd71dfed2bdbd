"""How a probe report and an inventory look in a terminal, CSV or JSON Lines."""

from __future__ import annotations

from . import render
from .check import LABEL
from .report import BoardReport, InventoryReport

COMPONENT_LABELS = tuple((key, LABEL[key]) for key in ("npu_driver", "rknn_server", "librknn_runtime"))


def probe_text(report: BoardReport, fmt: str) -> str:
    if fmt == "json":
        return render.to_json(report.to_dict()) + "\n"
    dev = report.device
    lines = [f"board {dev.get('serial')}  ({dev.get('transport')}, state {dev.get('state')}"
             + (f", model {dev['model']}" if dev.get("model") else "") + ")"]
    facts = []
    for key in ("soc", "os"):
        fact = report.platform.get(key)
        if fact is not None:
            facts.append({"what": key.upper() if key == "os" else "SoC", "value": fact.value or "unknown",
                          "from": fact.source or "", "evidence": fact.evidence or fact.reason or ""})
    for key, label in COMPONENT_LABELS:
        fact = report.components.get(key)
        if fact is not None:
            facts.append({"what": label, "value": fact.value or "unknown", "from": fact.source or "",
                          "evidence": fact.evidence or fact.reason or ""})
    if facts:
        lines.append(render.rows_text(facts, [("what", "fact"), ("value", "value"), ("from", "read with"),
                                              ("evidence", "evidence / reason")], "table"))
    tk = report.toolkit
    target = (f"{tk['version']} ({tk.get('source')})" if tk.get("version") else
              f"none ({tk.get('reason')})")
    lines.append(f"target toolkit: {target}")
    if tk.get("matched") is not None:
        lines.append("board matches toolkit: " + (", ".join(tk["matched"]) or "none"))
    if report.findings:
        rows = [{"c": f.component, "s": f.status, "e": f.expected or "", "f": f.found or ""}
                for f in report.findings]
        lines.append("")
        lines.append(render.rows_text(rows, [("c", "component"), ("s", "status"), ("e", "expected"),
                                             ("f", "found")], "table"))
        remedies: dict[str, list[str]] = {}
        for f in report.findings:
            if f.remedy and f.status != "ok":
                remedies.setdefault(f.remedy, []).append(f.component)
        for remedy, comps in remedies.items():
            lines.append(f"- {', '.join(comps)}: {remedy}")
    usb = report.connection.get("usb")
    if usb and usb.get("status") in ("no_rule", "no_access"):
        lines.append(f"- USB ({usb['status']}): {usb.get('remedy') or usb.get('reason')}")
    for note in report.notes:
        lines.append(f"note: {note}")
    if report.error:
        lines.append(f"error: {report.error}")
    lines.append(f"verdict: {report.verdict}")
    return "\n".join(lines) + "\n"


INVENTORY_COLUMNS = [
    ("serial", "serial"), ("model", "model"), ("soc", "SoC"), ("os", "OS"),
    ("npu_driver", "NPU driver"), ("rknn_server", "rknn_server"), ("librknn_runtime", "runtime"),
    ("matched", "matches toolkit"), ("verdict", "verdict"), ("error", "error"),
]


def inventory_row(b: BoardReport) -> dict:
    """The flat row of one board (table, CSV); JSON carries the full report instead."""
    row = {"serial": b.device.get("serial"), "model": b.device.get("model"),
           "state": b.device.get("state"), "verdict": b.verdict, "error": b.error or ""}
    for key in ("soc", "os"):
        fact = b.platform.get(key)
        row[key] = fact.value if fact and fact.value else ""
    for key, _ in COMPONENT_LABELS:
        fact = b.components.get(key)
        row[key] = fact.value if fact and fact.value else ("?" if b.components else "")
    row["matched"] = ", ".join(b.toolkit.get("matched") or [])
    bad = [f.component for f in b.findings if f.status == "mismatch"]
    if bad and not row["error"]:
        row["error"] = "mismatch: " + ", ".join(bad)
    return row


def inventory_text(inv: InventoryReport, fmt: str) -> str:
    if fmt == "json":
        return render.to_json(inv.to_dict()) + "\n"
    if fmt == "jsonl":
        return render.to_jsonl([b.to_dict() for b in inv.boards])
    rows = [inventory_row(b) for b in inv.boards]
    text = render.rows_text(rows, INVENTORY_COLUMNS, "csv" if fmt == "csv" else "table")
    if fmt == "csv":
        return text
    s = inv.summary()
    target = inv.toolkit.get("version")
    return (text + f"\n{s['boards']} board(s): {s['compatible']} compatible, {s['incompatible']} incompatible, "
            f"{s['unknown']} unknown" + (f" (toolkit {target})" if target else "")
            + f" in {s['seconds']:.1f} s\n")
