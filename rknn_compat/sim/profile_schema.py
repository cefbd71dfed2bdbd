"""What a profile file may contain, and the check that refuses anything else.

``SCHEMA`` maps each table to its keys: ``{key: (type, required)}``, where the type is a
Python type or ``("list", element type)``.  ``validate`` checks a profile's merged raw TOML
(after ``base`` inheritance): unknown keys, missing keys and wrong types first, then the
values the simulator only knows a few of.  Every refusal is a :class:`ProfileError` naming
the file and the reason.
"""

from __future__ import annotations

import re
from typing import Any

from rknn_compat.errors import UsageError

KNOWN_FEATURES = ("shell_v2", "stat_v2", "ls_v2")
# where a loaded NPU driver states its version, and whether debugfs is mounted
NODE_CHOICES = {"galcore_node": ("debugfs", "sysfs", "none"), "rknpu_node": ("debugfs", "procfs", "both", "none"),
                "debugfs": ("mounted", "unmounted")}

_STRS = ("list", str)
_TABLES = ("list", dict)


class ProfileError(UsageError):
    """A profile file that cannot be used: names the file and the reason."""


def _req(t: Any, *keys: str) -> dict[str, tuple[Any, bool]]:
    return {k: (t, True) for k in keys}


def _opt(t: Any, *keys: str) -> dict[str, tuple[Any, bool]]:
    return {k: (t, False) for k in keys}


SCHEMA: dict[str, dict[str, tuple[Any, bool]]] = {
    "": {**_opt(str, "name"), **_req(str, "description"), **_opt(str, "base"),
         **_req(dict, "board"), **_opt(dict, "adb", "npu", "kernel", "android"),
         **_opt(_TABLES, "processes", "files"), **_opt(dict, "faults")},
    "board": {**_req(str, "os", "product_name", "model", "device"), **_req(_STRS, "compatible"),
              **_req(str, "proc_version", "hostname"),
              **_opt(str, "machine", "kernel_release", "dt_model", "cpuinfo", "serialno")},
    "adb": {**_opt(_STRS, "features"), **_opt(str, "auth"), **_opt(int, "maxdata")},
    "npu": {**_req(str, "layout"),
            **_opt(str, "release", "rknn_server", "rknn_server_path", "runtime", "runtime_path",
                   "api", "api_path", "transfer", "galcore", "galcore_tag", "galcore_string",
                   "galcore_format", "galcore_path"),
            **_opt(bool, "galcore_loaded"), **_opt(str, "galcore_vermagic", "firmware_dir"),
            # the loaded driver's own version node (see rootfs._write_loaded_driver)
            **_opt(str, "galcore_node", "galcore_running", "debugfs", "rknpu_version", "rknpu_node")},
    "kernel": {**_req(str, "dmesg"), **_opt(_STRS, "modules")},
    "android": _req(dict, "properties"),
    "processes": {**_req(int, "pid"), **_req(str, "name"), **_opt(_STRS, "cmdline"),
                  **_opt(int, "ppid"), **_opt(str, "state"), **_opt(int, "uid")},
    "files": {**_req(str, "path"), **_opt(str, "text"), **_opt(_STRS, "elf_strings"),
              **_opt(int, "size", "mode")},
    "faults": {**_opt(int, "latency_ms"), **_opt(_STRS, "stall", "drop"),
               **_opt(int, "drop_after_bytes"),
               **_opt(bool, "garbage", "huge_dmesg", "dmesg_rotated", "no_strings", "no_runtime",
                      "unauthorized", "offline", "endless_pull")},
}


def _typename(t: Any) -> str:
    if isinstance(t, tuple):
        return f"list of {_typename(t[1])}"
    return {str: "string", int: "integer", bool: "boolean", dict: "table"}.get(t, str(t))


def _check_type(value: Any, t: Any) -> bool:
    if isinstance(t, tuple):
        return isinstance(value, list) and all(_check_type(v, t[1]) for v in value)
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, t)


