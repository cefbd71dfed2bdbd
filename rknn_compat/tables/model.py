"""The shape of the knowledge tables: releases, requirements, citations, platforms, and queries.

This is the one home of the product vocabulary: the components a board carries
(:data:`COMPONENTS`, :data:`COMPONENT_LABELS`), the two NPU generations and the product that
serves each (:data:`PRODUCTS`), and a release's label. Loading and validating the TOML in
``matrices/`` is :mod:`rknn_compat.tables.load`; the reverse look-up and the reading of a
release newer than every row are :mod:`rknn_compat.tables.queries`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExitCode, RknnCompatError
from ..versions import Version, VersionSpec

COMPONENTS = ("rknn_server", "npu_driver", "librknn_runtime")
COMPONENT_LABELS = {"rknn_server": "rknn_server", "npu_driver": "NPU driver (galcore)",
                    "librknn_runtime": "librknn_runtime"}
FRAMEWORKS = ("tensorflow", "tflite", "caffe", "onnx", "darknet", "pytorch", "mxnet", "keras")
# The NPU generation is the key of everything: RKNN Toolkit 1.x serves RKNPU1 boards
# (RK1808, RK3399Pro, RV1109/RV1126), RKNN-Toolkit2 serves RKNPU2 boards (RK3566/68, RK3588, ...).
GENERATIONS = ("rknpu1", "rknpu2")
PRODUCTS = {"rknpu1": "RKNN Toolkit", "rknpu2": "RKNN-Toolkit2"}
# What a row is: a toolkit release, a board release no toolkit matches, or a row made from the
# product's stated rule for a release newer than every row.
TOOLKIT, BOARD, DERIVED = "toolkit", "board", "derived"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    edition: str
    location: str
    file: str | None = None  # a wheel or sdist: its file name ...
    sha256: str | None = None  # ... and digest


@dataclass(frozen=True)
class Cite:
    """Where a row comes from: a document of sources.toml and its section."""

    source: Source
    section: str

    def to_dict(self) -> dict:
        out = {
            "id": self.source.id,
            "document": self.source.title,
            "edition": self.source.edition,
            "section": self.section,
            "location": self.source.location,
        }
        if self.source.file:
            out.update(file=self.source.file, sha256=self.source.sha256)
        return out

    def __str__(self) -> str:
        return f"{self.source.title}, edition {self.source.edition}, section {self.section}"


@dataclass(frozen=True)
class Requirement:
    """What a release needs of one board component.

    ``accepts`` (a set of versions) or ``minimum``; neither: no document states one, and every
    version passes (``stated`` is False). ``recommended``: a minimum that is advice, so an unmet
    one is a warning, never a mismatch. ``published`` False: no board binary of that version was
    ever released. ``aliases`` are other editions' spellings of the cell; ``commits`` the git
    commits in the version strings of the shipped binaries.
    """

    accepts: VersionSpec | None = None
    minimum: Version | None = None
    library: str | None = None
    recommended: bool = False  # Rockchip only recommends it: an unmet one is a warning, never a mismatch
    published: bool = True
    aliases: tuple[str, ...] = ()
    commits: tuple[str, ...] = ()

    @property
    def stated(self) -> bool:
        return self.accepts is not None or self.minimum is not None

    def admits(self, found: Version) -> bool:
        if self.accepts is not None:
            return self.accepts.accepts(found)
        if self.minimum is not None:
            return found.sort_key() >= self.minimum.sort_key()
        return True

    def describe(self) -> str:
        if self.accepts is not None:
            return str(self.accepts)
        if self.minimum is not None:
            return f">={self.minimum}"
        return "not stated"

    def knows_commit(self, commit: str | None) -> bool:
        c = (commit or "").lower()
        return bool(c) and any(k.startswith(c) or c.startswith(k) for k in self.commits)

    def to_dict(self) -> dict:
        return {
            "accepts": self.accepts.normalised() if self.accepts else [],
            "printed": self.accepts.printed if self.accepts else None,
            "minimum": str(self.minimum) if self.minimum else None,
            "recommended": self.recommended,
            "stated": self.stated,
            "published": self.published,
            "library": self.library,
            "aliases": list(self.aliases),
            "commits": list(self.commits),
        }


@dataclass(frozen=True)
class Release:
    """One toolkit release (or board release, or derived row): what it needs on the board."""

    toolkit: Version  # the toolkit version; for a board release, the board release's number
    generation: str  # "rknpu1" (RKNN Toolkit 1.x) or "rknpu2" (RKNN-Toolkit2)
    components: dict[str, Requirement]
    frameworks: dict[str, str]
    onnx: OnnxRow | None
    cites: dict[str, Cite]
    notes: tuple[str, ...] = ()
    kind: str = TOOLKIT
    aliases: tuple[str, ...] = ()  # other names of the same toolkit release ("2.0.0-beta0")
    released: str | None = None  # ISO date, cites["released"]
    pins: dict[str, str] = field(default_factory=dict)  # the wheel's Requires-Dist
    python: tuple[str, ...] = ()  # CPython versions it was published for
    socs: tuple[str, ...] = ()  # board releases: the boards it shipped for

    @property
    def product(self) -> str:
        if self.kind == BOARD:
            return "RKNPU board release (no toolkit)"
        return PRODUCTS[self.generation]

    @property
    def label(self) -> str:
        """How output names a release: ``1.3.2`` (RKNN Toolkit), ``toolkit2-2.3.2``, ``rknpu-1.5.0``."""
        if self.kind == BOARD:
            return f"rknpu-{self.toolkit}"
        return str(self.toolkit) if self.generation == "rknpu1" else f"toolkit2-{self.toolkit}"

    def to_dict(self) -> dict:
        frameworks: dict = dict(self.frameworks)
        if "onnx" in frameworks:
            frameworks["onnx"] = {
                "release": self.frameworks["onnx"],
                "opset": self.onnx.opset if self.onnx else None,
                "ir": self.onnx.ir if self.onnx else None,
            }
        return {
            "toolkit": str(self.toolkit),
            "generation": self.generation,
            "label": self.label,
            "kind": self.kind,
            "released": self.released,
            "components": {k: v.to_dict() for k, v in self.components.items()},
            "frameworks": frameworks,
            "pins": dict(self.pins),
            "python": list(self.python),
            "aliases": list(self.aliases),
            "socs": list(self.socs),
            "notes": list(self.notes),
            "sources": {k: c.to_dict() for k, c in self.cites.items()},
        }


@dataclass(frozen=True)
class OnnxRow:
    release: Version
    opset: int
    ir: int
    cite: Cite
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Firmware:
    """A release of a board's NPU firmware (RK3399Pro: rknn_server and driver run inside it)."""

    soc: str
    release: Version
    npu_driver: Version | None
    released: str | None
    cite: Cite


