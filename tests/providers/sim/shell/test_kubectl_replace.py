"""kubectl replace -f: whole-object PUTs, with kubectl's NotFound and Conflict errors."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
CM = b"""apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: default
data:
  mode: blue
"""


@pytest.fixture
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    c.node("control-plane").vfs.write("/root/cm.yaml", CM)
    return c


def run(cluster: SimCluster, line: str):
    return SimTerminal(cluster, "kind-control-plane").run(line)


def test_replacing_a_missing_object_is_not_found(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl replace -f /root/cm.yaml")
    assert out.exit_code == 1
    assert out.output == ('Error from server (NotFound): error when replacing "/root/cm.yaml": '
                          'configmaps "app" not found\n')


def test_replace_puts_the_whole_object_and_keeps_its_identity(cluster: SimCluster) -> None:
    run(cluster, "kubectl apply -f /root/cm.yaml")
    before = cluster.store.get("ConfigMap", "app", "default")
    uid, rv = before["metadata"]["uid"], before["metadata"]["resourceVersion"]
    out = run(cluster, "sed 's/blue/green/' /root/cm.yaml | kubectl replace -f -")
    assert out.output == "configmap/app replaced\n" and out.exit_code == 0
    after = cluster.store.get("ConfigMap", "app", "default")
    assert after["data"] == {"mode": "green"} and after["metadata"]["uid"] == uid
    assert after["metadata"]["resourceVersion"] != rv


def test_an_unchanged_object_is_not_written_again(cluster: SimCluster) -> None:
    run(cluster, "kubectl apply -f /root/cm.yaml")
    rv = cluster.store.get("ConfigMap", "app", "default")["metadata"]["resourceVersion"]
    assert run(cluster, "kubectl get cm app -o yaml | kubectl replace -f -").exit_code == 0
    assert cluster.store.get("ConfigMap", "app", "default")["metadata"]["resourceVersion"] == rv


def test_a_stale_resource_version_is_a_conflict(cluster: SimCluster) -> None:
    run(cluster, "kubectl apply -f /root/cm.yaml")
    run(cluster, "kubectl get cm app -o yaml > /root/old.yaml")
    run(cluster, "sed 's/blue/red/' /root/cm.yaml | kubectl replace -f -")
    out = run(cluster, "kubectl replace -f /root/old.yaml")
    assert out.exit_code == 1
    assert out.output == ('Error from server (Conflict): error when replacing "/root/old.yaml": '
                          'Operation cannot be fulfilled on configmaps "app": the object has been '
                          'modified; please apply your changes to the latest version and try '
                          'again\n')


def test_replace_needs_a_filename(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl replace")
    assert out.exit_code == 1 and out.output.startswith(
        "error: Must specify --filename to replace\n")


def test_an_empty_input_replaces_nothing(cluster: SimCluster) -> None:
    out = run(cluster, "true | kubectl replace -f -")
    assert out.exit_code == 1 and out.output == "error: no objects passed to replace\n"
