"""The command line: parse options, call the library, render, exit with the contract's code.

Exit codes (``../shared/DESIGN.md``): 0 compatible, 1 incompatible, 2 usage or input
error, 3 a device unreachable or a needed fact unknown.  Heavy modules (adbutils)
are imported inside the commands that need them, so ``matrix`` starts fast.
"""

from __future__ import annotations

import sys
from typing import List, Optional

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
    rknn_server: Optional[str] = typer.Option(None, "--rknn-server", help="Toolkits that fit this rknn_server version."),
    driver: Optional[str] = typer.Option(None, "--driver", help="Toolkits that fit this NPU driver (galcore) version."),
    runtime: Optional[str] = typer.Option(None, "--runtime", help="Toolkits that fit this librknn_runtime version."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP + " (also jsonl)"),
    matrices: Optional[str] = typer.Option(None, "--matrices", help="Directory of matrix TOML files (env RKNN_COMPAT_MATRICES)."),
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


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point: every RknnCompatError becomes one line on stderr and its exit code."""
    try:
        app(args=argv, prog_name="rknn-compat", standalone_mode=False)
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
    return 0


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
