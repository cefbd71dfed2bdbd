"""The board's kernel log (what ``dmesg`` prints), with the faults that damage it.

The profile's ``[kernel] dmesg`` is the log.  ``dmesg_rotated``: the ring buffer wrapped, so
the boot messages and every NPU driver line (galcore, rknpu) are gone.  ``garbage``: non-UTF-8 bytes, escape
sequences and a broken timestamp mixed in.  ``huge_dmesg``: padded to about 10 MiB.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rknn_compat.sim.profile import Profile


def _noise_lines(start: float, n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    msgs = [
        "dwc3 fe800000.dwc3: device reset",
        "android_work: sent uevent USB_STATE=CONFIGURED",
        "rk_gmac-dwmac ffc40000.ethernet eth0: Link is Up - 100Mbps/Full - flow control rx/tx",
        "audit: type=1400 audit(%d.%03d:%d): avc:  denied  { read } for  pid=%d comm=\"sh\"",
        "usb 1-1: new high-speed USB device number %d using ehci-platform",
        "healthd: battery l=100 v=5000 t=25.0 h=2 st=2 chg=u",
        "lowmemorykiller: lowmem_shrink: convert oom_adj to oom_score_adj:",
        "vendor storage:20190527 ret = 0",
        "rockchip-dmc dmc: could not find power_model node",
    ]
    out = []
    t = start
    for i in range(n):
        t += rnd.random() * 0.05
        m = msgs[i % len(msgs)]
        if "%" in m:
            m = m.replace("%d", str(rnd.randrange(1, 9999))).replace("%03d", "000")
        out.append(f"[{t:12.6f}] {m}")
    return out


def kernel_log(profile: Profile) -> bytes:
    text = profile.dmesg
    lines = text.splitlines()
    f = profile.faults
    if f.dmesg_rotated:
        # the ring buffer wrapped: boot messages (and every NPU driver line) are gone
        last = _last_time(lines) or 10.0
        lines = [ln for ln in lines if "galcore" not in ln.lower() and "rknpu" not in ln.lower()]
        lines = lines[-3:] + _noise_lines(last + 3000.0, 4000, 7)
    out = ("\n".join(lines) + "\n").encode()
    if f.garbage:
        junk = (
            b"[    0.000000] \xff\xfe\x80 earlycon: uart8250 at MMIO32 0xff550000 \x1b[1;31m\xc3(\x00\n"
            b"\x00\x00\x00\x00[    1.00\xb7\xe1] \xe4\xb8\xad\xe6\x96 DDR \xa0\xa1 V1.12 \r\n"
        )
        mid = out.find(b"\n", len(out) // 2) + 1
        out = junk + out[:mid] + b"\x1b[0m\xfe\xfe\xfd garbled line \x07\x08\n" + out[mid:]
    if f.huge_dmesg:
        target = 10 * 1024 * 1024
        last = _last_time(lines) or 20.0
        filler = "\n".join(_noise_lines(last, 2000, 11)).encode() + b"\n"
        chunks = [out]
        size = len(out)
        while size < target:
            chunks.append(filler)
            size += len(filler)
        out = b"".join(chunks)[: target + len(out)]
        cut = out.rfind(b"\n") + 1
        out = out[:cut]
    return out


def _last_time(lines: list[str]) -> float | None:
    for ln in reversed(lines):
        m = re.match(r"\s*\[\s*(\d+\.\d+)\]", ln)
        if m:
            return float(m.group(1))
    return None
