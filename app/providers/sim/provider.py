"""The `sim` provider: twins kept live in memory, persisted by the training layer.

A small LRU keeps recently used twins in memory, each with the version of the attempt it
matches; any other process (or this one after a restart) rebuilds a twin from its saved
snapshot and the commands journaled since (app/training/twinlog.py), so two server processes
never work on a stale copy.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
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

    def load(self, key: str, state: str, version: int) -> SimCluster:
        with self._lock:
            hit = self._live.get(key)
            if hit is not None and hit[0] == version:
                self._live.move_to_end(key)
                return hit[1]
        cluster = decode(state)
        self._remember(key, version, cluster)
        return cluster

    def save(self, key: str, cluster: SimCluster, version: int) -> str:
        self._remember(key, version, cluster)
        return encode(cluster)

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


# A snapshot is the twin's JSON values (`SimCluster.to_json`) pickled: six times faster to
# write than JSON text and faster to read, a third smaller (encoding the JSON was a seventh of
# starting an attempt). Only plain values go in and come out: the pickler refuses anything
# else (that snapshot is then written as JSON) and the unpickler names no class or function,
# so a snapshot can never run code. Base64 keeps it in the text column PostgreSQL holds.
SNAPSHOT_PICKLE = "pickle5:"


class _PlainPickler(pickle.Pickler):
    def reducer_override(self, obj: object) -> object:
        # Called only for what is not a plain int, float, str, list, tuple, dict...
        raise TypeError(f"not a JSON value: {type(obj).__name__}")


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"a twin snapshot names {module}.{name}")


def encode(cluster: SimCluster) -> str:
    """The twin as its snapshot stores it (see SNAPSHOT_PICKLE)."""
    raw = cluster.to_json()
    buf = io.BytesIO()
    try:
        # With pickle's memo, a value the live twin holds in two places comes back as one
        # object, as it was in the live twin (JSON made two copies).
        _PlainPickler(buf, protocol=5).dump(raw)
    except TypeError:
        return json.dumps(raw, separators=(",", ":"), check_circular=False)
    return SNAPSHOT_PICKLE + base64.b64encode(buf.getvalue()).decode("ascii")


def decode(state: str) -> SimCluster:
    """The twin a snapshot holds: pickled (see SNAPSHOT_PICKLE) or JSON (written before)."""
    if state.startswith(SNAPSHOT_PICKLE):
        data = base64.b64decode(state[len(SNAPSHOT_PICKLE):])
        return SimCluster.from_json(_PlainUnpickler(io.BytesIO(data)).load())
    return SimCluster.from_json(json.loads(state))
