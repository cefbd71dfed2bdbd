"""The board's NPU software as bytes: ELF-looking binaries carrying the version strings the real
files carry, the RK3399Pro NPU firmware image, and which of them a profile puts where.

Where the strings come from: ``strings`` run on the rknn_server, librknn_runtime.so and
galcore.ko binaries that Rockchip publishes for every rknpu release (repository
rockchip-linux/rknpu, ``drivers/linux-aarch64/`` and ``drivers/npu_ko/``, HEAD e0cb42b6 for
1.7.5), and the file locations of those drivers' install scripts.  A binary here is an aarch64
ELF header and seeded random filler with the strings embedded, so ``strings`` finds exactly
what it finds in the real file, and a profile always gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rknn_compat.sim.profile import Profile

_NONPRINT = bytes((b | 0x80) if 0x20 <= b < 0x7F or b == 9 else b for b in range(256))


def elf_blob(strings: list[str], size: int, seed: str, e_type: int = 3) -> bytes:
    """An aarch64 ELF header, then random bytes with each string embedded NUL-terminated.

    Random filler is drawn from a seeded generator so a profile always gives the same bytes.
    Filler bytes are kept out of the printable range next to the strings so ``strings`` shows
    each embedded string exactly as given.
    """
    rnd = random.Random(hashlib.sha256(seed.encode()).digest())
    # ELF64 little-endian header: e_ident, e_type, e_machine=183 (AArch64), e_version, ...
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", e_type, 183, 1, 0x1000 if e_type != 1 else 0, 64, 0, 0, 64, 56, 9, 64,
        28, 27,
    )
    header += bytes(64 - len(header))
    payload = b"".join(b"\0" + s.encode("utf-8", "surrogateescape") + b"\0" for s in strings)
    filler_len = max(size - len(header) - len(payload), 1024)
    # random filler with every printable byte moved to the high half, so ``strings`` shows
    # exactly the embedded strings (as the real files show theirs)
    raw = rnd.randbytes(filler_len).translate(_NONPRINT)
    # spread the strings: cut the filler into pieces, a string block after each
    pieces = len(strings) + 1
    cuts = sorted(rnd.randrange(0, filler_len) for _ in range(pieces - 1))
    out = bytearray(header)
    prev = 0
    for i, cut in enumerate(cuts):
        out += raw[prev:cut]
        out += b"\0" + strings[i].encode("utf-8", "surrogateescape") + b"\0"
        prev = cut
    out += raw[prev:]
    return bytes(out)


ELF_SECTIONS = [
    ".shstrtab", ".interp", ".note.ABI-tag", ".gnu.hash", ".dynsym", ".dynstr", ".gnu.version",
    ".gnu.version_r", ".rela.dyn", ".rela.plt", ".init", ".plt", ".text", ".fini", ".rodata",
    ".eh_frame_hdr", ".eh_frame", ".init_array", ".fini_array", ".dynamic", ".got", ".got.plt",
    ".data", ".bss", ".comment",
]


def rknn_server_strings(version: str, transfer: str | None) -> list[str]:
    # as in the rknpu binaries: `strings rknn_server | grep build` gives exactly the version
    # line and `.note.gnu.build-id`; the other strings here are the real file's too.
    s = [
        "/lib/ld-linux-aarch64.so.1", "libpthread.so.0", "librknn_runtime.so", "libstdc++.so.6",
        "libc.so.6", "GLIBC_2.17", "start rknn server, version:%s", version,
        "%ld NNService %s(%d): Invalid header version, except %d, got %d",
        "NNPluginManager loadPlugins(%d): No plugin find!", "RKNN_SERVER_PLUGINS",
        "/usr/lib/npu/rknn/plugins/", "GCC: (GNU) 6.3.1 20170109",
    ]
    if transfer:
        s.append(transfer)
    return s + ELF_SECTIONS[:3] + [".note.gnu.build-id"] + ELF_SECTIONS[3:]


def runtime_strings(version: str) -> list[str]:
    # `strings librknn_runtime.so | grep version` gives 12 lines for rknpu 1.7.5; `grep build`
    # also finds printf formats (as on a ZLG M1808 core board: csy9730/zalaiConvert,
    # doc/rknn/base/rknn_query.md)
    return [
        "libOpenVX.so.1", "libGAL.so", "libVSC.so", "libArchModelSw.so", "libNNArchPerf.so",
        version, "rknn_init", "rknn_query", "rknn_get_sdk_version", "pre_compile_version",
        "optimization_level_version", "op_version", "W [%s:%d]Unsupported evis version",
        "I [%s:%d]custom op version: %d",
        "E [%s:%d]unsupport kernel size:%d/dilation:%d/evis version:%d",
        "E [%s:%d] rknn_query,  info_len(%d) != sizeof(rknn_sdk_version)(%d)!",
        "E [%s:%d]build tensor io fail",
        "W [%s:%d]tensor ref input num > max_io %u, stop build",
        "W [%s:%d]tensor ref output num > max_io %u, stop build",
        "//int8 version", "HAL user version %s", "HAL kernel version %s",
        ".shstrtab", ".gnu.hash", ".dynsym", ".dynstr", ".gnu.version", ".gnu.version_r",
        ".rela.dyn", ".text", ".rodata", ".data", ".bss",
    ]


def galcore_strings(npu: dict) -> list[str]:
    # as in the rknpu galcore.ko: $VERSION$ tag, version string, printk formats, and a .modinfo
    # without a version= field (so there is no /sys/module/galcore/version).
    fmt = npu.get("galcore_format", "Galcore version %s")
    s = [
        npu.get("galcore_tag", ""), npu.get("galcore_string", ""), fmt,
        "galcore: start npu probe.", "galcore: npu init.", "galcore: Soc platform init failed.",
        "galcore: gpu_init() failed to register driver!", "[galcore warning]: power saveing is disabled.",
        "license=Dual MIT/GPL", "description=Rockchip NPU Driver",
        "parm=contiguousSize:Size of memory reserved for NPU", "parmtype=contiguousSize:ulong",
        "parmtype=DDRBitWidth:int",
        "vermagic=" + npu.get("galcore_vermagic", "4.4.194 SMP preempt mod_unload aarch64"),
        "name=galcore", "depends=", ".modinfo", "__versions", ".gnu.linkonce.this_module",
        ".note.gnu.build-id", ".symtab", ".strtab",
    ]
    return [x for x in s if x]


def api_strings(version: str | None, transfer: str | None) -> list[str]:
    s = ["rknn_init", "rknn_query", "rknn_get_sdk_version"]
    if version:
        s.append(version)
    if transfer:
        s.append(transfer)
    return s + [".gnu.version", ".gnu.version_r", ".dynsym", ".text"]


def cpio_newc(entries: list[tuple[str, bytes, int]]) -> bytes:
    out = bytearray()
    ino = 300000
    for name, data, mode in entries + [("TRAILER!!!", b"", 0)]:
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join(
            f"{v:08X}"
            for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nm), 0)
        )
        out += hdr.encode() + nm
        out += bytes((-len(out)) % 4)
        out += data
        out += bytes((-len(out)) % 4)
        ino += 1
    return bytes(out)


def npu_firmware_boot_img(npu: dict, seed: str) -> bytes:
    """RK3399Pro NPU firmware ``boot.img``: an Android boot image (header v0) whose ramdisk is a
    gzip'd cpio holding the NPU-side rknn_server, librknn_runtime.so and galcore.ko.

    As on hardware the ramdisk is compressed, so ``strings boot.img`` does not show the
    versions; unpack it (``adb pull``, skip the header, gunzip, cpio -i) to read them.
    """
    rnd = random.Random(seed)
    files = []
    if npu.get("rknn_server"):
        files.append(("usr/bin/rknn_server", elf_blob(
            rknn_server_strings(npu["rknn_server"], npu.get("transfer")), 60_000, seed + "srv", 3),
            0o100755))
    if npu.get("runtime"):
        files.append(("usr/lib/librknn_runtime.so", elf_blob(
            runtime_strings(npu["runtime"]), 120_000, seed + "rt"), 0o100644))
    if npu.get("galcore_tag") or npu.get("galcore_string"):
        files.append(("lib/modules/galcore.ko", elf_blob(
            galcore_strings(npu), 50_000, seed + "ko", 1), 0o100644))
    ramdisk = gzip.compress(cpio_newc(files), mtime=0)
    kernel = rnd.randbytes(80_000)
    page = 2048
    hdr = b"ANDROID!" + struct.pack(
        "<10I", len(kernel), 0x10008000, len(ramdisk), 0x11000000, 0, 0x10F00000, 0x10000100,
        page, 0, 0,
    )
    hdr += b"rk3399pro-npu".ljust(16, b"\0")
    hdr += b"console=ttyS1,1500000 androidboot.console=ttyS1".ljust(512, b"\0")
    hdr += hashlib.sha1(kernel + ramdisk).digest().ljust(32, b"\0")
    hdr += bytes(1024)

    def pad(b: bytes) -> bytes:
        return b + bytes((-len(b)) % page)

    return pad(hdr) + pad(kernel) + pad(ramdisk)



def npu_files(profile: Profile) -> list[tuple[str, bytes, int]]:
    """The NPU software files of ``profile``'s board, as ``(path, bytes, mode)`` to write."""
    npu = profile.npu
    if not npu:
        return []
    out: list[tuple[str, bytes, int]] = []
    seed = profile.name.split("+")[0]
    if npu["layout"] == "linux":
        if npu.get("rknn_server"):
            out.append((npu.get("rknn_server_path", "/usr/bin/rknn_server"), elf_blob(
                rknn_server_strings(npu["rknn_server"], npu.get("transfer")), 283_000,
                seed + "rknn_server", 3), 0o755))
            for s in ("start_rknn.sh", "restart_rknn.sh"):
                out.append((f"/usr/bin/{s}", b"#!/bin/sh\n\nrknn_server &\n", 0o755))
        if npu.get("runtime") and not profile.faults.no_runtime:
            out.append((npu.get("runtime_path", "/usr/lib/librknn_runtime.so"), elf_blob(
                runtime_strings(npu["runtime"]), 1_500_000, seed + "runtime"), 0o755))
            for lib in ("libOpenVX.so.1.2", "libGAL.so", "libVSC.so", "libNNArchPerf.so",
                        "libArchModelSw.so"):
                out.append((f"/usr/lib/{lib}", elf_blob([lib, ".gnu.version"], 40_000,
                                                        seed + lib), 0o755))
        if npu.get("api"):
            out.append((npu.get("api_path", "/usr/lib/librknn_api.so"), elf_blob(
                api_strings(npu["api"], npu.get("transfer")), 60_000, seed + "api"), 0o755))
        if npu.get("galcore_tag") or npu.get("galcore_string"):
            out.append((npu.get("galcore_path", "/lib/modules/galcore.ko"), elf_blob(
                galcore_strings(npu), 420_000, seed + "galcore", 1), 0o644))
    else:  # android-rk3399pro: NPU-side software lives in the NPU firmware image
        fw = npu.get("firmware_dir", "/vendor/etc/npu_fw")
        out.append((f"{fw}/boot.img", npu_firmware_boot_img(npu, seed), 0o644))
        for n, size in (("MiniLoaderAll.bin", 280_000), ("trust.img", 200_000),
                        ("uboot.img", 300_000)):
            out.append((f"{fw}/{n}", random.Random(seed + n).randbytes(size), 0o644))
        api = npu.get("api_path", "/vendor/lib64/librknn_api.so")
        if not profile.faults.no_runtime:
            out.append((api, elf_blob(api_strings(npu.get("api"), npu.get("transfer")), 90_000,
                                      seed + "api"), 0o644))
            out.append((api.replace("lib64", "lib"), elf_blob(
                api_strings(npu.get("api"), npu.get("transfer")), 70_000, seed + "api32"), 0o644))
        out.append(("/vendor/bin/npu_transfer_proxy", elf_blob(
            [npu.get("transfer") or "Transfer version 2.1.0 (b5861e7@2020-11-23T11:50:51)",
             "Starting NPU Transfer Proxy", ".note.gnu.build-id"], 150_000, seed + "proxy", 3),
            0o755))
    return out


