"""A kubelet whose client certificate expired can no longer post; its node goes NotReady."""

from __future__ import annotations

from app.faults.registry import get
from app.providers.base import Check
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster

CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem"


def _cluster(restart: bool = False):
    c = create_cluster("kind", 1, 2, clock=Clock(frozen_at=1_790_000_000), age=300)
    c.sync()  # the certificate expires now
    ft = get("cert-expire")
    ft.inject(c, c.node("worker"), ft.params(path=CURRENT, expired_ago="1h", restart=restart))
    return c


def _node(c, name: str) -> dict:
    return c.store.find("Node", name)


def test_kubelet_client_current_is_a_symlink_to_the_dated_pem() -> None:
    c = create_cluster("kind", 1, 1)
    out = c.node("worker").exec(f"readlink {CURRENT}").output
    assert out.startswith("/var/lib/kubelet/pki/kubelet-client-20")


def test_an_expired_client_cert_stops_status_updates_and_the_node_goes_not_ready() -> None:
    c = _cluster()
    c.advance(30)
    assert c.probe(Check(probe="nodes-ready", params={})).ok  # within the grace period
    c.advance(30)
    result = c.probe(Check(probe="nodes-ready", params={}))
    assert not result.ok and "kind-worker" in result.message and "kind-worker2" not in \
        result.message
    ready = next(x for x in _node(c, "kind-worker")["status"]["conditions"]
                 if x["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
    journal = c.node("worker").exec("journalctl -u kubelet --no-pager").output
    assert '"Error updating node status, will retry" err="error getting node ' \
           '\\"kind-worker\\": Unauthorized"' in journal


def test_pods_of_the_lost_node_lose_ready_but_keep_their_container_statuses() -> None:
    c = _cluster()
    c.advance(60)
    pods = [p for p in c.store.list("Pod", "kube-system")
            if p["spec"].get("nodeName") == "kind-worker"]
    assert pods
    for p in pods:
        ready = next(x for x in p["status"]["conditions"] if x["type"] == "Ready")
        assert ready["status"] == "False"
        assert all(cs["ready"] for cs in p["status"]["containerStatuses"])


def test_restarting_the_kubelet_with_an_expired_cert_makes_it_exit_at_start() -> None:
    c = _cluster()
    worker = c.node("worker")
    worker.exec("systemctl restart kubelet")
    journal = worker.exec("journalctl -u kubelet --no-pager | tail -4").output
    assert "bootstrap.go:266] part of the existing bootstrap client certificate in " \
           "/etc/kubernetes/kubelet.conf is expired: " in journal
    assert '"command failed" err="failed to run Kubelet: unable to load bootstrap kubeconfig: ' \
           'stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory"' in journal
    assert not worker.services["kubelet"]["active"]


def test_new_node_credentials_from_kubeadm_bring_the_node_back() -> None:
    c = _cluster()
    c.advance(60)
    cp = c.node("control-plane")
    cp.exec("kubeadm kubeconfig user --org system:nodes --client-name system:node:kind-worker "
            "> /root/w.conf")
    cp.exec("ssh kind-worker 'cat > /etc/kubernetes/kubelet.conf' < /root/w.conf")
    cp.exec("ssh kind-worker systemctl restart kubelet")
    c.advance(20)
    assert c.probe(Check(probe="nodes-ready", params={})).ok


def test_kubelets_log_the_x509_error_every_ten_seconds_when_the_serving_cert_expired() -> None:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=1_790_000_000), age=300)
    c.sync()
    ft = get("cert-expire")
    ft.inject(c, c.node("control-plane"), ft.params(path="/etc/kubernetes/pki/apiserver.crt"))
    c.advance(35)
    lines = [x for x in c.node("worker").exec("journalctl -u kubelet --no-pager").output.split(
        "\n") if "Error updating node status" in x]
    assert len(lines) >= 3
    assert 'Get \\"https://kind-control-plane:6443/api/v1/nodes/kind-worker?resourceVersion=0' \
           '&timeout=10s\\": tls: failed to verify certificate: x509: certificate has expired ' \
           'or is not yet valid: current time ' in lines[-1]
