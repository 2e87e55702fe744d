"""kubelet_api_down: what a running kubelet logs while its API server refuses connections
(shared/reference/real-output.md §1c), and that it stops once the API answers again."""

from __future__ import annotations

import re

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster

MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml"


def journal(cluster: SimCluster, node: str, pattern: str) -> list[str]:
    out = cluster.open_terminal(node).run("journalctl -u kubelet --no-pager").output
    return [line for line in out.splitlines() if re.search(pattern, line)]


def test_a_refused_api_server_gives_the_status_and_lease_retries_then_they_stop() -> None:
    cluster = create_cluster("kind", 1, 1, seed=1, clock=Clock(frozen_at=1764118800.0))
    cp = cluster.node("kind-control-plane")
    cp.vfs.rename(MANIFEST, "/root/kube-apiserver.yaml")
    cluster.settle()
    cluster.advance(60)
    status = journal(cluster, "kind-worker", "Error updating node status")
    assert status, "no status retries logged"
    first = status[0]
    assert 'err="error getting node \\"kind-worker\\": Get \\"https://kind-control-plane:6443' \
           '/api/v1/nodes/kind-worker?resourceVersion=0&timeout=10s\\": dial tcp 172.18.0.2:6443' \
           ': connect: connection refused"' in first
    assert "kubelet_node_status.go:548]" in first and first.split()[5].startswith("E")
    assert all("?timeout=10s" in line for line in status[1:5])
    gave_up = journal(cluster, "kind-worker", "Unable to update node status")
    assert len(gave_up) == len(status) // 5 >= 6  # every 10 s for a minute
    assert 'err="update node status exceeds retry count"' in gave_up[0]
    lease = journal(cluster, "kind-control-plane", "Failed to ensure lease exists")
    intervals = [re.search(r'interval="([^"]+)"', line).group(1) for line in lease]  # type: ignore[union-attr]
    assert intervals[:7] == ["200ms", "400ms", "800ms", "1.6s", "3.2s", "6.4s", "7s"]
    assert "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kind-control-plane" \
           "?timeout=10s" in lease[0]

    cp.vfs.rename("/root/kube-apiserver.yaml", MANIFEST)
    cluster.settle()
    cluster.advance(120)
    before = len(journal(cluster, "kind-worker", "Unable to update node status"))
    cluster.advance(120)
    assert len(journal(cluster, "kind-worker", "Unable to update node status")) == before
