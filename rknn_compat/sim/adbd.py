"""A small adbd: speaks the real ADB wire protocol over TCP for one simulated board.

Protocol facts are from /work/shared/reference/adb-protocol-notes.md (AOSP system/core at
platform-tools-29.0.6: adb/protocol.txt, adb.h, transport.cpp, daemon/file_sync_service.cpp,
shell_protocol.h).  Written from those facts; no code was copied.

Threads: one accept thread per board, one reader thread per TCP connection, one worker thread
per stream (shell command or sync session).  A stream may send one WRTE after the OPEN and
then one more per OKAY from the host.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import selectors
import signal
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

from rknn_compat.sim import rootfs as rfs
from rknn_compat.sim.net import USER_ADB_SERVER_PORT, scanned_by_adb
from rknn_compat.sim.profile import Profile

log = logging.getLogger(__name__)

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_AUTH = 0x48545541
A_VERSION = 0x01000001
MAX_PAYLOAD_V1 = 4096
AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3

# shell protocol packet ids (shell_protocol.h)
SH_STDIN, SH_STDOUT, SH_STDERR, SH_EXIT, SH_CLOSE_STDIN, SH_WINSIZE = range(6)

SYNC_DATA_MAX = 64 * 1024


def _pack(cmd: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    return struct.pack(
        "<6I", cmd, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, cmd ^ 0xFFFFFFFF
    ) + data


def banner(profile: Profile) -> bytes:
    feats = ",".join(profile.features)
    b = (
        f"device::ro.product.name={profile.product_name};ro.product.model={profile.model};"
        f"ro.product.device={profile.device};features={feats}"
    ).encode()
    if len(b) + 24 > MAX_PAYLOAD_V1:
        raise ValueError("CNXN banner does not fit in 4096 bytes")
    return b


class _Closed(Exception):
    pass


class Stream:
    def __init__(self, conn: Connection, local_id: int, remote_id: int, service: str):
        self.conn = conn
        self.local_id = local_id
        self.remote_id = remote_id
        self.service = service
        self.cond = threading.Condition()
        self.can_write = True  # the OPEN counts as a READY
        self.closed = False  # by either side
        self.host_closed = False
        self.inbox: queue.Queue[bytes | None] = queue.Queue()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        self.proc: subprocess.Popen | None = None

    # -- called from the connection reader thread
    def on_okay(self) -> None:
        with self.cond:
            self.can_write = True
            self.cond.notify_all()
        self._wake()

    def on_write(self, data: bytes) -> None:
        self.inbox.put(data)
        self._wake()

    def on_close(self) -> None:
        with self.cond:
            self.host_closed = True
            self.closed = True
            self.cond.notify_all()
        self.inbox.put(None)
        self._wake()
        self.kill()

    def _wake(self) -> None:
        try:
            os.write(self.wake_w, b"x")
        except OSError:
            pass

    def kill(self) -> None:
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    # -- called from the worker thread
    def wait_writable(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while not self.can_write and not self.closed and not self.conn.dead:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self.cond.wait(left if left is not None else 0.5)
            if self.closed or self.conn.dead:
                raise _Closed()
            return True

    def write(self, data: bytes) -> None:
        """Send ``data`` in WRTEs no larger than maxdata, obeying flow control."""
        mv = memoryview(data)
        while mv:
            self.wait_writable()
            chunk = bytes(mv[: self.conn.maxdata])
            mv = mv[len(chunk):]
            self.send_chunk(chunk)

    def send_chunk(self, chunk: bytes) -> None:
        self.conn.latency()
        with self.cond:
            if self.closed:
                raise _Closed()
            self.can_write = False
        self.conn.send(A_WRTE, self.local_id, self.remote_id, chunk)

    def close(self) -> None:
        with self.cond:
            was = self.closed
            self.closed = True
            self.cond.notify_all()
        if not was:
            self.conn.send(A_CLSE, self.local_id, self.remote_id)
        self.kill()

    def cleanup(self) -> None:
        for fd in (self.wake_r, self.wake_w):
            try:
                os.close(fd)
            except OSError:
                pass


class Connection:
    def __init__(self, board: Board, sock: socket.socket):
        self.board = board
        self.sock = sock
        self.send_lock = threading.Lock()
        self.streams: dict[int, Stream] = {}
        self.next_id = 1
        self.maxdata = MAX_PAYLOAD_V1
        self.version = A_VERSION
        self.dead = False
        self.online = False
        self.workers: list[threading.Thread] = []
        self.thread = threading.Thread(target=self.run, name=f"adbd-conn-{board.port}",
                                       daemon=True)

    def latency(self) -> None:
        ms = self.board.profile.faults.latency_ms
        if ms:
            time.sleep(ms / 1000.0)

    def send(self, cmd: int, a0: int, a1: int, data: bytes = b"") -> None:
        pkt = _pack(cmd, a0, a1, data)
        with self.send_lock:
            if self.dead:
                raise _Closed()
            try:
                self.sock.sendall(pkt)
            except OSError as e:
                self.dead = True
                raise _Closed() from e

    def _recv_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise _Closed()
            buf += chunk
        return bytes(buf)

    def run(self) -> None:
        try:
            while not self.dead:
                hdr = self._recv_exact(24)
                cmd, a0, a1, dlen, _chk, magic = struct.unpack("<6I", hdr)
                if magic != cmd ^ 0xFFFFFFFF or dlen > 1024 * 1024:
                    log.debug("bad packet header, dropping connection")
                    break
                data = self._recv_exact(dlen) if dlen else b""
                self.handle(cmd, a0, a1, data)
        except (_Closed, OSError):
            pass
        finally:
            self.abort()

    def handle(self, cmd: int, a0: int, a1: int, data: bytes) -> None:
        prof = self.board.profile
        if cmd == A_CNXN:
            if prof.faults.offline:
                return  # accept TCP, never answer: the host shows `offline`
            self.version = min(a0, A_VERSION)
            self.maxdata = min(a1, prof.maxdata) if a1 else prof.maxdata
            if prof.auth == "reject":
                self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))
                return
            self.latency()
            self.send(A_CNXN, A_VERSION, prof.maxdata, banner(prof))
            self.online = True
        elif cmd == A_AUTH:
            if prof.auth == "reject" and a0 == AUTH_SIGNATURE:
                self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))
            # RSAPUBLICKEY: a real device would show a dialog; nobody ever accepts it here
        elif not self.online:
            return
        elif cmd == A_OPEN:
            service = data.rstrip(b"\0").decode("utf-8", "replace")
            self.open_stream(a0, service)
        elif cmd == A_OKAY:
            st = self.streams.get(a1)
            if st is not None and st.remote_id in (a0, 0):
                st.remote_id = a0
                st.on_okay()
        elif cmd == A_WRTE:
            st = self.streams.get(a1)
            if st is None:
                self.send(A_CLSE, 0, a0)
                return
            self.send(A_OKAY, a1, a0)
            st.on_write(data)
        elif cmd == A_CLSE:
            st = self.streams.get(a1)
            if st is not None:
                st.on_close()

    def open_stream(self, remote_id: int, service: str) -> None:
        handler = None
        if service.startswith("shell") and ":" in service:
            handler = _run_shell
        elif service.startswith("exec:"):
            handler = _run_shell
        elif service == "sync:":
            handler = _run_sync
        if handler is None:
            log.debug("refusing service %r", service)
            self.send(A_CLSE, 0, remote_id)
            return
        lid = self.next_id
        self.next_id += 1
        st = Stream(self, lid, remote_id, service)
        self.streams[lid] = st
        t = threading.Thread(target=self._worker, args=(handler, st), daemon=True,
                             name=f"adbd-{service[:12]}")
        self.workers = [w for w in self.workers if w.is_alive()]
        self.workers.append(t)
        t.start()

    def _worker(self, handler, st: Stream) -> None:
        try:
            self.latency()
            self.send(A_OKAY, st.local_id, st.remote_id)
            handler(self.board, st)
            st.close()
        except _Closed:
            pass
        except Exception:  # pragma: no cover - keep the board alive, log the bug
            log.exception("stream %s failed", st.service)
            try:
                st.close()
            except _Closed:
                pass
        finally:
            st.kill()
            self.streams.pop(st.local_id, None)
            st.cleanup()

    def abort(self) -> None:
        self.dead = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        for st in list(self.streams.values()):
            with st.cond:
                st.closed = True
                st.cond.notify_all()
            st.inbox.put(None)
            st._wake()
            st.kill()
        self.board._forget(self)


# ---------------------------------------------------------------------------------------------
# shell service


def _parse_shell_service(service: str) -> tuple[bool, bool, str | None, str]:
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


def _run_shell(board: Board, st: Stream) -> None:
    v2, merged, term, cmd = _parse_shell_service(st.service)
    prof = board.profile
    argv = rfs.shell_argv(prof, board.root, cmd)
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        env=rfs.board_env(prof, term), cwd=str(board.root), start_new_session=True,
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
    stdin_buf = bytearray()
    pending = bytearray()
    drop_marker = board.root / rfs.DROP_MARKER.lstrip("/")
    limit = 4 * st.conn.maxdata
    stdin_open = True

    def frame(tag: int, data: bytes) -> bytes:
        return struct.pack("<BI", tag, len(data)) + data if v2 else data

    def feed_stdin(data: bytes) -> None:
        nonlocal stdin_open
        if not v2:
            if stdin_open:
                try:
                    proc.stdin.write(data)
                    proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    stdin_open = False
            return
        stdin_buf.extend(data)
        while len(stdin_buf) >= 5:
            tag, ln = struct.unpack_from("<BI", stdin_buf)
            if len(stdin_buf) < 5 + ln:
                break
            payload = bytes(stdin_buf[5:5 + ln])
            del stdin_buf[:5 + ln]
            if tag == SH_STDIN and stdin_open:
                try:
                    proc.stdin.write(payload)
                    proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    stdin_open = False
            elif tag == SH_CLOSE_STDIN and stdin_open:
                stdin_open = False
                try:
                    proc.stdin.close()
                except OSError:
                    pass

    try:
        first = True
        while fds:
            if st.closed:
                raise _Closed()
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
                    raise _Closed()
                feed_stdin(item)
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


def _drain(fds: dict, pending: bytearray, frame) -> None:
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
    except _Closed:
        pass
    st.conn.abort()
    raise _Closed()


# ---------------------------------------------------------------------------------------------
# sync service


def _resolve(root: Path, path: str, follow_last: bool = True) -> Path:
    """Map a board path to a host path under ``root``, following symlinks inside the board."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    hops = 0
    while parts:
        name = parts.pop(0)
        if name == "..":
            if resolved:
                resolved.pop()
            continue
        cand = root.joinpath(*resolved, name)
        if cand.is_symlink() and (parts or follow_last):
            hops += 1
            if hops > 40:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
            target = os.readlink(cand)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(name)
    return root.joinpath(*resolved)


