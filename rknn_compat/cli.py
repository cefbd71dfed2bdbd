"""The command line: parse options, call the library, render, exit with the contract's code.

Exit codes (``../shared/DESIGN.md``): 0 compatible, 1 incompatible, 2 usage or input
error, 3 a device unreachable or a needed fact unknown.  Heavy modules (adbutils)
are imported inside the commands that need them, so ``matrix`` starts fast.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from .errors import EXIT_USAGE, RknnCompatError, UsageError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=(
        "Check that an RKNN Toolkit and a Rockchip NPU board come from matching releases.\n\n"
        "Exit codes: 0 compatible, 1 incompatible, 2 usage/input error, "
        "3 device unreachable or a needed fact unknown."
    ),
)

FORMAT_HELP = "Output format: table, json, csv or markdown."


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        print(f"rknn-compat {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Check that an RKNN Toolkit and a Rockchip NPU board come from matching releases."""


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r} (one of {', '.join(allowed)})")
    return fmt


@app.command()
def matrix(
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="RKNN Toolkit 1.x release, e.g. 1.3.2."),
    toolkit2: Optional[str] = typer.Option(None, "--toolkit2", help="RKNN-Toolkit2 release, e.g. 2.3.2."),
    rknn_server: Optional[str] = typer.Option(None, "--rknn-server", help="Toolkits that fit this rknn_server."),
    driver: Optional[str] = typer.Option(None, "--driver", help="Toolkits that fit this NPU driver (galcore)."),
    runtime: Optional[str] = typer.Option(None, "--runtime", help="Toolkits that fit this librknn_runtime."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP + " (also jsonl)"),
    matrices: Optional[str] = typer.Option(None, "--matrices", help="Directory of matrix TOML files "
                                           "(env RKNN_COMPAT_MATRICES)."),
) -> None:
    """What a toolkit release needs on the board, and the reverse look-ups."""
    from . import matrix as matrix_mod
    from . import matrix_view

    _check_format(fmt, ("table", "json", "jsonl", "csv", "markdown"))
    chosen = [(k, v) for k, v in (("toolkit", toolkit), ("toolkit2", toolkit2), ("rknn_server", rknn_server),
                                  ("npu_driver", driver), ("librknn_runtime", runtime)) if v]
    if len(chosen) > 1:
        raise UsageError("give one of --toolkit, --toolkit2, --rknn-server, --driver, --runtime")
    m = matrix_mod.load(matrices)
    if not chosen:
        out = matrix_view.releases_text(m.releases, fmt)
    elif chosen[0][0] in ("toolkit", "toolkit2"):
        generation = "rknpu1" if chosen[0][0] == "toolkit" else "rknpu2"
        out = matrix_view.release_text(m.release(chosen[0][1], generation), fmt)
    else:
        component, version = chosen[0]
        from .versions import parse_version

        found = parse_version(version)
        releases = m.toolkits_for(component, found)
        if not releases:
            if fmt in ("json", "jsonl", "csv"):
                sys.stdout.write(matrix_view.releases_text([], fmt, {"component": component, "version": str(found)}))
            raise _NoMatch(f"no toolkit release lists {component} {found}")
        out = matrix_view.releases_text(releases, fmt, query={"component": component, "version": str(found)})
    sys.stdout.write(out)


class _NoMatch(RknnCompatError):
    exit_code = 1


DEVICE_HELP = "adb serial, HOST:PORT (connected if needed), 'local' (run on the board) or 'fixture:FILE'."
TIMEOUT_HELP = "Seconds allowed for each board call; a dead board costs at most this."


@app.command()
def probe(
    device: Optional[str] = typer.Option(None, "--device", "-d", help=DEVICE_HELP),
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="Judge against this RKNN Toolkit 1.x."),
    toolkit2: Optional[str] = typer.Option(None, "--toolkit2", help="Judge against this RKNN-Toolkit2."),
    python: Optional[str] = typer.Option(None, "--python", help="Read the installed toolkit from this interpreter."),
    timeout: float = typer.Option(15.0, "--timeout", help=TIMEOUT_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json"),
    record: Optional[str] = typer.Option(None, "--record", help="Write the board's answers to FILE (replay: "
                                         "--device fixture:FILE)."),
    matrices: Optional[str] = typer.Option(None, "--matrices", help="Directory of matrix TOML files."),
) -> None:
    """Read one board's platform, OS, NPU driver, rknn_server and librknn_runtime, and judge them."""
    from .board import probe as run_probe
    from .probe_view import probe_text

    _check_format(fmt, ("table", "json"))
    report = run_probe(device=device, toolkit=toolkit, toolkit2=toolkit2, python=python, timeout=timeout,
                       matrices=matrices, record=record)
    sys.stdout.write(probe_text(report, fmt))
    raise typer.Exit(report.exit_code)


