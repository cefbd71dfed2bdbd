"""``matrices/host_rules.toml``: the host end of the chain (framework packages, Python per release, pitfalls).

Found and validated like every other table (``--matrices`` / ``RKNN_COMPAT_MATRICES`` honoured; a
malformed row fails with file, row and reason). Specifiers are kept as text here (this package
imports only errors and versions); ``rknn_compat.doctor`` judges them with ``packaging``, and the
loader checks that ``packaging`` can parse them so a bad row fails at load, not mid-run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import MatrixError
from .load import read_toml, resolve_directory

STATUSES = ("problem", "warning")
PLATFORMS = ("linux_x86_64", "linux_aarch64", "macosx_x86_64", "win_amd64")
# every condition a pitfall may name; all the ones given must hold
CONDITIONS = ("product", "toolkit", "package", "package_version", "duplicate_import", "system", "machine",
              "tool_missing", "env_unset", "also_installed", "process")
_LISTS = ("product", "machine", "also_installed", "aliases", "toolkit", "python")


@dataclass(frozen=True)
class Package:
    name: str
    aliases: tuple[str, ...]
    imports: str  # the import path ("google/protobuf"), for two-copies checks
    table: str | None  # the framework-table column it answers ("pytorch"), if any
    cite: str


@dataclass(frozen=True)
class PythonRow:
    product: str
    toolkits: tuple[str, ...]
    platform: str
    python: tuple[str, ...]
    cite: str


@dataclass(frozen=True)
class Pitfall:
    id: str
    status: str  # problem / warning
    conditions: dict  # condition name -> str or tuple of str
    text: str
    remedy: str
    cite: str


@dataclass(frozen=True)
class HostRules:
    packages: tuple[Package, ...]
    python: tuple[PythonRow, ...]
    pitfalls: tuple[Pitfall, ...]

    def python_for(self, product: str, toolkit: str, platform: str) -> PythonRow | None:
        """The row saying which Pythons ``product`` ``toolkit`` publishes for ``platform``."""
        return next((r for r in self.python if r.product == product and toolkit in r.toolkits
                     and r.platform == platform), None)

    def releases_with_python(self, product: str, toolkit: str) -> list[PythonRow]:
        return [r for r in self.python if r.product == product and toolkit in r.toolkits]


_CACHE: dict[Path, HostRules] = {}


def host_rules(directory: str | os.PathLike | None = None) -> HostRules:
    """The table; cached per directory. A directory without the file has no rules."""
    path = resolve_directory(directory).resolve() / "host_rules.toml"
    if path not in _CACHE:
        _CACHE[path] = _load(path) if path.exists() else HostRules((), (), ())
    return _CACHE[path]


def _load(path: Path) -> HostRules:
    data = read_toml(path)
    unknown = sorted(set(data) - {"package", "python", "pitfall"})
    if unknown:
        raise MatrixError(f"{path}: unknown table(s) {', '.join(unknown)} (expected package, python, pitfall)")
    sources = _source_ids(path.parent)
    packages = tuple(_package(w, r) for w, r in _rows(path, data, "package", sources))
    python = tuple(_python(w, r) for w, r in _rows(path, data, "python", sources))
    pitfalls = tuple(_pitfall(w, r) for w, r in _rows(path, data, "pitfall", sources))
    ids = [p.id for p in pitfalls]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup:
        raise MatrixError(f"{path}: duplicate pitfall id {dup!r}")
    return HostRules(packages, python, pitfalls)


def _source_ids(directory: Path) -> set[str]:
    src = directory / "sources.toml"
    rows = read_toml(src).get("source", []) if src.exists() else []
    return {r.get("id") for r in rows if isinstance(r, dict)}


def _rows(path: Path, data: dict, table: str, sources: set[str]):
    rows = data.get(table, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise MatrixError(f"{path}: [[{table}]] must be an array of tables")
    for i, row in enumerate(rows, start=1):
        where = f"{path}: {table} {i}"
        for key in ("source", "section"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise MatrixError(f"{where}: missing or empty field {key}")
        if row["source"] not in sources:
            raise MatrixError(f"{where}: source {row['source']!r} is not defined in sources.toml")
        yield where, row


def _check(where: str, row: dict, required: tuple, optional: tuple, specs: tuple = ()) -> dict:
    allowed = set(required) | set(optional) | {"source", "section"}
    unknown = sorted(set(row) - allowed)
    if unknown:
        raise MatrixError(f"{where}: unknown field(s) {', '.join(unknown)}")
    missing = [k for k in required if k not in row]
    if missing:
        raise MatrixError(f"{where}: missing field(s) {', '.join(missing)}")
    out = {}
    for key, value in row.items():
        if key in _LISTS and isinstance(value, list):
            if not value or not all(isinstance(v, str) and v.strip() for v in value):
                raise MatrixError(f"{where}: {key} must be a non-empty list of strings")
            value = tuple(value)
        elif not isinstance(value, str) or not value.strip():
            raise MatrixError(f"{where}: {key} must be a non-empty string, not {value!r}")
        if key in specs and isinstance(value, str):
            _spec_ok(where, key, value)
        out[key] = value
    return out


def _spec_ok(where: str, key: str, text: str) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise MatrixError(f"{where}: {key} {text!r} is not a PEP 440 specifier ({exc})") from None


def _cite(row: dict) -> str:
    return f"{row['source']} {row['section']}"


def _package(where: str, row: dict) -> Package:
    f = _check(where, row, ("name", "imports"), ("aliases", "table"))
    return Package(f["name"], tuple(f.get("aliases", ())), f["imports"], f.get("table"), _cite(f))


def _python(where: str, row: dict) -> PythonRow:
    f = _check(where, row, ("product", "toolkit", "platform", "python"), ())
    if f["platform"] not in PLATFORMS:
        raise MatrixError(f"{where}: platform must be one of {', '.join(PLATFORMS)}, not {f['platform']!r}")
    toolkits = f["toolkit"] if isinstance(f["toolkit"], tuple) else (f["toolkit"],)
    pythons = f["python"] if isinstance(f["python"], tuple) else (f["python"],)
    return PythonRow(f["product"], toolkits, f["platform"], pythons, _cite(f))


def _pitfall(where: str, row: dict) -> Pitfall:
    f = _check(where, row, ("id", "status", "text", "remedy"), CONDITIONS, specs=("toolkit", "package_version"))
    if f["status"] not in STATUSES:
        raise MatrixError(f"{where}: status must be one of {', '.join(STATUSES)}, not {f['status']!r}")
    conditions = {k: f[k] for k in CONDITIONS if k in f}
    if not conditions:
        raise MatrixError(f"{where}: a pitfall needs at least one condition ({', '.join(CONDITIONS)})")
    if ("package" in conditions) != ("package_version" in conditions):
        raise MatrixError(f"{where}: package and package_version go together")
    for key in ("product", "machine", "also_installed"):
        if isinstance(conditions.get(key), str):
            conditions[key] = (conditions[key],)
    return Pitfall(f["id"], f["status"], conditions, f["text"], f["remedy"], _cite(f))
