"""Request limits: body size (413) and token-bucket rates (429 with Retry-After).

Every limit answers JSON `{"detail": ...}` with the right status, so a script or a browser
knows what happened and when to try again. The buckets live in this process's memory: with
several server processes behind a load balancer each process counts on its own, so the
effective limit is the configured one times the number of processes (see README).

Which requests are counted is declared once, in `RULES`, by method and path:

| bucket   | requests                                                  | keyed by             |
|----------|-----------------------------------------------------------|----------------------|
| start    | POST /api/attempts, POST /scenarios/{id}/start            | client IP            |
| command  | POST /api/attempts/{id}/exec, terminal `exec` frames      | attempt + its token  |
| answer   | POST /api/attempts/{id}/answer, POST /attempts/{id}/answer| attempt + its token  |

Buckets of one attempt are keyed by the token presented as well, so a stranger who knows an
attempt's id (debrief links are shared) cannot use up its owner's allowance.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.web.paths import ANSWER_PATH, EXEC_PATH, START_PATH


@dataclass
class Bucket:
    """`capacity` tokens, refilled at `rate` per second; one request takes one token."""

    rate: float
    capacity: float
    tokens: float = field(default=-1.0)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def take(self, now: float, n: float = 1.0) -> float:
        """Take `n` tokens; return 0 when allowed, else the seconds until they are there (a
        request for more than `capacity` tokens waits as if for exactly `capacity`)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        n = min(n, self.capacity)
        if self.tokens >= n:
            self.tokens -= n
            return 0.0
        return (n - self.tokens) / self.rate


class Limiter:
    """Named token buckets per key, thread-safe; idle full buckets are dropped now and then."""

    def __init__(self, settings: Settings, clock=time.monotonic) -> None:  # noqa: ANN001
        self._clock = clock
        self._shapes = {
            "start": (settings.attempts_per_ip_per_min / 60, settings.attempts_per_ip_per_min),
            "command": (settings.commands_per_s, settings.commands_burst),
            "answer": (settings.answers_per_min / 60, settings.answers_per_min),
        }
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._lock = threading.Lock()
        self._next_prune = clock() + 60

    def retry_after(self, name: str, key: str) -> float:
        """0 when the request may go ahead, else how many seconds to wait."""
        rate, capacity = self._shapes[name]
        if rate <= 0:  # 0 disables this limit
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get((name, key))
            if bucket is None:
                bucket = self._buckets[(name, key)] = Bucket(rate, max(1.0, capacity), stamp=now)
            wait = bucket.take(now)
            if now >= self._next_prune:
                self._prune(now)
            return wait

    def _prune(self, now: float) -> None:
        self._next_prune = now + 60
        for k, b in list(self._buckets.items()):
            if b.tokens + (now - b.stamp) * b.rate >= b.capacity:
                del self._buckets[k]

    def __len__(self) -> int:
        return len(self._buckets)


MESSAGES = {
    "start": "too many attempts started from your address: try again in {s}s",
    "command": "too many commands: slow down and try again in {s}s",
    "answer": "too many answers: try again in {s}s",
    "input": "typing too fast: that input was not sent, try again in {s}s",
}

RULES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", START_PATH, "start"),
    ("POST", EXEC_PATH, "command"),
    ("POST", ANSWER_PATH, "answer"),
]


def attempt_key(attempt_id: str, token: str | None) -> str:
    digest = hashlib.sha256((token or "").encode()).hexdigest()[:16]
    return f"{attempt_id}:{digest}"


def _token(scope: Scope, attempt_id: str) -> str:
    headers = dict(scope.get("headers") or [])
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    name = f"kd_attempt_{attempt_id}="
    for part in cookie.split(";"):
        part = part.strip()
        if part.startswith(name):
            return part[len(name):]
    return ""


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def whole_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


def refusal_frame(name: str, wait: float) -> dict[str, Any]:
    """The terminals' (line and raw) answer to a rate limit: a WebSocket error frame with the
    same wording and whole seconds as the HTTP 429."""
    seconds = whole_seconds(wait)
    return {"type": "error", "retry_after": seconds, "detail": MESSAGES[name].format(s=seconds)}


def too_many(detail: str, wait: float) -> tuple[int, dict[str, str], bytes]:
    seconds = whole_seconds(wait)
    return 429, {"Retry-After": str(seconds)}, json.dumps(
        {"detail": detail.format(s=seconds)}).encode()


class _TooLarge(StarletteHTTPException):
    """Raised from the body reader; the app's HTTP error handler answers it (JSON under /api)."""


class LimitsMiddleware:
    """ASGI middleware: refuses oversized bodies (413) and requests over a rate (429)."""

    def __init__(self, app: ASGIApp, limiter: Limiter, max_body_bytes: int) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        denied = self._rate(scope)
        if denied is not None:
            await _respond(send, *denied)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _respond(send, *self._too_large())
            return

        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge(413, self._detail())
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _respond(send, *self._too_large())

    def _detail(self) -> str:
        return f"request body too large (limit {self.max_body // 1024} KiB)"

    def _too_large(self) -> tuple[int, dict[str, str], bytes]:
        return 413, {}, json.dumps({"detail": self._detail()}).encode()

    def _rate(self, scope: Scope) -> tuple[int, dict[str, str], bytes] | None:
        method, path = scope.get("method", ""), scope.get("path", "")
        for rule_method, pattern, name in RULES:
            if method != rule_method:
                continue
            match = pattern.match(path)
            if not match:
                continue
            if name == "start":
                key = client_ip(scope)
            else:
                attempt_id = match.group("id")
                key = attempt_key(attempt_id, _token(scope, attempt_id))
            wait = self.limiter.retry_after(name, key)
            return too_many(MESSAGES[name], wait) if wait else None
        return None


async def _respond(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
