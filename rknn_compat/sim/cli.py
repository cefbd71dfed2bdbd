"""``rknn-compat simulate PROFILE... [--port N] [--list]``: serve simulated boards until Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading

from rknn_compat.errors import ExitCode, RknnCompatError
from rknn_compat.sim import SimulatedBoards, list_profiles
from rknn_compat.sim.chroot import SimSetupError


def simulate_command(profiles: list[str], port: int | None, list_only: bool) -> int:
    """Serve one board per profile and print where to ``adb connect``; returns an exit code."""
    if list_only:
        for name, desc in list_profiles():
            print(f"{name:28s} {desc}")
        return 0
    if not profiles:
        print("rknn-compat: error: name at least one profile (see --list)", file=sys.stderr)
        return ExitCode.USAGE
    stop = threading.Event()

    def _handler(signum, frame):  # noqa: ARG001
        stop.set()

    old = {s: signal.signal(s, _handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SimulatedBoards(profiles, port=port) as sim:
            for b in sim.boards:
                faults = ",".join(b.profile.faults.active()) or "none"
                print(f"adb connect {b.address}    # {b.profile.name} "
                      f"({b.profile.model}; faults: {faults})", flush=True)
            print("serving; Ctrl-C to stop", flush=True)
            while not stop.wait(0.5):
                pass
        print("stopped", flush=True)
        return 0
    except (RknnCompatError, SimSetupError, ValueError, OSError) as e:
        print(f"rknn-compat: error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", ExitCode.USAGE)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
