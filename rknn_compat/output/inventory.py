"""How an inventory of many boards looks: a table with a summary line, CSV, JSON Lines or JSON."""

from __future__ import annotations

from ..results import BoardReport, InventoryReport
from . import formats
from .probe import SHOWN_COMPONENTS

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
    bad = [f.component for f in b.findings if f.status == "mismatch"]
    if bad and not row["error"]:
        row["error"] = "mismatch: " + ", ".join(bad)
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
    target = inv.toolkit.version
    down = "".join(f"{x['error']}\n" for x in inv.servers if x.get("error"))
    return (text + down + f"\n{s['boards']} board(s): {s['compatible']} compatible, {s['incompatible']} incompatible, "
            f"{s['unknown']} unknown" + (f" (toolkit {target})" if target else "")
            + f" in {s['seconds']:.1f} s\n")
