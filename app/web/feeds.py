"""Server-sent events for live pages (projector, control room, participants' broadcasts).

One snapshot per event and feed is computed at most every INTERVAL seconds, however many
browsers watch: 300 projector tabs cost the same database work as one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool

INTERVAL = 0.5
MAX_STREAM_S = 3600.0  # browsers reconnect on their own after this


class Feed:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def snapshot(self, key: tuple[str, str], render: Callable[[], str]) -> str:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < INTERVAL:
                return hit[1]
        value = render()
        with self._lock:
            self._cache[key] = (time.monotonic(), value)
        return value


FEED = Feed()


def sse(event: str, data: str) -> str:
    lines = data.splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


async def stream(key: tuple[str, str], event: str, render: Callable[[], str],
                 is_disconnected: Callable[[], object]) -> AsyncIterator[str]:
    """Send the snapshot whenever it changes; a comment every 15 s keeps proxies from idling."""
    last = None
    started = last_beat = time.monotonic()
    yield "retry: 2000\n\n"
    while time.monotonic() - started < MAX_STREAM_S:
        if await is_disconnected():  # type: ignore[misc]
            return
        value = await run_in_threadpool(FEED.snapshot, key, render)
        if value != last:
            last = value
            yield sse(event, value)
        elif time.monotonic() - last_beat > 15:
            last_beat = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(INTERVAL / 2)
