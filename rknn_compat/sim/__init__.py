"""Simulated Rockchip NPU boards that the real adb server talks to.

``SimulatedBoards(["rk1808-linux-1.3.2"])`` builds each board's root filesystem from its
profile (``profiles/*.toml``) and serves the ADB protocol on 127.0.0.1:PORT; ``adb connect``
to it and the board's shell really runs commands (busybox / toybox, chrooted into the board's
rootfs).  ``AdbServer()`` is an isolated adb server to connect them to.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from rknn_compat.errors import UsageError
from rknn_compat.sim.adbd import Board
from rknn_compat.sim.adbserver import AdbServer, bundled_adb
from rknn_compat.sim.chroot import SimSetupError
from rknn_compat.sim.profile import Faults, Profile, ProfileError, list_profiles, load_profile
from rknn_compat.sim.rootfs import new_rootfs

__all__ = [
    "AdbServer",
    "Board",
    "Faults",
    "Profile",
    "ProfileError",
    "SimSetupError",
    "SimulatedBoards",
    "bundled_adb",
    "list_profiles",
    "load_profile",
]


class SimulatedBoards:
    """Serve one board per profile; ``.boards`` lists them (``.address``, ``.serial``,
    ``.profile``, ``.root``).  ``port`` is a base: board *i* listens on ``port + i``;
    ``None`` lets the OS choose (never 5555-5585)."""

    def __init__(self, profiles: list[str | Profile], port: int | None = None):
        self.profiles = [load_profile(p) for p in profiles]
        if port is not None and not (1 <= port and port + len(self.profiles) - 1 <= 65535):
            raise UsageError(f"port {port}: the boards need ports {port}-{port + len(self.profiles) - 1}, "
                             "within 1-65535")
        self.port = port
        self.boards: list[Board] = []
        self._roots: list[Path] = []

    def start(self) -> SimulatedBoards:
        try:
            for i, prof in enumerate(self.profiles):
                root = new_rootfs(prof)
                self._roots.append(root.parent)
                b = Board(prof, root, None if self.port is None else self.port + i)
                b.start()
                self.boards.append(b)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for b in self.boards:
            b.stop()
        self.boards = []
        for r in self._roots:
            shutil.rmtree(r, ignore_errors=True)
        self._roots = []

    def __enter__(self) -> SimulatedBoards:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
