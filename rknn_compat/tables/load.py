"""Find ``matrices/``, read its TOML safely, validate every row, build the :class:`Matrix`.

Data lives in files so a user can read, cite and override it (``--matrices DIR`` or
``RKNN_COMPAT_MATRICES``); this module is the only code that finds those files. A file that
does not fit its shape fails with file, row and reason (:class:`MatrixError`, exit 2), never
a traceback. The rows of each release table are read by :mod:`rknn_compat.tables.releases`.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

from ..errors import MatrixError
from ..userfiles import read_bytes
from ..versions import Version, VersionError, VersionSpec, parse_spec, parse_version
from .model import Cite, Matrix, Source

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

ENV_VAR = "RKNN_COMPAT_MATRICES"
REQUIRED_FILES = ("sources.toml", "products.toml", "components.toml", "frameworks.toml", "onnx.toml")


def default_directory() -> Path:
    """The packaged matrices (inside the wheel), else the source tree's ``matrices/``."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "matrices", here.parent / "matrices"):
        if (candidate / "components.toml").is_file():
            return candidate
    raise MatrixError(f"no matrices found beside {here} (set {ENV_VAR} or --matrices)")


def resolve_directory(directory: str | os.PathLike | None = None) -> Path:
    """``--matrices DIR``, else ``RKNN_COMPAT_MATRICES`` (empty means unset), else the packaged tables."""
    if directory is not None and not os.fspath(directory):
        raise MatrixError("--matrices is empty: name a directory of matrix files")
    chosen = directory or os.environ.get(ENV_VAR)
    if not chosen:
        return default_directory()
    path = Path(chosen)
    try:
        is_dir = stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL
        why = getattr(exc, "strerror", None) or exc
        raise MatrixError(f"{path}: not a directory of matrix files ({why})") from None
    if not is_dir:
        raise MatrixError(f"{path}: not a directory of matrix files")
    return path


MAX_TABLE_BYTES = 4 << 20  # the largest shipped table is ~40 KiB


def read_toml(path: Path, error: type[Exception] = MatrixError, limit: int = MAX_TABLE_BYTES) -> dict:
    """A TOML file the user may have named: a regular file, size-capped, any failure one line."""
    data = read_bytes(path, limit, "table", error)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot read: not UTF-8 text ({exc})") from None
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: an integer past Python's digit limit
        raise error(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: invalid TOML: nested too deeply") from None


_CACHE: dict[Path, Matrix] = {}


def load(directory: str | os.PathLike | None = None) -> Matrix:
    """Load and validate every table; cached per directory."""
    from .releases import build

    path = resolve_directory(directory).resolve()
    if path not in _CACHE:
        _CACHE[path] = build(Files(path))
    return _CACHE[path]


class Files:
    """The TOML files of one matrix directory and the documents they cite."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.sources: dict[str, Source] = {}

    def tables(self, name: str, tables: tuple[str, ...], required: bool = True) -> dict[str, list]:
        """``{table: [(where, row), ...]}`` of a file holding only ``[[table]]`` arrays."""
        path = self.dir / name
        try:
            os.stat(path)
        except FileNotFoundError:
            if required:
                raise MatrixError(f"{path}: missing (a matrix directory needs {', '.join(REQUIRED_FILES)})") from None
            return {t: [] for t in tables}
        except OSError as exc:  # e.g. a directory the user may list but not enter
            raise MatrixError(f"{path}: cannot read: {exc.strerror or exc}") from None
        data = read_toml(path)
        extra = sorted(set(data) - set(tables))
        if extra:
            wanted = ", ".join(f"[[{t}]]" for t in tables)
            raise MatrixError(f"{path}: unknown table(s) {', '.join(extra)} (expected {wanted})")
        if not any(data.get(t) for t in tables):
            raise MatrixError(f"{path}: no [[{tables[0]}]] rows")
        out = {}
        for table in tables:
            rows = data.get(table, [])
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise MatrixError(f"{path}: [[{table}]] must be an array of tables")
            out[table] = [(f"{path}: {table} {i}", row) for i, row in enumerate(rows, start=1)]
        return out

    def rows(self, name: str, table: str, required: bool = True) -> list[tuple[str, dict]]:
        return self.tables(name, (table,), required)[table]

    def load_sources(self) -> None:
        for where, row in self.rows("sources.toml", "source"):
            src = fields(where, row, required=("id", "title", "edition", "location"), optional=("file", "sha256"))
            if src["id"] in self.sources:
                raise MatrixError(f"{where}: duplicate source id {src['id']!r}")
            if ("file" in src) != ("sha256" in src):
                raise MatrixError(f"{where}: a file needs its sha256 and a sha256 its file")
            if "sha256" in src and not re.fullmatch(r"[0-9a-f]{64}", src["sha256"]):
                raise MatrixError(f"{where}: sha256 must be 64 hex digits, not {src['sha256']!r}")
            self.sources[src["id"]] = Source(**src)

    def cite(self, where: str, row: dict) -> Cite:
        source_id = row["source"]
        if source_id not in self.sources:
            raise MatrixError(f"{where}: source {source_id!r} is not defined in sources.toml")
        return Cite(self.sources[source_id], row["section"])

    def cites(self, where: str, row: dict, main: str | None = None) -> dict[str, Cite]:
        """The row's own source (under ``main``) and its ``cite.<what>`` sub-table."""
        out = {main: self.cite(where, row)} if main else {}
        for what, value in row.get("cite", {}).items():
            here = f"{where}: cite.{what}"
            if not isinstance(value, dict):
                raise MatrixError(f"{here} must be {{ source = ..., section = ... }}, not {value!r}")
            out[what] = self.cite(here, fields(here, value, required=("source", "section")))
        return out


# ------------------------------------------------------------------ field checks

_LISTS = {"notes", "socs", "python", "components", "same_version", "toolkit_aliases"}
_BOOLS = {"board_published", "npu_driver_recommended", "same_version_recommended", "recommended"}
_INTS = {"opset", "ir", "npu_driver_major", "model_bytes_over"}
_TABLES = {"cite", "pins"}


def _type_of(key: str) -> type:
    if key in _LISTS or key.endswith(("_aliases", "_commits")):
        return list
    if key in _BOOLS:
        return bool
    if key in _INTS:
        return int
    return dict if key in _TABLES else str


def fields(where: str, row: dict, required=(), optional=(), types=None) -> dict:
    """Required and optional keys, no unknown one; each value's type from its name (or ``types``)."""
    missing = [k for k in required if k not in row]
    if missing:
        raise MatrixError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(row) - set(required) - set(optional))
    if unknown:
        raise MatrixError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key, value in row.items():
        want = (types or {}).get(key) or _type_of(key)
        if not isinstance(value, want) or (isinstance(value, bool) and want is not bool):
            raise MatrixError(f"{where}: {key} must be a {want.__name__}, not {value!r}")
        if want is str and not value.strip():
            raise MatrixError(f"{where}: {key} is empty")
        if want is list and not all(isinstance(v, str) and v.strip() for v in value):
            raise MatrixError(f"{where}: {key} must be a list of strings")
        if key == "pins" and not all(isinstance(v, str) and v.strip() for v in value.values()):
            raise MatrixError(f"{where}: pins must map a package to a version spec string")
        if key == "released" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise MatrixError(f"{where}: released must be a date YYYY-MM-DD, not {value!r}")
    return row


