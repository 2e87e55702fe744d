"""Deployments, scheduling, probes and endpoints in the twin."""

from __future__ import annotations

import json

import pytest

from app.faults import registry
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster

NOW = 1764118800.0


def web(readiness_port: int = 8080, behaviour: dict | None = None,
        probes: str = "") -> str:
    b = json.dumps(behaviour or {"listen": [8080], "warmup_s": 2})
    probes = probes or f"""
        readinessProbe:
          httpGet: {{path: /ready, port: {readiness_port}}}
          periodSeconds: 5"""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: default}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
      annotations: {{kubedrill.io/behaviour: '{b}'}}
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.8.2
        ports: [{{name: http, containerPort: 8080}}]{probes}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: http}}]
"""


@pytest.fixture
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 2, clock=Clock(frozen_at=NOW), age=300)


def pods(cluster: SimCluster) -> list[dict]:
    return cluster.store.list("Pod", "default", "app=web")


def ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in pod["status"].get("conditions") or [])


def messages(cluster: SimCluster, reason: str) -> list[str]:
    return [e["message"] for e in cluster.store.list("Event", "default") if e["reason"] == reason]


def test_a_deployment_gets_a_replicaset_and_pods_on_the_workers(cluster: SimCluster) -> None:
    cluster.apply(web())
    cluster.advance(30)
    rs = cluster.store.list("ReplicaSet", "default")
    assert len(rs) == 1 and rs[0]["metadata"]["name"].startswith("web-")
    ps = pods(cluster)
    assert len(ps) == 2
    assert sorted(p["spec"]["nodeName"] for p in ps) == ["kind-worker", "kind-worker2"]
    assert all(ready(p) for p in ps)
    ep = cluster.store.get("Endpoints", "web", "default")
    assert len(ep["subsets"][0]["addresses"]) == 2
    assert ep["subsets"][0]["ports"][0]["port"] == 8080


def test_a_readiness_probe_on_a_closed_port_keeps_pods_out_of_the_service(
        cluster: SimCluster) -> None:
    cluster.apply(web(readiness_port=8081))
    cluster.advance(120)
    ps = pods(cluster)
    assert len(ps) == 2 and not any(ready(p) for p in ps)
    assert all(p["status"]["containerStatuses"][0]["restartCount"] == 0 for p in ps)
    subset = cluster.store.get("Endpoints", "web", "default")["subsets"][0]
    assert "addresses" not in subset and len(subset["notReadyAddresses"]) == 2
    failed = messages(cluster, "Unhealthy")
    ip = ps[0]["status"]["podIP"]
    assert (f'Readiness probe failed: Get "http://{ip}:8081/ready": dial tcp {ip}:8081: '
            "connect: connection refused") in failed
    counts = [e["count"] for e in cluster.store.list("Event", "default")
              if e["reason"] == "Unhealthy"]
    assert min(counts) >= 20  # one every 5 s, aggregated into one event per pod


def test_a_liveness_probe_kills_a_slow_starter_until_it_crash_loops(cluster: SimCluster) -> None:
    probes = """
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          initialDelaySeconds: 5
          periodSeconds: 5
          failureThreshold: 2"""
    cluster.apply(web(behaviour={"listen": [8080], "warmup_s": 45}, probes=probes))
    cluster.advance(200)
    p = pods(cluster)[0]
    st = p["status"]["containerStatuses"][0]
    assert st["restartCount"] >= 3
    assert "Container web failed liveness probe, will be restarted" in messages(cluster,
                                                                                "Killing")
    assert any(m.startswith("Back-off restarting failed container web in pod")
               for m in messages(cluster, "BackOff"))


def test_a_startup_probe_lets_the_slow_starter_come_up(cluster: SimCluster) -> None:
    probes = """
        startupProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 5
          failureThreshold: 30
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 5
          failureThreshold: 2"""
    cluster.apply(web(behaviour={"listen": [8080], "warmup_s": 45}, probes=probes))
    cluster.advance(120)
    ps = pods(cluster)
    assert all(ready(p) and p["status"]["containerStatuses"][0]["restartCount"] == 0
               for p in ps)


def test_without_a_working_scheduler_new_pods_stay_pending_silently(
        cluster: SimCluster) -> None:
    ft = registry.get("manifest-flag")
    ft.inject(cluster, cluster.node("control-plane"),
              ft.params(manifest="kube-scheduler",
                        set="--kubeconfig=/etc/kubernetes/scheduler.conff"))
    cluster.advance(20)
    cluster.apply(web())
    cluster.advance(60)
    ps = pods(cluster)
    assert len(ps) == 2
    assert all(not p["spec"].get("nodeName") and p["status"]["phase"] == "Pending" for p in ps)
    assert not messages(cluster, "Scheduled") and not messages(cluster, "FailedScheduling")
    cp = cluster.node("control-plane")
    sched = [c for c in cp.runtime.containers.values() if c.name == "kube-scheduler"]
    last = sched[-1]
    assert any('"command failed" err="stat /etc/kubernetes/scheduler.conff: no such file or '
               'directory"' in line for _, _, line in last.logs)
    assert not cp.running_container("kube-scheduler") or not last.ready(cluster.t)


def test_changing_the_template_rolls_the_pods(cluster: SimCluster) -> None:
    cluster.apply(web())
    cluster.advance(30)
    before = {p["metadata"]["name"] for p in pods(cluster)}
    dep = cluster.store.get("Deployment", "web", "default")
    dep["spec"]["template"]["metadata"]["annotations"][
        "kubectl.kubernetes.io/restartedAt"] = "2025-11-26T01:00:00Z"
    cluster.store.update(dep)
    cluster.settle()
    cluster.advance(60)
    after = pods(cluster)
    assert len(after) == 2 and all(ready(p) for p in after)
    assert not before & {p["metadata"]["name"] for p in after}
    assert len(cluster.store.list("ReplicaSet", "default")) == 2


def test_with_every_worker_cordoned_the_scheduler_says_why(cluster: SimCluster) -> None:
    for name in ("kind-worker", "kind-worker2"):
        node = cluster.store.get("Node", name)
        node["spec"]["unschedulable"] = True
        cluster.store.update(node)
    cluster.apply(web())
    cluster.advance(10)
    assert all(not p["spec"].get("nodeName") for p in pods(cluster))
    assert messages(cluster, "FailedScheduling")[0] == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 node(s) were unschedulable. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def test_controllers_stop_with_the_controller_manager(cluster: SimCluster) -> None:
    cp = cluster.node("control-plane")
    cp.vfs.remove("/etc/kubernetes/manifests/kube-controller-manager.yaml")
    cluster.settle()
    cluster.apply(web())
    cluster.advance(30)
    assert cluster.store.list("ReplicaSet", "default") == []
