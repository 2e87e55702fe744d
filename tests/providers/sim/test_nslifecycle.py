"""Namespace deletion as the apiserver (NamespaceLifecycle admission, graceful DELETE) and the
namespace controller of kube-controller-manager do it."""

from __future__ import annotations

import pytest

from app.providers.sim import images, nslifecycle
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: team}\n"


@pytest.fixture()
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=1764118800.0))
    images.load(c, ["nginx:1.27"])  # the nodes are airgapped: kind load docker-image
    term = SimTerminal(c, "kind-control-plane")
    assert term.run("kubectl create namespace team").exit_code == 0
    assert term.run("kubectl create deployment web --image=nginx:1.27 -n team --replicas=2"
                    ).exit_code == 0
    c.advance(30)
    return c


def sh(cluster: SimCluster, cmd: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(cmd)
    return r.output, r.exit_code


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_immortal_namespaces_may_not_be_deleted(cluster: SimCluster, name: str) -> None:
    out, code = sh(cluster, f"kubectl delete namespace {name}")
    assert (out, code) == (f'Error from server (Forbidden): namespaces "{name}" is forbidden: '
                           "this namespace may not be deleted\n", 1)
    assert not cluster.store.get("Namespace", name)["metadata"].get("deletionTimestamp")


def test_deleted_namespace_is_terminating_until_the_controller_empties_it(
        cluster: SimCluster) -> None:
    assert _running_in(cluster, "team") == ["nginx", "nginx"]
    out, code = sh(cluster, "kubectl delete namespace team")
    assert (out, code) == ('namespace "team" deleted\n', 0)
    out, _ = sh(cluster, "kubectl get ns team")
    assert out.splitlines()[1].split()[:2] == ["team", "Terminating"]
    ns = cluster.store.get("Namespace", "team")
    assert ns["spec"]["finalizers"] == ["kubernetes"] and ns["metadata"]["deletionTimestamp"]
    cluster.advance(6)  # namespaceDeletionGracePeriod: the controller's first pass
    ns = cluster.store.get("Namespace", "team")
    conds = {c["type"]: c for c in ns["status"]["conditions"]}
    assert list(conds) == [c[0] for c in nslifecycle.CONDITIONS]
    assert conds["NamespaceContentRemaining"]["status"] == "True"
    assert conds["NamespaceContentRemaining"]["message"] == \
        "Some resources are remaining: pods. has 2 resource instances"
    assert conds["NamespaceDeletionContentFailure"]["reason"] == "ContentDeleted"
    assert cluster.store.list("Deployment", "team") == []
    assert cluster.store.list("ServiceAccount", "team") == []  # not re-created while Terminating
    cluster.advance(17)  # estimate/2 + 1 for a 30 s grace period
    assert cluster.store.find("Namespace", "team") is None
    assert not [k for k in cluster.store.objects if k[1] == "team"]
    assert _running_in(cluster, "team") == []


def _running_in(cluster: SimCluster, ns: str) -> list[str]:
    return [c.name for n in cluster.nodes for c in n.runtime.containers.values()
            if c.namespace == ns and c.state == "running"]


def test_nothing_new_may_be_created_in_a_terminating_namespace(cluster: SimCluster) -> None:
    sh(cluster, "kubectl delete namespace team")
    msg = "is forbidden: unable to create new content in namespace team because it is being " \
          "terminated\n"
    out, code = sh(cluster, "kubectl create deployment web2 --image=nginx -n team")
    assert code == 1
    assert out == f'error: failed to create deployment: deployments.apps "web2" {msg}'
    out, code = sh(cluster, f"cat > /root/cm.yaml <<'EOF'\n{CM}EOF\n"
                            "kubectl apply -f /root/cm.yaml")
    assert code == 1
    assert out == ('Error from server (Forbidden): error when creating "/root/cm.yaml": '
                   f'configmaps "late" {msg}')


def test_kube_node_lease_comes_back_after_deletion(cluster: SimCluster) -> None:
    _, code = sh(cluster, "kubectl delete namespace kube-node-lease")
    assert code == 0
    cluster.advance(30)
    ns = cluster.store.get("Namespace", "kube-node-lease")
    assert (ns.get("status") or {}).get("phase") == "Active"
    assert not ns["metadata"].get("deletionTimestamp")


def test_a_new_namespace_gets_its_metadata_name_label(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl get ns team --show-labels")
    assert out.splitlines()[1].split()[-1] == "kubernetes.io/metadata.name=team"
    _, code = sh(cluster, "cat > /root/ns.yaml <<'EOF'\napiVersion: v1\nkind: Namespace\n"
                          "metadata: {name: other}\nEOF\nkubectl apply -f /root/ns.yaml")
    assert code == 0
    ns = cluster.store.get("Namespace", "other")
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "other"}
    assert ns["status"]["phase"] == "Active"


def test_recreating_a_terminating_namespace_says_it_is_being_deleted(
        cluster: SimCluster) -> None:
    sh(cluster, "kubectl delete namespace team")
    out, code = sh(cluster, "kubectl create namespace team")
    assert (out, code) == ('Error from server (AlreadyExists): object is being deleted: '
                           'namespaces "team" already exists\n', 1)
    cluster.advance(30)
    assert sh(cluster, "kubectl create namespace team") == ("namespace/team created\n", 0)


def test_pods_on_a_dead_node_keep_the_namespace_terminating(cluster: SimCluster) -> None:
    cluster.node("kind-worker").power_off()
    sh(cluster, "kubectl delete namespace team")
    cluster.advance(120)
    ns = cluster.store.get("Namespace", "team")
    remaining = next(c for c in ns["status"]["conditions"]
                     if c["type"] == "NamespaceContentRemaining")
    assert remaining["message"] == "Some resources are remaining: pods. has 2 resource instances"
    assert all(p["metadata"].get("deletionTimestamp") for p in cluster.store.list("Pod", "team"))


def test_deleting_a_terminating_namespace_again_is_a_conflict(cluster: SimCluster) -> None:
    sh(cluster, "kubectl delete namespace team")
    out, code = sh(cluster, "kubectl delete namespace team")
    assert (out, code) == ('Error from server (Conflict): Operation cannot be fulfilled on '
                           'namespaces "team": The system is ensuring all content is removed '
                           'from this namespace.  Upon completion, this namespace will '
                           'automatically be purged by the system.\n', 1)
