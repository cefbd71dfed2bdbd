"""The JSON contract of every command, pinned in one place (the README documents the same keys).

Scripts read these keys; they may be added to, never renamed or dropped. Each test runs the
command as a user would (probe and inventory against a simulated board through the real adb
server) and compares the key sets exactly, so an added key is a deliberate edit here too.
Every document also goes through its JSON Schema (rknn_compat/schemas; ``run_cli`` checks each
``--format json``/``jsonl`` run, the tests below check the schemas themselves).
"""

from __future__ import annotations

import json
import os
import re

import pytest
from helpers import assert_valid, run_cli, schema_errors

from rknn_compat.schemas import COMMANDS, SCHEMA_VERSION, schema

BOARD_KEYS = {"device", "platform", "components", "toolkit", "findings", "connection", "notes", "verdict", "error"}
DEVICE_KEYS = {"serial", "state", "transport", "model", "product", "device", "transport_id", "round_trips", "bytes",
               "seconds", "adb_server", "serialno", "boot_id", "labels", "also_seen"}
SERVER_KEYS = {"adb_server", "boards", "error"}
TOOLKIT_KEYS = {"version", "generation", "source", "matched", "matched_kind"}  # + "reason"/"remedy" without a target
# + "kind": "derived" when the target is newer than the tables (judged by its product's rule)
FACT_KEYS = {"value", "evidence", "source", "reason"}  # components say "version" for "value"
FINDING_KEYS = {"component", "status", "expected", "found", "remedy"}
CONNECTION_KEYS = {"adb_state", "rknn_server_process", "usb", "host_npu_transfer_proxy"}
SUMMARY_KEYS = {"boards", "compatible", "consistent", "incompatible", "not_ready", "unknown", "verdict", "seconds"}
RACK_KEYS = {"judged", "releases", "common", "status", "finding", "remedy"}
RELEASE_KEYS = {"toolkit", "generation", "label", "kind", "released", "components", "frameworks", "pins", "python",
                "aliases", "socs", "notes", "sources"}
REQUIREMENT_KEYS = {"accepts", "printed", "minimum", "recommended", "stated", "published", "library", "aliases",
                    "commits"}
CITE_KEYS = {"id", "document", "edition", "section", "location"}
USB_KEYS = {"status", "reason", "remedy", "rule_installed", "devices", "rules", "rule_files", "problems", "notes"}


def _check_board(board: dict, top: bool = False) -> None:
    """A board object; ``top``: a document of its own (probe, a jsonl line), which carries schema_version."""
    assert set(board) == BOARD_KEYS | ({"schema_version"} if top else set())
    assert (board.get("schema_version") == SCHEMA_VERSION) is top
    assert set(board["device"]) <= DEVICE_KEYS and {"serial", "state", "transport"} <= set(board["device"])
    assert set(board["toolkit"]) >= {"version", "generation", "source"}
    assert set(board["toolkit"]) <= TOOLKIT_KEYS | {"reason", "remedy", "kind"}
    for fact in board["platform"].values():
        assert FACT_KEYS <= set(fact)
    for fact in board["components"].values():
        assert (FACT_KEYS - {"value"}) | {"version"} <= set(fact)
    for finding in board["findings"]:
        assert set(finding) == FINDING_KEYS
    assert set(board["connection"]) <= CONNECTION_KEYS


def _assert_not_vacuous(command: str, doc: dict, part: str | None = None) -> None:
    """The schema holds: the document passes, and fails with any top-level key dropped, a made-up verdict or
    status, or another schema_version; an added key still passes. ``part``: the shape of an anyOf schema."""
    assert_valid(command, doc, part)
    for key in doc:
        assert schema_errors(command, {k: v for k, v in doc.items() if k != key}, part), f"{command} without {key}"
    assert schema_errors(command, {**doc, "schema_version": "0"}, part)
    assert schema_errors(command, {**doc, "schema_version": 1}, part)
    for key in ("verdict", "status"):
        if key in doc:
            assert schema_errors(command, {**doc, key: "fine"}, part), f"{command}: {key} 'fine'"
    assert_valid(command, {**doc, "added_later": {"any": "thing"}}, part)


