"""Loopback ports for the simulator: a free one to listen on, and whether one is taken.

The adb server scans ports 5555-5585 for emulators when it starts and adopts whatever
answers there, and 5037 is the user's own adb server: the simulator never listens on either.
"""

from __future__ import annotations

import socket

USER_ADB_SERVER_PORT = 5037


def scanned_by_adb(port: int) -> bool:
    """True for the ports the adb server probes for emulators (5555-5585)."""
    return 5555 <= port <= 5585


def free_port() -> int:
    """A free loopback port outside 5555-5585 and other than 5037."""
    for _ in range(50):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if not scanned_by_adb(port) and port != USER_ADB_SERVER_PORT:
            return port
    raise RuntimeError("no free port outside 5555-5585")


def port_open(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0
