"""Doctor area "host": the OS, the architecture, the toolkit's interpreter and its Python version.

The Python version is judged against the wheels the target release publishes for this platform
(``[[python]]`` rows of ``matrices/host_rules.toml``; TS 1.7.5 section 3.7: "select the
corresponding toolkit ... otherwise the installation will fail").
"""

from __future__ import annotations

import platform as _platform

from .context import Context
from .report import OK, PROBLEM, UNKNOWN, Check

_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
_SYSTEMS = {"linux": "linux", "darwin": "macosx", "win32": "win"}
NO_INTERPRETER = ("Give the interpreter of the virtualenv the toolkit is installed in: "
                  "rknn-compat doctor --python ~/venv/bin/python")


def platform_tag(host: dict) -> str | None:
    """The wheel platform this interpreter installs (linux_x86_64, win_amd64, ...), as host_rules names them."""
    system = _SYSTEMS.get(str(host.get("sys_platform") or ""))
    machine = _MACHINES.get(str(host.get("machine") or "").lower(), str(host.get("machine") or "").lower())
    if not system or not machine:
        return None
    if system == "win":
        return "win_amd64" if machine == "x86_64" else f"win_{machine}"
    return f"{system}_{machine}"


def host_area(ctx: Context) -> list[Check]:
    host = ctx.env.host if ctx.env and ctx.env.host else {"system": _platform.system(),
                                                           "release": _platform.release(),
                                                           "machine": _platform.machine()}
    system = f"{host.get('system') or '?'} {host.get('release') or ''}".strip()
    pretty = _os_release()
    bits = f", {host['bits']}-bit Python" if host.get("bits") else ""
    checks = [Check("platform", OK, "operating system and CPU",
                    found=system + (f" ({pretty})" if pretty else "") + f", {host.get('machine') or '?'}{bits}",
                    evidence=[f"platform.system/release/machine in {ctx.interpreter}"]
                    + ([f"/etc/os-release PRETTY_NAME: {pretty}"] if pretty else []))]
    checks.append(_interpreter(ctx))
    checks.append(_python_support(ctx))
    return checks


def _interpreter(ctx: Context) -> Check:
    if ctx.env is None:
        return Check("interpreter", UNKNOWN, "the toolkit's Python", found=f"cannot read it: {ctx.env_error}",
                     remedy=NO_INTERPRETER)
    return Check("interpreter", OK, "the toolkit's Python",
                 found=f"{ctx.env.executable or ctx.env.python} (Python {ctx.env.python_version})",
                 evidence=[f"read with {ctx.env.method or 'no metadata method'}"] + ctx.env.errors)


def _python_support(ctx: Context) -> Check:
    title = "Python version for the toolkit"
    target = ctx.target
    if ctx.env is None or not ctx.env.python_version:
        return Check("python-support", UNKNOWN, title, found="the interpreter's Python version is unknown",
                     remedy=NO_INTERPRETER)
    if not target.version:
        return Check("python-support", UNKNOWN, title, found=f"no toolkit to judge Python {ctx.env.python_version} "
                     f"against ({target.reason})", remedy=NO_INTERPRETER + ", or name the release: --toolkit V / "
                     "--toolkit2 V.")
    tag = platform_tag(ctx.env.host)
    short = ".".join(ctx.env.python_version.split(".")[:2])
    rows = ctx.rules.releases_with_python(target.product, target.version)
    row = next((r for r in rows if r.platform == tag), None)
    if not rows:
        return Check("python-support", UNKNOWN, title, found=f"no Python table for {target.label}",
                     evidence=[f"Python {ctx.env.python_version} on {tag}"])
    if row is None:
        platforms = ", ".join(sorted({r.platform for r in rows}))
        return Check("python-support", PROBLEM, title, found=f"{target.label} publishes no wheel for {tag}",
                     expected=f"one of {platforms}", source=rows[0].cite,
                     remedy=f"Run {target.label} on a platform it is built for ({platforms}).")
    if short in row.python:
        return Check("python-support", OK, title, found=f"Python {short} on {tag}",
                     expected=f"{target.label}: Python {', '.join(row.python)}", source=row.cite)
    return Check("python-support", PROBLEM, title, found=f"Python {ctx.env.python_version} on {tag}",
                 expected=f"{target.label} on {tag}: Python {', '.join(row.python)}", source=row.cite,
                 remedy=f"Create a virtualenv with Python {row.python[-1]} (python{row.python[-1]} -m venv "
                        f"~/rknn-env), install {target.label} there, and pass --python ~/rknn-env/bin/python.")


def _os_release(path: str = "/etc/os-release") -> str | None:
    try:
        with open(path, "rb") as fh:
            text = fh.read(65536).decode("utf-8", "replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"') or None
    return None
