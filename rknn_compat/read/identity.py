"""What board this is: SoC from the device tree or Android properties, OS release, kernel, Rockchip USB ids."""

from __future__ import annotations

import re

from .text import _ANSI, _EDGE, TextIn, _Key, _Text, _to_text

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


def compatible_list(data: TextIn) -> list[str]:
    """Entries of ``/proc/device-tree/compatible``.

    Accepts the raw file (NUL separated), the ``tr '\\0' '\\n'`` form, a literal
    ``\\0`` separator (as strace or a paste shows it, item RO-058 of tests/data/real_board_outputs.json) and an strace
    ``read(fd, "a\\0b"..., n)`` line.  Entries that do not look like compatible
    strings (prompts, prose) are dropped; duplicates are kept once, order kept.
    """
    text = _to_text(data)[:MAX_COMPATIBLE]
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\x00" not in text and "\\0" in text:
        quoted = [m.group("s") for m in _STRACE_READ.finditer(text) if "\\0" in m.group("s")]
        if quoted:
            text = "\n".join(quoted)
        text = text.replace("\\0", "\n")
    parts = re.split(r"[\x00\r\n]+", text)
    out: list[str] = []
    for p in parts:
        p = p.strip().strip(_EDGE).strip()
        m = _COMPAT_ENTRY.match(p)
        if not m or len(p) > 256:
            continue
        if m.end() < len(p):
            # `cat compatible` on a terminal glues the prompt on: "...rockchip,rk3588root@x:~#"
            if any(ch.isspace() for ch in p[m.end() :]):
                continue
            p = m.group(0)
        if "," in p and p not in out:
            out.append(p)
    return out


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
_UNAME_R_LINE = re.compile(
    r"^[ \t`]{0,8}(?P<rel>\d{1,3}\.\d{1,3}(?:\.\d{1,4})?[\w.+~\-]{0,120})[ \t`]{0,8}$", re.M
)
_LINUX_KEY = _Key(r"linux")


def kernel_release(text: TextIn) -> str | None:
    """Kernel release (``5.10.110-rockchip-rk3588``) from ``/proc/version``.

    Also reads ``uname -a`` (``Linux host 5.10.110 #1 SMP ...``) and a lone
    ``uname -r`` line.  ``None`` when none is present.
    """
    t = _Text(text)
    for _s, line in t.lines(_LINUX_KEY):
        m = _PROC_VERSION.search(line) or _UNAME_A.match(line)
        if m:
            return m.group("rel")
    m = _UNAME_R_LINE.search(t.text)
    return m.group("rel") if m else None
