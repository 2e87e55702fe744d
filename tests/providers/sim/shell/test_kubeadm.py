"""kubeadm certs check-expiration / renew on the twin, shaped like kubeadm 1.33 prints them."""

from __future__ import annotations

from app.faults.registry import get
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.shell.kubeadm import short_human_duration


def _expired_cluster():
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=1_790_000_000), age=300)
    ft = get("cert-expire")
    ft.inject(c, c.node("control-plane"),
              ft.params(path="/etc/kubernetes/pki/apiserver.crt", expired_ago="1d"))
    c.sync()
    return c


def test_short_human_duration_matches_apimachinery() -> None:
    assert [short_human_duration(s) for s in (-5, -1, 0, 59, 60, 3599, 3600, 86399, 86400,
                                              364 * 86400 + 5, 365 * 86400, 9 * 365 * 86400)] \
        == ["<invalid>", "0s", "0s", "59s", "1m", "59m", "1h", "23h", "1d", "364d", "1y", "9y"]


def test_check_expiration_lays_out_both_tables_like_kubeadm() -> None:
    out = _expired_cluster().node("control-plane").exec("kubeadm certs check-expiration").output
    lines = out.split("\n")
    assert lines[2] == ("[check-expiration] Error reading configuration from the Cluster. "
                        "Falling back to default configuration")
    assert lines[4] == ("CERTIFICATE                EXPIRES                  RESIDUAL TIME   "
                        "CERTIFICATE AUTHORITY   EXTERNALLY MANAGED")
    apiserver = next(x for x in lines if x.startswith("apiserver "))
    assert apiserver.endswith("   <invalid>       ca                      no      ")
    assert "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED" \
        in lines
    assert any(x.startswith("ca                      ") and x.endswith("9y              no      ")
               for x in lines)


def test_a_worker_shows_missing_certificates() -> None:
    c = _expired_cluster()
    out = c.node("worker").exec("kubeadm certs check-expiration").output
    assert "!MISSING! apiserver" in out
    assert "!MISSING! etcd-ca" in out


def test_renew_rewrites_the_file_and_says_so_and_the_running_apiserver_serves_it() -> None:
    c = _expired_cluster()
    cp = c.node("control-plane")
    assert "x509: certificate has expired" in cp.exec("kubectl get nodes").output
    out = cp.exec("kubeadm certs renew apiserver").output
    assert out.endswith("\ncertificate for serving the Kubernetes API renewed\n")
    c.advance(1)  # one year from the renewal, less a second: kubeadm shows 364d
    assert "364d" in cp.exec("kubeadm certs check-expiration | grep '^apiserver '").output
    # kube-apiserver re-reads --tls-cert-file on change (certreload.py): no restart needed
    assert "kind-worker" in cp.exec("kubectl get nodes").output


def test_renew_all_ends_with_the_restart_reminder() -> None:
    out = _expired_cluster().node("control-plane").exec("kubeadm certs renew all").output
    assert out.count(" renewed\n") == 11
    assert out.endswith("\n\nDone renewing certificates. You must restart the kube-apiserver, "
                        "kube-controller-manager, kube-scheduler and etcd, so that they can use "
                        "the new certificates.\n")
