"""Build a simulated board's root filesystem from its profile.

* Linux boards get Debian's static ``/bin/busybox`` with one symlink per applet (paths from
  ``busybox --list-full``).  Android boards get Debian's ``dash`` as ``/system/bin/sh`` (toybox
  0.8.9 has no ``sh``; busybox ash would shadow the toybox tools with its own applets) and
  Debian's ``toybox`` for every other tool, each with the shared libraries ``ldd`` names.
* ``/proc`` and ``/sys`` are plain directories written from the profile; the host's are never
  visible.  Tools that have no file to read are small shell scripts: ``dmesg`` (prints
  ``/.sim/kmsg``, see ``kmsg``), ``getprop`` (reads ``/.sim/properties``), ``uname`` and
  ``hostname`` (the real ones ask the host kernel).
* The NPU software (rknn_server, librknn_runtime.so, galcore.ko, librknn_api.so, the RK3399Pro
  NPU firmware) comes from ``blobs``.
* Faults that replace a tool (``stall``, ``drop``) move the real one to ``/.sim/orig/`` and put
  a wrapper script in its place.  How commands then run inside: ``chroot``.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
import uuid
from pathlib import Path

from rknn_compat.sim.blobs import debugfs_mounted, elf_blob, loaded_driver_nodes, npu_files
from rknn_compat.sim.chroot import SimSetupError, find_tool
from rknn_compat.sim.kmsg import kernel_log
from rknn_compat.sim.profile import Profile
from rknn_compat.sim.profile_schema import SYNC_FAULT

BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
TOYBOX_CANDIDATES = ("/usr/bin/toybox", "/bin/toybox")
DASH_CANDIDATES = ("/bin/dash", "/usr/bin/dash")

# the simulator's own control files inside the rootfs
SIM_DIR = "/.sim"
DROP_MARKER = "/.sim/drop"


def _fresh(root: Path, path: str) -> Path:
    """The host path of board path ``path``: its directory made, whatever was there removed."""
    p = root / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.is_symlink() or p.exists():
        p.unlink()
    return p


def _write(root: Path, path: str, data: bytes | str, mode: int = 0o644) -> None:
    p = _fresh(root, path)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    p.write_bytes(data)
    os.chmod(p, mode)


def _symlink(root: Path, path: str, target: str) -> None:
    os.symlink(target, _fresh(root, path))


def _copy_bin(src: str, root: Path, dest: str) -> None:
    p = _fresh(root, dest)
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
    # aarch64 /proc/cpuinfo has no "Hardware" line on 4.4 kernels (as in a ROC-RK3399-PC's,
    # pasted in hrw/arm-socs-table issue 5)
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
    for path, data, mode in npu_files(profile):
        _write(root, path, data, mode)

    for ef in profile.files:
        if ef.elf_strings is not None:
            data: bytes | str = elf_blob(ef.elf_strings, ef.size or 65536, profile.name + ef.path)
        else:
            data = ef.text or ""
        _write(root, ef.path, data, ef.mode)

    # faults that replace tools with wrappers
    orig = root / SIM_DIR.lstrip("/") / "orig"
    for tool in (t for t in f.stall if t != SYNC_FAULT):  # "sync" is a fault of the file service
        _wrap_tool(root, bindir, tool, orig, stub + "exec sleep 2147483\n")
    for tool in (t for t in f.drop if t != SYNC_FAULT):
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
    # drawn afresh for every board, as the kernel does at every boot: tells two boards apart
    _write(root, "/proc/sys/kernel/random/boot_id", f"{uuid.uuid4()}\n", 0o444)
    _write(root, "/proc/loadavg", "0.08 0.03 0.01 1/97 1024\n", 0o444)
    _write(root, "/proc/cmdline", "earlycon=uart8250,mmio32,0xff550000 console=ttyFIQ0 "
           "root=PARTUUID=614e0000-0000 rootwait\n", 0o444)
    _write(root, "/proc/meminfo", "MemTotal:        1010732 kB\nMemFree:          612020 kB\n"
           "MemAvailable:     801344 kB\nBuffers:           12916 kB\nCached:           190464 kB\n"
           "SwapTotal:             0 kB\nSwapFree:              0 kB\n", 0o444)
    debugfs = "debugfs /sys/kernel/debug debugfs rw,relatime 0 0\n" if debugfs_mounted(profile) else ""
    _write(root, "/proc/mounts", "/dev/root / ext4 ro,relatime 0 0\nproc /proc proc rw 0 0\n"
           "sysfs /sys sysfs rw 0 0\n" + debugfs + "tmpfs /tmp tmpfs rw 0 0\n", 0o444)
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
    if profile.serialno:  # U-Boot's copy of the serial burnt into vendor storage
        _write(root, f"{dt}/serial-number", profile.serialno + "\0", 0o444)
    npu = profile.npu
    if npu.get("galcore_loaded"):
        m = "/sys/module/galcore"
        _write(root, f"{m}/initstate", "live\n", 0o444)
        _write(root, f"{m}/refcnt", "0\n", 0o444)
        _write(root, f"{m}/taint", "O\n", 0o444)
        _write(root, f"{m}/coresize", "421520\n", 0o444)
        _write(root, f"{m}/initsize", "0\n", 0o444)
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
    for d in ("/sys/kernel/debug", "/sys/bus", "/sys/class/net/lo"):
        (root / d.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for path, data, mode in loaded_driver_nodes(profile):
        _write(root, path, data, mode)


def new_rootfs(profile: Profile, parent: str | None = None) -> Path:
    d = Path(tempfile.mkdtemp(prefix=f"rknn-sim-{profile.name.split('+')[0]}-", dir=parent))
    build_rootfs(profile, d / "root")
    return d / "root"
