"""`rknn-compat exporter`: background probing, the text exposition, and a real Prometheus scraping it.

The end-to-end test starts Debian's `prometheus` (installed by scripts/install-system-deps) on a
loopback port with the example rules of examples/prometheus, points it at an exporter in front
of simulated boards, and reads the series and the alerts back through its HTTP API.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rknn_compat import cli
from rknn_compat.errors import DeviceError
from rknn_compat.lab.exporter import Exporter, exposition, make_server, parse_listen
from rknn_compat.results import VERDICTS, BoardReport, DeviceInfo, Fact, InventoryReport
from rknn_compat.sim.net import free_port

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "prometheus"
FAMILIES = {"rknn_compat_board_info", "rknn_compat_board_verdict", "rknn_compat_board_up",
            "rknn_compat_board_probe_duration_seconds", "rknn_compat_board_last_success_timestamp_seconds",
            "rknn_compat_exporter_rounds", "rknn_compat_exporter_failed_rounds", "rknn_compat_exporter_probes",
            "rknn_compat_exporter_round_duration_seconds", "rknn_compat_exporter_boards",
            "rknn_compat_exporter_adb_server_up"}


def _board(serial: str, verdict: str, error: str | None = None, labels: dict | None = None) -> BoardReport:
    return BoardReport(device=DeviceInfo(serial, "device", "adb", seconds=0.25, adb_server="10.0.0.2:5037",
                                         serialno="SN1", labels=labels),
                       platform={"soc": Fact("RK1808"), "os": Fact("linux")},
                       components={"npu_driver": Fact("6.4.0.227915"), "rknn_server": Fact(None, reason="x"),
                                   "librknn_runtime": Fact("1.3.2")},
                       verdict=verdict, error=error)


def _families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_exposition_families_values_and_help_lines():
    inv = InventoryReport([_board("S1", "compatible"), _board("S2", "unknown", error="board S2 is offline")],
                          servers=[{"adb_server": "10.0.0.2:5037", "boards": 2, "error": None}])
    exp = Exporter(lambda: inv, 60)
    exp.run_round()
    text = exposition(exp)
    fams = _families(text)
    assert set(fams) == FAMILIES
    for name in FAMILIES:
        assert f"# HELP {name}" in text and f"# TYPE {name}" in text
    info = {s.labels["serial"]: s.labels for s in fams["rknn_compat_board_info"].samples}
    assert info["S1"] == {"adb_server": "10.0.0.2:5037", "serial": "S1", "serialno": "SN1", "soc": "RK1808",
                          "os": "linux", "npu_driver": "6.4.0.227915", "rknn_server": "",
                          "librknn_runtime": "1.3.2"}
    verdicts = {(s.labels["serial"], s.labels["verdict"]): s.value for s in fams["rknn_compat_board_verdict"].samples}
    assert verdicts == {(serial, v): float((serial, v) in (("S1", "compatible"), ("S2", "unknown")))
                        for serial in ("S1", "S2") for v in VERDICTS}
    assert set(VERDICTS) == {"compatible", "consistent", "incompatible", "not_ready", "unknown"}
    up = {s.labels["serial"]: s.value for s in fams["rknn_compat_board_up"].samples}
    assert up == {"S1": 1, "S2": 0}
    assert [s.labels["serial"] for s in fams["rknn_compat_board_last_success_timestamp_seconds"].samples] == ["S1"]
    probes = {s.labels["result"]: s.value for s in fams["rknn_compat_exporter_probes"].samples}
    assert probes == {"ok": 1, "error": 1}
    assert fams["rknn_compat_exporter_boards"].samples[0].value == 2


def test_label_values_are_escaped():
    odd = 'a "quoted" back\\slash\nnew line'
    inv = InventoryReport([_board('S"1\\', "compatible", labels={"owner": odd})])
    exp = Exporter(lambda: inv, 60)
    exp.run_round()
    text = exposition(exp)
    assert r'owner="a \"quoted\" back\\slash\nnew line"' in text
    sample = _families(text)["rknn_compat_board_info"].samples[0]
    assert sample.labels["owner"] == odd and sample.labels["serial"] == 'S"1\\'


def test_last_success_survives_a_failed_round_and_failed_rounds_count():
    rounds = [InventoryReport([_board("S1", "compatible")]), InventoryReport([_board("S1", "unknown", "down")])]

    def probe_round():
        if not rounds:
            raise DeviceError("adb server 10.0.0.2:5037: cannot reach the adb server")
        return rounds.pop(0)

    exp = Exporter(probe_round, 60)
    for _ in range(3):
        exp.run_round()
    fams = _families(exposition(exp))
    assert fams["rknn_compat_board_last_success_timestamp_seconds"].samples[0].value > time.time() - 60
    assert fams["rknn_compat_board_up"].samples[0].value == 0
    assert fams["rknn_compat_exporter_rounds"].samples[0].value == 3
    assert fams["rknn_compat_exporter_failed_rounds"].samples[0].value == 1
    assert exp.last_error and "cannot reach" in exp.last_error


def test_a_scrape_never_waits_for_a_probe():
    release, calls = threading.Event(), []

    def slow_round():
        calls.append(time.monotonic())
        release.wait(10)
        return InventoryReport([_board("S1", "compatible")])

    exp = Exporter(slow_round, 0.05)
    server = make_server(exp, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    exp.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
        started = time.monotonic()
        for _ in range(5):
            body = urllib.request.urlopen(url, timeout=5).read().decode()
        assert time.monotonic() - started < 2
        assert "rknn_compat_exporter_rounds_total 0.0" in body  # the first round is still running
        assert len(calls) == 1  # scrapes started no probe
        release.set()
        deadline = time.monotonic() + 5
        while "rknn_compat_board_info{" not in body and time.monotonic() < deadline:
            time.sleep(0.05)
            body = urllib.request.urlopen(url, timeout=5).read().decode()
        assert 'serial="S1"' in body
    finally:
        release.set()
        exp.stop()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("text, want", [("127.0.0.1:9858", ("127.0.0.1", 9858)), ("[::1]:0", ("::1", 0)),
                                        ("0.0.0.0:80", ("0.0.0.0", 80))])
def test_listen_addresses(text, want):
    assert parse_listen(text) == want


@pytest.mark.parametrize("args", [["--listen", "nohost"], ["--listen", "127.0.0.1:99999"], ["--interval", "0"]])
def test_bad_exporter_options_are_one_line(args, capsys):
    code = cli.main(["exporter", "-t", "1.3.2", *args])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("rknn-compat: error: ") and err.count("\n") == 1


def test_once_prints_the_metrics_of_one_round(boards, adb_server, capsys, monkeypatch):
    ok, old = boards("rk1808-linux-1.3.2", "rk1808-linux-1.1.0")
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))
    code = cli.main(["exporter", "--once", "-t", "1.3.2", "-d", ok.serial, "-d", old.serial, "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 1, err  # the 1.1.0 board is incompatible
    verdicts = {(s.labels["serial"], s.labels["verdict"]): s.value
                for s in _families(out)["rknn_compat_board_verdict"].samples}
    assert verdicts[(old.serial, "incompatible")] == 1
    for serial in (ok.serial, old.serial):  # one verdict each, of every verdict rknn-compat has
        assert sorted(v for (s, _), v in verdicts.items() if s == serial) == [0, 0, 0, 0, 1]
    # compatible, unless a test beside this one runs an npu_transfer_proxy on this host (not_ready)
    assert verdicts[(ok.serial, "compatible")] + verdicts[(ok.serial, "not_ready")] == 1


def test_the_command_serves_until_sigterm(boards, adb_server):
    (ok,) = boards("rk1808-linux-1.3.2")
    proc = subprocess.Popen([sys.executable, "-m", "rknn_compat", "exporter", "--listen", "127.0.0.1:0",
                             "--interval", "0.5", "-t", "1.3.2", "-d", ok.serial], env=adb_server.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert line.startswith("rknn-compat exporter: serving http://127.0.0.1:"), line
        url = line.split()[3].rstrip(",")
        deadline, body = time.monotonic() + 20, ""
        while f'serial="{ok.serial}"' not in body and time.monotonic() < deadline:
            time.sleep(0.2)
            body = urllib.request.urlopen(url, timeout=5).read().decode()
        assert 'soc="RK1808"' in body and 'rknn_server="1.3.2"' in body
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# ------------------------------------------------------------------ the real Prometheus

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def _query(base: str, path: str, **params) -> dict:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}" if params else f"{base}{path}"
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def _wait(fn, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        try:
            got = fn()
            if got:
                return got
        except OSError:
            got = None
        if time.monotonic() > deadline:
            return got
        time.sleep(0.3)


@pytest.mark.slow
@pytest.mark.skipif(not Path(PROMETHEUS).exists(), reason="no prometheus binary (scripts/install-system-deps)")
def test_real_prometheus_scrapes_the_exporter_and_evaluates_the_rules(boards, adb_server, tmp_path):
    from rknn_compat.lab_inventory import inventory
    from rknn_compat.transport.adb_client import ServerAddress

    ok, old = boards("rk1808-linux-1.3.2", "rk1808-linux-1.1.0")
    server_address = str(ServerAddress("127.0.0.1", adb_server.port))
    exp = Exporter(lambda: inventory(devices=[ok.serial, old.serial], toolkit="1.3.2", timeout=5,
                                     adb_servers=[server_address]), 1.0)
    http = make_server(exp, "127.0.0.1", 0)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    exp.start()
    rules = tmp_path / "rknn-compat.rules.yml"
    shutil.copy(EXAMPLES / "rknn-compat.rules.yml", rules)
    assert subprocess.run([PROMETHEUS.replace("prometheus", "promtool"), "check", "rules", str(rules)],
                          capture_output=True, timeout=60).returncode == 0
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [{rules}]
scrape_configs:
  - job_name: rknn-compat
    static_configs:
      - targets: ["127.0.0.1:{http.server_address[1]}"]
""", encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "prometheus.log", "wb")
    prom = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        def info():
            got = _query(base, "/api/v1/query", query="rknn_compat_board_info")["data"]["result"]
            return got if len(got) == 2 else None

        series = _wait(info, 60)
        assert series, (tmp_path / "prometheus.log").read_text()[-3000:]
        by_serial = {s["metric"]["serial"]: s["metric"] for s in series}
        assert by_serial[ok.serial]["soc"] == "RK1808" and by_serial[ok.serial]["rknn_server"] == "1.3.2"
        assert by_serial[old.serial]["rknn_server"] == "0.9.8"
        assert by_serial[ok.serial]["adb_server"] == server_address and by_serial[ok.serial]["job"] == "rknn-compat"
        bad = _query(base, "/api/v1/query", query='rknn_compat_board_verdict{verdict="incompatible"} == 1')
        assert [s["metric"]["serial"] for s in bad["data"]["result"]] == [old.serial]
        up = _query(base, "/api/v1/query", query="up")["data"]["result"]
        assert up and up[0]["value"][1] == "1"
        groups = _wait(lambda: _query(base, "/api/v1/rules")["data"]["groups"], 30)
        health = {r["name"]: r["health"] for g in groups for r in g["rules"]}
        assert health == {"RknnBoardIncompatible": "ok", "RknnBoardVerdictChanged": "ok"}

        def alerts():
            got = _query(base, "/api/v1/alerts")["data"]["alerts"]
            return [a for a in got if a["labels"]["alertname"] == "RknnBoardIncompatible"]

        pending = _wait(alerts, 30)
        assert [a["labels"]["serial"] for a in pending] == [old.serial]
        assert pending[0]["state"] in ("pending", "firing")
    finally:
        prom.send_signal(signal.SIGTERM)
        try:
            prom.wait(timeout=20)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()
        log.close()
        exp.stop()
        http.shutdown()
        http.server_close()
