"""`crictl exec <etcd> etcdctl ...` runs the twin's etcdctl; real crictl/kubeadm verbs the twin
lacks say so instead of claiming the tool does not know them."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
TLS = ("--cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/server.crt "
       "--key /etc/kubernetes/pki/etcd/server.key")


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=300)


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def test_crictl_exec_etcdctl_in_the_etcd_container(cluster: SimCluster) -> None:
    direct, _ = sh(cluster, f"etcdctl {TLS} endpoint health")
    out, code = sh(cluster, f"crictl exec -it $(crictl ps -q --name etcd) etcdctl {TLS} "
                            "endpoint health")
    assert code == 0 and out == direct and "is healthy" in out


def test_crictl_exec_elsewhere_is_not_pretended(cluster: SimCluster) -> None:
    out, code = sh(cluster, "crictl exec $(crictl ps -q --name kube-apiserver) ls /")
    assert code == 1 and "not simulated" in out
    out, code = sh(cluster, "crictl exec abc etcdctl")
    assert code == 1 and out == ('FATA[0000] rpc error: code = NotFound desc = an error occurred '
                                 'when try to find container "abc": not found\n')


def test_real_crictl_verbs_are_not_no_help_topic(cluster: SimCluster) -> None:
    out, code = sh(cluster, "crictl events")  # crictl info is simulated (crictl_info.py)
    assert code == 1 and "not simulated" in out
    assert sh(cluster, "crictl foo") == ("No help topic for 'foo'\n", 3)


def test_kubeadm_group_with_a_wrong_subcommand(cluster: SimCluster) -> None:
    assert sh(cluster, "kubeadm config view") == (
        'error: invalid subcommand "view"\nSee \'kubeadm config -h\' for help and examples\n'
        "To see the stack trace of this error execute with --v=5 or higher\n", 1)
    out, code = sh(cluster, "kubeadm token list")
    assert code == 1 and "not simulated" in out
    assert sh(cluster, "kubeadm foo")[0].startswith('error: unknown command "foo" for "kubeadm"')


def test_kubectl_exec_etcdctl_in_the_etcd_pod(cluster: SimCluster) -> None:
    direct, _ = sh(cluster, f"etcdctl {TLS} member list")
    out, code = sh(cluster, f"kubectl -n kube-system exec etcd-kind-control-plane -- etcdctl "
                            f"{TLS} member list")
    assert code == 0 and out == direct and "started, kind-control-plane" in out
    assert sh(cluster, "kubectl -n kube-system exec nope -- etcdctl version") == \
        ('Error from server (NotFound): pods "nope" not found\n', 1)
    out, code = sh(cluster, "kubectl exec -it -n kube-system etcd-kind-control-plane -- sh")
    assert code == 1 and "not simulated" in out
