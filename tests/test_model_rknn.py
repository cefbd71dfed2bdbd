"""The .rknn reader on containers built from the real layouts, and on hostile files."""

from __future__ import annotations

import json
import os
import struct

import pytest
from model_files import NBG, rknn_container, toolkit1_rknn, toolkit2_rknn

from rknn_compat.model import read_model


def _read(tmp_path, data: bytes, name="m.rknn"):
    path = tmp_path / name
    path.write_bytes(data)
    return read_model(str(path))


def test_toolkit2_container_facts(tmp_path):
    r = _read(tmp_path, toolkit2_rknn())
    f = r.facts
    assert r.error is None and r.format == "rknn"
    assert f["product"] == "RKNN-Toolkit2" and f["generation"] == "rknpu2"
    assert (f["container_version"], f["header_size"], f["payload"]) == (6, 64, "FlatBuffer")
    assert (f["model_version"], f["npu_generation"], f["compiler_version"]) == (6, "RKNPU v2", "1.6.2b0")
    assert f["target_platform"] == ["rk3588"] and f["toolkit_version"] == "1.6.2-source_code"
    assert f["compiler_int"] == 10602 and f["source_framework"] == "ONNX" and f["nbg_node"] is True
    assert f["precompiled"] is None and "precompiled" in r.unknown


def test_toolkit2_version_1_has_the_24_byte_header(tmp_path):
    r = _read(tmp_path, toolkit2_rknn(container=1, version=1, compiler="1.1.0(compiler version: 1.1.0 (8ba543bd@x))"))
    assert (r.facts["header_size"], r.facts["model_version"], r.facts["compiler_version"]) == (24, 1, "1.1.0")


def test_toolkit1_precompiled_judged_from_the_payload(tmp_path):
    # Rockchip's 1.6.0 samples say pre_compile: 0 and carry an NBG
    r = _read(tmp_path, toolkit1_rknn(pre_compile=0))
    f = r.facts
    assert f["product"] == "RKNN Toolkit" and f["payload"] == "OpenVX NBG" and f["nbg_version"] == "11.1"
    assert f["precompiled"] is True and f["json.pre_compile"] == 0
    assert any("pre_compile: 0" in n for n in r.notes)


def test_toolkit1_raw_weights_not_precompiled(tmp_path):
    r = _read(tmp_path, toolkit1_rknn(nbg=False, target=()))
    assert r.facts["payload"] == "raw weights" and r.facts["precompiled"] is False
    assert r.facts["target_platform"] is None and "target_platform" in r.unknown


def test_toolkit1_version2_custom_op_layout(tmp_path):
    # RKNN Toolkit 1.2.0/1.3.0 custom-op files: container 2, no payload, 24-byte header, op libraries after the JSON
    desc = {"version": "1.3.0", "ovxlib_version": "1.1.12", "pre_compile": 0}
    r = _read(tmp_path, rknn_container(b"", desc, version=2, header=24, tail=b"\x10" + bytes(99)))
    assert (r.facts["header_size"], r.facts["payload"], r.facts["trailing_bytes"]) == (24, "none", 100)
    assert r.facts["generation"] == "rknpu1" and r.facts["toolkit_version"] == "1.3.0"


@pytest.mark.parametrize("data,words", [
    (b"CYPTRKNN" + bytes(100), ["encrypted"]),
    (b"RKNX" + bytes(200), ["RKNN3"]),
])
def test_special_containers_named(tmp_path, data, words):
    r = _read(tmp_path, data)
    assert r.error is None
    assert all(w in json.dumps(r.to_dict()) for w in words)


def test_bare_nbg(tmp_path):
    r = _read(tmp_path, NBG + bytes(64), "m.nb")
    assert r.facts["payload"].startswith("OpenVX NBG (bare") and r.facts["nbg_version"] == "11.1"


def test_lfs_pointer(tmp_path):
    text = ("version https://git-lfs.github.com/spec/v1\noid sha256:" + "ab" * 32 + "\nsize 6285264\n").encode()
    r = _read(tmp_path, text)
    assert r.verdict == "error" and "Git LFS pointer" in r.error and "git lfs pull" in r.error


@pytest.mark.parametrize("cut", [10, 30, 70, 200])
def test_truncated(tmp_path, cut):
    r = _read(tmp_path, toolkit2_rknn()[:cut])
    assert r.verdict == "error" and "truncated" in r.error


def test_json_length_of_2_to_the_63(tmp_path):
    data = b"RKNN\0\0\0\0" + struct.pack("<QQ", 1, 0) + struct.pack("<Q", 1 << 63) + b"{}"
    r = _read(tmp_path, data)
    assert r.verdict == "error" and "truncated" in r.error and r.bytes_read < 200


def test_payload_size_past_the_end(tmp_path):
    data = b"RKNN\0\0\0\0" + struct.pack("<QQ", 6, (1 << 64) - 1) + bytes(40)
    r = _read(tmp_path, data)
    assert r.verdict == "error" and "truncated" in r.error


def test_invalid_utf8_json(tmp_path):
    raw = b'{"version": "1.6.0\xff\xfe", "ovxlib_version": "1.1.24", "target_platform": ["RK1808"]}'
    r = _read(tmp_path, rknn_container(NBG, raw, 1))
    assert r.error is None and r.facts["toolkit_version"].startswith("1.6.0")
    assert any("UTF-8" in n for n in r.notes)


def test_deeply_nested_json(tmp_path):
    raw = b'{"version": "1.6.0", "ovxlib_version": "1.1.24", "x": ' + b"[" * 200000 + b"]" * 200000 + b"}"
    r = _read(tmp_path, rknn_container(NBG, raw, 1))
    assert r.error is None and r.facts["toolkit_version"] == "1.6.0"


def test_lying_flatbuffer_offsets(tmp_path):
    fb = bytearray(toolkit2_rknn())
    fb[64:68] = struct.pack("<I", 0xFFFFFF00)  # root offset far outside the payload
    r = _read(tmp_path, bytes(fb))
    assert r.error is None and "model_version" in r.unknown


def test_wrong_magic_and_padding(tmp_path):
    r = _read(tmp_path, b"RKNN\x01\x02\x03\x04" + bytes(100))
    assert r.verdict == "error" and "not an .rknn container" in r.error


def test_fifo_directory_and_device_refused(tmp_path):
    fifo = tmp_path / "m.rknn"
    os.mkfifo(fifo)
    for path in (str(fifo), str(tmp_path), "/dev/zero", str(tmp_path / "missing.rknn")):
        r = read_model(path)
        assert r.verdict == "error" and r.error, path


def test_huge_sparse_rknn_costs_its_header(tmp_path):
    path = tmp_path / "big.rknn"
    payload = toolkit2_rknn()
    size = 3 << 30
    fb = payload[64:]  # the FlatBuffer and what follows stay at the start of a 3 GiB payload
    with open(path, "wb") as fh:
        fh.write(b"RKNN\0\0\0\0" + struct.pack("<QQ", 6, size) + bytes(40) + fb[:-300])
        fh.truncate(64 + size)
        fh.seek(64 + size)
        fh.write(struct.pack("<Q", 2) + b"{}")
    r = read_model(str(path))
    assert r.error is None and r.facts["model_version"] == 6 and r.bytes_read < 1 << 20
