"""Doctor area "toolkit": the RKNN distribution installed in the toolkit's interpreter and everything around it.

Which product and version is installed; whether its wheel was built for this interpreter (TS 1.7.5
section 3.7, the wheel naming rules); its own Requires-Dist; the release's framework table; every
framework package with its version and location; and the manuals' host pitfalls.
"""

from __future__ import annotations

from ..host.environment import RknnDistribution
from .context import Context
from .host import NO_INTERPRETER
from .pitfalls import pitfall_checks
from .report import OK, PROBLEM, UNKNOWN, WARNING, Check, guard
from .requirements import requires_checks, table_checks, where

_WHEEL_SOURCE = "ts-1.7.5 3.7 (RKNN Toolkit installation package naming rules)"
_MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "x86_64": "x86_64", "aarch64": "aarch64",
                    "armv7l": "armv7l", "i686": "i686"}
_VARIANTS = {"x86_64": ("x86_64", "amd64"), "aarch64": ("aarch64", "arm64")}  # platform-tag spellings


def toolkit_area(ctx: Context) -> list[Check]:
    if ctx.env is None:
        return [Check("installed", UNKNOWN, "RKNN distribution", found=f"cannot read the toolkit's interpreter: "
                      f"{ctx.env_error}", remedy=NO_INTERPRETER)]
    checks = [_installed(ctx)]
    dist = ctx.env.rknn_dist(ctx.env.toolkit.distribution)
    if dist is not None:
        checks += guard("wheel-tags", "wheel built for this interpreter", lambda: _wheel(ctx, dist))
        checks += guard("requires-dist", "Requires-Dist", lambda: requires_checks(dist, ctx.env, ctx.rules, ctx.pip))
    checks += guard("frameworks", "framework table", lambda: _table(ctx))
    checks += guard("packages", "framework packages", lambda: [_packages(ctx)])
    checks += guard("pitfalls", "host pitfalls", lambda: pitfall_checks(ctx, host_side=False))
    return checks


def _installed(ctx: Context) -> Check:
    info, target = ctx.env.toolkit, ctx.target
    found = [f"{f.name} {f.version}" + (f" at {f.location}" if f.location else "") for f in info.found]
    if info.version is None:
        return Check("installed", UNKNOWN, "RKNN distribution", found=info.reason, evidence=[info.evidence],
                     remedy="Install the toolkit into this interpreter (pip install rknn-toolkit2, or the 1.x wheel "
                            "of the release) or " + NO_INTERPRETER[0].lower() + NO_INTERPRETER[1:])
    check = Check("installed", OK, "RKNN distribution", found=f"{info.distribution} {info.version}",
                  evidence=[info.evidence] + found[1:])
    if target.source in ("--toolkit", "--toolkit2") and (target.product, target.version) != (
            info.distribution, str(info.version)):
        check.status = WARNING
        check.expected = f"{target.label} ({target.source})"
        check.remedy = (f"Judged against {target.label} as asked, but {ctx.interpreter} has "
                        f"{info.distribution} {info.version}: install the release you mean, or drop {target.source}.")
    return check


def _wheel(ctx: Context, dist: RknnDistribution) -> list[Check]:
    """The installed wheel's tags against this interpreter: a wheel for another Python or CPU cannot import."""
    if not dist.tags:
        return []
    py = "cp" + "".join((ctx.env.python_version or "").split(".")[:2])
    machine = _MACHINE_ALIASES.get(str(ctx.env.host.get("machine") or "").lower())
    fits = [t for t in dist.tags if _tag_fits(t, py, machine)]
    title = f"{dist.name} {dist.version} wheel built for this interpreter"
    if fits:
        return [Check("wheel-tags", OK, title, found=", ".join(dist.tags), source=_WHEEL_SOURCE)]
    remedy = (f"Install the {dist.name} wheel built for Python {ctx.env.python_version} on {machine} "
              f"({ctx.pip(dist.name)}).")
    if "lite" in dist.name.lower() and machine not in ("aarch64", "armv7l"):
        remedy = (f"{dist.name} runs on the board (ARM); on this {machine} PC install the full toolkit "
                  "(rknn-toolkit2 or rknn-toolkit) instead. " + remedy)
    return [Check("wheel-tags", PROBLEM, title, found=f"built for {', '.join(dist.tags)}",
                  expected=f"{py} on {machine}", remedy=remedy, source=_WHEEL_SOURCE,
                  evidence=[f"WHEEL in {dist.meta}"])]


def _tag_fits(tag: str, py: str, machine: str | None) -> bool:
    parts = tag.split("-")
    if len(parts) != 3:
        return True  # not a tag we can read: no claim
    interp, _abi, plat = parts
    py_ok = any(p in (py, "py3", "py2", "py2.py3") for p in interp.split("."))
    variants = _VARIANTS.get(machine or "", (machine,) if machine else ())
    plat_ok = not variants or any(p == "any" or p.endswith("universal2") or p.endswith(variants)
                                  for p in plat.split("."))
    return py_ok and plat_ok


def _table(ctx: Context) -> list[Check]:
    target = ctx.target
    if not target.version:
        return []
    if "lite" in (target.product or ""):
        return [Check("framework-table", OK, "framework table", found=f"{target.label} only runs .rknn models: "
                      "the converters' framework table does not apply")]
    if target.release is None:
        return [Check("framework-table", UNKNOWN, "framework table", found=target.reason,
                      evidence=["judged on the distribution's own Requires-Dist only"])]
    return table_checks(target.release, ctx.env, ctx.rules, ctx.pip)


def _packages(ctx: Context) -> Check:
    """Every framework package with its version and every location (all copies on sys.path)."""
    lines, present = [], []
    for pkg in ctx.rules.packages:
        copies = ctx.env.installed(pkg.name, *pkg.aliases)
        if copies:
            present.append(f"{copies[0].name} {copies[0].version}")
        lines += [where(c) for c in copies] or [f"{pkg.name}: not installed"]
        dirs = ctx.env.import_dirs.get(pkg.imports, [])
        if len(dirs) > 1:
            lines.append(f"{pkg.imports} importable from {len(dirs)} places: {', '.join(dirs)}")
    return Check("packages", OK, "framework packages", found=", ".join(present) or "none of the framework packages",
                 evidence=lines)
