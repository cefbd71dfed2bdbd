"""udev rules that grant access to Rockchip (vendor 2207) USB devices, read as udev reads them.

The Trouble-Shooting manual (1.7.2, RKNN_ERR_DEVICE_UNAVAILABLE, step 4) asks NTB-mode users
(compute stick, RK1808 EVB in NTB mode) to run ``update_rk1808_usb_rule.sh``; this module finds
out whether an equivalent rule is installed. How rules are read:

* Rule matching follows udev: a match value may be a glob (``*``, ``?``,
  ``[...]``) and may hold alternatives separated by ``|``; ``"220[0-9]"`` and
  ``"*"`` therefore match vendor 2207 and are reported (with the pattern, so a
  reader sees how broad it is).  ``ATTR{idVendor}="2207"`` (one ``=``) is an
  *assignment* to the sysfs file in udev, never a match: such lines are
  reported with ``grants=False`` and a problem text.  ``!=`` lines are skipped.
* Only ``ATTR{idVendor}``/``ATTRS{idVendor}`` are recognised (also the
  long-removed ``SYSFS{idVendor}``, reported as not understood by udev).
  ``ENV{ID_VENDOR_ID}`` rules are not recognised.
* A line grants access when it sets world read+write (``MODE`` with ``o+rw``),
  a ``GROUP`` (with group rw, or no ``MODE``: udev then uses 0660), an
  ``OWNER``, or ``TAG+="uaccess"`` (the user at the local seat, by ACL; only
  effective in files sorting before ``73-seat-late.rules``).  Later rules may
  still change the mode; that is not modelled.
* A rules file in an earlier directory masks a same-named file in a later one
  (``/etc`` > ``/run`` > ``/lib`` > ``/usr/lib``), also when it is empty or a
  symlink to ``/dev/null``.  Files are read up to 1 MiB; lines over 16 KiB are
  skipped; undecodable bytes are replaced.  Unreadable files are reported in
  :class:`RuleScan` (``find_rules`` returns only the matches).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..userfiles import read_bytes

VENDOR_ID = "2207"  # Fuzhou Rockchip

# From rockchip-linux/rknn-toolkit
# platform-tools/update_rk_usb_rule/linux/update_rk1808_usb_rule.sh
# (blob fd78be1b7a840bc36d65089af77b3c8dc9655ddf, added in v1.1.0, never changed):
# it writes this one line to 91-rk1808-ai-cs.rules, copies it to
# /etc/udev/rules.d/, then runs udevadm control --reload-rules and udevadm trigger.
RULE_LINE = 'SUBSYSTEM=="usb", ATTR{idVendor}=="2207", MODE="0666"'
RULE_FILE = "/etc/udev/rules.d/91-rk1808-ai-cs.rules"
RULE_SCRIPT = "update_rk1808_usb_rule.sh"
RULE_TEXT = RULE_LINE + "\n"

DEFAULT_RULES_DIRS: tuple[str, ...] = (
    "/etc/udev/rules.d",
    "/run/udev/rules.d",
    "/lib/udev/rules.d",
    "/usr/lib/udev/rules.d",
)

MAX_RULES_BYTES = 1 << 20
MAX_LINE_CHARS = 16 * 1024
_MAX_PROBLEMS_PER_FILE = 5
_TEXT_CAP = 300


def print_rule() -> str:
    """The rule the toolkit script installs, with the commands to install it by hand."""
    return (
        f"# The rule installed by {RULE_SCRIPT} (RKNN Toolkit release,\n"
        "# platform-tools/update_rk_usb_rule/linux/): every Rockchip (vendor 2207)\n"
        "# USB device readable and writable by all users.\n"
        f"# File: {RULE_FILE}\n"
        f"{RULE_LINE}\n"
        "\n"
        "# To install it without the script:\n"
        f"echo '{RULE_LINE}' | sudo tee {RULE_FILE}\n"
        "sudo udevadm control --reload-rules\n"
        "sudo udevadm trigger\n"
        "# then unplug and replug the device.\n"
    )


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleMatch:
    """One udev rule line whose vendor match covers 2207."""

    path: str
    line: int  # 1-based number of the line the rule starts on
    text: str  # the rule, continuation lines joined, capped at 300 characters
    vendor_pattern: str  # the value as written, e.g. "2207" or "220[0-9]"
    product_patterns: tuple[str, ...] = ()  # idProduct== values; empty = any product
    subsystem: str | None = None
    mode: str | None = None  # as written, e.g. "0666"
    group: str | None = None
    owner: str | None = None
    uaccess: bool = False
    grants: bool = False
    grants_to: tuple[str, ...] = ()  # "all users (MODE 0666)", "group plugdev", ...
    problem: str | None = None

    def applies_to(self, product_id: str) -> bool:
        """Whether this line covers product ``product_id`` (vendor 2207 assumed)."""
        if not self.product_patterns:
            return True
        return any(_value_matches(p, product_id.lower()) for p in self.product_patterns)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["product_patterns"] = list(self.product_patterns)
        d["grants_to"] = list(self.grants_to)
        return d


@dataclass(frozen=True)
class RuleFile:
    """One ``*.rules`` file seen while scanning."""

    path: str
    status: str  # "parsed", "truncated", "masked", "overridden", "unreadable"
    detail: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RuleScan:
    files: list[RuleFile] = field(default_factory=list)
    matches: list[RuleMatch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def granting(self) -> list[RuleMatch]:
        return [m for m in self.matches if m.grants]

    def to_dict(self) -> dict:
        return {
            "files": [f.to_dict() for f in self.files],
            "matches": [m.to_dict() for m in self.matches],
            "problems": list(self.problems),
        }


_PAIR = re.compile(
    r'\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?:\{(?P<attr>[^}]*)\})?\s*'
    r'(?P<op>==|!=|\+=|-=|:=|=)\s*'
    r'(?P<prefix>[ers]?)"(?P<value>(?:[^"\\]|\\.)*)"\s*(?:,|$)'
)


def _value_matches(pattern: str, value: str) -> bool:
    return any(fnmatch.fnmatchcase(value, alt) for alt in pattern.split("|"))


def _split_pairs(rule: str) -> list[tuple[str, str | None, str, str]] | None:
    pairs = []
    pos = 0
    rule = rule.rstrip()
    while pos < len(rule):
        m = _PAIR.match(rule, pos)
        if not m or m.end() == pos:
            if rule[pos:].strip(" \t,") == "":
                break
            return None
        pairs.append((m.group("key"), m.group("attr"), m.group("op"), m.group("value")))
        pos = m.end()
    return pairs


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """udev's reading: comments skipped, trailing backslash joins lines."""
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not buf:
            start = number
            if line.lstrip().startswith("#"):
                continue
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = "".join(buf)
        buf = []
        if joined.strip():
            yield start, joined
    if buf and "".join(buf).strip():
        yield start, "".join(buf)


