"""What every area of `rknn-compat doctor` shares: the options, the tables, the toolkit environment, the target.

The toolkit's interpreter is asked once (:func:`~rknn_compat.host.environment.read_environment`);
the host, toolkit and adb areas all read that one answer. The target release is ``--toolkit`` /
``--toolkit2`` when given, else the RKNN distribution installed in that interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import tables
from ..errors import RknnCompatError
from ..host.environment import Environment, read_environment
from ..tables import PRODUCTS
from ..tables.host_rules import HostRules, host_rules

PRODUCT_OF_FLAG = {"rknpu1": "rknn-toolkit", "rknpu2": "rknn-toolkit2"}


@dataclass
class Target:
    """The toolkit release the host and the boards are judged against."""

    product: str | None = None  # distribution name: rknn-toolkit, rknn-toolkit2, rknn-toolkit-lite2, ...
    version: str | None = None  # "2.3.2"
    generation: str | None = None  # rknpu1 / rknpu2
    source: str | None = None  # "--toolkit2", "rknn-toolkit2 installed in /venv/bin/python"
    release: tables.Release | None = None  # its row in the tables, if there is one
    reason: str | None = None  # why there is no target, or no row

    @property
    def label(self) -> str:
        if not self.version:
            return "none"
        return f"{self.product} {self.version}"


@dataclass
class Context:
    python: str | None = None
    toolkit: str | None = None
    toolkit2: str | None = None
    devices: list[str] = field(default_factory=list)
    adb_servers: list[str] = field(default_factory=list)  # --adb-server HOST:PORT: where boards are looked for
    models: list[str] = field(default_factory=list)
    timeout: float = 15.0
    matrices: str | None = None
    record_dir: Path | None = None  # where board recordings go (the bundle)
    matrix: tables.Matrix | None = None
    rules: HostRules | None = None
    env: Environment | None = None
    env_error: str | None = None
    target: Target = field(default_factory=Target)

    def load(self) -> Context:
        """Tables, the toolkit environment and the target; a bad --toolkit is a UsageError (exit 2)."""
        self.matrix = tables.load(self.matrices)
        self.rules = host_rules(self.matrices)
        try:
            self.env = read_environment(self.python)
        except RknnCompatError as exc:  # the interpreter hung, failed or is not Python: the areas say "?"
            self.env_error = str(exc)
        self.target = self._target()
        return self

    def _target(self) -> Target:
        if self.toolkit or self.toolkit2:
            gen = "rknpu1" if self.toolkit else "rknpu2"
            rel = self.matrix.release(self.toolkit or self.toolkit2, gen)
            return Target(PRODUCT_OF_FLAG[gen], str(rel.toolkit), gen, "--toolkit" if self.toolkit else "--toolkit2",
                          rel)
        if self.env is None:
            return Target(reason=self.env_error)
        info = self.env.toolkit
        if info.version is None:
            return Target(info.distribution, None, info.generation, reason=info.reason)
        where = f"{info.distribution} installed in {info.python}"
        target = Target(info.distribution, str(info.version), info.generation, where)
        try:
            target.release = self.matrix.release(info.version, info.generation)
        except RknnCompatError as exc:
            target.reason = f"{PRODUCTS[info.generation]} {info.version} is not in the tables ({exc})"
        return target

    @property
    def interpreter(self) -> str:
        return self.env.executable if self.env and self.env.executable else (self.python or "python")

    def pip(self, *requirements: str) -> str:
        """The command that installs ``requirements`` into the toolkit's interpreter."""
        return f"{self.interpreter} -m pip install " + " ".join(f"'{r}'" for r in requirements)
