"""Doctor area "usb": the existing udev/USB access check (manual 1.7.2 step 4), as doctor checks."""

from __future__ import annotations

from ..host.usb import check_usb_access
from .context import Context
from .report import OK, PROBLEM, UNKNOWN, Check

_STATUS = {"ok": OK, "no_devices": OK, "no_rule": PROBLEM, "no_access": PROBLEM, "unknown": UNKNOWN}


def usb_area(ctx: Context, check=check_usb_access) -> list[Check]:
    report = check()
    evidence = [f"{d.node or d.sysfs_path}: {d.usb_id} {d.kind or 'unknown mode'}, "
                f"{'read/write' if d.accessible else 'no access'}" for d in report.devices]
    evidence += [f"rule {r.path}:{r.line}" for r in report.rules] + list(report.problems) + list(report.notes)
    return [Check("usb-access", _STATUS.get(report.status, UNKNOWN), "Rockchip USB devices (vendor 2207)",
                  found=f"{report.status}: {report.reason}" if report.reason else report.status,
                  remedy=report.remedy if _STATUS.get(report.status) != OK else None, evidence=evidence,
                  source="ts-1.3.2-cn 1.7.2 step 4", details=report.to_dict(nested=True))]
