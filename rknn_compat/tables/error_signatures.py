"""``matrices/error_signatures.toml``: the known problems ``explain`` recognises in a log.

Each row is a message (keywords + regular expressions), what happened, why, what to do, the
release that fixed it where the source says so, and the source. Loading compiles every pattern
and refuses what could make matching slow or wrong: an unbounded or nested repetition, a pattern
that matches none of the row's real example lines, an example no pattern matches. A malformed row
fails with file, row and reason. Cached per matrix directory; a directory without the file has
no signatures.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import MatrixError
from ..versions import Version, VersionError, parse_version
from .model import Cite
from .rows import cached, cite, fields, read_rows, strings

try:  # Python >= 3.11
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - 3.9/3.10
    import sre_parse  # type: ignore[no-redef]

PRODUCTS = ("rknn-toolkit", "rknn-toolkit2", "rknpu1-runtime", "rknpu2-runtime", "rkllm", "any")
MAX_PATTERN = 400  # characters of one pattern
MAX_REPEAT = 4096  # the largest upper bound of a repetition; lines are at most 4096 characters
MAX_NESTED = 256  # the largest product of the bounds of repetitions inside one another
_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{1,63}$")
_TEXT = ("id", "title", "what", "cause", "remedy", "source", "section")
_OPTIONAL = ("quote", "fixed_in", "fixed_in_product", "context", "inference", "threads")
_FLAGS = ("inference", "format")
# a library's printf format filled in, for rows whose only evidence is the binary's string
_PRINTF = re.compile(r"%(?:ll|l|z)?[duxi]|%s")
_LISTS = ("keywords", "patterns", "examples", "products", "context", "threads")


@dataclass(frozen=True)
class Signature:
    id: str
    title: str
    keywords: tuple[str, ...]  # lower case; a line is tried only if it holds one
    patterns: tuple[re.Pattern, ...]
    products: tuple[str, ...]
    what: str
    cause: str
    remedy: str
    cite: Cite
    threads: tuple[str, ...] = ()
    context: tuple[str, ...] = ()  # lower case; one must appear in the same log
    quote: str | None = None
    fixed_in: Version | None = None
    fixed_in_product: str | None = None
    inference: bool = False

    def match(self, line: str, low: str) -> re.Match | None:
        """The first pattern's match in ``line`` (``low`` is its lower case), if a keyword is there."""
        if not any(k in low for k in self.keywords):
            return None
        for rx in self.patterns:
            m = rx.search(line)
            if m:
                return m
        return None


def signatures(directory: str | os.PathLike | None = None) -> list[Signature]:
    return cached(directory, "error_signatures.toml", _load)


def _load(path: Path, directory) -> list[Signature]:
    out: list[Signature] = []
    for where, row in read_rows(path, "signature"):
        if isinstance(row.get("id"), str):
            where = f"{where} ({row['id']})"
        flags = {k: row.get(k, False) for k in _FLAGS}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise MatrixError(f"{where}: {' and '.join(_FLAGS)} must be true or false")
        f = fields(where, {k: v for k, v in row.items() if k not in _FLAGS},
                   required=(*_TEXT, "keywords", "patterns", "examples", "products"),
                   optional=_OPTIONAL, types={k: list for k in _LISTS})
        lists = {k: strings(where, f, k) for k in _LISTS}
        if not _ID.match(f["id"]) or any(s.id == f["id"] for s in out):
            raise MatrixError(f"{where}: id must be unique, lower case letters, digits, '.' and '-'")
        keywords = _lower(where, "keywords", lists["keywords"])
        context = _lower(where, "context", lists["context"])
        patterns = tuple(_compile(where, p) for p in lists["patterns"])
        examples = lists["examples"]
        if flags["format"]:
            examples = [_PRINTF.sub(lambda m: "x" if m.group(0) == "%s" else "1", e) for e in examples]
        _check_examples(where, patterns, keywords, examples)
        bad = [p for p in lists["products"] if p not in PRODUCTS]
        if bad or not lists["products"]:
            raise MatrixError(f"{where}: products must be some of {', '.join(PRODUCTS)}, not {bad}")
        if any(not t.startswith("https://github.com/") for t in lists["threads"]):
            raise MatrixError(f"{where}: threads must be https://github.com/ URLs")
        fixed, product = _fixed_in(where, f)
        out.append(Signature(f["id"], f["title"], keywords, patterns, tuple(lists["products"]), f["what"],
                             f["cause"], f["remedy"], cite(directory, where, f), tuple(lists["threads"]),
                             context, f.get("quote"), fixed, product, flags["inference"]))
    return out


def _lower(where: str, key: str, values: list[str]) -> tuple[str, ...]:
    if any(v != v.lower() or len(v.strip()) < 3 for v in values):
        raise MatrixError(f"{where}: {key} must be lower-case literals of 3 characters or more")
    return tuple(values)


def _compile(where: str, pattern: str) -> re.Pattern:
    if len(pattern) > MAX_PATTERN:
        raise MatrixError(f"{where}: a pattern is longer than {MAX_PATTERN} characters")
    try:
        rx = re.compile(pattern)
        _bounded(sre_parse.parse(pattern), outer=1)
    except re.error as exc:
        raise MatrixError(f"{where}: pattern {pattern!r} does not compile: {exc}") from None
    except ValueError as exc:
        raise MatrixError(f"{where}: pattern {pattern!r}: {exc}") from None
    return rx


def _bounded(parsed, outer: int) -> None:
    """Every repetition has an upper bound; repetitions inside others multiply to at most MAX_NESTED."""
    for op, av in parsed:
        if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            _low, high, sub = av
            if high is sre_parse.MAXREPEAT or high > MAX_REPEAT:
                raise ValueError(f"unbounded repetition (use {{0,N}} with N <= {MAX_REPEAT}, not * or +)")
            if outer > 1 and outer * high > MAX_NESTED:
                raise ValueError(f"repetitions inside one another allow {outer * high} tries (max {MAX_NESTED})")
            _bounded(sub, outer * max(high, 1))
        elif op == sre_parse.SUBPATTERN:
            _bounded(av[-1], outer)
        elif op == sre_parse.BRANCH:
            for branch in av[1]:
                _bounded(branch, outer)
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            _bounded(av[1], outer)


def _check_examples(where: str, patterns: tuple[re.Pattern, ...], keywords: tuple[str, ...],
                    examples: list[str]) -> None:
    if not examples:
        raise MatrixError(f"{where}: examples must list the real lines the patterns were written from")
    for example in examples:
        low = example.lower()
        if not any(k in low for k in keywords):
            raise MatrixError(f"{where}: example {example!r} holds none of the keywords")
        if not any(rx.search(example) for rx in patterns):
            raise MatrixError(f"{where}: no pattern matches the example {example!r}")
    for rx in patterns:
        if not any(rx.search(e) for e in examples):
            raise MatrixError(f"{where}: pattern {rx.pattern!r} matches none of the examples")


def _fixed_in(where: str, f: dict) -> tuple[Version | None, str | None]:
    if ("fixed_in" in f) != ("fixed_in_product" in f):
        raise MatrixError(f"{where}: fixed_in and fixed_in_product go together")
    if "fixed_in" not in f:
        return None, None
    if f["fixed_in_product"] not in PRODUCTS:
        raise MatrixError(f"{where}: fixed_in_product must be one of {', '.join(PRODUCTS)}")
    try:
        return parse_version(f["fixed_in"]), f["fixed_in_product"]
    except VersionError as exc:
        raise MatrixError(f"{where}: fixed_in: {exc}") from None
