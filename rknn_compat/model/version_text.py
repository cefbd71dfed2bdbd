"""Version strings as model files write them, turned into :class:`~rknn_compat.versions.Version`.

A toolkit writes its own version into the model in more spellings than a board prints:
``1.6.2-source_code`` (a source build), ``1.5.2+b642f30c`` (a pip build), ``v1.3.2``,
``1.7.5b1``; the compiler writes ``MMmmpp`` integers (10601 = 1.6.1).  Pattern from the
JSON ``version`` values of Rockchip's sample models (airockchip/rknn-toolkit2 rknpu2/examples,
Netron ``test/models.json``).
"""

from __future__ import annotations

import re

from ..versions import Version, VersionError, parse_version

_TOOLKIT = re.compile(r"^\s*v?([0-9]{1,4}(?:\.[0-9]{1,4}){1,3}(?:(?:a|b|rc)[0-9]{1,6})?)(?:[+-][0-9A-Za-z_.+-]*)?\s*$")


def toolkit_version(text) -> Version | None:
    """The release a model's ``version`` names, or None when it is not a version."""
    if not isinstance(text, str):
        return None
    m = _TOOLKIT.match(text)
    if not m:
        return None
    try:
        return parse_version(m.group(1))
    except VersionError:
        return None


def compiler_from_int(value) -> str | None:
    """10601 -> "1.6.1" (the FlatBuffer's compiler slot, major*10000 + minor*100 + patch)."""
    if not isinstance(value, int) or value <= 0 or value >= 1_000_000:
        return None
    return f"{value // 10000}.{value // 100 % 100}.{value % 100}"
