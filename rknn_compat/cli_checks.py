"""The commands that check what a user has besides a board: a log (`explain`), model files
(`model`), the whole chain (`doctor`), and the JSON Schemas of every command (`schema`).

Same shape as :mod:`rknn_compat.cli`, which imports this module to register them on its ``app``:
each body lazy-imports the library, calls it, writes what ``output`` renders and exits with the
result's code.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from .cli import ADB_SERVER, DEVICE_HELP, MATRICES, TIMEOUT, TOOLKIT2, _error, app
from .errors import UsageError
from .output.formats import Format, choices

ExplainFormat = choices("ExplainFormat", Format.TABLE, Format.JSON, Format.MARKDOWN)
ModelFormat = choices("ModelFormat", Format.TABLE, Format.JSON)
DoctorFormat = choices("DoctorFormat", Format.TABLE, Format.JSON)

@app.command()
def explain(
    logs: Optional[list[str]] = typer.Argument(None, help="Log files, folders (their .log/.txt files) or '-' "
                                               "for stdin; none: read stdin (paste, then Ctrl-D)."),
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="RKNN Toolkit 1.x version, when the log "
                                          "shows none."),
    toolkit2: Optional[str] = typer.Option(None, "--toolkit2", help="RKNN-Toolkit2 version, when the log shows "
                                           "none."),
    device: Optional[str] = typer.Option(None, "--device", "-d", help="Add this board's live facts: " + DEVICE_HELP),
    fmt: ExplainFormat = typer.Option("table", "--format", "-f", help="Output format."),
    matrices: Optional[str] = MATRICES,
) -> None:
    """Paste your error: what the log says about versions, the known problems it shows, and what to do.

    Exit 0 no problem shown, 1 a known problem or version mismatch, 3 nothing recognised (or an
    error no known problem explains), 2 unusable input."""
    from .explain import explain as run_explain
    from .output.explain import explain_text

    if not logs:
        logs = ["-"]
        if sys.stdin.isatty():
            print("rknn-compat: paste the log, then press Ctrl-D (Ctrl-Z Enter on Windows)", file=sys.stderr)
    report = run_explain(logs, toolkit=toolkit, toolkit2=toolkit2, device=device, matrices=matrices)
    sys.stdout.write(explain_text(report, fmt.value))
    raise typer.Exit(report.exit_code)


@app.command()
def model(
    files: list[str] = typer.Argument(..., help="Model files: .rknn, .onnx, .tflite, .prototxt/.caffemodel, "
                                      ".pb, .pt/.pth, .cfg."),
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="Judge against this RKNN Toolkit 1.x."),
    toolkit2: Optional[str] = TOOLKIT2,
    device: Optional[str] = typer.Option(None, "--device", "-d", help="Judge .rknn files against this board: "
                                         + DEVICE_HELP),
    fmt: ModelFormat = typer.Option("table", "--format", "-f", help="Output format."),
    matrices: Optional[str] = MATRICES,
) -> None:
    """Will these model files convert with this toolkit and load on this board?

    Exit 0 fits, 1 will not load, 2 a file is not a readable model, 3 cannot tell (no target, a fact unknown)."""
    from .model import check_models
    from .output.model import model_text

    report = check_models(files, toolkit=toolkit, toolkit2=toolkit2, device=device, matrices=matrices)
    sys.stdout.write(model_text(report, fmt.value))
    for m in report.models:
        if m.error:
            _error(f"{m.path}: {m.error}")
    raise typer.Exit(report.exit_code)


@app.command()
def doctor(
    python: Optional[str] = typer.Option(None, "--python", help="The interpreter the toolkit is installed in "
                                         "(default: this one)."),
    device: Optional[list[str]] = typer.Option(None, "--device", "-d", help="A board (repeatable); default: "
                                               "every board the running adb server lists."),
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="Judge against this RKNN Toolkit 1.x."),
    toolkit2: Optional[str] = TOOLKIT2,
    adb_server: Optional[list[str]] = ADB_SERVER,
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", help="A model file to check (repeatable)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every check with its evidence."),
    fmt: DoctorFormat = typer.Option("table", "--format", "-f", help="Output format."),
    bundle: Optional[str] = typer.Option(None, "--bundle", help="Also write a bug-report bundle (FILE.zip or "
                                         "FILE.tar.gz)."),
    log: Optional[list[str]] = typer.Option(None, "--log", help="A log file to put in the bundle (repeatable)."),
    redact: bool = typer.Option(False, "--redact", help="In the bundle, replace serials, IP addresses, host and "
                                "user names."),
    from_file: Optional[str] = typer.Option(None, "--from", help="Re-render a bundle or doctor JSON instead of "
                                            "checking this host."),
    timeout: float = TIMEOUT,
    matrices: Optional[str] = MATRICES,
) -> None:
    """Check the whole chain: host, toolkit environment, adb, USB, boards (and models); one line per area.

    Exit code: the worst area (1 a problem, 3 something could not be checked, 70 a check crashed, else 0)."""
    from .output.doctor import can_encode, doctor_text

    unicode = can_encode(getattr(sys.stdout, "encoding", None))
    if from_file:
        from .doctor.bundle import read_report

        report = read_report(from_file)
    else:
        import tempfile

        from .doctor import doctor as run_doctor
        from .doctor.bundle import archive_kind

        if bundle:
            archive_kind(bundle)  # a bad name fails before anything runs

        with tempfile.TemporaryDirectory(prefix="rknn-doctor-") as scratch:
            report = run_doctor(python=python, devices=device, toolkit=toolkit, toolkit2=toolkit2, models=model,
                                timeout=timeout, matrices=matrices, record_dir=scratch if bundle else None,
                                adb_servers=adb_server)
            if bundle:
                from .doctor.bundle import write_bundle

                write_bundle(report, bundle, scratch, doctor_text(report, "table", verbose=True),
                             logs=log or [], redact=redact)
    sys.stdout.write(doctor_text(report, fmt.value, verbose=verbose, unicode=unicode))
    raise typer.Exit(report.exit_code)


@app.command()
def schema(
    command: Optional[str] = typer.Argument(None, help="A command with JSON output (probe, inventory, matrix, usb, "
                                            "explain, model, doctor); none: list them."),
) -> None:
    """Print the JSON Schema (draft 2020-12) of a command's --format json/jsonl output, or list them.

    Exit 0, 2 for a command without JSON output."""
    from . import schemas

    if command is None:
        sys.stdout.write(schemas.listing())
        return
    if command not in schemas.COMMANDS:
        raise UsageError(f"no JSON schema for {command!r} (commands with JSON output: {', '.join(schemas.COMMANDS)})")
    sys.stdout.write(schemas.schema_text(command))
