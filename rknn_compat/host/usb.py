"""Rockchip USB devices attached to this Linux host and whether this process may open them.

Lists the vendor-2207 devices from sysfs with their ``/dev/bus/usb/BBB/DDD`` nodes, names each
one's mode from ``matrices/usb_ids.toml`` (ADB, NTB, MaskROM), and combines that with the udev
rules (:mod:`.udev`) into one :class:`UsbReport` with a status, a reason and the manual's remedy.
Running as root, ``os.access`` always says yes: the status is then ``ok`` for this process, with a
note when normal users would lack access. Tests pass an ``access`` function instead.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from ..errors import DeviceError, ExitCode, UsageError
from ..schemas import versioned
from ..tables.usb_ids import known_usb_ids
from ..userfiles import read_bytes
from .udev import DEFAULT_RULES_DIRS, RULE_FILE, RULE_LINE, RULE_SCRIPT, VENDOR_ID, RuleFile, RuleMatch, scan_rules


@dataclass
class UsbDevice:
    sysfs_path: str
    vendor_id: str
    product_id: str
    busnum: int | None
    devnum: int | None
    product: str | None = None
    manufacturer: str | None = None
    serial: str | None = None
    node: str | None = None  # /dev/bus/usb/BBB/DDD
    node_exists: bool = False
    readable: bool = False
    writable: bool = False
    node_mode: str | None = None  # "0666"
    node_mode_text: str | None = None  # "crw-rw-rw-"
    owner: str | None = None
    group: str | None = None
    kind: str | None = None  # from usb_ids.toml: adb / ntb / maskrom / gadget
    mode_description: str | None = None
    id_source: str | None = None
    id_quality: str | None = None  # primary / third-party / forum
    rules: list[str] = field(default_factory=list)  # "path:line" of granting rules

    @property
    def accessible(self) -> bool:
        return self.node_exists and self.readable and self.writable

    @property
    def usb_id(self) -> str:
        return f"{self.vendor_id}:{self.product_id}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["usb_id"] = self.usb_id
        d["accessible"] = self.accessible
        return d


def _read_small(path: str) -> str | None:
    """A sysfs attribute (a regular file of at most a page); anything else reads as absent."""
    try:
        data = read_bytes(path, 4096, "sysfs attribute", cut=True)[:4096]
    except UsageError:
        return None
    return data.decode("utf-8", errors="replace").strip() or None


def _to_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _names(st: os.stat_result) -> tuple[str, str]:
    owner, group = str(st.st_uid), str(st.st_gid)
    try:
        import grp
        import pwd

        try:
            owner = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            pass
        try:
            group = grp.getgrgid(st.st_gid).gr_name
        except KeyError:
            pass
    except ImportError:  # not on POSIX
        pass
    return owner, group


def rockchip_usb_devices(
    sysfs_root: str | os.PathLike = "/sys/bus/usb/devices",
    dev_root: str | os.PathLike = "/dev/bus/usb",
    access: Callable[[str, int], bool] = os.access,
) -> list[UsbDevice]:
    """Attached USB devices with idVendor 2207, with their node and access.

    Raises :class:`DeviceError` when ``sysfs_root`` cannot be listed.
    """
    root = os.fspath(sysfs_root)
    try:
        entries = sorted(os.listdir(root))
    except OSError as e:
        raise DeviceError(f"cannot read {root}: {e.strerror or e}") from None
    ids = known_usb_ids()
    devices: list[UsbDevice] = []
    for entry in entries:
        base = os.path.join(root, entry)
        vid = _read_small(os.path.join(base, "idVendor"))
        if vid is None or vid.lower() != VENDOR_ID:
            continue
        pid = (_read_small(os.path.join(base, "idProduct")) or "").lower()
        busnum = _to_int(_read_small(os.path.join(base, "busnum")))
        devnum = _to_int(_read_small(os.path.join(base, "devnum")))
        dev = UsbDevice(
            sysfs_path=base, vendor_id=vid.lower(), product_id=pid,
            busnum=busnum, devnum=devnum,
            product=_read_small(os.path.join(base, "product")),
            manufacturer=_read_small(os.path.join(base, "manufacturer")),
            serial=_read_small(os.path.join(base, "serial")),
        )
        known = ids.get(pid)
        if known:
            dev.kind, dev.mode_description = known.kind, known.mode
            dev.id_source, dev.id_quality = known.source, known.quality
        if busnum is not None and devnum is not None:
            node = os.path.join(os.fspath(dev_root), f"{busnum:03d}", f"{devnum:03d}")
            dev.node = node
            try:
                st = os.stat(node)
            except OSError:
                st = None
            if st is not None:
                dev.node_exists = True
                dev.node_mode = f"{stat.S_IMODE(st.st_mode):04o}"
                dev.node_mode_text = stat.filemode(st.st_mode)
                dev.owner, dev.group = _names(st)
                dev.readable = bool(access(node, os.R_OK))
                dev.writable = bool(access(node, os.W_OK))
        devices.append(dev)
    return devices


# --------------------------------------------------------------------------- report


STATUSES = ("ok", "no_rule", "no_access", "no_devices", "unknown")
_STATUS_EXIT = {"ok": ExitCode.OK, "no_devices": ExitCode.OK, "no_rule": ExitCode.PROBLEM,
                "no_access": ExitCode.PROBLEM}


@dataclass
class UsbReport:
    status: str  # one of STATUSES
    reason: str | None = None
    remedy: str | None = None
    devices: list[UsbDevice] = field(default_factory=list)
    rules: list[RuleMatch] = field(default_factory=list)  # all vendor-2207 lines found
    rule_files: list[RuleFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rule_installed(self) -> bool:
        return any(r.grants for r in self.rules)

    @property
    def exit_code(self) -> ExitCode:
        """A problem found is 1; no device attached is not a problem; what cannot be told is 3."""
        return _STATUS_EXIT.get(self.status, ExitCode.UNKNOWN)

    def to_dict(self, nested: bool = False) -> dict:
        """The usb JSON; ``nested``: inside a board or doctor report, no schema_version."""
        return versioned({
            "status": self.status,
            "reason": self.reason,
            "remedy": self.remedy,
            "rule_installed": self.rule_installed,
            "devices": [d.to_dict() for d in self.devices],
            "rules": [r.to_dict() for r in self.rules],
            "rule_files": [f.to_dict() for f in self.rule_files],
            "problems": list(self.problems),
            "notes": list(self.notes),
        }, nested)


_INSTALL_REMEDY = (
    f"As manual 1.7.2 step 4 says: run {RULE_SCRIPT} from the RKNN Toolkit release "
    "(platform-tools/update_rk_usb_rule/linux/) with sudo, or install the rule "
    f"{RULE_LINE} as {RULE_FILE} and run 'sudo udevadm control --reload-rules' and "
    "'sudo udevadm trigger'; then unplug and replug the device."
)
_NTB_NOTE = ("The rule matters for NTB mode (TB-RK1808 compute stick, RK1808 EVB in NTB), "
             "where the toolkit opens the USB device itself.")
_ADB_NOTE = ("Device(s) in ADB mode ({ids}): the toolkit reaches them through adb, so "
             "'adb devices' must list them (not 'no permissions'); adb needs the same "
             "read/write access to the USB node, which the vendor-wide rule also gives; "
             "after fixing access restart the adb server ('adb kill-server').")
_MASKROM_NOTE = ("Device(s) in MaskROM/Loader mode ({ids}): no NPU firmware is running; "
                 "boot or flash the board first, the udev rule does not help RKNN there.")


def _user_in_group(name: str) -> bool | None:
    try:
        import grp

        gid = grp.getgrnam(name).gr_gid
    except (ImportError, KeyError):
        return None
    return gid in os.getgroups() or gid == os.getegid()


def _mode_notes(devices: list[UsbDevice]) -> list[str]:
    notes = []
    adb = sorted({d.usb_id for d in devices if d.kind == "adb"})
    rom = sorted({d.usb_id for d in devices if d.kind == "maskrom"})
    if adb:
        notes.append(_ADB_NOTE.format(ids=", ".join(adb)))
    if rom:
        notes.append(_MASKROM_NOTE.format(ids=", ".join(rom)))
    return notes


def check_usb_access(
    rules_dirs: Sequence[str | os.PathLike] = DEFAULT_RULES_DIRS,
    sysfs_root: str | os.PathLike = "/sys/bus/usb/devices",
    dev_root: str | os.PathLike = "/dev/bus/usb",
    access: Callable[[str, int], bool] = os.access,
    platform: str | None = None,
    euid: int | None = None,
    in_group: Callable[[str], bool | None] = _user_in_group,
) -> UsbReport:
    """Rules + devices + access, with a status and a remedy in the manual's terms."""
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return UsbReport(
            "unknown",
            reason=f"udev rules and /dev/bus/usb are Linux-only; this host is {platform!r}",
        )
    try:
        devices = rockchip_usb_devices(sysfs_root, dev_root, access)
    except DeviceError as e:
        scan = scan_rules(rules_dirs)
        return UsbReport("unknown", reason=str(e), rules=scan.matches, rule_files=scan.files,
                         problems=list(scan.problems))
    scan = scan_rules(rules_dirs)
    granting = scan.granting
    report = UsbReport("ok", devices=devices, rules=scan.matches, rule_files=scan.files,
                       problems=list(scan.problems))
    for dev in devices:
        dev.rules = [f"{r.path}:{r.line}" for r in granting if r.applies_to(dev.product_id)]
    mode_notes = _mode_notes(devices)

    if not devices:
        report.status = "no_devices"
        report.reason = f"no USB device with vendor id {VENDOR_ID} is attached"
        if granting:
            where = ", ".join(f"{r.path}:{r.line}" for r in granting)
            report.remedy = (f"A rule is installed ({where}). Plug in the device and check "
                             f"that 'lsusb' lists {VENDOR_ID}:xxxx.")
        else:
            report.remedy = ("No udev rule for Rockchip devices is installed either. "
                             + _INSTALL_REMEDY + " " + _NTB_NOTE)
        return report

    bad = [d for d in devices if not d.accessible]
    missing_node = [d for d in bad if not d.node_exists]
    if missing_node:
        report.notes.append("no device node for: " + ", ".join(
            f"{d.usb_id} ({d.node or 'busnum/devnum unreadable'})" for d in missing_node))
    if not bad:
        report.status = "ok"
        report.reason = "this process can read and write every Rockchip USB device node"
        if (os.geteuid() if euid is None and hasattr(os, "geteuid") else euid) == 0:
            unruled = [d for d in devices if not d.rules and not _world_rw(d)]
            if unruled:
                report.notes.append(
                    "running as root: other users cannot open "
                    + ", ".join(f"{d.node} ({d.usb_id}, {d.node_mode_text})" for d in unruled)
                    + "; " + _INSTALL_REMEDY)
        report.notes.extend(mode_notes)
        return report

    names = ", ".join(f"{d.node} ({d.usb_id}, {d.node_mode_text or 'missing'}, "
                      f"{d.owner}:{d.group})" for d in bad)
    if any(not d.rules for d in bad):
        report.status = "no_rule"
        report.reason = f"no udev rule grants access, and this process cannot open {names}"
        report.remedy = _INSTALL_REMEDY + " " + _NTB_NOTE
    else:
        report.status = "no_access"
        rules = [r for r in granting if any(r.applies_to(d.product_id) for d in bad)]
        where = "; ".join(f"{r.path}:{r.line} gives {', '.join(r.grants_to)}" for r in rules)
        report.reason = f"a rule is installed ({where}) but this process cannot open {names}"
        remedy = ("Rules apply when a device is added: unplug and replug the device, or run "
                  "'sudo udevadm control --reload-rules' and 'sudo udevadm trigger'.")
        for r in rules:
            if r.group and in_group(r.group) is False:
                remedy += (f" {r.path} gives access to group {r.group}, which this user is "
                           f"not in: run  sudo usermod -aG {shlex.quote(r.group)} $USER  then log in again.")
            elif r.uaccess and len(r.grants_to) == 1:
                remedy += (" A uaccess rule only covers the user logged in at the local seat "
                           "(not ssh sessions).")
        report.remedy = remedy
    if mode_notes:
        report.remedy = (report.remedy or "") + " " + " ".join(mode_notes)
    return report


def _world_rw(dev: UsbDevice) -> bool:
    if dev.node_mode is None:
        return False
    return int(dev.node_mode, 8) & 0o006 == 0o006
