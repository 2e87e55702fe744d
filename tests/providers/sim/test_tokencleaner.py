"""The bootstrap token expires inside a running twin: kube-controller-manager's tokencleaner
deletes its Secret and the bootstrapsigner drops its cluster-info signature."""

from __future__ import annotations

import base64

from app.providers.sim import tokencleaner
from app.providers.sim.bootstrap_objects import TOKEN_TTL
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster

NAME = "bootstrap-token-abcdef"


def _secret(expiration: str | None) -> dict:
    data = {"token-id": "abcdef"}
    if expiration is not None:
        data["expiration"] = expiration
    return {"type": tokencleaner.TOKEN_TYPE,
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def test_expiration_rules_follow_get_expiration() -> None:
    t = 1764118800.0  # 2025-11-26T01:00:00Z
    assert not tokencleaner.expired(_secret(None), t)
    assert not tokencleaner.expired(_secret("2025-11-26T01:00:01Z"), t)
    assert tokencleaner.expired(_secret("2025-11-26T01:00:00Z"), t)
    assert tokencleaner.expired(_secret("tomorrow"), t)


def test_token_secret_and_its_signature_go_when_it_expires() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0),
                       age=TOKEN_TTL - 120)
    assert c.store.find("Secret", NAME, "kube-system") is not None
    assert "jws-kubeconfig-abcdef" in c.store.get("ConfigMap", "cluster-info",
                                                  "kube-public")["data"]
    c.advance(60)
    assert c.store.find("Secret", NAME, "kube-system") is not None
    c.advance(120)
    assert c.store.find("Secret", NAME, "kube-system") is None
    data = c.store.get("ConfigMap", "cluster-info", "kube-public")["data"]
    assert "jws-kubeconfig-abcdef" not in data and "kubeconfig" in data


def test_a_cluster_older_than_the_token_has_no_signature_either() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0), age=TOKEN_TTL + 60)
    c.sync()
    assert c.store.find("Secret", NAME, "kube-system") is None
    assert "jws-kubeconfig-abcdef" not in c.store.get("ConfigMap", "cluster-info",
                                                      "kube-public")["data"]


def test_a_new_signing_token_gets_its_cluster_info_signature() -> None:
    from app.providers.sim.bootstrap_objects import jws_detached

    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0))
    secret = _secret("2025-11-27T01:00:00Z")
    secret["metadata"] = {"name": "bootstrap-token-zyxwvu", "namespace": "kube-system"}
    secret["kind"] = "Secret"
    for key, value in {"token-id": "zyxwvu", "token-secret": "0123456789abcdef",
                       "usage-bootstrap-signing": "true"}.items():
        secret["data"][key] = base64.b64encode(value.encode()).decode()
    c.store.create(secret, c.t)
    c.advance(1)
    data = c.store.get("ConfigMap", "cluster-info", "kube-public")["data"]
    assert data["jws-kubeconfig-zyxwvu"] == jws_detached(data["kubeconfig"], "zyxwvu",
                                                         "0123456789abcdef")
    assert "jws-kubeconfig-abcdef" in data
