"""The rows of each matrix file, validated and turned into the model's objects.

One function per file; each names the fields a row may carry (the README's "Adding a row"
describes them) and fails with file, row and reason (:class:`MatrixError`).
"""

from __future__ import annotations

from ..errors import MatrixError
from ..versions import Version
from .load import Files, Seen, cell, commits, duplicate, fields, spec, version
from .model import (
    BOARD,
    COMPONENTS,
    FRAMEWORKS,
    GENERATIONS,
    Firmware,
    Matrix,
    OnnxRow,
    Platform,
    PrecompileRule,
    Product,
    Release,
    Requirement,
    Rule,
)

_ROW = ("source", "section", "notes", "cite", "released")


def build(files: Files) -> Matrix:
    files.load_sources()
    products = load_products(files)
    onnx = load_onnx(files)
    frameworks = load_frameworks(files)
    releases = load_components(files, frameworks, onnx, products) + load_toolkit2(files, products)
    rules = files.tables("rules.toml", ("precompile", "requirement"), required=False)
    return Matrix(releases=releases, precompile=load_precompile(files, rules["precompile"]), onnx=onnx,
                  platforms=load_platforms(files), directory=files.dir,
                  board_releases=load_board_releases(files, products), products=products,
                  rules=load_requirements(files, rules["requirement"]), sources=files.sources)


def _generation(where: str, text: str) -> str:
    if text not in GENERATIONS:
        raise MatrixError(f"{where}: generation must be rknpu1 or rknpu2, not {text!r}")
    return text


def _notes(row: dict) -> tuple[str, ...]:
    return tuple(row.get("notes", []))


def load_products(files: Files) -> dict:
    out = {}
    for where, row in files.rows("products.toml", "product"):
        f = fields(where, row, required=("generation", "name", "npu_driver", "npu_driver_major", "runtime_library",
                                         "same_version", "checked", "checked_against", "source", "section"),
                   optional=("same_version_recommended", "npu_driver_min", "npu_driver_recommended", "cite"))
        gen = _generation(where, f["generation"])
        if gen in out:
            raise MatrixError(f"{where}: duplicate generation {gen}")
        unknown = [c for c in f["same_version"] if c not in COMPONENTS]
        if unknown:
            raise MatrixError(f"{where}: same_version: unknown component(s) {', '.join(unknown)}")
        minimum = version(where, "npu_driver_min", f["npu_driver_min"]) if "npu_driver_min" in f else None
        out[gen] = Product(gen, f["name"], f["npu_driver"], f["npu_driver_major"], f["runtime_library"],
                           tuple(f["same_version"]), f.get("same_version_recommended", False), minimum,
                           f.get("npu_driver_recommended", False), f["checked"], f["checked_against"],
                           files.cites(where, f, main="rule"))
    return out


def load_onnx(files: Files) -> list[OnnxRow]:
    out, seen = [], Seen()
    for where, row in files.rows("onnx.toml", "onnx"):
        f = fields(where, row, required=("release", "opset", "ir", "source", "section"), optional=("notes",))
        release = version(where, "release", f["release"])
        if duplicate(seen, release):
            raise MatrixError(f"{where}: duplicate ONNX release {release} (also {duplicate(seen, release)})")
        seen.append((release, where))
        out.append(OnnxRow(release, f["opset"], f["ir"], files.cite(where, f), _notes(f)))
    return out


def load_frameworks(files: Files) -> dict:
    out: dict = {}
    for where, row in files.rows("frameworks.toml", "release"):
        f = fields(where, row, required=("toolkit", *FRAMEWORKS[:-1], "source", "section"),
                   optional=("keras", "keras_source", "notes"))
        toolkit = version(where, "toolkit", f["toolkit"]).key
        if toolkit in out:
            raise MatrixError(f"{where}: duplicate toolkit {f['toolkit']}")
        cells = {k: cell(where, k, f[k]) for k in FRAMEWORKS if k in f}
        notes = _notes(f)
        if "keras_source" in f:
            notes += (f"Keras cell from {f['keras_source']}.",)
        out[toolkit] = (cells, files.cite(where, f), notes, f"{where} (toolkit {f['toolkit']})")
    return out