class _SyncReader:
    def __init__(self, st: Stream):
        self.st = st
        self.buf = bytearray()

    def read(self, n: int) -> bytes:
        while len(self.buf) < n:
            item = self.st.inbox.get()
            if item is None:
                raise _Closed()
            self.buf += item
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def _stat_v1(root: Path, path: str) -> bytes:
    try:
        s = os.lstat(_resolve(root, path, follow_last=False))
        return struct.pack("<4sIII", b"STAT", s.st_mode, s.st_size & 0xFFFFFFFF,
                           int(s.st_mtime) & 0xFFFFFFFF)
    except OSError:
        return struct.pack("<4sIII", b"STAT", 0, 0, 0)


def _v2_fields(s: os.stat_result) -> tuple:
    return (s.st_dev, s.st_ino, s.st_mode, s.st_nlink, 0, 0, s.st_size,
            int(s.st_atime), int(s.st_mtime), int(s.st_ctime))


def _stat_v2(root: Path, rid: bytes, path: str, follow: bool) -> bytes:
    try:
        p = _resolve(root, path, follow_last=follow)
        s = os.stat(p) if follow else os.lstat(p)
        return struct.pack("<4sIQQIIIIQqqq", rid, 0, *_v2_fields(s))
    except OSError as e:
        return struct.pack("<4sIQQIIIIQqqq", rid, e.errno or errno.ENOENT, 0, 0, 0, 0, 0, 0, 0,
                           0, 0, 0)


