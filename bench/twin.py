"""Twin figures: cluster creation time, memory per live cluster, serialise/restore time and size.

Targets (issue "The twin"): create < 20 ms, < 2 MB per cluster, restore < 10 ms.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.training.snapshots import decode, encode

N = 100


def timed(fn, n: int = N) -> list[float]:  # noqa: ANN001
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def show(name: str, values: list[float], unit: str = "ms", scale: float = 1000) -> None:
    v = sorted(values)
    print(f"{name:40} min {v[0] * scale:8.2f} {unit}  median {statistics.median(v) * scale:8.2f}"
          f" {unit}  max {v[-1] * scale:8.2f} {unit}  (n={len(v)})")


def main() -> None:
    clock = Clock(frozen_at=1764118800.0)
    create_cluster("kind", 1, 1, clock=clock)  # warm the per-process PKI and manifest caches
    show("create 1 CP + 1 worker", timed(lambda i: create_cluster("kind", 1, 1, seed=i,
                                                                  clock=clock)))
    show("create 1 CP + 2 workers", timed(lambda i: create_cluster("kind", 1, 2, seed=i,
                                                                   clock=clock)))
    cluster = create_cluster("kind", 1, 1, clock=clock)
    blob = encode(cluster)
    show("serialise (to_json + encode)", timed(lambda i: encode(cluster)))
    show("restore (decode + from_json)", timed(lambda i: decode(blob)))
    print(f"{'serialised size':40} {len(blob) / 1024:8.1f} KiB")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    live = [create_cluster("kind", 1, 1, seed=i, clock=clock) for i in range(50)]
    after = tracemalloc.take_snapshot()
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    print(f"{'memory per live cluster (50 live)':40} {total / len(live) / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
