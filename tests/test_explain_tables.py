"""The tables explain reads: error signatures, error codes.

They load from matrices/ (or --matrices) and refuse a malformed row with file, row and reason:
a pattern that could be slow (unbounded or nested repetition), a pattern no real example line
matches, an example no pattern matches, an unknown source, product or field.
"""

from __future__ import annotations

import shutil

import pytest

from rknn_compat.cli import main
from rknn_compat.errors import MatrixError
from rknn_compat.explain import explain
from rknn_compat.tables import load
from rknn_compat.tables.error_codes import error_codes
from rknn_compat.tables.error_signatures import signatures

REPO_MATRICES = load().directory

ROW = '''
[[signature]]
id = "x-test"
title = "t"
keywords = ["boom failed"]
patterns = ['{pattern}']
examples = ["E boom failed: 12"]
products = ["rknn-toolkit2"]
what = "w"
cause = "c"
remedy = "r"
source = "ts-1.3.2-cn"
section = "1.1"
{extra}
'''


@pytest.fixture
def matrices(tmp_path):
    target = tmp_path / "m"
    shutil.copytree(REPO_MATRICES, target)
    return target


def _with_row(matrices, pattern=r"boom failed: (?P<n>\d{1,3})", extra=""):
    path = matrices / "error_signatures.toml"
    path.write_text(path.read_text(encoding="utf-8") + ROW.format(pattern=pattern, extra=extra), encoding="utf-8")
    return matrices


def test_shipped_tables_load():
    sigs = signatures()
    assert len(sigs) >= 50 and len({s.id for s in sigs}) == len(sigs)
    codes = error_codes()
    assert codes.rknn_code(-6).name == "RKNN_ERR_MODEL_INVALID"
    assert codes.named("ERROR_PIPE").code == -9 and codes.named("ERROR_PIPE").kind == "transfer_error"
    assert codes.rknn_code(-14).generations == ("rknpu1",)


def test_a_good_extra_row_is_used(matrices, tmp_path):
    _with_row(matrices)
    log = tmp_path / "x.log"
    log.write_text("E boom failed: 12\n", encoding="utf-8")
    report = explain([log], matrices=matrices)
    assert [(d.id, d.facts) for d in report.diagnoses] == [("x-test", {"n": ["12"]})]


@pytest.mark.parametrize("pattern, extra, reason", [
    (r"boom failed: .*", "", "unbounded repetition"),
    (r"boom failed: (?:\d{1,40}){1,40}", "", "repetitions inside one another"),
    (r"boom failed: (", "", "does not compile"),
    (r"boom failed: x", "", "no pattern matches the example"),
    (r"boom failed: (?P<n>\d{1,3})", 'fixed_in = "1.2.0"', "fixed_in and fixed_in_product go together"),
    (r"boom failed: (?P<n>\d{1,3})", 'colour = "red"', "unknown field(s) colour"),
    (r"boom failed: (?P<n>\d{1,3})", 'threads = ["http://example.com/1"]', "threads must be https://github.com/"),
    (r"boom failed: (?P<n>\d{1,3})", "inference = 1", "must be true or false"),
])
def test_malformed_row_names_file_row_and_reason(matrices, pattern, extra, reason):
    _with_row(matrices, pattern, extra)
    with pytest.raises(MatrixError) as err:
        signatures(matrices)
    assert "error_signatures.toml: signature" in str(err.value) and "(x-test)" in str(err.value)
    assert reason in str(err.value)


def test_unknown_source_and_product(matrices):
    path = _with_row(matrices) / "error_signatures.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('source = "ts-1.3.2-cn"\nsection = "1.1"',
                                                            'source = "nowhere"\nsection = "1.1"'), encoding="utf-8")
    with pytest.raises(MatrixError, match="source 'nowhere' is not defined in sources.toml"):
        signatures(matrices)


def test_upper_case_keyword_and_duplicate_id(matrices):
    path = matrices / "error_signatures.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + ROW.format(pattern=r"boom failed", extra="").replace('["boom failed"]', '["Boom"]'),
                    encoding="utf-8")
    with pytest.raises(MatrixError, match="lower-case literals"):
        signatures(matrices)
    path.write_text(text + ROW.format(pattern=r"boom failed", extra="") * 2, encoding="utf-8")
    with pytest.raises(MatrixError, match="id must be unique"):
        signatures(matrices)


def test_error_codes_validated(matrices):
    codes = matrices / "error_codes.toml"
    codes.write_text(codes.read_text(encoding="utf-8").replace('code = -3\nname = "RKNN_ERR_DEVICE_UNAVAILABLE"',
                                                              'code = -2\nname = "RKNN_ERR_DEVICE_UNAVAILABLE"'),
                     encoding="utf-8")
    with pytest.raises(MatrixError, match=r"error_codes.toml: rknn_error 4: .*unique"):
        error_codes(matrices)


def test_a_directory_without_the_tables_has_no_signatures(matrices, tmp_path):
    for name in ("error_signatures.toml", "error_codes.toml"):
        (matrices / name).unlink()
    assert signatures(matrices) == []
    log = tmp_path / "x.log"
    log.write_text("W rknn-toolkit version: 1.7.5\nE RKNNAPI: rknn_init,  driver open fail!  ret = -9(ERROR_PIPE)!\n",
                   encoding="utf-8")
    report = explain([log], matrices=matrices)
    assert report.diagnoses == [] and report.exit_code == 3  # an error line, and nothing to explain it


def test_malformed_table_through_the_cli_is_one_line(matrices, tmp_path, capsys):
    _with_row(matrices, r"boom failed: .*")
    log = tmp_path / "x.log"
    log.write_text("E boom failed: 1\n", encoding="utf-8")
    assert main(["explain", str(log), "--matrices", str(matrices)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rknn-compat: error: ") and err.count("\n") == 1 and "unbounded repetition" in err
