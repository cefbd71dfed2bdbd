"""Which RKNN Toolkit is installed on the host, here or in another interpreter.

RKNN Toolkit 1.x wheels exist for Python 3.5-3.8 only (rknn-version-facts.md
§2.2), so the toolkit usually lives in an old virtualenv while rknn-compat runs
on Python >= 3.9.  ``installed_toolkit(python=PATH)`` therefore runs PATH with a
small probe (:data:`PROBE`) that is valid Python 3.5 (no f-strings, no
``importlib.metadata`` before 3.8: falls back to ``pkg_resources``, then to a
scan of ``sys.path`` for ``*.dist-info`` / ``*.egg-info``).  The probe reads
package metadata only; it never imports ``rknn`` (which pulls in TensorFlow).

Distributions recognised (names compared after PEP 503 normalisation, so
``rknn_toolkit`` == ``rknn-toolkit``): ``rknn-toolkit`` (1.x), ``rknn-toolkit2``
(2.x, a different generation), ``rknn-toolkit-lite`` (1.x) and
``rknn-toolkit-lite2`` (2.x).  When several are installed the first of that
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

from .errors import UsageError
from .versions import Version, VersionError, parse_version

# name -> generation; the order is the preference when several are installed
DISTRIBUTIONS: dict[str, str] = {
    "rknn-toolkit": "1.x",
    "rknn-toolkit2": "2.x",
    "rknn-toolkit-lite": "1.x",
    "rknn-toolkit-lite2": "2.x",
}

_MARKER = "RKNN_COMPAT_PROBE "

# Runs inside the user's interpreter: Python 3.5+ syntax only (checked by a test
# with ast.parse(feature_version=(3, 5))).  RKNN_COMPAT_PROBE_METHOD forces a
# method ("importlib", "pkg_resources", "scan"); used by the tests.
PROBE = r'''
import json, os, re, sys

WANT = ("rknn-toolkit", "rknn-toolkit2", "rknn-toolkit-lite", "rknn-toolkit-lite2")


def norm(name):
    return re.sub(r"[-_.]+", "-", name or "").lower()


def by_importlib():
    from importlib import metadata
    out = []
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except Exception:
            continue
        if norm(name) in WANT:
            where = getattr(dist, "_path", None)
            out.append([name, version, str(where) if where is not None else None])
    return out


def by_pkg_resources():
    import pkg_resources
    out = []
    for dist in pkg_resources.working_set:
        if norm(dist.project_name) in WANT:
            out.append([dist.project_name, dist.version, dist.location])
    return out


def meta_version(path):
    for fname in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(path, fname), "rb") as fh:
                for raw in fh.read(65536).decode("utf-8", "replace").splitlines():
                    if raw.startswith("Version:"):
                        return raw.split(":", 1)[1].strip()
                    if not raw.strip():
                        break
        except (IOError, OSError):
            pass
    return None


def by_scan():
    out = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except (IOError, OSError):
            continue
        for fname in names:
            m = re.match(r"^(.+?)-([^-]+?)(?:-py\d.*)?\.(dist-info|egg-info)$", fname)
            if not m or norm(m.group(1)) not in WANT:
                continue
            full = os.path.join(entry or ".", fname)
            out.append([m.group(1), meta_version(full) or m.group(2), full])
    return out


def main():
    forced = os.environ.get("RKNN_COMPAT_PROBE_METHOD")
    methods = [("importlib.metadata", by_importlib), ("pkg_resources", by_pkg_resources),
               ("sys.path scan", by_scan)]
    if forced:
        methods = [m for m in methods if forced in m[0]]
    found, used, errors = [], None, []
    for label, fn in methods:
        try:
            found = fn()
        except Exception as e:
            errors.append("%s: %s" % (label, e.__class__.__name__))
            continue
        used = label
        break
    print("RKNN_COMPAT_PROBE " + json.dumps({
        "executable": sys.executable,
        "python_version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "method": used,
        "errors": errors,
        "found": found,
    }))


main()
'''


@dataclass(frozen=True)
class FoundDistribution:
    name: str  # as the metadata spells it
    version: str  # raw version string
    generation: str  # "1.x" / "2.x"
    location: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "generation": self.generation,
                "location": self.location}


@dataclass(frozen=True)
class ToolkitInfo:
    version: Version | None
    distribution: str | None  # normalised: "rknn-toolkit", "rknn-toolkit2", ...
    generation: str | None  # "1.x" / "2.x"
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


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name or "").lower()


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
    best = min(found, key=lambda f: order.index(_norm(f.name)))
    dist = _norm(best.name)
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
        key = _norm(name)
        if key not in DISTRIBUTIONS or key in seen:  # first on sys.path wins, like import
            continue
        seen.add(key)
        out.append(FoundDistribution(name, version, DISTRIBUTIONS[key],
                                     location if isinstance(location, str) else None))
    return out


def _current() -> ToolkitInfo:
    from importlib import metadata

    rows = []
    for dist in metadata.distributions():
        try:
            name, version = dist.metadata["Name"], dist.version
        except Exception:  # broken metadata of an unrelated package
            continue
        if _norm(name) in DISTRIBUTIONS:
            where = getattr(dist, "_path", None)
            rows.append([name, version, str(where) if where is not None else None])
    return _choose(_found_from(rows), sys.executable, platform.python_version(),
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


def installed_toolkit(python: str | None = None, timeout: float = 10) -> ToolkitInfo:
    """The RKNN Toolkit installed here (``python=None``) or in interpreter ``python``.

    Raises :class:`UsageError` when ``python`` does not exist, is not executable,
    fails, hangs past ``timeout`` seconds, or prints something else than the probe.
    """
    if python is None:
        return _current()
    path = _resolve(python)
    data = _parse_probe(_run(path, python, timeout), python)
    pyver = data.get("python_version")
    return _choose(_found_from(data["found"]), python,
                   pyver if isinstance(pyver, str) else None,
                   data.get("method") if isinstance(data.get("method"), str) else None)
