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
from .board_probe import DEFAULT_TIMEOUT, probe, resolve_target
from .errors import RknnCompatError, UsageError
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
              progress=None, usb: bool = False) -> InventoryReport:
    """Probe the named boards (or every board the adb server lists) concurrently.

    Returns an :class:`InventoryReport`; ``to_dict()`` is the JSON of
    ``rknn-compat inventory --format json``.  ``progress(done, total)`` is called
    as boards finish.
    """
    from .transport import adb as adb_mod

    if jobs is not None and not 1 <= jobs <= 1024:
        raise UsageError("--jobs must be between 1 and 1024")
    if timeout <= 0:
        raise UsageError("--timeout must be positive")
    named = list(devices or []) + (read_devices_file(devices_file) if devices_file else [])
    matrix = tables.load(matrices)
    resolved = resolve_target(matrix, toolkit, toolkit2, python)  # once, and fail fast on a bad --toolkit
    toolkit_info = resolved[1]
    started = time.monotonic()
    adb = adb_mod.client()
    listed = {e.serial: e for e in adb_mod.list_devices(adb)}
    serials = list(dict.fromkeys(named)) if named else list(listed)
    if not serials:
        return InventoryReport([], toolkit_info, time.monotonic() - started, Rack(judged=resolved[0] is None))
    workers = min(jobs or MAX_JOBS, len(serials))
    results: dict[str, BoardReport] = {}
    done = 0
    lock = threading.Lock()

    def one(serial: str) -> None:
        nonlocal done
        try:
            report = probe(device=serial, timeout=timeout, matrices=matrices, adb=adb, entry=listed.get(serial),
                           usb=usb, resolved=resolved)
        except RknnCompatError as exc:
            report = BoardReport(device=DeviceInfo(serial, None, "adb"), toolkit=dataclasses.replace(toolkit_info),
                                 verdict=UNKNOWN, error=str(exc))
        with lock:
            results[serial] = report
            done += 1
            if progress:
                progress(done, len(serials))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rknn-probe") as pool:
        list(pool.map(one, serials))
    boards = [results[s] for s in serials]
    return InventoryReport(boards, toolkit_info, time.monotonic() - started,
                           judge_rack(boards) if resolved[0] is None else Rack())


def judge_rack(boards: list[BoardReport]) -> Rack:
    """No target toolkit: a rack whose boards no single release fits is a finding of its own."""
    status, common, groups = judge.judge_rack([(b.device.serial, b.verdict, b.toolkit.matched or [])
                                               for b in boards])
    rack = Rack(judged=True, releases=groups, common=common, status=status)
    if status == MISMATCH:
        rack.finding, rack.remedy = remedies.mixed_rack(groups)
    return rack