@pytest.fixture(scope="module")
def board_env(adb_server):
    return {**os.environ, **adb_server.env}


def test_probe_json(boards, board_env):
    """probe --format json: one board report."""
    board = boards("rk1808-linux-1.3.2")[0]
    res = run_cli("probe", "--device", board.serial, "--toolkit", "1.3.2", "--format", "json", env=board_env)
    assert res.returncode == 0, res.stderr
    report = res.json
    _check_board(report, top=True)
    _assert_not_vacuous("probe", report)
    broken = json.loads(res.stdout)
    del broken["components"]["npu_driver"]["version"]
    assert any("'version' is a required property" in e for e in schema_errors("probe", broken))
    broken = json.loads(res.stdout)
    broken["findings"][0]["status"] = "fine"
    broken["platform"]["os"].pop("kernel")
    assert len(schema_errors("probe", broken)) == 2
    added = json.loads(res.stdout)
    added["components"]["npu_driver"]["added_later"] = 1
    added["device"]["added_later"] = [1]
    assert_valid("probe", added)
    assert set(report["components"]) == {"npu_driver", "rknn_server", "librknn_runtime"}
    assert set(report["platform"]) >= {"soc", "os"}
    assert set(report["toolkit"]) == TOOLKIT_KEYS


def test_inventory_json(boards, board_env):
    """inventory --format json: every board report, a summary and the target."""
    board = boards("rk1808-linux-1.1.0")[0]
    res = run_cli("inventory", "--device", board.serial, "--toolkit", "1.3.2", "--format", "json", env=board_env)
    assert res.returncode == 1, res.stderr
    inv = res.json
    assert set(inv) == {"schema_version", "boards", "summary", "toolkit", "rack", "servers"}
    assert [set(s) for s in inv["servers"]] == [SERVER_KEYS]
    assert set(inv["summary"]) == SUMMARY_KEYS
    assert set(inv["rack"]) == RACK_KEYS
    assert set(inv["toolkit"]) == {"version", "generation", "source"}
    for board_report in inv["boards"]:
        _check_board(board_report)
    _assert_not_vacuous("inventory", inv, "#/$defs/document")
    broken = json.loads(res.stdout)
    del broken["boards"][0]["connection"]
    assert schema_errors("inventory", broken)
    lines = run_cli("inventory", "--device", board.serial, "--toolkit", "1.3.2", "--format", "jsonl",
                    env=board_env).stdout.splitlines()
    assert len(lines) == 1
    _check_board(json.loads(lines[0]), top=True)  # each line a document of its own
    _assert_not_vacuous("inventory", json.loads(lines[0]), "probe.schema.json")


def test_every_board_has_the_same_keys_whatever_its_state(boards, board_env, adb_server):
    """Issue 10: an unauthorized, offline or unreachable board carries platform and components (null, with
    reasons), platform.os.kernel and connection.usb like a board that was read."""
    ok = boards("rk1808-linux-1.3.2")[0]
    (unauth,) = boards("rk1808-unauthorized", connect=False)
    assert "authenticate" in adb_server.connect(unauth.address)
    assert adb_server.wait_state(unauth.serial, "unauthorized", 10)
    res = run_cli("inventory", "-d", ok.serial, "-d", unauth.serial, "-d", "no-such-board", "--toolkit", "1.3.2",
                  "--timeout", "3", "--format", "json", env=board_env)
    reports = res.json["boards"]
    assert [b["verdict"] for b in reports] == ["compatible", "unknown", "unknown"]
    for board in reports:
        _check_board(board)
        assert set(board["platform"]) >= {"soc", "os"} and "kernel" in board["platform"]["os"]
        assert set(board["components"]) == {"npu_driver", "rknn_server", "librknn_runtime"}
        assert set(board["connection"]) == CONNECTION_KEYS
    for board in reports[1:]:
        assert all(f["version"] is None and f["reason"] for f in board["components"].values())
        assert board["platform"]["soc"]["value"] is None and board["platform"]["soc"]["reason"]
    adb_server.disconnect(unauth.address)


