"""Find ``matrices/``, read its TOML safely, validate every row, build the :class:`Matrix`.

Data lives in files so a user can read, cite and override it (``--matrices DIR`` or
``RKNN_COMPAT_MATRICES``); this module is the only code that finds those files. A file that
does not fit its shape fails with file, row and reason (:class:`MatrixError`, exit 2), never
a traceback.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from ..errors import MatrixError
from ..versions import Version, VersionError, VersionSpec, parse_spec, parse_version
from .model import (
    COMPONENTS,
    FRAMEWORKS,
    GENERATIONS,
    Cite,
    Matrix,
    OnnxRow,
    Platform,
    PrecompileRule,
    Release,
    Requirement,
    Source,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

ENV_VAR = "RKNN_COMPAT_MATRICES"
REQUIRED_FILES = ("sources.toml", "components.toml", "frameworks.toml", "onnx.toml")


def default_directory() -> Path:
    """The packaged matrices (inside the wheel), else the source tree's ``matrices/``."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "matrices", here.parent / "matrices"):
        if (candidate / "components.toml").is_file():
            return candidate
    raise MatrixError(f"no matrices found beside {here} (set {ENV_VAR} or --matrices)")


def resolve_directory(directory: str | os.PathLike | None = None) -> Path:
    chosen = directory or os.environ.get(ENV_VAR)
    if not chosen:
        return default_directory()
    path = Path(chosen)
    if not path.is_dir():
        raise MatrixError(f"{path}: not a directory of matrix files")
    return path


MAX_TABLE_BYTES = 4 << 20  # the largest shipped table is ~10 KiB


def read_toml(path: Path, error: type[Exception] = MatrixError, limit: int = MAX_TABLE_BYTES) -> dict:
    """A TOML file the user may have named: a regular file, size-capped, any failure one line."""
    try:
        with open(path, "rb") as fh:
            if not os.path.isfile(path) or not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise error(f"{path}: not a regular file")
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{path}: larger than {limit} bytes; not a table")
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
    path = resolve_directory(directory).resolve()
    if path not in _CACHE:
        _CACHE[path] = _Loader(path).load()
    return _CACHE[path]


