"""The `sim` provider: twins kept live in memory, persisted by the training layer.

A small LRU keeps recently used twins in memory, each with the version of the attempt it
matches; any other process (or this one after a restart) rebuilds a twin from its saved
snapshot and the commands journaled since (app/training/twinlog.py), so two server processes
never work on a stale copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster


class SimProvider:
    name = "sim"

    def __init__(self, cache_size: int = 500) -> None:
        self._live: OrderedDict[str, tuple[int, SimCluster]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def create(self, key: str, *, cluster_name: str, control_planes: int, workers: int,
               seed: int, age: float) -> SimCluster:
        cluster = create_cluster(cluster_name, control_planes, workers, seed=seed,
                                 clock=Clock(), age=age)
        self._remember(key, 0, cluster)
        return cluster

    def peek(self, key: str) -> tuple[int, SimCluster] | None:
        """(version, twin) held in memory for `key`, if any (app/training/twinlog.py)."""
        with self._lock:
            hit = self._live.get(key)
            if hit is not None:
                self._live.move_to_end(key)
            return hit

    def remember(self, key: str, version: int, cluster: SimCluster) -> None:
        self._remember(key, version, cluster)

    def release(self, key: str) -> None:
        with self._lock:
            self._live.pop(key, None)

    def _remember(self, key: str, version: int, cluster: SimCluster) -> None:
        with self._lock:
            self._live[key] = (version, cluster)
            self._live.move_to_end(key)
            while len(self._live) > self._cache_size:
                self._live.popitem(last=False)
