"""``.rknn`` files of RKNN Toolkit 1 and RKNN-Toolkit2: the container, its payload and its JSON.

Layout (little-endian): magic ``RKNN\\0\\0\\0\\0``; u64 container version; u64 payload size; 40
reserved zero bytes when the version is above 1 (librknnrt 1.4.0 picks offset 64 or 24 by
``version > 1``; Toolkit 1 version-2 files keep the 24-byte header); the payload; u64 JSON size
and the JSON model description; optional trailing sections (toolkit-1 custom-op libraries).
Sources: lutzroeder/netron ``source/rknn.js`` (38591e39), hebangwen/rknncli ``rknncli/parser.py``
(9448f8b8), the container parser of librknnrt 1.4.0 (rockchip-linux/rknpu2 e61eb7f8) and the
sample models of airockchip/rknn-toolkit2, rockchip-linux/rknpu and rockchip-linux/rknn-toolkit.
"""

from __future__ import annotations

import json
import re
import struct

from ..tables import PRODUCTS
from .flatbuf import Buffer
from .results import ModelReport
from .source import ModelFile, NotAModel, Truncated
from .version_text import compiler_from_int

MAGIC = b"RKNN\x00\x00\x00\x00"
JSON_CAP = 16 << 20  # a larger JSON is read from its first MiB only
JSON_HEAD = 1 << 20
NBG_MAGIC = b"VPMN"
NBG_OPS = ("VSI_NN_OP_NBG", "RKNN_OP_NNBG")  # the single node of a compiled graph
_COMPILER = re.compile(r"compiler version:\s*([0-9]+(?:\.[0-9]+)*(?:b[0-9]+)?)")
# top-level keys read from an oversized JSON by pattern (the whole document is not parsed)
_HEAD_KEYS = {
    "version": re.compile(rb'"version"\s*:\s*"([^"]{1,64})"'),
    "ovxlib_version": re.compile(rb'"ovxlib_version"\s*:\s*"([^"]{1,64})"'),
    "pre_compile": re.compile(rb'"pre_compile"\s*:\s*(-?[0-9]{1,9}|true|false)'),
    "target_platform": re.compile(rb'"target_platform"\s*:\s*(\[[^\]]{0,512}\])'),
    "network_platform": re.compile(rb'"network_platform"\s*:\s*"([^"]{1,64})"'),
    "ori_network_platform": re.compile(rb'"ori_network_platform"\s*:\s*"([^"]{1,64})"'),
}


def read(mf: ModelFile, report: ModelReport) -> None:
    """Fill ``report`` with the facts of an ``.rknn`` file (format already sniffed as rknn)."""
    report.format = "rknn"
    head = mf.head(64)
    if head.startswith(b"CYPTRKNN"):
        _encrypted(report)
        return
    if head.startswith(b"RKNX"):
        _rknn3(report)
        return
    if head.startswith(NBG_MAGIC):
        _bare_nbg(head, report)
        return
    if len(head) < 24:
        raise Truncated(f"truncated: {mf.size} bytes, less than the 24-byte .rknn header")
    if head[:8] != MAGIC:
        raise NotAModel(f"starts with RKNN but bytes 4-8 are {head[4:8].hex()}, not zero: not an .rknn container")
    version, data_size = struct.unpack("<QQ", head[8:24])
    facts = report.facts
    facts["container_version"] = version
    facts["family"] = _family(version)
    header = 64 if version > 1 and len(head) == 64 and head[24:64] == bytes(40) else 24
    facts["header_size"] = header
    if header + data_size + 8 > mf.size:
        raise Truncated(f"truncated: the header declares a {data_size}-byte payload at {header}, but the file "
                        f"has {mf.size} bytes")
    facts["payload_size"] = data_size
    payload = mf.read_at(header, min(data_size, 8), "the payload")
    json_at = header + data_size
    json_size = struct.unpack("<Q", mf.read_at(json_at, 8, "the JSON size"))[0]
    if json_at + 8 + json_size > mf.size:
        raise Truncated(f"truncated: the JSON description claims {json_size} bytes at {json_at + 8}, but the file "
                        f"has {mf.size} bytes")
    facts["trailing_bytes"] = mf.size - (json_at + 8 + json_size)
    desc = _json(mf, json_at + 8, json_size, report)
    _payload(mf, header, data_size, payload, desc, report)
    _describe(desc, report)


