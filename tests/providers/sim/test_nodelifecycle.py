"""The node lifecycle controller: a node that stops posting goes Unknown, is tainted, and the
pods that do not tolerate it are evicted and re-created elsewhere."""

from __future__ import annotations

import pytest

from app.faults import registry
from app.providers.sim.clock import Clock, parse_rfc3339
from app.providers.sim.cluster import SimCluster, SimNode, create_cluster
from app.providers.sim.nodelifecycle import UNREACHABLE, go_duration_seconds, tolerated_for
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.8.2}]
"""


def _inject(cluster: SimCluster, node: SimNode, fault: str, **params: object) -> None:
    ft = registry.get(fault)
    ft.inject(cluster, node, ft.params(**params))


@pytest.fixture
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 2, seed=5, clock=Clock(frozen_at=NOW))
    c.apply(WEB)
    c.advance(30)
    return c


def _node(c: SimCluster, name: str) -> dict:
    return c.store.get("Node", name)


def _ready(c: SimCluster, name: str) -> dict:
    return next(x for x in _node(c, name)["status"]["conditions"] if x["type"] == "Ready")


def _web_pods(c: SimCluster) -> list[dict]:
    return c.store.list("Pod", "default", "app=web")


def _run(c: SimCluster, line: str) -> str:
    return SimTerminal(c, "kind-control-plane").run(line).output


def test_a_powered_off_node_goes_unknown_after_the_grace_period(cluster: SimCluster) -> None:
    worker = cluster.node("kind-worker")
    _inject(cluster, worker, "node-power-off")
    off = cluster.t
    cluster.advance(45)
    assert _ready(cluster, "kind-worker")["status"] == "True"  # 50 s grace, not 40
    cluster.advance(15)
    ready = _ready(cluster, "kind-worker")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
    assert 50 <= parse_rfc3339(ready["lastTransitionTime"]) - off < 55
    assert parse_rfc3339(ready["lastHeartbeatTime"]) == off
    others = [x for x in _node(cluster, "kind-worker")["status"]["conditions"]
              if x["type"] != "Ready"]
    assert {x["status"] for x in others} == {"Unknown"}
    assert "kind-worker          NotReady" in _run(cluster, "kubectl get nodes")
    assert _ready(cluster, "kind-worker2")["status"] == "True"


def test_the_node_gets_both_unreachable_taints(cluster: SimCluster) -> None:
    _inject(cluster, cluster.node("kind-worker"), "node-power-off")
    cluster.advance(70)
    taints = {(x["key"], x["effect"]): x for x in _node(cluster, "kind-worker")["spec"]["taints"]}
    assert set(taints) == {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}
    gap = parse_rfc3339(taints[(UNREACHABLE, "NoExecute")]["timeAdded"]) - \
        parse_rfc3339(taints[(UNREACHABLE, "NoSchedule")]["timeAdded"])
    assert gap == 5
    described = _run(cluster, "kubectl get node kind-worker -o yaml")
    assert "node.kubernetes.io/unreachable" in described


def test_its_pods_lose_ready_at_once_but_are_evicted_only_after_300_s(
        cluster: SimCluster) -> None:
    on_worker = [p["metadata"]["name"] for p in _web_pods(cluster)
                 if p["spec"]["nodeName"] == "kind-worker"]
    assert len(on_worker) == 1
    _inject(cluster, cluster.node("kind-worker"), "node-power-off")
    cluster.advance(70)
    pod = cluster.store.get("Pod", on_worker[0], "default")
    ready = next(x for x in pod["status"]["conditions"] if x["type"] == "Ready")
    assert ready["status"] == "False" and not pod["metadata"].get("deletionTimestamp")
    cluster.advance(240)  # 310 s after power-off: still tolerated (taint + 300 s)
    assert not cluster.store.get("Pod", on_worker[0], "default")["metadata"].get(
        "deletionTimestamp")
    cluster.advance(60)
    pod = cluster.store.get("Pod", on_worker[0], "default")
    assert pod["metadata"]["deletionTimestamp"]
    assert any(c["type"] == "DisruptionTarget" and c["reason"] == "DeletionByTaintManager"
               for c in pod["status"]["conditions"])


def test_evicted_pods_show_terminating_and_are_replaced_on_another_node(
        cluster: SimCluster) -> None:
    victim = next(p["metadata"]["name"] for p in _web_pods(cluster)
                  if p["spec"]["nodeName"] == "kind-worker")
    _inject(cluster, cluster.node("kind-worker"), "node-power-off")
    cluster.advance(420)
    pods = _web_pods(cluster)
    assert len(pods) == 3
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    assert {p["spec"]["nodeName"] for p in live} == {"kind-worker2"}
    out = _run(cluster, "kubectl get pods -o wide")
    line = next(x for x in out.splitlines() if x.startswith(victim))
    assert "Terminating" in line and "kind-worker" in line
    events = _run(cluster, "kubectl get events")
    assert f"Marking for deletion Pod default/{victim}" in events
    assert "Node kind-worker status is now: NodeNotReady" in events
    assert "Node is not ready" in events
    logs = _run(cluster, "kubectl logs -n kube-system kube-controller-manager-kind-control-plane")
    assert f'"Deleting pod" controller="taint-eviction-controller" pod="default/{victim}"' in logs


def test_daemonset_and_static_pods_are_never_evicted(cluster: SimCluster) -> None:
    _inject(cluster, cluster.node("kind-worker"), "node-power-off")
    cluster.advance(900)
    on_worker = [p for p in cluster.store.list("Pod", "kube-system")
                 if p["spec"].get("nodeName") == "kind-worker"]
    assert {p["metadata"]["name"].split("-")[0] for p in on_worker} == {"kindnet", "kube"}
    assert not any(p["metadata"].get("deletionTimestamp") for p in on_worker)


def test_powering_the_node_on_again_clears_the_taints_and_the_terminating_pods(
        cluster: SimCluster) -> None:
    worker = cluster.node("kind-worker")
    _inject(cluster, worker, "node-power-off")
    cluster.advance(420)
    worker.power_on()
    cluster.advance(30)
    assert _ready(cluster, "kind-worker")["status"] == "True"
    assert not any(x.get("key") == UNREACHABLE
                   for x in _node(cluster, "kind-worker")["spec"].get("taints") or [])
    assert not any(p["metadata"].get("deletionTimestamp") for p in _web_pods(cluster))
    assert len(_web_pods(cluster)) == 2
    assert "Node kind-worker status is now: NodeReady" in _run(cluster, "kubectl get events")


def test_a_stopped_kubelet_also_makes_the_node_unknown(cluster: SimCluster) -> None:
    _inject(cluster, cluster.node("kind-worker2"), "service-stop", unit="kubelet")
    cluster.advance(60)
    assert _ready(cluster, "kind-worker2")["status"] == "Unknown"


def test_without_a_leading_controller_manager_nobody_notices(cluster: SimCluster) -> None:
    cp = cluster.node("control-plane")
    manifest = "/etc/kubernetes/manifests/kube-controller-manager.yaml"
    cp.write_file(manifest, cp.read_file(manifest).replace(
        b"--kubeconfig=/etc/kubernetes/controller-manager.conf", b"--kubeconfig=/nope"), 0o600)
    _inject(cluster, cluster.node("kind-worker"), "node-power-off")
    cluster.advance(600)
    assert _ready(cluster, "kind-worker")["status"] == "True"
    assert not _node(cluster, "kind-worker")["spec"].get("taints")


def test_a_new_leader_gives_every_node_a_fresh_grace_period(cluster: SimCluster) -> None:
    cp = cluster.node("control-plane")
    manifest = "/etc/kubernetes/manifests/kube-controller-manager.yaml"
    good = cp.read_file(manifest)
    cp.write_file(manifest, good.replace(b"--kubeconfig=/etc/kubernetes/controller-manager.conf",
                                         b"--kubeconfig=/nope"), 0o600)
    _inject(cluster, cluster.node("kind-worker"), "node-power-off")
    cluster.advance(120)
    cp.write_file(manifest, good, 0o600)
    cluster.advance(300)  # past the crash-loop back-off: it leads again
    assert _ready(cluster, "kind-worker")["status"] == "Unknown"
    kcm = cp.running_container("kube-controller-manager")
    since = kcm.notes["le"]["since"]
    ready = _ready(cluster, "kind-worker")
    # Counted from when it started leading, not from the heartbeat minutes before.
    assert 50 <= parse_rfc3339(ready["lastTransitionTime"]) - since < 55


def test_toleration_matching() -> None:
    taint = {"key": UNREACHABLE, "effect": "NoExecute"}

    def pod(*tols: dict) -> dict:
        return {"spec": {"tolerations": list(tols)}}

    assert tolerated_for(pod(), taint) == 0
    assert tolerated_for(pod({"operator": "Exists"}), taint) == float("inf")
    assert tolerated_for(pod({"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
                              "tolerationSeconds": 300}), taint) == 300
    assert tolerated_for(pod({"key": UNREACHABLE, "operator": "Exists",
                              "effect": "NoSchedule"}), taint) == 0
    assert tolerated_for(pod({"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                              "effect": "NoExecute", "tolerationSeconds": 300}), taint) == 0


def test_go_durations_of_the_controller_manager_flags() -> None:
    assert go_duration_seconds("50s", 1) == 50
    assert go_duration_seconds("1m0s", 1) == 60
    assert go_duration_seconds("2m30s", 1) == 150
    assert go_duration_seconds("soon", 7) == 7


def test_every_posting_kubelet_renews_its_node_lease(cluster: SimCluster) -> None:
    leases = {x["metadata"]["name"]: x for x in cluster.store.list("Lease", "kube-node-lease")}
    assert set(leases) == {"kind-control-plane", "kind-worker", "kind-worker2"}
    lease = leases["kind-worker"]
    assert lease["spec"]["holderIdentity"] == "kind-worker"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
    _inject(cluster, cluster.node("kind-worker"), "node-power-off")
    stopped = lease["spec"]["renewTime"]
    cluster.advance(60)
    assert cluster.store.get("Lease", "kind-worker", "kube-node-lease")["spec"][
        "renewTime"] == stopped
    assert cluster.store.get("Lease", "kind-worker2", "kube-node-lease")["spec"][
        "renewTime"] > stopped
