"""kube-controller-manager's tokencleaner and bootstrapsigner for bootstrap-token Secrets.

- tokencleaner (pkg/controller/bootstrap/tokencleaner.go): every Secret of type
  `bootstrap.kubernetes.io/token` in kube-system whose `expiration` (RFC 3339) has passed, or
  cannot be parsed, is deleted (k8s.io/cluster-bootstrap util/secrets GetExpiration); its log
  lines are V(3), below kubeadm's default verbosity, so none are written.
- bootstrapsigner (pkg/controller/bootstrap/bootstrapsigner.go): kube-public/cluster-info
  carries a `jws-kubeconfig-<token-id>` signature only for tokens that exist, are usable for
  signing and have not expired; a stale signature is removed.
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
    valid: set[str] = set()
    for secret in store.list("Secret", "kube-system"):
        if secret.get("type") != TOKEN_TYPE:
            continue
        if expired(secret, t):
            store.delete("Secret", secret["metadata"]["name"], "kube-system")
        elif _data(secret, "usage-bootstrap-signing") == "true":
            valid.add(_data(secret, "token-id"))
    info = store.find("ConfigMap", "cluster-info", "kube-public")
    if info is None:
        return
    stale = [k for k in info.get("data") or {}
             if k.startswith(JWS_PREFIX) and k[len(JWS_PREFIX):] not in valid]
    if stale:
        for key in stale:
            del info["data"][key]
        store.update(info)
