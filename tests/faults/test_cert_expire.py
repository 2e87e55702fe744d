"""cert-expire re-issues a certificate that has expired, with the same key and names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.faults.registry import get
from app.providers.base import Check
from app.providers.sim import pki
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster

NOW = 1_790_000_000


def _cluster():
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=300)


def _inject(cluster, node: str, **params) -> None:
    ft = get("cert-expire")
    ft.inject(cluster, cluster.node(node), ft.params(**params))
    cluster.sync()


def test_the_reissued_certificate_expired_the_given_time_ago_with_same_names_and_key() -> None:
    c = _cluster()
    path = "/etc/kubernetes/pki/apiserver.crt"
    before = pki.cert_info(c.node("control-plane").read_file(path))
    t_fault = c.t
    _inject(c, "control-plane", path=path, expired_ago="2h")
    after = pki.cert_info(c.node("control-plane").read_file(path))
    assert after.not_after == datetime.fromtimestamp(int(t_fault - 7200), UTC)
    assert after.not_after - after.not_before == timedelta(days=365)
    assert (after.subject, after.san, after.issuer) == (before.subject, before.san, before.issuer)
    ca = c.node("control-plane").read_file("/etc/kubernetes/pki/ca.crt")
    assert pki.verify_chain(c.node("control-plane").read_file(path), ca)


def test_an_expired_serving_cert_breaks_the_api_even_without_a_restart() -> None:
    # kube-apiserver's DynamicServingCertificateController re-reads --tls-cert-file on change
    c = _cluster()
    _inject(c, "control-plane", path="/etc/kubernetes/pki/apiserver.crt", restart=False)
    assert not c.probe(Check(probe="apiserver-healthy", params={})).ok
    _inject(c, "control-plane", path="/etc/kubernetes/pki/apiserver.crt")
    c.advance(10)  # the restarted apiserver is serving again
    result = c.probe(Check(probe="apiserver-healthy", params={}))
    assert not result.ok
    assert "x509: certificate has expired or is not yet valid" in result.message


def test_an_expired_etcd_client_cert_crash_loops_the_apiserver_while_etcd_stays_healthy() -> None:
    c = _cluster()
    _inject(c, "control-plane", path="/etc/kubernetes/pki/apiserver-etcd-client.crt")
    c.advance(120)
    assert c.probe(Check(probe="etcd-healthy", params={})).ok
    assert not c.probe(Check(probe="apiserver-healthy", params={})).ok
    etcd_log = c.node("control-plane").exec("crictl logs $(crictl ps --name etcd -q)").output
    assert '"msg":"rejected connection on client endpoint"' in etcd_log
    assert '"server-name":"","error":"tls: failed to verify certificate: x509: certificate has ' \
           'expired or is not yet valid: current time' in etcd_log


def test_a_worker_certificate_is_signed_with_the_control_planes_ca_key() -> None:
    c = _cluster()
    files = c.node("worker").exec("ls /var/lib/kubelet/pki").output.split()
    path = "/var/lib/kubelet/pki/" + next(f for f in files if f.startswith("kubelet-client-2"))
    old = c.node("worker").read_file(path)
    _inject(c, "worker", path=path, restart=False)
    new = c.node("worker").read_file(path)
    assert not pki.is_valid_at(new, datetime.fromtimestamp(c.t, UTC))
    assert new.split(b"-----END CERTIFICATE-----")[1] == old.split(b"-----END CERTIFICATE-----")[1]
    assert pki.verify_chain(new, c.node("control-plane").read_file("/etc/kubernetes/pki/ca.crt"))


def test_bad_durations_are_refused() -> None:
    with pytest.raises(ValueError):
        get("cert-expire").params(path="/x", expired_ago="yesterday")


def test_a_kubeconfig_gets_its_embedded_client_certificate_expired() -> None:
    from app.providers.sim import kubeconfig

    c = _cluster()
    before = c.node("control-plane").read_file("/etc/kubernetes/admin.conf")
    _inject(c, "control-plane", path="/etc/kubernetes/admin.conf", restart=False)
    after = c.node("control-plane").read_file("/etc/kubernetes/admin.conf")
    assert kubeconfig.client_key_data(after) == kubeconfig.client_key_data(before)
    cert = kubeconfig.client_cert_data(after)
    assert not pki.is_valid_at(cert, datetime.fromtimestamp(c.t, UTC))
    out = c.node("control-plane").exec("kubeadm certs check-expiration | grep admin.conf").output
    assert "<invalid>" in out


def test_the_twin_survives_serialisation_with_loaded_certificates() -> None:
    from app.providers.sim.cluster import SimCluster

    c = _cluster()
    _inject(c, "control-plane", path="/etc/kubernetes/pki/apiserver.crt")
    c.advance(10)
    again = SimCluster.from_json(c.to_json())
    again.clock = c.clock
    result = again.probe(Check(probe="apiserver-healthy", params={}))
    assert not result.ok and "certificate has expired" in result.message
