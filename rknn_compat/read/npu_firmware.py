"""Read the NPU-side files out of an RK3399Pro NPU firmware image, on the host.

On RK3399Pro, rknn_server, librknn_runtime and galcore.ko run on the NPU, inside the
firmware the AP keeps in ``/vendor/etc/npu_fw/boot.img`` (RK3399Pro_npu README:
"update rknn_server by updating the npu firmware").  That image is an Android boot
image whose ramdisk is a compressed cpio archive, so ``strings boot.img`` on the board
shows no version: the probe pulls it (its only pull of a whole file) and this module
unpacks it.  Format facts: AOSP ``bootimg.h`` header v0 (magic ``ANDROID!``, sizes,
page size) and the cpio "newc" format (``070701`` headers, 4-byte alignment).
"""

from __future__ import annotations

import gzip
import re
import struct
import zlib

MAX_RAMDISK = 256 * 1024 * 1024
# A gzip'd ramdisk of binaries shrinks 2-4x; a bomb shrinks 1000x.  Unpacking at most 16x the
# compressed size keeps the cost linear in the image that was pulled (a ramdisk past the ratio is
# read up to it: files beyond are "not found in it", never guessed).
MAX_RATIO = 16
MAX_ENTRIES = 100_000  # a real NPU ramdisk holds a few hundred
MAX_STRING = 4096  # the readers skip longer lines (read.text.MAX_LINE), so strings need not build them
_PRINTABLE = re.compile(rb"[\x20-\x7e]{4,}")
WANTED = ("rknn_server", "librknn_runtime.so", "galcore.ko")


def printable_strings(data) -> str:
    """What ``strings`` prints: runs of 4+ printable ASCII bytes, one a line (runs over 4 KiB left out)."""
    return "\n".join(m.group().decode("ascii") for m in _PRINTABLE.finditer(data)
                     if m.end() - m.start() <= MAX_STRING)


def npu_files(image: bytes) -> dict[str, str]:
    """{basename: strings of the file} for the NPU-side files found in a firmware image.

    Returns {} for anything that is not an Android boot image with a gzip'd newc cpio
    ramdisk (never raises on hostile bytes).  Cost: linear in ``len(image)``, capped.
    """
    ramdisk = _ramdisk(image)
    if ramdisk is None:
        return {}
    out: dict[str, str] = {}
    for name, data in _cpio_files(memoryview(ramdisk)):
        base = name.rsplit("/", 1)[-1]
        if base in WANTED and base not in out:
            out[base] = printable_strings(data)
            if len(out) == len(WANTED):
                break
    return out


def _ramdisk(image: bytes) -> bytes | None:
    if len(image) < 48 or not image.startswith(b"ANDROID!"):
        return None
    kernel_size, _, ramdisk_size, _, _, _, _, page_size = struct.unpack_from("<8I", image, 8)
    if page_size not in (2048, 4096, 8192, 16384) or ramdisk_size == 0:
        return None
    start = page_size + _round_up(kernel_size, page_size)
    blob = image[start:start + ramdisk_size]
    if len(blob) != ramdisk_size:
        return None
    return _gunzip(blob, min(MAX_RAMDISK, MAX_RATIO * len(blob)))


def _gunzip(blob: bytes, cap: int) -> bytes | None:
    """Every gzip member of ``blob`` (cpio tools may write several), at most ``cap`` bytes in all."""
    parts: list[bytes] = []
    size = 0
    rest = blob
    try:
        while rest and size < cap:
            decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
            parts.append(decomp.decompress(rest, cap - size))
            size += len(parts[-1])
            if not decomp.eof:
                break  # cut by the cap, or truncated: keep what was read
            rest = decomp.unused_data.lstrip(b"\0")  # padding between members
    except (zlib.error, gzip.BadGzipFile, EOFError):
        pass
    if not size:
        return None
    return parts[0] if len(parts) == 1 else b"".join(parts)  # one member: no second copy


def _round_up(n: int, page: int) -> int:
    return (n + page - 1) // page * page


_HEADER = re.compile(rb"07070[12]" + rb"([0-9A-Fa-f]{8})" * 13)


def _cpio_files(archive):
    """(name, data) of each regular file of a newc cpio archive; stops at junk.

    Every header field must be exactly 8 hex digits (``int(x, 16)`` alone would take
    "-0000070" and walk backwards forever), each entry must move forward, and at most
    :data:`MAX_ENTRIES` entries are read.  ``data`` is a view into ``archive``, not a copy.
    """
    pos = 0
    for _ in range(MAX_ENTRIES):
        m = _HEADER.match(archive[pos:pos + 110]) if pos + 110 <= len(archive) else None
        if m is None:
            return
        mode, filesize, namesize = int(m.group(2), 16), int(m.group(7), 16), int(m.group(12), 16)
        name_start = pos + 110
        data_start = _round_up(name_start + namesize, 4)
        if namesize == 0 or data_start + filesize > len(archive):
            return
        name = bytes(archive[name_start:name_start + namesize - 1]).decode("utf-8", "replace")
        if name == "TRAILER!!!":
            return
        if mode & 0o170000 == 0o100000:
            yield name, archive[data_start:data_start + filesize]
        pos = _round_up(data_start + filesize, 4)
