"""`rknn-compat inventory`: probe every board at once, for lab scripts and CI gates.

The adb server is asked for its list once; each board is then probed in its own
worker (bounded by ``jobs``) with its own timeout, so one stalled or dead board
never holds back the others' results and never stops the run.
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
import time
from pathlib import Path

from . import judge, remedies, tables
from .board_probe import DEFAULT_TIMEOUT, check_timeout, host_proxy_fact, host_usb_report, probe, resolve_target, whole
from .errors import DeviceError, ExitCode, RknnCompatError, UsageError
from .results import MISMATCH, UNKNOWN, BoardReport, DeviceInfo, InventoryReport, Rack
from .userfiles import read_text

MAX_JOBS = 64
WAITING_AFTER = 3.0  # seconds before the progress bar names the boards still awaited
MAX_DEVICES_FILE_BYTES = 4 << 20  # 16 000 lines of 255 characters


def read_devices_file(path: str | Path) -> list[str]:
    """One serial or HOST:PORT a line; ``#`` starts a comment; a file naming no board is an error."""
    text = read_text(path, MAX_DEVICES_FILE_BYTES, "devices file")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        item = line.split("#", 1)[0].strip()
        if not item:
            continue
        if any(c.isspace() for c in item) or len(item) > 255:
            raise UsageError(f"{path}:{number}: not a serial or HOST:PORT: {item[:60]!r}")
        out.append(item)
    if not out:  # never fall back to "every board": the user meant to name some
        raise UsageError(f"devices file {path} names no board (only blank lines and # comments)")
    return out


