"""Reading a file the user named: regular files only, size-capped, every failure one line.

A FIFO blocks ``open()`` until a writer comes and ``/dev/zero`` never ends, so a path from the
command line (a devices file, a recording, a matrix table, a udev rules file) is opened without
blocking, checked to be a regular file, and read up to a cap.  Imports only errors.
"""

from __future__ import annotations

import errno
import os
import stat
import sys

from .errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib


def read_bytes(path, limit: int, what: str = "file", error: type[Exception] = UsageError,
               cut: bool = False) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``); else ``error`` with a one-line reason.

    ``cut``: a larger file is not an error; its first ``limit + 1`` bytes are returned (the caller
    sees it was cut by the length).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError) as exc:  # an embedded NUL, a path that is not a path
        raise error(f"cannot read {what} {path!r}: {exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"cannot read {what} {path}: is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"cannot read {what} {path}: not a regular file")
        if info.st_size > limit and not cut:
            raise error(f"{what} {path} is larger than {limit} bytes")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > limit and not cut:  # the file grew while it was read
        raise error(f"{what} {path} is larger than {limit} bytes")
    return b"".join(chunks)


def check_regular(path, what: str = "file", error: type[Exception] = UsageError) -> None:
    """``error`` unless ``path`` is a regular file (``stat`` never blocks, even on a FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError) as exc:
        raise error(f"cannot read {what} {path!r}: {exc}") from None
    if not stat.S_ISREG(mode):
        raise error(f"cannot read {what} {path}: {'is a directory' if stat.S_ISDIR(mode) else 'not a regular file'}")


def read_text(path, limit: int, what: str = "file", error: type[Exception] = UsageError) -> str:
    """:func:`read_bytes` decoded as UTF-8; a leading byte-order mark is dropped."""
    data = read_bytes(path, limit, what, error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{what} {path} is not UTF-8 text") from None


def write_text(path, text: str, what: str = "file", error: type[Exception] = UsageError) -> None:
    """Write ``text`` as UTF-8; a FIFO nobody reads is refused at once instead of blocking."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0),
                     0o666)
    except OSError as exc:
        reason = "a FIFO nobody reads" if exc.errno == errno.ENXIO else exc.strerror or exc
        raise error(f"cannot write {what} {path}: {reason}") from None
    except (ValueError, TypeError) as exc:
        raise error(f"cannot write {what} {path!r}: {exc}") from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=True) as fh:
            fd = None
            fh.write(text)
    except OSError as exc:
        raise error(f"cannot write {what} {path}: {exc.strerror or exc}") from None
    finally:
        if fd is not None:
            os.close(fd)


def read_toml(path, limit: int, what: str = "file", error: type[Exception] = UsageError) -> dict:
    """A TOML file, read as :func:`read_bytes` reads; bad UTF-8 or TOML, deep nesting or an integer
    past Python's digit limit (a ValueError) is one line too."""
    data = read_bytes(path, limit, what, error)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot read {what}: not UTF-8 text ({exc})") from None
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise error(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: invalid TOML: nested too deeply") from None
