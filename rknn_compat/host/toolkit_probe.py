"""Runs inside the user's interpreter to list the RKNN distributions installed there.

Python 3.5 syntax only (RKNN Toolkit 1.x wheels exist for Python 3.5-3.8, so the toolkit often
lives in an old virtualenv): no f-strings, and ``importlib.metadata`` falls back to
``pkg_resources``, then to a scan of ``sys.path`` for ``*.dist-info`` / ``*.egg-info``. Reads
package metadata only; never imports ``rknn`` (which pulls in TensorFlow). Prints one line,
``RKNN_COMPAT_PROBE {json}``. ``RKNN_COMPAT_PROBE_METHOD`` forces a method (for the tests).
rknn-compat runs it with ``python -c`` (its text), and imports it for the current interpreter.
"""
import json
import os
import re
import sys

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
        except OSError:
            pass
    return None


def by_scan():
    out = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
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


if __name__ == "__main__":
    main()
