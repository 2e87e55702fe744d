"""Re-signing an expired certificate by hand with `openssl req` + `openssl x509 -req` (the
kubernetes.io "Certificates" task) repairs the twin exactly when it would repair a real cluster:
signed by the right CA and loaded by a restart; the wrong CA leaves the fault in place."""

from __future__ import annotations

import pytest

from app.catalog.loader import load_catalog
from app.providers.sim.clock import Clock
from app.training.player import FROZEN_AT, SETTLE_S, failing_checks, run
from app.training.provisioning import provision
from tests.conftest import SCENARIOS

CATALOG = {s.id: s for s in load_catalog(SCENARIOS)}
RESTART_APISERVER = ["mv /etc/kubernetes/manifests/kube-apiserver.yaml /root/",
                     "mv /root/kube-apiserver.yaml /etc/kubernetes/manifests/"]


def _play(scenario_id: str, lines: list[str]) -> list[str]:
    scenario = CATALOG[scenario_id]
    cluster = provision(scenario, seed=0, clock=Clock(frozen_at=FROZEN_AT))
    assert failing_checks(cluster, scenario), "the fault must show before the fix"
    for line in lines:
        out, code = run(cluster, line)
        assert code == 0, f"{line}\n{out}"
    cluster.advance(SETTLE_S)
    return failing_checks(cluster, scenario)


def _apiserver_steps(ca: str) -> list[str]:
    pki = "/etc/kubernetes/pki"
    return [
        f"cd {pki} && openssl req -new -key apiserver.key -subj /CN=kube-apiserver "
        "-out /root/apiserver.csr",
        "printf 'subjectAltName = DNS:kind-control-plane, DNS:kubernetes, DNS:localhost, "
        "IP:10.96.0.1, IP:127.0.0.1\\nkeyUsage = critical, digitalSignature, keyEncipherment\\n"
        "extendedKeyUsage = serverAuth\\n' > /root/apiserver.ext",
        f"cd {pki} && openssl x509 -req -in /root/apiserver.csr -CA {ca}.crt -CAkey {ca}.key "
        "-CAcreateserial -days 365 -extfile /root/apiserver.ext -out apiserver.crt",
        f"openssl verify -CAfile {pki}/{ca}.crt {pki}/apiserver.crt",
        *RESTART_APISERVER,
    ]


def test_a_hand_signed_apiserver_certificate_brings_the_api_back() -> None:
    assert _play("apiserver-cert-expired", _apiserver_steps("ca")) == []


def test_an_apiserver_certificate_signed_by_the_etcd_ca_does_not() -> None:
    assert _play("apiserver-cert-expired", _apiserver_steps("etcd/ca")) != []


@pytest.mark.parametrize(("ca", "fixed"), [("etcd/ca", True), ("ca", False)])
def test_the_etcd_client_certificate_must_be_signed_by_the_etcd_ca(ca: str, fixed: bool
                                                                  ) -> None:
    pki = "/etc/kubernetes/pki"
    steps = [
        f"cd {pki} && openssl req -new -key apiserver-etcd-client.key "
        "-subj /CN=kube-apiserver-etcd-client -out /root/c.csr",
        "printf 'keyUsage = critical, digitalSignature, keyEncipherment\\n"
        "extendedKeyUsage = clientAuth\\n' > /root/c.ext",
        f"cd {pki} && openssl x509 -req -in /root/c.csr -CA {ca}.crt -CAkey {ca}.key -days 365 "
        "-extfile /root/c.ext -out apiserver-etcd-client.crt",
        *RESTART_APISERVER,
    ]
    assert (_play("etcd-client-cert-expired", steps) == []) is fixed