class _Loader:
    def __init__(self, directory: Path):
        self.dir = directory
        self.sources: dict[str, Source] = {}
        self.framework_rows: dict[tuple, str] = {}

    def read(self, name: str, required: bool = True) -> dict | None:
        path = self.dir / name
        if not path.exists():
            if required:
                raise MatrixError(f"{path}: missing (a matrix directory needs {', '.join(REQUIRED_FILES)})")
            return None
        return read_toml(path)

    def rows(self, name: str, table: str, required: bool = True) -> list[tuple[str, dict]]:
        data = self.read(name, required)
        if data is None:
            return []
        path = self.dir / name
        rows = data.get(table)
        extra = sorted(set(data) - {table})
        if extra:
            raise MatrixError(f"{path}: unknown table(s) {', '.join(extra)} (expected [[{table}]])")
        if not rows:
            raise MatrixError(f"{path}: no [[{table}]] rows")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise MatrixError(f"{path}: [[{table}]] must be an array of tables")
        return [(f"{path}: {table} {i}", row) for i, row in enumerate(rows, start=1)]

    def load(self) -> Matrix:
        for where, row in self.rows("sources.toml", "source"):
            src = _fields(where, row, required=("id", "title", "edition", "location"))
            if src["id"] in self.sources:
                raise MatrixError(f"{where}: duplicate source id {src['id']!r}")
            self.sources[src["id"]] = Source(**src)
        onnx = self.load_onnx()
        frameworks = self.load_frameworks()
        releases = self.load_components(frameworks, onnx)
        releases += self.load_toolkit2(onnx)
        platforms = self.load_platforms()
        return Matrix(releases=releases, precompile=self.load_rules(), onnx=onnx, platforms=platforms,
                      directory=self.dir, sources=self.sources)

    def load_rules(self) -> list[PrecompileRule]:
        out = []
        for where, row in self.rows("rules.toml", "precompile", required=False):
            f = _fields(where, row, required=("id", "toolkit_min", "rknn_server_min", "text", "source", "section"))
            out.append(PrecompileRule(f["id"], _version(where, "toolkit_min", f["toolkit_min"]),
                                      _version(where, "rknn_server_min", f["rknn_server_min"]), f["text"],
                                      self.cite(where, f)))
        return out

    def cite(self, where: str, row: dict) -> Cite:
        source_id = row["source"]
        if source_id not in self.sources:
            raise MatrixError(f"{where}: source {source_id!r} is not defined in sources.toml")
        return Cite(self.sources[source_id], row["section"])

    def load_onnx(self) -> list[OnnxRow]:
        out, seen = [], []
        for where, row in self.rows("onnx.toml", "onnx"):
            f = _fields(where, row, required=("release", "opset", "ir", "source", "section"),
                        types={"opset": int, "ir": int})
            release = _version(where, "release", f["release"])
            if _duplicate(seen, release):
                raise MatrixError(f"{where}: duplicate ONNX release {release} (also {_duplicate(seen, release)})")
            seen.append((release, where))
            out.append(OnnxRow(release, f["opset"], f["ir"], self.cite(where, f)))
        return out

    def load_frameworks(self) -> dict[str, tuple[dict[str, str], Cite, tuple[str, ...]]]:
        out: dict = {}
        for where, row in self.rows("frameworks.toml", "release"):
            f = _fields(where, row, required=("toolkit", *FRAMEWORKS[:-1], "source", "section"),
                        optional=("keras", "keras_source", "notes"))
            toolkit = _version(where, "toolkit", f["toolkit"]).key
            if toolkit in out:
                raise MatrixError(f"{where}: duplicate toolkit {f['toolkit']}")
            self.framework_rows[toolkit] = f"{where} (toolkit {f['toolkit']})"
            cells = {k: _cell(where, k, f[k]) for k in FRAMEWORKS if k in f}
            notes = _notes(where, f)
            if "keras_source" in f:
                notes += (f"Keras cell from {f['keras_source']}.",)
            out[toolkit] = (cells, self.cite(where, f), notes)
        return out

    def load_components(self, frameworks: dict, onnx: list[OnnxRow]) -> list[Release]:
        out: list[Release] = []
        seen: list[tuple[Version, str]] = []
        for where, row in self.rows("components.toml", "release"):
            f = _fields(where, row, required=("toolkit", *COMPONENTS, "source", "section"),
                        optional=("notes",))
            toolkit = _version(where, "toolkit", f["toolkit"])
            if _duplicate(seen, toolkit):
                raise MatrixError(f"{where}: duplicate toolkit {toolkit} (also {_duplicate(seen, toolkit)})")
            seen.append((toolkit, where))
            comps = {c: Requirement(accepts=_spec(where, c, f[c])) for c in COMPONENTS}
            comps["librknn_runtime"] = Requirement(comps["librknn_runtime"].accepts,
                                                   library="librknn_runtime.so")
            cites = {"components": self.cite(where, f)}
            cells, notes = {}, _notes(where, f)
            if toolkit.key in frameworks:
                cells, fw_cite, fw_notes = frameworks[toolkit.key]
                cites["frameworks"] = fw_cite
                notes += fw_notes
            onnx_row = _onnx_for(cells.get("onnx"), onnx)
            if onnx_row:
                cites["onnx"] = onnx_row.cite
            out.append(Release(toolkit, "rknpu1", comps, cells, onnx_row, cites, notes))
        missing = [key for key in frameworks if key not in {v.key for v, _ in seen}]
        if missing:
            raise MatrixError(f"{self.framework_rows[missing[0]]}: no row for this toolkit in components.toml")
        return out

    def load_toolkit2(self, onnx: list[OnnxRow]) -> list[Release]:
        out, seen = [], []
        for where, row in self.rows("toolkit2.toml", "release", required=False):
            f = _fields(where, row,
                        required=("toolkit", "rknn_server", "runtime", "npu_driver_min",
                                  "source", "section"),
                        optional=(*FRAMEWORKS, "notes"))
            toolkit = _version(where, "toolkit", f["toolkit"])
            if _duplicate(seen, toolkit):
                raise MatrixError(f"{where}: duplicate toolkit {toolkit} (also {_duplicate(seen, toolkit)})")
            seen.append((toolkit, where))
            comps = {
                "rknn_server": Requirement(accepts=_spec(where, "rknn_server", f["rknn_server"])),
                "npu_driver": Requirement(minimum=_version(where, "npu_driver_min", f["npu_driver_min"])),
                "librknn_runtime": Requirement(accepts=_spec(where, "runtime", f["runtime"]),
                                               library="librknnrt.so"),
            }
            cells = {k: _cell(where, k, f[k]) for k in FRAMEWORKS if k in f}
            out.append(Release(toolkit, "rknpu2", comps, cells, None,
                               {"components": self.cite(where, f), "frameworks": self.cite(where, f)},
                               _notes(where, f)))
        return out

    def load_platforms(self) -> dict[str, Platform]:
        out: dict[str, Platform] = {}
        for where, row in self.rows("platforms.toml", "platform", required=False):
            f = _fields(where, row, required=("soc", "generation", "source", "section"),
                        optional=("notes",))
            if f["generation"] not in GENERATIONS:
                raise MatrixError(f"{where}: generation must be rknpu1 or rknpu2, not {f['generation']!r}")
            key = f["soc"].upper()
            if key in out:
                raise MatrixError(f"{where}: duplicate soc {f['soc']}")
            out[key] = Platform(f["soc"], f["generation"], self.cite(where, f), _notes(where, f))
        return out


