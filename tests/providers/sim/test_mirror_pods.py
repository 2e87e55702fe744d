"""Mirror pods follow their static pod's manifest: an outdated one is deleted and recreated."""

from __future__ import annotations

from app.providers.sim.clock import Clock, rfc3339
from app.providers.sim.cluster import SimCluster, create_cluster

NAME = "kube-scheduler-kind-control-plane"
MANIFEST = "/etc/kubernetes/manifests/kube-scheduler.yaml"


def twin() -> SimCluster:
    cluster = create_cluster("kind", 1, 1, seed=1, clock=Clock(frozen_at=1764118800.0))
    cluster.sync()
    return cluster


def mirror(cluster: SimCluster) -> dict:
    return cluster.store.get("Pod", NAME, "kube-system")


def test_an_edited_manifest_gets_a_new_mirror_pod_with_the_new_hash() -> None:
    cluster = twin()
    cp = cluster.node("kind-control-plane")
    before = mirror(cluster)["metadata"]
    old_hash = before["annotations"]["kubernetes.io/config.mirror"]
    cluster.advance(60)
    edited = cp.read_file(MANIFEST).decode().replace("--leader-elect=true", "--leader-elect=false")
    cp.write_file(MANIFEST, edited.encode())
    cluster.advance(20)
    after = mirror(cluster)["metadata"]
    new_hash = after["annotations"]["kubernetes.io/config.mirror"]
    assert new_hash != old_hash
    assert after["annotations"]["kubernetes.io/config.hash"] == new_hash
    # created anew by the kubelet (kubelet.go syncPod), not the bootstrap object patched
    assert after["creationTimestamp"] > before["creationTimestamp"]
    assert after["creationTimestamp"] >= rfc3339(cluster.clock.now() - 20)
    restored = edited.replace("--leader-elect=false", "--leader-elect=true")
    cp.write_file(MANIFEST, restored.encode())
    cluster.advance(20)
    assert mirror(cluster)["metadata"]["annotations"]["kubernetes.io/config.mirror"] == old_hash
