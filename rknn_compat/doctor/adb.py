"""Doctor area "adb": every adb binary that could serve the toolkit, their versions, and the running server's.

An adb client whose version differs from the running server's kills that server and starts its
own ("adb server version (41) doesn't match this client (40); killing..."): a board that `adb
devices` listed a moment ago is then "not found" by the toolkit (airockchip/rknn_model_zoo issue
#120: a PATH adb 1.0.41 against RKNN-Toolkit2 1.6.0's bundled 1.0.40). The candidates: each adb on
PATH, ``ADBUTILS_ADB_PATH``, the adb that adbutils bundles (here and in the toolkit's environment),
and the one an RKNN-Toolkit2 wheel bundles in ``rknn/3rdparty/platform-tools/adb/<platform>/``.
The server is asked its version over the adb protocol (``host:version``); nothing here starts one.
"""

from __future__ import annotations

import glob
import os
import re
import socket
import subprocess
from dataclasses import dataclass

from ..errors import DeviceError, UsageError
from ..transport.adb import server_address
from .context import Context
from .pitfalls import pitfall_checks, running
from .report import OK, PROBLEM, UNKNOWN, WARNING, Check

VERSION_TIMEOUT = 5.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PROTOCOL = re.compile(r"Android Debug Bridge version (\d+)\.(\d+)\.(\d+)")
_REVISION = re.compile(r"^\W*(?:Version|Revision)\s+(\S+)", re.M)
_FIGHT_SOURCE = "rknn-model-zoo-120 (adb server version (41) doesn't match this client (40); killing...)"


@dataclass
class AdbBinary:
    path: str
    origin: str  # where it was found: PATH, ADBUTILS_ADB_PATH, adbutils, rknn-toolkit2 wheel
    protocol: int | None = None  # 41 of "1.0.41": what client and server must agree on
    version: str | None = None  # "1.0.41"
    revision: str | None = None  # "36.0.0-13206524"
    error: str | None = None


def parse_adb_version(text: str) -> tuple[str | None, str | None]:
    """``adb version`` output (prompts, CRLF, ANSI, quoting allowed) -> ("1.0.41", "36.0.0-13206524")."""
    clean = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    m = _PROTOCOL.search(clean)
    if not m:
        return None, None
    rev = _REVISION.search(clean[m.end():])
    return ".".join(m.groups()), rev.group(1) if rev else None


def candidates(ctx: Context, environ=os.environ) -> list[AdbBinary]:
    """Every adb that could serve the toolkit, once each (by real path), in the order found."""
    exe = "adb.exe" if os.name == "nt" else "adb"
    found: list[tuple[str, str]] = []
    for d in environ.get("PATH", "").split(os.pathsep):
        found.append((os.path.join(d or ".", exe), "PATH"))
    if environ.get("ADBUTILS_ADB_PATH"):
        found.append((environ["ADBUTILS_ADB_PATH"], "ADBUTILS_ADB_PATH"))
    try:
        import adbutils

        found.append((os.path.join(os.path.dirname(adbutils.__file__), "binaries", exe), "adbutils (rknn-compat's)"))
    except ImportError:
        pass
    if ctx.env is not None:
        for dist in ctx.env.installed("adbutils"):
            found.append((os.path.join(dist.site or "", "adbutils", "binaries", exe), "adbutils (toolkit's)"))
        for rk in ctx.env.rknn:
            pattern = os.path.join(rk.site or "", "rknn*", "3rdparty", "platform-tools", "adb", "*", exe)
            found += [(p, f"{rk.name} {rk.version} wheel") for p in sorted(glob.glob(pattern))]
    out, seen = [], set()
    for path, origin in found:
        if not os.path.isfile(path):
            continue
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            out.append(AdbBinary(path, origin))
    return out


