"""Typed results of a probe (one board) and an inventory (many), with their JSON form.

``to_dict()`` *is* the JSON contract documented in the README: scripts read it, so
fields are only ever added, never renamed. Optional parts are left out of the JSON until
they are known, as they always have been.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .errors import ExitCode
from .versions import Version

COMPATIBLE, INCOMPATIBLE, UNKNOWN = "compatible", "incompatible", "unknown"
OK, MISMATCH = "ok", "mismatch"  # finding statuses; plus UNKNOWN
VERDICT_EXIT = {COMPATIBLE: ExitCode.OK, INCOMPATIBLE: ExitCode.PROBLEM, UNKNOWN: ExitCode.UNKNOWN}
# over several boards the worst verdict wins, in this order
_SEVERITY = (INCOMPATIBLE, UNKNOWN, COMPATIBLE)


def _present(obj) -> dict:
    """The dataclass's fields in order, without the ones still unknown (None)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj) if getattr(obj, f.name) is not None}


@dataclass
class Fact:
    """One thing read off the board, with where it came from, or why it could not be."""

    value: str | None = None  # normalised version, SoC name, "linux", ...
    evidence: str | None = None  # the line it was read from
    source: str | None = None  # the command (and file) that printed it
    reason: str | None = None  # why value is None
    extra: dict = field(default_factory=dict)  # details for the reader; nothing else reads them
    version: Version | None = field(default=None, compare=False)  # the parsed value, kept for judging
    # what other modules read, as fields (in the JSON, before the details):
    driver: str | None = None  # "galcore" (RKNPU1) or "rknpu" (RKNPU2)
    location: str | None = None  # "npu_firmware": read from RK3399Pro's NPU side
    path: str | None = None  # the file it was read from
    tool: str | None = None  # "strings", or "grep" where the board had no strings
    installed: bool | None = None  # False: the component is not on the board at all
    lost_to_cut: bool = False  # unknown because the board's answer stopped early

    _TYPED = ("driver", "location", "path", "tool", "installed")

    @classmethod
    def unknown(cls, reason: str, source: str | None = None, **typed) -> Fact:
        return cls(None, None, source, reason, **typed)

    @classmethod
    def read(cls, parsed, source: str, extra: dict | None = None, **typed) -> Fact:
        """A version a reader found (a :class:`rknn_compat.read.Parsed`)."""
        return cls(str(parsed.version), parsed.evidence, source, None, extra or {}, parsed.version, **typed)

    def to_dict(self, key: str = "value") -> dict:
        out = {k: getattr(self, k) for k in self._TYPED if getattr(self, k) is not None}
        out.update(self.extra)  # details first: they never replace the contract's keys
        out.update({key: self.value, "evidence": self.evidence, "source": self.source, "reason": self.reason})
        return out


@dataclass
class Finding:
    component: str
    status: str  # ok / mismatch / unknown
    expected: str | None
    found: str | None
    remedy: str | None = None

    def to_dict(self) -> dict:
        return {"component": self.component, "status": self.status, "expected": self.expected,
                "found": self.found, "remedy": self.remedy}


@dataclass
class DeviceInfo:
    """Which board, how it was reached, and what reading it cost."""

    serial: str | None = None
    state: str | None = None  # adb's state: device, unauthorized, offline, not found, ...
    transport: str | None = None  # adb, local, fixture
    model: str | None = None
    product: str | None = None
    device: str | None = None
    transport_id: int | None = None
    round_trips: int | None = None
    bytes: int | None = None
    seconds: float | None = None
    adb_server: str | None = None  # HOST:PORT of the adb server the board was reached through
    serialno: str | None = None  # the serial the board reports (ro.serialno, device tree)
    boot_id: str | None = None  # /proc/sys/kernel/random/boot_id: one board, one boot
    labels: dict | None = None  # from the lab file
    also_seen: list | None = None  # the same board reached another way: [{"serial", "adb_server"}]

    def to_dict(self) -> dict:
        return {"serial": self.serial, "state": self.state, "transport": self.transport, **_present(self)}


@dataclass
class ToolkitTarget:
    """The toolkit a board is judged against, where that came from, and what the board matches."""

    version: str | None = None
    generation: str | None = None  # rknpu1 / rknpu2
    source: str | None = None  # "--toolkit", "rknn-toolkit installed in /usr/bin/python3", ...
    reason: str | None = None  # why there is no target
    matched: list[str] | None = None  # releases the board fits (set by the judge)

    def to_dict(self) -> dict:
        return {"version": self.version, "generation": self.generation, "source": self.source, **_present(self)}


@dataclass
class Connection:
    """The link and the services that must be up: adb state, rknn_server process, USB access."""

    adb_state: str | None = None
    rknn_server_process: dict | None = None
    usb: dict | None = None

    def to_dict(self) -> dict:
        return _present(self)


@dataclass
class BoardReport:
    """Everything rknn-compat knows about one board and how it fits the toolkit."""

    device: DeviceInfo
    platform: dict[str, Fact] = field(default_factory=dict)
    components: dict[str, Fact] = field(default_factory=dict)
    toolkit: ToolkitTarget = field(default_factory=ToolkitTarget)
    findings: list[Finding] = field(default_factory=list)
    connection: Connection = field(default_factory=Connection)
    notes: list[str] = field(default_factory=list)
    verdict: str = UNKNOWN
    error: str | None = None

    @property
    def exit_code(self) -> ExitCode:
        return VERDICT_EXIT.get(self.verdict, ExitCode.UNKNOWN)

    def to_dict(self) -> dict:
        return {
            "device": self.device.to_dict(),
            "platform": {k: f.to_dict() for k, f in self.platform.items()},
            "components": {k: f.to_dict("version") for k, f in self.components.items()},
            "toolkit": self.toolkit.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "connection": self.connection.to_dict(),
            "notes": self.notes,
            "verdict": self.verdict,
            "error": self.error,
        }


def worst_verdict(verdicts) -> str:
    """Over several boards (or findings): incompatible if any, else unknown if any, else compatible."""
    verdicts = set(verdicts)
    if not verdicts:
        return UNKNOWN
    return next(v for v in _SEVERITY if v in verdicts) if verdicts <= set(_SEVERITY) else UNKNOWN


@dataclass
class InventoryReport:
    boards: list[BoardReport]
    toolkit: ToolkitTarget = field(default_factory=ToolkitTarget)
    seconds: float = 0.0
    servers: list[dict] = field(default_factory=list)  # {"adb_server", "boards", "error"} per server asked

    @property
    def verdict(self) -> str:
        down = [UNKNOWN] if any(s.get("error") for s in self.servers) else []
        return worst_verdict([b.verdict for b in self.boards] + down)

    @property
    def exit_code(self) -> ExitCode:
        return VERDICT_EXIT.get(self.verdict, ExitCode.UNKNOWN)

    def summary(self) -> dict:
        counts = {COMPATIBLE: 0, INCOMPATIBLE: 0, UNKNOWN: 0}
        for b in self.boards:
            counts[b.verdict] = counts.get(b.verdict, 0) + 1
        return {"boards": len(self.boards), **counts, "verdict": self.verdict,
                "seconds": round(self.seconds, 3)}

    def to_dict(self) -> dict:
        return {"boards": [b.to_dict() for b in self.boards], "summary": self.summary(),
                "toolkit": self.toolkit.to_dict(), "servers": self.servers}
