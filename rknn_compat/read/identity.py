"""What board this is: SoC from the device tree or Android properties, OS release, kernel, Rockchip USB ids."""

from __future__ import annotations

import re

from .text import _ANSI, _EDGE, TextIn, _has_escape, _Key, _Text, _to_text

# --------------------------------------------------------------------------- SoC identity

# Longest first so rk3399pro is tried before rk3399 and rv1126b before rv1126.
_SOC_NAMES = {
    "rk3399pro": "RK3399Pro",
    "rk3588s": "RK3588S",
    "rv1103b": "RV1103B",
    "rv1126b": "RV1126B",
    "rk1808": "RK1808",
    "rk1806": "RK1806",
    "rv1109": "RV1109",
    "rv1126": "RV1126",
    "rk3562": "RK3562",
    "rk3566": "RK3566",
    "rk3568": "RK3568",
    "rk3576": "RK3576",
    "rk3588": "RK3588",
    "rv1103": "RV1103",
    "rv1106": "RV1106",
    "rk3399": "RK3399",
}
# A base chip named by the SoC entry is refined when another entry names the variant.
_VARIANTS = {"rk3399": "rk3399pro", "rk3588": "rk3588s", "rv1126": "rv1126b", "rv1103": "rv1103b"}
_SOC_TOKEN = re.compile(
    r"(?<![a-z0-9])(?P<soc>" + "|".join(_SOC_NAMES) + r"|r[kv]\d{4}[a-z]?)(?![0-9])", re.I
)
_COMPAT_ENTRY = re.compile(r"[A-Za-z0-9][A-Za-z0-9,._+\-/]{0,127}")
_STRACE_READ = re.compile(r'"(?P<s>(?:[^"\\\r\n]|\\.){0,4096})"')


#: /proc/device-tree/compatible is a few hundred bytes; more than this is not it.
MAX_COMPATIBLE = 1 << 20


# "Device: rockchip,rk3588s-orangepi-5rockchip,rk3588" (a monitor's label before the value)
_LABELLED = re.compile(r"^[A-Za-z][A-Za-z ]{0,30}?\s?:\s{1,8}(?P<v>\S{1,256})$")
# The user of a shell prompt: "root@orangepi5:~#", "[root@riscola ~]#", "firefly@firefly:~$"
_PROMPT_USER = re.compile(r"(?:^|[\s\[])(?P<user>[a-z_][a-z0-9_-]{0,31})@[\w.-]{1,64}[:\s]", re.M)
_PROMPT_END = "#$%>"


def compatible_list(data: TextIn) -> list[str]:
    """Entries of ``/proc/device-tree/compatible``.

    Accepts the raw file (NUL separated), the ``tr '\\0' '\\n'`` form, a literal
    ``\\0`` separator (as strace or a paste shows it, item RO-058 of tests/data/real_board_outputs.json) and an strace
    ``read(fd, "a\\0b"..., n)`` line.  ``cat`` on a terminal drops the NULs
    (``rockchip,rk3588-orangepi-5-plusrockchip,rk3588``): glued entries are split
    before every ``rockchip,`` and before a repeat of the first entry's vendor; a
    prompt glued after the last one (``...rk3588root@host:~#``) is cut off, its user
    name taken from a prompt elsewhere in the text.  When the user name is unknown
    and the chip could be read two ways (``rk3588s`` + ``ubuntu@`` or ``rk3588`` +
    ``subuntu@``) that last entry is dropped rather than guessed.  A label before
    the value (``Device: rockchip,...``) is skipped.  Entries that do not look like
    compatible strings (prompts, prose) are dropped; duplicates are kept once, order kept.
    """
    text = _to_text(data)[:MAX_COMPATIBLE]
    if _has_escape(text):
        text = _ANSI.sub("", text)
    if "\x00" not in text and "\\0" in text:
        quoted = [m.group("s") for m in _STRACE_READ.finditer(text) if "\\0" in m.group("s")]
        if quoted:
            text = "\n".join(quoted)
        text = text.replace("\\0", "\n")
    users = sorted({m.group("user") for m in _PROMPT_USER.finditer(text)}, key=len, reverse=True)
    out: list[str] = []
    for p in re.split(r"[\x00\r\n]+", text):
        p = p.strip().strip(_EDGE).strip()
        m = _LABELLED.match(p)
        if m and "," in m.group("v") and "," not in p[: m.start("v")]:
            p = m.group("v")
        m = _COMPAT_ENTRY.match(p)
        if not m or m.end() > 256:
            continue
        glued_prompt = False
        if m.end() < len(p):
            rest = p[m.end() :]
            if rest[0] == "@":  # "...rockchip,rk3588root@orangepi5:~#": the prompt's user is glued on
                glued_prompt = True
            elif rest[0] not in _PROMPT_END and any(ch.isspace() for ch in rest):
                continue
            p = m.group(0)
        pieces = _split_glued(p)
        if glued_prompt and pieces:
            last = _cut_user(pieces[-1], users)
            pieces = pieces[:-1] + ([last] if last else [])
        for e in pieces:
            if "," in e and e not in out:
                out.append(e)
    return out


