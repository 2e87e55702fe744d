"""node-power-off and service-stop against the twin, and the etcd quorum they can cost."""

from __future__ import annotations

import pytest

from app.faults import registry
from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


def inject(cluster: SimCluster, fault: str, node: str, **params: object) -> None:
    ft = registry.get(fault)
    ft.inject(cluster, cluster.node(node), ft.params(**params))


@pytest.fixture
def ha() -> SimCluster:
    return create_cluster("kind", 3, 1, clock=Clock(frozen_at=NOW))


def states(cluster: SimCluster, node: str, name: str) -> list[str]:
    return [c.state for c in cluster.node(node).runtime.containers.values() if c.name == name]


def test_three_control_planes_boot_with_a_quorum(ha: SimCluster) -> None:
    assert ec.has_quorum(ha) and ha.api_error(None) is None
    out = SimTerminal(ha, "kind-control-plane").run("kubectl get nodes")
    assert out.exit_code == 0 and "kind-control-plane3   Ready" in out.output


def test_stopping_the_kubelet_leaves_containers_running(ha: SimCluster) -> None:
    inject(ha, "service-stop", "control-plane2")
    ha.advance(120)
    assert "running" in states(ha, "kind-control-plane2", "etcd")
    assert ec.has_quorum(ha)


def test_a_powered_off_node_stops_its_containers(ha: SimCluster) -> None:
    inject(ha, "node-power-off", "control-plane3")
    assert "running" not in states(ha, "kind-control-plane3", "etcd")
    assert ec.has_quorum(ha)  # 2 of 3


def test_reboot_with_kubelet_disabled_leaves_etcd_exited(ha: SimCluster) -> None:
    inject(ha, "service-stop", "control-plane2", disable=True, reboot=True)
    ha.advance(60)
    node = ha.node("control-plane2")
    assert states(node.cluster, node.name, "etcd") == ["exited"]
    assert not node.services["kubelet"]["active"] and node.services["containerd"]["active"]


def test_reboot_with_kubelet_enabled_restarts_static_pods(ha: SimCluster) -> None:
    inject(ha, "service-stop", "control-plane2", reboot=True)
    ha.advance(30)
    assert sorted(states(ha, "kind-control-plane2", "etcd")) == ["exited", "running"]


def test_one_of_three_members_has_no_quorum_and_kubectl_gets_eof(ha: SimCluster) -> None:
    inject(ha, "node-power-off", "control-plane3")
    inject(ha, "service-stop", "control-plane2", disable=True, reboot=True)
    ha.advance(30)
    assert not ec.has_quorum(ha)
    sh = SimTerminal(ha, "kind-control-plane")
    # admin.conf goes through kind's haproxy, which has no API server passing /healthz left
    assert sh.run("kubectl get nodes").output.endswith("Unable to connect to the server: EOF\n")
    logs = sh.run("crictl logs $(crictl ps --name etcd -q)").output
    assert "stepped down to follower since quorum is not active" in logs
    assert "is starting a new election at term" in logs
    assert "peer became inactive (message send to peer failed)" in logs
    # The fix: the kubelet on control-plane2 brings its etcd back, 2 of 3 is a quorum.
    SimTerminal(ha, "kind-control-plane2").run("systemctl enable --now kubelet")
    ha.advance(30)
    assert ec.has_quorum(ha) and ha.api_error(None) is None


def test_the_lone_members_log_keeps_going_while_quorum_stays_lost(ha: SimCluster) -> None:
    inject(ha, "node-power-off", "control-plane3")
    inject(ha, "service-stop", "control-plane2", disable=True, reboot=True)
    ha.advance(1500)
    etcd = ha.node("control-plane").running_container("etcd")
    assert etcd is not None
    recent = [line for t, _, line in etcd.logs if ha.t - 60 <= t <= ha.t]
    assert any("is starting a new election" in line for line in recent)
