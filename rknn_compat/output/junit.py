"""An inventory as JUnit XML, the test report Jenkins (junit step) and GitLab (artifacts:reports:junit) show.

One ``<testsuite>`` per inventory, one ``<testcase>`` per board (class name: the adb server it
was reached through), a ``<failure>`` per mismatching component (and per service that stops a
fitting board working, ``not_ready``), an ``<error>`` per board that
could not be reached or read (and per fact that could not be established), and one test case
with an ``<error>`` per adb server that did not answer.  Element and attribute names follow the
Ant/Maven Surefire layout those tools read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..results import MISMATCH, NOT_READY, UNKNOWN, BoardReport, InventoryReport

# XML 1.0 has no place for most control characters, nor for lone surrogates (undecodable bytes)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _case(board: BoardReport) -> ET.Element:
    dev = board.device
    case = ET.Element("testcase", {"classname": _text(f"rknn-compat.{dev.adb_server or dev.transport or 'board'}"),
                                   "name": _text(dev.serial), "time": f"{dev.seconds or 0:.3f}"})
    for f in board.findings:
        if f.status in (MISMATCH, NOT_READY):
            fail = ET.SubElement(case, "failure", {"type": f.status, "message": _text(
                f"{f.component}: expected {f.expected}, found {f.found}")})
            fail.text = _text(f.remedy)
    if board.error:
        kind = dev.state if dev.state not in (None, "device") else "incomplete" if board.platform else "unreachable"
        err = ET.SubElement(case, "error", {"type": _text(kind), "message": _text(board.error)})
        err.text = _text("\n".join(board.notes))
    elif board.verdict == UNKNOWN:
        for f in board.findings:
            if f.status == UNKNOWN:
                err = ET.SubElement(case, "error", {"type": "unknown", "message": _text(
                    f"{f.component}: cannot tell ({f.found or 'unknown'})")})
                err.text = _text(f.remedy)
    facts = [f"{k}: {v.value or 'unknown'}" for k, v in {**board.platform, **board.components}.items()]
    ET.SubElement(case, "system-out").text = _text("\n".join(facts + [f"verdict: {board.verdict}"]))
    return case


def inventory_junit(inv: InventoryReport) -> str:
    cases = [_case(b) for b in inv.boards]
    for server in inv.servers:
        if server.get("error"):
            case = ET.Element("testcase", {"classname": "rknn-compat.adb-server",
                                           "name": _text(server["adb_server"]), "time": "0.000"})
            ET.SubElement(case, "error", {"type": "unreachable", "message": _text(server["error"])})
            cases.append(case)
    target = inv.toolkit.version
    counts = {"tests": str(len(cases)),
              "failures": str(sum(len(c.findall("failure")) for c in cases)),
              "errors": str(sum(len(c.findall("error")) for c in cases)),
              "skipped": "0", "time": f"{inv.seconds:.3f}"}
    suites = ET.Element("testsuites", {"name": "rknn-compat inventory", **counts})
    suite = ET.SubElement(suites, "testsuite", {
        "name": _text("rknn-compat inventory" + (f" against RKNN Toolkit {target}" if target else "")), **counts})
    props = ET.SubElement(suite, "properties")
    for name, value in (("toolkit", target), ("toolkit_source", inv.toolkit.source or inv.toolkit.reason),
                        ("verdict", inv.verdict)):
        ET.SubElement(props, "property", {"name": name, "value": _text(value)})
    suite.extend(cases)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
