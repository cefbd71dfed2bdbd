"""``matrices/model_rules.toml``: what a model file needs of its toolkit, its runtime and its board.

Found and validated like every other table (``--matrices`` / ``RKNN_COMPAT_MATRICES``; a bad row
fails with file, row and reason).  Every row cites a source of ``sources.toml``.  A directory
without the file has no model rules: models are then read but not judged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MatrixError
from ..versions import Version, VersionError, parse_version
from .load import read_toml, resolve_directory
from .model import GENERATIONS

TABLES = ("model_version", "container", "platform_group", "default_target", "file_rule", "torch_format",
          "onnx_release")
FORMATS = ("rknn", "onnx", "tflite", "caffe", "tensorflow", "pytorch", "darknet")
_FIELDS = {  # table -> (required, optional); every row also needs source and section
    "model_version": (("version", "runtime_min"), ("notes",)),
    "container": (("family", "library"), ("notes",)),
    "platform_group": (("socs",), ("inferred", "notes")),
    "default_target": (("socs",), ("notes",)),
    "file_rule": (("id", "format", "fact", "text", "remedy"), ("values", "contains", "applies_to", "below",
                                                                "notes")),
    "torch_format": (("version", "torch"), ("notes",)),
    "onnx_release": (("release", "ir", "opset"), ("notes",)),
}
_TYPES = {"version": int, "ir": int, "opset": int, "socs": list, "values": list, "applies_to": list,
          "notes": list, "inferred": bool}


@dataclass(frozen=True)
class Rule:
    """One row: its fields as written (versions parsed), and where it comes from."""

    table: str
    fields: dict
    source: str  # "<title>, edition <edition>, section <section>"
    notes: tuple[str, ...] = ()


@dataclass
class ModelRules:
    rows: dict[str, list[Rule]] = field(default_factory=dict)

    def table(self, name: str) -> list[Rule]:
        return self.rows.get(name, [])

    def model_version(self, version: int) -> Rule | None:
        return next((r for r in self.table("model_version") if r.fields["version"] == version), None)

    def library_for(self, family: str) -> Rule | None:
        return next((r for r in self.table("container") if r.fields["family"] == family), None)

    def torch_release(self, version: int) -> Rule | None:
        return next((r for r in self.table("torch_format") if r.fields["version"] == version), None)

    def onnx_release(self, release: Version) -> Rule | None:
        return next((r for r in self.table("onnx_release") if r.fields["release"].matches(release)), None)

    def group_of(self, soc: str) -> Rule | None:
        return next((r for r in self.table("platform_group") if soc.upper() in r.fields["socs"]), None)

    def file_rules(self, fmt: str) -> list[Rule]:
        return [r for r in self.table("file_rule") if r.fields["format"] == fmt]


_CACHE: dict[Path, ModelRules] = {}


def model_rules(directory: str | os.PathLike | None = None) -> ModelRules:
    """The rules of ``directory`` (default: the packaged matrices); cached per directory."""
    path = resolve_directory(directory).resolve() / "model_rules.toml"
    if path not in _CACHE:
        _CACHE[path] = _load(path) if path.exists() else ModelRules()
    return _CACHE[path]


def _load(path: Path) -> ModelRules:
    sources = _sources(path.parent / "sources.toml")
    data = read_toml(path)
    unknown = sorted(set(data) - set(TABLES))
    if unknown:
        raise MatrixError(f"{path}: unknown table(s) {', '.join(unknown)}")
    out = ModelRules()
    for table in TABLES:
        rows = data.get(table, [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise MatrixError(f"{path}: [[{table}]] must be an array of tables")
        out.rows[table] = [_row(f"{path}: {table} {i}", table, row, sources)
                           for i, row in enumerate(rows, start=1)]
    return out


def _sources(path: Path) -> dict[str, str]:
    rows = read_toml(path).get("source", []) if path.exists() else []
    return {r["id"]: f"{r.get('title')}, edition {r.get('edition')}" for r in rows
            if isinstance(r, dict) and isinstance(r.get("id"), str)}


def _row(where: str, table: str, row: dict, sources: dict[str, str]) -> Rule:
    required, optional = _FIELDS[table]
    required = (*required, "source", "section")
    missing = [k for k in required if k not in row]
    extra = sorted(set(row) - set(required) - set(optional))
    if missing or extra:
        what, keys = ("missing", missing) if missing else ("unknown", extra)
        raise MatrixError(f"{where}: {what} field(s) {', '.join(keys)}")
    for key, value in row.items():
        want = _TYPES.get(key, str)
        if isinstance(value, bool) and want is not bool or not isinstance(value, want):
            raise MatrixError(f"{where}: {key} must be a {want.__name__}, not {value!r}")
        if want is str and not value.strip():
            raise MatrixError(f"{where}: {key} is empty")
    if row["source"] not in sources:
        raise MatrixError(f"{where}: source {row['source']!r} is not defined in sources.toml")
    fields = dict(row)
    for key in ("runtime_min", "release", "below", "torch"):
        if key in fields:
            try:
                fields[key] = parse_version(fields[key])
            except VersionError as exc:
                raise MatrixError(f"{where}: {key}: {exc}") from None
    if "socs" in fields:
        fields["socs"] = [str(s).upper() for s in fields["socs"]]
    if table == "file_rule":
        _check_file_rule(where, fields)
    notes = tuple(str(n) for n in fields.pop("notes", ()))
    return Rule(table, fields, f"{sources[row['source']]}, section {row['section']}", notes)


def _check_file_rule(where: str, fields: dict) -> None:
    if fields["format"] not in FORMATS:
        raise MatrixError(f"{where}: format must be one of {', '.join(FORMATS)}, not {fields['format']!r}")
    if ("values" in fields) == ("contains" in fields):
        raise MatrixError(f"{where}: give exactly one of values and contains")
    bad = [g for g in fields.get("applies_to", GENERATIONS) if g not in GENERATIONS]
    if bad:
        raise MatrixError(f"{where}: applies_to must list rknpu1/rknpu2, not {', '.join(map(str, bad))}")
    fields.setdefault("applies_to", list(GENERATIONS))
