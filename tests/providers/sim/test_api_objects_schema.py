"""Every object the twin keeps in its API store is one a Kubernetes 1.33 apiserver could serve.

Validated with the OpenAPI schemas kubernetes-validate ships (tests/providers/sim/k8s_schema.py):
a healthy twin, and twins after a scenario's fault and after its fix path, so objects made by
the controllers, the kubelets' status posts, the scheduler and the fault modules all count.
"""

from __future__ import annotations

import socket
from collections import Counter

import pytest

from app.catalog.loader import load_catalog
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.training.player import FROZEN_AT, SETTLE_S, run
from app.training.provisioning import provision
from tests.conftest import SCENARIOS
from tests.providers.sim import k8s_schema

CATALOG = load_catalog(SCENARIOS)
# Together these make Deployments, ReplicaSets, Services, Endpoints(+Slices), Events (probe
# failures, scheduling, scaling), ConfigMaps and a CronJob, Secrets, RBAC objects.
SCENARIOS_MAKING_OBJECTS = ["readiness-wrong-port", "liveness-kills-slow-start", "etcd-nospace",
                            "secrets-unencrypted", "scheduler-kubeconfig-wrong",
                            "etcd-bad-data-dir", "readiness-half-alive"]


def _objects(cluster) -> list[dict]:  # noqa: ANN001 - SimCluster
    return list(cluster.store.objects.values())


def test_the_validator_reports_wrong_types_unknown_fields_and_bad_times() -> None:
    bad = {"kind": "Pod", "apiVersion": "v1",
           "metadata": {"name": "x", "uid": "u", "resourceVersion": "1",
                        "creationTimestamp": "2025-11-26 00:00:00", "colour": "red"},
           "spec": {"containers": [{"name": "a", "ports": [{"containerPort": "80"}]}]}}
    found = "\n".join(k8s_schema.problems(bad))
    assert "'80' is not of type 'integer'" in found
    assert "'colour' was unexpected" in found
    assert "is not a 'date-time'" in found


def test_validation_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    k8s_schema.validator.cache_clear()
    k8s_schema._definitions.cache_clear()
    cluster = create_cluster("kind", 1, 1, seed=1, clock=Clock(frozen_at=FROZEN_AT))
    assert k8s_schema.store_problems(_objects(cluster)) == []


@pytest.mark.parametrize(("control_planes", "workers"), [(1, 2), (3, 1)])
def test_every_object_of_a_healthy_twin_is_valid(control_planes: int, workers: int) -> None:
    cluster = create_cluster("kind", control_planes, workers, seed=7,
                             clock=Clock(frozen_at=FROZEN_AT))
    cluster.advance(120)
    objects = _objects(cluster)
    kinds = Counter(o["kind"] for o in objects)
    assert {"Node", "Pod", "Deployment", "ReplicaSet", "DaemonSet", "Service",
            "EndpointSlice", "Namespace", "Lease"} <= set(kinds)
    assert k8s_schema.store_problems(objects) == []


@pytest.mark.parametrize("scenario_id", SCENARIOS_MAKING_OBJECTS)
def test_every_object_is_valid_under_the_fault_and_after_the_fix(scenario_id: str) -> None:
    scenario = CATALOG.get(scenario_id)
    cluster = provision(scenario, seed=0, clock=Clock(frozen_at=FROZEN_AT))
    for step in scenario.expert_path:
        run(cluster, step.run, step.node)
    assert k8s_schema.store_problems(_objects(cluster)) == []
    for step in scenario.fix_path:
        run(cluster, step.run, step.node)
        if step.wait:
            cluster.advance(step.wait)
    cluster.advance(SETTLE_S)
    assert k8s_schema.store_problems(_objects(cluster)) == []


def test_the_scenarios_cover_the_kinds_the_issue_names() -> None:
    kinds: set[str] = set()
    for scenario_id in SCENARIOS_MAKING_OBJECTS:
        scenario = CATALOG.get(scenario_id)
        cluster = provision(scenario, seed=0, clock=Clock(frozen_at=FROZEN_AT))
        cluster.advance(60)
        kinds |= {o["kind"] for o in _objects(cluster)}
    assert {"Deployment", "Service", "CronJob", "Secret", "Event", "EndpointSlice",
            "ConfigMap", "Endpoints", "Lease"} <= kinds


def test_objects_of_a_lost_node_and_its_evicted_pods_are_valid() -> None:
    from app.faults import registry

    cluster = create_cluster("kind", 1, 2, seed=4, clock=Clock(frozen_at=FROZEN_AT))
    cluster.apply(CATALOG_WEB)
    cluster.advance(30)
    fault = registry.get("node-power-off")
    fault.inject(cluster, cluster.node("kind-worker"), fault.params())
    cluster.advance(420)
    objects = _objects(cluster)
    assert any(o["kind"] == "Pod" and o["metadata"].get("deletionTimestamp") for o in objects)
    assert any(o["kind"] == "Node" and o["spec"].get("taints") for o in objects)
    assert k8s_schema.store_problems(objects) == []


CATALOG_WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.8.2}]
"""
