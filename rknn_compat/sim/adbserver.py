"""An isolated adb server for tests and the simulator: its own port, its own HOME, pinned binary.

Never touches the user's server on 5037.  What the isolation guards against, as the adb server
behaves (AOSP adb, transport_local.cpp and client/main.cpp): at start-up it probes ports
5555-5585 for emulators and adopts whatever answers (``ADB_EMU=0`` turns that off); it writes
``~/.android/adbkey`` and its log under ``HOME``; and two different adb versions on one port
kill each other's server ("version doesn't match"), hence the pinned binary
(``ADBUTILS_ADB_PATH``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from rknn_compat.sim.net import USER_ADB_SERVER_PORT, free_port, port_open


def bundled_adb() -> str:
    """The adb binary shipped in the adbutils wheel (adb 36)."""
    import adbutils

    p = Path(adbutils.__file__).resolve().parent / "binaries" / "adb"
    if p.exists():
        return str(p)
    found = shutil.which("adb")
    if not found:
        raise FileNotFoundError("no adb binary: adbutils ships none for this platform and none on PATH")
    return found


class AdbServer:
    """``with AdbServer() as srv: srv.connect(addr); srv.adb("devices", "-l")``."""

    #: every port an AdbServer of this process used: leak checks look for servers on these only
    ports_used: set[int] = set()

    def __init__(self, port: int | None = None, adb_path: str | None = None,
                 home: str | None = None):
        if port == USER_ADB_SERVER_PORT:
            raise ValueError("refusing to use port 5037 (the user's adb server)")
        self.port = port or free_port()
        AdbServer.ports_used.add(self.port)
        self.adb_path = adb_path or bundled_adb()
        self._own_home = home is None
        self.home = home or tempfile.mkdtemp(prefix="rknn-sim-adbhome-")
        self.proc: subprocess.Popen | None = None
        self._log = None
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("ANDROID_", "ADB")) and k not in ("HOME",)}
        env.update({
            "HOME": self.home,
            "ANDROID_ADB_SERVER_PORT": str(self.port),
            "ANDROID_SDK_HOME": self.home,
            "ANDROID_USER_HOME": os.path.join(self.home, ".android"),
            "ADBUTILS_ADB_PATH": self.adb_path,
            "ADB_EMU": "0",
            "ADB_MDNS": "0",
            "ADB_LIBUSB": "0",
        })
        self.env: dict[str, str] = env

    # -- lifecycle
    def start(self) -> AdbServer:
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use")
        self._log = open(os.path.join(self.home, "adb-server.log"), "wb")
        # foreground server (`server nodaemon`) so we own its pid and can always reap it
        self.proc = subprocess.Popen(
            [self.adb_path, "-P", str(self.port), "server", "nodaemon"],
            env=self.env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"adb server exited early (rc {self.proc.returncode}); see "
                                   f"{self.home}/adb-server.log")
            r = subprocess.run([self.adb_path, "-P", str(self.port), "version"], env=self.env,
                               capture_output=True, timeout=10)
            if r.returncode == 0 and port_open(self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("adb server did not come up")

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    subprocess.run([self.adb_path, "-P", str(self.port), "kill-server"],
                                   env=self.env, capture_output=True, timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> AdbServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- use
    def adb(self, *args: str, timeout: float = 60, text: bool = True,
            input: bytes | str | None = None, check: bool = False) -> subprocess.CompletedProcess:
        """Run the adb CLI against this server."""
        kw: dict[str, Any] = {"encoding": "utf-8", "errors": "replace"} if text else {}
        if input is None:
            kw["stdin"] = subprocess.DEVNULL
        return subprocess.run([self.adb_path, "-P", str(self.port), *args], env=self.env,
                              capture_output=True, timeout=timeout, input=input, check=check,
                              **kw)

    def connect(self, address: str, timeout: float = 10) -> str:
        """``adb connect``; returns adb's message (``connected to ...`` on success)."""
        try:
            r = self.adb("connect", address, timeout=timeout + 5)
        except subprocess.TimeoutExpired:
            return f"failed to connect to {address}: timeout"
        return (r.stdout + r.stderr).strip()

    def disconnect(self, address: str) -> str:
        r = self.adb("disconnect", address, timeout=10)
        return (r.stdout + r.stderr).strip()

    def state(self, serial: str) -> str:
        """The serial's state as `adb devices` shows it ('' when not listed)."""
        r = self.adb("devices", timeout=10)
        for line in r.stdout.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == serial:
                return parts[1]
        return ""

    def wait_state(self, serial: str, want: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state(serial) == want:
                return True
            time.sleep(0.05)
        return False

    def client(self):
        import adbutils

        return adbutils.AdbClient(host="127.0.0.1", port=self.port)
