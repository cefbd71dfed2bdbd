"""``matrices/error_codes.toml``: what ``ret=-6`` or ``ret = -9(ERROR_PIPE)`` means.

Two tables: the C API's ``RKNN_ERR_*`` codes of rknn_api.h, and the host-side transfer codes
(``ERROR_PIPE`` ...), which are numbered like libusb's and are not rknn_api.h codes. Cached per
matrix directory; a directory without the file knows no codes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import MatrixError
from .model import GENERATIONS, Cite
from .rows import cached, cite, fields, read_rows, strings

_NAMES = {"rknn_error": re.compile(r"^RKNN_(?:SUCC|ERR_[A-Z_]{1,60})$"),
          "transfer_error": re.compile(r"^ERROR_[A-Z_]{1,40}$")}


@dataclass(frozen=True)
class ErrorCode:
    kind: str  # "rknn_error" (rknn_api.h) or "transfer_error"
    code: int
    name: str
    meaning: str
    cite: Cite
    generations: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "code": self.code, "name": self.name, "meaning": self.meaning,
                "source": self.cite.to_dict()}


@dataclass(frozen=True)
class ErrorCodes:
    by_name: dict[str, ErrorCode]
    rknn: dict[int, ErrorCode]  # rknn_api.h by number

    def named(self, name: str | None) -> ErrorCode | None:
        return self.by_name.get((name or "").upper())

    def rknn_code(self, code: int) -> ErrorCode | None:
        return self.rknn.get(code)


def error_codes(directory: str | os.PathLike | None = None) -> ErrorCodes:
    return cached(directory, "error_codes.toml", _load)


def _load(path: Path, directory) -> ErrorCodes:
    by_name: dict[str, ErrorCode] = {}
    rknn: dict[int, ErrorCode] = {}
    for kind, rx in _NAMES.items():
        seen: set[int] = set()
        for where, row in read_rows(path, kind, tuple(_NAMES)):
            f = fields(where, row, required=("code", "name", "meaning", "source", "section"),
                       optional=("generations",), types={"code": int, "generations": list})
            gens = tuple(strings(where, f, "generations"))
            if not rx.match(f["name"]) or f["code"] > 0 or f["code"] in seen or f["name"] in by_name:
                raise MatrixError(f"{where}: name must match {rx.pattern}, code be <= 0, both unique")
            if any(g not in GENERATIONS for g in gens):
                raise MatrixError(f"{where}: generations must be among {', '.join(GENERATIONS)}")
            seen.add(f["code"])
            entry = ErrorCode(kind, f["code"], f["name"], f["meaning"], cite(directory, where, f), gens)
            by_name[entry.name] = entry
            if kind == "rknn_error":
                rknn[entry.code] = entry
    return ErrorCodes(by_name, rknn)
