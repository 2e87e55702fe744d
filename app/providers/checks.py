"""The probes a scenario's `checks:` may name, with their parameters.

Every provider answers each of these in `Cluster.probe`; the catalog validates a scenario's
checks against these models, so a misspelled probe is a lint error, not a runtime surprise.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiserverHealthy(_Params):
    """`kubectl get --raw /readyz` answers ok from the default kubeconfig."""


class EtcdHealthy(_Params):
    """Every etcd member answers `endpoint health` and the cluster has a leader."""


class NodesReady(_Params):
    """All nodes (or the named ones) report Ready."""

    nodes: list[str] = Field(default_factory=list)


class PodsReady(_Params):
    """At least `min` pods match and every matching pod is Ready."""

    namespace: str = "default"
    selector: str = ""
    min: int = 1


class ServiceEndpoints(_Params):
    """The Service has at least `min` ready endpoint addresses."""

    namespace: str = "default"
    name: str
    min: int = 1


class ServiceServes(_Params):
    """Requests to the Service on `path` succeed: at least `min` ready endpoints, and no
    endpoint is (or, by its readiness probe, would be after a restart) Ready before it serves
    `path`."""

    namespace: str = "default"
    name: str
    path: str = "/"
    min: int = 1


class StaticPodRunning(_Params):
    """The static pod of `component` (etcd, kube-apiserver, ...) runs on the node(s)."""

    component: str
    node: str = "control-plane"


class ObjectExists(_Params):
    """The API serves the object (kind as in the manifest, e.g. Deployment)."""

    kind: str
    name: str
    namespace: str = "default"


class EtcdFsyncFast(_Params):
    """Every etcd member's WAL fsync stays under `max_ms` (p99), as etcd's tuning guide asks."""

    max_ms: float = 10.0


class SecretsEncrypted(_Params):
    """Every Secret is stored in etcd encrypted (`k8s:enc:` prefix, a non-identity provider)."""


PROBES: dict[str, type[_Params]] = {
    "apiserver-healthy": ApiserverHealthy,
    "etcd-healthy": EtcdHealthy,
    "nodes-ready": NodesReady,
    "pods-ready": PodsReady,
    "service-endpoints": ServiceEndpoints,
    "service-serves": ServiceServes,
    "static-pod-running": StaticPodRunning,
    "object-exists": ObjectExists,
    "etcd-fsync-fast": EtcdFsyncFast,
    "secrets-encrypted": SecretsEncrypted,
}
