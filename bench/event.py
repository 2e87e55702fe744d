"""A workshop of N participants (default 300) against one server process over real HTTP.

Prints join time, command latency p50/p99 and how long the leaderboard feed (SSE) takes to
show a correct answer. Targets (issue "Game days"): command p99 < 50 ms, leaderboard < 1 s.
Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import running_server  # noqa: E402

N = int(os.environ.get("BENCH_PARTICIPANTS", "300"))
COMMANDS = ["kubectl get nodes", "crictl ps -a", "journalctl -u kubelet -n 5",
            "grep -n listen /etc/kubernetes/manifests/etcd.yaml"]
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
CAUSE = "the etcd manifest misspells the --listen-client-urls flag"


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * q))] * 1000


async def main(url: str) -> None:
    limits = httpx.Limits(max_connections=CONCURRENCY + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        r = await client.post("/api/events", json={"name": "bench",
                                                   "scenario_ids": ["etcd-manifest-typo"]})
        code = r.json()["code"]
        sem = asyncio.Semaphore(CONCURRENCY)
        joins: list[float] = []
        people: list[dict] = []
        failed: list[str] = []

        async def join(i: int) -> None:
            async with sem:
                t = time.perf_counter()
                try:
                    r = await client.post("/api/attempts", json={
                        "scenario_id": "etcd-manifest-typo", "event_code": code,
                        "name": f"p{i}"})
                except httpx.HTTPError as err:
                    failed.append(type(err).__name__)
                    return
                joins.append(time.perf_counter() - t)
                if r.status_code != 201:
                    failed.append(f"{r.status_code} {r.text[:80]}")
                    return
                body = r.json()
                people.append({"id": body["id"],
                               "h": {"Authorization": f"Bearer {body['token']}"}})

        t0 = time.perf_counter()
        await asyncio.gather(*(join(i) for i in range(N)))
        print(f"{N} joins in {time.perf_counter() - t0:.1f} s: median "
              f"{pct(joins, 0.5):.0f} ms  p99 {pct(joins, 0.99):.0f} ms"
              + (f"  ({len(failed)} refused: {sorted(set(failed))[:3]})" if failed else ""))

        latencies: list[float] = []

        errors: list[str] = []

        async def work(p: dict) -> None:
            for cmd in COMMANDS:
                async with sem:
                    t = time.perf_counter()
                    try:
                        r = await client.post(f"/api/attempts/{p['id']}/exec",
                                              json={"command": cmd}, headers=p["h"])
                    except httpx.HTTPError as err:  # counted, as bench/api.py does
                        errors.append(type(err).__name__)
                        continue
                    latencies.append(time.perf_counter() - t)
                    if r.status_code != 200:
                        errors.append(str(r.status_code))

        t0 = time.perf_counter()
        await asyncio.gather(*(work(p) for p in people))
        took = time.perf_counter() - t0
        print(f"{len(latencies)} commands in {took:.1f} s ({len(latencies) / took:.0f}/s) with "
              f"{CONCURRENCY} in flight: p50 {pct(latencies, 0.5):.1f} ms  "
              f"p99 {pct(latencies, 0.99):.1f} ms"
              + (f"  errors {len(errors)} {sorted(set(errors))}" if errors else ""))

        delays = []
        for p in people[:5]:
            async with client.stream("GET", f"/events/{code}/feed/leaderboard") as feed:
                lines = feed.aiter_lines()
                async for line in lines:  # the current board first
                    if line.startswith("data:"):
                        break
                t = time.perf_counter()
                await client.post(f"/api/attempts/{p['id']}/answer",
                                  json={"component": "etcd", "cause": CAUSE}, headers=p["h"])
                name = [q for q in people].index(p)
                async for line in lines:
                    if f"p{name}<" in line or f"p{name} " in line:
                        delays.append(time.perf_counter() - t)
                        break
                    if time.perf_counter() - t > 10:
                        break
        if delays:
            print(f"leaderboard update delay: median {statistics.median(delays) * 1000:.0f} ms"
                  f"  max {max(delays) * 1000:.0f} ms  (n={len(delays)})")


if __name__ == "__main__":
    with running_server() as base_url:
        asyncio.run(main(base_url))
