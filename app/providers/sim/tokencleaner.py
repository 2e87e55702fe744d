"""kube-controller-manager's tokencleaner and bootstrapsigner for bootstrap-token Secrets.

- tokencleaner (pkg/controller/bootstrap/tokencleaner.go): every Secret of type
  `bootstrap.kubernetes.io/token` in kube-system whose `expiration` (RFC 3339) has passed, or
  cannot be parsed, is deleted (k8s.io/cluster-bootstrap util/secrets GetExpiration); its log
  lines are V(3), below kubeadm's default verbosity, so none are written.
- bootstrapsigner (pkg/controller/bootstrap/bootstrapsigner.go signConfigMap/getTokens):
  kube-public/cluster-info carries a `jws-kubeconfig-<token-id>` signature (detached JWS of its
  `kubeconfig`) for every token that is usable for signing and has not expired; a stale
  signature is removed, a missing one added.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

Obj = dict[str, Any]
TOKEN_TYPE = "bootstrap.kubernetes.io/token"
JWS_PREFIX = "jws-kubeconfig-"


def _data(secret: Obj, key: str) -> str:
    raw = (secret.get("data") or {}).get(key)
    if raw is None:
        return ""
    try:
        return base64.b64decode(raw).decode()
    except ValueError:
        return ""


def expired(secret: Obj, t: float) -> bool:
    """GetExpiration's isExpired: no expiration never expires; an unparseable one counts as
    expired."""
    expiration = _data(secret, "expiration")
    if not expiration:
        return False
    try:
        when = datetime.fromisoformat(expiration.replace("Z", "+00:00"))
    except ValueError:
        return True
    if when.tzinfo is None:
        return True  # time.RFC3339 requires the offset
    return when.timestamp() - t <= 0


def sync(cluster: SimCluster, t: float) -> None:
    store = cluster.store
    valid: dict[str, str] = {}
    for secret in store.list("Secret", "kube-system"):
        if secret.get("type") != TOKEN_TYPE:
            continue
        token_id = _data(secret, "token-id")
        if expired(secret, t):
            store.delete("Secret", secret["metadata"]["name"], "kube-system")
        elif (_data(secret, "usage-bootstrap-signing") == "true" and token_id
              and secret["metadata"]["name"] == f"bootstrap-token-{token_id}"):
            valid[token_id] = _data(secret, "token-secret")
    info = store.find("ConfigMap", "cluster-info", "kube-public")
    data = (info or {}).get("data") or {}
    if "kubeconfig" not in data:
        return
    stale = [k for k in data if k.startswith(JWS_PREFIX) and k[len(JWS_PREFIX):] not in valid]
    missing = [i for i in valid if JWS_PREFIX + i not in data]
    if stale or missing:
        from app.providers.sim.bootstrap_objects import jws_detached

        for key in stale:
            del data[key]
        for token_id in missing:
            data[JWS_PREFIX + token_id] = jws_detached(data["kubeconfig"], token_id,
                                                      valid[token_id])
        store.update(info)  # type: ignore[arg-type]
