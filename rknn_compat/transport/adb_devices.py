"""The adb server's device list (`adb devices -l` / host:devices-l) as rows."""

from __future__ import annotations

import re

from ..read.text import TextIn, _Key, _Text

# --------------------------------------------------------------------------- adb / lsusb

_ADB_STATES = (
    "no permissions",
    "unauthorized",
    "authorizing",
    "connecting",
    "bootloader",
    "recovery",
    "sideload",
    "offline",
    "device",
    "rescue",
    "unknown",
    "host",
)
_ADB_LINE = re.compile(
    r"^(?P<serial>[^\s]{1,128})(?P<sep>\t|\s{1,64})(?P<state>" + "|".join(_ADB_STATES) + r")"
    r"(?P<rest>\s.*)?$"
)
_ADB_KEY = _Key("|".join(_ADB_STATES))
_KV = re.compile(r"^(?P<k>[a-z_]{1,32}):(?P<v>\S{1,256})$")


def adb_devices(text: TextIn) -> list[dict]:
    """Devices listed by ``adb devices`` / ``adb devices -l``.

    Each item: ``serial``, ``state`` (``device``, ``offline``, ``unauthorized``,
    ``no permissions``, ``recovery``...) and the ``-l`` fields (``usb``,
    ``product``, ``model``, ``device``, ``transport_id``...); for ``no
    permissions`` the explanation adb prints is in ``detail``.  The header, the
    ``* daemon ...`` noise and prose are skipped: the serial and the state must be
    separated by a tab, by two or more spaces (a pasted tab), or the serial must
    contain a digit; anything after the state must be ``key:value`` fields.  A
    serial listed twice (pasted twice) is reported once, with its last state.
    """
    out: dict[str, dict] = {}
    anon: list[dict] = []
    for _s, line in _Text(text).lines(_ADB_KEY):
        if not line or line.startswith(("*", "List of devices", "adb ", "error:", "$", "#")):
            continue
        m = _ADB_LINE.match(line)
        if not m:
            continue
        serial, sep, state = m.group("serial"), m.group("sep"), m.group("state")
        if not ("\t" in sep or len(sep) >= 2 or any(ch.isdigit() for ch in serial)):
            continue
        if serial.endswith(":") or serial.lower() in ("list", "the", "device", "devices"):
            continue
        rest = (m.group("rest") or "").strip()
        item: dict = {"serial": serial, "state": state}
        tokens = rest.split()
        if state == "no permissions":
            detail: list[str] = []
            for tok in tokens:
                kv = _KV.match(tok)
                if kv and kv.group("k") not in ("http", "https"):
                    item[kv.group("k")] = kv.group("v")
                else:
                    detail.append(tok)
            if detail:
                item["detail"] = " ".join(detail)
        else:
            kvs = [_KV.match(t) for t in tokens]
            if not all(kvs):
                continue
            for kv in kvs:
                item[kv.group("k")] = kv.group("v")
        if set(serial) == {"?"}:
            anon.append(item)
        else:
            if serial in out:
                out[serial].clear()
                out[serial].update(item)
            else:
                out[serial] = item
    return list(out.values()) + anon