@dataclass(frozen=True)
class Platform:
    soc: str
    generation: str
    cite: Cite
    notes: tuple[str, ...] = ()
    added: Version | None = None  # the toolkit release that added it
    runtime_library: str | None = None  # when not the generation's usual library
    runtime_dir: str | None = None
    rknn_server_dir: str | None = None
    rknn_server_since: Version | None = None  # no rknn_server before this toolkit release
    cites: dict[str, Cite] = field(default_factory=dict)
    firmware: tuple[Firmware, ...] = ()

    def to_dict(self) -> dict:
        return {
            "soc": self.soc, "generation": self.generation, "product": PRODUCTS[self.generation],
            "added": str(self.added) if self.added else None,
            "runtime_library": self.runtime_library, "runtime_dir": self.runtime_dir,
            "rknn_server_dir": self.rknn_server_dir,
            "rknn_server_since": str(self.rknn_server_since) if self.rknn_server_since else None,
            "firmware": [{"release": str(f.release), "npu_driver": str(f.npu_driver) if f.npu_driver else None,
                          "released": f.released, "source": f.cite.to_dict()} for f in self.firmware],
            "notes": list(self.notes),
            "sources": {"platform": self.cite.to_dict(), **{k: c.to_dict() for k, c in self.cites.items()}},
        }


@dataclass(frozen=True)
class Product:
    """What the tables know of one product, and the rule it states for any release."""

    generation: str
    name: str
    npu_driver: str  # "galcore" / "rknpu"
    npu_driver_major: int
    runtime_library: str
    same_version: tuple[str, ...]
    same_version_recommended: bool
    npu_driver_min: Version | None
    npu_driver_recommended: bool
    checked: str
    checked_against: str
    cites: dict[str, Cite]  # "rule" (the row's source) and the extra cites of products.toml


@dataclass(frozen=True)
class PrecompileRule:
    """Manual 1.6.2: toolkit >= toolkit_min makes pre-compiled models that need rknn_server >= rknn_server_min."""

    id: str
    toolkit_min: Version
    rknn_server_min: Version
    text: str
    cite: Cite