@app.command()
def inventory(
    device: Optional[list[str]] = typer.Option(None, "--device", "-d", help="A board (repeatable); default: "
                                               "every board the adb server lists."),
    devices_file: Optional[str] = typer.Option(None, "--devices", help="File of serials or HOST:PORT, one a "
                                               "line, # comments."),
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="Judge every board against this "
                                          "RKNN Toolkit 1.x."),
    toolkit2: Optional[str] = typer.Option(None, "--toolkit2", help="Judge against this RKNN-Toolkit2."),
    python: Optional[str] = typer.Option(None, "--python", help="Read the installed toolkit from this interpreter."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Boards probed at once (default: all, up to 64)."),
    timeout: float = typer.Option(15.0, "--timeout", help=TIMEOUT_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json, jsonl or csv"),
    matrices: Optional[str] = typer.Option(None, "--matrices", help="Directory of matrix TOML files."),
) -> None:
    """Probe every board at once; exit with the worst verdict (1 incompatible > 3 unknown > 0)."""
    from .lab import inventory as run_inventory
    from .lab import terminal_progress
    from .probe_view import inventory_text

    _check_format(fmt, ("table", "json", "jsonl", "csv"))
    report = run_inventory(devices=device, devices_file=devices_file, toolkit=toolkit, toolkit2=toolkit2,
                           python=python, jobs=jobs, timeout=timeout, matrices=matrices,
                           progress=terminal_progress())
    if not report.boards:
        sys.stderr.write("rknn-compat: no boards: adb devices lists none (give --device or --devices)\n")
    sys.stdout.write(inventory_text(report, fmt))
    raise typer.Exit(report.exit_code)


@app.command()
def simulate(
    profiles: Optional[list[str]] = typer.Argument(None, help="Built-in profile names or profile TOML files."),
    port: Optional[int] = typer.Option(None, "--port", help="First TCP port (default: free ports; never "
                                       "5555-5585, which the adb server scans)."),
    list_only: bool = typer.Option(False, "--list", help="List the built-in profiles and exit."),
) -> None:
    """Serve simulated boards that the real adb server can `adb connect` to (Ctrl-C stops them)."""
    from .sim.cli import simulate_command

    raise typer.Exit(simulate_command(list(profiles or []), port, list_only))


@app.command()
def usb(
    print_rule: bool = typer.Option(False, "--print-rule", help="Print the udev rule to install and exit."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
    """Check that this host may open Rockchip USB devices (vendor 2207), manual 1.7.2 step 4.

    Exit 0 ok or no device attached, 1 no rule / no access, 3 cannot tell (no /sys/bus/usb)."""
    from . import render
    from . import usb as usb_mod

    _check_format(fmt, ("table", "json"))
    if print_rule:
        sys.stdout.write(usb_mod.print_rule())
        return
    report = usb_mod.check_usb_access()
    if fmt == "json":
        sys.stdout.write(render.to_json(report.to_dict()) + "\n")
    else:
        rows = [{"node": d.node, "id": d.usb_id, "kind": d.kind, "access": "yes" if d.accessible else "no"}
                for d in report.devices]
        if rows:
            sys.stdout.write(render.rows_text(rows, [("node", "device node"), ("id", "usb id"),
                                                     ("kind", "mode"), ("access", "read/write")], "table"))
        sys.stdout.write(f"status: {report.status}\n")
        for line in (report.reason, report.remedy):
            if line:
                sys.stdout.write(f"{line}\n")
    # the exit-code contract: a problem found is 1, a fact that cannot be established is 3
    raise typer.Exit({"ok": 0, "no_devices": 0, "no_rule": 1, "no_access": 1}.get(report.status, 3))


def main(argv: Optional[list] = None) -> int:
    """Entry point: every RknnCompatError becomes one line on stderr and its exit code."""
    try:
        code = app(args=argv, prog_name="rknn-compat", standalone_mode=False)
    except RknnCompatError as exc:
        print(f"rknn-compat: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rknn-compat: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # click usage errors and aborts
        code = _click_exit(exc)
        if code is None:
            raise
        return code
    return code if isinstance(code, int) else 0


def _click_exit(exc: Exception) -> Optional[int]:
    """Map click's own exceptions (bad option, --help) onto our exit codes."""
    name = type(exc).__name__
    if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click.ClickException / UsageError
        exc.show()
        return EXIT_USAGE if exc.exit_code == 2 else exc.exit_code
    if name == "Exit":
        return getattr(exc, "exit_code", 0)
    if name == "Abort":
        print("rknn-compat: aborted", file=sys.stderr)
        return 130
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
