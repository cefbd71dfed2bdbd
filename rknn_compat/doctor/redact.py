"""Redaction for a bug-report bundle: what a reporter may not want to publish, replaced consistently.

Always: paths under ``$HOME`` become ``~`` (they carry the user name). With ``--redact`` also
board serials, IPv4 addresses (loopback kept: simulated boards live there), this host's name and
the user name, each value always by the same placeholder (``serial-1``, ``ip-2``) so a maintainer
can still see which line belongs to which board.
"""

from __future__ import annotations

import base64
import getpass
import json
import os
import re
import socket

# an IPv4 address where a board's or host's address stands (adb serial HOST:PORT, ifconfig/ip output,
# URLs); a bare dotted number is left alone: "Galcore version 6.3.3.2" is a version, not an address
_ADDR = r"(?:\d{1,3}\.){3}\d{1,3}"
_AFTER = r"(?:(?<=inet )|(?<=addr:)|(?<=//)|(?<=@)|(?<=src )|(?<=via ))"
_IPV4 = re.compile(rf"(?<![\w.:]){_ADDR}(?=:\d)|{_AFTER}{_ADDR}(?![\d.])")


class Redactor:
    def __init__(self, full: bool, serials: list[str] = (), home: str | None = None):
        self.full = full
        self.home = (home if home is not None else os.path.expanduser("~")).rstrip("/")
        self.table: dict[str, str] = {}
        if full:
            for s in sorted({s for s in serials if s}, key=len, reverse=True):
                self._name(s, "serial")
            for value, kind in ((_safe(socket.gethostname), "host"), (_safe(getpass.getuser), "user")):
                if value and len(value) > 2:
                    self._name(value, kind)

    def _name(self, value: str, kind: str) -> str:
        if value not in self.table:
            n = sum(1 for v in self.table.values() if v.startswith(kind + "-")) + 1
            self.table[value] = f"{kind}-{n}"
        return self.table[value]

    def text(self, text: str) -> str:
        if self.home and len(self.home) > 1:
            text = re.sub(re.escape(self.home) + r"(?=/|\b)", "~", text)
        if not self.full:
            return text
        for value in sorted(self.table, key=len, reverse=True):
            text = text.replace(value, self.table[value])
        return _IPV4.sub(self._ip, text)

    def _ip(self, m: re.Match) -> str:
        ip = m.group(0)
        if ip.startswith("127.") or ip == "0.0.0.0" or any(int(p) > 255 for p in ip.split(".")):
            return ip
        return self._name(ip, "ip")

    def recording(self, raw: str) -> str:
        """A board recording (JSON with base64 answers): redact inside the answers, keep it replayable."""
        doc = json.loads(raw)
        for run in doc.get("runs", []):
            if isinstance(run.get("stdout_b64"), str):
                run["stdout_b64"] = self._b64(run["stdout_b64"])
        files = doc.get("files") or {}
        doc["files"] = {self.text(k): (None if v is None else self._b64(v)) for k, v in files.items()}
        return self.text(json.dumps(doc, indent=1)) + "\n"

    def _b64(self, data: str) -> str:
        text = base64.b64decode(data).decode("utf-8", "surrogateescape")
        return base64.b64encode(self.text(text).encode("utf-8", "surrogateescape")).decode()


def _safe(fn) -> str | None:
    try:
        return fn()
    except (OSError, KeyError, ImportError):
        return None