def _list(root: Path, path: str, v2: bool) -> bytes:
    out = bytearray()
    try:
        d = _resolve(root, path)
        names = [".", ".."] + sorted(os.listdir(d))
    except OSError:
        names = []
        d = root
    for name in names:
        try:
            s = os.lstat(d / name)
        except OSError:
            continue
        nb = name.encode("utf-8", "surrogateescape")
        if v2:
            out += struct.pack("<4sIQQIIIIQqqqI", b"DNT2", 0, *_v2_fields(s), len(nb)) + nb
        else:
            out += struct.pack("<4sIIII", b"DENT", s.st_mode, s.st_size & 0xFFFFFFFF,
                               int(s.st_mtime) & 0xFFFFFFFF, len(nb)) + nb
    if v2:
        out += b"DONE" + bytes(struct.calcsize("<IQQIIIIQqqqI"))
    else:
        out += b"DONE" + bytes(16)
    return bytes(out)


def _fail(msg: str) -> bytes:
    m = msg.encode()
    return b"FAIL" + struct.pack("<I", len(m)) + m


def _recv(st: Stream, root: Path, path: str) -> None:
    try:
        p = _resolve(root, path)
        if p.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        f = open(p, "rb")
    except OSError as e:
        st.write(_fail(f"open failed: {os.strerror(e.errno or errno.ENOENT)}"))
        return
    with f:
        pending = bytearray()
        while True:
            data = f.read(SYNC_DATA_MAX)
            if data:
                pending += b"DATA" + struct.pack("<I", len(data)) + data
            else:
                pending += b"DONE" + struct.pack("<I", 0)
            while len(pending) >= st.conn.maxdata or (not data and pending):
                st.wait_writable()
                chunk = bytes(pending[: st.conn.maxdata])
                del pending[: len(chunk)]
                st.send_chunk(chunk)
            if not data:
                return


