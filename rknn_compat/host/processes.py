"""Is npu_transfer_proxy running on this host?  It must not be while a board is used over adb.

TS 1.7.5 section 8.8 (RKNN_ERR_DEVICE_UNAVAILABLE) item 5: "When using the ADB device, the
npu_transfer_proxy process needs to be terminated"; the toolkit starts it in the background for
NTB devices (section 7, inference with board-connected).  Read from ``/proc/*/comm`` (15
characters: ``npu_transfer_pr``); where there is no ``/proc`` the answer is unknown.
"""

from __future__ import annotations

import os
from pathlib import Path

COMM = "npu_transfer_pr"  # /proc/PID/comm keeps 15 characters of "npu_transfer_proxy"
SOURCE = "grep -x npu_transfer_pr /proc/*/comm (this host)"


def transfer_proxy_pids(proc: str | os.PathLike = "/proc") -> tuple[list[int] | None, str | None]:
    """(pids, None), or (None, why it cannot be told)."""
    root = Path(proc)
    try:
        entries = [e for e in os.listdir(root) if e.isdigit()]
    except OSError as exc:
        return None, f"cannot list {root}: {exc.strerror or exc}"
    pids = []
    for pid in entries:
        try:
            comm = (root / pid / "comm").read_text(errors="replace").strip()
        except OSError:  # the process ended, or is not ours to read
            continue
        if comm in (COMM, "npu_transfer_proxy"):
            pids.append(int(pid))
    return sorted(pids), None
