"""The twin's answer to the `service-serves` check.

A real cluster is judged by sending requests during a restart; the twin knows each container's
declared behaviour, so it judges the same thing directly: every pod behind the Service must
not be Ready before it serves the path (the readiness probe gates on real readiness), and at
least `min` ready endpoints must serve it now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.base import ProbeResult
from app.providers.sim.endpoints import matching_pods
from app.providers.sim.probing import INF, _ok_after

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster


def service_serves(cluster: SimCluster, params: Any) -> ProbeResult:
    ns, name, path, want = params.namespace, params.name, params.path, params.min
    svc = cluster.store.find("Service", name, ns)
    if svc is None:
        return ProbeResult(False, f"Service {ns}/{name} does not exist")
    ports = svc["spec"].get("ports") or []
    serving, early = 0, []
    for pod in matching_pods(cluster, svc):
        node = cluster.node(pod["spec"]["nodeName"])
        for spec in pod["spec"].get("containers") or []:
            c = node.runtime.latest(pod["metadata"]["uid"], spec.get("name", ""))
            b = c.notes.get("behaviour") if c is not None else None
            if c is None or b is None or not c.running():
                continue
            target = ports[0].get("targetPort", ports[0].get("port")) if ports else 80
            probe = {"httpGet": {"port": target, "path": path}}
            serve_at = (c.started or 0) + _ok_after(probe, spec, b)
            if c.ready_at is not None and c.ready_at < serve_at:
                gap = "never" if serve_at == INF else f"{serve_at - c.ready_at:.0f} s"
                early.append(f"{pod['metadata']['name']} (Ready {gap} before it serves {path})")
            elif c.ready(cluster.t) and serve_at <= cluster.t:
                serving += 1
    if early:
        return ProbeResult(False, f"Service {ns}/{name} sends traffic to pods that cannot serve "
                                  f"yet: {', '.join(early)}")
    if serving < want:
        return ProbeResult(False, f"Service {ns}/{name} has {serving} endpoints serving {path}; "
                                  f"expected ≥ {want}")
    return ProbeResult(True, f"Service {ns}/{name}: {serving} endpoints serve {path}")
