"""Go's x509 wording for certificates checked against the twin's clock."""

from __future__ import annotations

from datetime import UTC, datetime

from app.providers.sim import pki, tls
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster


def test_validity_error_uses_gos_wording_and_rfc3339_times() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1_790_000_000))
    pem = c.node("control-plane").read_file("/etc/kubernetes/pki/apiserver.crt")
    not_before, not_after = pki.cert_validity(pem)
    assert tls.validity_error(pem, c.t) is None
    late = not_after.timestamp() + 3600
    assert tls.validity_error(pem, late) == (
        "x509: certificate has expired or is not yet valid: current time "
        f"{datetime.fromtimestamp(late, UTC):%Y-%m-%dT%H:%M:%SZ} is after "
        f"{not_after:%Y-%m-%dT%H:%M:%SZ}")
    assert " is before " in tls.validity_error(pem, not_before.timestamp() - 10)


def test_a_certificate_from_another_ca_is_an_unknown_authority() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1_790_000_000))
    node = c.node("control-plane")
    pem = node.read_file("/etc/kubernetes/pki/apiserver.crt")
    other = node.read_file("/etc/kubernetes/pki/etcd/ca.crt")
    assert tls.verify_error(pem, other, c.t) == tls.UNKNOWN_CA
