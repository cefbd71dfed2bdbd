"""Knowledge: the cited version tables in ``matrices/`` and the code that knows their shape.

May import only :mod:`rknn_compat.errors` and :mod:`rknn_compat.versions`.
``load()`` is the one way to reach the tables (``--matrices`` / ``RKNN_COMPAT_MATRICES`` honoured).
"""

from .load import ENV_VAR, load, read_toml, resolve_directory
from .model import (
    COMPONENT_LABELS,
    COMPONENTS,
    GENERATIONS,
    PRODUCTS,
    Horizon,
    LookUp,
    Matrix,
    NewerThanTables,
    Release,
    Requirement,
)

__all__ = ["COMPONENTS", "COMPONENT_LABELS", "ENV_VAR", "GENERATIONS", "PRODUCTS", "Horizon", "LookUp", "Matrix",
           "NewerThanTables", "Release", "Requirement", "load", "read_toml", "resolve_directory"]
