"""Build a simulated board's root filesystem from its profile, and run commands inside it.

Layout and isolation (see also ``README`` in this package's docstring):

* Linux boards get Debian's static ``/bin/busybox`` with one symlink per applet (paths from
  ``busybox --list-full``).  Android boards get Debian's ``dash`` as ``/system/bin/sh`` (toybox
  0.8.9 has no ``sh``; busybox ash would shadow the toybox tools with its own applets) and
  Debian's ``toybox`` for every other tool, each with the shared libraries ``ldd`` names.
* ``/proc`` and ``/sys`` are plain directories written from the profile; the host's are never
  visible.  Tools that have no file to read are small shell scripts: ``dmesg`` (prints
  ``/.sim/kmsg``), ``getprop`` (reads ``/.sim/properties``), ``uname`` and ``hostname`` (the
  real ones ask the host kernel).
* Binaries (rknn_server, librknn_runtime.so, galcore.ko, librknn_api.so) are ELF-looking blobs
  carrying the strings the real files carry (rknn-version-facts.md §1.2 and §5.2).
* Commands run as ``/bin/sh -c CMD`` under ``chroot`` (as root) or ``unshare -r chroot``
  (otherwise), with a minimal environment.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import re
import shlex
import shutil
import stat
import struct
import subprocess
import tempfile
from pathlib import Path

from rknn_compat.sim.profile import Profile

BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
TOYBOX_CANDIDATES = ("/usr/bin/toybox", "/bin/toybox")
DASH_CANDIDATES = ("/bin/dash", "/usr/bin/dash")

LINUX_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
ANDROID_PATH = "/product/bin:/system/bin:/system/xbin:/odm/bin:/vendor/bin:/vendor/xbin"

# the simulator's own control files inside the rootfs
SIM_DIR = "/.sim"
DROP_MARKER = "/.sim/drop"


class SimSetupError(RuntimeError):
    """The host lacks something the simulator needs (busybox, toybox, chroot rights)."""


def find_tool(candidates: tuple[str, ...]) -> str | None:
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return shutil.which(os.path.basename(candidates[0]))


# ---------------------------------------------------------------------------------------------
# ELF-looking blobs


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
    # rknn-version-facts.md §5.2: `strings rknn_server | grep build` gives exactly the version
    # line and `.note.gnu.build-id`; other strings listed there are embedded too.
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
    # rknn-version-facts.md §5.2 (12 `grep version` lines for 1.7.5) and RO-031 (`grep build`)
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
    # rknn-version-facts.md §5.1: $VERSION$ tag, version string, printk formats, .modinfo without
    # a version= field (so no /sys/module/galcore/version).
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


def _cpio_newc(entries: list[tuple[str, bytes, int]]) -> bytes:
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
    ramdisk = gzip.compress(_cpio_newc(files), mtime=0)
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


# ---------------------------------------------------------------------------------------------
# kernel log transforms for faults


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
        # the ring buffer wrapped: boot messages (and every galcore line) are gone
        last = _last_time(lines) or 10.0
        lines = [ln for ln in lines if "galcore" not in ln.lower()]
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


# ---------------------------------------------------------------------------------------------
# the rootfs itself


def _write(root: Path, path: str, data: bytes | str, mode: int = 0o644) -> None:
    p = root / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.is_symlink() or p.exists():
        p.unlink()
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    p.write_bytes(data)
    os.chmod(p, mode)


def _symlink(root: Path, path: str, target: str) -> None:
    p = root / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.is_symlink() or p.exists():
        p.unlink()
    os.symlink(target, p)


def _copy_bin(src: str, root: Path, dest: str) -> None:
    p = root / dest.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, p)
    os.chmod(p, 0o755)


def _ldd_libs(binary: str) -> list[str]:
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"(/\S+)\s+\(0x", line)
        if m:
            libs.append(m.group(1))
    return libs


def _proc_stat(p, starttime: int) -> str:
    comm = p.name[:15]
    vsize = 0 if not p.cmdline else 12_345_678 + p.pid * 4096
    rss = 0 if not p.cmdline else 300 + p.pid % 500
    fields = [
        str(p.pid), f"({comm})", p.state, str(p.ppid), str(p.pid), str(p.pid), "0", "-1",
        "4194560" if p.cmdline else "2129984", "120", "0", "0", "0",
        str(p.pid % 97), str(p.pid % 31), "0", "0", "20", "0", "1", "0", str(starttime),
        str(vsize), str(rss), "18446744073709551615", "4194304", "4817108", "548682072496",
        "0", "0", "0", "0", "0", "0", "0", "0", "0", "17", str(p.pid % 4), "0", "0", "0", "0",
        "0", "6914048", "6915088", "12369920", "548682075969", "548682075989",
        "548682075989", "548682076138", "0",
    ]
    return " ".join(fields) + "\n"


def _proc_status(p) -> str:
    kthread = not p.cmdline
    lines = [
        f"Name:\t{p.name[:15]}", "Umask:\t0022",
        f"State:\t{p.state} ({'sleeping' if p.state == 'S' else 'running'})",
        f"Tgid:\t{p.pid}", "Ngid:\t0", f"Pid:\t{p.pid}", f"PPid:\t{p.ppid}", "TracerPid:\t0",
        f"Uid:\t{p.uid}\t{p.uid}\t{p.uid}\t{p.uid}", f"Gid:\t{p.uid}\t{p.uid}\t{p.uid}\t{p.uid}",
        "FDSize:\t64", "Groups:\t",
    ]
    if not kthread:
        lines += ["VmPeak:\t   12164 kB", "VmSize:\t   12056 kB", "VmRSS:\t    1228 kB"]
    lines += ["Threads:\t1", "SigQ:\t0/3781", "Cpus_allowed:\tf", "voluntary_ctxt_switches:\t42"]
    return "\n".join(lines) + "\n"


def default_cpuinfo(profile: Profile) -> str:
    # aarch64 /proc/cpuinfo has no "Hardware" line on 4.4 kernels (RO-070)
    cores = 2 if "rk1808" in " ".join(profile.compatible) else 6
    blocks = []
    for i in range(cores):
        part = "0xd08" if cores == 6 and i >= 4 else ("0xd03" if cores == 6 else "0xd04")
        blocks.append(
            f"processor\t: {i}\nBogoMIPS\t: 48.00\n"
            "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
            "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\n"
            f"CPU part\t: {part}\nCPU revision\t: 4\n"
        )
    return "\n".join(blocks) + "\n"


def build_rootfs(profile: Profile, root: Path) -> Path:
    """Write ``profile``'s root filesystem under ``root`` (an empty directory)."""
    root = Path(root)
    android = profile.os == "android"
    f = profile.faults
    busybox = find_tool(BUSYBOX_CANDIDATES)
    if not busybox:
        raise SimSetupError(
            "busybox not found (install Debian's busybox-static: scripts/install-system-deps)"
        )
    for d in ("tmp", "dev", "etc", "proc", "sys", "data", "mnt", SIM_DIR.lstrip("/")):
        (root / d).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "tmp", 0o1777)
    bindir = "/system/bin" if android else "/bin"
    shell_tools: set[str] = set()
    if android:
        toybox = find_tool(TOYBOX_CANDIDATES)
        if not toybox:
            raise SimSetupError(
                "toybox not found (install Debian's toybox: scripts/install-system-deps)"
            )
        # toybox 0.8.9 has no `sh`.  busybox ash would run its own ps/grep/... in place of the
        # toybox ones (it prefers applets to PATH), so the Android shell is dash, which has none.
        dash = find_tool(DASH_CANDIDATES)
        if dash:
            _copy_bin(dash, root, "/system/bin/sh")
            for lib in _ldd_libs(dash):
                _copy_bin(lib, root, lib)
        else:
            _copy_bin(busybox, root, "/system/bin/sh")
        _copy_bin(toybox, root, "/system/bin/toybox")
        for lib in _ldd_libs(toybox):
            _copy_bin(lib, root, lib)
        applets = subprocess.run([toybox], capture_output=True, text=True, check=True).stdout
        for a in applets.split():
            if a in ("toybox", "sh"):
                continue
            _symlink(root, f"/system/bin/{a}", "toybox")
            shell_tools.add(a)
        _symlink(root, "/bin", "/system/bin")
        for d in ("vendor/bin", "vendor/lib64", "system/lib64", "sdcard", "data/local/tmp"):
            (root / d).mkdir(parents=True, exist_ok=True)
    else:
        _copy_bin(busybox, root, "/bin/busybox")
        listing = subprocess.run(
            [busybox, "--list-full"], capture_output=True, text=True, check=True
        ).stdout
        for rel in listing.split():
            name = os.path.basename(rel)
            if name == "busybox":
                continue
            depth = rel.count("/")
            target = "busybox" if rel.startswith("bin/") and depth == 1 else (
                "../" * depth + "bin/busybox")
            _symlink(root, "/" + rel, target)
            shell_tools.add(name)
        for d in ("root", "var/log", "usr/lib/npu/rknn/plugins", "userdata"):
            (root / d).mkdir(parents=True, exist_ok=True)
    if f.no_strings:
        for cand in (f"{bindir}/strings", "/usr/bin/strings", "/bin/strings"):
            p = root / cand.lstrip("/")
            if p.is_symlink() or p.exists():
                p.unlink()
    if android:
        (root / "dev/null").touch()
    _make_devnodes(root)

    # identity / etc
    sh = f"{bindir}/sh"
    _write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nshell:x:2000:2000::/:/bin/sh\n")
    _write(root, "/etc/group", "root:x:0:\nshell:x:2000:\n")
    _write(root, "/etc/hostname", profile.hostname + "\n")
    _write(root, f"{SIM_DIR}/hostname", profile.hostname + "\n")
    _write(root, f"{SIM_DIR}/kmsg", kernel_log(profile))

    # stubs for tools that have no file to read
    stub = f"#!{sh}\n"
    _write(root, f"{bindir}/dmesg", stub + f"exec cat {SIM_DIR}/kmsg\n", 0o755)
    _write(root, f"{bindir}/hostname", stub + f"exec cat {SIM_DIR}/hostname\n", 0o755)
    uname = (
        stub + 'if [ $# -eq 0 ]; then set -- -s; fi\nout=""\n'
        'for a in "$@"; do case "$a" in\n'
        '  -a) out="Linux @N@ @R@ #1 SMP PREEMPT @M@ GNU/Linux";;\n'
        '  -s) out="$out${out:+ }Linux";; -n) out="$out${out:+ }@N@";;\n'
        '  -r) out="$out${out:+ }@R@";; -m|-p|-i) out="$out${out:+ }@M@";;\n'
        '  -o) out="$out${out:+ }GNU/Linux";; -v) out="$out${out:+ }#1 SMP PREEMPT";;\n'
        '  *) echo "uname: invalid option -- $a" >&2; exit 1;;\nesac; done\necho "$out"\n'
    )
    uname = (
        uname.replace("@N@", profile.hostname)
        .replace("@R@", profile.kernel_release)
        .replace("@M@", profile.machine)
    )
    _write(root, f"{bindir}/uname", uname, 0o755)
    if android:
        props = dict(profile.properties)
        props.setdefault("ro.product.model", profile.model)
        props.setdefault("ro.product.name", profile.product_name)
        props.setdefault("ro.product.device", profile.device)
        _write(root, f"{SIM_DIR}/properties", "".join(f"{k}={v}\n" for k, v in sorted(props.items())))
        _write(root, "/system/build.prop", "".join(
            f"{k}={v}\n" for k, v in sorted(props.items()) if k.startswith("ro.")))
        _write(root, "/system/bin/getprop", stub + (
            f"f={SIM_DIR}/properties\n"
            'if [ $# -eq 0 ]; then\n'
            '  while IFS= read -r l; do echo "[${l%%=*}]: [${l#*=}]"; done < $f; exit 0\nfi\n'
            'while IFS= read -r l; do\n'
            '  if [ "${l%%=*}" = "$1" ]; then echo "${l#*=}"; exit 0; fi\ndone < $f\n'
            'echo "$2"\n'
        ), 0o755)

    _write_proc(profile, root)
    _write_sys(profile, root)
    _write_npu_files(profile, root)

    for ef in profile.files:
        if ef.elf_strings is not None:
            data: bytes | str = elf_blob(ef.elf_strings, ef.size or 65536, profile.name + ef.path)
        else:
            data = ef.text or ""
        _write(root, ef.path, data, ef.mode)

    # faults that replace tools with wrappers
    orig = root / SIM_DIR.lstrip("/") / "orig"
    for tool in f.stall:
        _wrap_tool(root, bindir, tool, orig, stub + "exec sleep 2147483\n")
    for tool in f.drop:
        _wrap_tool(root, bindir, tool, orig, stub + (
            f'{SIM_DIR}/orig/{tool} "$@" | head -c {f.drop_after_bytes}\n'
            f": > {DROP_MARKER}\nexec sleep 2147483\n"))
    return root