def _split_glued(entry: str) -> list[str]:
    """'radxa,rock-5brockchip,rk3588' -> ['radxa,rock-5b', 'rockchip,rk3588'] (NULs lost by cat)."""
    vendor = entry.split(",", 1)[0].lower()
    low = entry.lower()
    cuts = {m.start() for mark in {"rockchip,", vendor + ","} for m in re.finditer(re.escape(mark), low)}
    cuts = sorted(c for c in cuts if c > 0 and low[c - 1] != ",")
    bounds = [0, *cuts, len(entry)]
    return [entry[a:b] for a, b in zip(bounds, bounds[1:]) if "," in entry[a:b]]


def _cut_user(entry: str, users: list[str]) -> str | None:
    """The last entry without the prompt user glued to it, or None when that cannot be told."""
    for user in users:
        if entry.endswith(user) and "," in entry[: -len(user)]:
            return entry[: -len(user)]
    low = entry.lower()
    if not low.startswith("rockchip,"):
        return None
    chip = low[len("rockchip,") :]
    readings = [k for k in _SOC_NAMES if chip.startswith(k) and len(chip) > len(k) and chip[len(k)].isalpha()]
    if len(readings) != 1:  # rk3588 + "subuntu" or rk3588s + "ubuntu": not told apart without the user
        return None
    return entry[: len("rockchip,") + len(readings[0])]


def _soc_key(token: str) -> str:
    return token.lower()


def _soc_display(token: str) -> str:
    key = _soc_key(token)
    return _SOC_NAMES.get(key, key.upper())


def _with_variant(key: str, evidence: str, named: list[tuple[str, str]]) -> tuple[str, str]:
    """The chip, upgraded to its variant when another entry names it (rk3399 + rk3399pro -> RK3399Pro)."""
    variant = _VARIANTS.get(key)
    for k, e in named:
        if variant and k == variant:
            return _soc_display(variant), f"{evidence} + {e}"
    return _soc_display(key), evidence


def soc_from_compatible(entries: list[str] | TextIn) -> tuple[str | None, str]:
    """The Rockchip SoC named by device-tree compatible entries.

    Returns ``(soc, evidence)`` when found, ``(None, reason)`` otherwise.  The
    SoC entry itself (``rockchip,rk3588``) is preferred, first one in DT order
    (most specific first); then a base chip is refined to its variant when another
    entry names it (``rockchip,rk3399`` + ``rockchip,rk3399pro-evb`` → RK3399Pro,
    rk3588 → RK3588S, rv1126 → RV1126B, rv1103 → RV1103B).  Without a bare SoC
    entry the first entry naming a chip is used.  Non-NPU Rockchip chips are
    still named (``RK3399``, ``RK3328``): the caller decides what they support.
    Also accepts raw file text/bytes (passed through :func:`compatible_list`).
    """
    if not isinstance(entries, list):
        entries = compatible_list(entries)
    entries = [e for e in entries if isinstance(e, str)]
    if not entries:
        return None, "no device-tree compatible entries in the input"
    rk = [e for e in entries if e.lower().startswith("rockchip,") or "rockchip" in e.lower()]
    named: list[tuple[str, str]] = []  # (soc key, entry)
    for e in entries:
        low = e.lower()
        if not (low.startswith("rockchip,") or ("," in low and _SOC_TOKEN.search(low))):
            continue
        after = low.split(",", 1)[1] if "," in low else low
        m = _SOC_TOKEN.search(after)
        if m:
            named.append((_soc_key(m.group("soc")), e))
    if not named:
        shown = ", ".join(repr(e) for e in entries[:4])
        if rk:
            return None, f"Rockchip board but no chip name in compatible: {shown}"
        return None, f"not a Rockchip board (device-tree compatible: {shown})"
    exact = [(k, e) for k, e in named if e.lower().split(",", 1)[-1] == k]
    key, evidence = exact[0] if exact else named[0]
    return _with_variant(key, evidence, named)


