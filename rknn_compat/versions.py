"""Version strings as Rockchip writes them, normalised once.

The manual and the board print the same version many ways: ``6.3.3:203718``
(the ``$VERSION$`` tag in galcore.ko), ``6.4.0, 227915`` (manual table),
``6.4.0.227915`` (dmesg), ``6.4.3.5.293908`` (with a sub-patch),
``6.4.3.p2.336687``, ``1.3.2 (f113d64 build: 2020-04-23 09:35:26)`` (strings of
rknn_server) and ``0.9.6/0.9.7`` (a set of accepted versions).  Everything else in
rknn-compat compares :class:`Version` objects, never raw strings, and never a
build *date*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import UsageError

# A build number is the long trailing number of a Vivante driver version
# (227915, 293908, 351518); release parts are short (6, 4, 0, 5).
_BUILD_MIN_DIGITS = 5
_HEX = re.compile(r"^[0-9a-f]{6,40}$")
_DOTTED = re.compile(r"^[0-9]{1,12}(?:\.(?:p?[0-9]{1,12}))*$")
_PRE = re.compile(r"^([0-9]{1,12}(?:\.[0-9]{1,12})*)(a|b|rc)([0-9]{1,6})$")
# "1.3.2 (f113d64 build: 2020-04-23 ...)" / "1.6.0 (535b468 build@2023-...)" / "2.3.2 (429f97ae6b@2025-...)"
_WITH_COMMIT = re.compile(r"^(?P<ver>[0-9][0-9A-Za-z.]*)\s*\((?P<commit>[0-9a-fA-F]{6,40})\b[^)]*\)?")


@dataclass(frozen=True, order=False)
class Version:
    """One version: release numbers, optional Vivante build number and git commit."""

    release: tuple[int, ...]
    build: int | None = None
    commit: str | None = None
    pre: str | None = None  # "b13" in 1.5.3b13, "b0" in 2.0.0b0
    raw: str = field(default="", compare=False)

    def __str__(self) -> str:
        text = ".".join(str(p) for p in self.release)
        if self.pre:
            text += self.pre
        if self.build is not None:
            # a short build number (``6.3.3:2``) keeps its colon: after a dot it would read as a release part
            sep = "." if len(str(self.build)) >= _BUILD_MIN_DIGITS else ":"
            text += f"{sep}{self.build}"
        return text

    @property
    def key(self) -> tuple:
        """Hashable identity: 1.1 and 1.1.0 share it."""
        return (_pad(self.release), self.pre, self.build)

    @property
    def base(self) -> tuple[int, int, int]:
        """major.minor.patch, zero-padded: the part every spelling shares."""
        padded = (*self.release, 0, 0, 0)
        return padded[0], padded[1], padded[2]

    def sort_key(self) -> tuple:
        padded = tuple(self.release) + (0,) * (6 - len(self.release))
        # a pre-release sorts before its release (2.0.0b0 < 2.0.0)
        pre = (0, self.pre) if self.pre else (1, "")
        return (padded, pre, self.build or 0)

    def matches(self, other: Version) -> bool:
        """Same version for compatibility purposes.

        Release numbers must agree (zero-padded); a sub-patch (the 4th number of
        a driver version such as 6.4.3.**5**.293908), the build number and the
        commit are compared only where both sides carry them, because each
        spelling of the same driver drops a different one of them.
        """
        if self.pre != other.pre:
            return False
        if self.build is None and other.build is None:
            if _pad(self.release) != _pad(other.release):
                return False
        else:
            if self.base != other.base:
                return False
            if len(self.release) > 3 and len(other.release) > 3:
                if self.release[3:] != other.release[3:]:
                    return False
            if self.build is not None and other.build is not None and self.build != other.build:
                return False
        return _commits_agree(self.commit, other.commit)


def _pad(release: tuple[int, ...]) -> tuple[int, ...]:
    parts = list(release)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _commits_agree(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    a, b = a.lower(), b.lower()
    return a.startswith(b) or b.startswith(a)


@dataclass(frozen=True)
class VersionSpec:
    """What a matrix cell accepts: one version or a set written ``a/b``."""

    versions: tuple[Version, ...]
    printed: str

    def accepts(self, found: Version) -> bool:
        return any(v.matches(found) for v in self.versions)

    def __str__(self) -> str:
        return "/".join(str(v) for v in self.versions)

    def normalised(self) -> list[str]:
        return [str(v) for v in self.versions]


class VersionError(UsageError):
    """A version string that cannot be read."""


def parse_version(text: str) -> Version:
    """Read one version in any spelling the manual or a board uses.

    Raises :class:`VersionError` (a usage error, exit 2) when the text is not a
    version, with the text in the message.
    """
    if not isinstance(text, str):
        raise VersionError(f"not a version: {text!r}")
    raw = text
    s = text.strip().strip("$").strip()
    if s.upper().startswith("VERSION$"):
        s = s[len("VERSION$"):].strip("$")
    if s[:1] in ("v", "V") and s[1:2].isdigit():
        s = s[1:]
    commit = None
    m = _WITH_COMMIT.match(s)
    if m and "(" in s:
        s, commit = m.group("ver"), m.group("commit").lower()
    build = None
    if ":" in s:  # 6.3.3:203718
        s, _, b = s.partition(":")
        build = _int_or_fail(b.strip(), raw)
    elif "," in s:  # 6.4.0, 227915  or  6.4.0, 67399c4 (manual EN: version, git commit)
        s, _, tail = s.partition(",")
        tail = tail.strip()
        if _digits(tail):
            build = int(tail)
        elif _HEX.match(tail.lower()):
            commit = tail.lower()
        else:
            raise VersionError(f"not a version: {raw!r}")
    s = s.strip()
    pre = None
    m = _PRE.match(s)
    if m:
        s, pre = m.group(1), m.group(2) + m.group(3)
    if not s or not _DOTTED.match(s):
        raise VersionError(f"not a version: {raw!r}")
    parts = [int(p.lstrip("p")) for p in s.split(".")]
    if build is None and len(parts) >= 4 and len(s.split(".")[-1]) >= _BUILD_MIN_DIGITS:
        build = parts.pop()
    if len(parts) > 6 or (build is not None and (len(parts) < 3 or pre)):
        # a Vivante build number follows a full major.minor.patch, never a pre-release
        raise VersionError(f"not a version: {raw!r}")
    return Version(tuple(parts), build=build, commit=commit, pre=pre, raw=raw)


def parse_spec(text: str) -> VersionSpec:
    """Read a matrix cell or a user's argument: ``0.9.6/0.9.7`` is a set."""
    if not isinstance(text, str) or not text.strip():
        raise VersionError(f"not a version: {text!r}")
    versions = tuple(parse_version(part) for part in text.split("/"))
    return VersionSpec(versions, printed=text)


def _digits(s: str) -> bool:
    """ASCII digits only (str.isdigit also accepts '²' and '٣'), and short enough to be a number."""
    return 0 < len(s) <= 12 and s.isascii() and s.isdigit()


def _int_or_fail(s: str, raw: str) -> int:
    if not _digits(s):
        raise VersionError(f"not a version: {raw!r}")
    return int(s)
