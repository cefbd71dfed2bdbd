"""`rknn-compat usb`: the rule to install, and the check's status mapped onto the exit-code contract."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import check_json

from rknn_compat.host.udev import RULE_LINE

EXIT_FOR_STATUS = {"ok": 0, "no_devices": 0, "no_rule": 1, "no_access": 1, "unknown": 3}


def run(*args):
    proc = subprocess.run([sys.executable, "-m", "rknn_compat", "usb", *args], capture_output=True, text=True,
                          timeout=60)
    check_json(["usb", *args], proc.stdout, proc.returncode)
    return proc


def test_print_rule():
    proc = run("--print-rule")
    assert proc.returncode == 0
    assert RULE_LINE in proc.stdout and "/etc/udev/rules.d/91-rk1808-ai-cs.rules" in proc.stdout


def test_status_decides_the_exit_code():
    proc = run("--format", "json")
    report = json.loads(proc.stdout)
    assert proc.returncode == EXIT_FOR_STATUS[report["status"]], report
    table = run()
    assert f"status: {report['status']}" in table.stdout and table.returncode == proc.returncode


def test_bad_format_is_a_usage_error():
    proc = run("--format", "xml")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
