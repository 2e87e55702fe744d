"""The twin's answers to scenario checks, each with a message an SRE can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.base import Check, ProbeResult
from app.providers.checks import PROBES
from app.providers.sim.shell.kubectl_printers import node_ready

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster


def run_probe(cluster: SimCluster, check: Check) -> ProbeResult:
    params = PROBES[check.probe](**check.params)
    fn = _PROBES[check.probe]
    return fn(cluster, params)


def _api_down(cluster: SimCluster) -> ProbeResult | None:
    err = cluster.api_error(None)
    if err is None:
        return None
    if err not in ("refused", "timeout"):
        return ProbeResult(False, f"kube-apiserver on :6443 fails TLS verification ({err})")
    return ProbeResult(False, "kube-apiserver does not answer on :6443 "
                              f"({'connection refused' if err == 'refused' else 'timeout'})")


def _apiserver(cluster: SimCluster, params: object) -> ProbeResult:
    return _api_down(cluster) or ProbeResult(True, "kube-apiserver /readyz: ok")


def _etcd(cluster: SimCluster, params: object) -> ProbeResult:
    for n in cluster.nodes:
        if n.role != "control-plane":
            continue
        err = cluster.etcd_reachable(n, "https://127.0.0.1:2379", cluster.t)
        if err is not None:
            return ProbeResult(False, f"etcd on {n.name} is not healthy: {err}")
    alarms = getattr(cluster, "etcd_state", {}).get("alarms") or []
    if alarms:
        return ProbeResult(False, "etcd has an active alarm: " +
                           ", ".join(a["alarm"] for a in alarms))
    return ProbeResult(True, "every etcd member answers endpoint health")


def _nodes_ready(cluster: SimCluster, params: object) -> ProbeResult:
    down = _api_down(cluster)
    if down:
        return down
    wanted = set(getattr(params, "nodes", []) or [])
    bad = [n["metadata"]["name"] for n in cluster.store.list("Node")
           if (not wanted or n["metadata"]["name"] in wanted) and node_ready(n) != "Ready"]
    if bad:
        return ProbeResult(False, f"node(s) not Ready: {', '.join(bad)}")
    return ProbeResult(True, "all nodes Ready")


def _ready(pods: list[dict]) -> list[dict]:
    return [p for p in pods if any(c["type"] == "Ready" and c["status"] == "True"
                                   for c in (p.get("status") or {}).get("conditions", []))]


def _pods_ready(cluster: SimCluster, params: object) -> ProbeResult:
    down = _api_down(cluster)
    if down:
        return down
    ns, sel, want = params.namespace, params.selector, params.min  # type: ignore[attr-defined]
    pods = cluster.store.list("Pod", ns, sel)
    ready = _ready(pods)
    where = f"{ns}/{sel or '*'}"
    if len(ready) < want or len(ready) < len(pods):
        return ProbeResult(False, f"{len(ready)} of {len(pods)} pods matching {where} are Ready; "
                                  f"expected all, at least {want}")
    return ProbeResult(True, f"{len(ready)} pods matching {where} are Ready")


def _service_endpoints(cluster: SimCluster, params: object) -> ProbeResult:
    down = _api_down(cluster)
    if down:
        return down
    ns, name, want = params.namespace, params.name, params.min  # type: ignore[attr-defined]
    svc = cluster.store.find("Service", name, ns)
    if svc is None:
        return ProbeResult(False, f"Service {ns}/{name} does not exist")
    sel = ",".join(f"{k}={v}" for k, v in (svc["spec"].get("selector") or {}).items())
    ready = _ready(cluster.store.list("Pod", ns, sel) if sel else [])
    if len(ready) < want:
        return ProbeResult(False, f"Service {ns}/{name} has {len(ready)} ready endpoints; "
                                  f"expected ≥ {want}")
    return ProbeResult(True, f"Service {ns}/{name} has {len(ready)} ready endpoints")


def _service_serves(cluster: SimCluster, params: object) -> ProbeResult:
    from app.providers.sim.workload_checks import service_serves

    return _api_down(cluster) or service_serves(cluster, params)


def _static_pod(cluster: SimCluster, params: object) -> ProbeResult:
    component, where = params.component, params.node  # type: ignore[attr-defined]
    node = cluster.node(where)
    c = node.running_container(component)
    if c is None or not c.ready(cluster.t):
        return ProbeResult(False, f"{component} is not running on {node.name}")
    return ProbeResult(True, f"{component} runs on {node.name}")


def _object_exists(cluster: SimCluster, params: object) -> ProbeResult:
    kind, name, ns = (params.kind, params.name,  # type: ignore[attr-defined]
                      params.namespace)  # type: ignore[attr-defined]
    down = _api_down(cluster)
    if down is not None:
        return down
    if cluster.store.find(kind, name, ns) is None:
        return ProbeResult(False, f'{kind} {ns}/{name} not found')
    return ProbeResult(True, f"{kind} {ns}/{name} exists")


def _etcd_fsync(cluster: SimCluster, params: object) -> ProbeResult:
    from app.providers.sim import etcd_cluster as ec

    limit = params.max_ms  # type: ignore[attr-defined]
    for m in ec.members(cluster):
        if not m.node:
            continue
        p99 = ec.disk_ms(cluster.node(m.node)) * 2.4
        if p99 >= limit:
            return ProbeResult(False, f"etcd member {m.name} ({m.id:x}) on {m.node}: WAL fsync "
                                      f"p99 {p99:.0f} ms (want < {limit:g} ms)")
    return ProbeResult(True, f"every etcd member's WAL fsync p99 is under {limit:g} ms")


def _secrets_encrypted(cluster: SimCluster, params: object) -> ProbeResult:
    from app.providers.sim import etcd_cluster as ec

    kv = ec.keyspace(cluster)
    plain = [k for k in kv if k.startswith("/registry/secrets/") and
             not kv[k].startswith(b"k8s:enc:")]
    if plain:
        more = f" (and {len(plain) - 1} more)" if len(plain) > 1 else ""
        return ProbeResult(False, f"{plain[0]} is stored in etcd unencrypted{more}")
    return ProbeResult(True, "every Secret is encrypted at rest in etcd")


_PROBES = {
    "apiserver-healthy": _apiserver,
    "etcd-healthy": _etcd,
    "nodes-ready": _nodes_ready,
    "pods-ready": _pods_ready,
    "service-endpoints": _service_endpoints,
    "service-serves": _service_serves,
    "static-pod-running": _static_pod,
    "object-exists": _object_exists,
    "etcd-fsync-fast": _etcd_fsync,
    "secrets-encrypted": _secrets_encrypted,
}
