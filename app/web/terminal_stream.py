"""Streaming lines on the line-mode terminal: after `tail -f`, `journalctl -f`, `kubectl logs -f`,
`kubectl get -w`, `watch` or `sleep` printed their first screen, a beat re-runs the line against
the twin (advanced to now) and sends what the real tool would print next, until Ctrl-C (an
`interrupt` frame), the stream's natural end, the attempt's end, or MAX_STREAM_S.

The WebSocket loop keeps receiving meanwhile, so Ctrl-C and resizes get through.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import WebSocket
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.providers.sim.shell.follow import MAX_STREAM_S, Follow
from app.training import service

log = logging.getLogger(__name__)
MAX_BEAT_CHARS = 64 * 1024
INTERRUPTED = 130  # bash's exit status after SIGINT


class Stream:
    """One streaming line; `stop()` is Ctrl-C."""

    def __init__(self, follow: Follow) -> None:
        self.follow = follow
        self._stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def stop(self) -> None:
        self._stop.set()

    async def run(self, ws: WebSocket, engine: Engine, attempt_id: str, ctx: dict,
                  done: Callable[[int], Awaitable[None]]) -> None:
        start = time.monotonic()
        code = 0
        interval = min(self.follow.interval, self.follow.seconds or self.follow.interval)
        while True:
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=interval)
                code = INTERRUPTED
                break
            except TimeoutError:
                pass
            elapsed = time.monotonic() - start
            if elapsed > MAX_STREAM_S:
                await ws.send_json({"type": "output", "data": "\n(kubedrill: stream stopped "
                                    f"after {MAX_STREAM_S // 60} minutes)\n"})
                break

            def beat(elapsed: float = elapsed) -> tuple[str, bool]:
                with Session(engine) as db:
                    attempt = service.get_attempt(db=db, attempt_id=attempt_id)

                    def again(line: str) -> str:
                        return service.rerun(db=db, catalog=ctx["catalog"],
                                             provider=ctx["provider"], attempt=attempt,
                                             command=line)

                    return self.follow.tick(again, elapsed)

            try:
                text, finished = await run_in_threadpool(beat)
            except service.Conflict as err:  # the attempt ended or the event paused
                await ws.send_json({"type": "ended", "detail": err.detail})
                return
            except Exception:  # noqa: BLE001 - a stream must never take the session down
                log.exception("stream beat failed")
                code = 1
                break
            if text:
                await ws.send_json({"type": "output", "data": text[-MAX_BEAT_CHARS:]})
            if finished:
                break
        await done(code)