def _wrap_tool(root: Path, bindir: str, tool: str, orig: Path, script: str) -> None:
    orig.mkdir(parents=True, exist_ok=True)
    src = None
    for d in (bindir, "/usr/bin", "/sbin", "/usr/sbin", "/vendor/bin"):
        p = root / d.lstrip("/") / tool
        if p.is_symlink() or p.exists():
            src = p
            break
    if src is None:
        src = root / bindir.lstrip("/") / tool
    else:
        dest = orig / tool
        if src.is_symlink():
            target = os.readlink(src)
            if not target.startswith("/"):
                target = os.path.normpath(os.path.join("/" + str(src.parent.relative_to(root)), target))
            os.symlink(target, dest)
            src.unlink()
        else:
            shutil.move(str(src), dest)
    src.write_text(script)
    os.chmod(src, 0o755)


def _make_devnodes(root: Path) -> None:
    """Real /dev/null, /dev/zero, /dev/urandom when we may create device nodes (root);
    otherwise plain files (writes to /dev/null then land in a file the board throws away)."""
    for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("urandom", 1, 9)):
        p = root / "dev" / name
        if p.exists():
            p.unlink()
        try:
            os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(p, 0o666)
        except (PermissionError, OSError):
            p.touch()
            os.chmod(p, 0o666)


