"""Board profiles: TOML data files describing one simulated Rockchip NPU board.

A profile is plain data (see ``profiles/*.toml``); a ``base = "NAME"`` key inherits another
profile's tables.  ``load_profile`` validates it strictly (``profile_schema``): unknown keys,
missing fields and wrong types are refused with a :class:`ProfileError` naming the file and
the reason.  Faults can be switched on for any profile either in its
``[faults]`` table or by suffixing its name: ``rk1808-linux-1.3.2+stall+latency_ms=50``.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rknn_compat.sim.profile_schema import KNOWN_FEATURES, SCHEMA, ProfileError, check_faults, validate
from rknn_compat.userfiles import read_toml

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


@dataclass
class Process:
    pid: int
    name: str
    cmdline: list[str] = field(default_factory=list)
    ppid: int = 1
    state: str = "S"
    uid: int = 0


@dataclass
class ExtraFile:
    path: str
    text: str | None = None
    elf_strings: list[str] | None = None
    size: int = 0
    mode: int = 0o644


@dataclass
class Faults:
    latency_ms: int = 0
    stall: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    drop_after_bytes: int = 700
    garbage: bool = False
    huge_dmesg: bool = False
    dmesg_rotated: bool = False
    no_strings: bool = False
    no_runtime: bool = False
    unauthorized: bool = False
    offline: bool = False
    endless_pull: bool = False  # the sync service streams DATA forever, whatever the file's size

    def active(self) -> list[str]:
        out = []
        for f in dataclasses.fields(self):
            if f.name == "drop_after_bytes":
                continue
            v = getattr(self, f.name)
            if v:
                out.append(f.name if v is True else f"{f.name}={v}")
        return out


@dataclass
class Profile:
    """One simulated board.  ``source`` is the file it came from."""

    name: str
    description: str
    source: str
    # [board]
    os: str
    product_name: str
    model: str
    device: str
    compatible: list[str]
    proc_version: str
    hostname: str
    machine: str = "aarch64"
    kernel_release: str = "4.4.194"
    dt_model: str = ""
    cpuinfo: str = ""
    serialno: str = ""
    # [adb]
    features: list[str] = field(default_factory=lambda: list(KNOWN_FEATURES))
    auth: str = "none"
    maxdata: int = 262144
    # [npu]
    npu: dict[str, Any] = field(default_factory=dict)
    # [kernel]
    dmesg: str = ""
    modules: list[str] = field(default_factory=list)
    # [android]
    properties: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    files: list[ExtraFile] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)

    def with_faults(self, **faults: Any) -> Profile:
        """A copy of this profile with the given faults switched on."""
        p = copy.deepcopy(self)
        for k, v in faults.items():
            if not hasattr(p.faults, k):
                raise ProfileError(f"{self.source}: unknown fault {k!r}")
            setattr(p.faults, k, v)
        check_faults(self.source, dataclasses.asdict(p.faults))
        if p.faults.unauthorized:
            p.auth = "reject"
        return p


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "properties":
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


MAX_PROFILE_BYTES = 8 << 20  # a profile may carry a hostile board's large /proc/version


def _read_toml(path: Path) -> dict:
    return read_toml(path, MAX_PROFILE_BYTES, "profile", ProfileError)


def _resolve_name(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists() or "/" in str(name_or_path):
        if not p.exists():
            raise ProfileError(f"{p}: no such profile file")
        return p
    cand = PROFILE_DIR / f"{name_or_path}.toml"
    if not cand.exists():
        known = ", ".join(n for n, _ in list_profiles())
        raise ProfileError(f"unknown profile {str(name_or_path)!r} (built-in: {known})")
    return cand


def _load_raw(path: Path, seen: tuple[str, ...] = ()) -> dict:
    raw = _read_toml(path)
    src = str(path)
    if "base" in raw:
        if not isinstance(raw["base"], str):
            raise ProfileError(f"{src}: base must be a string")
        if raw["base"] in seen:
            raise ProfileError(f"{src}: base profiles form a loop: {' -> '.join(seen)}")
        base_path = _resolve_name(raw["base"])
        if not base_path.is_absolute() and not base_path.exists():
            base_path = path.parent / raw["base"]
        base = _load_raw(base_path, seen + (raw["base"],))
        base.pop("name", None)
        raw = _merge(base, {k: v for k, v in raw.items() if k != "base"})
    return raw


def load_profile(name_or_path: str | Path | Profile) -> Profile:
    """Load a built-in profile by name, or a TOML file by path.

    ``NAME+fault+fault=value`` switches faults on, e.g. ``rk1808-linux-1.3.2+stall``.
    """
    if isinstance(name_or_path, Profile):
        return name_or_path
    spec = str(name_or_path)
    fault_opts: dict[str, Any] = {}
    if "+" in spec and not Path(spec).exists():
        spec, *opts = spec.split("+")
        for opt in opts:
            key, eq, val = opt.partition("=")
            key = key.replace("-", "_")
            if key not in SCHEMA["faults"] or key == "drop_after_bytes" and not eq:
                raise ProfileError(f"{name_or_path}: unknown fault {key!r}")
            t = SCHEMA["faults"][key][0]
            if t is bool:
                fault_opts[key] = val.lower() not in ("0", "false", "no") if eq else True
            elif t is int:
                try:
                    fault_opts[key] = int(val) if eq else 100
                except ValueError as e:
                    raise ProfileError(f"{name_or_path}: {key} needs an integer") from e
            else:
                fault_opts[key] = val.split(",") if eq else ["dmesg"]
    path = _resolve_name(spec)
    raw = _load_raw(path)
    prof = _build(raw, path)
    if fault_opts:
        prof = prof.with_faults(**fault_opts)
        prof.name = str(name_or_path)
    return prof


def _build(raw: dict, path: Path) -> Profile:
    src = str(path)
    validate(src, raw)
    board = raw["board"]
    adb = raw.get("adb", {})
    faults = Faults(**raw.get("faults", {}))
    auth = "reject" if faults.unauthorized else adb.get("auth", "none")
    name = raw.get("name", path.stem)
    prof = Profile(
        name=name,
        description=raw["description"],
        source=src,
        os=board["os"],
        product_name=board["product_name"],
        model=board["model"],
        device=board["device"],
        compatible=list(board["compatible"]),
        proc_version=board["proc_version"],
        hostname=board["hostname"],
        machine=board.get("machine", "aarch64"),
        kernel_release=board.get("kernel_release", "4.4.194"),
        dt_model=board.get("dt_model", board["model"]),
        cpuinfo=board.get("cpuinfo", ""),
        serialno=board.get("serialno", ""),
        features=list(adb.get("features", KNOWN_FEATURES)),
        auth=auth,
        maxdata=adb.get("maxdata", 262144),
        npu=dict(raw.get("npu", {})),
        dmesg=raw.get("kernel", {}).get("dmesg", ""),
        modules=list(raw.get("kernel", {}).get("modules", [])),
        properties=dict(raw.get("android", {}).get("properties", {})),
        processes=[Process(**p) for p in raw.get("processes", [])],
        files=[ExtraFile(**f) for f in raw.get("files", [])],
        faults=faults,
    )
    return prof


def list_profiles() -> list[tuple[str, str]]:
    """Built-in profiles as ``(name, one-line description)``, sorted by name."""
    out = []
    for p in sorted(PROFILE_DIR.glob("*.toml")):
        try:
            raw = _read_toml(p)
            desc = str(raw.get("description", "")).strip().splitlines()[0]
        except (ProfileError, IndexError):
            desc = "(unreadable)"
        out.append((p.stem, desc))
    return out