def _duplicate(seen: list[tuple[Version, str]], version: Version) -> str | None:
    """Where an earlier row with the same version (1.1 and 1.1.0 are one) stood."""
    return next((where for v, where in seen if v.matches(version)), None)



def _fields(where: str, row: dict, required=(), optional=(), types=None) -> dict:
    types = types or {}
    missing = [k for k in required if k not in row]
    if missing:
        raise MatrixError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(row) - set(required) - set(optional))
    if unknown:
        raise MatrixError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key, value in row.items():
        want = types.get(key, list if key == "notes" else str)
        if not isinstance(value, want) or isinstance(value, bool):
            raise MatrixError(f"{where}: {key} must be a {want.__name__}, not {value!r}")
        if want is str and not value.strip():
            raise MatrixError(f"{where}: {key} is empty")
    return row


def _version(where: str, key: str, text: str) -> Version:
    try:
        return parse_version(text)
    except VersionError as exc:
        raise MatrixError(f"{where}: {key}: {exc}") from None


def _spec(where: str, key: str, text: str) -> VersionSpec:
    try:
        return parse_spec(text)
    except VersionError as exc:
        raise MatrixError(f"{where}: {key}: {exc}") from None


def _cell(where: str, key: str, text: str) -> str:
    """A framework cell: 'not supported', a version, a range, a commit or a schema note."""
    lowered = text.strip().lower()
    if lowered in ("not supported", "not support"):
        return "not supported"
    if key in ("onnx", "caffe") and "~" not in text:
        _version(where, key, text)
    elif key == "darknet" and not all(c in "0123456789abcdef" for c in lowered):
        raise MatrixError(f"{where}: darknet must be a commit id, not {text!r}")
    return text.strip()


def _notes(where: str, row: dict) -> tuple[str, ...]:
    notes = row.get("notes", [])
    if not all(isinstance(n, str) for n in notes):
        raise MatrixError(f"{where}: notes must be a list of strings")
    return tuple(notes)


def _onnx_for(cell: str | None, rows: list[OnnxRow]) -> OnnxRow | None:
    if not cell or cell == "not supported" or "~" in cell:
        return None
    wanted = parse_version(cell)
    return next((r for r in rows if r.release.matches(wanted)), None)