def _run_sync(board: Board, st: Stream) -> None:
    rd = _SyncReader(st)
    root = board.root
    while True:
        rid, ln = struct.unpack("<4sI", rd.read(8))
        if rid == b"QUIT":
            return
        if ln > 1024 * 1024:
            st.write(_fail("path too long"))
            return
        path = rd.read(ln).decode("utf-8", "surrogateescape") if ln else ""
        if rid == b"STAT":
            st.write(_stat_v1(root, path))
        elif rid in (b"STA2", b"LST2") and "stat_v2" in board.profile.features:
            st.write(_stat_v2(root, rid, path, follow=rid == b"STA2"))
        elif rid == b"LIST":
            st.write(_list(root, path, v2=False))
        elif rid == b"LIS2" and "ls_v2" in board.profile.features:
            st.write(_list(root, path, v2=True))
        elif rid == b"RECV":
            _recv(st, root, path)
        elif rid == b"SEND":
            # read-only board: swallow the upload, then refuse it
            while True:
                cid, n = struct.unpack("<4sI", rd.read(8))
                if cid == b"DATA":
                    rd.read(n)
                elif cid == b"DONE":
                    break
                else:
                    return
            st.write(_fail("couldn't create file: Read-only file system"))
        else:
            st.write(_fail(f"unknown sync command {rid!r}"))
            return


# ---------------------------------------------------------------------------------------------


class Board:
    """One simulated board: its rootfs and its adbd listening on 127.0.0.1:port."""

    def __init__(self, profile: Profile, root: Path, port: int | None = None):
        if port is not None and (scanned_by_adb(port) or port == USER_ADB_SERVER_PORT):
            raise ValueError(f"port {port} is in the range the adb server scans (5555-5585)")
        self.profile = profile
        self.root = root
        self._requested_port = port
        self.port = 0
        self.sock: socket.socket | None = None
        self.conns: list[Connection] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    serial = address

    def start(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self._requested_port is not None:
            s.bind(("127.0.0.1", self._requested_port))
        else:
            for _ in range(50):
                s.bind(("127.0.0.1", 0))
                if not scanned_by_adb(s.getsockname()[1]):
                    break
                s.close()
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.listen(8)
        s.settimeout(0.2)
        self.sock = s
        self.port = s.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name=f"adbd-{self.port}")
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            c.settimeout(None)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(self, c)
            with self._lock:
                self.conns.append(conn)
            conn.thread.start()

    def _forget(self, conn: Connection) -> None:
        with self._lock:
            if conn in self.conns:
                self.conns.remove(conn)

    def drop_connections(self) -> None:
        with self._lock:
            conns = list(self.conns)
        for c in conns:
            c.abort()

    def stop(self) -> None:
        self._stop.set()
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            conns = list(self.conns)
        for c in conns:
            c.abort()
        for c in conns:
            c.thread.join(timeout=5)
            for w in c.workers:
                w.join(timeout=5)