def test_matrix_json():
    """matrix --format json: releases; a reverse look-up adds query and toolkits."""
    res = run_cli("matrix", "--toolkit", "1.3.2", "--format", "json")
    assert res.returncode == 0, res.stderr
    (release,) = res.json["releases"]
    assert set(release) == RELEASE_KEYS
    _assert_not_vacuous("matrix", res.json, "#/$defs/releases_document")
    broken = res.json
    broken["releases"][0]["components"]["npu_driver"]["stated"] = "yes"
    assert schema_errors("matrix", broken)
    assert set(release["components"]) == {"rknn_server", "npu_driver", "librknn_runtime"}
    for req in release["components"].values():
        assert set(req) == REQUIREMENT_KEYS
    for cite in release["sources"].values():
        assert set(cite) == CITE_KEYS
    look = run_cli("matrix", "--driver", "6.4.0, 227915", "--format", "json")
    assert look.returncode == 0 and set(look.json) == {"schema_version", "query", "toolkits", "releases",
                                                       "board_releases", "notes"}
    assert set(look.json["query"]) == {"component", "version", "product"}
    newer = run_cli("matrix", "--toolkit2", "9.9.9", "--format", "json")
    assert newer.returncode == 3 and set(newer.json) == {"schema_version", "newer_than_tables", "releases"}
    assert set(newer.json["newer_than_tables"]) == {"product", "version", "known_up_to", "dated", "checked",
                                                    "checked_against"}
    _assert_not_vacuous("matrix", look.json, "#/$defs/lookup_document")
    _assert_not_vacuous("matrix", newer.json, "#/$defs/newer_document")
    firmware = run_cli("matrix", "--platform", "rk3399pro", "--format", "json").json
    rules = run_cli("matrix", "--platform", "rv1106", "--format", "json").json
    assert firmware["firmware"] and rules["rules"]
    for soc in (firmware, rules):
        assert soc["schema_version"] == SCHEMA_VERSION
        _assert_not_vacuous("matrix", soc, "#/$defs/platform_document")
    lines = run_cli("matrix", "--format", "jsonl").stdout.splitlines()
    assert len(lines) > 10 and all(json.loads(ln)["schema_version"] == SCHEMA_VERSION for ln in lines)
    wheel = run_cli("matrix", "--toolkit2", "2.5.0", "--format", "json").json["releases"][0]["sources"]["binaries"]
    assert set(wheel) == CITE_KEYS | {"file", "sha256"}


def test_usb_json():
    """usb --format json: the access report (its exit code follows its status)."""
    res = run_cli("usb", "--format", "json")
    assert set(res.json) == USB_KEYS | {"schema_version"}
    _assert_not_vacuous("usb", res.json)
    assert res.returncode in (0, 1, 3)


DOCTOR_KEYS = {"schema_version", "format", "rknn_compat", "areas", "summary"}
DOCTOR_AREA_KEYS = {"id", "title", "status", "summary", "checks"}
DOCTOR_CHECK_KEYS = {"id", "status", "title", "found", "expected", "remedy", "evidence", "source"}  # + "details"
DOCTOR_SUMMARY_KEYS = {"status", "exit_code", "areas", "ok", "warning", "problem", "unknown", "crashed", "seconds"}


