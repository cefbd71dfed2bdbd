"""TFLite files (FlatBuffer, identifier ``TFL3``): schema version and minimum runtime version.

tensorflow/tensorflow ``tensorflow/lite/schema/schema.fbs``: ``Model { version: uint (0);
operator_codes (1); subgraphs (2); description: string (3); buffers (4); metadata_buffer (5);
metadata: [Metadata] (6) }``, ``Metadata { name: string (0); buffer: uint (1) }``,
``Buffer { data: [ubyte] (0) }``.  Newer converters store ``min_runtime_version`` as a metadata
entry whose buffer holds the text (tensorflow ``tensorflow/lite/tools/versioning/runtime_version.cc``).
"""

from __future__ import annotations

from .flatbuf import Buffer
from .results import ModelReport
from .source import ModelFile, NotAModel

MAX_METADATA = 256


def looks_like(head: bytes) -> bool:
    return len(head) >= 8 and head[4:8] == b"TFL3"


def read(mf: ModelFile, report: ModelReport) -> None:
    report.format = "tflite"
    buf = Buffer(mf, 0, mf.size, "the TFLite FlatBuffer")
    root = buf.root()
    facts = report.facts
    facts["schema_version"] = root.uint(0)
    if facts["schema_version"] is None:
        raise NotAModel("not a TFLite model: the root table has no version")
    facts["description"] = root.string(3, 256)
    subgraphs = root.vector(2)
    facts["subgraphs"] = subgraphs[1] if subgraphs else 0
    meta = {}
    for entry in root.tables(6, MAX_METADATA):
        name = entry.string(0, 128)
        if name:
            meta[name] = entry.uint(1, default=0)  # schema default 0
    facts["metadata"] = sorted(meta)
    facts["min_runtime_version"] = None
    if "min_runtime_version" in meta and meta["min_runtime_version"] is not None:
        facts["min_runtime_version"] = _buffer_text(root, meta["min_runtime_version"])
    else:
        report.unknown["min_runtime_version"] = "no min_runtime_version metadata (older converters wrote none)"


def _buffer_text(root, index: int) -> str | None:
    buffer = root.element(4, index)
    raw = buffer.data(0, 64) if buffer is not None else None
    return None if raw is None else raw.split(b"\0", 1)[0].decode("ascii", "replace")
