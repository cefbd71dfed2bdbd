"""Which adb server to talk to, and adbutils' client for it at the cost of its client alone.

A probe needs only adb's client/server ("smart socket") requests: ``host:devices-l``,
``host:transport-id:N``, ``shell:``, ``host:connect:``.  adbutils keeps them in its
``adbutils._adb`` module (``BaseClient``, ``AdbConnection``), but the package's top level also
imports its device classes, which pull in Pillow and requests: about 55 ms of a 100 ms
start.  :func:`protocol` imports ``adbutils._adb`` without running the package's
``__init__``; a later ``import adbutils`` (a file pull, the tests) still loads the whole
package and shares the same module objects, so its exceptions and classes stay one set.

Several servers (``--adb-server HOST:PORT``, a lab file) are plain addresses; adb's own
server protocol reaches a remote one (as ``adb -H HOST -P PORT`` does, AOSP adb
client/main.cpp).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from dataclasses import dataclass

from ..errors import DeviceError, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5037
SERVER_TIMEOUT = 10.0
_lock = threading.Lock()


@dataclass(frozen=True)
class ServerAddress:
    """An adb server, ``HOST:PORT``; ``str()`` is the spelling outputs carry."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_server(text: str, where: str = "--adb-server") -> ServerAddress:
    """``HOST:PORT``, ``[IPv6]:PORT``, ``HOST`` (port 5037) or ``:PORT`` (this host)."""
    raw = text.strip()
    host, port = raw, str(DEFAULT_PORT)
    if raw.startswith("["):
        inner, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise UsageError(f"{where}: not HOST:PORT: {text[:80]!r}")
        host, port = inner, rest[1:] or port
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    elif ":" in raw:
        raise UsageError(f"{where}: write an IPv6 address as [ADDRESS]:PORT: {text[:80]!r}")
    host = host or DEFAULT_HOST
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"{where}: port must be a number 1-65535: {text[:80]!r}")
    if len(host) > 253 or any(c.isspace() or c in "/@" for c in host):
        raise UsageError(f"{where}: not a host name or address: {text[:80]!r}")
    return ServerAddress(host, int(port))


def default_server() -> ServerAddress:
    """The server the adb CLI would use: ANDROID_ADB_SERVER_ADDRESS / _PORT, else 127.0.0.1:5037."""
    port = os.environ.get("ANDROID_ADB_SERVER_PORT", str(DEFAULT_PORT))
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise UsageError(f"ANDROID_ADB_SERVER_PORT={port[:40]!r} is not a port number (1-65535)")
    return ServerAddress(os.environ.get("ANDROID_ADB_SERVER_ADDRESS") or DEFAULT_HOST, int(port))


def servers(texts, where: str = "--adb-server") -> list[ServerAddress]:
    """The servers named (each once, in order), or the default one when none is."""
    named = [parse_server(t, where) for t in texts or []]
    return list(dict.fromkeys(named)) or [default_server()]


_PROTOCOL = None  # set once the module is fully imported (threads of an inventory ask at once)


def protocol():
    """``adbutils._adb`` (its client/server protocol) without the package's heavy top level."""
    global _PROTOCOL
    if _PROTOCOL is not None:
        return _PROTOCOL
    with _lock:
        if _PROTOCOL is None:
            _PROTOCOL = _import_protocol()
    return _PROTOCOL


def _import_protocol():
    if "adbutils" in sys.modules:  # the whole package is loaded already
        return importlib.import_module("adbutils._adb")
    spec = importlib.util.find_spec("adbutils")
    if spec is None or not spec.submodule_search_locations:
        raise DeviceError("adbutils is not installed (pip install adbutils)")
    # The package object is created but its __init__ is not run; the submodules only import
    # each other, the standard library and `deprecation`.
    package = importlib.util.module_from_spec(spec)
    sys.modules["adbutils"] = package
    try:
        return importlib.import_module("adbutils._adb")
    except ImportError:  # another layout: pay for the whole package
        del sys.modules["adbutils"]
        return importlib.import_module("adbutils._adb")
    finally:
        if sys.modules.get("adbutils") is package:
            del sys.modules["adbutils"]


def client(server: ServerAddress | None = None, timeout: float = SERVER_TIMEOUT, start: bool = False):
    """An adbutils client of ``server`` (default: the environment's), its protocol layer only.

    ``start``: like the adb CLI, start this host's default server when none answers (adbutils
    runs ``adb start-server``); a server named by address that does not answer is an error at once.
    """
    server = server or default_server()
    cls = protocol().BaseClient if start and server.host in LOOPBACK else _named_client_class()
    return cls(host=server.host, port=server.port, socket_timeout=timeout)


LOOPBACK = ("127.0.0.1", "localhost", "::1")
_named_class = None


def _named_client_class():
    """BaseClient whose connections never start an adb server."""
    global _named_class
    adb = protocol()
    with _lock:
        if _named_class is not None:
            return _named_class

        class NamedConnection(adb.AdbConnection):
            def _safe_connect(self):
                return self._create_socket()

        class NamedClient(adb.BaseClient):
            never_start = True

            def make_connection(self, timeout=None):
                conn = NamedConnection(self.host, self.port)
                conn.conn.settimeout(timeout or self._BaseClient__socket_timeout or SERVER_TIMEOUT)
                return conn

        _named_class = NamedClient
    return _named_class


def address_of(adb) -> ServerAddress:
    """The server an adbutils client talks to."""
    return ServerAddress(adb.host, adb.port)
