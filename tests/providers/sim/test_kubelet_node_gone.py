"""kubelet_node_gone: a running kubelet whose Node object is gone (deleted, or etcd started
on an empty data directory) logs what real ones do, registers only when it restarts, and
creates no mirror pods without its Node."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.catalog.loader import load_catalog
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.training.provisioning import provision

SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"


def twin() -> SimCluster:
    cluster = create_cluster("kind", 1, 1, seed=1, clock=Clock(frozen_at=1764118800.0))
    cluster.sync()
    return cluster


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return cluster.open_terminal(node).run(line).output


def journal(cluster: SimCluster, node: str, pattern: str = "") -> list[str]:
    return [x for x in sh(cluster, "journalctl -u kubelet --no-pager", node).splitlines()
            if re.search(pattern, x)]


def deleted_worker() -> SimCluster:
    cluster = twin()
    sh(cluster, "kubectl delete node kind-worker")
    cluster.advance(60)
    return cluster


def test_a_healthy_twin_notes_no_missing_node() -> None:
    cluster = twin()
    cluster.advance(30)
    assert cluster.node_gone == {}
    assert not journal(cluster, "kind-worker", "not found")


def test_status_lease_and_eviction_fail_every_10s_while_the_node_is_gone() -> None:
    cluster = deleted_worker()
    status = journal(cluster, "kind-worker", "Error updating node status")
    assert len(status) == 30  # five tries every 10 s for a minute
    # the first try reads the informer cache (a lister's NotFound), the others GET the API
    assert status[0].endswith('"Error updating node status, will retry" err="error getting '
                              'node \\"kind-worker\\": node \\"kind-worker\\" not found"')
    assert status[1].endswith('"Error updating node status, will retry" err="error getting '
                              'node \\"kind-worker\\": nodes \\"kind-worker\\" not found"')
    assert len(journal(cluster, "kind-worker", "Unable to update node status")) == 6
    lease = journal(cluster, "kind-worker", "controller.go|nodelease.go")
    assert [re.search(r"(\w+\.go):\d+", x).group(1) for x in lease[:7]] == \
        ["controller.go"] * 6 + ["nodelease.go"]  # type: ignore[union-attr]
    assert lease[0].endswith('"Failed to update lease" err="leases.coordination.k8s.io '
                             '\\"kind-worker\\" not found"')
    owner = [x for x in lease if "nodelease.go:49]" in x]
    assert len(owner) == 6 and owner[0].endswith(
        '"Failed to get node when trying to set owner ref to the node lease" err="nodes '
        '\\"kind-worker\\" not found" node="kind-worker"')
    eviction = journal(cluster, "kind-worker", "Eviction manager")
    assert len(eviction) == 6 and eviction[0].endswith(
        'err="failed to get node info: node \\"kind-worker\\" not found"')
    assert not journal(cluster, "kind-control-plane", "not found")  # its Node is there


def test_the_kubelet_registers_again_only_when_it_restarts() -> None:
    cluster = deleted_worker()
    assert "kind-worker " not in sh(cluster, "kubectl get nodes")
    sh(cluster, "systemctl restart kubelet", "kind-worker")
    cluster.advance(30)
    assert re.search(r"kind-worker +Ready", sh(cluster, "kubectl get nodes"))
    lines = journal(cluster, "kind-worker")
    start = max(i for i, x in enumerate(lines) if "Started kubelet.service" in x)
    run = lines[start:]
    assert any("Successfully registered node" in x for x in run)
    assert not any("Node was previously registered" in x for x in run)  # a new object
    before = len(journal(cluster, "kind-worker", "not found"))
    cluster.advance(60)
    assert len(journal(cluster, "kind-worker", "not found")) == before
    assert cluster.node_gone["kind-worker"][-1][1] is not None


def test_static_pods_get_no_mirror_pod_without_their_node() -> None:
    cluster = provision(load_catalog("scenarios").get("etcd-bad-data-dir"), seed=0,
                        clock=Clock(frozen_at=1764118800.0))
    # etcd on an empty data dir: no Node, no mirror pod, nothing else either
    assert sh(cluster, "kubectl get pods -A") == "No resources found\n"
    mirror = journal(cluster, "kind-control-plane", "Failed creating a mirror pod")
    assert mirror and all("kubelet.go:3311]" in x for x in mirror)
    assert any(x.endswith('"Failed creating a mirror pod" err="failed to get node UID: node '
                          '\\"kind-control-plane\\" not found" '
                          'pod="kube-system/etcd-kind-control-plane"') for x in mirror)
    assert journal(cluster, "kind-worker2", "nodes \\\\\"kind-worker2\\\\\" not found")


def test_the_noted_absence_survives_a_snapshot() -> None:
    cluster = deleted_worker()
    raw = json.loads(json.dumps(cluster.to_json()))
    assert raw["node_gone"] == cluster.node_gone
    restored = SimCluster.from_json(raw)
    assert journal(restored, "kind-worker") == journal(cluster, "kind-worker")


def _shape(line: str) -> tuple[str, str]:
    head, msg = line.split("] ", 1)
    msg = re.sub(r'\\"[^"\\]*\\"', "Q", msg)
    return head.rsplit(" ", 1)[1].split(":")[0], re.sub(r'="[^"]*"$', '="V"', msg)


def test_every_real_line_has_a_twin_line_of_the_same_shape() -> None:
    cluster = deleted_worker()
    ours = {_shape(x) for x in journal(cluster, "kind-worker", r"kubelet\[\d+\]: E\d")}
    for real in (SAMPLES / "kubelet-journal-node-deleted.txt").read_text().splitlines():
        assert _shape(real) in ours, real