def _write_proc(profile: Profile, root: Path) -> None:
    _write(root, "/proc/version", profile.proc_version.rstrip("\n") + "\n", 0o444)
    _write(root, "/proc/cpuinfo", profile.cpuinfo or default_cpuinfo(profile), 0o444)
    _write(root, "/proc/uptime", "3612.48 7001.20\n", 0o444)
    _write(root, "/proc/loadavg", "0.08 0.03 0.01 1/97 1024\n", 0o444)
    _write(root, "/proc/cmdline", "earlycon=uart8250,mmio32,0xff550000 console=ttyFIQ0 "
           "root=PARTUUID=614e0000-0000 rootwait\n", 0o444)
    _write(root, "/proc/meminfo", "MemTotal:        1010732 kB\nMemFree:          612020 kB\n"
           "MemAvailable:     801344 kB\nBuffers:           12916 kB\nCached:           190464 kB\n"
           "SwapTotal:             0 kB\nSwapFree:              0 kB\n", 0o444)
    _write(root, "/proc/mounts", "/dev/root / ext4 ro,relatime 0 0\nproc /proc proc rw 0 0\n"
           "sysfs /sys sysfs rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n", 0o444)
    _write(root, "/proc/stat", "cpu  2255 34 2290 22625563 6290 127 456 0 0 0\nbtime 1588000000\n"
           "processes 1024\nprocs_running 1\nprocs_blocked 0\n", 0o444)
    mods = list(profile.modules)
    npu = profile.npu
    if npu.get("galcore_loaded") and not any(m.startswith("galcore ") for m in mods):
        mods.insert(0, "galcore 421520 0 - Live 0xffffff8000c87000 (O)")
    _write(root, "/proc/modules", "".join(m + "\n" for m in mods), 0o444)
    _symlink(root, "/proc/device-tree", "/sys/firmware/devicetree/base")
    _symlink(root, "/proc/self", "1")
    start = 100
    for p in profile.processes:
        d = f"/proc/{p.pid}"
        comm = p.name
        if profile.faults.garbage and p.pid == max(q.pid for q in profile.processes):
            comm = "kworker/\udcff\udcfe:1"
        _write(root, f"{d}/comm", comm[:15] + "\n", 0o444)
        _write(root, f"{d}/cmdline", "".join(a + "\0" for a in p.cmdline), 0o444)
        pp = type(p)(**{**p.__dict__, "name": comm})
        _write(root, f"{d}/stat", _proc_stat(pp, start + p.pid * 3), 0o444)
        _write(root, f"{d}/status", _proc_status(pp), 0o444)
        _write(root, f"{d}/environ", "", 0o400)
        if p.uid:
            for x in (root / d.lstrip("/")).iterdir():
                try:
                    os.lchown(x, p.uid, p.uid)
                except PermissionError:
                    pass