_GETPROP = re.compile(r"^\s*\[(?P<key>[^\[\]]{1,256})\]\s*:\s*\[(?P<val>.*)\]\s*$")


_GETPROP_KEY = _Key(r"\]\s{0,8}:\s{0,8}\[")


def getprop_map(text: TextIn) -> dict[str, str]:
    """``getprop`` output (``[ro.board.platform]: [rk3399pro]``) as a dict.

    Values may be empty or contain ``]``: the value ends at the last ``]`` of the
    line.  A key seen twice keeps its last value.  Other lines are ignored.
    """
    out: dict[str, str] = {}
    for _s, _e, raw in _Text(text).hits(_GETPROP_KEY):
        m = _GETPROP.match(_clean_keep_brackets(raw))
        if m:
            out[m.group("key").strip()] = m.group("val")
    return out


def _clean_keep_brackets(line: str) -> str:
    return line.strip().strip("`").strip()


_PROP_ORDER = (
    "ro.board.platform",
    "ro.product.board",
    "ro.hardware",
    "ro.soc.model",
    "ro.boot.hardware",
    "ro.product.platform",
    "ro.hardware.chipname",
    "ro.chipname",
    "ro.product.device",
)


def soc_from_props(props: dict[str, str]) -> tuple[str | None, str]:
    """The Rockchip SoC from Android properties (see :func:`getprop_map`).

    Keys are tried in order ``ro.board.platform``, ``ro.product.board``,
    ``ro.hardware``, ``ro.soc.model``, ``ro.boot.hardware``, ... ; the first one
    whose value names a chip wins (``rk30board``, the old generic ``ro.hardware``,
    names none).  A base chip is refined to its variant when a later key names it
    (rk3399 + rk3399pro → RK3399Pro).  Returns ``(soc, evidence)`` or
    ``(None, reason)``.
    """
    if not isinstance(props, dict) or not props:
        return None, "no Android properties in the input"
    named: list[tuple[str, str]] = []
    for key in _PROP_ORDER:
        val = props.get(key)
        if not isinstance(val, str) or not val:
            continue
        m = _SOC_TOKEN.search(val)
        if m:
            named.append((_soc_key(m.group("soc")), f"[{key}]: [{val}]"))
    if not named:
        shown = ", ".join(
            f"{k}={props[k]!r}" for k in _PROP_ORDER if isinstance(props.get(k), str)
        )
        return None, "no Rockchip chip named in " + (shown or "ro.board.platform/ro.hardware")
    key, evidence = named[0]
    return _with_variant(key, evidence, named)


_LSUSB = re.compile(
    r"Bus\s+(?P<bus>\d{1,3})\s+Device\s+(?P<dev>\d{1,3})\s*:\s*ID\s+(?P<vid>2207):"
    r"(?P<pid>[0-9a-fA-F]{4})\b(?P<name>[^\r\n]{0,256})",
    re.I,
)


_LSUSB_KEY = _Key(r"2207:")


def lsusb_rockchip(text: TextIn) -> list[dict]:
    """Rockchip (vendor 2207) devices in ``lsusb`` output.

    Each item: ``bus``, ``device`` (as printed, zero-padded), ``vid``, ``pid``
    (lower-case hex) and ``name`` (``None`` when lsusb has no usb.ids entry, item RO-044 of
    tests/data/real_board_outputs.json).
    """
    out: list[dict] = []
    for _s, line in _Text(text).lines(_LSUSB_KEY):
        m = _LSUSB.search(line)
        if not m:
            continue
        name = m.group("name").strip().strip("`").strip() or None
        out.append(
            {
                "bus": m.group("bus"),
                "device": m.group("dev"),
                "vid": m.group("vid").lower(),
                "pid": m.group("pid").lower(),
                "name": name,
            }
        )
    return out


# --------------------------------------------------------------------------- OS helpers

_OS_KEY = _Key(r"=")
_OS_LINE = re.compile(r"^(?P<k>[A-Za-z_][A-Za-z0-9_]{0,63})=(?P<v>.*)$")


def os_release(text: TextIn) -> dict[str, str]:
    """``/etc/os-release`` as a dict (quotes removed, ``\\`` escapes resolved)."""
    out: dict[str, str] = {}
    for _s, _e, raw in _Text(text).hits(_OS_KEY):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _OS_LINE.match(line)
        if not m:
            continue
        v = m.group("v").strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
            q, v = v[0], v[1:-1]
            if q == '"':
                v = re.sub(r"\\([\\$\"`])", r"\1", v)
        out[m.group("k")] = v
    return out


