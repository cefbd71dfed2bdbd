"""Framework readers on files made by real writers (onnx, flatbuffers) and real files (tests/data/models)."""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path

import pytest
from model_files import onnx_model, pb_field, tf_graph, tflite_model

from rknn_compat.model import check_models, read_model

DATA = Path(__file__).parent / "data" / "models"


def _write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# --- ONNX ------------------------------------------------------------------------------------------

def test_onnx_facts(tmp_path):
    r = read_model(_write(tmp_path, "m.onnx", onnx_model(opset=11, ir=6)))
    assert r.format == "onnx" and r.error is None
    assert (r.facts["ir_version"], r.facts["opset"], r.facts["producer_name"]) == (6, 11, "pytorch")
    assert r.facts["opset_import"] == {"ai.onnx": 11}


@pytest.mark.parametrize("toolkit,kw,opset,verdict", [
    ("1.3.2", "toolkit", 11, "incompatible"),  # ONNX 1.4.1 = opset 9 (TS 1.3.2 1.3.1 note 4)
    ("1.3.2", "toolkit", 9, "compatible"),
    ("1.6.0", "toolkit", 11, "compatible"),
    ("1.6.0", "toolkit2", 19, "compatible"),  # ONNX 1.14.0 = opset 19 (onnx VERSION_TABLE)
    ("1.6.0", "toolkit2", 21, "incompatible"),
    ("1.2.0", "toolkit", 9, "compatible"),
])
def test_onnx_opset_against_toolkit(tmp_path, toolkit, kw, opset, verdict):
    path = _write(tmp_path, "m.onnx", onnx_model(opset=opset, ir=3 if opset <= 9 else 8 if opset > 11 else 6))
    report = check_models([path], **{kw: toolkit})
    assert report.models[0].verdict == verdict, report.to_dict()


def test_onnx_huge_graph_is_skipped(tmp_path):
    path = tmp_path / "big.onnx"
    size = 1 << 30
    with open(path, "wb") as fh:
        fh.write(pb_field(1, 7) + pb_field(2, "exporter"))
        fh.write(b"\x3a" + _varint(size))  # field 7 (graph), 1 GiB, sparse
        fh.truncate(fh.tell() + size)
        fh.seek(0, 2)
        fh.write(pb_field(8, pb_field(1, "") + pb_field(2, 13)))
    r = read_model(str(path))
    assert r.facts["opset"] == 13 and r.facts["graph_bytes"] == size and r.bytes_read < 1 << 20


def _varint(n):
    from model_files import varint

    return varint(n)


def test_onnx_garbage(tmp_path):
    r = read_model(_write(tmp_path, "m.onnx", b"\x08\x07\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
    assert r.verdict == "error" and "not protobuf" in r.error


# --- TFLite ----------------------------------------------------------------------------------------

def test_tflite_facts(tmp_path):
    r = read_model(_write(tmp_path, "m.tflite", tflite_model(3, "2.3.0")))
    assert r.format == "tflite" and r.facts["schema_version"] == 3 and r.facts["min_runtime_version"] == "2.3.0"


def test_tflite_schema_judged(tmp_path):
    ok = _write(tmp_path, "a.tflite", tflite_model(3, None))
    bad = _write(tmp_path, "b.tflite", tflite_model(2, None))
    report = check_models([ok, bad], toolkit="1.7.5")
    assert [m.verdict for m in report.models] == ["compatible", "incompatible"]
    assert "min_runtime_version" in report.models[0].unknown


# --- Caffe -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fmt,deprecated,verdict", [
    ("caffe-v0-imagenet_deploy.prototxt", "V0", True, "incompatible"),
    ("caffe-v1-imagenet_deploy.prototxt", "V1", True, "incompatible"),
    ("caffe-v2-input-googlenet_deploy.prototxt", "V2", True, "incompatible"),
    ("caffe-v2-caffenet_deploy.prototxt", "V2", False, "compatible"),
    ("caffe-v2-lenet_train_test.prototxt", "V2", False, "compatible"),
])
def test_real_caffe_prototxts(name, fmt, deprecated, verdict):
    report = check_models([str(DATA / name)], toolkit="1.3.2")
    m = report.models[0]
    assert (m.facts["layer_format"], m.facts["deprecated_input"]) == (fmt, deprecated)
    assert m.verdict == verdict, m.to_dict()
    if fmt != "V2":
        assert any(f.check == "caffe-old-layers" and "3.7" in f.source for f in m.findings)


def test_caffe_round_mode(tmp_path):
    text = ('name: "n"\nlayer {\n  name: "data"\n  type: "Input"\n  top: "data"\n'
            '  input_param { shape { dim: 1 } }\n}\n'
            'layer {\n  name: "pool1"\n  type: "Pooling"\n  # round_mode in a comment is not a field\n'
            '  pooling_param {\n    pool: MAX\n    round_mode: CEIL\n  }\n}\n')
    m = check_models([_write(tmp_path, "n.prototxt", text.encode())], toolkit="1.3.2").models[0]
    assert m.facts["round_mode"] is True and m.verdict == "incompatible"
    assert any(f.check == "caffe-round-mode" and "ceil_mode" in f.remedy for f in m.findings)


def test_caffe_binary_layers(tmp_path):
    v2 = pb_field(1, "net") + pb_field(100, pb_field(1, "conv1") + pb_field(2, "Convolution"))
    v1 = pb_field(1, "net") + pb_field(2, pb_field(4, "conv1") + pb_field(5, 4))
    v0 = pb_field(1, "net") + pb_field(2, pb_field(1, pb_field(1, "conv1")))
    got = [read_model(_write(tmp_path, f"{i}.caffemodel", d)).facts["layer_format"] for i, d in enumerate((v2, v1, v0))]
    assert got == ["V2", "V1", "V0"]