def _family(version: int) -> str:
    if version >> 8 == 0:
        return "standard"
    if version >> 8 == 0x10:
        return "rv1103/rv1106"  # librknnmrt accepts only versions above 0x1000
    return f"unknown (container version {version:#x})"


def _encrypted(report: ModelReport) -> None:
    report.facts.update(encrypted=True, payload="encrypted")
    reason = "the model is encrypted (CYPTRKNN): its header cannot be read without the key"
    for key in ("product", "toolkit_version", "target_platform", "container_version", "model_version",
                "precompiled"):
        report.unknown[key] = reason
    report.notes.append("An encrypted .rknn (RKNN-Toolkit2 rknn.export_encrypted_rknn_model) loads only where its "
                        "runtime can decrypt it; rknn-compat cannot read its versions.")


def _rknn3(report: ModelReport) -> None:
    report.facts.update(family="rknn3", product="rknn3-toolkit (RKNN3, RKNX container)", payload="RKNX")
    reason = "an RKNN3 (RKNX) model: this reader knows only the RKNN Toolkit 1/2 containers"
    for key in ("toolkit_version", "target_platform", "container_version", "model_version", "precompiled"):
        report.unknown[key] = reason


def _bare_nbg(head: bytes, report: ModelReport) -> None:
    major, minor = struct.unpack("<HH", head[4:8]) if len(head) >= 8 else (None, None)
    report.facts.update(payload="OpenVX NBG (bare, no .rknn container)", generation="rknpu1",
                        product=PRODUCTS["rknpu1"], precompiled=True, container_version=None,
                        nbg_version=f"{major}.{minor}" if major is not None else None)
    report.notes.append("This is a bare network binary graph (.nb), not an .rknn container: librknn_runtime "
                        "rejects it ('Invalid RKNN model:1313689686 vs ...', rockchip-linux/rknpu#56).")


def _json(mf: ModelFile, at: int, size: int, report: ModelReport) -> dict:
    if size > JSON_CAP:
        raw = mf.read_at(at, JSON_HEAD, "the JSON description")
        report.notes.append(f"the JSON description is {size} bytes; only its first {JSON_HEAD >> 20} MiB was read")
        return _json_head(raw)
    raw = mf.read_at(at, size, "the JSON description")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        report.notes.append("the JSON description is not valid UTF-8 (bad bytes replaced)")
    try:
        desc = json.loads(text)
    except RecursionError:
        report.notes.append("the JSON description is nested too deeply to read")
        return _json_head(raw[:JSON_HEAD])
    except ValueError as exc:
        report.notes.append(f"the JSON description does not parse ({exc}); read by pattern")
        return _json_head(raw[:JSON_HEAD])
    if not isinstance(desc, dict):
        report.notes.append("the JSON description is not an object")
        return {}
    return desc


def _json_head(raw: bytes) -> dict:
    out: dict = {}
    for key, pattern in _HEAD_KEYS.items():
        m = pattern.search(raw)
        if not m:
            continue
        value = m.group(1).decode("utf-8", "replace")
        try:
            out[key] = json.loads(value) if key in ("pre_compile", "target_platform") else value
        except ValueError:
            continue
    out["_nodes_unread"] = True
    return out


def _payload(mf: ModelFile, at: int, size: int, first: bytes, desc: dict, report: ModelReport) -> None:
    facts = report.facts
    if size == 0:
        facts["payload"] = "none"
    elif first[:4] == NBG_MAGIC:
        facts["payload"] = "OpenVX NBG"
        if len(first) >= 8:
            major, minor = struct.unpack("<HH", first[4:8])
            facts["nbg_version"] = f"{major}.{minor}"
    elif first[4:8] == b"RKNN":
        facts["payload"] = "FlatBuffer"
        _flatbuffer(Buffer(mf, at, size, "the FlatBuffer payload"), report)
    elif "ovxlib_version" in desc or "pre_compile" in desc:
        facts["payload"] = "raw weights"
    else:
        facts["payload"] = "unknown"
        report.notes.append(f"the payload starts with {first.hex()}: neither an NBG nor a FlatBuffer")


