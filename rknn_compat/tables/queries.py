"""Questions asked of the tables: a release by any of its names, a release newer than every
row, and the reverse look-up that knows which product a version belongs to.

RKNN Toolkit and RKNN-Toolkit2 reuse version numbers (both shipped a board-side 1.3.0 and
1.5.0), so a reverse look-up narrows to one product when it can tell: by the commit in the
version string (each row lists the commits of its shipped binaries), by the driver's family
(galcore 6.x, rknpu 0.x: products.toml), by an alias only one product prints, or because the
caller read the product from the line (``product``). Otherwise both products answer.
"""

from __future__ import annotations

import re

from ..errors import UsageError
from ..versions import Version, VersionSpec, parse_version
from .model import (
    BOARD,
    COMPONENTS,
    DERIVED,
    PRODUCTS,
    TOOLKIT,
    LookUp,
    Matrix,
    NewerThanTables,
    Release,
    Requirement,
)


def spelling(text: str) -> str:
    """The key two spellings of one name share: case, blanks and a leading 'v' ignored."""
    key = re.sub(r"\s+", "", text).lower()
    return key[1:] if key[:1] == "v" and key[1:2].isdigit() else key


def find_release(m: Matrix, toolkit: str | Version, generation: str) -> Release:
    if generation not in PRODUCTS:
        raise UsageError(f"unknown generation {generation!r} (one of {', '.join(PRODUCTS)})")
    candidates = [r for r in m.releases if r.generation == generation]
    if isinstance(toolkit, str):
        key = spelling(toolkit)
        if not key:
            raise UsageError(f"empty {PRODUCTS[generation]} version")
        named = [r for r in candidates if key in {spelling(a) for a in r.aliases}]
        if named:
            return named[0]
        # a wheel's pip version carries a local label: 1.5.2+b642f30c is release 1.5.2
        wanted = parse_version(toolkit.split("+", 1)[0] if "+" in toolkit else toolkit)
    else:
        wanted = toolkit
    for rel in candidates:
        if rel.toolkit.matches(wanted):
            return rel
    other = [r for r in m.releases if r.generation != generation and r.toolkit.matches(wanted)]
    newest = m.newest(generation)
    if (not other and newest is not None and generation in m.products
            and wanted.sort_key() > newest.toolkit.sort_key()):
        raise NewerThanTables(wanted, m.horizon(generation), derive(m, wanted, generation))
    near = ", ".join(_nearest(wanted, candidates)) or "none"
    hint = ""
    if other:
        flag = "--toolkit2" if other[0].generation == "rknpu2" else "--toolkit"
        hint = f"; {wanted} is an {other[0].product} release: {flag} {wanted}"
    raise UsageError(f"unknown {PRODUCTS[generation]} version {wanted} (nearest known: {near}{hint})")


def derive(m: Matrix, toolkit: Version, generation: str) -> Release:
    """What the product's stated rule asks of the board for a release no row describes."""
    product = m.products[generation]
    horizon = m.horizon(generation)
    same = VersionSpec((toolkit,), printed=str(toolkit))
    comps = {}
    for comp in COMPONENTS:
        if comp in product.same_version:
            comps[comp] = Requirement(accepts=same, recommended=product.same_version_recommended,
                                      library=product.runtime_library if comp == "librknn_runtime" else None)
        elif comp == "npu_driver" and product.npu_driver_min is not None:
            comps[comp] = Requirement(minimum=product.npu_driver_min, recommended=product.npu_driver_recommended)
        else:
            comps[comp] = Requirement()
    cites = {"components": product.cites["rule"]}
    if "npu_driver_min" in product.cites:
        cites["npu_driver"] = product.cites["npu_driver_min"]
    reach = horizon.describe() if horizon else "which have no row of this product"
    note = (f"Derived, not a row of the tables: {product.name} {toolkit} is newer than the tables ({reach}); "
            "these cells are what the product's stated rule implies. Frameworks: not stated.")
    return Release(toolkit, generation, comps, {}, None, cites, (note,), kind=DERIVED)


def look_up(m: Matrix, component: str, version: str | Version, product: str | None = None) -> LookUp:
    if component not in COMPONENTS:
        raise UsageError(f"unknown component {component!r} (one of {', '.join(COMPONENTS)})")
    if product is not None and product not in PRODUCTS:
        raise UsageError(f"unknown generation {product!r} (one of {', '.join(PRODUCTS)})")
    rows = [r for r in m.releases + m.board_releases if component in r.components]
    notes: list[str] = []
    alias = _alias(rows, component, version) if isinstance(version, str) else None
    if alias is not None:
        row, readings, note = alias
        found, product = readings[0], row.generation
        notes.append(note)
    else:
        found = parse_version(version) if isinstance(version, str) else version
        readings = [found]
        known = [r for r in rows if r.components[component].knows_commit(found.commit)
                 and r.components[component].admits(found)]
        if known:
            rows = known
            gens = {r.generation for r in known}
            product = gens.pop() if len(gens) == 1 else product
            notes.append(f"commit {found.commit} is in the shipped binaries of "
                         f"{', '.join(r.label for r in known)}")
        elif product is None and component == "npu_driver":
            product = _driver_product(m, found)
            if product:
                driver = m.products[product].npu_driver
                notes.append(f"{found} is a {driver} version: {PRODUCTS[product]} rows only")
    if product is not None:
        rows = [r for r in rows if r.generation == product]
    hits = [r for r in rows if r.components[component].stated
            and any(r.components[component].admits(v) for v in readings)]
    return LookUp(component, found, [r for r in hits if r.kind == TOOLKIT],
                  [r for r in hits if r.kind == BOARD], product, tuple(notes))


def _alias(rows: list[Release], component: str, text: str) -> tuple[Release, list[Version], str] | None:
    """A spelling another edition prints for one row's cell: that row, the cell's versions, why."""
    key = spelling(text)
    for row in rows:
        req = row.components[component]
        names = list(req.aliases)
        if req.accepts is not None and "/" in req.accepts.printed:
            names.append(req.accepts.printed)  # a set as the table prints it: "0.9.6/0.9.7"
        if req.accepts is not None and key in {spelling(n) for n in names}:
            if key == spelling(req.accepts.printed):
                how = f"is {row.label}'s {component} cell as {row.cites['components'].source.id} prints it"
            else:
                where = sorted(c.source.id for k, c in row.cites.items() if k.startswith("aliases"))
                how = (f"is another edition's spelling of {row.label}'s {component}"
                       + (f" ({', '.join(where)})" if where else ""))
            note = f"{text.strip()!r} {how}: read as {req.accepts}"
            return row, list(req.accepts.versions), note
    return None


def _driver_product(m: Matrix, found: Version) -> str | None:
    """The product whose kernel driver a bare version can be (galcore 6.x, rknpu 0.x)."""
    gens = [p.generation for p in m.products.values() if found.release[:1] == (p.npu_driver_major,)]
    return gens[0] if len(gens) == 1 else None


def nearest_toolkits(m: Matrix, version: Version, generation: str) -> list[str]:
    return _nearest(version, [r for r in m.releases if r.generation == generation])


def _nearest(wanted: Version, releases: list[Release]) -> list[str]:
    """The known versions just below and just above ``wanted``."""
    ordered = sorted(releases, key=lambda r: r.toolkit.sort_key())
    below = [r for r in ordered if r.toolkit.sort_key() < wanted.sort_key()][-1:]
    above = [r for r in ordered if r.toolkit.sort_key() > wanted.sort_key()][:1]
    return [str(r.toolkit) for r in below + above]
