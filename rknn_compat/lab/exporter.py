"""``rknn-compat exporter``: this host's boards as Prometheus metrics, probed in the background.

One exporter runs beside each host's adb server (as DeviceFarmer/STF runs one provider per host);
Prometheus scrapes every exporter.  Probing never happens at scrape time: a background thread runs
an inventory every ``interval`` seconds (bounded concurrency, a timeout per board) and a scrape
reads the last round's results.  The text exposition (HELP/TYPE lines, label escaping) is
``prometheus_client``'s.  Series, per board (labels ``adb_server``, ``serial``):

- ``rknn_compat_board_info``: 1, with ``serialno``, ``soc``, ``os``, the three component versions
  and the lab file's labels;
- ``rknn_compat_board_verdict{verdict=...}``: 1 for the current verdict, 0 for the others;
- ``rknn_compat_board_up``: 1 when the last probe read the board;
- ``rknn_compat_board_probe_duration_seconds``, ``rknn_compat_board_last_success_timestamp_seconds``;

and for the exporter: rounds, probes by result, the last round's duration, boards, servers up.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

from ..errors import RknnCompatError, UsageError
from ..results import VERDICTS, InventoryReport

BOARD = ("adb_server", "serial")
INFO = ("serialno", "soc", "os", "npu_driver", "rknn_server", "librknn_runtime")


class Exporter:
    """Runs ``probe_round()`` (an inventory) every ``interval`` s; ``collect()`` serves its last result."""

    def __init__(self, probe_round, interval: float):
        if interval <= 0:
            raise UsageError("--interval must be positive")
        self.probe_round = probe_round
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: InventoryReport | None = None
        self.last_error: str | None = None
        self.last_success: dict[tuple, float] = {}
        self.rounds = 0
        self.failed_rounds = 0
        self.probes = {"ok": 0, "error": 0}
        self.round_seconds = 0.0

    def run_round(self) -> InventoryReport | None:
        started = time.monotonic()
        try:
            inv = self.probe_round()
        except RknnCompatError as exc:  # every adb server down, a bad lab file: the next round may do better
            with self._lock:
                self.rounds += 1
                self.failed_rounds += 1
                self.last_error = str(exc)
                self.round_seconds = time.monotonic() - started
            return None
        now = time.time()
        with self._lock:
            self.rounds += 1
            self.last, self.last_error = inv, None
            self.round_seconds = time.monotonic() - started
            for b in inv.boards:
                ok = b.error is None
                self.probes["ok" if ok else "error"] += 1
                if ok:
                    self.last_success[_key(b)] = now
        return inv

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_round()
            self._stop.wait(self.interval)

    def start(self) -> Exporter:
        self._thread = threading.Thread(target=self._loop, name="rknn-exporter", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily

        with self._lock:
            inv, last_success = self.last, dict(self.last_success)
            rounds, failed, probes, seconds = self.rounds, self.failed_rounds, dict(self.probes), self.round_seconds
        boards = inv.boards if inv else []
        info = InfoMetricFamily("rknn_compat_board", "A board: its serial number, SoC, OS and NPU component "
                                "versions (empty: unknown), and its lab labels.", labels=BOARD)
        verdict = GaugeMetricFamily("rknn_compat_board_verdict", "1 for the board's verdict against the lab's "
                                    "toolkit, 0 for the other verdicts.", labels=(*BOARD, "verdict"))
        up = GaugeMetricFamily("rknn_compat_board_up", "1 when the last probe read the board, 0 when it could "
                               "not.", labels=BOARD)
        duration = GaugeMetricFamily("rknn_compat_board_probe_duration_seconds", "How long the last probe of "
                                     "the board took.", labels=BOARD)
        success = GaugeMetricFamily("rknn_compat_board_last_success_timestamp_seconds", "When the board was "
                                    "last read (Unix time).", labels=BOARD)
        for b in boards:
            key = list(_key(b))
            facts = {**b.platform, **b.components}
            values = {"serialno": b.device.serialno or ""}
            values.update({k: (facts[k].value or "") if k in facts else "" for k in INFO[1:]})
            values.update(b.device.labels or {})
            info.add_metric(key, values)
            for v in VERDICTS:
                verdict.add_metric([*key, v], 1.0 if b.verdict == v else 0.0)
            up.add_metric(key, 0.0 if b.error else 1.0)
            duration.add_metric(key, b.device.seconds or 0.0)
            if _key(b) in last_success:
                success.add_metric(key, last_success[_key(b)])
        yield from (info, verdict, up, duration, success)
        yield CounterMetricFamily("rknn_compat_exporter_rounds", "Probe rounds run.", value=rounds)
        yield CounterMetricFamily("rknn_compat_exporter_failed_rounds", "Rounds that read no board at all "
                                  "(every adb server down).", value=failed)
        by_result = CounterMetricFamily("rknn_compat_exporter_probes", "Board probes, by result (error: the "
                                        "board could not be reached or read).", labels=("result",))
        for result, n in probes.items():
            by_result.add_metric([result], n)
        yield by_result
        yield GaugeMetricFamily("rknn_compat_exporter_round_duration_seconds", "How long the last round took.",
                                value=seconds)
        yield GaugeMetricFamily("rknn_compat_exporter_boards", "Boards in the last round.", value=len(boards))
        servers = GaugeMetricFamily("rknn_compat_exporter_adb_server_up", "1 when the adb server answered in "
                                    "the last round.", labels=("adb_server",))
        for s in inv.servers if inv else []:
            servers.add_metric([s["adb_server"]], 0.0 if s.get("error") else 1.0)
        yield servers


def _key(board) -> tuple:
    return (board.device.adb_server or "", board.device.serial or "")


def exposition(exporter: Exporter) -> str:
    """The metrics as Prometheus' text format (what ``/metrics`` serves)."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    registry.register(exporter)
    return generate_latest(registry).decode("utf-8")


