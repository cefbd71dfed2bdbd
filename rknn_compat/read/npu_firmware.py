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
_PRINTABLE = re.compile(rb"[\x20-\x7e]{4,}")
WANTED = ("rknn_server", "librknn_runtime.so", "galcore.ko")


def printable_strings(data: bytes) -> str:
    """What ``strings`` prints: runs of 4+ printable ASCII bytes, one a line."""
    return "\n".join(m.decode("ascii") for m in _PRINTABLE.findall(data))


def npu_files(image: bytes) -> dict[str, str]:
    """{basename: strings of the file} for the NPU-side files found in a firmware image.

    Returns {} for anything that is not an Android boot image with a gzip'd newc cpio
    ramdisk (never raises on hostile bytes).
    """
    ramdisk = _ramdisk(image)
    if ramdisk is None:
        return {}
    out: dict[str, str] = {}
    for name, data in _cpio_files(ramdisk):
        base = name.rsplit("/", 1)[-1]
        if base in WANTED and base not in out:
            out[base] = printable_strings(data)
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
    try:
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = decomp.decompress(blob, MAX_RAMDISK)
    except (zlib.error, gzip.BadGzipFile, EOFError):
        return None
    return data


def _round_up(n: int, page: int) -> int:
    return (n + page - 1) // page * page


_HEX8 = re.compile(rb"[0-9A-Fa-f]{8}")


def _cpio_files(archive: bytes):
    """(name, data) of each regular file of a newc cpio archive; stops at junk.

    Every header field must be exactly 8 hex digits (``int(x, 16)`` alone would take
    "-0000070" and walk backwards forever), and each entry must move forward.
    """
    pos = 0
    while pos + 110 <= len(archive) and archive[pos:pos + 6] in (b"070701", b"070702"):
        raw = [archive[pos + 6 + 8 * i: pos + 14 + 8 * i] for i in range(13)]
        if not all(_HEX8.fullmatch(f) for f in raw):
            return
        fields = [int(f, 16) for f in raw]
        mode, filesize, namesize = fields[1], fields[6], fields[11]
        name_start = pos + 110
        data_start = _round_up(name_start + namesize, 4)
        if namesize == 0 or data_start + filesize > len(archive):
            return
        name = archive[name_start:name_start + namesize - 1].decode("utf-8", "replace")
        if name == "TRAILER!!!":
            return
        if mode & 0o170000 == 0o100000:
            yield name, archive[data_start:data_start + filesize]
        pos = _round_up(data_start + filesize, 4)
