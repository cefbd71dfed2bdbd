"""The one shell script a probe runs on the board, and how its answer is split.

Every fact comes from one round trip: the script prints marked sections, each with
the exit status of its command.  It only reads (cat, grep, strings, ls, head) and
is a constant: nothing from the command line is ever pasted into it.  It runs
under busybox ``sh`` (RK1808 Linux) and Android's ``sh`` with toybox applets.

The commands are the manual's (TS 1.3.2 section 1.7.2: ``dmesg | grep -i galcore``,
``strings /usr/bin/rknn_server | grep build``, ``strings /usr/lib/librknn_runtime.so
| grep version``) with the fallbacks a real board needs: ``grep -a -o`` where
``strings`` is missing, the loaded NPU driver's own version node (debugfs, sysfs, procfs)
before the kernel log, the galcore.ko file's ``$VERSION$`` tag (what is installed, and the
last resort where the kernel log has rotated), and the library paths of every platform
(rockchip-linux/rknpu drivers/ for RKNPU1; airockchip/rknn-toolkit2 rknpu2/runtime and
doc/rknn_server_proxy.md for RKNPU2, RV1103/RV1106 under /oem).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MARK = "@@RKNN-COMPAT@@"

# Board paths of the RKNPU1 and RKNPU2 layouts (sources in the module docstring).
RKNN_SERVER_PATHS = (
    "/usr/bin/rknn_server", "/vendor/bin/rknn_server", "/system/bin/rknn_server",
    "/oem/usr/bin/rknn_server",
)
RUNTIME_PATHS = (
    "/usr/lib/librknn_runtime.so", "/usr/lib64/librknn_runtime.so",
    "/vendor/lib64/librknn_runtime.so", "/vendor/lib/librknn_runtime.so",
    "/system/lib64/librknn_runtime.so", "/system/lib/librknn_runtime.so",
    "/usr/lib/librknnrt.so", "/usr/lib64/librknnrt.so",
    "/vendor/lib64/librknnrt.so", "/vendor/lib/librknnrt.so", "/oem/usr/lib/librknnmrt.so",
)
GALCORE_KO_PATHS = (
    "/lib/modules/galcore.ko", "/usr/lib/modules/galcore.ko",
    "/system/lib/modules/galcore.ko", "/vendor/lib/modules/galcore.ko",
)
NPU_FIRMWARE_DIRS = ("/vendor/etc/npu_fw", "/system/etc/npu_fw")
# Where a loaded NPU driver states its own version (the module file on disk may be newer: Rockchip's
# update is "push galcore.ko, then reboot"). galcore 6.4.0/6.4.3 (rknpu <= 1.6.x): debugfs
# gc/version, Vivante's "%s built at %s"; galcore 6.4.6 (rknpu 1.7.x): no debugfs, a sysfs
# attribute "version" of its platform device ffbc0000.npu (RK1808 and RV1126); rockchip-linux/rknpu
# @ e0cb42b6, drivers/npu_ko/galcore*.ko symbols. RKNPU2 rknpu: debugfs and procfs rknpu/version,
# "RKNPU driver: vX.Y.Z" (khadas/linux drivers/rknpu/rknpu_debugger.c @ 3000f265); the Toolkit2
# documents name the node driver_version (/sys/kernel/debug and /proc/debug). /sys/module/galcore/
# has no version file (galcore.ko's .modinfo has no version=).
LOADED_VERSION_FILES = (
    "/sys/kernel/debug/gc/version", "/sys/devices/platform/ffbc0000.npu/version",
    "/sys/kernel/debug/rknpu/version", "/sys/kernel/debug/rknpu/driver_version",
    "/proc/rknpu/version", "/proc/debug/rknpu/driver_version",
)
DEBUGFS = "/sys/kernel/debug"

BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id"
DT_SERIAL_FILE = "/proc/device-tree/serial-number"
BOARD_ID_FILES = (BOOT_ID_FILE, DT_SERIAL_FILE, "/proc/cmdline")

SERVER_PATTERN = r"build|rknn_server version"
RUNTIME_PATTERN = r"librknn_runtime version|librknnrt version|librknnmrt version"
KO_PATTERN = r"VERSION\$"
FIRMWARE_PATTERN = r"build:|VERSION\$|librknn_runtime version"


def _files(name: str, paths: tuple[str, ...], pattern: str) -> str:
    return (
        f"S {name}; for f in {' '.join(paths)}; do "
        f"if [ -f \"$f\" ]; then M file \"$f\"; X \"$f\" '{pattern}'; fi; done; E {name} $?"
    )


def build_script() -> str:
    """The probe script (a constant; built once per process)."""
    lines = [
        f"S() {{ printf '\\n{MARK} begin %s\\n' \"$1\"; }}",
        f"E() {{ printf '\\n{MARK} end %s %s\\n' \"$1\" \"$2\"; }}",
        f"M() {{ printf '\\n{MARK} %s %s\\n' \"$1\" \"$2\"; }}",
        # strings when the board has it (run, not `command -v`: busybox's sh names applets it
        # has no link for), else grep's own binary search (same lines, cut); tried once, as every
        # process costs a slow board's CPU
        "if strings /dev/null >/dev/null 2>&1; then T=strings; else T=grep; fi",
        "X() { if [ \"$T\" = strings ]; then M tool strings; "
        "strings \"$1\" | grep -i -E \"$2\" | head -n 40; "
        "else M tool grep; grep -a -o -E \"[ -~]{0,80}($2)[ -~]{0,120}\" \"$1\" | head -n 40; fi; }",
        "S id; id 2>&1; E id $?",
        # one-line and short files are read by the shell itself (`read`): a process less each
        "S kernel; l=; IFS= read -r l < /proc/version; [ -n \"$l\" ] && printf '%s\\n' \"$l\"; E kernel $?",
        "S compatible; cat /proc/device-tree/compatible 2>&1; E compatible $?",
        "S getprop; if command -v getprop >/dev/null 2>&1; then getprop 2>&1 | grep -E "
        "'^\\[ro\\.(board\\.platform|product\\.(model|board|name|device|manufacturer)|hardware|"
        "soc\\.model|build\\.version\\.release|build\\.version\\.sdk|serialno|boot\\.serialno)\\]'; "
        "else echo 'getprop: not found'; fi; E getprop $?",
        "S os_release; n=0; while [ $n -lt 20 ] && { IFS= read -r l || [ -n \"$l\" ]; }; do "
        "printf '%s\\n' \"$l\"; n=$((n+1)); l=; done < /etc/os-release; E os_release $?",
        # which board this is (read/board_id.py), with the shell's own `read`: no process
        f"S board_id; for f in {' '.join(BOARD_ID_FILES)}; do l=; if [ -r \"$f\" ]; then "
        "read -r l < \"$f\"; fi; if [ -n \"$l\" ]; then M file \"$f\"; printf '%s\\n' \"$l\"; fi; done; "
        "E board_id 0",
        "S dmesg; dmesg 2>&1 | grep -i -E 'galcore|rknpu|klogctl|not permitted|denied|not found' "
        "| tail -n 40; E dmesg $?",
        "S modules; grep -E '^(galcore|rknpu) ' /proc/modules 2>&1; "
        "for d in /sys/module/galcore /sys/module/rknpu; do [ -d \"$d\" ] && echo \"sysfs $d\"; done; "
        "E modules $?",
        # debugfs may be unmounted or root-only (mode 0700): both are said, neither is an error
        f"S npu_loaded; grep -E '^[^ ]+ {DEBUGFS} debugfs ' /proc/mounts 2>/dev/null | head -n 2; "
        f"if [ -d {DEBUGFS} ] && ! [ -x {DEBUGFS} ]; then M denied {DEBUGFS}; fi; "
        f"for f in {' '.join(LOADED_VERSION_FILES)}; do "
        "if [ -e \"$f\" ]; then M file \"$f\"; head -n 3 \"$f\" 2>&1; fi; done; E npu_loaded $?",
        _files("galcore_ko", GALCORE_KO_PATHS, KO_PATTERN),
        _files("rknn_server", RKNN_SERVER_PATHS, SERVER_PATTERN),
        _files("runtime", RUNTIME_PATHS, RUNTIME_PATTERN),
        # /proc/PID/comm holds 15 characters: npu_transfer_proxy shows as npu_transfer_pr
        "S process; grep -x -E 'rknn_server|npu_transfer_pr(oxy)?' /proc/[0-9]*/comm 2>/dev/null; "
        "E process $?",
        f"S npu_fw; for d in {' '.join(NPU_FIRMWARE_DIRS)}; do if [ -d \"$d\" ]; then M dir \"$d\"; "
        "for f in \"$d\"/*; do if [ -f \"$f\" ]; then M file \"$f\"; "
        f"X \"$f\" '{FIRMWARE_PATTERN}'; fi; done; fi; done; E npu_fw $?",
        f"printf '\\n{MARK} done\\n'",
    ]
    return "\n".join(lines) + "\n"


SCRIPT = build_script()


@dataclass
class Section:
    """One section of the answer: its text per file (key "" when not per file)."""

    name: str
    parts: dict[str, bytes] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    exit_status: int | None = None
    finished: bool = False

    @property
    def text(self) -> bytes:
        return b"\n".join(self.parts.values())


@dataclass
class Answer:
    sections: dict[str, Section]
    finished: bool  # the script's last line arrived


def split_answer(raw: bytes) -> Answer:
    """Split the board's output into sections; tolerate junk, truncation and repeats.

    Linear in the size of the answer: lines are collected per part and joined once at the end
    (appending to one bytes object per line made 4 MB in one section cost minutes).
    """
    sections: dict[str, Section] = {}
    lines: dict[tuple[str, str], list[bytes]] = {}  # (section, part) -> its lines, in order
    current: Section | None = None
    part = ""
    finished = False
    mark = MARK.encode()
    for line in raw.split(b"\n"):
        if line.startswith(mark):
            words = line[len(MARK):].decode("utf-8", "replace").split()
            if not words:
                continue
            verb, args = words[0], words[1:]
            if verb == "begin" and args:
                current = sections.setdefault(args[0], Section(args[0]))
                part = ""
            elif verb == "end" and current is not None:
                current.finished = True
                if len(args) > 1 and args[1].isascii() and args[1].isdigit() and len(args[1]) <= 3:
                    current.exit_status = int(args[1])
                current = None
            elif verb == "done":
                finished = True
            elif current is not None and args:
                value = " ".join(args)
                if verb == "file":
                    part = value
                current.meta.setdefault(verb, value) if verb != "file" else None
                if verb == "tool":
                    current.meta[f"tool:{part}"] = value
            continue
        if current is not None:
            got = lines.get((current.name, part))
            if got is None:
                got = lines[(current.name, part)] = []
                current.parts.setdefault(part, b"")  # a part exists once named, as before
            if got or line:  # leading blank lines are dropped
                got.append(line)
    for (name, part), got in lines.items():
        if got:
            sections[name].parts[part] = b"\n".join(got) + b"\n"
    return Answer(sections, finished)