_OCTAL_MODE = re.compile(r"[0-7]{1,4}")


def _parse_mode(text: str) -> int | None:
    """udev's MODE: up to four octal digits ("0666"); "0o666" or a 5 000-digit number is not one."""
    return int(text, 8) if _OCTAL_MODE.fullmatch(text) else None


def _analyse(path: str, line: int, rule: str) -> RuleMatch | str | None:
    """A RuleMatch for a vendor-2207 line, a problem string, or None (not ours)."""
    pairs = _split_pairs(rule)
    if pairs is None:
        return f"{path}:{line}: rule mentioning idVendor could not be parsed"
    vendor = None
    vendor_op = None
    legacy = False
    products: list[str] = []
    subsystem = mode = group = owner = None
    uaccess = False
    action_remove = False
    devtype_other = False
    for key, attr, op, value in pairs:
        if attr == "idVendor" and key in ("ATTR", "ATTRS", "SYSFS"):
            if op == "!=":
                continue
            if _value_matches(value, VENDOR_ID):
                vendor, vendor_op, legacy = value, op, key == "SYSFS"
        elif attr == "idProduct" and key in ("ATTR", "ATTRS", "SYSFS") and op == "==":
            products.append(value.lower())
        elif key == "SUBSYSTEM" and op == "==":
            subsystem = value
        elif key == "ACTION" and op == "==" and not _value_matches(value, "add"):
            action_remove = True
        elif key == "ENV" and attr == "DEVTYPE" and op == "==":
            devtype_other = not _value_matches(value, "usb_device")
        elif key == "MODE" and op in ("=", ":="):
            mode = value
        elif key == "GROUP" and op in ("=", ":="):
            group = value
        elif key == "OWNER" and op in ("=", ":="):
            owner = value
        elif key == "TAG" and op in ("=", "+=", ":=") and "uaccess" in value.split():
            uaccess = True
    if vendor is None:
        return None
    text = rule.strip()
    if len(text) > _TEXT_CAP:
        text = text[:_TEXT_CAP] + "..."
    common = dict(
        path=path, line=line, text=text, vendor_pattern=vendor,
        product_patterns=tuple(products), subsystem=subsystem,
        mode=mode, group=group, owner=owner, uaccess=uaccess,
    )
    problem = None
    if legacy:
        problem = "SYSFS{idVendor} is no longer understood by udev; use ATTR{idVendor}"
    elif vendor_op != "==":
        problem = (f"uses '{vendor_op}' on ATTR{{idVendor}}: that assigns the sysfs file, "
                   "it does not match; write '==' to match")
    elif subsystem is not None and not _value_matches(subsystem, "usb"):
        problem = f'SUBSYSTEM=="{subsystem}": does not apply to the /dev/bus/usb node'
    elif action_remove:
        problem = "applies only to a non-add ACTION"
    elif devtype_other:
        problem = "ENV{DEVTYPE} excludes the usb_device node"
    if problem:
        return RuleMatch(**common, grants=False, problem=problem)
    who: list[str] = []
    mode_bits = _parse_mode(mode) if mode is not None else None
    if mode is not None and mode_bits is None:
        return RuleMatch(**common, grants=False, problem=f'MODE="{mode}" is not an octal mode')
    if mode_bits is not None and mode_bits & 0o006 == 0o006:
        who.append(f"all users (MODE {mode})")
    if group and (mode_bits is None or mode_bits & 0o060 == 0o060):
        who.append(f"members of group {group}")
    if owner and (mode_bits is None or mode_bits & 0o600 == 0o600):
        who.append(f"user {owner}")
    if uaccess:
        who.append("the user logged in at the local seat (TAG uaccess, by ACL)")
    problem = None
    if not who:
        if mode is not None:
            problem = f"MODE {mode} does not give read+write to other users"
        else:
            problem = 'no MODE, GROUP, OWNER or TAG+="uaccess": grants nothing'
    elif uaccess and Path(path).name > "73-seat-late.rules" and len(who) == 1:
        problem = ('TAG+="uaccess" only takes effect in files sorting before '
                   "73-seat-late.rules")
    return RuleMatch(**common, grants=bool(who), grants_to=tuple(who), problem=problem)


