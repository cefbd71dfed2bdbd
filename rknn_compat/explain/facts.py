"""What a log line says about versions, the target, devices and error codes.

The version readers of :mod:`rknn_compat.read` do the parsing (``sdk_version`` for the
``API:``/``DRV:`` block, ``runtime_version``, ``rknpu_version``, ``galcore_version``,
``rknn_server_version``); this module adds the lines only logs carry: toolkit banners, librknnc,
NPUTransfer, ``RKNN Model Information``, the target, the devices listed, and error codes with
their meaning (``matrices/error_codes.toml``). Each reader names its keywords, so the scanner
cuts out only the lines it needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import read
from ..read.text import _VER
from ..tables.error_codes import ErrorCodes
from ..transport.adb_devices import adb_devices
from ..versions import VersionError, parse_version
from .report import LogFact, LogLine

_TOOLKIT = re.compile(r"\brknn[-_]toolkit(?P<lite>[-_]lite)?(?P<two>2)?\s{0,2}version\s{0,2}:\s{0,2}v?"
                      r"(?P<ver>\d{1,3}(?:\.\d{1,3}){1,3}(?:b\d{1,4})?)"
                      r"(?P<local>[-+][0-9a-f]{6,40}|[-+]\w{1,40})?", re.I)
_LIBRKNNC = re.compile(r"\blibrknnc version:\s{0,2}(?P<ver>" + _VER + r")\s{0,2}"
                       r"(?:\((?P<commit>[0-9a-f]{6,40})@)?", re.I)
_TRANSFER = re.compile(r"NPUTransfer(?:\(\d{1,7}\))?:\s{0,2}Starting NPU Transfer (?P<role>Client|Server),\s{0,2}"
                       r"Transfer version (?P<ver>" + _VER + r")(?:\s{0,2}\((?P<commit>[0-9a-f]{0,40})@)?", re.I)
_MODEL_INFO = re.compile(r"RKNN Model Information[:,]\s{0,2}version:\s{0,2}(?P<model>\d{1,3}),\s{0,2}"
                         r"toolkit version:\s{0,2}(?P<tk>[^,()]{1,60})(?:\([^)]{0,120}\))?,\s{0,2}"
                         r"target:\s{0,2}(?P<npu>[^,]{1,40}),\s{0,2}"
                         r"target platform:\s{0,2}(?P<platform>[^,\s]{1,40})", re.I)
_TARGET = re.compile(r"target set by user is:\s{0,2}(?P<soc>\w{2,20})", re.I)
_HARDWARE = re.compile(r"Get hardware info:\s{0,2}target_platform\s?=\s?(?P<soc>\w{2,20})"
                       r"(?:,\s{0,2}os\s?=\s?(?P<os>\w{1,20}))?(?:,\s{0,2}aarch\s?=\s?(?P<arch>\w{1,20}))?", re.I)
_HOST = re.compile(r"\bHost is (?P<soc>RK\w{2,16})\b", re.I)
_FILLED = re.compile(r"Target platforms filled in RKNN model:\s{0,16}\[(?P<socs>[^\]]{1,200})\]", re.I)
_MODE = re.compile(r"all device\(s\) with (?P<mode>adb|ntb) mode:", re.I)
_SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{3,63}$")
_LISTED = re.compile(r"'(?P<serial>[A-Za-z0-9._:-]{4,64})'")
_DEVICE_ID = re.compile(r"Current device id is:\s{0,2}(?P<id>\S{1,64})", re.I)
_TRANSFER_CODE = re.compile(r"(?P<code>-\d{1,3})\((?P<name>ERROR_[A-Z_]{2,30})\)")
_ERROR_NAME = re.compile(r"\b(?:error code|error)\s?[:=]\s{0,2}(?P<name>RKNN_ERR_[A-Z_]{2,60})\b")
_CAPI_CODE = re.compile(r"\b(?:rknn_\w{1,30}\)?|RKNN model)\s{0,2}(?:fail(?:ed)?|error)!?,?\s{0,2}(?:ret|error)\s?=\s?"
                        r"(?P<code>-\d{1,3})(?![\d(])")
_ACK = re.compile(r"\b(?:ack|result)\s?=\s?(?P<code>\d{1,3})\((?P<name>ACK_[A-Z_]{2,40})\)")
_RKLLM = re.compile(r"\brkllm-runtime version:\s{0,2}(?P<ver>" + _VER + r")", re.I)
_SDK_API_ALONE = re.compile(r"^sdk api version:\s{0,2}(?P<ver>" + _VER + r")", re.I)

Reader = Callable[[LogLine, str, ErrorCodes], list]


def _fact(component, kind, value, line, how, version=None, **extra) -> LogFact:
    return LogFact(component, kind, value, line, how, version, {k: v for k, v in extra.items() if v})


def _version_fact(component, parsed, line, how, **extra) -> LogFact:
    extra = {"commit": parsed.commit, **extra}
    return _fact(component, "version", str(parsed.version), line, how, parsed.version, **extra)


def toolkit(line: LogLine, low: str, codes) -> list:
    m = _TOOLKIT.search(line.text)
    if not m:
        return []
    name = "rknn_toolkit" + ("_lite" if m.group("lite") else "") + ("2" if m.group("two") else "")
    try:
        version = parse_version(m.group("ver"))
    except VersionError:
        return []
    local = (m.group("local") or "")[1:]
    return [_fact(name, "version", str(version), line, f"{name.replace('_', '-')} banner", version,
                  build=local or None)]


def sdk_block(line: LogLine, low: str, codes) -> list:
    """get_sdk_version(): API/DRV (host form: DRV is rknn_server) or the C API demo line (board form)."""
    out = []
    parsed = read.sdk_version(line.text)
    for key, comp, how in (("api", "librknn_api", "get_sdk_version() API (the host's RKNN API)"),
                           ("drv", "rknn_server", "get_sdk_version() DRV (on a PC-connected board: rknn_server)"),
                           ("drv_rknnrt", "librknnrt", "get_sdk_version() DRV: rknnrt (the board's runtime)"),
                           ("api_runtime", "librknn_runtime", "get_sdk_version() on the board: API is librknn_runtime"),
                           ("drv_galcore", "npu_driver", "get_sdk_version() on the board: DRV is the galcore driver")):
        p = parsed[key]
        if not p:
            continue
        board = p.extra.get("component")
        if board == "rknpu kernel driver":
            comp, how = "npu_driver", "C API demo 'driver version' (on the board: the rknpu kernel driver)"
        elif board == "librknnrt api":
            comp, how = "librknnrt", "C API demo 'API version' (on the board: librknnrt)"
        board_side = key in ("api_runtime", "drv_galcore")  # RKNPU1's own block: runtime banner and galcore
        generation = "rknpu1" if board_side else "rknpu2" if "rknn_server:" in low else None
        out.append(_version_fact(comp, p, line, how, generation=generation))
    m = _SDK_API_ALONE.search(line.text)
    if m and not out:
        out.append(_fact("librknnrt", "version", m.group("ver"), line, "C API demo 'sdk api version' (librknnrt)",
                         parse_version(m.group("ver"))))
    return out


def runtime(line: LogLine, low: str, codes) -> list:
    p = read.runtime_version(line.text)
    if not p:
        return []
    lib = p.extra.get("library", "librknnrt")
    how = "librknnrt's 'RKNN Runtime Information'" if "information" in low else f"{lib} version string"
    return [_version_fact(lib, p, line, how)]


def driver(line: LogLine, low: str, codes) -> list:
    out = []
    if "galcore" in low:
        p = read.galcore_version(line.text)
        if p:
            out.append(_version_fact("npu_driver", p, line, "galcore (RKNPU1 kernel driver)", driver="galcore"))
        return out
    if "sdk version" in low or "api version" in low:
        return out  # the C API demo line: sdk_block reads both halves
    p = read.rknpu_version(line.text)
    if p:
        how = {"runtime log": "librknnrt's 'RKNN Driver Information'", "drm init": "dmesg '[drm] Initialized rknpu'",
               "debugfs": "/sys/kernel/debug/rknpu/version"}.get(p.extra.get("source"), "rknpu driver version")
        out.append(_version_fact("npu_driver", p, line, how, driver="rknpu", date=p.extra.get("date")))
    return out


def rknn_server(line: LogLine, low: str, codes) -> list:
    p = read.rknn_server_version(line.text)
    if not p or "drv:" in low:
        return []
    how = "rknn_server start banner" if p.extra.get("source") == "start banner" else "rknn_server version string"
    return [_version_fact("rknn_server", p, line, how)]


def _named(rx: re.Pattern, component: str, how: str) -> Reader:
    def reader(line: LogLine, low: str, codes) -> list:
        m = rx.search(line.text)
        if not m:
            return []
        try:
            version = parse_version(m.group("ver"))
        except VersionError:
            return []
        extra = {k: v for k, v in m.groupdict().items() if k != "ver"}
        return [_fact(component, "version", str(version), line, how, version, **extra)]
    return reader


def model_info(line: LogLine, low: str, codes) -> list:
    m = _MODEL_INFO.search(line.text)
    if not m:
        return []
    how = "librknnrt's 'RKNN Model Information'"
    out = [_fact("model", "model", m.group("model"), line, how + " (model version)"),
           _fact("model_target_platform", "target", m.group("platform").strip(), line, how + " (target platform)",
                 npu=m.group("npu").strip())]
    tk = re.match(r"v?(\d{1,3}(?:\.\d{1,3}){1,3}(?:b\d{1,4})?)", m.group("tk").strip())
    if tk:
        out.append(_fact("model_toolkit", "version", tk.group(1), line, how + " (toolkit that built it)",
                         parse_version(tk.group(1)), printed=m.group("tk").strip()))
    return out


def target(line: LogLine, low: str, codes) -> list:
    out = []
    for rx, comp, how in ((_TARGET, "target", "init_runtime() target set by the user"),
                          (_HARDWARE, "board_platform", "toolkit2 'Get hardware info' (the board it reached)"),
                          (_HOST, "host", "the host the toolkit runs on")):
        m = rx.search(line.text)
        if m:
            extra = {k: v for k, v in m.groupdict().items() if k != "soc"}
            out.append(_fact(comp, "target", m.group("soc").upper(), line, how, **extra))
    m = _FILLED.search(line.text)
    if m:
        for soc in re.findall(r"\w{2,20}", m.group("socs")):
            out.append(_fact("model_target_platform", "target", soc.upper(), line,
                             "target platform filled in the model"))
    return out


def devices(line: LogLine, low: str, codes) -> list:
    """Devices the toolkit or adb listed: 'Devices connected:', 'all device(s) with adb|ntb mode:'."""
    out = []
    if "none devices connected" in low:
        return [_fact("devices", "device", "none", line, "rknn.list_devices(): none connected")]
    m = _MODE.search(line.text)
    if m:
        for nxt in line.after:
            serial = nxt.strip("* ")
            if not serial:
                break
            if _SERIAL.match(serial):
                out.append(_fact("device", "device", serial, line, f"rknn.list_devices(), {m.group('mode')} mode",
                                 mode=m.group("mode").lower()))
        return out
    if "devices connected:" in low and line.after:
        for serial in _LISTED.findall(line.after[0]):
            out.append(_fact("device", "device", serial, line, "toolkit 'Devices connected'"))
        if line.after[0].rstrip().endswith("[]"):
            out.append(_fact("devices", "device", "none", line, "toolkit 'Devices connected': empty list"))
        return out
    m = _DEVICE_ID.search(line.text)
    if m:
        return [_fact("device_id", "device", m.group("id"), line, "init_runtime() device_id")]
    if "list of devices attached" in low:
        for row in adb_devices("\n".join(line.after)):
            out.append(_fact("device", "device", row["serial"], line, "adb devices", state=row["state"]))
    return out


def error_codes(line: LogLine, low: str, codes: ErrorCodes) -> list:
    out = []
    for m in _TRANSFER_CODE.finditer(line.text):
        entry = codes.named(m.group("name"))
        out.append(_code(m.group(0), line, entry, "transfer code (host-side link; not an rknn_api.h code)"))
    for m in _ERROR_NAME.finditer(line.text):
        out.append(_code(m.group("name"), line, codes.named(m.group("name")), "rknn_api.h error name"))
    m = _CAPI_CODE.search(line.text)
    if m:
        entry = codes.rknn_code(int(m.group("code")))
        value = f"{m.group('code')}({entry.name})" if entry else m.group("code")
        out.append(_code(value, line, entry, "C API return code (rknn_api.h)"))
    m = _ACK.search(line.text)
    if m:
        out.append(_fact("error_code", "error_code", f"{m.group('code')}({m.group('name')})", line,
                         "rknn_server's answer (ACK) to the host"))
    return out


def _code(value: str, line: LogLine, entry, how: str) -> LogFact:
    extra = {"name": entry.name, "meaning": entry.meaning, "meaning_source": entry.cite.to_dict()} if entry else {
        "meaning": None, "reason": "not in matrices/error_codes.toml"}
    return _fact("error_code", "error_code", value, line, how, **extra)


# (keywords, reader): a line is given to a reader only if it holds one of its keywords
READERS: tuple[tuple[tuple[str, ...], Reader], ...] = (
    (("toolkit version", "toolkit2 version", "toolkit-lite2 version", "toolkit-lite version"), toolkit),
    (("api:", "drv:", "driver version", "sdk api version"), sdk_block),
    (("librknnrt version", "librknnmrt version", "librknn_runtime version", "runtime version"), runtime),
    (("driver information", "initialized rknpu", "rknpu driver", "rknpu ", "driver version", "galcore version"),
     driver),
    (("rknn_server version", "start rknn server"), rknn_server),
    (("librknnc version",), _named(_LIBRKNNC, "librknnc", "librknnc (RKNN-Toolkit2 compiler) banner")),
    (("transfer version",), _named(_TRANSFER, "npu_transfer", "NPUTransfer start banner")),
    (("rkllm-runtime version",), _named(_RKLLM, "rkllm_runtime", "RKLLM runtime banner")),
    (("model information",), model_info),
    (("target set by user", "get hardware info", "host is", "target platforms filled"), target),
    (("devices connected", "device(s) with", "current device id", "list of devices attached"), devices),
    (("(error_", "rknn_err_", "ret=", "ret =", "error=", "ack =", "result ="), error_codes),
)


def keywords() -> tuple[str, ...]:
    return tuple(k for kws, _ in READERS for k in kws)


def read_line(line: LogLine, low: str, codes: ErrorCodes) -> list[LogFact]:
    out: list[LogFact] = []
    for kws, reader in READERS:
        if any(k in low for k in kws):
            out += reader(line, low, codes)
    return out
