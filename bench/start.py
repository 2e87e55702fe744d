"""Time from "Start" to a live terminal, over real HTTP and WebSocket against one server.

Prints min/median/p99/max of: POST /api/attempts, and from that POST to the terminal's hello
frame. Not a test: figures only.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import running_server  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def summary(name: str, values: list[float]) -> None:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    median = statistics.median(values)
    print(f"{name:32} min {values[0] * 1000:7.1f} ms  median {median * 1000:7.1f}"
          f" ms  p99 {p99 * 1000:7.1f} ms  max {values[-1] * 1000:7.1f} ms  (n={len(values)})")


async def main(url: str) -> None:
    create, live = [], []
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(RUNS):
            t0 = time.perf_counter()
            r = await client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"})
            t1 = time.perf_counter()
            body = r.json()
            ws_url = url.replace("http", "ws") + f"/api/attempts/{body['id']}/terminal" \
                f"?token={body['token']}"
            async with websockets.connect(ws_url) as ws:
                hello = json.loads(await ws.recv())
                assert hello["type"] == "hello", hello
            t2 = time.perf_counter()
            create.append(t1 - t0)
            live.append(t2 - t0)
    summary("POST /api/attempts", create)
    summary("Start -> terminal hello", live)


if __name__ == "__main__":
    with running_server() as base_url:
        asyncio.run(main(base_url))
