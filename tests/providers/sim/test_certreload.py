"""kube-apiserver serves a renewed --tls-cert-file without being restarted."""

from __future__ import annotations

from app.faults.registry import get
from app.providers.base import Check
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster

CRT = "/etc/kubernetes/pki/apiserver.crt"


def expired_cluster() -> SimCluster:
    cluster = create_cluster("kind", 1, 1, clock=Clock(frozen_at=1764118800.0), age=300)
    ft = get("cert-expire")
    ft.inject(cluster, cluster.node("kind-control-plane"), ft.params(path=CRT, expired_ago="1d"))
    cluster.advance(30)
    return cluster


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    out = cluster.open_terminal("kind-control-plane").run(line)
    return out.output, out.exit_code


def api_ok(cluster: SimCluster) -> bool:
    return cluster.probe(Check(probe="apiserver-healthy", params={})).ok


def test_kubeadm_renew_alone_brings_the_api_back_with_the_same_container() -> None:
    cluster = expired_cluster()
    assert not api_ok(cluster)
    before, _ = sh(cluster, "crictl ps -q --name kube-apiserver")
    sh(cluster, "kubeadm certs renew apiserver")
    cluster.advance(2)
    assert api_ok(cluster)
    out, code = sh(cluster, "kubectl get nodes")
    assert code == 0 and "Ready" in out
    after, _ = sh(cluster, "crictl ps -q --name kube-apiserver")
    assert after == before  # served by the running apiserver, not a restarted one


def test_a_certificate_that_does_not_match_the_key_is_not_loaded() -> None:
    cluster = expired_cluster()
    node = cluster.node("kind-control-plane")
    # the front-proxy client certificate has a different key: tls.X509KeyPair rejects the pair
    node.write_file(CRT, node.read_file("/etc/kubernetes/pki/front-proxy-client.crt"))
    cluster.advance(2)
    out, _ = sh(cluster, "kubectl get nodes")
    assert "x509: certificate has expired or is not yet valid" in out


def test_an_apiserver_retrying_etcd_connects_with_a_renewed_client_cert_at_its_next_dial() -> None:
    cluster = create_cluster("kind", 1, 1, clock=Clock(frozen_at=1764118800.0), age=300)
    ft = get("cert-expire")
    ft.inject(cluster, cluster.node("kind-control-plane"),
              ft.params(path="/etc/kubernetes/pki/apiserver-etcd-client.crt", expired_ago="1d"))
    cluster.advance(150)
    running = ""
    for _ in range(30):  # until an attempt is running and still retrying etcd
        running, _ = sh(cluster, "crictl ps -q --name kube-apiserver")
        if running.strip():
            break
        cluster.advance(5)
    assert running.strip() and not api_ok(cluster)
    sh(cluster, "kubeadm certs renew apiserver-etcd-client")
    cluster.advance(5)
    assert api_ok(cluster)
    after, _ = sh(cluster, "crictl ps -q --name kube-apiserver")
    assert after == running  # the same attempt, not a restarted one
