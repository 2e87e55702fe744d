"""`kubectl get sa/cm/csr/secrets/sc/clusterrolebinding` on a fresh twin against real clusters.

The samples are kubeadm or kind clusters; what differs between them and a stock kind cluster
(the lab's CNI, its own scheduler) is named in each test and in samples/SOURCES.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal
from tests.fidelity.test_outputs import mask

SAMPLES = Path(__file__).parent / "samples"
NOW = 1764118800.0


@pytest.fixture(scope="module")
def kind() -> SimCluster:
    return create_cluster("kind", 1, 2, clock=Clock(frozen_at=NOW), age=480)


def run(cluster: SimCluster, line: str) -> str:
    return SimTerminal(cluster, "kind-control-plane").run(line).output


def _rows(text: str) -> list[list[str]]:
    return mask(text)


def test_kube_system_service_accounts_are_kubeadms_plus_kindnet(kind: SimCluster) -> None:
    real = _rows((SAMPLES / "kubectl-get-sa-kube-system-kubeadm-v1.33.txt").read_text())
    ours = _rows(run(kind, "kubectl get sa -n kube-system"))
    assert ours[0] == real[0]
    want = sorted({r[0] for r in real[1:]} - {"my-scheduler"} | {"kindnet"})
    assert [r[0] for r in ours[1:]] == want
    assert {r[1] for r in ours[1:]} == {"0"}


def test_cluster_role_bindings_are_kubeadms_plus_kinds(kind: SimCluster) -> None:
    text = (SAMPLES / "kubectl-get-clusterrolebinding-kubeadm-v1.33.txt").read_text()
    real = _rows(text)
    ours = _rows(run(kind, "kubectl get clusterrolebinding"))
    assert ours[0] == real[0]
    lab = {"flannel", "my-scheduler-as-kube-scheduler", "my-scheduler-as-volume-scheduler"}
    want = {(r[0], r[1]) for r in real[1:] if r[0] not in lab}
    want |= {("kindnet", "ClusterRole/kindnet"),
             ("local-path-provisioner-bind", "ClusterRole/local-path-provisioner-role")}
    assert [(r[0], r[1]) for r in ours[1:]] == sorted(want)


def test_configmaps_are_kubeadms_plus_local_path_storage(kind: SimCluster) -> None:
    real = _rows((SAMPLES / "kubectl-get-cm-A-kubeadm.txt").read_text())
    ours = _rows(run(kind, "kubectl get cm -A"))
    assert ours[0] == real[0]
    want = {(r[0], r[1], r[2]) for r in real[1:] if r[1] != "weave-net"}
    want = {(ns, n, "2" if n == "cluster-info" else d) for ns, n, d in want}  # one token
    want |= {("local-path-storage", "kube-root-ca.crt", "1"),
             ("local-path-storage", "local-path-config", "4")}
    assert [tuple(r[:3]) for r in ours[1:]] == sorted(want)


@pytest.mark.parametrize(("command", "sample"), [
    ("kubectl get secrets -A", "kubectl-get-secrets-A-kind.txt"),
    ("kubectl get storageclass", "kubectl-get-storageclass-kind.txt"),
])
def test_secrets_and_the_storage_class_print_as_on_kind(kind: SimCluster, command: str,
                                                        sample: str) -> None:
    assert _rows(run(kind, command)) == _rows((SAMPLES / sample).read_text())


def test_csrs_one_per_node_self_requested_by_the_control_plane(kind: SimCluster) -> None:
    real = _rows((SAMPLES / "kubectl-get-csr-kind.txt").read_text())
    ours = _rows(run(kind, "kubectl get csr"))
    assert ours[0] == real[0]
    assert sorted(r[3] for r in ours[1:]) == [
        "system:bootstrap:abcdef", "system:bootstrap:abcdef", "system:node:kind-control-plane"]
    for row in ours[1:]:
        assert (row[0][:4], row[2], row[4], row[5]) == (
            "csr-", "kubernetes.io/kube-apiserver-client-kubelet", "<none>", "Approved,Issued")


def test_kube_proxy_config_is_kubeadms_with_kinds_three_settings(kind: SimCluster) -> None:
    cm = kind.store.get("ConfigMap", "kube-proxy", "kube-system")
    ours = yaml.safe_load(cm["data"]["config.conf"])
    real = yaml.safe_load((SAMPLES / "kube-proxy-config-conf-kubeadm-v1.31.yaml").read_text())
    real["mode"] = "iptables"
    real["conntrack"]["maxPerCore"] = 0
    real["iptables"]["minSyncPeriod"] = "1s"
    assert ours == real
    assert "server: https://kind-control-plane:6443" in cm["data"]["kubeconfig.conf"]
