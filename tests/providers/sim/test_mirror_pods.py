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


def test_config_seen_has_the_kubelets_nine_digit_fraction_and_follows_an_edit() -> None:
    # real kind mirror pod: "kubernetes.io/config.seen": "2024-10-12T12:53:27.751706220Z"
    # (kubelet types.RFC3339NanoFixed), set when the file source first reads the manifest
    import re

    cluster = twin()
    seen = mirror(cluster)["metadata"]["annotations"]["kubernetes.io/config.seen"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", seen)
    cluster.advance(60)
    cp = cluster.node("kind-control-plane")
    cp.write_file(MANIFEST, cp.read_file(MANIFEST).replace(b"--leader-elect=true",
                                                           b"--leader-elect=false"))
    cluster.advance(5)
    after = mirror(cluster)["metadata"]["annotations"]["kubernetes.io/config.seen"]
    assert after[:19] == rfc3339(cluster.clock.now() - 5)[:19]
    sandbox = cp.exec("crictl inspectp $(crictl pods -q --name kube-scheduler --state ready)")
    assert f'"kubernetes.io/config.seen": "{after}"' in sandbox.output
