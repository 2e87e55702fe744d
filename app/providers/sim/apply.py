"""`kubectl apply` of a scenario's manifests into the twin's store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from app.providers.base import ProviderError
from app.providers.sim.store import KINDS, Conflict

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster


def apply_manifest(cluster: SimCluster, manifest: str) -> None:
    try:
        docs = [d for d in yaml.safe_load_all(manifest) if d]
    except yaml.YAMLError as err:
        raise ProviderError(f"manifest is not valid YAML: {err}") from None
    for doc in docs:
        kind = doc.get("kind")
        if kind not in KINDS:
            raise ProviderError(f"the twin cannot apply kind {kind!r} yet")
        try:
            cluster.store.create(doc, cluster.t)
        except Conflict:
            existing = cluster.store.get(kind, doc["metadata"]["name"],
                                         doc["metadata"].get("namespace", "default"))
            existing.update({k: v for k, v in doc.items() if k not in ("metadata", "status")})
            cluster.store.update(existing)
    # The controllers and kubelets react to the new objects at once (they watch the API).
    cluster.settle()
