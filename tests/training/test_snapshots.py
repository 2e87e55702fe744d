"""How a twin is written into its snapshot and read back (app/training/snapshots.py)."""

from __future__ import annotations

import base64
import enum
import json
import pickle

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.training.snapshots import SNAPSHOT_PICKLE, decode, encode

NOW = 1764118800.0


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))
    c.sync()
    return c


def test_a_snapshot_reads_back_the_twin_it_was_written_from(cluster: SimCluster) -> None:
    state = encode(cluster)
    assert state.startswith(SNAPSHOT_PICKLE)
    again = decode(state)
    assert json.dumps(again.to_json()) == json.dumps(cluster.to_json())
    assert json.dumps(decode(encode(again)).to_json()) == json.dumps(cluster.to_json())


def test_a_json_snapshot_written_before_still_reads(cluster: SimCluster) -> None:
    older = json.dumps(cluster.to_json(), separators=(",", ":"))
    assert json.dumps(decode(older).to_json()) == json.dumps(cluster.to_json())


def test_the_restored_twin_has_the_live_ones_types(cluster: SimCluster) -> None:
    again = decode(encode(cluster))
    node = again.nodes[0]
    c1, c2 = list(node.runtime.containers.values())[:2]
    assert c1.logs is not c2.logs
    assert node.journal and all(type(e) is tuple for e in node.journal)
    assert all(type(line) is tuple for c in node.runtime.containers.values() for line in c.logs)


def test_a_snapshot_that_names_a_class_is_refused() -> None:
    class Boom:
        def __reduce__(self) -> tuple:
            return (print, ("this must never run",))

    state = SNAPSHOT_PICKLE + base64.b64encode(pickle.dumps({"x": Boom()})).decode()
    with pytest.raises(pickle.UnpicklingError, match="names builtins.print"):
        decode(state)


def test_a_twin_holding_something_else_than_plain_values_is_written_as_json(
        cluster: SimCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    class Phase(enum.StrEnum):
        RUNNING = "Running"

    raw = cluster.to_json()
    raw["name"] = Phase.RUNNING
    monkeypatch.setattr(cluster, "to_json", lambda: raw)
    state = encode(cluster)
    assert json.loads(state)["name"] == "Running"
