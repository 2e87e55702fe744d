"""A global cap on requests in progress: past it the server answers 503 at once, with
Retry-After, instead of queueing work it cannot finish in time.

One process runs twin commands on a small thread pool; when a room sends more than it can
serve, every request waits behind all the others and latency grows without bound. Refusing
the excess keeps the requests already accepted fast, and tells clients when to come back.
Only ordinary requests count: health checks, metrics, static files and the event feeds
(long-lived Server-Sent Events streams) pass without being counted. A command typed in the
browser terminal travels over its WebSocket, not as a request: app/web/terminal_ws.py takes a
place in the same `Capacity` for each one it runs, so the terminal and the API share the cap.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.observability import BUSY

UNCOUNTED = re.compile(r"^/(healthz|readyz|metrics|static/.*|events/[^/]+/feed/.*)$")


class Capacity:
    """Places for work in progress, shared by the HTTP middleware and the terminal.

    Used only from the event loop's thread (ASGI calls and WebSocket handlers run there), so
    it needs no lock; it counts this process only, like the rate limits."""

    def __init__(self, limit: int, retry_after_s: int = 1) -> None:
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.active = 0

    def try_enter(self) -> bool:
        if self.limit > 0 and self.active >= self.limit:
            return False
        self.active += 1
        return True

    def leave(self) -> None:
        self.active -= 1

    @property
    def busy_message(self) -> str:
        return f"the server is busy: try again in {self.retry_after_s}s"


class ConcurrencyCap:
    """ASGI middleware: at most `limit` requests in progress (0: no cap), else 503.

    The counter lives on the event loop's thread (ASGI calls run there), so it needs no lock;
    it counts this process only, like the rate limits. Refusals are counted by
    app/web/observability.py in `kubedrill_rate_limited_total{status="503"}`."""

    def __init__(self, app: ASGIApp, limit: int = 0, retry_after_s: int = 1,
                 capacity: Capacity | None = None) -> None:
        self.app = app
        self.capacity = capacity or Capacity(limit, retry_after_s)

    @property
    def active(self) -> int:
        return self.capacity.active

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cap = self.capacity
        if scope["type"] != "http" or cap.limit <= 0 or UNCOUNTED.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if not cap.try_enter():
            scope[BUSY] = True
            body = json.dumps({"detail": cap.busy_message}).encode()
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(cap.retry_after_s).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            cap.leave()
