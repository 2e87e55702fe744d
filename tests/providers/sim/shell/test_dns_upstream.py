"""Names outside the cluster on the twin's airgapped node: Docker's embedded DNS has no upstream
that answers, so it replies SERVFAIL (moby libnetwork resolver.go), and every tool reports it as
the real one does (samples in tests/fidelity/samples/SOURCES.md)."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 1, seed=3, clock=Clock(frozen_at=1764118800.0), age=300)


def run(cluster: SimCluster, line: str) -> tuple[str, int]:
    out = SimTerminal(cluster, "kind-control-plane").run(line)
    return out.output, out.exit_code


def test_dig_shows_dockers_servfail_without_recursion_available(cluster: SimCluster) -> None:
    out, code = run(cluster, "dig google.com")
    assert code == 0
    assert ";; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: " in out
    assert (";; flags: qr rd; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\n"
            ";; WARNING: recursion requested but not available\n") in out
    assert ";; SERVER: 127.0.0.11#53(127.0.0.11) (UDP)\n" in out
    assert run(cluster, "dig +short registry.k8s.io") == ("", 0)


def test_nslookup_and_host_print_servfail(cluster: SimCluster) -> None:
    assert run(cluster, "nslookup google.com") == (
        ";; Got SERVFAIL reply from 127.0.0.11\nServer:\t\t127.0.0.11\nAddress:\t127.0.0.11#53\n"
        "\n** server can't find google.com: SERVFAIL\n\n", 1)
    assert run(cluster, "host registry.k8s.io") == (
        "Host registry.k8s.io not found: 2(SERVFAIL)\n", 1)


def test_resolver_users_say_temporary_failure(cluster: SimCluster) -> None:
    assert run(cluster, "ping -c1 google.com") == (
        "ping: google.com: Temporary failure in name resolution\n", 2)
    assert run(cluster, "ssh registry.k8s.io") == (
        "ssh: Could not resolve hostname registry.k8s.io: Temporary failure in name "
        "resolution\n", 255)
    assert run(cluster, "curl -v https://registry.k8s.io/v2/") == (
        "* Could not resolve host: registry.k8s.io\n* Closing connection 0\n"
        "curl: (6) Could not resolve host: registry.k8s.io\n", 6)


def test_cluster_and_docker_names_are_unchanged(cluster: SimCluster) -> None:
    assert "status: NXDOMAIN" in run(cluster, "dig kubernetes.default.svc.cluster.local")[0]
    assert run(cluster, "dig +short kind-worker")[0].count(".") == 3
    assert run(cluster, "ping -c1 nosuchhost") == (
        "ping: nosuchhost: Name or service not known\n", 2)
    assert "status: SERVFAIL" in run(cluster, "dig @10.96.0.10 google.com")[0]
