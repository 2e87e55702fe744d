"""The twin's etcd: member IDs, joined members' flags, and the keyspace of --data-dir."""

from __future__ import annotations

from app.faults import registry
from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster, plan_nodes
from app.providers.sim.nodefiles import node_files
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


def set_flag(cluster, value: str) -> None:  # noqa: ANN001
    ft = registry.get("manifest-flag")
    ft.inject(cluster, cluster.node("control-plane"), ft.params(manifest="etcd", set=value))


def test_joined_control_planes_get_kubeadms_existing_cluster_flags() -> None:
    specs = plan_nodes("kind", 3, 0)
    first = node_files(specs[0], "kind", specs)["/etc/kubernetes/manifests/etcd.yaml"].decode()
    third = node_files(specs[2], "kind", specs)["/etc/kubernetes/manifests/etcd.yaml"].decode()
    assert "- --initial-cluster=kind-control-plane=https://172.18.0.2:2380\n" in first
    assert "initial-cluster-state" not in first
    assert ("- --initial-cluster=kind-control-plane=https://172.18.0.2:2380,kind-control-plane2="
            "https://172.18.0.3:2380,kind-control-plane3=https://172.18.0.4:2380\n") in third
    assert "    - --initial-cluster-state=existing\n" in third


def test_etcd_logs_its_computed_member_id() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    mid = f"{ec.member_id(['https://172.18.0.2:2380']):x}"
    logs = SimTerminal(c, "kind-control-plane").run("crictl logs $(crictl ps --name etcd -q)")
    assert f'"local-member-id":"{mid}"' in logs.output


def test_a_new_data_dir_serves_an_empty_keyspace_and_the_old_one_comes_back() -> None:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))
    set_flag(c, "--data-dir=/var/lib/etcd-new")
    c.advance(30)
    assert c.store.find("Deployment", "coredns", "kube-system") is None
    assert c.store.find("Service", "kubernetes", "default") is not None
    assert c.store.find("PriorityClass", "system-node-critical") is not None
    assert c.node("control-plane").vfs.exists("/var/lib/etcd/member/wal")
    logs = SimTerminal(c, "kind-control-plane").run("crictl logs $(crictl ps --name etcd -q)")
    assert '"msg":"added member"' in logs.output
    assert "server has been already initialized" not in logs.output
    set_flag(c, "--data-dir=/var/lib/etcd")
    c.advance(30)
    assert c.store.find("Deployment", "coredns", "kube-system") is not None


def test_a_data_dir_outside_the_mounts_is_lost_with_the_container() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    set_flag(c, "--data-dir=/var/lib/etcd-new")
    c.advance(10)
    c.store.create({"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}}, c.t)
    SimTerminal(c, "kind-control-plane").run("crictl ps")  # sync
    etcd = c.node("control-plane").running_container("etcd")
    assert etcd is not None
    etcd.exit_at = c.t  # the process dies; the kubelet starts a new container
    c.advance(30)
    assert c.store.find("ConfigMap", "x", "default") is None


def test_a_fresh_keyspace_gets_the_real_ca_and_the_real_bootstrap_rules() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    ca = c.store.get("ConfigMap", "kube-root-ca.crt", "default")["data"]["ca.crt"]
    assert ca.startswith("-----BEGIN CERTIFICATE-----")
    set_flag(c, "--data-dir=/var/lib/etcd-new")
    c.advance(30)
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert c.store.get("ConfigMap", "kube-root-ca.crt", ns)["data"] == {"ca.crt": ca}
    auth = c.store.get("ConfigMap", "extension-apiserver-authentication", "kube-system")
    assert auth["data"]["client-ca-file"] == ca
    view = c.store.get("ClusterRole", "view")
    assert view["aggregationRule"] and view["rules"]
    assert c.store.get("ClusterRoleBinding", "system:discovery")["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
         "name": "system:authenticated"}]
