"""What the tables say of a board beyond the toolkit rows; the judge asks it (pure).

* Board-only releases (``Matrix.board_releases``): rockchip-linux/rknpu shipped rknn_server,
  librknn_runtime and galcore 1.3.1, 1.3.3, 1.3.4 and 1.5.0-1.5.2 with no RKNN Toolkit release
  of the same number; a board on one of them is consistent with that release.
* A release newer than every row: judged by the product's stated rule (``Matrix.derive``;
  RKNN-Toolkit2 Quick Start 1.6.0 section 3.4.2: rknn_server = runtime = toolkit).
* Platform layout and rules (``matrices/platforms.toml``, ``matrices/rules.toml``, from
  airockchip/rknn-toolkit2 doc/rknn_server_proxy.md section 2.2): RV1103/RV1106 have no
  rknn_server before Toolkit2 1.5.0; rknn_server >= 2.1.0 is recommended on RV1103/RV1106/RV1103B.
"""

from __future__ import annotations

from . import remedies
from .results import MISMATCH, OK, UNKNOWN, WARNING, Finding
from .tables import Matrix, Release
from .tables.model import DERIVED
from .tables.queries import nearest_toolkits
from .versions import Version

ALWAYS = "always"  # a rule of rules.toml that holds for every board it names, not only some models


def board_release(matrix: Matrix, versions: dict[str, Version | None], gen: str) -> Release | None:
    """The board-only release every known component belongs to (at least two components known)."""
    known = {c: v for c, v in versions.items() if v is not None}
    if gen != "rknpu1" or len(known) < 2:
        return None
    for rel in matrix.board_releases:
        reqs = rel.components
        if all(c in reqs and reqs[c].stated and reqs[c].admits(v) for c, v in known.items()):
            return rel
    return None


def nearest(matrix: Matrix, rel: Release) -> list[str]:
    """The toolkit releases just below and above a board release (labels)."""
    labels = {str(r.toolkit): r.label for r in matrix.releases if r.generation == rel.generation}
    return [labels.get(v, v) for v in nearest_toolkits(matrix, rel.toolkit, rel.generation)]


def no_toolkit_finding(matrix: Matrix, rel: Release, soc: str | None) -> Finding:
    """A board on a board-only release: consistent, but no toolkit release is its own."""
    return Finding("toolkit_release", WARNING, "a toolkit release of the same version",
                   f"none ({rel.label}, a board release without a toolkit)",
                   remedies.board_release_without_toolkit(rel, nearest(matrix, rel), soc))


def newer_release(matrix: Matrix, versions: dict[str, Version | None], gen: str) -> Release | None:
    """The row the product's rule implies when a same-version component is newer than every row."""
    product, newest = matrix.products.get(gen), matrix.newest(gen)
    if product is None or newest is None:
        return None
    newer = [v for c, v in versions.items() if c in product.same_version and v is not None
             and v.sort_key() > newest.toolkit.sort_key()]
    if not newer:
        return None
    return matrix.derive(max(newer, key=lambda v: v.sort_key()), gen)


def mark_derived(findings: list[Finding], rel: Release, versions: dict[str, Version | None]) -> list[Finding]:
    """Findings against a derived row say so; a cell the rule does not state cannot be judged."""
    if rel.kind != DERIVED:
        return findings
    out = []
    for f in findings:
        req = rel.components.get(f.component)
        if req is not None and not req.stated and f.status == OK:
            out.append(Finding(f.component, UNKNOWN, "not stated (a release newer than the tables)", f.found,
                               remedies.derived_unstated(f.component, rel)))
            continue
        if req is not None and f.expected:
            f.expected = f"{f.expected} (derived: {rel.product}'s rule, not a row of the tables)"
        out.append(f)
    return out


def server_not_shipped(matrix: Matrix, soc: str | None, release: Version | None) -> Finding | None:
    """RV1103/RV1106 before Toolkit2 1.5.0 had no rknn_server: its absence is no missing component."""
    platform = matrix.platform(soc)
    since = platform.rknn_server_since if platform else None
    if since is None or release is None or release.sort_key() >= since.sort_key():
        return None
    return Finding("rknn_server", OK, f"none (no rknn_server for {platform.soc} before {since})", "not installed",
                   remedies.server_not_shipped(platform.soc, since))


def rule_findings(matrix: Matrix, gen: str, soc: str | None, versions: dict[str, Version | None]) -> list[Finding]:
    """The rules that hold on every board of ``soc`` (rules.toml ``when = "always"``)."""
    out = []
    for rule in matrix.rules_for(gen, soc):
        if rule.when != ALWAYS:
            continue
        for comp in rule.components:
            found = versions.get(comp)
            if found is None or found.sort_key() >= rule.minimum.sort_key():
                continue
            status, suffix = (WARNING, "recommended") if rule.recommended else (MISMATCH, "rule")
            out.append(Finding(f"{comp}_{suffix}", status, f">={rule.minimum} ({suffix} on {soc})", str(found),
                               remedies.rule_unmet(rule, found)))
    return out

