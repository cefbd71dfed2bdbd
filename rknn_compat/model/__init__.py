"""``rknn-compat model``: will this model file load with this toolkit and on this board?

One reader per file kind (rknn, onnx, tflite, caffe, tensorflow, pytorch, darknet), each bounded
in time and memory and never executing or unpickling anything; ``judge`` compares the facts with
``matrices/`` (the toolkit's framework table and ``model_rules.toml``); ``check`` runs them.
"""

from .check import check_models, read_model
from .results import ModelFinding, ModelReport, ModelsReport

__all__ = ["ModelFinding", "ModelReport", "ModelsReport", "check_models", "read_model"]
