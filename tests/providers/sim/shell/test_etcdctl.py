"""etcdctl v3.5 against the twin: TLS as kubeadm's etcd demands it, printers as etcdctl prints."""

from __future__ import annotations

import re

import pytest

from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
TLS = ("--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt "
       "--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key")


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))


def run(cluster: SimCluster, line: str, node: str = "kind-control-plane"):
    return SimTerminal(cluster, node).run(line)


def test_member_ids_are_computed_like_etcd() -> None:
    # The well-known ID of a default single-member etcd (http://localhost:2380, etcd-cluster).
    assert f"{ec.member_id(['http://localhost:2380']):x}" == "8e9e05c52164694d"


def test_member_list_with_kubeadm_certs_prints_comma_joined_rows(cluster: SimCluster) -> None:
    out = run(cluster, f"etcdctl {TLS} member list")
    mid = ec.member_id(["https://172.18.0.2:2380"])
    assert out.exit_code == 0
    assert out.output == (f"{mid:x}, started, kind-control-plane, https://172.18.0.2:2380, "
                          "https://172.18.0.2:2379, false\n")


def test_member_list_table_has_etcdctl_header_and_borders(cluster: SimCluster) -> None:
    lines = run(cluster, f"etcdctl {TLS} member list -w table").output.splitlines()
    assert lines[0].startswith("+-") and lines[2].startswith("+-")
    assert [c.strip() for c in lines[1].strip("|").split("|")] == [
        "ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"]
    assert lines[3].endswith("|      false |")  # right-aligned cells


def test_without_certs_the_request_times_out(cluster: SimCluster) -> None:
    out = run(cluster, "etcdctl member list")
    assert out.exit_code == 1
    assert '"msg":"retrying of unary invoker failed"' in out.output
    assert out.output.endswith("Error: context deadline exceeded\n")


def test_https_without_cacert_fails_server_verification(cluster: SimCluster) -> None:
    out = run(cluster, "etcdctl --endpoints=https://127.0.0.1:2379 endpoint health")
    assert "x509: certificate signed by unknown authority" in out.output
    assert "https://127.0.0.1:2379 is unhealthy: failed to commit proposal: context deadline " \
           "exceeded" in out.output
    assert out.output.endswith("Error: unhealthy cluster\n") and out.exit_code == 1


def test_client_cert_is_required(cluster: SimCluster) -> None:
    out = run(cluster, "etcdctl --endpoints=https://127.0.0.1:2379 "
                       "--cacert=/etc/kubernetes/pki/etcd/ca.crt member list")
    assert "remote error: tls: certificate required" in out.output
    assert out.exit_code == 1


def test_a_missing_cert_file_is_a_bad_argument(cluster: SimCluster) -> None:
    out = run(cluster, "etcdctl --cacert=/nope.crt member list")
    assert out.output == "Error: open /nope.crt: no such file or directory\n"
    assert out.exit_code == 128


def test_env_variables_stand_in_for_flags(cluster: SimCluster) -> None:
    env = ("ETCDCTL_API=3 ETCDCTL_ENDPOINTS=https://127.0.0.1:2379 "
           "ETCDCTL_CACERT=/etc/kubernetes/pki/etcd/ca.crt "
           "ETCDCTL_CERT=/etc/kubernetes/pki/apiserver-etcd-client.crt "
           "ETCDCTL_KEY=/etc/kubernetes/pki/apiserver-etcd-client.key")
    out = run(cluster, f"{env} etcdctl endpoint health")
    assert out.exit_code == 0
    assert out.output.startswith("https://127.0.0.1:2379 is healthy: successfully committed "
                                 "proposal: took = ")


def test_unsupported_api_version(cluster: SimCluster) -> None:
    out = run(cluster, "ETCDCTL_API=4 etcdctl member list")
    assert (out.output, out.exit_code) == ("unsupported API version: 4\n", 1)


def test_endpoint_status_table_columns(cluster: SimCluster) -> None:
    lines = run(cluster, f"etcdctl {TLS} endpoint status -w table --cluster").output.splitlines()
    assert [c.strip() for c in lines[1].strip("|").split("|")] == [
        "ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM",
        "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"]
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[0] == "https://172.18.0.2:2379" and cells[2] == "3.5.21" and cells[4] == "true"


def test_get_prefix_keys_only_lists_registry_keys(cluster: SimCluster) -> None:
    out = run(cluster, f"etcdctl {TLS} get /registry/deployments --prefix --keys-only")
    assert out.output.startswith("/registry/deployments/kube-system/coredns\n\n")
    nodes = run(cluster, f"etcdctl {TLS} get /registry/minions --prefix --keys-only").output
    assert "/registry/minions/kind-worker\n" in nodes


def test_values_are_in_the_kubernetes_protobuf_envelope(cluster: SimCluster) -> None:
    out = run(cluster, f"etcdctl {TLS} get /registry/namespaces/default --print-value-only")
    assert out.output.startswith("k8s\x00\n\x0f\n\x02v1\x12\tNamespace")


def test_secret_values_are_plain_text_without_encryption() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    c.store.create({"kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
                    "data": {"password": "aHVudGVyMg=="}}, c.t)
    out = run(c, f"etcdctl {TLS} get /registry/secrets/shop/db")
    assert out.output.startswith("/registry/secrets/shop/db\nk8s\x00")
    assert "hunter2" in out.output


def test_put_get_del_round_trip() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    assert run(c, f"etcdctl {TLS} put /drill/x hello").output == "OK\n"
    assert run(c, f"etcdctl {TLS} get /drill/x").output == "/drill/x\nhello\n"
    assert run(c, f"etcdctl {TLS} del /drill/x").output == "1\n"
    assert run(c, f"etcdctl {TLS} get /drill/x").output == ""


