"""`rknn-compat inventory`: probe every board at once, for lab scripts and CI gates.

The adb server is asked for its list once; each board is then probed in its own
worker (bounded by ``jobs``) with its own timeout, so one stalled or dead board
never holds back the others' results and never stops the run.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import judge, remedies, tables
from .board_probe import DEFAULT_TIMEOUT, host_proxy_fact, probe, resolve_target
from .errors import DeviceError, RknnCompatError, UsageError
from .results import MISMATCH, UNKNOWN, BoardReport, DeviceInfo, InventoryReport, Rack

MAX_JOBS = 64


def read_devices_file(path: str | Path) -> list[str]:
    """One serial or HOST:PORT a line; ``#`` starts a comment."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read devices file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"devices file {path} is not UTF-8 text") from None
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        item = line.split("#", 1)[0].strip()
        if not item:
            continue
        if any(c.isspace() for c in item) or len(item) > 255:
            raise UsageError(f"{path}:{number}: not a serial or HOST:PORT: {item[:60]!r}")
        out.append(item)
    return out


def inventory(devices: list[str] | None = None, devices_file: str | None = None,
              toolkit: str | None = None, toolkit2: str | None = None, python: str | None = None,
              jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT, matrices=None,
              progress=None, usb: bool = False, adb_servers: list[str] | None = None,
              lab: str | None = None) -> InventoryReport:
    """Probe the named boards (or every board the adb servers list) concurrently.

    Returns an :class:`InventoryReport`; ``to_dict()`` is the JSON of
    ``rknn-compat inventory --format json``.  ``progress(done, total)`` is called
    as boards finish.  ``adb_servers`` (``HOST:PORT``) and the ``lab`` file name the adb
    servers to ask (default: the environment's one); one board reached twice is reported once.
    """
    from .lab import servers as lab_servers
    from .lab.labfile import load_lab

    plan = load_lab(lab) if lab else None
    if plan is not None:
        toolkit, toolkit2 = (toolkit, toolkit2) if toolkit or toolkit2 else (plan.toolkit, plan.toolkit2)
        timeout = plan.timeout if plan.timeout and timeout == DEFAULT_TIMEOUT else timeout
        jobs = jobs or plan.jobs
    if jobs is not None and not 1 <= jobs <= 1024:
        raise UsageError("--jobs must be between 1 and 1024")
    if timeout <= 0:
        raise UsageError("--timeout must be positive")
    named = list(devices or []) + (read_devices_file(devices_file) if devices_file else [])
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
    host_proxy = host_proxy_fact()  # one host, one scan of its processes for all the boards
    results: dict[int, BoardReport] = {}
    done = 0
    lock = threading.Lock()

    def one(index: int) -> None:
        nonlocal done
        t = todo[index]
        try:
            report = probe(device=t.serial, timeout=timeout, matrices=matrices, adb=t.client, entry=t.entry,
                           usb=usb, resolved=resolved, host_proxy=host_proxy)
        except RknnCompatError as exc:
            report = BoardReport(device=DeviceInfo(t.serial, None, "adb"), toolkit=dataclasses.replace(toolkit_info),
                                 verdict=UNKNOWN, error=str(exc))
        lab_servers.place(report, t, plan)
        with lock:
            results[index] = report
            done += 1
            if progress:
                progress(done, len(todo))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rknn-probe") as pool:
        list(pool.map(one, range(len(todo))))
    boards = lab_servers.merge_duplicates([results[i] for i in range(len(todo))])
    return InventoryReport(boards, toolkit_info, time.monotonic() - started,
                           judge_rack(boards) if resolved[0] is None else Rack(), served)


def judge_rack(boards: list[BoardReport]) -> Rack:
    """No target toolkit: a rack whose boards no single release fits is a finding of its own."""
    status, common, groups = judge.judge_rack([(b.device.serial, b.verdict, b.toolkit.matched or [])
                                               for b in boards])
    rack = Rack(judged=True, releases=groups, common=common, status=status)
    if status == MISMATCH:
        rack.finding, rack.remedy = remedies.mixed_rack(groups)
    return rack