def _read_rules_file(path: str) -> tuple[str | None, str | None, bool]:
    """(text, error, truncated); a FIFO or device named like a rules file is unreadable, not a hang."""
    try:
        data = read_bytes(path, MAX_RULES_BYTES, "rules file", cut=True)
    except UsageError as e:
        return None, str(e).rsplit(": ", 1)[-1], False
    truncated = len(data) > MAX_RULES_BYTES
    return data[:MAX_RULES_BYTES].decode("utf-8", errors="replace"), None, truncated


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def scan_rules(rules_dirs: Sequence[str | os.PathLike] = DEFAULT_RULES_DIRS) -> RuleScan:
    """Read every effective ``*.rules`` file and collect the vendor-2207 lines."""
    scan = RuleScan()
    chosen: dict[str, str] = {}
    for d in rules_dirs:
        d = os.fspath(d)
        try:
            names = sorted(os.listdir(d))
        except FileNotFoundError:
            continue
        except OSError as e:
            scan.problems.append(f"{d}: cannot list: {e.strerror or e}")
            continue
        for name in names:
            if not name.endswith(".rules"):
                continue
            full = os.path.join(d, name)
            if name in chosen:
                if not _same_file(full, chosen[name]):  # merged /usr: /lib and /usr/lib are one directory
                    scan.files.append(RuleFile(full, "overridden", f"by {chosen[name]}"))
                continue
            chosen[name] = full
    for name in sorted(chosen):
        full = chosen[name]
        try:
            masked = os.path.realpath(full) == os.devnull
        except OSError:
            masked = False
        text, error, truncated = (None, None, False) if masked else _read_rules_file(full)
        if error is not None:
            scan.files.append(RuleFile(full, "unreadable", error))
            scan.problems.append(f"{full}: unreadable ({error})")
            continue
        if masked or not (text or "").strip():
            scan.files.append(RuleFile(full, "masked", "empty or /dev/null: masks same-named "
                                       "files in later directories"))
            continue
        scan.files.append(RuleFile(full, "truncated" if truncated else "parsed",
                                   f"only the first {MAX_RULES_BYTES} bytes read"
                                   if truncated else None))
        reported = 0
        for line, rule in _logical_lines(text or ""):
            if "idVendor" not in rule:
                continue
            if len(rule) > MAX_LINE_CHARS:
                result: RuleMatch | str | None = (
                    f"{full}:{line}: line longer than {MAX_LINE_CHARS} characters skipped")
            else:
                result = _analyse(full, line, rule)
            if isinstance(result, RuleMatch):
                scan.matches.append(result)
            elif result is not None:
                reported += 1
                if reported <= _MAX_PROBLEMS_PER_FILE:
                    scan.problems.append(result)
        if reported > _MAX_PROBLEMS_PER_FILE:
            scan.problems.append(
                f"{full}: {reported - _MAX_PROBLEMS_PER_FILE} more lines not understood")
    return scan


def find_rules(rules_dirs: Sequence[str | os.PathLike] = DEFAULT_RULES_DIRS) -> list[RuleMatch]:
    """Every effective rule line matching vendor 2207 (see ``.grants``)."""
    return scan_rules(rules_dirs).matches
