"""Runs inside the user's interpreter to list what is installed there: the RKNN distributions and the rest.

Python 3.5 syntax only (RKNN Toolkit 1.x wheels exist for Python 3.5-3.8, so the toolkit often
lives in an old virtualenv): no f-strings, and ``importlib.metadata`` falls back to
``pkg_resources``, then to a scan of ``sys.path`` for ``*.dist-info`` / ``*.egg-info``. Reads
package metadata only; never imports ``rknn`` (which pulls in TensorFlow) or any framework. Prints
one line, ``RKNN_COMPAT_PROBE {json}``: ``found`` (the RKNN distributions), ``distributions``
(every distribution, every copy), ``rknn`` (the RKNN ones with their ``Requires-Dist`` and wheel
tags), ``import_dirs`` (sys.path entries holding a watched package), ``host`` and ``markers`` (the
PEP 508 environment). ``RKNN_COMPAT_PROBE_METHOD`` forces a method (for the tests).
rknn-compat runs it with ``python -c`` (its text), and imports it for the current interpreter.
"""
import json
import os
import re
import sys

WANT = ("rknn-toolkit", "rknn-toolkit2", "rknn-toolkit-lite", "rknn-toolkit-lite2")
# import names whose copies on sys.path are counted (two numpys: manual 1.1.1, PyFPE_jbuf)
IMPORTS = ("numpy", "rknn", "rknnlite", "tensorflow", "torch", "onnx", "cv2", "google/protobuf")
MAX_DISTS = 5000
META_LIMIT = 1 << 20


def norm(name):
    return re.sub(r"[-_.]+", "-", name or "").lower()


def by_importlib(want=WANT):
    """[name, version, where, metadata dir] of each distribution (``want=None``: all of them)."""
    from importlib import metadata
    out = []
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except Exception:
            continue
        if want is None or norm(name) in want:
            meta = getattr(dist, "_path", None)
            meta = str(meta) if meta is not None else None
            site = os.path.dirname(meta) if meta else None
            out.append([name, version, meta if want is not None else site, meta])
    return out


def by_pkg_resources(want=WANT):
    import pkg_resources
    out = []
    for dist in pkg_resources.working_set:
        if want is None or norm(dist.project_name) in want:
            meta = getattr(dist, "egg_info", None)
            out.append([dist.project_name, dist.version, dist.location, meta])
    return out


def meta_version(path):
    return meta_fields(path).get("Version")


def meta_fields(path):
    """Version and Requires-Dist from a METADATA / PKG-INFO file (headers only, size-capped)."""
    out = {}
    for fname in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(path, fname), "rb") as fh:
                text = fh.read(META_LIMIT).decode("utf-8", "replace")
        except OSError:
            continue
        for raw in text.splitlines():
            if not raw.strip():
                break
            key, _, value = raw.partition(":")
            if key == "Requires-Dist":
                out.setdefault("requires", []).append(value.strip())
            elif key in ("Name", "Version") and key not in out:
                out[key] = value.strip()
        break
    return out


def requires_txt(path):
    """An egg-info's requires.txt as Requires-Dist strings ('[:marker]' sections become markers)."""
    try:
        with open(os.path.join(path, "requires.txt"), "rb") as fh:
            text = fh.read(META_LIMIT).decode("utf-8", "replace")
    except OSError:
        return None
    out, marker, extra = [], None, False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            extra = not section.startswith(":") and bool(section.split(":")[0])
            marker = section.split(":", 1)[1] if ":" in section else None
            continue
        if not extra:
            out.append(line + ("; " + marker if marker else ""))
    return out


def wheel_tags(path):
    try:
        with open(os.path.join(path, "WHEEL"), "rb") as fh:
            text = fh.read(65536).decode("utf-8", "replace")
    except OSError:
        return []
    return [ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("Tag:")]


