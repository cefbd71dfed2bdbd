"""matrices/model_rules.toml: every row cited, validated, and overridable with --matrices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rknn_compat.errors import MatrixError
from rknn_compat.tables.load import default_directory
from rknn_compat.tables.model_rules import TABLES, model_rules
from rknn_compat.versions import parse_version


def test_shipped_rules_load_and_cite():
    rules = model_rules()
    assert all(rules.table(t) for t in TABLES)
    assert rules.model_version(6).fields["runtime_min"].matches(parse_version("1.5.2"))
    assert rules.model_version(4).fields["runtime_min"].matches(parse_version("1.5.0"))
    assert rules.model_version(5) is None  # no source: unknown, never guessed
    assert rules.group_of("rk3568").fields["socs"] == ["RK3566", "RK3568"]
    assert all(r.source for t in TABLES for r in rules.table(t))


def _copy(tmp_path) -> Path:
    out = tmp_path / "m"
    shutil.copytree(default_directory(), out)
    return out


@pytest.mark.parametrize("row,words", [
    ('[[model_version]]\nversion = 7\nruntime_min = "2.9"\nsource = "nowhere"\nsection = "x"\n', ["nowhere"]),
    ('[[model_version]]\nversion = "7"\nruntime_min = "2.9"\nsource = "ts-1.7.5"\nsection = "x"\n', ["int"]),
    ('[[model_version]]\nversion = 7\nsource = "ts-1.7.5"\nsection = "x"\n', ["missing", "runtime_min"]),
    ('[[file_rule]]\nid = "x"\nformat = "keras"\nfact = "f"\nvalues = [1]\ntext = "t"\nremedy = "r"\n'
     'source = "ts-1.7.5"\nsection = "x"\n', ["format"]),
    ('[[file_rule]]\nid = "x"\nformat = "onnx"\nfact = "f"\ntext = "t"\nremedy = "r"\n'
     'source = "ts-1.7.5"\nsection = "x"\n', ["exactly one"]),
    ('[[bogus]]\nx = 1\n', ["unknown table"]),
])
def test_bad_rows_name_file_row_and_reason(tmp_path, row, words):
    directory = _copy(tmp_path)
    with open(directory / "model_rules.toml", "a") as fh:
        fh.write("\n" + row)
    with pytest.raises(MatrixError) as err:
        model_rules(directory)
    assert "model_rules.toml" in str(err.value) and all(w in str(err.value) for w in words)


def test_directory_without_rules_has_none(tmp_path):
    directory = _copy(tmp_path)
    (directory / "model_rules.toml").unlink()
    assert model_rules(directory).table("model_version") == []