def test_deleting_a_registry_key_deletes_the_object() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    out = run(c, f"etcdctl {TLS} del /registry/deployments/kube-system/coredns")
    assert out.output == "1\n"
    assert c.store.find("Deployment", "coredns", "kube-system") is None


def test_compaction_and_defrag() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    rev = c.store.revision
    assert run(c, f"etcdctl {TLS} compaction {rev}").output == f"compacted revision {rev}\n"
    again = run(c, f"etcdctl {TLS} compaction {rev}")
    assert again.output == "Error: etcdserver: mvcc: required revision has been compacted\n"
    future = run(c, f"etcdctl {TLS} compaction {rev + 100}")
    assert future.output == "Error: etcdserver: mvcc: required revision is a future revision\n"
    before = ec.db_size(c)
    assert run(c, f"etcdctl {TLS} defrag").output == \
        "Finished defragmenting etcd member[https://127.0.0.1:2379]\n"
    assert ec.db_size(c) < before


def test_alarm_list_prints_decimal_member_ids_and_disarm_clears() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    mid = ec.member_id(["https://172.18.0.2:2380"])
    ec.state(c)["alarms"].append({"member": mid, "alarm": "NOSPACE"})
    assert run(c, f"etcdctl {TLS} alarm list").output == f"memberID:{mid} alarm:NOSPACE \n"
    assert run(c, f"etcdctl {TLS} put a b").output == \
        "Error: etcdserver: mvcc: database space exceeded\n"
    health = run(c, f"etcdctl {TLS} endpoint health").output
    assert "failed to commit proposal: Active Alarm(s): NOSPACE \n" in health
    run(c, f"etcdctl {TLS} alarm disarm")
    assert run(c, f"etcdctl {TLS} alarm list").output == ""


def test_snapshot_save_then_status() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    out = run(c, f"etcdctl {TLS} snapshot save /root/snap.db")
    assert out.output.endswith('"msg":"saved","path":"/root/snap.db"}\n'
                               "Snapshot saved at /root/snap.db\n")  # logs first, result last
    status = run(c, "etcdctl snapshot status /root/snap.db -w table").output
    # The HASH column is as wide as the hash (%x, so 7 or 8 digits), as etcdctl's tablewriter
    # sizes it; the others as their titles.
    header, row = status.splitlines()[1], status.splitlines()[3]
    hash_width = len(row.split("|")[1])
    assert header == "|" + "HASH".center(hash_width) + "| REVISION | TOTAL KEYS | TOTAL SIZE |"
    assert re.fullmatch(r"\| [0-9a-f]{7,8} \| +\d+ \| +\d+ \| +[\d.]+ [kM]B \|", row)
    assert "Deprecated: Use `etcdutl snapshot status` instead." in status


def test_adding_a_second_member_to_one_loses_quorum_until_it_starts() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    out = run(c, f"etcdctl {TLS} member add extra --peer-urls=https://172.18.0.9:2380")
    assert out.output.startswith("Member ") and " added to cluster " in out.output
    assert 'ETCD_INITIAL_CLUSTER_STATE="existing"' in out.output
    assert 'ETCD_INITIAL_CLUSTER="kind-control-plane=https://172.18.0.2:2380,' \
           'extra=https://172.18.0.9:2380"' in out.output
    # 1 of 2 members up is no quorum: etcd's classic single-node member-add trap.
    assert run(c, f"etcdctl {TLS} member list").output.endswith(
        "Error: context deadline exceeded\n")


def test_member_add_and_remove_with_three_members() -> None:
    c = create_cluster("kind", 3, 0, clock=Clock(frozen_at=NOW))
    run(c, f"etcdctl {TLS} member add extra --peer-urls=https://172.18.0.9:2380")
    new = [m for m in ec.members(c) if m.name == ""][0]
    listed = run(c, f"etcdctl {TLS} member list").output
    assert f"{new.id:x}, unstarted, , https://172.18.0.9:2380, , false" in listed
    removed = run(c, f"etcdctl {TLS} member remove {new.id:x}").output
    assert removed == (f"Member {new.id:16x} removed from cluster "
                       f"{ec.cluster_id_of(c):16x}\n")
    assert len(ec.members(c)) == 3
    bad = run(c, f"etcdctl {TLS} member remove zz")
    assert bad.exit_code == 128 and "expecting ID in Hex" in bad.output
    missing = run(c, f"etcdctl {TLS} member remove {new.id:x}")
    assert missing.output == "Error: etcdserver: member not found\n"


def test_etcd_state_survives_serialisation() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    run(c, f"etcdctl {TLS} put /drill/x hello")
    again = SimCluster.from_json(c.to_json())
    assert run(again, f"etcdctl {TLS} get /drill/x --print-value-only").output == "hello\n"


def test_endpoint_status_without_quorum_reports_no_leader_in_errors() -> None:
    # etcd 3.5 maintenance.go Status: Leader == raft.None adds "etcdserver: no leader"
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    assert "ERRORS" in run(c, f"etcdctl {TLS} endpoint status -w table").output
    assert run(c, f"etcdctl {TLS} endpoint status").output.endswith(", \n")
    run(c, f"etcdctl {TLS} member add extra --peer-urls=https://172.18.0.9:2380")
    out = run(c, f"etcdctl {TLS} endpoint status")
    assert out.exit_code == 0
    assert out.output.endswith(", etcdserver: no leader\n")
    assert ", false, false, " in out.output  # not the leader, not a learner