def by_scan(want=WANT):
    out = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for fname in names:
            m = re.match(r"^(.+?)-([^-]+?)(?:-py\d.*)?\.(dist-info|egg-info)$", fname)
            if not m or (want is not None and norm(m.group(1)) not in want):
                continue
            full = os.path.join(entry or ".", fname)
            out.append([m.group(1), meta_version(full) or m.group(2), full if want is not None else entry,
                        full])
    return out


def import_dirs():
    """For each watched import name, the sys.path entries that hold it (a package or a module file)."""
    out = dict((name, []) for name in IMPORTS)
    for entry in sys.path:
        where = os.path.abspath(entry or ".")
        try:
            names = set(os.listdir(where))
        except OSError:
            continue
        for name in IMPORTS:
            parts = name.split("/")
            if parts[0] not in names and not any(n.startswith(name + ".") for n in names):
                continue
            package = os.path.isfile(os.path.join(where, *(parts + ["__init__.py"])))
            module = len(parts) == 1 and any(re.match(r"^%s(\.[^.]+)*\.(py|so|pyd)$" % re.escape(name), n)
                                             for n in names)
            if (package or module) and where not in out[name]:
                out[name].append(where)
    return out


def host():
    import platform
    import shutil
    import struct
    return {"sys_platform": sys.platform, "machine": platform.machine(), "system": platform.system(),
            "release": platform.release(), "bits": struct.calcsize("P") * 8,
            "gcc": shutil.which("gcc"), "PYTHONLEGACYWINDOWSSTDIO": os.environ.get("PYTHONLEGACYWINDOWSSTDIO")}


def markers():
    """The PEP 508 marker environment of this interpreter (as packaging.markers computes it)."""
    import platform
    impl = getattr(sys, "implementation", None)
    iv = getattr(impl, "version", sys.version_info)
    version = "%d.%d.%d" % (iv[0], iv[1], iv[2])
    if iv[3] != "final":
        version += iv[3][0] + str(iv[4])
    return {"implementation_name": getattr(impl, "name", "cpython"), "implementation_version": version,
            "os_name": os.name, "platform_machine": platform.machine(), "platform_release": platform.release(),
            "platform_system": platform.system(), "platform_version": platform.version(),
            "python_full_version": platform.python_version(),
            "platform_python_implementation": platform.python_implementation(),
            "python_version": ".".join(platform.python_version_tuple()[:2]), "sys_platform": sys.platform}


def rknn_details(rows):
    out = []
    for name, version, where, meta in rows:
        fields = meta_fields(meta) if meta else {}
        requires = fields.get("requires")
        if requires is None and meta:
            requires = requires_txt(meta)
        out.append({"name": name, "version": version, "meta": meta,
                    "site": os.path.dirname(meta) if meta else where,
                    "requires": requires, "tags": wheel_tags(meta) if meta else []})
    return out


def collect():
    forced = os.environ.get("RKNN_COMPAT_PROBE_METHOD")
    methods = [("importlib.metadata", by_importlib), ("pkg_resources", by_pkg_resources),
               ("sys.path scan", by_scan)]
    if forced:
        methods = [m for m in methods if forced in m[0]]
    found, everything, used, errors = [], [], None, []
    for label, fn in methods:
        try:
            found = fn()
            everything = fn(None)
        except Exception as e:
            errors.append("%s: %s" % (label, e.__class__.__name__))
            continue
        used = label
        break
    data = {"executable": sys.executable, "python_version": "%d.%d.%d" % tuple(sys.version_info[:3]),
            "method": used, "errors": errors, "found": [row[:3] for row in found],
            "distributions": [{"name": r[0], "version": r[1], "site": r[2]} for r in everything[:MAX_DISTS]],
            "truncated": len(everything) > MAX_DISTS}
    for key, fn in (("rknn", lambda: rknn_details(found)), ("import_dirs", import_dirs), ("host", host),
                    ("markers", markers)):
        try:
            data[key] = fn()
        except Exception as e:
            errors.append("%s: %s" % (key, e.__class__.__name__))
    return data


def main():
    print("RKNN_COMPAT_PROBE " + json.dumps(collect()))


if __name__ == "__main__":
    main()
