"""dig/nslookup/host: Docker's DNS by default, CoreDNS when asked, its failures as bind 9.18."""

from __future__ import annotations

from tests.providers.sim.shell.nodetwin import run, sample, twin


def test_nslookup_against_coredns_is_authoritative() -> None:
    out, code = run(twin(), "nslookup kubernetes.default.svc.cluster.local 10.96.0.10")
    assert code == 0
    assert out == ("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n"
                   "Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n\n")


def test_nslookup_layout_for_a_forwarded_answer_matches_real_output() -> None:
    real = sample("nslookup-nonauth.txt").splitlines()
    out, _ = run(twin(), "nslookup kind-worker")
    mine = out.splitlines()
    assert [x.split("\t")[0] for x in mine[:5]] == [x.split("\t")[0] for x in real[:5]]
    assert mine[3:6] == ["Non-authoritative answer:", "Name:\tkind-worker", "Address: 172.18.0.3"]


def test_the_node_resolver_does_not_know_cluster_names() -> None:
    c = twin()
    out, code = run(c, "nslookup kubernetes.default.svc.cluster.local")
    assert code == 1 and "Server:\t\t127.0.0.11\n" in out
    assert "** server can't find kubernetes.default.svc.cluster.local: NXDOMAIN" in out
    out, code = run(c, "dig kubernetes.default.svc.cluster.local")
    assert code == 0 and "status: NXDOMAIN" in out


def test_dig_answers_from_coredns() -> None:
    c = twin()
    assert run(c, "dig +short @10.96.0.10 kube-dns.kube-system.svc.cluster.local") == (
        "10.96.0.10\n", 0)
    out, _ = run(c, "dig @10.96.0.10 kubernetes.default.svc.cluster.local")
    assert ";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n" in out
    assert "kubernetes.default.svc.cluster.local. 30 IN A\t10.96.0.1\n" in out
    assert ";; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)\n" in out


def test_a_server_that_does_not_answer_times_out_like_bind_918() -> None:
    # 10.96.0.1 is the kubernetes Service: kube-proxy has no rule for port 53 on it.
    out, code = run(twin(), "dig +short @10.96.0.1 kubernetes.default.svc.cluster.local")
    assert code == 9
    assert out == sample("dig-timeout-bind918.txt").replace("80.80.80.80", "10.96.0.1")


def test_no_coredns_endpoint_is_refused() -> None:
    c = twin()
    run(c, "kubectl -n kube-system scale deployment coredns --replicas=0")
    c.advance(30)
    out, code = run(c, "nslookup kubernetes.default.svc.cluster.local 10.96.0.10")
    assert code == 1
    assert out.startswith(";; communications error to 10.96.0.10#53: connection refused\n")
    assert out.rstrip().endswith(";; no servers could be reached")


def test_nslookup_without_arguments_reads_queries_from_stdin() -> None:
    out, code = run(twin(), "echo kind-worker | nslookup")
    assert code == 0 and out.startswith("> Server:\t\t127.0.0.11\n") and out.endswith("\n> ")