def parse_listen(text: str) -> tuple[str, int]:
    """``ADDR:PORT`` (``[::]:PORT`` for IPv6; port 0 takes any free one)."""
    host, sep, port = text.strip().rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not port.isdigit() or int(port) > 65535 or not host:
        raise UsageError(f"--listen: not ADDR:PORT: {text[:80]!r}")
    return host, int(port)


def make_server(exporter: Exporter, host: str, port: int):
    """An HTTP server answering ``/metrics`` (each request in its own thread); not yet serving."""
    import socket
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from wsgiref.simple_server import make_server as wsgi_server

    from prometheus_client import CollectorRegistry, make_wsgi_app

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:  # a scrape every few seconds is no news
            pass

    registry = CollectorRegistry()
    registry.register(exporter)
    try:
        return wsgi_server(host, port, make_wsgi_app(registry), Server, handler_class=Quiet)
    except OSError as exc:
        raise UsageError(f"--listen {host}:{port}: {exc.strerror or exc}") from None


def serve(probe_round, listen: str, interval: float, once: bool = False) -> int:
    """The ``exporter`` command: serve until SIGTERM or Ctrl-C (``once``: print one round, exit)."""
    exporter = Exporter(probe_round, interval)
    if once:
        inv = exporter.run_round()
        sys.stdout.write(exposition(exporter))
        if exporter.last_error:
            print(f"rknn-compat: error: {exporter.last_error}", file=sys.stderr)
        return int(inv.exit_code) if inv else 3
    host, port = parse_listen(listen)
    server = make_server(exporter, host, port)
    bound = server.server_address[1]
    where = f"[{host}]" if ":" in host else host
    print(f"rknn-compat exporter: serving http://{where}:{bound}/metrics, a round every {interval:g} s",
          file=sys.stderr, flush=True)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="rknn-metrics", daemon=True).start()
    exporter.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        exporter.stop()
        server.shutdown()
        server.server_close()
    return 0
