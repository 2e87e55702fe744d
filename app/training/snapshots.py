"""How a twin is written into its attempt's snapshot row (TwinSnapshot.state) and read back:
a training-layer concern, kept out of the twin's own source (which must never import pickle:
tests/security/test_sim_source.py)."""

from __future__ import annotations

import base64
import io
import json
import pickle

from app.providers.sim.cluster import SimCluster

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
