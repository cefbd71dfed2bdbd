"""Installed packages judged with ``packaging``: against a distribution's own Requires-Dist, and a framework table.

Requires-Dist is read from the installed RKNN distribution's metadata, so the judgement is right
for releases newer than the tables; markers are evaluated in the toolkit interpreter's own PEP 508
environment (its Python, its platform), not ours. A framework-table cell (``>=1.10.0, <=1.13.2``,
``1.12.0~2.8.0``, ``1.4.1``, ``not supported``) becomes a :class:`SpecifierSet`; a range missed is a
problem, a single tested version missed is a warning.
"""

from __future__ import annotations

import re

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from ..host.environment import Distribution, Environment, RknnDistribution
from ..tables import Release
from ..tables.host_rules import HostRules
from .report import OK, PROBLEM, UNKNOWN, WARNING, Check


def installed_version(dist: Distribution) -> Version | None:
    try:
        return Version(dist.version)
    except InvalidVersion:
        return None


def where(dist: Distribution) -> str:
    return f"{dist.name} {dist.version}" + (f" in {dist.site}" if dist.site else "")


def requires_checks(dist: RknnDistribution, env: Environment, rules: HostRules, pip) -> list[Check]:
    """One check per Requires-Dist that fails or cannot be judged, one for the missing, one summary."""
    owner = f"{dist.name} {dist.version}"
    if dist.requires is None:
        return [Check("requires-dist", UNKNOWN, f"requirements of {owner}",
                      found=f"{owner} has no metadata file with Requires-Dist ({dist.meta or 'no metadata dir'})",
                      remedy=f"Reinstall it with pip so its metadata is complete ({pip(dist.name)}).")]
    checks, met, missing = [], [], []
    for text in dist.requires:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            checks.append(Check(f"requires:{text[:40]}", UNKNOWN, f"requirement {text!r} of {owner}",
                                found=f"unreadable requirement ({exc})"))
            continue
        applies = _marker_applies(req, env)
        if applies is None:
            checks.append(Check(f"requires:{req.name}", UNKNOWN, f"{req.name} for {owner}",
                                found=f"cannot evaluate the marker '{req.marker}' for this interpreter"))
            continue
        if not applies:
            continue
        installed = env.first(req.name, *_aliases(req.name, rules))
        if installed is None:
            missing.append(req)
            continue
        check = _judge(req, installed, owner, pip)
        (met.append(check) if check.status == OK else checks.append(check))
    total = len(met) + len(checks) + len(missing)
    if missing:
        names = ", ".join(str(r) for r in missing)
        checks.append(Check("requires-missing", PROBLEM, f"dependencies of {owner}",
                            found=f"not installed: {names}", expected=f"every Requires-Dist of {owner}",
                            remedy=f"Install them into the toolkit's interpreter: {pip(*map(str, missing))}",
                            evidence=[f"Requires-Dist: {r}" for r in missing], source=f"{owner} METADATA"))
    summary = Check("requires-dist", OK, f"requirements of {owner}",
                    found=f"{len(met)} of {total} Requires-Dist of {owner} met",
                    evidence=[c.found or "" for c in met], source=f"{owner} METADATA")
    return checks + [summary]


def _aliases(name: str, rules: HostRules) -> tuple[str, ...]:
    from ..host.toolkit_probe import norm

    row = next((p for p in rules.packages if norm(p.name) == norm(name)), None)
    return row.aliases if row else ()


def _marker_applies(req: Requirement, env: Environment) -> bool | None:
    if req.marker is None:
        return True
    if not env.markers:
        return None
    try:
        return req.marker.evaluate({**env.markers, "extra": ""})
    except (UndefinedComparison, UndefinedEnvironmentName, InvalidVersion):
        return None


def _judge(req: Requirement, dist: Distribution, owner: str, pip) -> Check:
    version = installed_version(dist)
    check_id = f"requires:{req.name.lower()}"
    wanted = f"{req.name}{req.specifier}" if str(req.specifier) else req.name
    if version is None:
        return Check(check_id, UNKNOWN, f"{req.name} for {owner}", found=f"{where(dist)}: not a PEP 440 version",
                     expected=wanted)
    if not req.specifier or req.specifier.contains(version, prereleases=True):
        return Check(check_id, OK, f"{req.name} for {owner}", found=f"{where(dist)} meets {wanted}",
                     expected=wanted)
    return Check(check_id, PROBLEM, f"{req.name} for {owner}", found=f"{where(dist)}",
                 expected=f"{wanted} (Requires-Dist of {owner})",
                 remedy=f"Install a {req.name} that {owner} declares: {pip(wanted)}",
                 source=f"{owner} METADATA, Requires-Dist: {req}")


# ------------------------------------------------------------------------------ framework table

_RANGE = re.compile(r"^\s*(?P<lo>[0-9][^~\s]*)\s*~\s*(?P<hi>[0-9][^~\s]*)\s*$")
_SUFFIX = re.compile(r"(\d)-[A-Za-z]+\b")  # keras '2.1.6-tf' (tf.keras 2.1.6)


def cell_spec(cell: str) -> tuple[SpecifierSet | None, bool]:
    """A table cell as a specifier, and whether it names one tested version; (None, _) if it is none."""
    text = _SUFFIX.sub(r"\1", cell.strip())
    m = _RANGE.match(text)
    exact = False
    if m:
        text = f">={m['lo']},<={m['hi']}"
    elif text[:1].isdigit():
        text, exact = f"=={text}", True
    try:
        return SpecifierSet(text), exact
    except InvalidSpecifier:
        return None, exact


def table_checks(release: Release, env: Environment, rules: HostRules, pip) -> list[Check]:
    """Each installed framework against the release's framework table (manual 1.3.1 and its successors)."""
    cite = release.cites.get("frameworks")
    source = str(cite) if cite else None
    checks = []
    for pkg in rules.packages:
        cell = release.frameworks.get(pkg.table) if pkg.table else None
        dist = env.first(pkg.name, *pkg.aliases)
        if cell is None or dist is None:
            continue
        title = f"{pkg.name} for {release.product} {release.toolkit} ({pkg.table} in the framework table)"
        check_id = f"framework:{pkg.table}"
        if cell == "not supported":
            checks.append(Check(check_id, WARNING, title, found=f"{where(dist)}",
                                expected=f"{pkg.table}: not supported by {release.product} {release.toolkit}",
                                remedy=f"{release.product} {release.toolkit} cannot load {pkg.table} models; "
                                       "use a release whose framework table lists it (rknn-compat matrix).",
                                source=source))
            continue
        spec, exact = cell_spec(cell)
        version = installed_version(dist)
        if spec is None or version is None:
            checks.append(Check(check_id, UNKNOWN, title, found=where(dist), expected=cell, source=source,
                                evidence=[f"cannot compare {dist.version!r} with the cell {cell!r}"]))
        elif spec.contains(version, prereleases=True):
            checks.append(Check(check_id, OK, title, found=where(dist), expected=cell, source=source))
        else:
            wanted = f"{pkg.name}{spec}"
            checks.append(Check(check_id, WARNING if exact else PROBLEM, title, found=where(dist),
                                expected=f"{cell} ({release.product} {release.toolkit} framework table)",
                                remedy=f"Use the {pkg.table} version the release supports: {pip(wanted)}",
                                source=source))
    return checks
