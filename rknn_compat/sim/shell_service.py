"""The ``shell:`` and ``exec:`` services: run a command in the board's rootfs, stream its output.

Service strings (AOSP adb daemon/services.cpp, client/commandline.cpp):

* ``shell[,ARG...]:[COMMAND]``.  With the ``v2`` argument the stream speaks the shell protocol
  (shell_protocol.h): packets ``[u8 id][u32 LE length][data]``, ids 0 stdin, 1 stdout,
  2 stderr, 3 exit (one byte), 4 close-stdin, 5 window size; stdout and stderr stay apart and
  the exit status arrives.  Without it (``adb shell -x``, adbutils' ``shell()``) stdout and
  stderr are merged into raw bytes and there is no exit status.  ``TERM=...`` sets ``$TERM``.
* ``exec:COMMAND`` (``adb exec-out``): raw bytes and no exit status; stdout and stderr are read
  from two pipes and both sent.

The command's output is coalesced into as few WRTEs as flow control allows: each costs the
host a round trip.  The ``drop`` fault is a wrapper script that touches ``DROP_MARKER``; the
service then delivers what it has and cuts the TCP connection.
"""

from __future__ import annotations

import os
import queue
import selectors
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rknn_compat.sim.chroot import board_env, shell_argv
from rknn_compat.sim.protocol import Stream, StreamClosed
from rknn_compat.sim.rootfs import DROP_MARKER

if TYPE_CHECKING:
    from rknn_compat.sim.adbd import Board

# shell protocol packet ids (shell_protocol.h)
SH_STDIN, SH_STDOUT, SH_STDERR, SH_EXIT, SH_CLOSE_STDIN, SH_WINSIZE = range(6)


def parse_service(service: str) -> tuple[bool, bool, str | None, str]:
    """-> (v2, merged_output, term, command)."""
    if service.startswith("exec:"):
        return False, False, None, service[5:]
    head, _, cmd = service.partition(":")
    args = head.split(",")[1:]
    v2 = "v2" in args
    term = None
    for a in args:
        if a.startswith("TERM="):
            term = a[5:]
    return v2, not v2, term, cmd


def _exit_status(rc: int) -> int:
    return (128 - rc) if rc < 0 else rc


class _Stdin:
    """The command's stdin: raw bytes, or shell-protocol packets to unpack (``v2``)."""

    def __init__(self, proc: subprocess.Popen, v2: bool):
        self.proc = proc
        self.v2 = v2
        self.open = True
        self.buf = bytearray()

    def feed(self, data: bytes) -> None:
        if not self.v2:
            self._write(data)
            return
        self.buf.extend(data)
        while len(self.buf) >= 5:
            tag, ln = struct.unpack_from("<BI", self.buf)
            if len(self.buf) < 5 + ln:
                break
            payload = bytes(self.buf[5:5 + ln])
            del self.buf[:5 + ln]
            if tag == SH_STDIN:
                self._write(payload)
            elif tag == SH_CLOSE_STDIN and self.open:
                self.open = False
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass

    def _write(self, data: bytes) -> None:
        if not self.open:
            return
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.open = False


def run(board: Board, st: Stream) -> None:
    v2, merged, term, cmd = parse_service(st.service)
    prof = board.profile
    proc = subprocess.Popen(
        shell_argv(prof, board.root, cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        env=board_env(prof, term), cwd=str(board.root), start_new_session=True,
        close_fds=True,
    )
    st.proc = proc
    if st.closed:
        st.kill()
    sel = selectors.DefaultSelector()
    fds = {proc.stdout.fileno(): SH_STDOUT}
    if not merged:
        fds[proc.stderr.fileno()] = SH_STDERR
    for fd, tag in fds.items():
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, tag)
    sel.register(st.wake_r, selectors.EVENT_READ, None)
    stdin = _Stdin(proc, v2)
    pending = bytearray()
    drop_marker = board.root / DROP_MARKER.lstrip("/")
    limit = 4 * st.conn.maxdata

    def frame(tag: int, data: bytes) -> bytes:
        return struct.pack("<BI", tag, len(data)) + data if v2 else data

    try:
        first = True
        while fds:
            if st.closed:
                raise StreamClosed()
            if len(pending) >= limit:
                # back-pressure: stop reading the command's output until the host catches up
                if st.wait_writable(timeout=0.05):
                    chunk = bytes(pending[: st.conn.maxdata])
                    del pending[: len(chunk)]
                    st.send_chunk(chunk)
                if drop_marker.exists():
                    _flush_then_drop(st, pending, drop_marker)
                continue
            events = sel.select(0.05)
            got = False
            for key, _ in events:
                if key.data is None:
                    try:
                        os.read(st.wake_r, 4096)
                    except BlockingIOError:
                        pass
                    continue
                try:
                    data = os.read(key.fd, 256 * 1024)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fd)
                    del fds[key.fd]
                    continue
                pending += frame(key.data, data)
                got = True
            while True:
                try:
                    item = st.inbox.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    raise StreamClosed()
                stdin.feed(item)
            if drop_marker.exists():
                _drain(fds, pending, frame)
                _flush_then_drop(st, pending, drop_marker)
                return
            if got and first and fds:
                # coalesce: give a short command the chance to finish before the first WRTE
                first = False
                time.sleep(0.002)
                continue
            if pending and st.can_write:
                chunk = bytes(pending[: st.conn.maxdata])
                del pending[: len(chunk)]
                st.send_chunk(chunk)
        rc = proc.wait()
        if v2:
            pending += frame(SH_EXIT, bytes([_exit_status(rc) & 0xFF]))
        if pending:
            st.write(bytes(pending))
    finally:
        sel.close()
        st.kill()
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass


def _drain(fds: dict, pending: bytearray, frame: Callable[[int, bytes], bytes]) -> None:
    for fd, tag in list(fds.items()):
        while True:
            try:
                data = os.read(fd, 65536)
            except (BlockingIOError, OSError):
                break
            if not data:
                break
            pending += frame(tag, data)


def _flush_then_drop(st: Stream, pending: bytearray, marker: Path) -> None:
    """The `drop` fault: deliver the partial output, then cut the TCP connection."""
    try:
        marker.unlink()
    except OSError:
        pass
    try:
        if pending:
            st.wait_writable(timeout=2.0)
            st.send_chunk(bytes(pending[: st.conn.maxdata]))
            st.wait_writable(timeout=2.0)
    except StreamClosed:
        pass
    st.conn.abort()
    raise StreamClosed()
