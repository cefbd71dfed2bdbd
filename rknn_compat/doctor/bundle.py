"""The bug-report bundle: what maintainers ask reporters for, in one .zip or .tar.gz, readable back.

Members: ``doctor.json`` (the report), ``doctor.txt`` (what the user saw, with evidence),
``boards/board-N.json`` (each board's recording, the ``--record`` format: ``probe --device
fixture:BUNDLE#board-N`` replays it), ``environment.json`` (every package of the toolkit's
environment with its location), ``usb.json`` (the udev scan), ``versions.json`` (rknn-compat, the
target toolkit, Python, every adb), ``logs/`` (``--log`` files, size-capped, with an ``explain``
result when this build has that command) and ``manifest.json``. Model files are never included,
only their paths. Everything passes through :class:`~.redact.Redactor` first.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import time
import zipfile
from pathlib import Path

from ..errors import UsageError
from ..transport.archive import MAX_MEMBER_BYTES, read_member
from .redact import Redactor
from .report import DoctorReport

MANIFEST = "rknn-compat-bundle/1"
MAX_LOG_BYTES = 8 << 20


def archive_kind(path: str) -> str:
    name = path.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    raise UsageError(f"--bundle {path}: name it FILE.zip or FILE.tar.gz")


def write_bundle(report: DoctorReport, path: str, record_dir: str | os.PathLike | None, text: str,
                 logs: list[str] = (), redact: bool = False) -> list[str]:
    """Write the bundle; returns its member names. Bad --log files are one-line UsageErrors."""
    kind = archive_kind(path)
    log_data = [(p, _read_capped(p)) for p in logs]  # before anything is written: a bad --log fails cleanly
    ctx = report.context
    boards = sorted(Path(record_dir).glob("board-*.json")) if record_dir else []
    serials = [c.details["device"].get("serial") for a in report.areas for c in a.checks
               if c.details and isinstance(c.details.get("device"), dict)]
    red = Redactor(redact, serials)
    members: dict[str, str] = {
        "doctor.json": red.text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)) + "\n",
        "doctor.txt": red.text(text),
    }
    for board in boards:
        members[f"boards/{board.name}"] = red.recording(board.read_text(encoding="utf-8"))
    if ctx is not None and ctx.env is not None:
        members["environment.json"] = red.text(json.dumps(ctx.env.to_dict(), indent=1)) + "\n"
    usb = next((c.details for a in report.areas if a.id == "usb" for c in a.checks if c.details), None)
    if usb is not None:
        members["usb.json"] = red.text(json.dumps(usb, indent=1)) + "\n"
    members["versions.json"] = red.text(json.dumps(_versions(report), indent=1)) + "\n"
    for i, (log_path, data) in enumerate(log_data, start=1):
        name = f"logs/{i}-{Path(log_path).name}"
        members[name] = red.text(data.decode("utf-8", "replace"))
        explained = _explain(log_path)
        if explained is not None:
            members[name + ".explain.json"] = red.text(explained)
    members["manifest.json"] = json.dumps({"format": MANIFEST, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                           "redacted": redact, "home_paths": "replaced by ~",
                                           "members": sorted(members) + ["manifest.json"]}, indent=1) + "\n"
    try:
        _write(path, kind, members)
    except OSError as exc:
        raise UsageError(f"cannot write bundle {path}: {exc.strerror or exc}") from None
    return sorted(members)


def _versions(report: DoctorReport) -> dict:
    ctx = report.context
    target = ctx.target if ctx is not None else None
    adb = [c.found for a in report.areas if a.id == "adb" for c in a.checks if c.id.startswith("adb")]
    return {"rknn_compat": report.version,
            "target": {"product": target.product, "version": target.version, "source": target.source,
                       "reason": target.reason} if target else None,
            "python": ctx.env.python_version if ctx and ctx.env else None,
            "host": ctx.env.host if ctx and ctx.env else None, "adb": adb}


def _explain(log_path: str) -> str | None:
    """The `explain` result of a log, where this build has the explain command (another issue's work)."""
    try:
        from ..explain import explain  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        return json.dumps(explain([log_path]).to_dict(), indent=1, ensure_ascii=False) + "\n"
    except Exception as exc:  # noqa: BLE001 - a failing explain must not lose the bundle
        return json.dumps({"error": f"explain failed: {type(exc).__name__}: {exc}"}) + "\n"


def _read_capped(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise UsageError(f"--log {path}: not a regular file")
            data = fh.read(MAX_LOG_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--log {path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_LOG_BYTES:
        data = data[:MAX_LOG_BYTES] + b"\n[rknn-compat: log cut at 8 MiB]\n"
    return data


def _write(path: str, kind: str, members: dict[str, str]) -> None:
    tmp = f"{path}.partial"
    if kind == "zip":
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in members.items():
                zf.writestr(name, text)
    else:
        with tarfile.open(tmp, "w:gz") as tf:
            for name, text in members.items():
                data = text.encode("utf-8")
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
                tf.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)


def read_report(path: str) -> DoctorReport:
    """``doctor --from``: a bundle's doctor.json, or a doctor JSON file itself."""
    if not os.path.isfile(path):
        raise UsageError(f"--from {path}: no such file")
    if zipfile.is_zipfile(path) or tarfile.is_tarfile(path):
        _, data = read_member(path, "doctor.json")
    else:
        with open(path, "rb") as fh:
            data = fh.read(MAX_MEMBER_BYTES + 1)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not a doctor report (invalid JSON: {exc})") from None
    return DoctorReport.from_dict(doc, path)
