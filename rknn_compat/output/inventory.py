"""How an inventory of many boards looks: a table with a summary line, CSV, JSON Lines or JSON."""

from __future__ import annotations

from ..results import (
    COMPATIBLE,
    CONSISTENT,
    INCOMPATIBLE,
    MISMATCH,
    NOT_READY,
    UNKNOWN,
    BoardReport,
    InventoryReport,
)
from . import formats
from .probe import SHOWN_COMPONENTS, target_lines

SUMMARY_ORDER = (COMPATIBLE, CONSISTENT, NOT_READY, INCOMPATIBLE, UNKNOWN)
ALWAYS_COUNTED = (INCOMPATIBLE, UNKNOWN)  # the other counts show only when not zero

INVENTORY_COLUMNS = [
    ("serial", "serial"), ("adb_server", "adb server"), ("model", "model"), ("soc", "SoC"), ("os", "OS"),
    ("npu_driver", "NPU driver"), ("rknn_server", "rknn_server"), ("librknn_runtime", "runtime"),
    ("matched", "matches toolkit"), ("verdict", "verdict"), ("error", "error"),
]


def inventory_row(b: BoardReport) -> dict:
    """The flat row of one board (table, CSV); JSON carries the full report instead."""
    row = {"serial": b.device.serial, "adb_server": b.device.adb_server, "model": b.device.model,
           "state": b.device.state, "verdict": b.verdict, "error": b.error or ""}
    for key in ("soc", "os"):
        fact = b.platform.get(key)
        row[key] = fact.value if fact and fact.value else ""
    for key in SHOWN_COMPONENTS:
        fact = b.components.get(key)
        row[key] = fact.value if fact and fact.value else ("?" if b.components else "")
    row["matched"] = ", ".join(b.toolkit.matched or [])
    for status in (MISMATCH, NOT_READY):
        bad = [f.component for f in b.findings if f.status == status]
        if bad and not row["error"]:
            row["error"] = f"{status.replace('_', ' ')}: " + ", ".join(bad)
    return row


def inventory_text(inv: InventoryReport, fmt: str) -> str:
    if fmt == "json":
        return formats.to_json(inv.to_dict()) + "\n"
    if fmt == "jsonl":
        return formats.to_jsonl([b.to_dict() for b in inv.boards])
    if fmt == "junit":
        from .junit import inventory_junit

        return inventory_junit(inv)
    rows = [inventory_row(b) for b in inv.boards]
    text = formats.rows_text(rows, INVENTORY_COLUMNS, "csv" if fmt == "csv" else "table")
    if fmt == "csv":
        return text
    s = inv.summary()
    lines = [text + "".join(f"{x['error']}\n" for x in inv.servers if x.get("error"))]
    if not inv.rack.judged:
        lines.append(f"target toolkit: {inv.toolkit.version} ({inv.toolkit.source})")
    else:
        lines += target_lines(inv.toolkit)
        if inv.rack.finding:
            lines.append(f"rack: {inv.rack.finding}" + (f" - {inv.rack.remedy}" if inv.rack.remedy else ""))
        elif inv.rack.common:
            lines.append(f"rack: every judged board belongs to toolkit {', '.join(inv.rack.common)}")
    counts = ", ".join(f"{s[v]} {v.replace('_', ' ')}" for v in SUMMARY_ORDER if s[v] or v in ALWAYS_COUNTED)
    lines.append(f"{s['boards']} board(s): {counts} in {s['seconds']:.1f} s; verdict: {s['verdict']}")
    return "\n".join(lines) + "\n"
