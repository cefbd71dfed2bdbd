"""Shared fixtures: an isolated adb server and simulated boards connected to it.

No test may touch the user's adb server on port 5037 or leave a process behind: the
session-wide ``_no_leftovers`` check below fails the run if either happens. Every in-process
CLI run with ``--format json``/``jsonl`` is held to its command's JSON Schema (``_json_checked``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import pytest
from hypothesis import settings

# The suite draws the same examples on every run, so a red CI run can be reproduced; `make fuzz`
# (bench/fuzz.py) is the large run that explores new ones.
settings.register_profile("repeatable", derandomize=True)
settings.load_profile("repeatable")


def _adb_server_pids(ports: set[int]) -> set[int]:
    """adb server processes serving one of ``ports`` (other sessions' servers are not ours)."""
    wanted = {str(p).encode() for p in ports}
    pids = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if not (argv and argv[0].endswith(b"adb") and (b"server" in argv or b"fork-server" in argv)):
            continue
        words = {w.rsplit(b":", 1)[-1] for w in argv}  # "-P 5101" or "-L tcp:5101"
        if words & wanted:
            pids.add(int(d))
    return pids


@pytest.fixture(scope="session", autouse=True)
def _no_leftovers() -> Iterator[None]:
    from rknn_compat.sim import AdbServer
    from rknn_compat.sim.net import port_open

    had_5037 = port_open(5037)
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _adb_server_pids(AdbServer.ports_used):
        time.sleep(0.1)
    left = _adb_server_pids(AdbServer.ports_used)
    assert not left, f"tests left adb server processes behind: {sorted(left)}"
    if not had_5037:
        assert not port_open(5037), "a test started an adb server on the user's port 5037"


class _Tee:
    """stdout as the command sees it: passed on to the real one (capsys's, run_cli's) and kept."""

    def __init__(self, inner):
        self.inner, self.parts = inner, []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.inner.write(text)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture(autouse=True)
def _json_checked(monkeypatch) -> Iterator[list]:
    """Every ``rknn_compat.cli.main([...])`` a test runs (directly or through ``run_cli``): what it printed
    as json/jsonl must fit the command's schema (``helpers.check_json``). A break fails the test at its end
    (raised inside the command, ``main`` would turn it into exit 70)."""
    import typer
    from helpers import check_json

    from rknn_compat import cli

    real, broken = cli.app, []

    def app(*a, args=None, **kw):
        tee, code = _Tee(sys.stdout), None
        sys.stdout = tee
        try:
            result = real(*a, args=args, **kw)
            code = result if isinstance(result, int) else 0
            return result
        except typer.Exit as exc:
            code = exc.exit_code
            raise
        finally:
            sys.stdout = tee.inner
            if code is not None:
                try:
                    check_json(list(args or []), "".join(tee.parts), code)
                except (AssertionError, ValueError) as exc:
                    broken.append(f"rknn-compat {' '.join(map(str, args or []))}: {exc}")

    monkeypatch.setattr(cli, "app", app)
    yield broken
    assert not broken, "\n".join(broken)


@pytest.fixture(scope="session")
def adb_server():
    """A session-wide adb server on its own port with its own HOME (never 5037)."""
    from rknn_compat.sim import AdbServer

    with AdbServer() as srv:
        yield srv


@pytest.fixture
def boards(adb_server):
    """Factory: ``boards("rk1808-linux-1.3.2", ...)`` starts the boards and connects them to
    ``adb_server``; returns the list of boards.  Everything is torn down after the test, even
    when it fails.  Pass ``connect=False`` for boards that must not be connected first."""
    from rknn_compat.sim import SimulatedBoards

    started: list[SimulatedBoards] = []

    def make(*profiles, connect: bool = True):
        sim = SimulatedBoards(list(profiles))
        started.append(sim)
        sim.start()
        if connect:
            for b in sim.boards:
                msg = adb_server.connect(b.address)
                assert "connected to" in msg, msg
                assert adb_server.wait_state(b.serial, "device", 10), msg
        return sim.boards

    yield make
    for sim in started:
        for b in sim.boards:
            adb_server.disconnect(b.address)
        sim.stop()


# --------------------------------------------------------------------------- real toolkit wheels

# Virtualenvs with Rockchip's real wheels from PyPI, installed with --no-deps (metadata, bundled adb
# and all), next to real framework wheels inside and outside the ranges the toolkit declares.
# Built once and kept in the pytest cache; a failed install fails the tests that need it (never a
# silent skip). rknn-toolkit-lite2 exists only as aarch64 wheels: it is installed as pip installs
# for that platform (--platform/--target), which is exactly how it ends up in an x86 venv by mistake.
TOOLKIT_VENVS = {
    "tk2-outside": ["rknn-toolkit2==2.3.2", "numpy==2.1.3", "protobuf==5.28.3", "keras==2.15.0"],
    "tk2-inside": ["rknn-toolkit2==2.3.2", "numpy==1.26.4", "protobuf==4.25.4"],
    "lite2-aarch64": [],
}
LITE2_AARCH64 = ["--platform", "manylinux2014_aarch64", "--only-binary=:all:", "--python-version", "3.11",
                 "rknn-toolkit-lite2==2.5.0"]
EXTRA_NUMPY = "numpy==2.1.3"  # a second numpy for the two-copies pitfall (a --target dir on PYTHONPATH)


def _pip(python: str, *args: str) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                           "--disable-pip-version-check", "--quiet", *args], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"pip install {' '.join(args)} failed:\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="session")
def toolkit_venvs(request) -> dict:
    """name -> {"python": path, "site": site-packages, "extra": dir with a second numpy}."""
    import sys
    import venv
    from pathlib import Path

    root = Path(request.config.cache.mkdir("rknn-doctor-venvs-1"))
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    out = {}
    for name, packages in TOOLKIT_VENVS.items():
        d = root / f"{name}-{tag}"
        python = d / "bin" / "python"
        site = d / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
        if not (d / ".done").exists():
            venv.create(d, with_pip=False, clear=True, symlinks=True)
            if packages:
                _pip(str(python), *packages)
            else:
                _pip(str(python), "--target", str(site), "--upgrade", *LITE2_AARCH64)
            (d / ".done").write_text("ok\n")
        out[name] = {"python": str(python), "site": str(site)}
    extra = root / f"extra-numpy-{tag}"
    if not (extra / ".done").exists():
        _pip(out["tk2-inside"]["python"], "--target", str(extra), "--upgrade", EXTRA_NUMPY)
        (extra / ".done").write_text("ok\n")
    out["extra_numpy"] = str(extra)
    return out
