"""Doctor area "boards": every given (or attached) board, probed as `rknn-compat probe` does, one check each.

With no ``--device`` the boards are the ones the running adb server lists; with no server running
nothing is started (a server started by the wrong adb is one of the problems the adb area looks
for), and the area says so.
"""

from __future__ import annotations

from ..errors import RknnCompatError
from ..results import COMPATIBLE, CONSISTENT, INCOMPATIBLE, NOT_READY, BoardReport, ToolkitTarget
from .context import Context
from .report import OK, PROBLEM, UNKNOWN, WARNING, Check, guard

# consistent: no target, the board agrees with itself (the toolkit area says the target is missing);
# not ready: the versions fit but a service or the link stops it working, a problem to fix
_VERDICT = {COMPATIBLE: OK, CONSISTENT: OK, INCOMPATIBLE: PROBLEM, NOT_READY: PROBLEM}


def boards_area(ctx: Context) -> list[Check]:
    devices = list(ctx.devices)
    if not devices:
        listed = _listed(ctx)
        if isinstance(listed, Check):
            return [listed]
        devices = listed
    return [c for i, d in enumerate(devices)
            for c in guard(f"board:{d}", f"board {d}", lambda d=d, i=i: [_board(ctx, d, i)])]


def _listed(ctx: Context) -> list[str] | Check:
    if ctx.adb_servers:
        return _listed_on_servers(ctx)
    from ..transport import adb
    from .adb import server_version

    try:
        host, port = adb.server_address()
        version, what = server_version(host, port)
        if version is None:
            return Check("boards", UNKNOWN, "boards", found=f"{what}: no board list",
                         remedy="Start the adb server with the adb the toolkit uses (adb start-server), or name a "
                                "board: --device SERIAL | HOST:PORT | fixture:FILE.")
        entries = adb.list_devices(adb.client(ctx.timeout))
    except RknnCompatError as exc:
        return Check("boards", UNKNOWN, "boards", found=str(exc))
    if not entries:
        return Check("boards", WARNING, "boards", found=f"{what} lists no board",
                     remedy="Connect a board (USB, or adb connect HOST:PORT) and check `adb devices`.")
    return [e.serial for e in entries]


def _listed_on_servers(ctx: Context) -> list[str] | Check:
    """--adb-server: the boards every named server lists (a named server is never started)."""
    from ..lab import servers as lab_servers
    from ..transport.adb_client import servers

    try:
        listings = lab_servers.list_all(servers(ctx.adb_servers), ctx.timeout, start=False)
    except RknnCompatError as exc:
        return Check("boards", UNKNOWN, "boards", found=str(exc))
    up = [x for x in listings if x.entries is not None]
    if not up:
        return Check("boards", UNKNOWN, "boards", found="; ".join(x.error for x in listings))
    serials = list(dict.fromkeys(e.serial for x in up for e in x.entries))
    if not serials:
        return Check("boards", WARNING, "boards", found=f"{', '.join(str(x.server) for x in up)} list no board",
                     remedy="Connect a board (USB, or adb connect HOST:PORT) and check `adb devices`.")
    return serials


def _board(ctx: Context, device: str, index: int) -> Check:
    from ..board_probe import probe

    target = ctx.target
    resolved = (target.release, ToolkitTarget(target.version, target.generation, target.source,
                                              None if target.version else target.reason))
    record = str(ctx.record_dir / f"board-{index + 1}.json") if ctx.record_dir else None
    try:
        report = probe(device=device, timeout=ctx.timeout, matrices=ctx.matrices, usb=False, resolved=resolved,
                       record=record, adb_servers=ctx.adb_servers or None)
    except RknnCompatError as exc:  # a bad --device (fixture file, address): this board only
        return Check(f"board:{device}", UNKNOWN, f"board {device}", found=str(exc))
    return board_check(report, device)


def board_check(report: BoardReport, device: str) -> Check:
    dev = report.device
    facts = {k: (f.value or "?") for k, f in report.components.items()}
    soc = report.platform.get("soc")
    what = f"{soc.value if soc and soc.value else 'SoC ?'}"
    if facts:
        what += ": " + ", ".join(f"{k} {v}" for k, v in facts.items())
    found = report.error if report.error and not facts else what
    remedies = list(dict.fromkeys(f.remedy for f in report.findings if f.remedy and f.status != "ok"))
    evidence = [f"{f.component}: {f.status}, expected {f.expected or '-'}, found {f.found or '-'}"
                for f in report.findings] + [f"note: {n}" for n in report.notes]
    matched = report.toolkit.matched
    expected = (f"{report.toolkit.version} ({report.toolkit.source})" if report.toolkit.version
                else "no target toolkit") + (f"; board matches {', '.join(matched) or 'none'}" if matched is not None
                                             else "")
    return Check(f"board:{dev.serial or device}", _VERDICT.get(report.verdict, UNKNOWN),
                 f"board {dev.serial or device} ({dev.transport}, {dev.state})", found=found, expected=expected,
                 remedy=" ".join(remedies) or None, evidence=evidence, details=report.to_dict(nested=True))