def _write_sys(profile: Profile, root: Path) -> None:
    dt = "/sys/firmware/devicetree/base"
    _write(root, f"{dt}/compatible", "".join(c + "\0" for c in profile.compatible), 0o444)
    _write(root, f"{dt}/model", profile.dt_model + "\0", 0o444)
    _write(root, f"{dt}/name", "\0", 0o444)
    npu = profile.npu
    if npu.get("galcore_loaded"):
        m = "/sys/module/galcore"
        _write(root, f"{m}/initstate", "live\n", 0o444)
        _write(root, f"{m}/refcnt", "0\n", 0o444)
        _write(root, f"{m}/taint", "O\n", 0o444)
        _write(root, f"{m}/coresize", "421520\n", 0o444)
        _write(root, f"{m}/initsize", "0\n", 0o444)
        _write(root, f"{m}/srcversion", "6D8E5D5C39D7A2E4C8E1B3A\n", 0o444)
        _write(root, f"{m}/uevent", "", 0o644)
        (root / m.lstrip("/") / "holders").mkdir(parents=True, exist_ok=True)
        (root / m.lstrip("/") / "sections").mkdir(parents=True, exist_ok=True)
        _write(root, f"{m}/parameters/contiguousSize", "4194304\n", 0o444)
        _write(root, f"{m}/parameters/DDRBitWidth", "32\n", 0o444)
        _write(root, f"{m}/parameters/recovery", "0\n", 0o444)
        _write(root, f"{m}/parameters/powerManagement", "1\n", 0o444)
        _write(root, "/dev/galcore", "", 0o666)  # a plain file: device nodes need root
    if "rk1808" in " ".join(profile.compatible):
        df = "/sys/class/devfreq/ffbc0000.npu"
        _write(root, f"{df}/cur_freq", "792000000\n", 0o444)
        _write(root, f"{df}/governor", "userspace\n", 0o644)
        _write(root, f"{df}/available_frequencies",
               "200000000 300000000 396000000 600000000 700000000 792000000\n", 0o444)
    for d in ("/sys/kernel", "/sys/bus", "/sys/class/net/lo"):
        (root / d.lstrip("/")).mkdir(parents=True, exist_ok=True)


