"""Boards of several adb servers, and one board reached twice reported once.

Every server is asked for its list at the same time (``host:devices-l``, adb's own
client/server protocol, as ``adb -H HOST -P PORT devices -l``); each board is then probed
through the server that listed it.  A board seen twice (on two servers, or over USB and TCP)
is recognised after the probe by what it says of itself (read/board_id.py): its boot id, and
its serial number.  The report that reached it best is kept; the others become ``also_seen``
and a note.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..errors import DeviceError, UsageError
from ..results import UNKNOWN, BoardReport
from ..transport import adb as adb_mod
from ..transport import adb_client
from ..transport.adb_client import ServerAddress


@dataclass
class Target:
    """One board to probe: the server that lists it, its client, its serial and listing."""

    server: ServerAddress
    client: object
    serial: str
    entry: adb_mod.DeviceEntry | None


@dataclass
class Listing:
    server: ServerAddress
    client: object
    entries: list[adb_mod.DeviceEntry] | None  # None: the server did not answer
    error: str | None = None

    def to_dict(self) -> dict:
        return {"adb_server": str(self.server), "boards": None if self.entries is None else len(self.entries),
                "error": self.error}


def plan_servers(named: list[str] | None, lab=None) -> tuple[list[ServerAddress], dict]:
    """The servers to ask (``--adb-server`` ones, then the lab file's; default the environment's)
    and, per server, the only boards the lab file takes from it (an empty dict: the default)."""
    addresses = [adb_client.parse_server(t) for t in named or []]
    wanted = {}
    for s in lab.servers if lab else []:
        addresses.append(s.address)
        if s.boards is not None:
            wanted[s.address] = list(s.boards)
    return list(dict.fromkeys(addresses)) or [adb_client.default_server()], wanted


def place(report: BoardReport, target: Target, lab=None) -> None:
    """Mark a board's report with the server it was reached through and its lab labels."""
    report.device.adb_server = str(target.server)
    labels = lab.labels_for(target.server, target.serial, report.device.serialno) if lab else {}
    report.device.labels = labels or None


def list_all(addresses: list[ServerAddress], timeout: float, start: bool = False) -> list[Listing]:
    """Every server's device list, asked concurrently; a server that does not answer says why.
    ``start``: start this host's default server if it is the one asked and is not running."""
    def one(address: ServerAddress) -> Listing:
        client = adb_client.client(address, timeout, start)
        try:
            return Listing(address, client, adb_mod.list_devices(client, timeout, start=start))
        except DeviceError as exc:
            return Listing(address, client, None, f"adb server {address}: {exc}")

    with ThreadPoolExecutor(max_workers=min(16, len(addresses)) or 1, thread_name_prefix="rknn-list") as pool:
        return list(pool.map(one, addresses))


def targets(listings: list[Listing], named: list[str], wanted: dict | None = None) -> list[Target]:
    """The boards to probe.  ``named`` serials: through every server listing each (one nobody lists
    goes to the first server, which ``adb connect``s a HOST:PORT); else ``wanted[server]`` (the lab
    file's ``boards``) where given, else every board each server lists."""
    up = [x for x in listings if x.entries is not None]

    def pick(listing: Listing, serials: list[str]) -> list[Target]:
        listed = {e.serial: e for e in listing.entries}
        return [Target(listing.server, listing.client, s, listed.get(s)) for s in serials]

    out: list[Target] = []
    if named:
        for serial in dict.fromkeys(named):
            homes = [x for x in up if any(e.serial == serial for e in x.entries)] or up[:1]
            for listing in homes:
                out += pick(listing, [serial])
        return out
    for listing in up:
        only = (wanted or {}).get(listing.server)
        out += pick(listing, only if only is not None else [e.serial for e in listing.entries])
    return out


def locate(device: str | None, addresses: list[ServerAddress], timeout: float):
    """(client, entry or None) of the one board ``device`` names across several servers (for probe)."""
    listings = list_all(addresses, timeout)
    down = [x.error for x in listings if x.entries is None]
    if len(down) == len(listings):
        raise DeviceError("; ".join(down))
    found = targets(listings, [device] if device else [])
    if device is None:
        if len({t.serial for t in found}) == 1:
            return found[0].client, found[0].entry
        if not found:
            raise UsageError("no board attached to any adb server; give --device SERIAL or HOST:PORT")
        listed = ", ".join(f"{t.serial} ({t.entry.state}, {t.server})" for t in found)
        raise UsageError(f"{len(found)} boards attached, choose one with --device: {listed}")
    ready = [t for t in found if t.entry is not None and t.entry.state == "device"]
    best = (ready or found)[0]
    return best.client, best.entry


def identity(report: BoardReport) -> tuple | None:
    """What makes two reports the same board: boot id (with the serial number), else serial number."""
    dev = report.device
    if dev.boot_id:
        return ("boot", dev.boot_id, dev.serialno)
    if dev.serialno:
        return ("serialno", dev.serialno)
    return None


def merge_duplicates(reports: list[BoardReport]) -> list[BoardReport]:
    """One report per board: the same board reached twice keeps its best report, with a note."""
    groups: dict[tuple, list[BoardReport]] = {}
    order: list[tuple] = []
    for i, r in enumerate(reports):
        key = identity(r) or ("adb", r.device.serial, i)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(r)
    # a board nobody could read (offline on one server) is the board of the same serial that answered
    by_serial = {r.device.serial: key for key in order if key[0] != "adb" for r in groups[key]}
    for key in [k for k in order if k[0] == "adb"]:
        home = by_serial.get(key[1])
        if home is not None:
            groups[home] += groups.pop(key)
            order.remove(key)
    return [_keep_one(groups[key]) for key in order]


def _keep_one(same: list[BoardReport]) -> BoardReport:
    if len(same) == 1:
        return same[0]
    ranked = sorted(same, key=lambda r: (r.verdict == UNKNOWN, bool(r.error), adb_mod.is_network_address(
        r.device.serial or "")))
    kept, others = ranked[0], ranked[1:]
    kept.device.also_seen = [{"serial": r.device.serial, "adb_server": r.device.adb_server,
                              "state": r.device.state} for r in others]
    ways = ", ".join(f"{r.device.serial} via {r.device.adb_server}" for r in others)
    what = f"boot id {kept.device.boot_id}" if kept.device.boot_id else f"serial number {kept.device.serialno}"
    kept.notes.append(f"the same board ({what}) was also reached as {ways}; reported once")
    return kept
