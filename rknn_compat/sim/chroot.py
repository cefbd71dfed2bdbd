"""How a board's commands run on this host: the host tools it needs, the chroot, the environment.

Commands run as ``SHELL -c CMD`` with the board's rootfs as ``/``: under ``chroot`` (in an own
UTS namespace) when run as root, otherwise under ``unshare -r -m --uts`` with the host's
``/dev/null``, ``/dev/zero`` and ``/dev/urandom`` bound over the rootfs's placeholders.  The
environment is a minimal one, as a board's adbd gives its shell.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rknn_compat.sim.profile import Profile

LINUX_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
ANDROID_PATH = "/product/bin:/system/bin:/system/xbin:/odm/bin:/vendor/bin:/vendor/xbin"


class SimSetupError(RuntimeError):
    """The host lacks something the simulator needs (busybox, toybox, chroot rights)."""


def find_tool(candidates: tuple[str, ...]) -> str | None:
    """The first executable of ``candidates``, else the first one's name on ``PATH``."""
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return shutil.which(os.path.basename(candidates[0]))


def isolation_prefix(root: Path) -> list[str]:
    """The argv prefix that runs a program with ``root`` as ``/``."""
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    unshare = shutil.which("unshare")
    if os.geteuid() == 0:
        # own UTS namespace so the board's `hostname` (a busybox NOFORK applet that ash runs
        # without looking at PATH) can be set without touching the host's
        return ([unshare, "--uts"] if unshare else []) + [chroot, str(root)]
    if not unshare:
        raise SimSetupError("not root and no `unshare` (util-linux): cannot isolate the board")
    # not root: no mknod, so bind the host's /dev/null, /dev/zero, /dev/urandom over the
    # rootfs's placeholder files inside a private mount namespace, then chroot
    mount = shutil.which("mount") or "/usr/bin/mount"
    script = (
        f'for n in null zero urandom; do {shlex.quote(mount)} --bind "/dev/$n" "$0/dev/$n" '
        '2>/dev/null; done; exec "$1" "$0" "${@:2}"'
    )
    bash = shutil.which("bash") or "/bin/bash"
    return [unshare, "-r", "-m", "--uts", bash, "-c", script, str(root), chroot]


def shell_argv(profile: Profile, root: Path, cmd: str) -> list[str]:
    """argv running ``cmd`` with the board's shell inside ``root``."""
    argv = isolation_prefix(root) + [shell_path(profile)]
    if not cmd:
        return argv + ["-i"]
    if "--uts" in argv:
        # set the board's hostname first; a newline keeps `cmd` parsed on its own
        cmd = f"hostname {profile.hostname} >/dev/null 2>&1\n{cmd}"
    return argv + ["-c", cmd]


def board_env(profile: Profile, term: str | None = None) -> dict[str, str]:
    if profile.os == "android":
        env = {"PATH": ANDROID_PATH, "HOME": "/", "SHELL": "/system/bin/sh",
               "ANDROID_ROOT": "/system", "ANDROID_DATA": "/data", "HOSTNAME": profile.hostname,
               "TMPDIR": "/data/local/tmp", "USER": "root", "LOGNAME": "root"}
    else:
        env = {"PATH": LINUX_PATH, "HOME": "/root", "SHELL": "/bin/sh", "USER": "root",
               "LOGNAME": "root", "HOSTNAME": profile.hostname}
    if term:
        env["TERM"] = term
    return env


def shell_path(profile: Profile) -> str:
    return "/system/bin/sh" if profile.os == "android" else "/bin/sh"
