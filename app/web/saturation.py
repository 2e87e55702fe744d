"""A global cap on requests in progress: past it the server answers 503 at once, with
Retry-After, instead of queueing work it cannot finish in time.

One process runs twin commands on a small thread pool; when a room sends more than it can
serve, every request waits behind all the others and latency grows without bound. Refusing
the excess keeps the requests already accepted fast, and tells clients when to come back.
Only ordinary requests count: health checks, metrics, static files and the event feeds
(long-lived Server-Sent Events streams) pass without being counted.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.observability import BUSY

UNCOUNTED = re.compile(r"^/(healthz|readyz|metrics|static/.*|events/[^/]+/feed/.*)$")


class ConcurrencyCap:
    """ASGI middleware: at most `limit` requests in progress (0: no cap), else 503.

    The counter lives on the event loop's thread (ASGI calls run there), so it needs no lock;
    it counts this process only, like the rate limits. Refusals are counted by
    app/web/observability.py in `kubedrill_rate_limited_total{status="503"}`."""

    def __init__(self, app: ASGIApp, limit: int, retry_after_s: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0 or UNCOUNTED.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            scope[BUSY] = True
            body = json.dumps({"detail": f"the server is busy: try again in "
                                         f"{self.retry_after_s}s"}).encode()
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(self.retry_after_s).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1
