"""How an ``explain`` report looks: a terminal view, Markdown (to paste into an issue), or JSON."""

from __future__ import annotations

from ..explain.report import ExplainReport
from . import formats

_FACT_COLUMNS = [("what", "fact"), ("value", "value"), ("where", "line"), ("evidence", "evidence")]


def explain_text(report: ExplainReport, fmt: str) -> str:
    if fmt == "json":
        return formats.to_json(report.to_dict()) + "\n"
    md = fmt == "markdown"
    out: list[str] = []
    names = ", ".join(f"{i.name} ({i.lines} lines)" for i in report.inputs)
    out.append(f"## rknn-compat explain: {names}" if md else f"explain: {names}")
    if report.facts:
        many = len(report.inputs) > 1
        rows = [_fact_row(f, many) for f in report.facts]
        out += ["", "### What the log says" if md else "what the log says:",
                formats.rows_text(rows, _FACT_COLUMNS, "markdown" if md else "table")]
    if report.diagnoses:
        out += ["", "### Problems found" if md else "problems found:"]
        for n, d in enumerate(report.diagnoses, start=1):
            out += _diagnosis(n, d, md)
    if report.unexplained:
        out += ["", "### Errors no known problem explains" if md else "errors no known problem explains:"]
        out += [f"- {ln.source}:{ln.number}: `{ln.text}`" if md else f"  {ln.source}:{ln.number}: {ln.text}"
                for ln in report.unexplained]
        if report.unexplained_count > len(report.unexplained):
            out.append(f"  ... and {report.unexplained_count - len(report.unexplained)} more")
    tk = report.toolkit
    target = (f"{tk['product']} {tk['version']} ({tk['source']})" if tk.get("version")
              else f"none ({tk.get('reason')})")
    out += ["", f"toolkit: {target}" + (f"; {tk['reason']}" if tk.get("version") and tk.get("reason") else "")]
    if report.board is not None:
        dev = report.board.get("device", {})
        out.append(f"board {dev.get('serial')}: verdict {report.board.get('verdict')}")
    out += [f"note: {n}" for n in report.notes]
    out.append(f"verdict: {report.verdict} ({report.reason})")
    return "\n".join(out) + "\n"


def _fact_row(f, many: bool) -> dict:
    what = f.component.replace("_", "-") if f.component.startswith("rknn_toolkit") else f.component
    if f.extra.get("driver"):
        what += f" ({f.extra['driver']})"
    value = f.value + (f": {f.extra['meaning']}" if f.extra.get("meaning") else "")
    where = f"{f.line.source}:{f.line.number}" if many else str(f.line.number)
    return {"what": what, "value": value, "where": where, "evidence": f.line.text}


def _diagnosis(n: int, d, md: bool) -> list[str]:
    src = d.source
    if src.get("id") == "github-issues":  # the threads are the source; the section names them
        cite = src.get("section", "")
    else:
        cite = ", ".join(x for x in (src.get("document"), src.get("edition") and f"edition {src['edition']}",
                                     src.get("section") and f"section {src['section']}") if x)
    rows = [("what", d.what), ("cause", d.cause + (" (rknn-compat's reading)" if d.inference else "")),
            ("remedy", d.remedy)]
    rows += [("versions", j) for j in d.judgement]
    rows.append(("source", cite or src.get("id", "")))
    if src.get("threads"):
        rows.append(("threads", " ".join(src["threads"])))
    lines = [f"{ln.number}: {ln.text}" if len({x.source for x in d.lines}) == 1 else
             f"{ln.source}:{ln.number}: {ln.text}" for ln in d.lines]
    if md:
        out = ["", f"**{n}. {d.title}** (`{d.id}`)", ""]
        out += [f"- log: `{ln}`" for ln in lines]
        out += [f"- {k}: {v}" for k, v in rows]
        return out
    out = ["", f"[{n}] {d.title}  ({d.id})"]
    out += [f"    log:     {ln}" for ln in lines]
    out += [f"    {k + ':':<10}{v}" for k, v in rows]
    return out
