"""`rknn-compat probe`: read one board over a transport and judge it.

One shell round trip gathers every fact (read.script); read.facts reads them;
judge judges them.  This module only wires those together, picks the device and
the target toolkit, and turns every way a board can fail into a report with a
reason — a dead board costs at most the timeout and never a traceback.
"""

from __future__ import annotations

import dataclasses
import math
import time

from . import judge, remedies, tables
from .errors import DeviceError, RknnCompatError, UsageError
from .read import facts, fallbacks
from .read.ask import ask
from .read.script import split_answer
from .results import INCOMPATIBLE, UNKNOWN, BoardReport, DeviceInfo, Fact, Finding, ToolkitTarget
from .tables import COMPONENTS
from .transport.adb_client import address_of
from .transport.base import MAX_OUTPUT_BYTES

DEFAULT_TIMEOUT = 15.0
MAX_TIMEOUT = 24 * 3600.0  # beyond a day a socket timeout overflows, and nobody waits that long


def check_timeout(timeout) -> float:
    """``--timeout``: a finite number of seconds, more than 0 and at most a day."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise UsageError(f"--timeout must be a number of seconds, not {timeout!r}")
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise UsageError(f"--timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds, not {timeout!r}")
    return float(timeout)


def probe(device: str | None = None, toolkit: str | None = None, toolkit2: str | None = None,
          python: str | None = None, timeout: float = DEFAULT_TIMEOUT, matrices=None,
          transport=None, record: str | None = None, usb: bool | dict = True, adb=None,
          entry=None, resolved: tuple | None = None, adb_servers: list[str] | None = None,
          host_proxy: Fact | None = None) -> BoardReport:
    """Probe one board and judge it; see the README for the JSON form of the result.

    ``device``: an adb serial, ``HOST:PORT``, ``local``, or ``fixture:FILE``; None
    picks the only attached board.  ``toolkit``/``toolkit2`` name the target; else
    the RKNN Toolkit installed in this (or ``python``'s) environment; else none.
    ``adb``, ``entry`` and ``resolved`` (the result of :func:`resolve_target`) let an
    inventory share one device list and one target look-up across its boards; ``usb`` is True
    (read the host's USB access), False, or that report read once for a whole inventory.
    ``adb_servers`` (``HOST:PORT`` each) are the adb servers to look for the board on;
    ``host_proxy`` (:func:`host_proxy_fact`) is this host's npu_transfer_proxy, read once per inventory.
    """
    timeout = check_timeout(timeout)
    if device is not None and (not isinstance(device, str) or not device):
        raise UsageError(f"--device must be a serial, HOST:PORT, 'local' or 'fixture:FILE', not {device!r}")
    matrix = tables.load(matrices)
    target, toolkit_info = resolved or resolve_target(matrix, toolkit, toolkit2, python)
    kind = "local" if device == "local" else "fixture" if device and device.startswith("fixture:") else "adb"
    report = BoardReport(device=DeviceInfo(device, None, None if transport else kind),
                         toolkit=dataclasses.replace(toolkit_info))
    started = time.monotonic()
    connected: list = []  # (adb, address) this probe connected, disconnected when it is over
    try:
        if transport is None:
            transport, entry = _open(device, timeout, adb, entry, connected, adb_servers)
        report.device = _device_info(transport, entry)
        if entry is not None and entry.state != "device":
            _unreachable(report, entry.state, remedies.adb_state(entry.state))
        else:
            if record:
                from .transport.fixture import RecordingTransport

                transport = RecordingTransport(transport, report.device.to_dict())
            if report.device.transport == "adb":  # the host side of an adb board's link, which the judge reads
                report.connection.host_npu_transfer_proxy = (host_proxy or host_proxy_fact()).to_dict()
                report.connection.usb = _usb(usb)
            _read_board(report, transport, timeout, matrix, target, started + timeout)
    except _NotFound as exc:
        _unreachable(report, "not found", f"{exc} {remedies.adb_state('not found')}")
    except DeviceError as exc:
        report.error = str(exc)
        report.verdict = UNKNOWN
    finally:
        report.device.seconds = round(time.monotonic() - started, 3)
        if record and transport is not None and hasattr(transport, "save"):
            transport.save(record)
        for adb_client, address in connected:  # leave the user's adb server as it was
            from .transport.adb import disconnect_network

            disconnect_network(adb_client, address, timeout)
    if report.device.transport == "adb" and report.connection.usb is None:  # also an unreachable board
        report.connection.usb = _usb(usb)
    return whole(report)


def _usb(usb) -> dict | None:
    """``usb``: True (read the host's USB access now), False (not at all), or a report read once already."""
    return dict(usb) if isinstance(usb, dict) else host_usb_report() if usb else None


def whole(report: BoardReport) -> BoardReport:
    """The same keys whatever the board's state: what was not read is there, null, with the reason."""
    why = report.error or "the board was not read"
    for key in ("soc", "os"):
        report.platform.setdefault(key, Fact.unknown(why))
    report.platform["os"].extra.setdefault("kernel", None)
    for comp in COMPONENTS:
        report.components.setdefault(comp, Fact.unknown(why))
    if report.connection.rknn_server_process is None:
        report.connection.rknn_server_process = Fact.unknown(why).to_dict()
    if report.device.transport == "adb" and report.connection.host_npu_transfer_proxy is None:
        report.connection.host_npu_transfer_proxy = host_proxy_fact().to_dict()  # the host side of the link
    return report


class _NotFound(DeviceError):
    pass


def resolve_target(matrix, toolkit, toolkit2, python) -> tuple[object, ToolkitTarget]:
    """The release to judge against: --toolkit/--toolkit2, else the toolkit installed on the host."""
    if toolkit and toolkit2:
        raise UsageError("give --toolkit or --toolkit2, not both")
    if toolkit or toolkit2:
        gen = "rknpu1" if toolkit else "rknpu2"
        flag = "--toolkit" if toolkit else "--toolkit2"
        try:
            rel = matrix.release(toolkit or toolkit2, gen)
        except tables.NewerThanTables as exc:  # judged by the product's rule (exit 3 where it says nothing)
            return exc.derived, ToolkitTarget(str(exc.wanted), gen, flag, kind=exc.derived.kind)
        return rel, ToolkitTarget(str(rel.toolkit), gen, flag)
    from .host.toolkit import installed_toolkit

    info = installed_toolkit(python)
    where = f"installed in {info.python}"
    if info.version is None:
        return None, ToolkitTarget(reason=info.reason or f"no rknn-toolkit {where}", remedy=remedies.NO_TARGET)
    try:
        rel = matrix.release(info.version, info.generation)
    except tables.NewerThanTables as exc:
        return exc.derived, ToolkitTarget(str(exc.wanted), info.generation, f"{info.distribution} {where}",
                                          kind=exc.derived.kind)
    except RknnCompatError as exc:
        return None, ToolkitTarget(str(info.version), info.generation, where,
                                   f"{info.distribution} {info.version} {where}: {exc}", remedies.NO_TARGET)
    return rel, ToolkitTarget(str(rel.toolkit), info.generation, f"{info.distribution} {where}")


def _open(device: str | None, timeout: float, adb, entry, connected: list, adb_servers=None):
    """The transport for ``device``: local, a recording, or a board of the adb server."""
    if device == "local":
        from .transport.local import LocalTransport

        return LocalTransport(), None
    if device and device.startswith("fixture:"):
        from .transport.fixture import FixtureTransport

        return FixtureTransport(device[len("fixture:"):]), None
    from .transport import adb as adb_mod

    if adb is None and adb_servers:
        from .lab.servers import locate
        from .transport.adb_client import servers

        adb, entry = locate(device, servers(adb_servers), timeout)
    adb = adb or adb_mod.client()
    if entry is None:
        entry = _find_entry(adb, adb_mod, device, timeout, connected)
    return adb_mod.AdbTransport(adb, entry), entry


def _find_entry(adb, adb_mod, device: str | None, timeout: float, connected: list):
    entries = adb_mod.list_devices(adb, timeout)
    if device is None:
        if len(entries) == 1:
            return entries[0]
        if not entries:
            raise UsageError("no board attached (adb devices lists none); give --device SERIAL or HOST:PORT")
        listed = ", ".join(f"{e.serial} ({e.state})" for e in entries)
        raise UsageError(f"{len(entries)} boards attached, choose one with --device: {listed}")
    for e in entries:
        if e.serial == device:
            return e
    if adb_mod.is_network_address(device):
        connected.append((adb, device))
        answer = adb_mod.connect_network(adb, device, timeout)
        for e in adb_mod.list_devices(adb, timeout):
            if e.serial == device:
                return e
        raise _NotFound(f"adb connect {device}: {answer.strip()}.")
    raise _NotFound(f"device '{device}' not found.")


def _device_info(transport, entry) -> DeviceInfo:
    out = DeviceInfo(transport.serial, entry.state if entry else "device", transport.kind)
    if entry is not None:
        out.model, out.product, out.device = (entry.tags.get(k) or None for k in ("model", "product", "device"))
        out.transport_id = entry.transport_id or None
    if getattr(transport, "adb", None) is not None:
        out.adb_server = str(address_of(transport.adb))
    elif getattr(transport, "device", None):  # a recording: what the recorded board said of itself
        for key in ("model", "product", "device", "state"):
            if key in transport.device:
                setattr(out, key, transport.device[key])
    return out


def _unreachable(report: BoardReport, state: str, remedy: str) -> BoardReport:
    report.device.state = state
    report.connection.adb_state = state
    report.findings.append(Finding("connection", UNKNOWN, "device", state, remedy))
    report.error = f"board {report.device.serial} is {state}"
    report.verdict = UNKNOWN
    return report


def _read_board(report: BoardReport, transport, timeout: float, matrix, target, deadline: float) -> None:
    result, report.device.round_trips, asked_again = ask(transport, timeout, MAX_OUTPUT_BYTES)
    if asked_again:
        report.notes.append(asked_again)
    report.device.bytes = len(result.stdout)
    answer = split_answer(result.stdout)
    report.device.boot_id, report.device.serialno = facts.board_identity(answer)
    report.connection.adb_state = report.device.state
    if not answer.sections:
        raise DeviceError(f"the board did not answer the probe: {result.error or 'no output'}")
    if not answer.finished:
        report.notes.append(f"the board's answer was incomplete ({result.error or 'connection closed early'}); "
                            "facts after the cut are unknown")
    report.platform = facts.platform_facts(answer, report.device.model)
    components = {
        "npu_driver": facts.npu_driver(answer),
        "rknn_server": facts.rknn_server(answer),
        "librknn_runtime": facts.runtime(answer),
    }
    # the pulls get what is left of the board's --timeout: a probe costs at most the timeout
    for name in ("rknn_server", "librknn_runtime"):
        components[name] = fallbacks.component_file(components[name], name, transport, _left(deadline))
    images = facts.firmware_images(answer)
    if images and not all(f.value for f in components.values()):
        components = fallbacks.npu_firmware(components, images[0], transport, _left(deadline))
    report.components = components
    running = facts.server_running(answer)
    report.connection.rknn_server_process = running.to_dict()
    host = report.connection.host_npu_transfer_proxy
    judgement = judge.judge(matrix, report.platform, components, running, target,
                            host_proxy=Fact(host.get("value"), host.get("evidence")) if host else None,
                            usb=report.connection.usb)
    report.findings += judgement.findings
    report.toolkit.matched = judgement.matched
    report.toolkit.matched_kind = judgement.matched_kind
    report.notes += judgement.notes
    report.verdict = judgement.verdict
    platform = matrix.platform(report.platform["soc"].value)
    if platform:
        report.platform["soc"].extra["generation"] = platform.generation
        report.notes += list(platform.notes)
    if not answer.finished:
        why = result.error or "the board closed the connection before the probe finished"
        _explain_cut(report, why)
        if report.verdict != INCOMPATIBLE:
            report.error = why


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _explain_cut(report: BoardReport, why: str) -> None:
    """Facts lost to a cut-off answer get one remedy about the board, not the manual's commands."""
    for finding in report.findings:
        fact = report.components.get(finding.component)
        if finding.status == UNKNOWN and fact is not None and fact.lost_to_cut:
            finding.remedy = remedies.cut_off(why)


def host_proxy_fact() -> Fact:
    """Whether npu_transfer_proxy runs on this host (a scan of /proc: a few ms)."""
    from .host.processes import SOURCE, transfer_proxy_pids

    pids, why = transfer_proxy_pids()
    if pids is None:
        return Fact.unknown(why, SOURCE)
    if not pids:
        return Fact("not running", "no process named npu_transfer_proxy", SOURCE)
    return Fact("running", "npu_transfer_proxy pid " + ", ".join(map(str, pids[:5])), SOURCE,
                extra={"pids": pids[:20]})


def host_usb_report() -> dict:
    from .host import usb

    try:
        full = usb.check_usb_access().to_dict(nested=True)
    except RknnCompatError as exc:
        return {"status": "unknown", "reason": str(exc)}
    # the per-file listing is for `rknn-compat usb --format json`; a board report keeps the verdict
    return {k: v for k, v in full.items() if k != "rule_files"}