_PROC_VERSION = re.compile(r"\bLinux\s+version\s+(?P<rel>\S{1,128})")
_UNAME_A = re.compile(r"^Linux\s+\S{1,128}\s+(?P<rel>\d{1,3}\.\d{1,3}\S{0,120})\s+#")
_REL = r"(?P<rel>\d{1,3}\.\d{1,3}(?:\.\d{1,4})?[\w.+~\-]{0,120})"
# `uname -rmo`: "5.10.226 armv7l GNU/Linux" (airockchip/rknn-toolkit2 issue 508)
_UNAME_RMO = re.compile(r"^" + _REL + r"\s+\S{1,32}\s+GNU/Linux$")
# hostnamectl "Kernel: Linux 5.10.110-...", neofetch "Kernel: 6.1.43-...", a markdown "- **Kernel:** 6.1.75"
_KERNEL_FIELD = re.compile(r"^[-*\s]{0,6}kernel\s{0,2}\**\s{0,2}:\s{0,4}\**\s{0,4}(?:linux\s+)?" + _REL + r"\s*$", re.I)
_UNAME_R_LINE = re.compile(r"^[ \t`]{0,8}" + _REL + r"[ \t`]{0,8}$", re.M)
_UNAME_R_ANY = re.compile(r"\buname\s{1,4}(?:-[a-z]{0,8}r[a-z]{0,8}|--kernel-release)\b")
#: At most this many `uname -r` commands are looked at (a blob of them stays linear).
_MAX_COMMANDS = 1000
_LINUX_KEY = _Key(r"linux")
_KERNEL_KEY = _Key(r"kernel")
_FENCE = re.compile(r"^`{3}[\w-]{0,20}$")
#: A lone release line counts only in an answer this short (a `uname -r` alone).
_LONE_MAX_LINES = 4


def kernel_release(text: TextIn) -> str | None:
    """Kernel release (``5.10.110-rockchip-rk3588``), or ``None``; see :func:`kernel_release_read`."""
    return kernel_release_read(text)[0]


def kernel_release_read(text: TextIn) -> tuple[str | None, str]:
    """``(release, evidence line)`` or ``(None, reason)``.

    Best first: ``/proc/version`` (``Linux version 5.10.110-... (builder@host) ...``)
    and ``uname -a`` (``Linux host 5.10.110 #1 SMP ...``), the first such line;
    then a ``Kernel:`` field (hostnamectl, neofetch, a markdown list); then ``uname
    -rmo`` (``5.10.226 armv7l GNU/Linux``); last a lone ``uname -r`` line, taken
    only right after a ``uname -r`` command or when it is the whole answer (a
    ``12.9`` from ``cat /etc/debian_version`` in the same paste is not a kernel).
    """
    t = _Text(text)
    for _s, line in t.lines(_LINUX_KEY):
        m = _PROC_VERSION.search(line) or _UNAME_A.match(line)
        if m:
            return m.group("rel"), line
    for _s, line in t.lines(_KERNEL_KEY):
        m = _KERNEL_FIELD.match(line)
        if m:
            return m.group("rel"), line
    for _s, line in t.lines(_LINUX_KEY):
        m = _UNAME_RMO.match(line)
        if m:
            return m.group("rel"), line
    lone = _lone_release(t.text)
    if lone:
        return lone
    return None, ("no kernel release in the text; expected /proc/version ('Linux version X ...'), "
                  "`uname -a`, `uname -r` output or a 'Kernel: X' line")


def _lone_release(text: str) -> tuple[str, str] | None:
    """A `uname -r` line: right after its command (the first few looked at), or alone in a short answer."""
    for n, m in enumerate(_UNAME_R_ANY.finditer(text)):
        if n >= _MAX_COMMANDS:
            break
        eol = text.find("\n", m.end())
        if eol < 0 or text[m.end() : eol].strip(" \t`"):
            continue
        nxt_end = text.find("\n", eol + 1)
        nxt = text[eol + 1 : nxt_end if nxt_end >= 0 else len(text)]
        rel = _UNAME_R_LINE.match(nxt) if len(nxt) <= 200 else None
        if rel:
            return rel.group("rel"), nxt.strip().strip("`").strip()
    lines = []
    for m in re.finditer(r"[^\n]+", text):
        line = m.group(0).strip().strip("`").strip()
        if line and not _FENCE.match(line):
            lines.append(line)
            if len(lines) > _LONE_MAX_LINES:
                return None
    body = [ln for ln in lines if not _UNAME_R_ANY.search(ln)]
    if len(body) == 1:
        m = _UNAME_R_LINE.match(body[0])
        if m:
            return m.group("rel"), body[0]
    return None