def _validate_table(src: str, where: str, table: dict, schema_key: str) -> None:
    schema = SCHEMA[schema_key]
    for key, value in table.items():
        if key not in schema:
            raise ProfileError(f"{src}: unknown key {key!r} in {where or 'top level'}")
        t, _ = schema[key]
        if not _check_type(value, t):
            raise ProfileError(
                f"{src}: {where + '.' if where else ''}{key} must be a {_typename(t)}, "
                f"got {type(value).__name__}"
            )
    for key, (_, required) in schema.items():
        if required and key not in table:
            raise ProfileError(f"{src}: missing required key {key!r} in {where or 'top level'}")


SYNC_FAULT = "sync"  # stall = ["sync"] / drop = ["sync"]: the file service, not a shell tool


def check_faults(src: str, faults: dict) -> None:
    """Fault values the simulator can act on: counts and delays are never negative."""
    for key in ("latency_ms", "drop_after_bytes"):
        if key in faults and faults[key] < 0:
            raise ProfileError(f"{src}: faults.{key} must not be negative, got {faults[key]}")
    for key in ("stall", "drop"):
        for tool in faults.get(key, []):
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", tool):
                raise ProfileError(f"{src}: faults.{key}: {tool!r} is not a tool name")


def validate(src: str, raw: dict) -> None:
    """Refuse ``raw`` (a profile's merged TOML, read from ``src``) unless the simulator can serve it."""
    _validate_table(src, "", raw, "")
    for key in ("board", "adb", "npu", "kernel", "android", "faults"):
        if key in raw:
            _validate_table(src, key, raw[key], key)
    for i, p in enumerate(raw.get("processes", [])):
        _validate_table(src, f"processes[{i}]", p, "processes")
    for i, f in enumerate(raw.get("files", [])):
        _validate_table(src, f"files[{i}]", f, "files")
        if not f["path"].startswith("/"):
            raise ProfileError(f"{src}: files[{i}].path must be absolute")
    check_faults(src, raw.get("faults", {}))
    board = raw["board"]
    if board["os"] not in ("linux", "android"):
        raise ProfileError(f"{src}: board.os must be 'linux' or 'android', got {board['os']!r}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", board["hostname"]):
        raise ProfileError(f"{src}: board.hostname {board['hostname']!r} is not a valid hostname")
    adb = raw.get("adb", {})
    for ft in adb.get("features", list(KNOWN_FEATURES)):
        if ft not in KNOWN_FEATURES:
            raise ProfileError(
                f"{src}: adb.features: {ft!r} is not implemented (known: {', '.join(KNOWN_FEATURES)})"
            )
    auth = adb.get("auth", "none")
    if auth not in ("none", "reject"):
        raise ProfileError(f"{src}: adb.auth must be 'none' or 'reject', got {auth!r}")
    if not 4096 <= adb.get("maxdata", 262144) <= 1024 * 1024:
        raise ProfileError(f"{src}: adb.maxdata must be between 4096 and 1048576")
    npu = raw.get("npu", {})
    if npu and npu["layout"] not in ("linux", "android-rk3399pro"):
        raise ProfileError(
            f"{src}: npu.layout must be 'linux' or 'android-rk3399pro', got {npu['layout']!r}"
        )
    for key, allowed in NODE_CHOICES.items():
        if key in npu and npu[key] not in allowed:
            raise ProfileError(f"{src}: npu.{key} must be one of {', '.join(allowed)}, got {npu[key]!r}")
    if board["os"] == "android" and "android" not in raw:
        raise ProfileError(f"{src}: an android board needs an [android] table with properties")
    for k, v in raw.get("android", {}).get("properties", {}).items():
        if not isinstance(v, str):
            raise ProfileError(f"{src}: android.properties.{k} must be a string")
    pids: set[int] = set()
    for p in raw.get("processes", []):
        if p["pid"] in pids:
            raise ProfileError(f"{src}: process pid {p['pid']} appears twice")
        pids.add(p["pid"])