def read_version(binary: AdbBinary, timeout: float = VERSION_TIMEOUT) -> AdbBinary:
    """Run ``adb version`` (it never talks to a server) and read it."""
    if not os.access(binary.path, os.X_OK):
        binary.error = "not executable (chmod +x it, or reinstall the package that ships it)"
        return binary
    try:
        proc = subprocess.run([binary.path, "version"], capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        binary.error = f"`adb version` gave no answer within {timeout:g} s"
        return binary
    except OSError as exc:  # exec format error: an adb for another CPU
        binary.error = f"cannot run it: {exc.strerror or exc}"
        return binary
    binary.version, binary.revision = parse_adb_version(proc.stdout.decode("utf-8", "replace"))
    if binary.version is None:
        binary.error = f"`adb version` printed no version (exit {proc.returncode})"
    else:
        binary.protocol = int(binary.version.rsplit(".", 1)[1])
    return binary


def server_version(host: str, port: int, timeout: float = 2.0) -> tuple[int | None, str]:
    """The running server's protocol version (``host:version``), or None and why (never starts one)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"000chost:version")
            data = b""
            while len(data) < 12:
                chunk = sock.recv(12 - len(data))
                if not chunk:
                    break
                data += chunk
    except ConnectionRefusedError:
        return None, f"no adb server running on {host}:{port}"
    except OSError as exc:
        return None, f"cannot reach the adb server on {host}:{port}: {exc.strerror or exc}"
    if data[:4] != b"OKAY" or len(data) < 12:
        return None, f"{host}:{port} did not answer like an adb server ({data[:12]!r})"
    try:
        return int(data[8:12], 16), f"adb server on {host}:{port}"
    except ValueError:
        return None, f"{host}:{port} sent an unreadable version ({data[8:12]!r})"


def server_binary(port: int, proc: str = "/proc") -> str | None:
    """The adb executable serving ``port`` (its /proc/PID/exe), where this host lets us see it."""
    for pid in running("adb", proc) or []:
        try:
            with open(os.path.join(proc, str(pid), "cmdline"), "rb") as fh:
                argv = fh.read(4096).split(b"\0")
            if b"server" not in argv and b"fork-server" not in argv:
                continue
            ports = {w.rsplit(b":", 1)[-1] for w in argv}
            if str(port).encode() in ports or (port == 5037 and b"-P" not in argv and b"-L" not in argv):
                return os.readlink(os.path.join(proc, str(pid), "exe"))
        except OSError:
            continue
    return None


def adb_area(ctx: Context) -> list[Check]:
    binaries = [read_version(b) for b in candidates(ctx)]
    checks = [_binary_check(b) for b in binaries]
    if not binaries:
        checks.append(Check("adb-binaries", UNKNOWN, "adb binaries", found="no adb binary found (PATH, adbutils, "
                            "the toolkit's wheel)", remedy="Install adb (Android platform-tools, or pip install "
                            "adbutils) and put it on PATH."))
    try:
        host, port = server_address()
    except (DeviceError, UsageError) as exc:  # a bad ANDROID_ADB_SERVER_PORT is a usage error
        return checks + [Check("adb-server", UNKNOWN, "adb server", found=str(exc))]
    version, what = server_version(host, port)
    server = Check("adb-server", OK, "adb server", found=what if version is None else f"{what}: version {version}")
    if version is not None:
        exe = server_binary(port)
        server.evidence.append(f"served by {exe}" if exe else "which binary serves it: not visible here")
    elif not what.startswith("no adb server"):
        server.status = UNKNOWN
    checks.insert(0, server)
    checks.append(_agreement(binaries, version))
    checks += pitfall_checks(ctx, host_side=True)
    return checks


def _binary_check(b: AdbBinary) -> Check:
    if b.error:
        return Check(f"adb:{b.path}", UNKNOWN, f"adb from {b.origin}", found=f"{b.path}: {b.error}")
    return Check(f"adb:{b.path}", OK, f"adb from {b.origin}",
                 found=f"adb {b.version}" + (f" ({b.revision})" if b.revision else "") + f" at {b.path}")


def _agreement(binaries: list[AdbBinary], server: int | None) -> Check:
    usable = [b for b in binaries if b.protocol is not None]
    versions = sorted({b.protocol for b in usable} | ({server} if server is not None else set()))
    title = "one adb version for client and server"
    if len(versions) <= 1:
        return Check("adb-agreement", OK, title, found=f"adb protocol {versions[0]} everywhere" if versions
                     else "nothing to compare")
    listing = [f"{b.origin}: adb {b.version} at {b.path}" for b in usable]
    if server is not None:
        odd = [b for b in usable if b.protocol != server]
        found = (f"the running server is version {server}; " + ", ".join(f"{b.origin} adb {b.version}" for b in odd)
                 + " would kill it and start its own")
        status = PROBLEM
    else:
        found = "adb versions " + ", ".join(f"1.0.{v}" for v in versions) + " on this host: whichever runs second "
        found += "kills the other's server"
        status = WARNING
    keep = next((b for b in usable if "wheel" in b.origin), usable[0])
    remedy = (f"Use one adb version for everything: put {os.path.dirname(keep.path)} first on PATH (or replace the "
              f"other adb binaries by it) and set ADBUTILS_ADB_PATH={keep.path}, then run "
              f"'{keep.path} kill-server' once; a board 'not found' right after `adb devices` listed it is this fight.")
    return Check("adb-agreement", status, title, found=found, expected=f"one adb version (found {len(versions)})",
                 remedy=remedy, evidence=listing + ([f"server: {server}"] if server is not None else []),
                 source=_FIGHT_SOURCE)
