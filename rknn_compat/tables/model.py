"""The shape of the knowledge tables: releases, requirements, citations, platforms, and queries.

This is the one home of the product vocabulary: the components a board carries
(:data:`COMPONENTS`, :data:`COMPONENT_LABELS`), the two NPU generations and the product that
serves each (:data:`PRODUCTS`), and a release's label. Loading and validating the TOML in
``matrices/`` is :mod:`rknn_compat.tables.load`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExitCode, UsageError
from ..versions import Version, VersionSpec, parse_version

COMPONENTS = ("rknn_server", "npu_driver", "librknn_runtime")
COMPONENT_LABELS = {"rknn_server": "rknn_server", "npu_driver": "NPU driver (galcore)",
                    "librknn_runtime": "librknn_runtime"}
FRAMEWORKS = ("tensorflow", "tflite", "caffe", "onnx", "darknet", "pytorch", "mxnet", "keras")
# The NPU generation is the key of everything: RKNN Toolkit 1.x serves RKNPU1 boards
# (RK1808, RK3399Pro, RV1109/RV1126), RKNN-Toolkit2 serves RKNPU2 boards (RK3566/68, RK3588, ...).
GENERATIONS = ("rknpu1", "rknpu2")
PRODUCTS = {"rknpu1": "RKNN Toolkit", "rknpu2": "RKNN-Toolkit2"}


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    edition: str
    location: str


@dataclass(frozen=True)
class Cite:
    """Where a row comes from: a document of sources.toml and its section."""

    source: Source
    section: str

    def to_dict(self) -> dict:
        return {
            "id": self.source.id,
            "document": self.source.title,
            "edition": self.source.edition,
            "section": self.section,
            "location": self.source.location,
        }

    def __str__(self) -> str:
        return f"{self.source.title}, edition {self.source.edition}, section {self.section}"


@dataclass(frozen=True)
class Requirement:
    """What a release needs of one board component."""

    accepts: VersionSpec | None = None
    minimum: Version | None = None
    library: str | None = None
    recommended: bool = False  # Rockchip only recommends it: an unmet one is a warning, never a mismatch

    def admits(self, found: Version) -> bool:
        if self.accepts is not None:
            return self.accepts.accepts(found)
        return self.minimum is not None and found.sort_key() >= self.minimum.sort_key()

    def describe(self) -> str:
        if self.accepts is not None:
            return str(self.accepts)
        return f">={self.minimum}"

    def to_dict(self) -> dict:
        return {
            "accepts": self.accepts.normalised() if self.accepts else [],
            "printed": self.accepts.printed if self.accepts else None,
            "minimum": str(self.minimum) if self.minimum else None,
            "library": self.library,
        }


@dataclass(frozen=True)
class Release:
    """One toolkit release: what it needs on the board and what it converts from."""

    toolkit: Version
    generation: str  # "rknpu1" (RKNN Toolkit 1.x) or "rknpu2" (RKNN-Toolkit2)
    components: dict[str, Requirement]
    frameworks: dict[str, str]
    onnx: OnnxRow | None
    cites: dict[str, Cite]
    notes: tuple[str, ...] = ()

    @property
    def product(self) -> str:
        return PRODUCTS[self.generation]

    @property
    def label(self) -> str:
        """How output names a release: ``1.3.2`` (RKNN Toolkit) or ``toolkit2-2.3.2``."""
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
            "components": {k: v.to_dict() for k, v in self.components.items()},
            "frameworks": frameworks,
            "notes": list(self.notes),
            "sources": {k: c.to_dict() for k, c in self.cites.items()},
        }


@dataclass(frozen=True)
class OnnxRow:
    release: Version
    opset: int
    ir: int
    cite: Cite


@dataclass(frozen=True)
class Platform:
    soc: str
    generation: str
    cite: Cite
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrecompileRule:
    """Manual 1.6.2: toolkit >= toolkit_min makes pre-compiled models that need rknn_server >= rknn_server_min."""

    id: str
    toolkit_min: Version
    rknn_server_min: Version
    text: str
    cite: Cite


@dataclass(frozen=True)
class LookUp:
    """A reverse look-up: the releases whose ``component`` requirement admits ``version``."""

    component: str
    version: Version
    releases: list[Release]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.releases else ExitCode.PROBLEM

    @property
    def query(self) -> dict:
        return {"component": self.component, "version": str(self.version)}


@dataclass
class Matrix:
    releases: list[Release] = field(default_factory=list)
    precompile: list[PrecompileRule] = field(default_factory=list)
    onnx: list[OnnxRow] = field(default_factory=list)
    platforms: dict[str, Platform] = field(default_factory=dict)
    directory: Path | None = None
    sources: dict[str, Source] = field(default_factory=dict)  # sources.toml by id, for the other tables

    def release(self, toolkit: str | Version, generation: str = "rknpu1") -> Release:
        """The release row of RKNN Toolkit (``rknpu1``) or RKNN-Toolkit2 (``rknpu2``).

        The two products reuse version numbers (both have a 1.6.0), so the
        generation is part of the key.  Unknown → UsageError naming the nearest.
        """
        wanted = parse_version(toolkit) if isinstance(toolkit, str) else toolkit
        candidates = [r for r in self.releases if r.generation == generation]
        for rel in candidates:
            if rel.toolkit.matches(wanted):
                return rel
        near = ", ".join(_nearest(wanted, candidates))
        raise UsageError(f"unknown {PRODUCTS[generation]} version {wanted} (nearest known: {near})")

    def toolkits_for(self, component: str, version: str | Version) -> list[Release]:
        """Reverse look-up: the releases whose ``component`` requirement admits ``version``."""
        if component not in COMPONENTS:
            raise UsageError(f"unknown component {component!r} (one of {', '.join(COMPONENTS)})")
        found = parse_version(version) if isinstance(version, str) else version
        return [rel for rel in self.releases
                if component in rel.components and rel.components[component].accepts is not None
                and rel.components[component].admits(found)]

    def look_up(self, component: str, version: str | Version) -> LookUp:
        found = parse_version(version) if isinstance(version, str) else version
        return LookUp(component, found, self.toolkits_for(component, found))

    def generation_of(self, soc: str | None) -> str | None:
        platform = self.platforms.get((soc or "").upper())
        return platform.generation if platform else None

    def platform(self, soc: str | None) -> Platform | None:
        return self.platforms.get((soc or "").upper())




def _nearest(wanted: Version, releases: list[Release]) -> list[str]:
    """The known versions just below and just above ``wanted``."""
    ordered = sorted(releases, key=lambda r: r.toolkit.sort_key())
    below = [r for r in ordered if r.toolkit.sort_key() < wanted.sort_key()][-1:]
    above = [r for r in ordered if r.toolkit.sort_key() > wanted.sort_key()][:1]
    return [str(r.toolkit) for r in below + above]