def _requirement(where: str, f: dict, comp: str, key: str, library: str | None = None,
                 published: bool = True) -> Requirement:
    """A component cell written ``key`` (+ ``key_aliases``, ``key_commits``) as a Requirement."""
    return Requirement(accepts=spec(where, key, f[key]) if key in f else None, library=library,
                       published=published, aliases=tuple(f.get(f"{key}_aliases", ())),
                       commits=commits(where, f"{key}_commits", f.get(f"{key}_commits", [])))


def _component_rows(files: Files, name: str, key: str, required: bool = True):
    """Rows of components.toml / board_releases.toml: three cells, aliases, commits, cites."""
    optional = (*_ROW, "socs") + tuple(f"{c}_{s}" for c in COMPONENTS for s in ("aliases", "commits"))
    seen: list[tuple[Version, str]] = Seen()
    for where, row in files.rows(name, "release", required):
        f = fields(where, row, required=(key, *COMPONENTS, "source", "section"), optional=optional)
        v = version(where, key, f[key])
        if duplicate(seen, v):
            raise MatrixError(f"{where}: duplicate {key} {v} (also {duplicate(seen, v)})")
        seen.append((v, where))
        yield where, f, v


def load_components(files: Files, frameworks: dict, onnx: list[OnnxRow], products: dict) -> list[Release]:
    out: list[Release] = []
    library = products["rknpu1"].runtime_library if "rknpu1" in products else "librknn_runtime.so"
    keys = set()
    for where, f, toolkit in _component_rows(files, "components.toml", "toolkit"):
        keys.add(toolkit.key)
        comps = {c: _requirement(where, f, c, c, library if c == "librknn_runtime" else None) for c in COMPONENTS}
        cites = files.cites(where, f, main="components")
        cells, notes = {}, _notes(f)
        if toolkit.key in frameworks:
            cells, fw_cite, fw_notes, _ = frameworks[toolkit.key]
            cites["frameworks"] = fw_cite
            notes += fw_notes
        onnx_row = _onnx_for(cells.get("onnx"), onnx)
        if onnx_row:
            cites["onnx"] = onnx_row.cite
            notes += onnx_row.notes
        out.append(Release(toolkit, "rknpu1", comps, cells, onnx_row, cites, notes, released=f.get("released")))
    missing = [k for k in frameworks if k not in keys]
    if missing:
        raise MatrixError(f"{frameworks[missing[0]][3]}: no row for this toolkit in components.toml")
    return out


def load_board_releases(files: Files, products: dict) -> list[Release]:
    out = []
    library = products["rknpu1"].runtime_library if "rknpu1" in products else "librknn_runtime.so"
    for where, f, board in _component_rows(files, "board_releases.toml", "board", required=False):
        comps = {c: _requirement(where, f, c, c, library if c == "librknn_runtime" else None) for c in COMPONENTS}
        out.append(Release(board, "rknpu1", comps, {}, None, files.cites(where, f, main="components"), _notes(f),
                           kind=BOARD, released=f.get("released"), socs=tuple(f.get("socs", ()))))
    return out


_TOOLKIT2 = (*_ROW, *FRAMEWORKS, "toolkit_aliases", "rknn_server", "runtime", "rknn_server_aliases",
             "runtime_aliases", "rknn_server_commits", "runtime_commits", "board_published", "npu_driver_min",
             "npu_driver_recommended", "pins", "python")


