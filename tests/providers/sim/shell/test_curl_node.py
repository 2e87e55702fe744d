"""curl to a node's own component ports: answers decided by the twin, texts as real curl's."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal
from app.training.provisioning import provision

NOW = 1764118800.0
SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"
CA = "--cacert /etc/kubernetes/pki/ca.crt"
ETCD_TLS = ("--cacert /etc/kubernetes/pki/etcd/ca.crt --cert "
            "/etc/kubernetes/pki/apiserver-etcd-client.crt --key "
            "/etc/kubernetes/pki/apiserver-etcd-client.key")


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))


def broken(scenario: str) -> SimCluster:
    return provision(load_catalog("scenarios").get(scenario), seed=0,
                     clock=Clock(frozen_at=NOW))


def run(cluster: SimCluster, line: str, node: str = "kind-control-plane"):
    return SimTerminal(cluster, node).run(line)


def test_apiserver_healthz_without_cacert_fails_like_curl(cluster: SimCluster) -> None:
    out = run(cluster, "curl -sS https://127.0.0.1:6443/healthz")
    assert out.exit_code == 60
    assert out.output == sample("curl-60-unable-to-get-local-issuer.txt")


def test_apiserver_healthz_with_the_cluster_ca_is_ok(cluster: SimCluster) -> None:
    out = run(cluster, f"curl {CA} https://127.0.0.1:6443/healthz")
    assert (out.exit_code, out.output) == (0, "ok")


def test_insecure_readyz_verbose_lists_the_real_checks(cluster: SimCluster) -> None:
    out = run(cluster, "curl -sk 'https://localhost:6443/readyz?verbose'")
    assert out.output == sample("apiserver-readyz-verbose.txt")


def test_livez_verbose_has_no_readiness_only_checks(cluster: SimCluster) -> None:
    out = run(cluster, "curl -sk 'https://127.0.0.1:6443/livez?verbose'").output
    assert out.endswith("livez check passed\n") and "[+]etcd ok\n" in out
    assert "[+]etcd-readiness ok" not in out and "[+]informer-sync ok" not in out


def test_version_is_the_v1_33_1_document(cluster: SimCluster) -> None:
    out = run(cluster, f"curl -s {CA} https://172.18.0.2:6443/version")
    assert out.output == sample("apiserver-version-v1.33.1.json")


def test_anonymous_resource_request_gets_403_status(cluster: SimCluster) -> None:
    out = run(cluster, "curl -sk https://127.0.0.1:6443/api/v1/namespaces/default/pods")
    assert '"reason": "Forbidden"' in out.output and '"code": 403' in out.output
    assert ('pods is forbidden: User \\"system:anonymous\\" cannot list resource \\"pods\\" in '
            'API group \\"\\" in the namespace \\"default\\"') in out.output


def test_plain_http_to_the_https_port_gets_go_400(cluster: SimCluster) -> None:
    out = run(cluster, "curl -s -w ' %{http_code}' http://127.0.0.1:6443/healthz")
    assert out.output == "Client sent an HTTP request to an HTTPS server.\n 400"


def test_etcd_client_port_demands_a_client_certificate(cluster: SimCluster) -> None:
    out = run(cluster, "curl -sS --cacert /etc/kubernetes/pki/etcd/ca.crt "
                       "https://127.0.0.1:2379/health")
    assert out.exit_code == 56
    assert out.output == sample("curl-56-certificate-required.txt").replace(
        "OpenSSL/3.0.19", "OpenSSL/3.0.17")


def test_etcd_health_and_version_with_client_certs(cluster: SimCluster) -> None:
    assert run(cluster, f"curl {ETCD_TLS} https://127.0.0.1:2379/health").output == \
        '{"health":"true","reason":""}'
    assert run(cluster, f"curl {ETCD_TLS} https://127.0.0.1:2379/version").output == \
        '{"etcdserver":"3.5.21","etcdcluster":"3.5.0"}'


def test_etcd_metrics_port_listens_on_loopback_only(cluster: SimCluster) -> None:
    assert run(cluster, "curl http://127.0.0.1:2381/health").output == \
        '{"health":"true","reason":""}'
    out = run(cluster, "curl http://172.18.0.2:2381/health")
    assert out.exit_code == 7
    assert out.output == ("curl: (7) Failed to connect to 172.18.0.2 port 2381 after 0 ms: "
                          "Couldn't connect to server\n")


def test_etcd_metrics_expose_leader_and_quota(cluster: SimCluster) -> None:
    out = run(cluster, "curl -s http://127.0.0.1:2381/metrics").output
    assert "\netcd_server_has_leader 1\n" in out
    assert "\netcd_server_quota_backend_bytes 2.147483648e+09\n" in out
    assert 'etcd_disk_wal_fsync_duration_seconds_bucket{le="8.192"}' in out
    assert "# TYPE etcd_disk_backend_commit_duration_seconds histogram" in out


def test_https_to_a_plain_http_port_is_a_wrong_version_number(cluster: SimCluster) -> None:
    out = run(cluster, "curl -sS https://127.0.0.1:2381/health")
    assert out.exit_code == 35
    assert out.output == sample("curl-35-wrong-version-number.txt").replace(
        "OpenSSL/3.0.19", "OpenSSL/3.0.17")


def test_missing_cacert_file_is_error_77(cluster: SimCluster) -> None:
    out = run(cluster, "curl -sS --cacert /nope.crt https://127.0.0.1:6443/healthz")
    assert (out.exit_code, out.output) == (77, sample("curl-77-cacert-missing.txt"))


def test_kubelet_healthz_and_authenticated_port(cluster: SimCluster) -> None:
    assert run(cluster, "curl -s localhost:10248/healthz").output == "ok"
    assert run(cluster, "curl -sk https://172.18.0.3:10250/pods").output == "Unauthorized"


def test_kubelet_healthz_refused_once_the_unit_stops(cluster: SimCluster) -> None:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))
    c.node("kind-worker").service("kubelet", "stop")
    out = run(c, "curl localhost:10248/healthz", node="kind-worker")
    assert out.exit_code == 7 and "port 10248 after 0 ms" in out.output


def test_scheduler_serves_a_self_signed_chain(cluster: SimCluster) -> None:
    assert run(cluster, "curl -sk https://127.0.0.1:10259/healthz").output == "ok"
    out = run(cluster, f"curl -sS {CA} https://127.0.0.1:10257/healthz")
    assert out.exit_code == 60
    assert out.output.startswith("curl: (60) SSL certificate problem: self-signed certificate "
                                 "in certificate chain\n")


def test_kube_proxy_healthz_json(cluster: SimCluster) -> None:
    out = run(cluster, "curl -s 172.18.0.3:10256/healthz").output
    assert out.startswith('{"lastUpdated": "2025-11-26 01:00:00 +0000 UTC m=+')
    assert out.endswith('"nodeEligible": true}')


def test_verbose_shows_the_served_certificate(cluster: SimCluster) -> None:
    out = run(cluster, f"curl -v {CA} https://127.0.0.1:6443/healthz").output
    assert "*  subject: CN=kube-apiserver\n" in out
    assert "*  subjectAltName: host \"127.0.0.1\" matched cert's IP address!\n" in out
    assert "*  SSL certificate verify ok.\n" in out and "< HTTP/2 200 \n" in out


def test_other_ports_on_a_node_stay_refused(cluster: SimCluster) -> None:
    out = run(cluster, "curl http://172.18.0.3:6443/")
    assert out.exit_code == 7


def test_expired_apiserver_certificate() -> None:
    c = broken("apiserver-cert-expired")
    out = run(c, f"curl -sS {CA} https://127.0.0.1:6443/healthz")
    assert out.exit_code == 60
    assert out.output == sample("curl-60-certificate-expired.txt")


def test_quorum_lost_shows_in_apiserver_and_etcd_health() -> None:
    c = broken("etcd-quorum-lost")
    out = run(c, "curl -sk https://127.0.0.1:6443/healthz")
    assert "[-]etcd failed: reason withheld\n" in out.output
    assert out.output.endswith("healthz check failed\n")
    assert run(c, "curl -s http://127.0.0.1:2381/health").output == \
        '{"health":"false","reason":"RAFT NO LEADER"}\n'
    assert "\netcd_server_has_leader 0\n" in run(c, "curl -s 127.0.0.1:2381/metrics").output


def test_nospace_alarm_fails_etcd_health_only() -> None:
    c = broken("etcd-nospace")
    assert run(c, "curl -s http://127.0.0.1:2381/health").output == \
        '{"health":"false","reason":"ALARM NOSPACE"}\n'
    assert run(c, "curl -s http://127.0.0.1:2381/readyz").output == "ok\n"


def test_etcd_down_refuses_both_etcd_ports() -> None:
    c = broken("etcd-manifest-typo")
    for url in ("http://127.0.0.1:2381/health", "https://127.0.0.1:2379/health"):
        assert run(c, f"curl -k {url}").exit_code == 7


def test_verbose_refused_connection_as_curl_prints_it(cluster: SimCluster) -> None:
    out = run(cluster, "curl -v http://172.18.0.3:10249/metrics")
    assert out.output == (
        "*   Trying 172.18.0.3:10249...\n"
        "* connect to 172.18.0.3 port 10249 failed: Connection refused\n"
        "* Failed to connect to 172.18.0.3 port 10249 after 0 ms: Couldn't connect to server\n"
        "* Closing connection 0\n"
        "curl: (7) Failed to connect to 172.18.0.3 port 10249 after 0 ms: Couldn't connect to "
        "server\n")


def test_powered_off_node_has_no_route() -> None:
    c = broken("etcd-quorum-lost")
    off = next(n for n in c.nodes if not n.powered)
    out = run(c, f"curl -sS http://{off.ip}:2381/health")
    assert out.exit_code == 7
    assert out.output == (f"curl: (7) Failed to connect to {off.ip} port 2381 after 3071 ms: "
                          "Couldn't connect to server\n")
