"""Request ids, structured JSON logs and Prometheus metrics (`GET /metrics`).

Every request gets an id (the caller's `X-Request-ID` when it is sane, else a new one), sent
back in `X-Request-ID` and written on every log line made while serving it. Logs are one JSON
object per line. Metrics are this process's own (each server process exposes its own; a
scraper sums them), written in the Prometheus text format by hand: a few counters and one
histogram do not need a client library.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
import uuid
from bisect import bisect_left
from collections import defaultdict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.paths import EXEC_PATH, START_PATH

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
log = logging.getLogger("kubedrill.http")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
               "level": record.levelname.lower(), "logger": record.name,
               "msg": record.getMessage()}
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            out["request_id"] = rid
        out.update(getattr(record, "fields", {}))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for our loggers and uvicorn's (idempotent)."""
    formatter = JsonFormatter()
    formatter.converter = time.gmtime
    for name in ("kubedrill", "app", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
            continue
        handler = logging.StreamHandler()
        handler.setFormatter(formatter)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False


class Metrics:
    """Counters and histograms with labels, rendered as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[tuple[str, tuple], float] = defaultdict(float)
        self.histograms: dict[tuple[str, tuple], list[float]] = {}
        self.help: dict[str, tuple[str, str]] = {}

    def declare(self, name: str, kind: str, text: str) -> None:
        self.help[name] = (kind, text)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        with self._lock:
            self.counters[(name, tuple(sorted(labels.items())))] += amount

    def observe(self, name: str, value: float, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            counts = self.histograms.setdefault(key, [0.0] * (len(BUCKETS) + 2))
            counts[bisect_left(BUCKETS, value)] += 1  # last-but-one slot: +Inf
            counts[-1] += value  # last slot: the sum

    def render(self, gauges: dict[str, float]) -> str:
        lines: list[str] = []
        with self._lock:
            counters = dict(self.counters)
            histograms = {k: list(v) for k, v in self.histograms.items()}
        for name, (kind, text) in sorted(self.help.items()):
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            if kind == "gauge":
                lines.append(f"{name} {_num(gauges.get(name, 0))}")
            elif kind == "counter":
                series = [(k[1], v) for k, v in counters.items() if k[0] == name]
                for labels, value in sorted(series) or [((), 0.0)]:
                    lines.append(f"{name}{_labels(labels)} {_num(value)}")
            else:
                for (hname, labels), counts in sorted(histograms.items()):
                    if hname != name:
                        continue
                    total = 0.0
                    for bound, count in zip((*BUCKETS, "+Inf"), counts[:-1], strict=True):
                        total += count
                        le = labels + (("le", str(bound)),)
                        lines.append(f"{name}_bucket{_labels(le)} {_num(total)}")
                    lines.append(f"{name}_sum{_labels(labels)} {counts[-1]:.6f}")
                    lines.append(f"{name}_count{_labels(labels)} {_num(total)}")
        return "\n".join(lines) + "\n"


def _labels(labels: tuple) -> str:
    if not labels:
        return ""
    def escape(v: object) -> str:
        return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in labels) + "}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}"


def new_metrics() -> Metrics:
    m = Metrics()
    m.declare("kubedrill_attempts_active", "gauge", "Attempts running now (whole database).")
    m.declare("kubedrill_attempts_started_total", "counter", "Attempts started by this process.")
    m.declare("kubedrill_commands_total", "counter", "Command lines run, by channel.")
    m.declare("kubedrill_command_duration_seconds", "histogram",
              "Time to run one command line and save the twin, by channel.")
    m.declare("kubedrill_provider_errors_total", "counter",
              "Commands that failed inside the provider (internal errors).")
    m.declare("kubedrill_http_requests_total", "counter", "HTTP responses by status class.")
    m.declare("kubedrill_rate_limited_total", "counter",
              "Requests refused with 413, 429 or 503 (too many in progress).")
    return m


BUSY = "kubedrill.busy"  # scope key: app/web/saturation.py refused this request with 503


class RequestContext:
    """ASGI middleware: request id, one JSON log line per request, HTTP metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            took = time.perf_counter() - started
            if scope["type"] == "http":
                self._account(scope, status, took, rid)
            request_id.reset(token)

    def _account(self, scope: Scope, status: int, took: float, rid: str) -> None:
        method, path = scope.get("method", ""), scope.get("path", "")
        m = self.metrics
        m.inc("kubedrill_http_requests_total", status=f"{status // 100}xx")
        if status in (413, 429) or scope.get(BUSY):  # refused: not a command, not an error
            m.inc("kubedrill_rate_limited_total", status=str(status))
        elif method == "POST" and EXEC_PATH.match(path):
            m.inc("kubedrill_commands_total", via="api")
            m.observe("kubedrill_command_duration_seconds", took, via="api")
            if status >= 500:
                m.inc("kubedrill_provider_errors_total")
        elif method == "POST" and START_PATH.match(path) and status in (201, 303):
            m.inc("kubedrill_attempts_started_total")
        if path not in ("/healthz", "/readyz", "/metrics") and not path.startswith("/static/"):
            log.info("request", extra={"request_id": rid, "fields": {
                "method": method, "path": path, "status": status,
                "duration_ms": round(took * 1000, 2),
                "client": (scope.get("client") or ("",))[0]}})