def test_doctor_json(boards, board_env):
    board = boards("rk1808-linux-1.3.2")[0]
    r = run_cli("doctor", "--device", board.serial, "--toolkit", "1.3.2", "--format", "json", env=board_env)
    d = r.json
    assert set(d) == DOCTOR_KEYS and set(d["summary"]) == DOCTOR_SUMMARY_KEYS
    assert [a["id"] for a in d["areas"]] == ["host", "toolkit", "adb", "usb", "boards"]
    for area in d["areas"]:
        assert set(area) == DOCTOR_AREA_KEYS
        for check in area["checks"]:
            assert set(check) - {"details"} == DOCTOR_CHECK_KEYS
    board_check = next(a for a in d["areas"] if a["id"] == "boards")["checks"][0]
    _check_board(board_check["details"])  # a board's details are its probe JSON
    _assert_not_vacuous("doctor", d)
    broken = json.loads(r.stdout)
    board_area = next(a for a in broken["areas"] if a["id"] == "boards")
    del board_area["checks"][0]["details"]["verdict"]  # the board's details are held to probe's schema
    assert any("verdict" in e for e in schema_errors("doctor", broken))
    assert r.returncode == d["summary"]["exit_code"]


MODELS_KEYS = {"schema_version", "models", "target", "device", "verdict"}
MODEL_KEYS = {"path", "format", "size", "facts", "unknown_facts", "findings", "notes", "verdict", "error",
              "bytes_read", "seconds"}
MODEL_FINDING_KEYS = {"check", "status", "expected", "found", "remedy", "source"}
MODEL_TARGET_KEYS = {"toolkit", "generation", "source", "reason"}
MODEL_DEVICE_KEYS = {"serial", "soc", "generation", "runtime", "runtime_library", "rknn_server",
                     "rknn_server_installed", "unknown_facts", "error"}
RKNN_FACT_KEYS = {"product", "toolkit_version", "target_platform", "container_version", "model_version",
                  "precompiled"}


def test_model_json(boards, board_env, tmp_path):
    from model_files import toolkit1_rknn

    board = boards("rk1808-linux-1.3.2")[0]
    path = tmp_path / "m.rknn"
    path.write_bytes(toolkit1_rknn(toolkit="1.3.2"))
    r = run_cli("model", str(path), "--toolkit", "1.3.2", "--device", board.serial, "--format", "json",
                env=board_env)
    d = r.json
    assert set(d) == MODELS_KEYS and set(d["target"]) == MODEL_TARGET_KEYS and set(d["device"]) == MODEL_DEVICE_KEYS
    model = d["models"][0]
    assert set(model) == MODEL_KEYS and RKNN_FACT_KEYS <= set(model["facts"])
    assert model["findings"] and all(set(f) == MODEL_FINDING_KEYS for f in model["findings"])
    assert (d["verdict"], r.returncode) == ("compatible", 0)
    _assert_not_vacuous("model", d)


EXPLAIN_KEYS = {"schema_version", "inputs", "facts", "diagnoses", "unexplained", "unexplained_count", "toolkit",
                "board", "notes", "verdict", "reason", "seconds"}
EXPLAIN_FACT_KEYS = {"component", "kind", "version", "value", "source", "line", "evidence", "how"}  # + details
DIAGNOSIS_KEYS = {"id", "kind", "title", "what", "cause", "remedy", "lines", "source", "facts", "applies_to",
                  "judgement", "inference"}  # + "fixed_in", "quote" where the source has them
LOG_LINE_KEYS = {"source", "line", "text"}
INPUT_KEYS = {"name", "bytes", "lines", "kept_lines", "dropped_lines", "encoding"}


