"""Which physical board answered: its boot id and serial number, to spot one board seen twice.

A lab reaches a board over USB and over TCP, or through two adb servers; adb names it by a
different serial each way (the USB serial, ``HOST:PORT``).  Two facts the board itself keeps:

- ``/proc/sys/kernel/random/boot_id``: a random UUID the kernel draws at every boot
  (Linux Documentation/admin-guide/sysctl/kernel.rst, "random"), the same through any link;
- the serial number adbd and fastboot report: Android's ``ro.serialno`` / ``ro.boot.serialno``
  (from ``androidboot.serialno=`` on the kernel command line), and on Rockchip Linux boards
  ``/proc/device-tree/serial-number``, which U-Boot fills from the serial burnt into vendor
  storage (JeffyCN/meta-rockchip issue 72).  Factories often leave one default serial on
  every board of a batch, so a serial alone does not tell two boards apart: the boot id does.
"""

from __future__ import annotations

import re

from .text import TextIn, _clean, _Key, _Text

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_UUID_KEY = _Key(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CMDLINE = re.compile(r"(?:^|\s)androidboot\.serialno=(?P<serial>\S{1,64})")
_CMDLINE_KEY = _Key(r"androidboot\.serialno=")
# adb serials are printable and have no blanks (AOSP adb transport.cpp); placeholders are no serial
_SERIAL = re.compile(r"^[!-~]{1,64}$")
_NO_SERIAL = ("unknown", "null", "(null)", "n/a", "")
SERIAL_PROPS = ("ro.serialno", "ro.boot.serialno")


def boot_id(text: TextIn) -> str | None:
    """The boot id ``cat /proc/sys/kernel/random/boot_id`` printed (the last one, in lower case)."""
    found = None
    for _start, line in _Text(text).lines(_UUID_KEY):
        word = line.split()[-1].lower() if line.split() else ""
        if _UUID.match(word):
            found = word
    return found


def serial_from_props(props: dict[str, str]) -> tuple[str | None, str | None]:
    """(serial, evidence) from Android properties, ``ro.serialno`` first."""
    for key in SERIAL_PROPS:
        value = _serial(props.get(key))
        if value:
            return value, f"[{key}]: [{props[key]}]"
    return None, None


def serial_from_cmdline(text: TextIn) -> tuple[str | None, str | None]:
    """(serial, evidence) from a kernel command line's ``androidboot.serialno=``."""
    found = None, None
    for _start, line in _Text(text).lines(_CMDLINE_KEY):
        m = _CMDLINE.search(line)
        value = _serial(m.group("serial")) if m else None
        if value:
            found = value, f"androidboot.serialno={value}"
    return found


def serial_from_device_tree(text: TextIn) -> tuple[str | None, str | None]:
    """(serial, evidence) from ``/proc/device-tree/serial-number`` (a NUL-terminated string).

    In a paste, the first word-like line after the ``cat`` of the file (prompts, fences and prose
    before it are skipped)."""
    lines = _Text(text).text.split("\n")
    cat = next((i for i, line in enumerate(lines) if "serial-number" in line), -1)
    for line in lines[cat + 1:]:
        value = _serial(_clean(line))
        if value:
            return value, f"/proc/device-tree/serial-number: {value}"
    return None, None


def _serial(value: str | None) -> str | None:
    value = (value or "").strip()
    if value.lower() in _NO_SERIAL or not _SERIAL.match(value):
        return None
    return value