def version(where: str, key: str, text: str) -> Version:
    try:
        return parse_version(text)
    except (VersionError, ValueError) as exc:
        raise MatrixError(f"{where}: {key}: {exc}") from None


def spec(where: str, key: str, text: str) -> VersionSpec:
    try:
        return parse_spec(text)
    except (VersionError, ValueError) as exc:
        raise MatrixError(f"{where}: {key}: {exc}") from None


class Seen(list):
    """``(version, where)`` of the rows read so far, bucketed so that :func:`duplicate` is linear.

    Two versions can only match (``Version.matches``) when major.minor.patch and the pre-release
    agree, so a version is compared only with the rows of its own bucket (10 000 rows took 16 s
    when each was compared with every earlier one).
    """

    def __init__(self) -> None:
        super().__init__()
        self.buckets: dict[tuple, list[tuple[Version, str]]] = {}

    def append(self, item: tuple[Version, str]) -> None:
        super().append(item)
        self.buckets.setdefault((item[0].base, item[0].pre), []).append(item)


def duplicate(seen: list[tuple[Version, str]], v: Version) -> str | None:
    """Where an earlier row with the same version (1.1 and 1.1.0 are one) stood."""
    rows = seen.buckets.get((v.base, v.pre), []) if isinstance(seen, Seen) else seen
    return next((where for s, where in rows if s.matches(v)), None)


def cell(where: str, key: str, text: str) -> str:
    """A framework cell: 'not supported', a version, a range, a commit or a schema note."""
    lowered = text.strip().lower()
    if lowered in ("not supported", "not support"):
        return "not supported"
    if key in ("onnx", "caffe") and "~" not in text:
        version(where, key, text)
    elif key == "darknet" and not all(c in "0123456789abcdef" for c in lowered):
        raise MatrixError(f"{where}: darknet must be a commit id, not {text!r}")
    return text.strip()


def commits(where: str, key: str, values: list[str]) -> tuple[str, ...]:
    for c in values:
        if not re.fullmatch(r"[0-9a-f]{6,40}", c):
            raise MatrixError(f"{where}: {key}: {c!r} is not a git commit (6-40 lowercase hex digits)")
    return tuple(values)