def _write_npu_files(profile: Profile, root: Path) -> None:
    npu = profile.npu
    if not npu:
        return
    seed = profile.name.split("+")[0]
    if npu["layout"] == "linux":
        if npu.get("rknn_server"):
            _write(root, npu.get("rknn_server_path", "/usr/bin/rknn_server"), elf_blob(
                rknn_server_strings(npu["rknn_server"], npu.get("transfer")), 283_000,
                seed + "rknn_server", 3), 0o755)
            for s in ("start_rknn.sh", "restart_rknn.sh"):
                _write(root, f"/usr/bin/{s}", "#!/bin/sh\n\nrknn_server &\n", 0o755)
        if npu.get("runtime") and not profile.faults.no_runtime:
            _write(root, npu.get("runtime_path", "/usr/lib/librknn_runtime.so"), elf_blob(
                runtime_strings(npu["runtime"]), 1_500_000, seed + "runtime"), 0o755)
            for lib in ("libOpenVX.so.1.2", "libGAL.so", "libVSC.so", "libNNArchPerf.so",
                        "libArchModelSw.so"):
                _write(root, f"/usr/lib/{lib}", elf_blob([lib, ".gnu.version"], 40_000,
                                                         seed + lib), 0o755)
        if npu.get("api"):
            _write(root, npu.get("api_path", "/usr/lib/librknn_api.so"), elf_blob(
                api_strings(npu["api"], npu.get("transfer")), 60_000, seed + "api"), 0o755)
        if npu.get("galcore_tag") or npu.get("galcore_string"):
            _write(root, npu.get("galcore_path", "/lib/modules/galcore.ko"), elf_blob(
                galcore_strings(npu), 420_000, seed + "galcore", 1), 0o644)
    else:  # android-rk3399pro: NPU-side software lives in the NPU firmware image
        fw = npu.get("firmware_dir", "/vendor/etc/npu_fw")
        _write(root, f"{fw}/boot.img", npu_firmware_boot_img(npu, seed), 0o644)
        for n, size in (("MiniLoaderAll.bin", 280_000), ("trust.img", 200_000),
                        ("uboot.img", 300_000)):
            _write(root, f"{fw}/{n}", random.Random(seed + n).randbytes(size), 0o644)
        api = npu.get("api_path", "/vendor/lib64/librknn_api.so")
        if not profile.faults.no_runtime:
            _write(root, api, elf_blob(api_strings(npu.get("api"), npu.get("transfer")), 90_000,
                                       seed + "api"), 0o644)
            _write(root, api.replace("lib64", "lib"), elf_blob(
                api_strings(npu.get("api"), npu.get("transfer")), 70_000, seed + "api32"), 0o644)
        _write(root, "/vendor/bin/npu_transfer_proxy", elf_blob(
            [npu.get("transfer") or "Transfer version 2.1.0 (b5861e7@2020-11-23T11:50:51)",
             "Starting NPU Transfer Proxy", ".note.gnu.build-id"], 150_000, seed + "proxy", 3),
            0o755)


