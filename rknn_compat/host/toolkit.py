"""Which RKNN Toolkit is installed on the host, here or in another interpreter.

RKNN Toolkit 1.x wheels exist for Python 3.5-3.8 only (PyPI and the toolkit's
release packages), so the toolkit usually lives in an old virtualenv while rknn-compat
runs on Python >= 3.9.  ``installed_toolkit(python=PATH)`` therefore runs PATH with
:mod:`.toolkit_probe`, a small Python-3.5 program that reads package metadata only.

Distributions recognised (names compared after PEP 503 normalisation, so
``rknn_toolkit`` == ``rknn-toolkit``): ``rknn-toolkit`` (RKNPU1), ``rknn-toolkit2``
(RKNPU2), ``rknn-toolkit-lite`` (RKNPU1) and
``rknn-toolkit-lite2`` (RKNPU2).  When several are installed the first of that
order is reported and all of them are listed in ``found``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..versions import Version, VersionError, parse_version
from . import toolkit_probe

# name -> generation; the order is the preference when several are installed
DISTRIBUTIONS: dict[str, str] = {
    "rknn-toolkit": "rknpu1",
    "rknn-toolkit2": "rknpu2",
    "rknn-toolkit-lite": "rknpu1",
    "rknn-toolkit-lite2": "rknpu2",
}

_MARKER = "RKNN_COMPAT_PROBE "
PROBE = Path(toolkit_probe.__file__).read_text(encoding="utf-8")  # run with -c: no sys.path[0] of ours


@dataclass(frozen=True)
class FoundDistribution:
    name: str  # as the metadata spells it
    version: str  # raw version string
    generation: str  # rknpu1 / rknpu2 (tables.GENERATIONS)
    location: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "generation": self.generation,
                "location": self.location}


@dataclass(frozen=True)
class ToolkitInfo:
    version: Version | None
    distribution: str | None  # normalised: "rknn-toolkit", "rknn-toolkit2", ...
    generation: str | None  # rknpu1 / rknpu2
    python: str  # the interpreter looked at
    python_version: str | None
    evidence: str
    reason: str | None = None  # why version is None
    found: tuple[FoundDistribution, ...] = ()  # every rknn distribution seen

    def to_dict(self) -> dict:
        return {
            "version": str(self.version) if self.version is not None else None,
            "version_raw": self.version.raw if self.version is not None else None,
            "distribution": self.distribution,
            "generation": self.generation,
            "python": self.python,
            "python_version": self.python_version,
            "evidence": self.evidence,
            "reason": self.reason,
            "found": [f.to_dict() for f in self.found],
        }


_LOCAL = re.compile(
    r"^(?P<ver>\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?)[-+_.]?(?P<commit>[0-9a-fA-F]{6,40})?$"
)


def parse_toolkit_version(raw: str) -> Version:
    """``1.7.5``, ``1.4.0-22dcfef4`` / ``1.4.0+22dcfef4`` (toolkit2 wheels carry a commit)."""
    try:
        return parse_version(raw)
    except VersionError:
        m = _LOCAL.match(raw.strip())
        if not m:
            raise
        ver, commit = m.group("ver"), m.group("commit")
        v = parse_version(f"{ver} ({commit})" if commit else ver)
        return Version(v.release, build=v.build, commit=v.commit, pre=v.pre, raw=raw)


def _choose(found: list[FoundDistribution], python: str, python_version: str | None,
            method: str | None) -> ToolkitInfo:
    how = method or "no metadata method"
    if not found:
        return ToolkitInfo(None, None, None, python, python_version,
                           evidence=f"{how} in {python}: no rknn distribution",
                           reason=f"no rknn-toolkit distribution in {python}")
    order = list(DISTRIBUTIONS)
    best = min(found, key=lambda f: order.index(toolkit_probe.norm(f.name)))
    dist = toolkit_probe.norm(best.name)
    evidence = f"{how} in {python}: {best.name} {best.version}"
    if best.location:
        evidence += f" at {best.location}"
    others = [f"{f.name} {f.version}" for f in found if f is not best]
    if others:
        evidence += "; also " + ", ".join(others)
    try:
        version: Version | None = parse_toolkit_version(best.version)
        reason = None
    except VersionError:
        version = None
        reason = f"unreadable version {best.version!r} of {best.name} in {python}"
    return ToolkitInfo(version, dist, best.generation, python, python_version, evidence,
                       reason, tuple(found))


def _found_from(rows: list) -> list[FoundDistribution]:
    out: list[FoundDistribution] = []
    seen: set[str] = set()
    for row in rows:
        name, version, location = (list(row) + [None, None, None])[:3]
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        key = toolkit_probe.norm(name)
        if key not in DISTRIBUTIONS or key in seen:  # first on sys.path wins, like import
            continue
        seen.add(key)
        out.append(FoundDistribution(name, version, DISTRIBUTIONS[key],
                                     location if isinstance(location, str) else None))
    return out


def _current() -> ToolkitInfo:
    return _choose(_found_from(toolkit_probe.by_importlib()), sys.executable, platform.python_version(),
                   "importlib.metadata")


def _resolve(python: str) -> str:
    path = python
    if os.sep not in python and not os.path.exists(python):
        path = shutil.which(python) or python
    if not os.path.exists(path):
        raise UsageError(f"--python {python}: no such file")
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise UsageError(f"--python {python}: not an executable file")
    return path


def _run(path: str, python: str, timeout: float) -> str:
    try:
        proc = subprocess.Popen(
            [path, "-c", PROBE], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=hasattr(os, "killpg"),
        )
    except OSError as e:
        raise UsageError(f"--python {python}: cannot run it: {e.strerror or e}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        proc.kill()
        try:
            proc.communicate(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        raise UsageError(f"--python {python}: no answer within {timeout:g} s") from None
    text = out.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        last = [ln for ln in err.decode("utf-8", errors="replace").splitlines() if ln.strip()]
        detail = f": {last[-1].strip()[:200]}" if last else ""
        raise UsageError(f"--python {python}: exited with status {proc.returncode}{detail}")
    return text


def _parse_probe(text: str, python: str) -> dict:
    for line in reversed(text.splitlines()):
        if line.startswith(_MARKER):
            try:
                data = json.loads(line[len(_MARKER):])
            except ValueError:
                break
            if isinstance(data, dict) and isinstance(data.get("found"), list):
                return data
            break
    shown = text.strip().splitlines()[0][:80] if text.strip() else "nothing"
    raise UsageError(f"--python {python}: did not answer like a Python interpreter "
                     f"(printed {shown!r})")


def probe_listing(python: str | None = None, timeout: float = 10) -> tuple[str, dict]:
    """What :mod:`.toolkit_probe` reports of ``python`` (None: this interpreter), and the name used.

    Raises :class:`UsageError` like :func:`installed_toolkit`.
    """
    if python is None:
        return sys.executable, toolkit_probe.collect()
    path = _resolve(python)
    return python, _parse_probe(_run(path, python, timeout), python)


def toolkit_of(python: str, data: dict) -> ToolkitInfo:
    """The RKNN Toolkit a probe listing shows (the first of :data:`DISTRIBUTIONS` order)."""
    pyver = data.get("python_version")
    return _choose(_found_from(data.get("found") or []), python,
                   pyver if isinstance(pyver, str) else None,
                   data.get("method") if isinstance(data.get("method"), str) else None)


def installed_toolkit(python: str | None = None, timeout: float = 10) -> ToolkitInfo:
    """The RKNN Toolkit installed here (``python=None``) or in interpreter ``python``.

    Raises :class:`UsageError` when ``python`` does not exist, is not executable,
    fails, hangs past ``timeout`` seconds, or prints something else than the probe.
    """
    if python is None:
        return _current()
    return toolkit_of(*probe_listing(python, timeout))
