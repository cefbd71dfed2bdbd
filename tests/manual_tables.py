"""The manual's three tables, transcribed from TS 1.3.2 CN (rockchip-linux/rknn-toolkit v1.3.2,
doc/) independently of matrices/: the expected values
of test_matrix.py (public API) and test_cli_matrix.py (CLI JSON)."""

from pathlib import Path

REPO_MATRICES = Path(__file__).resolve().parent.parent / "matrices"

# ---------------------------------------------------------------- TS 1.3.2 CN, section 1.7.2
# | RKNN Toolkit | rknn_server | NPU 驱动 | librknn_runtime |
MANUAL_COMPONENTS = {
    "1.0.0": ("0.9.6/0.9.7", "6.3.3:203718", "0.9.8/0.9.9"),
    "1.1.0": ("0.9.8", "6.3.3:203718", "1.0.0"),
    "1.2.0": ("0.9.9", "6.4.0.213404", "1.1.0"),
    "1.2.1": ("1.2.0", "6.4.0.213404", "1.2.0"),
    "1.3.0": ("1.3.0", "6.4.0, 227915", "1.3.0"),
    "1.3.2": ("1.3.2", "6.4.0, 227915", "1.3.2"),
}

# ---------------------------------------------------------------- TS 1.3.2 CN, section 1.3.1
# | RKNN Toolkit | TensorFlow | TF Lite | Caffe | ONNX | Darknet | Pytorch | MXNet |
# ("Release version" and "官方最新提交:" labels dropped, "不支持" -> "not supported")
NS = "not supported"
TF_1 = ">=1.10.0, <=1.13.2"
TFL = "Schema version = 3"
MANUAL_FRAMEWORKS = {
    "1.0.0": (TF_1, TFL, "1.0", "1.3.0", "810d7f7", NS, NS),
    "1.1.0": (TF_1, TFL, "1.0", "1.3.0", "810d7f7", NS, NS),
    "1.2.0": (TF_1, TFL, "1.0", "1.4.1", "810d7f7", NS, NS),
    "1.2.1": (TF_1, TFL, "1.0", "1.4.1", "810d7f7", NS, NS),
    "1.3.0": (TF_1, TFL, "1.0", "1.4.1", "810d7f7", ">=1.0.0, <=1.2.0", ">=1.4.0, <=1.5.1"),
    # the PDF text shows a stray "1" under Caffe here (line-wrap artefact): read as 1.0
    "1.3.2": (TF_1, TFL, "1.0", "1.4.1", "810d7f7", ">=1.0.0, <=1.2.0", ">=1.4.0, <=1.5.1"),
}
FRAMEWORK_KEYS = ("tensorflow", "tflite", "caffe", "onnx", "darknet", "pytorch", "mxnet")

# ---------------------------------------------------------------- TS 1.3.2 CN, 1.3.1 note 4
# | ONNX release version | ONNX opset version | Supported ONNX IR version |
MANUAL_ONNX = {"1.3.0": (8, 3), "1.4.1": (9, 3)}