def new_rootfs(profile: Profile, parent: str | None = None) -> Path:
    d = Path(tempfile.mkdtemp(prefix=f"rknn-sim-{profile.name.split('+')[0]}-", dir=parent))
    build_rootfs(profile, d / "root")
    return d / "root"


# ---------------------------------------------------------------------------------------------
# running commands inside


def isolation_prefix(root: Path) -> list[str]:
    """The argv prefix that runs a program with ``root`` as ``/``."""
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    unshare = shutil.which("unshare")
    if os.geteuid() == 0:
        # own UTS namespace so the board's `hostname` (a busybox NOFORK applet that ash runs
        # without looking at PATH) can be set without touching the host's
        return ([unshare, "--uts"] if unshare else []) + [chroot, str(root)]
    if not unshare:
        raise SimSetupError("not root and no `unshare` (util-linux): cannot isolate the board")
    # not root: no mknod, so bind the host's /dev/null, /dev/zero, /dev/urandom over the
    # rootfs's placeholder files inside a private mount namespace, then chroot
    mount = shutil.which("mount") or "/usr/bin/mount"
    script = (
        f'for n in null zero urandom; do {shlex.quote(mount)} --bind "/dev/$n" "$0/dev/$n" '
        '2>/dev/null; done; exec "$1" "$0" "${@:2}"'
    )
    bash = shutil.which("bash") or "/bin/bash"
    return [unshare, "-r", "-m", "--uts", bash, "-c", script, str(root), chroot]


def shell_argv(profile: Profile, root: Path, cmd: str) -> list[str]:
    """argv running ``cmd`` with the board's shell inside ``root``."""
    argv = isolation_prefix(root) + [shell_path(profile)]
    if not cmd:
        return argv + ["-i"]
    if "--uts" in argv:
        # set the board's hostname first; a newline keeps `cmd` parsed on its own
        cmd = f"hostname {profile.hostname} >/dev/null 2>&1\n{cmd}"
    return argv + ["-c", cmd]


def board_env(profile: Profile, term: str | None = None) -> dict[str, str]:
    if profile.os == "android":
        env = {"PATH": ANDROID_PATH, "HOME": "/", "SHELL": "/system/bin/sh",
               "ANDROID_ROOT": "/system", "ANDROID_DATA": "/data", "HOSTNAME": profile.hostname,
               "TMPDIR": "/data/local/tmp", "USER": "root", "LOGNAME": "root"}
    else:
        env = {"PATH": LINUX_PATH, "HOME": "/root", "SHELL": "/bin/sh", "USER": "root",
               "LOGNAME": "root", "HOSTNAME": profile.hostname}
    if term:
        env["TERM"] = term
    return env


def shell_path(profile: Profile) -> str:
    return "/system/bin/sh" if profile.os == "android" else "/bin/sh"
