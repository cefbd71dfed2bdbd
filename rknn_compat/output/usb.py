"""How the USB access report looks: the devices with their access, the status, reason and remedy."""

from __future__ import annotations

from ..host.usb import UsbReport
from . import formats


def usb_text(report: UsbReport, fmt: str) -> str:
    if fmt == "json":
        return formats.to_json(report.to_dict()) + "\n"
    rows = [{"node": d.node, "id": d.usb_id, "kind": d.kind, "access": "yes" if d.accessible else "no"}
            for d in report.devices]
    out = ""
    if rows:
        out += formats.rows_text(rows, [("node", "device node"), ("id", "usb id"), ("kind", "mode"),
                                        ("access", "read/write")], "table")
    out += f"status: {report.status}\n"
    for line in (report.reason, report.remedy):
        if line:  # rules files and sysfs names are the user's or a device's text
            out += formats.printable(line) + "\n"
    return out
