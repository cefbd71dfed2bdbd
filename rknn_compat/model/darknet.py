"""Darknet ``.cfg`` files: the ``[net]`` section and the layer sections after it.

Format: pjreddie/darknet ``src/parser.c`` (``read_cfg``: ``[section]`` lines, ``key=value``
lines, ``#``/``;`` comments; the first section must be ``[net]`` or ``[network]``).
"""

from __future__ import annotations

import re

from .results import ModelReport
from .source import ModelFile, NotAModel

TEXT_CAP = 4 << 20
_SECTION = re.compile(r"^\s*\[([A-Za-z_]+)\]\s*$")


def looks_like(head: bytes) -> bool:
    return bool(re.search(rb"^\s*\[(net|network)\]", head, re.M))


def read(mf: ModelFile, report: ModelReport) -> None:
    report.format = "darknet"
    text = mf.read_at(0, min(mf.size, TEXT_CAP), "the cfg").decode("utf-8", "replace")
    sections: list[str] = []
    net: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        m = _SECTION.match(line)
        if m:
            sections.append(m.group(1).lower())
        elif "=" in line and len(sections) == 1:
            key, value = line.split("=", 1)
            net[key.strip()] = value.strip()[:64]
    if not sections or sections[0] not in ("net", "network"):
        raise NotAModel("not a Darknet cfg: the first section is not [net]")
    counts: dict[str, int] = {}
    for s in sections[1:]:
        counts[s] = counts.get(s, 0) + 1
    report.facts.update(layers=len(sections) - 1, layer_types=counts,
                        input={k: net[k] for k in ("width", "height", "channels") if k in net})
