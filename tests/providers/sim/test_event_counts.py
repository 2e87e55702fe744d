"""Aggregated probe events keep counting after the kubelet's GC removes dead attempts."""

from __future__ import annotations

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from tests.providers.sim.test_workloads import NOW, web


def test_killing_counts_every_liveness_kill_even_once_old_attempts_are_collected() -> None:
    cluster = create_cluster("kind", 1, 2, clock=Clock(frozen_at=NOW), age=300)
    probes = """
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          initialDelaySeconds: 5
          periodSeconds: 5
          failureThreshold: 3"""
    cluster.apply(web(behaviour={"listen": [8080], "warmup_s": 45}, probes=probes))
    cluster.advance(240)
    pod = cluster.store.list("Pod", "default", "app=web")[0]
    restarts = pod["status"]["containerStatuses"][0]["restartCount"]
    assert restarts >= 4
    uid = pod["metadata"]["uid"]
    mine = [e for e in cluster.store.list("Event", "default")
            if e["involvedObject"]["uid"] == uid]
    killing = next(e for e in mine if e["reason"] == "Killing")
    # One kill per restart, plus one if the newest attempt is dead and waiting in back-off;
    # the correlator's count never goes down when the kubelet collects dead containers.
    assert restarts <= killing["count"] <= restarts + 1
    liveness = next(e for e in mine if e["message"].startswith("Liveness probe failed"))
    assert liveness["count"] >= 3 * restarts