def load_toolkit2(files: Files, products: dict) -> list[Release]:
    out, seen = [], Seen()
    library = products["rknpu2"].runtime_library if "rknpu2" in products else "librknnrt.so"
    for where, row in files.rows("toolkit2.toml", "release", required=False):
        f = fields(where, row, required=("toolkit", "source", "section"), optional=_TOOLKIT2)
        toolkit = version(where, "toolkit", f["toolkit"])
        if duplicate(seen, toolkit):
            raise MatrixError(f"{where}: duplicate toolkit {toolkit} (also {duplicate(seen, toolkit)})")
        seen.append((toolkit, where))
        published = f.get("board_published", True)
        driver = Requirement(minimum=version(where, "npu_driver_min", f["npu_driver_min"]),
                             recommended=f.get("npu_driver_recommended", False)) \
            if "npu_driver_min" in f else Requirement()
        comps = {"rknn_server": _requirement(where, f, "rknn_server", "rknn_server", published=published),
                 "npu_driver": driver,
                 "librknn_runtime": _requirement(where, f, "librknn_runtime", "runtime", library, published)}
        cells = {k: cell(where, k, f[k]) for k in FRAMEWORKS if k in f}
        cites = files.cites(where, f, main="components")
        out.append(Release(toolkit, "rknpu2", comps, cells, None, cites, _notes(f),
                           aliases=tuple(f.get("toolkit_aliases", ())), released=f.get("released"),
                           pins=dict(f.get("pins", {})), python=tuple(f.get("python", ()))))
    return out


def load_platforms(files: Files) -> dict[str, Platform]:
    firmware: dict[str, list[Firmware]] = {}
    for where, row in files.rows("firmware.toml", "firmware", required=False):
        f = fields(where, row, required=("soc", "release", "source", "section"), optional=("npu_driver", "released"))
        driver = version(where, "npu_driver", f["npu_driver"]) if "npu_driver" in f else None
        firmware.setdefault(f["soc"].upper(), []).append(
            Firmware(f["soc"], version(where, "release", f["release"]), driver, f.get("released"),
                     files.cite(where, f)))
    out: dict[str, Platform] = {}
    versions = ("added", "rknn_server_since")
    for where, row in files.rows("platforms.toml", "platform", required=False):
        f = fields(where, row, required=("soc", "generation", "source", "section"),
                   optional=("notes", "cite", "runtime_library", "runtime_dir", "rknn_server_dir", *versions))
        gen = _generation(where, f["generation"])
        key = f["soc"].upper()
        if key in out:
            raise MatrixError(f"{where}: duplicate soc {f['soc']}")
        vs = {k: version(where, k, f[k]) if k in f else None for k in versions}
        out[key] = Platform(f["soc"], gen, files.cite(where, f), _notes(f), vs["added"], f.get("runtime_library"),
                            f.get("runtime_dir"), f.get("rknn_server_dir"), vs["rknn_server_since"],
                            files.cites(where, f), tuple(firmware.pop(key, [])))
    if firmware:
        raise MatrixError(f"{files.dir / 'firmware.toml'}: no platform row for soc {sorted(firmware)[0]}")
    return out


def load_precompile(files: Files, rows: list) -> list[PrecompileRule]:
    out = []
    for where, row in rows:
        f = fields(where, row, required=("id", "toolkit_min", "rknn_server_min", "text", "source", "section"))
        out.append(PrecompileRule(f["id"], version(where, "toolkit_min", f["toolkit_min"]),
                                  version(where, "rknn_server_min", f["rknn_server_min"]), f["text"],
                                  files.cite(where, f)))
    return out


def load_requirements(files: Files, rows: list) -> list[Rule]:
    out = []
    for where, row in rows:
        f = fields(where, row, required=("id", "generation", "when", "components", "minimum", "text", "source",
                                         "section"), optional=("socs", "recommended", "model_bytes_over"))
        unknown = [c for c in f["components"] if c not in COMPONENTS]
        if unknown:
            raise MatrixError(f"{where}: components: unknown component(s) {', '.join(unknown)}")
        out.append(Rule(f["id"], _generation(where, f["generation"]), f["when"], tuple(f["components"]),
                        version(where, "minimum", f["minimum"]), f.get("recommended", False),
                        tuple(f.get("socs", ())), f["text"], files.cite(where, f), f.get("model_bytes_over")))
    return out


def _onnx_for(text: str | None, rows: list[OnnxRow]) -> OnnxRow | None:
    if not text or text == "not supported" or "~" in text:
        return None
    from ..versions import parse_version

    wanted = parse_version(text)
    return next((r for r in rows if r.release.matches(wanted)), None)
