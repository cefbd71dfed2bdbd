"""Typed results of a probe (one board) and an inventory (many), with their JSON form.

``to_dict()`` *is* the JSON contract documented in the README: scripts read it, so
fields are only ever added, never renamed. Optional parts are left out of the JSON until
they are known, as they always have been.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .errors import ExitCode
from .schemas import versioned
from .versions import Version

# verdicts (README "Verdicts and exit codes"):
COMPATIBLE = "compatible"  # fits the target toolkit
CONSISTENT = "consistent"  # no target: every component belongs to one release (toolkit.matched names it)
INCOMPATIBLE = "incompatible"  # a version does not fit (the target, or the board's other components)
NOT_READY = "not_ready"  # the versions fit, but something stops it working (a stopped service, ...)
UNKNOWN = "unknown"  # a needed fact could not be read, or the board not reached
VERDICTS = (COMPATIBLE, CONSISTENT, INCOMPATIBLE, NOT_READY, UNKNOWN)
# finding statuses: OK, MISMATCH, NOT_READY, WARNING (Rockchip only recommends it; never changes
# the verdict), UNKNOWN
OK, MISMATCH, WARNING = "ok", "mismatch", "warning"
FINDING_STATUSES = (OK, MISMATCH, NOT_READY, WARNING, UNKNOWN)
VERDICT_EXIT = {COMPATIBLE: ExitCode.OK, CONSISTENT: ExitCode.OK, INCOMPATIBLE: ExitCode.PROBLEM,
                NOT_READY: ExitCode.NOT_READY, UNKNOWN: ExitCode.UNKNOWN}
# over several boards (or findings) the worst verdict wins, in this order: a mismatch is a fact,
# an unknown may hide one, and "not ready" says the versions fit
_SEVERITY = (INCOMPATIBLE, UNKNOWN, NOT_READY, CONSISTENT, COMPATIBLE)


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
    loaded_from: str | None = None  # NPU driver: "debugfs", "sysfs", "procfs", "kernel log" or "module file"
    installed_version: str | None = None  # NPU driver: the version of the module file on disk
    lost_to_cut: bool = False  # unknown because the board's answer stopped early

    _TYPED = ("driver", "location", "path", "tool", "installed", "loaded_from", "installed_version")

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
    status: str  # one of FINDING_STATUSES
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
    remedy: str | None = None  # no target: how to give one
    matched: list[str] | None = None  # releases the board fits (set by the judge)
    matched_kind: str | None = None  # what matched names: "toolkit" releases, a "board" release, a "derived" row
    kind: str | None = None  # "derived": the target is newer than the tables, judged by its product's rule

    def to_dict(self) -> dict:
        return {"version": self.version, "generation": self.generation, "source": self.source, **_present(self)}


@dataclass
class Connection:
    """The link and the services that must be up: adb state, rknn_server process, USB access."""

    adb_state: str | None = None
    rknn_server_process: dict | None = None
    usb: dict | None = None
    host_npu_transfer_proxy: dict | None = None  # adb boards: must not run on the host (TS 1.7.5 8.8 item 5)

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

    def to_dict(self, nested: bool = False) -> dict:
        """The probe JSON; ``nested``: a board inside another document (inventory, doctor), no schema_version."""
        return versioned({
            "device": self.device.to_dict(),
            "platform": {k: f.to_dict() for k, f in self.platform.items()},
            "components": {k: f.to_dict("version") for k, f in self.components.items()},
            "toolkit": self.toolkit.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "connection": self.connection.to_dict(),
            "notes": self.notes,
            "verdict": self.verdict,
            "error": self.error,
        }, nested)


def worst_verdict(verdicts) -> str:
    """Over several boards (or findings): the first of incompatible, unknown, not_ready, consistent,
    compatible that occurs; nothing at all, or a word outside the vocabulary, is unknown."""
    verdicts = set(verdicts)
    if not verdicts:
        return UNKNOWN
    return next(v for v in _SEVERITY if v in verdicts) if verdicts <= set(_SEVERITY) else UNKNOWN


@dataclass
class Rack:
    """An inventory without a target, judged as a whole: can one toolkit serve every board?

    ``releases`` maps each release label (or labels, ``"1.7.0, 1.7.1"``) to the serials of the
    boards that belong to it; boards that belong to none (incompatible, unknown) are left out.
    """

    judged: bool = False  # False with a target toolkit: each board was judged against it instead
    releases: dict[str, list[str]] = field(default_factory=dict)
    common: list[str] = field(default_factory=list)  # releases every judged board belongs to
    status: str = OK  # ok, mismatch (no release fits them all) or unknown (no board to judge)
    finding: str | None = None  # "3 boards on 1.7.5, 1 on 1.1.0"
    remedy: str | None = None

    @property
    def verdict(self) -> str | None:
        """What the rack adds to the boards' verdicts: incompatible for a mixed rack, else nothing."""
        return INCOMPATIBLE if self.status == MISMATCH else None

    def to_dict(self) -> dict:
        return {"judged": self.judged, "releases": {k: list(v) for k, v in self.releases.items()},
                "common": list(self.common), "status": self.status, "finding": self.finding,
                "remedy": self.remedy}


@dataclass
class InventoryReport:
    boards: list[BoardReport]
    toolkit: ToolkitTarget = field(default_factory=ToolkitTarget)
    seconds: float = 0.0
    rack: Rack = field(default_factory=Rack)
    servers: list[dict] = field(default_factory=list)  # {"adb_server", "boards", "error"} per server asked

    @property
    def verdict(self) -> str:
        rack = [self.rack.verdict] if self.rack.verdict else []
        down = [UNKNOWN] if any(s.get("error") for s in self.servers) else []
        return worst_verdict([b.verdict for b in self.boards] + rack + down)

    @property
    def exit_code(self) -> ExitCode:
        return VERDICT_EXIT.get(self.verdict, ExitCode.UNKNOWN)

    def summary(self) -> dict:
        counts = dict.fromkeys(VERDICTS, 0)
        for b in self.boards:
            counts[b.verdict] = counts.get(b.verdict, 0) + 1
        return {"boards": len(self.boards), **counts, "verdict": self.verdict,
                "seconds": round(self.seconds, 3)}

    def to_dict(self) -> dict:
        return versioned({"boards": [b.to_dict(nested=True) for b in self.boards], "summary": self.summary(),
                          "toolkit": self.toolkit.to_dict(), "rack": self.rack.to_dict(), "servers": self.servers})