def debugfs_mounted(profile: Profile) -> bool:
    return profile.npu.get("debugfs", "mounted") == "mounted"


def loaded_driver_nodes(profile: Profile) -> list[tuple[str, bytes, int]]:
    """The loaded NPU driver's own version node, as the real modules create it.

    galcore 6.4.0/6.4.3 (``galcore_node = "debugfs"``): ``/sys/kernel/debug/gc/version`` in
    Vivante's "%s built at %s" + "Platform path: %s" format; galcore 6.4.6 (``"sysfs"``): the
    attribute ``version`` of its platform device, "%s" alone (rockchip-linux/rknpu galcore.ko
    binaries, HEAD e0cb42b6).  ``galcore_running`` is the version of the loaded module (default
    ``galcore_string``, the file on disk).  RKNPU2 (``rknpu_version``): "RKNPU driver: vX.Y.Z" in
    debugfs and/or procfs ``rknpu/version`` (khadas/linux drivers/rknpu/rknpu_debugger.c @
    3000f265).  Nothing appears under an unmounted debugfs.
    """
    npu = profile.npu
    debugfs = debugfs_mounted(profile)
    running = npu.get("galcore_running") or npu.get("galcore_string")
    node = npu.get("galcore_node", "none")
    out = []
    if npu.get("galcore_loaded") and running and node == "debugfs" and debugfs:
        out.append(("/sys/kernel/debug/gc/version", f"{running} built at rk-build-host\nPlatform path: "
                    "hal/os/linux/kernel/platform/rk/gc_hal_kernel_platform_1808.c\n".encode(), 0o444))
    elif npu.get("galcore_loaded") and running and node == "sysfs":
        out.append(("/sys/devices/platform/ffbc0000.npu/version", f"{running}\n".encode(), 0o444))
    version = npu.get("rknpu_version")
    where = npu.get("rknpu_node", "debugfs")
    text = f"RKNPU driver: v{version}\n".encode()
    if version and where in ("debugfs", "both") and debugfs:
        out.append(("/sys/kernel/debug/rknpu/version", text, 0o444))
    if version and where in ("procfs", "both"):
        out.append(("/proc/rknpu/version", text, 0o444))
    return out