def test_explain_json():
    """explain --format json on a real log (rockchip-linux/rknn-toolkit#511, tests/data/logs)."""
    from pathlib import Path

    log = Path(__file__).parent / "data" / "logs" / "rockchip-linux-rknn-toolkit-511-two-runs-api-drv.log"
    r = run_cli("explain", str(log), "--format", "json")
    d = r.json
    assert set(d) == EXPLAIN_KEYS and r.returncode == 1 and d["verdict"] == "problem_found"
    assert d["inputs"] and all(set(i) == INPUT_KEYS for i in d["inputs"])
    assert d["facts"] and all(EXPLAIN_FACT_KEYS <= set(f) for f in d["facts"])
    assert d["diagnoses"] and all(DIAGNOSIS_KEYS <= set(x) <= DIAGNOSIS_KEYS | {"fixed_in", "quote"}
                                  for x in d["diagnoses"])
    assert all(set(ln) == LOG_LINE_KEYS for x in d["diagnoses"] for ln in x["lines"])
    assert all(CITE_KEYS - {"document", "edition", "location"} <= set(x["source"]) for x in d["diagnoses"])
    _assert_not_vacuous("explain", d)
    broken = json.loads(r.stdout)
    broken["diagnoses"][0]["lines"][0]["line"] = "12"
    assert schema_errors("explain", broken)


def test_every_schema_is_a_valid_draft_2020_12_schema_of_this_version():
    """Each file is a valid schema; every document branch pins schema_version to SCHEMA_VERSION."""
    from jsonschema import Draft202012Validator

    from rknn_compat.schemas import HERE

    assert sorted(p.name for p in HERE.glob("*.schema.json")) == sorted(f"{c}.schema.json" for c in COMMANDS)
    for command in COMMANDS:
        bundled = schema(command)
        Draft202012Validator.check_schema(bundled)
        assert bundled["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        consts = {m for m in re.findall(r'"schema_version": \{"(?:const|\$ref)": "([^"]*)"',
                                        (HERE / f"{command}.schema.json").read_text())}
        assert consts and consts <= {SCHEMA_VERSION, "#/$defs/version"}, (command, consts)


def test_schema_command_prints_and_lists():
    """`rknn-compat schema` lists the commands; `schema probe` prints the bundled schema; an unknown one exits 2."""
    listing = run_cli("schema")
    assert listing.returncode == 0 and [ln.split()[0] for ln in listing.stdout.splitlines()] == list(COMMANDS)
    printed = run_cli("schema", "inventory")
    assert printed.returncode == 0 and printed.json == schema("inventory")
    assert "probe.schema.json" in printed.json["$defs"]  # what it refers to is embedded: it stands alone
    bad = run_cli("schema", "simulate")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "no JSON schema for 'simulate'" in bad.stderr


def test_the_suite_holds_every_json_run_to_its_schema(_json_checked, monkeypatch, capsys):
    """The checks are not vacuous: run_cli's check refuses a broken document, a jsonl line without
    schema_version and a matrix look-up passed off as plain releases; and an in-process `main()` whose
    JSON breaks the schema is caught by conftest's hook."""
    from helpers import check_json

    import rknn_compat.output.matrix as view
    from rknn_compat.cli import main

    good = run_cli("matrix", "--toolkit", "1.3.2", "--format", "json")
    assert check_json(good.args, good.stdout, good.returncode) == 1
    with pytest.raises(AssertionError, match="schema_version"):
        check_json(["matrix", "--format", "json"], json.dumps({"releases": []}), 0)
    lines = run_cli("matrix", "--format", "jsonl").stdout.splitlines()
    with pytest.raises(AssertionError, match="schema_version"):
        check_json(["matrix", "-f", "jsonl"], "\n".join(lines + [json.dumps({"toolkit": "1.3.2"})]), 0)
    look = run_cli("matrix", "--driver", "6.4.0.227915", "--format", "json").json
    del look["query"]  # would pass as a plain releases document: the run's arguments say which shape it is
    with pytest.raises(AssertionError, match="query"):
        check_json(["matrix", "--driver=6.4.0.227915", "--format=json"], json.dumps(look), 0)
    assert check_json(["matrix", "--format", "table"], "not json", 0) == 0

    monkeypatch.setattr(view, "versioned", lambda data: data)  # a document without its schema_version
    assert main(["matrix", "--toolkit", "1.3.2", "--format", "json"]) == 0
    capsys.readouterr()
    assert len(_json_checked) == 1 and "schema_version" in _json_checked[0]
    _json_checked.clear()
