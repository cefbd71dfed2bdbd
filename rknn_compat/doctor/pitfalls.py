"""The manuals' host pitfalls (``matrices/host_rules.toml``) tested against the toolkit's environment.

A pitfall applies when every condition it names holds. A condition that cannot be told here (no
marker environment, no /proc to look for a process) leaves the pitfall ``unknown`` when all the
others hold, so a problem is never reported on a guess nor silently skipped.
"""

from __future__ import annotations

import os

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from ..tables.host_rules import Pitfall
from .context import Context
from .report import UNKNOWN, Check


def pitfall_checks(ctx: Context, host_side: bool) -> list[Check]:
    """The pitfalls of one area: ``host_side`` ones look at host processes (the adb area)."""
    out = []
    for pitfall in ctx.rules.pitfalls:
        if ("process" in pitfall.conditions) != host_side:
            continue
        verdicts = [_holds(name, value, ctx, pitfall) for name, value in pitfall.conditions.items()]
        if any(v is False for v, _ in verdicts):
            continue
        evidence = [e for _, e in verdicts if e]
        if any(v is None for v, _ in verdicts):
            out.append(Check(f"pitfall:{pitfall.id}", UNKNOWN, pitfall.id, found="cannot tell whether this applies: "
                             + "; ".join(e for v, e in verdicts if v is None), evidence=evidence,
                             source=pitfall.cite))
            continue
        out.append(Check(f"pitfall:{pitfall.id}", pitfall.status, pitfall.id, found=pitfall.text,
                         remedy=pitfall.remedy, evidence=evidence, source=pitfall.cite))
    return out


def _holds(name: str, value, ctx: Context, pitfall: Pitfall) -> tuple[bool | None, str | None]:
    env, target = ctx.env, ctx.target
    if name == "product":
        return (target.product in value, f"toolkit: {target.label}") if target.product else (
            False, None)
    if name == "toolkit":
        return _in_spec(target.version, value, f"toolkit {target.version}")
    if name == "process":
        return _process(value)
    if env is None:
        return None, f"the toolkit's interpreter could not be read ({ctx.env_error})"
    if name == "package":
        return (env.first(value) is not None, None)
    if name == "package_version":
        dist = env.first(pitfall.conditions["package"])
        return _in_spec(dist.version if dist else None, value, f"{dist.name} {dist.version}" if dist else None)
    if name == "duplicate_import":
        dirs = env.import_dirs.get(value)
        if dirs is None:
            return None, f"no sys.path listing for {value}"
        return len(dirs) > 1, f"{value} importable from: {', '.join(dirs)}" if dirs else None
    if name in ("system", "machine"):
        found = env.host.get(name)
        if not found:
            return None, f"{name} unknown"
        wanted = (value,) if isinstance(value, str) else value
        return found.lower() in {w.lower() for w in wanted}, f"{name}: {found}"
    if name == "tool_missing":
        if value not in env.host:
            return None, f"the probe does not look for {value}"
        return env.host[value] is None, f"{value}: {env.host[value] or 'not on PATH'}"
    if name == "env_unset":
        if value not in env.host:
            return None, f"the probe does not read {value}"
        return env.host[value] is None, f"{value}={env.host[value]}" if env.host[value] else f"{value} unset"
    if name == "also_installed":
        found = env.installed(*value)
        return bool(found), ", ".join(f"{d.name} {d.version}" for d in found) or None
    return None, f"unknown condition {name}"


def _in_spec(version: str | None, spec: str, what: str | None) -> tuple[bool | None, str | None]:
    if version is None:
        return False, None
    try:
        return Version(version) in SpecifierSet(spec), f"{what} {spec}"
    except InvalidVersion:
        return None, f"{what}: not a PEP 440 version"


def _process(name: str) -> tuple[bool | None, str | None]:
    pids = running(name)
    if pids is None:
        return None, "no /proc to list this host's processes"
    return bool(pids), f"{name} running: pid {', '.join(map(str, pids))}" if pids else None


def running(name: str, proc: str = "/proc") -> list[int] | None:
    """PIDs of processes called ``name`` (their comm, or argv[0]'s file name); None without /proc."""
    try:
        entries = os.listdir(proc)
    except OSError:
        return None
    pids = []
    for d in entries:
        if not d.isdigit():
            continue
        for fname, parse in (("comm", lambda b: b.strip()), ("cmdline", lambda b: os.path.basename(b.split(b"\0")[0]))):
            try:
                with open(os.path.join(proc, d, fname), "rb") as fh:
                    if parse(fh.read(4096)).decode("utf-8", "replace") == name[:15 if fname == "comm" else None]:
                        pids.append(int(d))
                        break
            except OSError:
                continue
    return sorted(set(pids))

