"""The lab file: which adb servers to ask, which of their boards, and the labels to attach.

::

    toolkit = "1.3.2"                 # optional: the lab's target, as --toolkit
    [[server]]
    address = "bench-a.lab:5037"      # an adb server (HOST:PORT), e.g. `adb -a server nodaemon`
    labels = { host = "bench-a" }     # optional: on every board reached through it
    boards = ["TM018083200400203"]    # optional: only these (HOST:PORT is `adb connect`ed)
    [[board]]
    serial = "TM018083200400203"      # adb serial or the board's own serial number
    labels = { slot = "3" }

Label names follow Prometheus' rule (``[a-zA-Z_][a-zA-Z0-9_]*``, no leading ``__``) because the
exporter puts them on its series; names the tool's own series use are refused.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field

from ..errors import UsageError
from ..transport.adb_client import ServerAddress, parse_server

MAX_LAB_BYTES = 1024 * 1024
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")
# the labels rknn-compat's own series carry (lab/exporter.py)
RESERVED_LABELS = frozenset({"serial", "adb_server", "serialno", "soc", "os", "npu_driver", "rknn_server",
                             "librknn_runtime", "verdict", "toolkit", "instance", "job"})
_KEYS = {"": {"toolkit", "toolkit2", "timeout", "jobs", "server", "board"},
         "server": {"address", "labels", "boards"}, "board": {"serial", "labels"}}


@dataclass
class LabServer:
    address: ServerAddress
    labels: dict[str, str] = field(default_factory=dict)
    boards: list[str] | None = None  # None: every board the server lists


@dataclass
class Lab:
    path: str
    servers: list[LabServer]
    board_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # serial -> labels
    toolkit: str | None = None
    toolkit2: str | None = None
    timeout: float | None = None
    jobs: int | None = None

    def labels_for(self, server: ServerAddress, serial: str, serialno: str | None = None) -> dict[str, str]:
        """The server's labels, then the board's (by adb serial, else by its own serial number)."""
        out: dict[str, str] = {}
        for s in self.servers:
            if s.address == server:
                out.update(s.labels)
        out.update(self.board_labels.get(serial) or self.board_labels.get(serialno or "", {}))
        return out


def load_lab(path: str) -> Lab:
    """Read and check a lab file; every problem is one UsageError naming the file."""
    from ..tables import read_toml

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise UsageError(f"lab file {path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"lab file {path}: not a regular file")
    doc = read_toml(path, UsageError, MAX_LAB_BYTES)
    _known(doc, "", path)
    servers = []
    for i, raw in enumerate(_tables(doc, "server", path), start=1):
        where = f"{path}: server {i}"
        _known(raw, "server", where)
        if not isinstance(raw.get("address"), str):
            raise UsageError(f"{where}: needs address = \"HOST:PORT\"")
        boards = raw.get("boards")
        if boards is not None and not (isinstance(boards, list) and all(_is_serial(b) for b in boards)):
            raise UsageError(f"{where}: boards must be a list of serials or HOST:PORT")
        servers.append(LabServer(parse_server(raw["address"], where), _labels(raw.get("labels"), where), boards))
    if not servers:
        raise UsageError(f"lab file {path}: names no [[server]]")
    board_labels = {}
    for i, raw in enumerate(_tables(doc, "board", path), start=1):
        where = f"{path}: board {i}"
        _known(raw, "board", where)
        if not _is_serial(raw.get("serial")):
            raise UsageError(f"{where}: needs serial = \"SERIAL\"")
        board_labels[raw["serial"]] = _labels(raw.get("labels"), where)
    lab = Lab(path, servers, board_labels)
    for key in ("toolkit", "toolkit2"):
        if key in doc and not isinstance(doc[key], str):
            raise UsageError(f"lab file {path}: {key} must be a version string")
        setattr(lab, key, doc.get(key))
    for key, kind in (("timeout", (int, float)), ("jobs", int)):
        value = doc.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind) or value <= 0):
            raise UsageError(f"lab file {path}: {key} must be a positive number")
        setattr(lab, key, value)
    return lab


def _known(table: dict, kind: str, where: str) -> None:
    unknown = sorted(set(table) - _KEYS[kind])
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS[kind]))})")


def _tables(doc: dict, key: str, path: str) -> list[dict]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise UsageError(f"lab file {path}: write {key}s as [[{key}]] tables")
    return value


def _labels(raw, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: labels must be a table of names and strings")
    for name, value in raw.items():
        if not _LABEL.match(name) or name.startswith("__"):
            raise UsageError(f"{where}: label name {name[:64]!r} is not [a-zA-Z_][a-zA-Z0-9_]*")
        if name in RESERVED_LABELS:
            raise UsageError(f"{where}: label name {name!r} is one rknn-compat sets itself")
        if not isinstance(value, str) or len(value) > 256:
            raise UsageError(f"{where}: label {name} must be a string of at most 256 characters")
    return dict(raw)


def _is_serial(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255 and not any(c.isspace() for c in value)