def _flatbuffer(buf: Buffer, report: ModelReport) -> None:
    """Model table slots (Netron tools/rknn.fbs; meanings from librknnrt's own log, see module doc)."""
    facts = report.facts
    try:
        root = buf.root()
        facts["model_version"] = root.uint(0)
        facts["npu_generation"] = root.string(1)
        compiler_int = root.uint(6)
        compiler = root.string(7)
        facts["fb_platform"] = root.string(8)
        facts["source_framework"] = root.string(9)
    except NotAModel as exc:
        report.notes.append(f"the FlatBuffer payload could not be read: {exc}")
        report.unknown["model_version"] = str(exc)
        return
    facts["compiler"] = compiler
    m = _COMPILER.search(compiler or "")
    facts["compiler_version"] = m.group(1) if m else compiler_from_int(compiler_int)
    facts["compiler_int"] = compiler_int


def _describe(desc: dict, report: ModelReport) -> None:
    """Product, toolkit, target and pre-compile facts from the JSON and the payload together."""
    facts = report.facts
    toolkit1 = facts.get("payload") in ("OpenVX NBG", "raw weights") or "ovxlib_version" in desc
    if facts.get("payload") == "FlatBuffer" or facts.get("family") == "rv1103/rv1106":
        generation = "rknpu2"
    elif toolkit1:
        generation = "rknpu1"
    else:
        generation = None
        report.unknown["product"] = "the payload and the JSON name neither toolkit"
    facts["generation"] = generation
    facts["product"] = PRODUCTS.get(generation) if generation else None
    version = desc.get("version")
    facts["toolkit_version"] = version if isinstance(version, str) else None
    if facts["toolkit_version"] is None:
        report.unknown["toolkit_version"] = "the JSON description has no \"version\""
    platform = desc.get("target_platform")
    if isinstance(platform, str):
        platform = [platform]
    if not platform and facts.get("fb_platform"):
        platform = [facts["fb_platform"]]
    facts["target_platform"] = [str(p) for p in platform] if isinstance(platform, list) and platform else None
    if facts["target_platform"] is None:
        report.unknown["target_platform"] = "not in the model (RKNN Toolkit 1 before 1.3.2 wrote none)"
    for key in ("ovxlib_version", "network_platform", "ori_network_platform", "pre_compile", "optimization_level",
                "pre_compile_version", "name"):
        if key in desc and isinstance(desc[key], (str, int, float)):
            facts[f"json.{key}"] = desc[key]
    if not facts.get("source_framework") and isinstance(desc.get("ori_network_platform"), str):
        facts["source_framework"] = desc["ori_network_platform"]
    nodes = desc.get("nodes")
    ops = [n.get("op") for n in nodes[:100000] if isinstance(n, dict)] if isinstance(nodes, list) else []
    facts["nbg_node"] = any(op in NBG_OPS for op in ops) if ops else None
    if generation == "rknpu1":
        # pre-compiled = the payload is an NBG: Rockchip's own 1.6.0 samples say pre_compile: 0 and carry one
        facts["precompiled"] = facts.get("payload") == "OpenVX NBG" or bool(facts["nbg_node"]) \
            or desc.get("pre_compile") in (1, True)
        flag = desc.get("pre_compile")
        if flag in (0, False) and facts["precompiled"]:
            report.notes.append("the JSON says pre_compile: 0, but the payload is a pre-compiled NBG: judged as "
                                "pre-compiled")
    else:
        facts["precompiled"] = None
        if generation == "rknpu2":
            report.unknown["precompiled"] = "RKNN-Toolkit2 models have no pre-compile mode (always compiled)"
    if generation == "rknpu1":
        facts.setdefault("model_version", None)
        report.unknown.setdefault("model_version", "RKNN Toolkit 1 models carry no FlatBuffer model version")