def inventory(devices: list[str] | None = None, devices_file: str | None = None,
              toolkit: str | None = None, toolkit2: str | None = None, python: str | None = None,
              jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT, matrices=None,
              progress=None, usb: bool = True, adb_servers: list[str] | None = None,
              lab: str | None = None) -> InventoryReport:
    """Probe the named boards (or every board the adb servers list) concurrently.

    Returns an :class:`InventoryReport`; ``to_dict()`` is the JSON of
    ``rknn-compat inventory --format json``.  ``progress(done, total[, pending])`` is called
    as boards finish (``pending``: the boards still awaited, once the run is a few seconds old).
    Ctrl-C raises :class:`Interrupted` at once, carrying the boards that finished.
    ``adb_servers`` (``HOST:PORT``) and the ``lab`` file name the adb servers to ask (default: the
    environment's one); one board reached twice is reported once.
    """
    from .lab import servers as lab_servers
    from .lab.labfile import load_lab

    plan = load_lab(lab) if lab else None
    if plan is not None:
        toolkit, toolkit2 = (toolkit, toolkit2) if toolkit or toolkit2 else (plan.toolkit, plan.toolkit2)
        timeout = plan.timeout if plan.timeout and timeout == DEFAULT_TIMEOUT else timeout
        jobs = jobs or plan.jobs
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or not 1 <= jobs <= 1024):
        raise UsageError("--jobs must be between 1 and 1024")
    check_timeout(timeout)
    if isinstance(devices, str):  # one board named by the API, not a sequence of one-character serials
        devices = [devices]
    named = list(devices or []) + (read_devices_file(devices_file) if devices_file is not None else [])
    if not all(isinstance(d, str) and d for d in named):
        raise UsageError("a device must be a non-empty serial or HOST:PORT")
    matrix = tables.load(matrices)
    resolved = resolve_target(matrix, toolkit, toolkit2, python)  # once, and fail fast on a bad --toolkit
    toolkit_info = resolved[1]
    started = time.monotonic()
    addresses, wanted = lab_servers.plan_servers(adb_servers, plan)
    listings = lab_servers.list_all(addresses, timeout, start=not adb_servers and plan is None)
    if all(x.entries is None for x in listings):
        raise DeviceError("; ".join(x.error for x in listings))
    todo = lab_servers.targets(listings, named, wanted)
    served = [x.to_dict() for x in listings]
    if not todo:
        return InventoryReport([], toolkit_info, time.monotonic() - started, Rack(judged=resolved[0] is None),
                               served)
    workers = min(jobs or MAX_JOBS, len(todo))
    results: dict[int, BoardReport] = {}
    queue = list(reversed(range(len(todo))))
    changed = threading.Condition()
    # read once for all the boards: the host's USB access and its npu_transfer_proxy processes
    host_usb = host_usb_report() if usb else None
    host_proxy = host_proxy_fact()

    def one(index: int) -> BoardReport:
        t = todo[index]
        try:
            report = probe(device=t.serial, timeout=timeout, matrices=matrices, adb=t.client, entry=t.entry,
                           usb=host_usb or False, resolved=resolved, host_proxy=host_proxy)
        except RknnCompatError as exc:
            report = _failed(t.serial, toolkit_info, str(exc))
        except Exception as exc:  # noqa: BLE001 - one board's bug or fault never costs the others' results
            report = _failed(t.serial, toolkit_info, f"internal error probing this board: {type(exc).__name__}: {exc}")
        if host_usb is not None and report.device.transport == "adb" and report.connection.usb is None:
            report.connection.usb = dict(host_usb)
        lab_servers.place(report, t, plan)
        return report

    def worker() -> None:
        while True:
            with changed:
                if not queue:
                    return
                index = queue.pop()
            report = one(index)
            with changed:
                results[index] = report
                changed.notify_all()

    # daemon threads: on Ctrl-C the process exits at once instead of joining a stalled board's worker
    for i in range(workers):
        threading.Thread(target=worker, name=f"rknn-probe-{i}", daemon=True).start()
    show = _progress(progress)
    shown = None
    try:
        with changed:
            while len(results) < len(todo):
                changed.wait(0.25)
                waited = time.monotonic() - started
                pending = [todo[i].serial for i in range(len(todo)) if i not in results] \
                    if waited >= WAITING_AFTER else []
                if show and (len(results), pending) != shown:
                    shown = (len(results), pending)
                    show(len(results), len(todo), pending)
    except KeyboardInterrupt:
        pending = [todo[i].serial for i in range(len(todo)) if i not in results]
        boards = [results.get(i) or _failed(todo[i].serial, toolkit_info, "interrupted before this board answered")
                  for i in range(len(todo))]
        for b in boards:
            if host_usb is not None and b.connection.usb is None:
                b.connection.usb = dict(host_usb)
        raise Interrupted(InventoryReport(boards, toolkit_info, time.monotonic() - started, Rack(), served),
                          pending) from None
    boards = lab_servers.merge_duplicates([results[i] for i in range(len(todo))])
    return InventoryReport(boards, toolkit_info, time.monotonic() - started,
                           judge_rack(boards) if resolved[0] is None else Rack(), served)


class Interrupted(RknnCompatError):
    """Ctrl-C during an inventory: ``report`` holds the boards that finished, ``pending`` the others."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, report: InventoryReport, pending: list[str]):
        shown = ", ".join(pending[:10]) + (f" and {len(pending) - 10} more" if len(pending) > 10 else "")
        super().__init__(f"interrupted; {len(pending)} board(s) had not answered: {shown or 'none'}")
        self.report, self.pending = report, pending


def _progress(progress):
    """``show(done, total, pending)``: a ``progress(done, total)`` of the API's older form still works."""
    if progress is None:
        return None
    try:
        params = inspect.signature(progress).parameters.values()
        three = len(params) >= 3 or any(p.kind is p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        three = False
    return progress if three else (lambda done, total, pending: progress(done, total))


def _failed(serial: str, toolkit_info, why: str) -> BoardReport:
    return whole(BoardReport(device=DeviceInfo(serial, None, "adb"), toolkit=dataclasses.replace(toolkit_info),
                             verdict=UNKNOWN, error=" ".join(why.split())[:500]))


def judge_rack(boards: list[BoardReport]) -> Rack:
    """No target toolkit: a rack whose boards no single release fits is a finding of its own."""
    status, common, groups = judge.judge_rack([(b.device.serial, b.verdict, b.toolkit.matched or [])
                                               for b in boards])
    rack = Rack(judged=True, releases=groups, common=common, status=status)
    if status == MISMATCH:
        rack.finding, rack.remedy = remedies.mixed_rack(groups)
    return rack
