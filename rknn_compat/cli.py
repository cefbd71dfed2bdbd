"""The command line: parse options, call the library, render, exit with the result's code.

Each command body reads: call the library, write what ``output`` renders, exit with the
result's :class:`~rknn_compat.errors.ExitCode` (the README's contract). :func:`main` is the one
place that turns exceptions into exit codes. Heavy modules (adbutils) are imported inside the
commands that need them, so ``matrix`` starts fast.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

try:  # typer >= 0.29 (Python >= 3.11) carries its own copy of click
    from typer import TyperException as ClickError
except ImportError:  # older typer runs on click itself
    from click import ClickException as ClickError

from .errors import ExitCode, RknnCompatError, UsageError
from .output.formats import Format, choices

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,  # plain click help: rich's formatting costs more start-up than a whole command
    help=(
        "Check that an RKNN Toolkit and a Rockchip NPU board come from matching releases.\n\n"
        "Exit codes: 0 compatible (or, with no target toolkit, consistent), 1 incompatible, "
        "2 usage/input error, 3 device unreachable or a needed fact unknown, 4 not ready (the versions "
        "fit, something stops it working), 70 internal error."
    ),
)

MatrixFormat = choices("MatrixFormat", Format.TABLE, Format.JSON, Format.JSONL, Format.CSV, Format.MARKDOWN)
ProbeFormat = choices("ProbeFormat", Format.TABLE, Format.JSON)
InventoryFormat = choices("InventoryFormat", Format.TABLE, Format.JSON, Format.JSONL, Format.CSV, Format.JUNIT)
UsbFormat = choices("UsbFormat", Format.TABLE, Format.JSON)

DEVICE_HELP = "adb serial, HOST:PORT (connected if needed), 'local' (run on the board) or 'fixture:FILE'."
TIMEOUT_HELP = "Seconds allowed for each board call; a dead board costs at most this."
# options that probe and inventory share
TOOLKIT2 = typer.Option(None, "--toolkit2", help="Judge against this RKNN-Toolkit2.")
PYTHON = typer.Option(None, "--python", help="Read the installed toolkit from this interpreter.")
TIMEOUT = typer.Option(15.0, "--timeout", help=TIMEOUT_HELP)
MATRICES = typer.Option(None, "--matrices", help="Directory of matrix TOML files (env RKNN_COMPAT_MATRICES).")
# options of the commands that reach boards through adb servers (probe, inventory, exporter, doctor)
ADB_SERVER = typer.Option(None, "--adb-server", help="An adb server to ask, HOST:PORT (repeatable; default "
                          "ANDROID_ADB_SERVER_ADDRESS/_PORT, else 127.0.0.1:5037).")
LAB = typer.Option(None, "--lab", help="Lab file (TOML): adb servers, their boards, labels (README, Running a lab).")
JOBS = typer.Option(None, "--jobs", "-j", help="Boards probed at once (default: all, up to 64).")
BOARDS = typer.Option(None, "--device", "-d", help="A board (repeatable); default: every board the adb "
                      "servers list.")
TOOLKIT_ALL = typer.Option(None, "--toolkit", "-t", help="Judge every board against this RKNN Toolkit 1.x "
                           "(default: the lab file's).")


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


_MATRIX_OPTIONS = {"toolkit": "--toolkit", "toolkit2": "--toolkit2", "rknn_server": "--rknn-server",
                   "npu_driver": "--driver", "librknn_runtime": "--runtime", "platform": "--platform"}


@app.command()
def matrix(
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="RKNN Toolkit 1.x release, e.g. 1.3.2."),
    toolkit2: Optional[str] = typer.Option(None, "--toolkit2", help="RKNN-Toolkit2 release, e.g. 2.3.2."),
    rknn_server: Optional[str] = typer.Option(None, "--rknn-server", help="Toolkits that fit this rknn_server "
                                              "(a version or the line the board prints)."),
    driver: Optional[str] = typer.Option(None, "--driver", help="Toolkits that fit this NPU driver (galcore or "
                                         "rknpu; a version or a dmesg line)."),
    runtime: Optional[str] = typer.Option(None, "--runtime", help="Toolkits that fit this librknn_runtime / "
                                          "librknnrt (a version or the strings line)."),
    platform: Optional[str] = typer.Option(None, "--platform", help="One SoC: its generation, library layout, "
                                           "NPU firmware and rules."),
    fmt: MatrixFormat = typer.Option("table", "--format", "-f", help="Output format."),
    matrices: Optional[str] = MATRICES,
) -> None:
    """What a toolkit release needs on the board, and the reverse look-ups.

    Exit 0 found, 1 no toolkit release fits, 2 usage error, 3 a release newer than the tables
    (the row its product's rule implies is shown, marked derived)."""
    from . import tables
    from .output import matrix as view

    fmt = fmt.value
    given = {"toolkit": toolkit, "toolkit2": toolkit2, "rknn_server": rknn_server, "npu_driver": driver,
             "librknn_runtime": runtime, "platform": platform}
    chosen = [(k, v) for k, v in given.items() if v is not None]
    if len(chosen) > 1:
        raise UsageError("give one of " + ", ".join(_MATRIX_OPTIONS.values()))
    m = tables.load(matrices)
    if not chosen:
        sys.stdout.write(view.releases_text(m.releases, fmt, board_releases=m.board_releases))
        return
    key, value = chosen[0]
    if not value.strip():
        raise UsageError(f"{_MATRIX_OPTIONS[key]}: empty value (give a version, e.g. 1.3.2)")
    if key in ("toolkit", "toolkit2"):
        try:
            rel = m.release(value, "rknpu1" if key == "toolkit" else "rknpu2")
        except tables.NewerThanTables as exc:
            sys.stdout.write(view.newer_text(exc, fmt))
            _error(str(exc), prefix="")
            raise typer.Exit(exc.exit_code) from None
        sys.stdout.write(view.release_text(rel, fmt))
    elif key == "platform":
        soc = m.platform(value)
        if soc is None:
            raise UsageError(f"unknown SoC {value!r} (known: {', '.join(p.soc for p in m.platforms.values())})")
        sys.stdout.write(view.platform_text(soc, m.rules_for(soc.generation, soc.soc), fmt))
    else:
        from .lookup import look_up, miss_message

        result = look_up(m, key, value)
        sys.stdout.write(view.lookup_text(result, fmt))
        if not result.releases:
            _error(miss_message(m, result))
        raise typer.Exit(result.exit_code)


@app.command()
def probe(
    device: Optional[str] = typer.Option(None, "--device", "-d", help=DEVICE_HELP),
    toolkit: Optional[str] = typer.Option(None, "--toolkit", "-t", help="Judge against this RKNN Toolkit 1.x."),
    toolkit2: Optional[str] = TOOLKIT2,
    python: Optional[str] = PYTHON,
    timeout: float = TIMEOUT,
    fmt: ProbeFormat = typer.Option("table", "--format", "-f", help="Output format."),
    record: Optional[str] = typer.Option(None, "--record", help="Write the board's answers to FILE (replay: "
                                         "--device fixture:FILE)."),
    matrices: Optional[str] = MATRICES,
    adb_server: Optional[list[str]] = ADB_SERVER,
) -> None:
    """Read one board's platform, OS, NPU driver, rknn_server and librknn_runtime, and judge them."""
    from .board_probe import probe as run_probe
    from .output.probe import probe_text

    report = run_probe(device=device, toolkit=toolkit, toolkit2=toolkit2, python=python, timeout=timeout,
                       matrices=matrices, record=record, adb_servers=adb_server)
    sys.stdout.write(probe_text(report, fmt.value))
    raise typer.Exit(report.exit_code)


@app.command()
def inventory(
    device: Optional[list[str]] = BOARDS,
    devices_file: Optional[str] = typer.Option(None, "--devices", help="File of serials or HOST:PORT, one a "
                                               "line, # comments."),
    toolkit: Optional[str] = TOOLKIT_ALL,
    toolkit2: Optional[str] = TOOLKIT2,
    python: Optional[str] = PYTHON,
    jobs: Optional[int] = JOBS,
    timeout: float = TIMEOUT,
    fmt: InventoryFormat = typer.Option("table", "--format", "-f", help="Output format (junit: JUnit XML)."),
    matrices: Optional[str] = MATRICES,
    adb_server: Optional[list[str]] = ADB_SERVER,
    lab: Optional[str] = LAB,
) -> None:
    """Probe every board at once; exit with the worst verdict (1 incompatible > 3 unknown > 4 not ready > 0).

    Without a target toolkit, boards on different releases are a finding of the rack (exit 1)."""
    from .lab_inventory import Interrupted
    from .lab_inventory import inventory as run_inventory
    from .output.inventory import inventory_text
    from .output.progress import terminal_progress

    try:
        report = run_inventory(devices=device, devices_file=devices_file, toolkit=toolkit, toolkit2=toolkit2,
                               python=python, jobs=jobs, timeout=timeout, matrices=matrices,
                               progress=terminal_progress(), adb_servers=adb_server, lab=lab)
    except Interrupted as exc:  # Ctrl-C: what finished is printed, the pending boards named on stderr
        sys.stderr.write("\n" if sys.stderr.isatty() else "")
        sys.stdout.write(inventory_text(exc.report, fmt.value))
        raise
    if not report.boards:
        _error("no boards: adb devices lists none (give --device or --devices)", prefix="")
    sys.stdout.write(inventory_text(report, fmt.value))
    raise typer.Exit(report.exit_code)


@app.command()
def exporter(
    listen: str = typer.Option("127.0.0.1:9858", "--listen", help="ADDR:PORT to serve /metrics on "
                               "(0.0.0.0:PORT for every interface; port 0: any free port)."),
    interval: float = typer.Option(60.0, "--interval", help="Seconds between probe rounds."),
    once: bool = typer.Option(False, "--once", help="Probe once, print the metrics, exit (a textfile "
                              "collector's input)."),
    lab: Optional[str] = LAB,
    adb_server: Optional[list[str]] = ADB_SERVER,
    device: Optional[list[str]] = BOARDS,
    toolkit: Optional[str] = TOOLKIT_ALL,
    toolkit2: Optional[str] = TOOLKIT2,
    python: Optional[str] = PYTHON,
    jobs: Optional[int] = JOBS,
    timeout: float = TIMEOUT,
    matrices: Optional[str] = MATRICES,
) -> None:
    """Serve this host's boards as Prometheus metrics, probed in the background every --interval s."""
    from .lab.exporter import serve
    from .lab_inventory import inventory as run_inventory

    def probe_round():
        return run_inventory(devices=device, toolkit=toolkit, toolkit2=toolkit2, python=python, jobs=jobs,
                             timeout=timeout, matrices=matrices, adb_servers=adb_server, lab=lab)

    raise typer.Exit(serve(probe_round, listen, interval, once))


@app.command()
def simulate(
    profiles: Optional[list[str]] = typer.Argument(None, help="Built-in profile names or profile TOML files."),
    port: Optional[int] = typer.Option(None, "--port", help="First TCP port (default: free ports; never "
                                       "5555-5585, which the adb server scans)."),
    list_only: bool = typer.Option(False, "--list", help="List the built-in profiles and exit."),
) -> None:
    """Serve simulated boards that the real adb server can `adb connect` to (Ctrl-C stops them)."""
    from .sim.cli import simulate_command

    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, not {port}")
    raise typer.Exit(simulate_command(list(profiles or []), port, list_only))


@app.command()
def usb(
    print_rule: bool = typer.Option(False, "--print-rule", help="Print the udev rule to install and exit."),
    fmt: UsbFormat = typer.Option("table", "--format", "-f", help="Output format."),
    rules_dir: Optional[list[str]] = typer.Option(None, "--rules-dir", help="Read udev rules from this directory "
                                                  "(repeatable, earlier wins; default: udev's four)."),
) -> None:
    """Check that this host may open Rockchip USB devices (vendor 2207), manual 1.7.2 step 4.

    Exit 0 ok or no device attached, 1 no rule / no access, 3 cannot tell (no /sys/bus/usb)."""
    from .host import udev
    from .host.usb import check_usb_access
    from .output.usb import usb_text

    if print_rule:
        sys.stdout.write(udev.print_rule())
        return
    if rules_dir:
        for d in rules_dir:
            if not os.path.isdir(d):
                raise UsageError(f"--rules-dir {d}: not a directory")
        report = check_usb_access(rules_dirs=rules_dir)
    else:
        report = check_usb_access()
    sys.stdout.write(usb_text(report, fmt.value))
    raise typer.Exit(report.exit_code)


MAX_ERROR_CHARS = 1000  # a 5 MB bad value is echoed by its start and end, not whole


def _error(message: str, prefix: str = "error: ") -> None:
    """One line on stderr: control characters (a newline in a path, a board's ANSI) escaped, cut to size."""
    from .output.formats import printable

    text = printable(message)
    if len(text) > MAX_ERROR_CHARS:
        cut = len(text) - MAX_ERROR_CHARS + 200
        text = f"{text[:MAX_ERROR_CHARS - 300]} ...[{cut} characters cut]... {text[-100:]}"
    print(f"rknn-compat: {prefix}{text}", file=sys.stderr)


def main(argv: Optional[list] = None) -> int:
    """Entry point: every error becomes one line on stderr and its exit code."""
    try:
        code = app(args=argv, prog_name="rknn-compat", standalone_mode=False)
    except RknnCompatError as exc:
        _error(str(exc))
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except ClickError as exc:  # a bad option or value, found by click: one line too
        message = exc.format_message()
        if "\n" in message:  # no arguments: the message is the help text
            print(message, file=sys.stderr)
        elif message.strip():  # an empty one follows the help typer printed itself
            _error(f"{message} (see --help)")
        return int(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        _error("interrupted", prefix="")
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # a bug of ours: never exit 1 (scripts read "incompatible"), never a traceback
        where = _save_traceback(exc, argv)
        what = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        _error(f"{what}; {where}; please report it (rknn-compat --version, the command, that file)",
               prefix="internal error: ")
        return int(ExitCode.INTERNAL)
    return int(code) if isinstance(code, int) else int(ExitCode.OK)


def _save_traceback(exc: BaseException, argv) -> str:
    """Write the traceback to a file in the user's cache directory (else the temp directory)."""
    import os
    import platform
    import tempfile
    import traceback

    from . import __version__

    text = (f"rknn-compat {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
            f"argv: {list(sys.argv[:1]) + list(argv if argv is not None else sys.argv[1:])!r}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    problems = []
    for directory in (os.path.join(cache, "rknn-compat"), tempfile.gettempdir()):
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd, path = tempfile.mkstemp(prefix="crash-", suffix=".txt", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
                f.write(text)
            return f"traceback saved in {path}"
        except OSError as err:
            problems.append(f"{directory}: {err.strerror or err}")
    return "the traceback could not be saved (" + "; ".join(problems) + ")"


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


# the checks of what the user has besides a board (a log, a model file, the whole chain) live
# beside this module; importing it registers their commands on `app`
from . import cli_checks  # noqa: E402, F401
