"""loadbalancer: kind's haproxy in front of an HA cluster's API servers (kind v0.29.0
pkg/cluster/internal/loadbalancer/config.go): TCP passthrough to a backend that passes
/healthz, the connection closed when none does (Go: EOF; curl: SSL_ERROR_SYSCALL)."""

from __future__ import annotations

import pytest

from app.providers.sim import loadbalancer
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster

LB = "kind-external-load-balancer"


@pytest.fixture
def ha() -> SimCluster:
    cluster = create_cluster("kind", 3, 1, seed=2, clock=Clock(frozen_at=1764118800.0))
    cluster.sync()
    return cluster


def sh(cluster: SimCluster, line: str) -> str:
    return cluster.open_terminal("kind-control-plane").run(line).output


def no_backend(cluster: SimCluster) -> None:
    cluster.node("control-plane2").power_off()
    cluster.node("control-plane3").power_off()
    cluster.advance(120)  # the last member has no quorum: its API server fails /healthz


def test_only_a_cluster_with_several_control_planes_has_one() -> None:
    single = create_cluster("kind", 1, 1, seed=2)
    assert loadbalancer.name(single) is None
    assert "Could not resolve host" in sh(single, f"curl -s -S https://{LB}:6443/healthz")


def test_it_is_a_container_on_the_kind_network(ha: SimCluster) -> None:
    assert loadbalancer.ip(ha) == "172.18.0.6"  # after the four nodes' addresses
    assert sh(ha, f"dig +short {LB}") == "172.18.0.6\n"
    assert f"64 bytes from {LB}.kind (172.18.0.6): icmp_seq=1 ttl=64" in \
        sh(ha, f"ping -c1 {LB}")


def test_kubectl_and_curl_reach_a_healthy_api_server_through_it(ha: SimCluster) -> None:
    assert "kind-worker" in sh(ha, "kubectl get nodes")  # admin.conf names the balancer
    assert sh(ha, f"curl -sk https://{LB}:6443/healthz") == "ok"
    trace = sh(ha, f"curl -v -k https://{LB}:6443/healthz")
    assert f"*   Trying 172.18.0.6:6443...\n* Connected to {LB} (172.18.0.6) port 6443" in trace


def test_with_no_healthy_backend_go_clients_get_eof(ha: SimCluster) -> None:
    no_backend(ha)
    lines = sh(ha, "kubectl get nodes").splitlines()
    assert len(lines) == 6 and lines[-1] == "Unable to connect to the server: EOF"
    assert lines[0].endswith(f'"couldn\'t get current server API group list: Get '
                             f'\\"https://{LB}:6443/api?timeout=32s\\": EOF"')
    # the API server itself still answers, with etcd failing its check
    assert "[-]etcd failed: reason withheld" in \
        sh(ha, "curl -sk https://kind-control-plane:6443/healthz")


def test_with_no_healthy_backend_curl_sees_the_connection_closed(ha: SimCluster) -> None:
    no_backend(ha)
    assert sh(ha, f"curl -k https://{LB}:6443/healthz") == (
        f"curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {LB}:6443 \n")
    assert sh(ha, f"curl http://{LB}:6443/") == "curl: (52) Empty reply from server\n"
    assert sh(ha, f"curl https://{LB}:8443/") == (
        f"curl: (7) Failed to connect to {LB} port 8443 after 0 ms: Couldn't connect to server\n")


def test_the_balancer_serves_again_once_quorum_is_back(ha: SimCluster) -> None:
    no_backend(ha)
    ha.node("control-plane2").power_on()
    ha.advance(120)
    assert "kind-worker" in sh(ha, "kubectl get nodes")