# --- TensorFlow ------------------------------------------------------------------------------------

def test_tf_explicit_paddings_on_old_converter(tmp_path):
    graph = tf_graph([("input", "Placeholder", ["dtype", "shape"]),
                      ("conv", "Conv2D", ["T", "data_format", "dilations", "explicit_paddings", "padding"])])
    path = _write(tmp_path, "frozen.pb", graph)
    old = check_models([path], toolkit="1.3.2").models[0]
    new = check_models([path], toolkit="1.7.5").models[0]
    assert old.facts["ops"] == {"Conv2D": 1, "Placeholder": 1} and old.facts["producer"] == 27
    assert old.verdict == "incompatible" and any("4.4" in (f.source or "") for f in old.findings)
    assert new.verdict == "compatible"  # TF up to 2.2.0: the rule does not apply


def test_tf_graph_without_the_attribute(tmp_path):
    path = _write(tmp_path, "frozen.pb", tf_graph([("conv", "Conv2D", ["T", "padding"])]))
    assert check_models([path], toolkit="1.3.2").models[0].verdict == "compatible"


# --- PyTorch ---------------------------------------------------------------------------------------

def _torch_zip(records: dict, top="archive") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in records.items():
            zf.writestr(f"{top}/{name}", data)
    return buf.getvalue()


def test_torchscript_archive(tmp_path):
    path = _write(tmp_path, "m.pt", _torch_zip({"data.pkl": pickle.dumps({}, 2), "constants.pkl": pickle.dumps((), 2),
                                                "code/__torch__.py": b"", "version": b"3\n"}))
    m = check_models([path], toolkit="1.7.5").models[0]
    assert (m.facts["kind"], m.facts["format_version"], m.facts["torch_release"]) == ("torchscript", 3, "1.6")
    assert m.verdict == "compatible"


def test_state_dict_zip_for_load_pytorch(tmp_path):
    sd = pickle.dumps(OrderedDict([("conv.weight", 1), ("conv.bias", 2)]), 2)
    path = _write(tmp_path, "w.pth", _torch_zip({"data.pkl": sd, "version": b"3\n"}))
    m = check_models([path], toolkit="1.7.5").models[0]
    assert m.facts["kind"] == "state_dict" and m.verdict == "incompatible"
    assert any("torch.jit.trace" in (f.remedy or "") for f in m.findings)


def test_checkpoint_zip(tmp_path):
    ck = pickle.dumps({"epoch": 3, "state_dict": {}, "optimizer": {}}, 2)
    m = read_model(_write(tmp_path, "c.pth", _torch_zip({"data.pkl": ck, "version": b"3\n"})))
    assert m.facts["kind"] == "checkpoint" and m.facts["checkpoint_keys"] == ["epoch", "optimizer", "state_dict"]


def test_torch_format_newer_than_the_toolkit(tmp_path):
    path = _write(tmp_path, "m.pt", _torch_zip({"constants.pkl": b"", "data.pkl": b"", "version": b"10\n"}))
    m = check_models([path], toolkit="1.7.5").models[0]  # PyTorch <= 1.10.0; format 10 = torch 1.12
    assert m.verdict == "incompatible" and any(f.check == "torch_format" for f in m.findings)


def test_legacy_pickle_state_dict(tmp_path):
    data = b"".join(pickle.dumps(x, 2) for x in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001},
                                                 OrderedDict([("w", 1)])))
    m = read_model(_write(tmp_path, "old.pth", data))
    assert m.facts["container"].startswith("pickle") and m.facts["kind"] == "state_dict"


def test_pickle_is_never_executed(tmp_path):
    evil = b"\x80\x02cos\nsystem\nq\x00X\x05\x00\x00\x00touch\x85R."  # os.system("touch") if unpickled
    m = read_model(_write(tmp_path, "evil.pt", evil))
    assert m.error is None or "pickle" in m.error  # read opcodes only: nothing ran


def test_zip_bomb_costs_its_cap(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/version", b"3\n")
        zf.writestr("archive/data.pkl", b"\x80\x02}q\x00." + bytes(200 << 20))  # 200 MiB of zeros inflated
    path = _write(tmp_path, "bomb.pt", buf.getvalue())
    assert Path(path).stat().st_size < 1 << 20
    m = read_model(path)
    assert m.error is None and m.facts["kind"] == "state_dict"


def test_pt_that_is_not_a_zip(tmp_path):
    m = read_model(_write(tmp_path, "m.pt", b"PK\x03\x04 broken"))
    assert m.verdict == "error" and "zip" in m.error


# --- Darknet ---------------------------------------------------------------------------------------

def test_real_darknet_cfg():
    m = check_models([str(DATA / "darknet-yolov3-tiny.cfg")], toolkit="1.3.2").models[0]
    assert m.facts["layers"] == 24 and m.facts["layer_types"]["yolo"] == 2
    assert m.facts["input"] == {"width": "416", "height": "416", "channels": "3"}
    assert m.verdict == "compatible"


def test_framework_not_supported_by_toolkit(tmp_path):
    path = _write(tmp_path, "m.pt", _torch_zip({"constants.pkl": b"", "data.pkl": b"", "version": b"2\n"}))
    m = check_models([path], toolkit="1.2.0").models[0]  # PyTorch: not supported before 1.3.0
    assert m.verdict == "incompatible" and m.findings[0].check == "framework"
