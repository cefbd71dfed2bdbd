"""PyTorch files: a TorchScript archive, or a ``torch.save`` zip/pickle of weights or a checkpoint.

Since torch 1.6 ``torch.save`` and ``torch.jit.save`` both write a zip with one top folder:
``<top>/version`` (the file format version, text), ``<top>/data.pkl``; TorchScript adds
``<top>/constants.pkl`` and ``<top>/code/`` (pytorch ``caffe2/serialize/inline_container.cc``;
lutzroeder/netron ``source/pytorch.js``: ``constants.pkl`` -> TorchScript).  Older ``torch.save``
files are a bare pickle (first bytes ``\\x80\\x02``).  ``rknn.load_pytorch`` needs TorchScript
(RKNN Toolkit TS 1.3.2 section 5.2; rockchip-linux/rknn-toolkit#282).  Nothing is unpickled:
the pickle is only walked opcode by opcode (``pickletools.genops``) to see what its top object is.
"""

from __future__ import annotations

import io
import pickletools
import struct
import zipfile

from .results import ModelReport
from .source import ModelFile, NotAModel

PICKLE_CAP = 1 << 20  # bytes of data.pkl / a legacy pickle walked
MAX_OPS = 20000
MAX_ENTRIES = 1 << 18  # zip members
CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model", "optimizer", "epoch", "net", "weights")


def looks_like(head: bytes) -> bool:
    return head[:4] == b"PK\x03\x04" or (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5)


def read(mf: ModelFile, report: ModelReport) -> None:
    report.format = "pytorch"
    head = mf.head(4)
    if head[:4] == b"PK\x03\x04":
        _zip(mf, report)
    else:
        report.facts["container"] = "pickle (legacy torch.save, before torch 1.6)"
        report.facts["format_version"] = None
        report.unknown["format_version"] = "a legacy pickle file records no format version"
        _kind(mf.read_at(0, min(mf.size, PICKLE_CAP), "the pickle"), report, legacy=True)


def _zip(mf: ModelFile, report: ModelReport) -> None:
    _check_directory(mf)
    try:
        with open(mf.path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            top = {n.split("/", 1)[0] for n in names if "/" in n}
            records = {n.split("/", 1)[1] if "/" in n else n: i for n, i in zip(names, infos)}
            facts = report.facts
            facts["container"] = "zip"
            facts["archive_folder"] = sorted(top)[0] if len(top) == 1 else None
            if ".data/version" in records and "data.pkl" not in records:
                facts["kind"] = "torch.package"
            torchscript = "constants.pkl" in records or any(r.startswith("code/") for r in records)
            version = _small(zf, records.get("version") or records.get(".data/version"), 32)
            facts["format_version"] = int(version) if version and version.strip().isdigit() else None
            if facts["format_version"] is None:
                report.unknown["format_version"] = "no readable version record in the archive"
            if torchscript:
                facts["kind"] = "torchscript"
            elif "data.pkl" in records:
                data = _read_capped(zf, records["data.pkl"], PICKLE_CAP)
                _kind(data, report, legacy=False)
            else:
                facts.setdefault("kind", None)
                report.unknown["kind"] = "a zip with neither data.pkl nor constants.pkl: not a torch.save file"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        raise NotAModel(f"not a readable zip: {exc}") from None
    except OSError as exc:
        raise NotAModel(f"cannot read the zip: {exc.strerror or exc}") from None


def _check_directory(mf: ModelFile) -> None:
    """The zip's end record, read first: a central directory too large to list is refused."""
    tail = mf.read_at(max(0, mf.size - 65558), min(mf.size, 65558), "the zip end record")
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        raise NotAModel("not a readable zip: no end-of-central-directory record (truncated?)")
    entries, cd_size = struct.unpack("<H", tail[at + 10:at + 12])[0], struct.unpack("<I", tail[at + 12:at + 16])[0]
    if entries > MAX_ENTRIES or cd_size > 64 << 20:
        raise NotAModel(f"a zip of {entries} entries / {cd_size} directory bytes: more than this reader lists")


def _read_capped(zf: zipfile.ZipFile, info, cap: int) -> bytes:
    """At most ``cap`` bytes of a member, however large it claims to inflate (zip bombs)."""
    with zf.open(info) as fh:
        return fh.read(cap)


def _small(zf: zipfile.ZipFile, info, cap: int) -> str | None:
    if info is None:
        return None
    return _read_capped(zf, info, cap).decode("ascii", "replace")


LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch/serialization.py MAGIC_NUMBER, the first of 3 header pickles


def _kind(data: bytes, report: ModelReport, legacy: bool) -> None:
    """What the pickle's top object is, from its first opcodes only (legacy: after 3 header pickles)."""
    stream = io.BytesIO(data)
    try:
        if legacy:
            first = _walk(stream)
            if first[3] != LEGACY_MAGIC:
                report.facts["kind"] = None
                report.unknown["kind"] = "a pickle without torch's magic number: not a torch.save file"
                return
            _walk(stream)  # protocol version
            _walk(stream)  # sys_info
        first_global, dict_keys, top_dict = _walk(stream)[:3]
    except (ValueError, EOFError, struct.error) as exc:
        report.facts["kind"] = None
        report.unknown["kind"] = f"the pickle could not be walked ({exc})"
        return
    _classify(report, first_global, dict_keys, top_dict)


def _walk(stream) -> tuple:
    """One pickle up to STOP: (first global, string keys of a top dict, top is a dict, first int)."""
    first_global, keys, top_dict, first_int = None, [], False, None
    for count, (op, arg, _pos) in enumerate(pickletools.genops(stream)):
        if count > MAX_OPS:
            raise ValueError(f"more than {MAX_OPS} opcodes before the top object")
        if op.name == "STOP":
            break
        if op.name in ("GLOBAL", "INST") and first_global is None:
            first_global = str(arg).replace(" ", ".")
        elif op.name == "STACK_GLOBAL" and first_global is None:
            first_global = "(stack global)"
        elif op.name in ("EMPTY_DICT", "DICT") and count < 3:
            top_dict = True
        elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE") and top_dict and len(keys) < 64:
            keys.append(str(arg))
        elif op.name in ("LONG1", "LONG4", "BININT", "BININT1", "BININT2") and first_int is None:
            first_int = arg
    else:
        raise ValueError("the pickle ends without STOP (cut at the read cap?)")
    return first_global, keys, top_dict, first_int


def _classify(report: ModelReport, first_global, keys: list, top_dict) -> None:
    facts = report.facts
    found = set(keys) & set(CHECKPOINT_KEYS)
    if first_global and first_global.startswith("collections.OrderedDict"):
        facts["kind"] = "state_dict"
    elif top_dict is True and found:
        facts["kind"] = "checkpoint"
        facts["checkpoint_keys"] = sorted(found)
    elif top_dict is True:
        facts["kind"] = "state_dict"
    elif first_global:
        facts["kind"] = "pickled module"
        facts["pickled_class"] = first_global[:128]
    else:
        facts["kind"] = None
        report.unknown["kind"] = "the pickle's top object is neither a dict nor a class instance"
