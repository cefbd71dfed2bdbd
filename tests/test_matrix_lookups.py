"""Reverse look-ups on every version spelling a Rockchip document, binary or user paste prints.

The spellings, the component they are looked up as and the answer each must give are in
tests/data/lookup/spellings.tsv (origins in SOURCES.md beside it). The answers were written
from the sources, not from a run: a toolkit row whose component cell admits the version, within
the product the spelling belongs to (a commit of a shipped binary, ``build@``/``hash@date``
= RKNPU2, ``base: N`` / galcore = RKNPU1), and the board releases no toolkit release lists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from manual_tables import REPO_MATRICES

from rknn_compat import cli, lookup
from rknn_compat.errors import UsageError
from rknn_compat.tables import load

DATA = Path(__file__).resolve().parent / "data" / "lookup" / "spellings.tsv"


def _spellings():
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        comp, query, toolkits, boards, origin = line.split("\t")
        rows.append((comp, query, [t for t in toolkits.split(",") if t], [b for b in boards.split(",") if b], origin))
    return rows


SPELLINGS = _spellings()


@pytest.fixture(scope="module")
def m():
    return load(REPO_MATRICES)


def test_the_spellings_file_is_not_empty_and_every_origin_is_named():
    assert len(SPELLINGS) > 90
    sources = (DATA.parent / "SOURCES.md").read_text(encoding="utf-8")
    for *_, origin in SPELLINGS:
        assert not origin or f"`{origin}`" in sources, origin


@pytest.mark.parametrize("comp,query,toolkits,boards,origin", SPELLINGS,
                         ids=[f"{s[0]}:{s[1][:60]}" for s in SPELLINGS])
def test_reverse_look_up_of_a_real_spelling(m, comp, query, toolkits, boards, origin):
    result = lookup.look_up(m, comp, query)
    assert [r.label for r in result.releases] == toolkits
    assert [r.label for r in result.board_releases] == boards
    assert result.exit_code == (0 if toolkits else 1)


_RKNPU2 = re.compile(r"build@|[0-9a-f]{6,}@\d{4}-|librknnm?rt|rknnrt:|rknn_server:|rknn_server version|rknpu|"
                     r"RKNN Driver", re.I)
_RKNPU1 = re.compile(r"base:|galcore|\$VERSION\$|librknn_runtime version|^(?:E )?RKNNAPI: +DRV: \d", re.I)


ONE_PRODUCT = [(s[0], s[1]) for s in SPELLINGS if _RKNPU2.search(s[1]) or _RKNPU1.search(s[1])]


@pytest.mark.parametrize("comp,query", ONE_PRODUCT)
def test_a_spelling_one_product_prints_never_answers_with_the_other(m, comp, query):
    result = lookup.look_up(m, comp, query)
    want = "rknpu2" if _RKNPU2.search(query) else "rknpu1"
    assert result.product == want
    assert all(r.generation == want for r in result.releases + result.board_releases)


def test_a_bare_version_both_products_shipped_answers_with_both(m):
    result = lookup.look_up(m, "rknn_server", "1.5.0")
    assert result.product is None
    assert [r.label for r in result.releases] == ["toolkit2-1.5.0"]
    assert [r.label for r in result.board_releases] == ["rknpu-1.5.0"]


def test_the_commit_of_a_shipped_binary_decides_the_product(m):
    result = lookup.look_up(m, "rknn_server", "1.3.0 (121b661 build: 2022-04-29 11:12:02)")
    assert result.product == "rknpu2"
    assert any("121b661" in n and "toolkit2-1.3.0" in n for n in result.notes)
    one = lookup.look_up(m, "rknn_server", "1.3.0 (c4f8c23 build: 2019-11-25 10:39:29)")
    assert [r.label for r in one.releases] == ["1.3.0"]


@pytest.mark.parametrize("typo,row", [("6.3.3.3718", "1.0.0"), ("6.3.3.03718", "1.1.0"), ("6.4.0.7915", "1.3.2"),
                                      ("6.4.0.27915", "1.4.0")])
def test_the_four_ts_1_6_driver_typos_are_aliases_of_their_rows(m, typo, row):
    result = lookup.look_up(m, "npu_driver", typo)
    assert row in [r.label for r in result.releases]
    assert any(typo in n and row in n and "ts-1.6.0" in n for n in result.notes)
    reading = m.release(row).components["npu_driver"].accepts
    assert [r.label for r in result.releases] == [r.label for r in m.toolkits_for("npu_driver", str(reading))]


def test_the_en_commit_spelling_is_not_a_build_number(m):
    result = lookup.look_up(m, "npu_driver", "6.3.3.2, 22133405")
    assert [r.label for r in result.releases] == ["1.0.0", "1.1.0"]
    assert "ts-en-1.2.1-1.4.0" in result.notes[0]


def test_minimum_only_requirements_take_part(m):
    labels = [r.label for r in lookup.look_up(m, "npu_driver", "0.9.8").releases]
    assert labels and all(label.startswith("toolkit2-") for label in labels)
    assert "toolkit2-1.5.2" not in labels  # no document states a driver for 1.0.0-1.5.2


@pytest.mark.parametrize("comp,text,words", [
    ("rknn_server", "", ["empty"]),
    ("rknn_server", "   ", ["empty"]),
    ("npu_driver", "6.4.0.227915 030570c6", ["not a version"]),
    ("npu_driver", "DRV: 1.3.2 (7576518 build: 2020-04-03 10:04:44)", ["--rknn-server"]),
    ("librknn_runtime", "abc", ["not a version", "abc"]),
    ("rknn_server", "1" * 70000, ["limit"]),
])
def test_what_is_not_a_version_is_a_usage_error(m, comp, text, words):
    with pytest.raises(UsageError) as info:
        lookup.look_up(m, comp, text)
    msg = str(info.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg


# ------------------------------------------------------------------ through the CLI (in process)


def _run(capsys, *args):
    code = cli.main(["matrix", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_takes_the_line_strings_prints(capsys):
    code, out, err = _run(capsys, "--rknn-server", "rknn_server version: 2.3.0 (e80ac5c build@2024-11-07T12:52:53)",
                          "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["toolkits"] == ["toolkit2-2.3.0"]
    assert data["query"] == {"component": "rknn_server", "version": "2.3.0", "product": "rknpu2"}
    assert set(data) == {"schema_version", "query", "toolkits", "releases", "board_releases", "notes"}


def test_cli_board_release_without_toolkit_says_what_it_is(capsys):
    code, out, err = _run(capsys, "--rknn-server", "1.5.0 (c719b66 build: 2020-09-16 09:25:26)")
    assert code == 1
    assert err.startswith("rknn-compat: error: ") and err.count("\n") == 1
    assert "rknpu-1.5.0" in err and "no toolkit release" in err and "1.4.0, 1.6.0" in err
    assert "Board releases" in out and "RK1808" in out


def test_cli_unmet_recommendation_is_named_as_advice(capsys):
    code, out, err = _run(capsys, "--driver", "0.8.8")
    assert code == 1 and out == ""
    assert ">=0.9.2" in err and "advice" in err


def test_cli_text_view_says_how_the_query_was_read(capsys):
    code, out, _ = _run(capsys, "--driver", "6.4.0.7915")
    assert code == 0
    assert out.startswith("read: '6.4.0.7915' is another edition's spelling of 1.3.2's npu_driver")
