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

from . import tables
from .board_probe import DEFAULT_TIMEOUT, check_timeout, probe, resolve_target
from .errors import RknnCompatError, UsageError
from .results import UNKNOWN, BoardReport, DeviceInfo, InventoryReport
from .userfiles import read_text

MAX_JOBS = 64
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
              progress=None, usb: bool = False) -> InventoryReport:
    """Probe the named boards (or every board the adb server lists) concurrently.

    Returns an :class:`InventoryReport`; ``to_dict()`` is the JSON of
    ``rknn-compat inventory --format json``.  ``progress(done, total)`` is called
    as boards finish.
    """
    from .transport import adb as adb_mod

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
    adb = adb_mod.client()
    listed = {e.serial: e for e in adb_mod.list_devices(adb, timeout)}
    serials = list(dict.fromkeys(named)) if named else list(listed)
    if not serials:
        return InventoryReport([], toolkit_info, time.monotonic() - started)
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
            report = _failed(serial, toolkit_info, str(exc))
        except Exception as exc:  # noqa: BLE001 - one board's bug or fault never costs the others' results
            report = _failed(serial, toolkit_info, f"internal error probing this board: {type(exc).__name__}: {exc}")
        with lock:
            results[serial] = report
            done += 1
            if progress:
                progress(done, len(serials))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rknn-probe") as pool:
        list(pool.map(one, serials))
    boards = [results[s] for s in serials]
    return InventoryReport(boards, toolkit_info, time.monotonic() - started)


def _failed(serial: str, toolkit_info, why: str) -> BoardReport:
    return BoardReport(device=DeviceInfo(serial, None, "adb"), toolkit=dataclasses.replace(toolkit_info),
                       verdict=UNKNOWN, error=" ".join(why.split())[:500])
