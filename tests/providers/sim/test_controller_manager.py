"""kube-controller-manager: kubeconfig, API client, leader election, and what its absence does."""

from __future__ import annotations

from app.faults import registry
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, SimNode, create_cluster
from app.providers.sim.components.leader import leader_node
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
MANIFEST = "/etc/kubernetes/manifests/kube-controller-manager.yaml"
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: ghcr.io/acme/api:2.1.0}]
"""


def _inject(cluster: SimCluster, node: SimNode, fault: str, **params: object) -> None:
    ft = registry.get(fault)
    ft.inject(cluster, node, ft.params(**params))


def _cluster(cps: int = 1, workers: int = 1) -> SimCluster:
    return create_cluster("kind", cps, workers, seed=3, clock=Clock(frozen_at=NOW))


def _run(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def _kcm_logs(cluster: SimCluster, node: str = "kind-control-plane") -> str:
    return _run(cluster, f"kubectl logs -n kube-system kube-controller-manager-{node}")


def _break_kubeconfig_flag(cluster: SimCluster) -> None:
    cp = cluster.node("control-plane")
    text = cp.read_file(MANIFEST).replace(b"--kubeconfig=/etc/kubernetes/controller-manager.conf",
                                          b"--kubeconfig=/etc/kubernetes/controller-manger.conf")
    cp.write_file(MANIFEST, text, 0o600)


def test_a_healthy_controller_manager_holds_its_lease_and_says_so() -> None:
    cluster = _cluster()
    lease = cluster.store.get("Lease", "kube-controller-manager", "kube-system")
    assert lease["spec"]["holderIdentity"].startswith("kind-control-plane_")
    assert lease["spec"]["leaseDurationSeconds"] == 15
    logs = _kcm_logs(cluster)
    assert '"Starting" version="v1.33.1"' in logs
    assert "attempting to acquire leader lease kube-system/kube-controller-manager..." in logs
    assert "successfully acquired lease kube-system/kube-controller-manager" in logs
    events = _run(cluster, "kubectl get events -n kube-system")
    assert "LeaderElection" in events and "lease/kube-controller-manager" in events
    assert "became leader" in events


def test_the_leader_renews_its_lease_as_time_passes() -> None:
    cluster = _cluster()
    before = dict(cluster.store.get("Lease", "kube-controller-manager", "kube-system")["spec"])
    acquired = before["acquireTime"]
    cluster.advance(120)
    after = cluster.store.get("Lease", "kube-controller-manager", "kube-system")["spec"]
    assert after["acquireTime"] == acquired
    assert after["renewTime"] > before["renewTime"]


def test_a_missing_kubeconfig_crashloops_it_and_new_deployments_get_no_replicasets() -> None:
    cluster = _cluster()
    _break_kubeconfig_flag(cluster)
    cluster.advance(40)
    cluster.apply(DEPLOYMENT)
    cluster.advance(60)
    assert cluster.store.list("ReplicaSet", "default") == []
    assert cluster.store.list("Pod", "default") == []
    assert "No resources found in default namespace." in _run(cluster, "kubectl get rs")
    logs = _run(cluster, "crictl logs $(crictl ps -a --name kube-controller-manager -q | head -1)")
    assert '"command failed" err="stat /etc/kubernetes/controller-manger.conf: no such file ' \
           'or directory"' in logs
    assert "CrashLoopBackOff" in _run(cluster, "kubectl get pods -n kube-system")


def test_fixing_the_manifest_brings_replicasets_and_pods() -> None:
    cluster = _cluster()
    _break_kubeconfig_flag(cluster)
    cluster.apply(DEPLOYMENT)
    cluster.advance(60)
    cp = cluster.node("control-plane")
    text = cp.read_file(MANIFEST).replace(b"controller-manger.conf", b"controller-manager.conf")
    cp.write_file(MANIFEST, text, 0o600)
    cluster.advance(30)
    assert len(cluster.store.list("ReplicaSet", "default")) == 1
    assert len(cluster.store.list("Pod", "default")) == 2


def test_an_expired_client_certificate_keeps_it_running_but_never_leading() -> None:
    cluster = _cluster()
    cp = cluster.node("control-plane")
    _inject(cluster, cp, "cert-expire", path="/etc/kubernetes/controller-manager.conf")
    cluster.advance(60)
    cluster.apply(DEPLOYMENT)
    cluster.advance(60)
    assert leader_node(cluster, "kube-controller-manager", cluster.t) is None
    assert cluster.store.list("ReplicaSet", "default") == []
    logs = _kcm_logs(cluster)
    assert "error retrieving resource lock kube-system/kube-controller-manager: Unauthorized" \
        in logs
    assert "kube-controller-manager-kind-control-plane" in _run(
        cluster, "kubectl get pods -n kube-system | grep Running")


def test_a_leader_that_loses_the_apiserver_exits_and_campaigns_again_after_restart() -> None:
    cluster = _cluster()
    cp = cluster.node("control-plane")
    manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml"
    saved = cp.read_file(manifest)
    cp.vfs.remove(manifest)
    cluster.settle()
    cluster.advance(30)
    logs = _run(cluster, "crictl logs $(crictl ps -a --name kube-controller-manager -q | tail -1)")
    assert "failed to renew lease kube-system/kube-controller-manager: context deadline " \
           "exceeded" in logs
    assert '"leaderelection lost"' in logs
    assert 'error retrieving resource lock kube-system/kube-controller-manager: Get ' \
           '"https://172.18.0.2:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/' \
           'kube-controller-manager?timeout=5s": dial tcp 172.18.0.2:6443: connect: connection ' \
           'refused' in logs
    exited = [c for c in cp.runtime.containers.values()
              if c.name == "kube-controller-manager" and not c.running()]
    assert exited and exited[0].exit_code == 1
    cp.write_file(manifest, saved, 0o600)
    cluster.advance(60)
    assert leader_node(cluster, "kube-controller-manager", cluster.t) is cp
    lease = cluster.store.get("Lease", "kube-controller-manager", "kube-system")
    assert lease["spec"]["leaseTransitions"] == 1


def test_with_three_control_planes_one_leads_and_another_takes_over_when_it_dies() -> None:
    cluster = _cluster(cps=3, workers=1)
    leaders = [n for n in cluster.nodes if n.role == "control-plane"
               and "successfully acquired lease kube-system/kube-controller-manager"
               in _kcm_logs(cluster, n.name)]
    assert len(leaders) == 1
    first = leader_node(cluster, "kube-controller-manager", cluster.t)
    assert first is leaders[0]
    _inject(cluster, first, "node-power-off")
    off_at = cluster.t
    cluster.advance(10)
    assert leader_node(cluster, "kube-controller-manager", cluster.t) is None
    cluster.advance(20)
    second = leader_node(cluster, "kube-controller-manager", cluster.t)
    assert second is not None and second is not first
    lease = cluster.store.get("Lease", "kube-controller-manager", "kube-system")["spec"]
    assert lease["holderIdentity"].startswith(f"{second.name}_")
    assert lease["leaseTransitions"] == 1
    # It took the lease when it expired: 15 s after the last renewal.
    from app.providers.sim.components.leader import parse_micro_time

    assert parse_micro_time(lease["acquireTime"]) - off_at == 15.0


def test_the_scheduler_holds_its_own_lease() -> None:
    cluster = _cluster()
    assert cluster.store.get("Lease", "kube-scheduler", "kube-system")["spec"][
        "holderIdentity"].startswith("kind-control-plane_")
    assert "successfully acquired lease kube-system/kube-scheduler" in _run(
        cluster, "kubectl logs -n kube-system kube-scheduler-kind-control-plane")


def test_a_scheduler_that_cannot_lead_binds_nothing() -> None:
    cluster = _cluster()
    _inject(cluster, cluster.node("control-plane"), "cert-expire",
            path="/etc/kubernetes/scheduler.conf")
    cluster.advance(60)
    cluster.apply(DEPLOYMENT)
    cluster.advance(60)
    pods = cluster.store.list("Pod", "default")
    assert len(pods) == 2 and all(not p["spec"].get("nodeName") for p in pods)
    logs = _run(cluster, "kubectl logs -n kube-system kube-scheduler-kind-control-plane")
    assert "error retrieving resource lock kube-system/kube-scheduler: Unauthorized" in logs
