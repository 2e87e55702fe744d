"""Node identifiers as a kind cluster's nodes report them."""

from __future__ import annotations

import re

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster


def test_machine_ids_differ_per_node_but_host_ids_are_shared() -> None:
    cluster = create_cluster("kind", 1, 2, seed=1, clock=Clock(frozen_at=1764118800.0))
    infos = [o["status"]["nodeInfo"] for o in cluster.store.list("Node")]
    assert len({i["machineID"] for i in infos}) == 3
    assert len({i["systemUUID"] for i in infos}) == 1
    assert len({i["bootID"] for i in infos}) == 1
    assert all(re.fullmatch(r"[0-9a-f]{32}", i["machineID"]) for i in infos)


def test_the_node_reports_the_machine_id_its_file_holds() -> None:
    cluster = create_cluster("kind", 1, 1, seed=1, clock=Clock(frozen_at=1764118800.0))
    worker = cluster.node("worker")
    on_disk = worker.read_file("/etc/machine-id").decode().strip()
    assert cluster.store.get("Node", worker.name)["status"]["nodeInfo"]["machineID"] == on_disk
