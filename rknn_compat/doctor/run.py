"""`rknn-compat doctor`: every link of the chain in one run, each area checked even when another fails.

The chain: the host (OS, CPU, the toolkit's Python) -> the toolkit's environment (the RKNN
distribution, its dependencies, the frameworks, the manuals' pitfalls) -> adb (binaries, server)
-> USB access -> the boards -> the models. Each area runs guarded: a crash becomes a ``crashed``
check of that area and the next area still runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..errors import UsageError
from ..host.toolkit import _resolve
from .adb import adb_area
from .boards import boards_area
from .context import Context
from .host import host_area
from .model import model_area
from .report import Area, Check, DoctorReport, guard
from .toolkit_env import toolkit_area
from .usb import usb_area

AREAS: tuple[tuple[str, str, Callable[[Context], list[Check]]], ...] = (
    ("host", "Host", host_area),
    ("toolkit", "Toolkit environment", toolkit_area),
    ("adb", "adb", adb_area),
    ("usb", "USB access", usb_area),
    ("boards", "Boards", boards_area),
)


def doctor(python: str | None = None, devices: list[str] | None = None, toolkit: str | None = None,
           toolkit2: str | None = None, models: list[str] | None = None, timeout: float = 15.0,
           matrices=None, record_dir: str | Path | None = None, areas: tuple[str, ...] | None = None,
           adb_servers: list[str] | None = None) -> DoctorReport:
    """Check the whole chain; ``areas`` limits the run to some area ids (tests, scripts)."""
    if toolkit and toolkit2:
        raise UsageError("give --toolkit or --toolkit2, not both")
    from ..board_probe import check_timeout

    timeout = check_timeout(timeout)  # the same bound as probe's: nan, inf or 1e308 is a usage error
    if python is not None:
        _resolve(python)  # a missing or non-executable --python is a usage error, before anything runs
    started = time.monotonic()
    ctx = Context(python=python, toolkit=toolkit, toolkit2=toolkit2, devices=list(devices or []),
                  adb_servers=list(adb_servers or []),
                  models=list(models or []), timeout=timeout, matrices=matrices,
                  record_dir=Path(record_dir) if record_dir else None).load()
    plan = list(AREAS) + ([("model", "Models", model_area)] if ctx.models else [])
    report = DoctorReport(version=__version__, context=ctx)
    for area_id, title, fn in plan:
        if areas is None or area_id in areas:
            report.areas.append(Area(area_id, title, guard(area_id, title, lambda fn=fn: fn(ctx))))
    report.seconds = time.monotonic() - started
    return report