@dataclass(frozen=True)
class Rule:
    """A minimum a board component needs in some case (``when``), on every board or only ``socs``."""

    id: str
    generation: str
    when: str
    components: tuple[str, ...]
    minimum: Version
    recommended: bool
    socs: tuple[str, ...]
    text: str
    cite: Cite
    model_bytes_over: int | None = None  # "model larger than 2 GB": the size in bytes past which it holds

    def to_dict(self) -> dict:
        return {"id": self.id, "generation": self.generation, "when": self.when,
                "model_bytes_over": self.model_bytes_over,
                "components": list(self.components), "minimum": str(self.minimum),
                "recommended": self.recommended, "socs": list(self.socs), "text": self.text,
                "source": self.cite.to_dict()}


@dataclass(frozen=True)
class Horizon:
    """How far the tables of one product reach: the newest row, its date, when last checked."""

    product: Product
    newest: Release

    def describe(self) -> str:
        dated = self.newest.released or "undated"
        return f"which know up to {self.newest.toolkit}, dated {dated}"


class NewerThanTables(RknnCompatError):
    """A release newer than every row of its product: not a usage error, and nothing to judge by (exit 3)."""

    exit_code = ExitCode.UNKNOWN

    def __init__(self, wanted: Version, horizon: Horizon, derived: Release):
        self.wanted, self.horizon, self.derived = wanted, horizon, derived
        super().__init__(
            f"{horizon.product.name} {wanted} is newer than the tables ({horizon.describe()}; last "
            f"checked {horizon.product.checked}); add a row: copy matrices/ and pass --matrices "
            "(README, 'Adding a row')")


@dataclass(frozen=True)
class LookUp:
    """A reverse look-up: the releases whose ``component`` requirement admits ``version``.

    ``board_releases`` are RKNPU board releases no toolkit matches; ``product`` the generation the
    query was narrowed to (by its spelling, its commit or the driver's family), if any; ``notes``
    say how the query was read.
    """

    component: str
    version: Version
    releases: list[Release]
    board_releases: list[Release] = field(default_factory=list)
    product: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.releases else ExitCode.PROBLEM

    @property
    def query(self) -> dict:
        return {"component": self.component, "version": str(self.version), "product": self.product}


@dataclass
class Matrix:
    releases: list[Release] = field(default_factory=list)
    precompile: list[PrecompileRule] = field(default_factory=list)
    onnx: list[OnnxRow] = field(default_factory=list)
    platforms: dict[str, Platform] = field(default_factory=dict)
    directory: Path | None = None
    board_releases: list[Release] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)  # sources.toml by id, for the other tables

    def release(self, toolkit: str | Version, generation: str = "rknpu1") -> Release:
        """The release row of RKNN Toolkit (``rknpu1``) or RKNN-Toolkit2 (``rknpu2``).

        The two products reuse version numbers (both have a 1.6.0), so the generation is part
        of the key. Unknown → UsageError naming the nearest; newer than every row →
        :class:`NewerThanTables` (exit 3), carrying the row the product's rule implies.
        """
        from .queries import find_release

        return find_release(self, toolkit, generation)

    def newest(self, generation: str) -> Release | None:
        rows = [r for r in self.releases if r.generation == generation]
        return max(rows, key=lambda r: r.toolkit.sort_key()) if rows else None

    def horizon(self, generation: str) -> Horizon | None:
        newest, product = self.newest(generation), self.products.get(generation)
        return Horizon(product, newest) if newest and product else None

    def derive(self, toolkit: Version, generation: str) -> Release:
        """The row the product's stated rule implies for ``toolkit`` (kind ``derived``)."""
        from .queries import derive

        return derive(self, toolkit, generation)

    def toolkits_for(self, component: str, version: str | Version) -> list[Release]:
        """Reverse look-up: the toolkit releases whose stated ``component`` requirement admits ``version``."""
        return self.look_up(component, version).releases

    def look_up(self, component: str, version: str | Version, product: str | None = None) -> LookUp:
        """Reverse look-up, product-aware; ``product`` narrows it when the caller read it from a line."""
        from .queries import look_up

        return look_up(self, component, version, product)

    def generation_of(self, soc: str | None) -> str | None:
        platform = self.platforms.get((soc or "").upper())
        return platform.generation if platform else None

    def platform(self, soc: str | None) -> Platform | None:
        return self.platforms.get((soc or "").upper())

    def rules_for(self, generation: str, soc: str | None = None) -> list[Rule]:
        key = (soc or "").upper()
        return [r for r in self.rules if r.generation == generation
                and (not r.socs or key in {s.upper() for s in r.socs})]
