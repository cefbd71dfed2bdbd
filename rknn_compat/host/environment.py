"""The Python environment an RKNN toolkit runs in, as its own interpreter reports it.

One run of :mod:`.toolkit_probe` inside that interpreter (``--python``, else this one) gives the
RKNN distribution, every installed distribution with its location (all copies, in ``sys.path``
order), the RKNN distributions' own ``Requires-Dist`` and wheel tags, the sys.path entries that
hold a watched import, the host facts and the PEP 508 marker environment. Everything here is data
read from package metadata; nothing is imported from the toolkit or its frameworks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .toolkit import ToolkitInfo, probe_listing, toolkit_of
from .toolkit_probe import norm


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    site: str | None  # the sys.path entry it was found in


@dataclass(frozen=True)
class RknnDistribution:
    name: str
    version: str
    site: str | None
    meta: str | None  # its .dist-info / .egg-info directory
    requires: tuple[str, ...] | None  # Requires-Dist as written; None: no metadata file to read
    tags: tuple[str, ...] = ()  # the WHEEL file's Tag lines (cp311-cp311-manylinux_2_17_x86_64)


@dataclass
class Environment:
    python: str  # the interpreter as named (--python), or sys.executable
    toolkit: ToolkitInfo
    executable: str | None = None
    python_version: str | None = None
    method: str | None = None
    errors: list[str] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    rknn: list[RknnDistribution] = field(default_factory=list)
    import_dirs: dict[str, list[str]] = field(default_factory=dict)
    host: dict = field(default_factory=dict)
    markers: dict = field(default_factory=dict)
    truncated: bool = False

    def installed(self, *names: str) -> list[Distribution]:
        """Every copy of the distributions called ``names`` (PEP 503 names), in sys.path order."""
        wanted = {norm(n) for n in names}
        return [d for d in self.distributions if norm(d.name) in wanted]

    def first(self, *names: str) -> Distribution | None:
        """The copy that ``import`` would use: the first on sys.path."""
        found = self.installed(*names)
        return found[0] if found else None

    def rknn_dist(self, name: str | None) -> RknnDistribution | None:
        return next((r for r in self.rknn if norm(r.name) == norm(name or "")), None)

    def to_dict(self) -> dict:
        return {
            "python": self.python, "executable": self.executable, "python_version": self.python_version,
            "method": self.method, "errors": list(self.errors), "toolkit": self.toolkit.to_dict(),
            "rknn": [asdict(r) for r in self.rknn], "import_dirs": self.import_dirs, "host": self.host,
            "markers": self.markers, "truncated": self.truncated,
            "distributions": [asdict(d) for d in self.distributions],
        }


def read_environment(python: str | None = None, timeout: float = 10) -> Environment:
    """Run the probe in ``python`` (None: this interpreter); :class:`UsageError` as for ``--python``."""
    name, data = probe_listing(python, timeout)
    return from_listing(name, data)


def from_listing(python: str, data: dict) -> Environment:
    """The typed form of a probe listing; anything malformed in it is dropped, never trusted."""
    env = Environment(python, toolkit_of(python, data))
    env.executable = _text(data.get("executable"))
    env.python_version = _text(data.get("python_version"))
    env.method = _text(data.get("method"))
    env.errors = [e for e in _list(data.get("errors")) if isinstance(e, str)]
    env.truncated = data.get("truncated") is True
    for row in _list(data.get("distributions")):
        if isinstance(row, dict) and _text(row.get("name")) and _text(row.get("version")):
            env.distributions.append(Distribution(row["name"], row["version"], _text(row.get("site"))))
    for row in _list(data.get("rknn")):
        if isinstance(row, dict) and _text(row.get("name")) and _text(row.get("version")):
            req = row.get("requires")
            requires = tuple(r for r in req if isinstance(r, str)) if isinstance(req, list) else None
            env.rknn.append(RknnDistribution(row["name"], row["version"], _text(row.get("site")),
                                             _text(row.get("meta")), requires,
                                             tuple(t for t in _list(row.get("tags")) if isinstance(t, str))))
    dirs = data.get("import_dirs")
    if isinstance(dirs, dict):
        env.import_dirs = {k: [p for p in _list(v) if isinstance(p, str)] for k, v in dirs.items()
                           if isinstance(k, str)}
    for key in ("host", "markers"):
        value = data.get(key)
        if isinstance(value, dict):
            setattr(env, key, {k: v for k, v in value.items() if isinstance(k, str)
                               and (v is None or isinstance(v, (str, int)))})
    return env


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _list(value) -> list:
    return value if isinstance(value, list) else []
