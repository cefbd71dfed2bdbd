"""``matrices/model_versions.toml``: which librknnrt loads an RKNN-Toolkit2 model of version N.

librknnrt prints the model's version when it refuses a model ("6, 1", "Invalid RKNN model
version 6"); this table names the toolkit2 release that first writes it and the oldest runtime
that reads it. Cached per matrix directory; a directory without the file has no rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import MatrixError
from ..versions import Version, VersionError, parse_version
from .model import Cite
from .rows import cached, cite, fields, read_rows, strings


@dataclass(frozen=True)
class ModelVersion:
    version: int
    toolkit2_first: Version  # the first RKNN-Toolkit2 release that writes it
    runtime_min: Version  # the oldest librknnrt that loads it
    cite: Cite
    notes: tuple[str, ...] = ()


def model_versions(directory: str | os.PathLike | None = None) -> list[ModelVersion]:
    """Rows in ascending version order."""
    return cached(directory, "model_versions.toml", _load)


def for_version(rows: list[ModelVersion], version: int) -> ModelVersion | None:
    return next((r for r in rows if r.version == version), None)


def _load(path: Path, directory) -> list[ModelVersion]:
    out: list[ModelVersion] = []
    for where, row in read_rows(path, "model_version"):
        f = fields(where, row, required=("version", "toolkit2_first", "runtime_min", "source", "section"),
                   optional=("notes",), types={"version": int, "notes": list})
        try:
            first, runtime = parse_version(f["toolkit2_first"]), parse_version(f["runtime_min"])
        except VersionError as exc:
            raise MatrixError(f"{where}: {exc}") from None
        if f["version"] < 0 or any(r.version == f["version"] for r in out):
            raise MatrixError(f"{where}: version must be a unique non-negative number")
        out.append(ModelVersion(f["version"], first, runtime, cite(directory, where, f),
                                tuple(strings(where, f, "notes"))))
    return sorted(out, key=lambda r: r.version)
