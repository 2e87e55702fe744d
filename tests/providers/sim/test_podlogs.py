"""/var/log/pods and /var/log/containers: the CRI log files, generated from the runtime."""

from __future__ import annotations

import json

import pytest

from app.providers.sim.clock import Clock, rfc3339nano
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


@pytest.fixture
def cluster() -> SimCluster:
    twin = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))
    twin.advance(30)
    return twin


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def etcd(cluster: SimCluster):  # noqa: ANN201 - the etcd Container
    return cluster.node("control-plane").running_container("etcd")


def test_a_line_is_written_as_containerd_writes_it() -> None:
    """internal/cri/io/logger.go: RFC3339Nano (trailing zeros dropped), stream, F, text."""
    assert rfc3339nano(1764118800.123450) == "2025-11-26T01:00:00.12345Z"
    assert rfc3339nano(1764118800.0) == "2025-11-26T01:00:00Z"


def test_each_pod_has_a_directory_named_namespace_pod_uid(cluster: SimCluster) -> None:
    c = etcd(cluster)
    listed = sh(cluster, "ls /var/log/pods").split()
    assert f"kube-system_{c.pod_name}_{c.pod_uid}" in listed
    assert len(listed) == len(cluster.node("control-plane").runtime.sandboxes)


def test_the_file_holds_what_crictl_logs_prints(cluster: SimCluster) -> None:
    c = etcd(cluster)
    path = f"/var/log/pods/kube-system_{c.pod_name}_{c.pod_uid}/etcd/{c.attempt}.log"
    text = sh(cluster, f"cat {path}")
    lines = text.splitlines()
    assert lines and all(" stderr F " in x or " stdout F " in x for x in lines)
    crictl = sh(cluster, f"crictl logs {c.id} 2>&1").splitlines()
    assert [x.split(" ", 3)[3] for x in lines] == crictl
    assert sh(cluster, f"stat -c '%a %U' {path}").strip() == "640 root"


def test_the_containers_link_points_at_the_pods_file(cluster: SimCluster) -> None:
    c = etcd(cluster)
    link = f"/var/log/containers/{c.pod_name}_kube-system_etcd-{c.id}.log"
    target = f"/var/log/pods/kube-system_{c.pod_name}_{c.pod_uid}/etcd/{c.attempt}.log"
    assert sh(cluster, f"readlink {link}").strip() == target
    assert sh(cluster, f"tail -n 2 {link}") == sh(cluster, f"tail -n 2 {target}")


def test_new_lines_appear_as_the_twin_advances_and_none_from_the_future(
        cluster: SimCluster) -> None:
    c = etcd(cluster)
    path = f"/var/log/pods/kube-system_{c.pod_name}_{c.pod_uid}/etcd/{c.attempt}.log"
    before = sh(cluster, f"wc -l < {path}")
    c.logs.append((cluster.t + 60, "stderr", "a line from a minute later"))
    assert sh(cluster, f"wc -l < {path}") == before
    cluster.advance(61)
    assert "a line from a minute later" in sh(cluster, f"tail -n 5 {path}")


def test_a_removed_container_takes_its_file_and_link_with_it(cluster: SimCluster) -> None:
    worker = cluster.node("worker")
    proxy = worker.running_container("kube-proxy")
    sh(cluster, f"crictl rm -f {proxy.id}", node="kind-worker")
    assert proxy.id not in sh(cluster, "ls /var/log/containers", node="kind-worker")


def test_the_files_are_not_saved_with_the_twin_and_come_back_after_a_restore(
        cluster: SimCluster) -> None:
    raw = cluster.to_json()
    assert "/var/log/pods" not in json.dumps([n["vfs"] for n in raw["nodes"]])
    again = SimCluster.from_json(json.loads(json.dumps(raw)))
    assert sh(again, "ls /var/log/pods") == sh(cluster, "ls /var/log/pods")


def test_reading_them_is_not_a_change_and_deleting_one_hides_it(cluster: SimCluster) -> None:
    from app.providers.sim import changes

    term = SimTerminal(cluster, "kind-control-plane")
    before = changes.fingerprint(cluster)
    term.session.run("ls -R /var/log/pods > /dev/null; cat /var/log/containers/*etcd* >/dev/null")
    assert changes.fingerprint(cluster) == before
    c = etcd(cluster)
    path = f"/var/log/pods/kube-system_{c.pod_name}_{c.pod_uid}/etcd/{c.attempt}.log"
    sh(cluster, f"rm {path}")
    assert "No such file" in sh(cluster, f"cat {path}")
