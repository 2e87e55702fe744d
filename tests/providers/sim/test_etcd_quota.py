"""etcd's backend quota: a ConfigMap-flooding CronJob raises NOSPACE; the maintenance clears it."""

from __future__ import annotations

from app.catalog.loader import load_catalog
from app.faults import registry
from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal
from tests.conftest import SCENARIOS

NOW = 1764118800.0
# The drill's canonical variant (seed 0) of its runaway CronJob: reporting/report-cache.
REPORTS = load_catalog(SCENARIOS).get("etcd-nospace").read_workload("manifests/reports.yaml")
TLS = ("--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt "
       "--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key")


def flooded() -> SimCluster:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    c.apply(REPORTS)
    ft = registry.get("etcd-quota")
    ft.inject(c, c.node("control-plane"), ft.params(bytes=16 * 1024 * 1024))
    c.advance(240)
    return c


def etcdctl(c: SimCluster, args: str) -> str:
    return SimTerminal(c, "kind-control-plane").run(f"etcdctl {TLS} {args}").output


def test_the_flood_raises_nospace_and_writes_fail() -> None:
    c = flooded()
    assert [a["alarm"] for a in ec.state(c)["alarms"]] == ["NOSPACE"]
    assert etcdctl(c, "put a b") == "Error: etcdserver: mvcc: database space exceeded\n"
    assert len(c.store.list("ConfigMap", "reporting")) >= 18


def test_deleting_alone_does_not_shrink_the_file_until_compact_and_defrag() -> None:
    c = flooded()
    before = ec.db_size(c)
    etcdctl(c, "del /registry/cronjobs/reporting/report-cache")
    etcdctl(c, "del --prefix /registry/configmaps/reporting/")
    assert ec.db_size(c) >= before
    etcdctl(c, f"compaction {c.store.revision}")
    assert ec.db_size(c) >= before
    etcdctl(c, "defrag")
    assert ec.db_size(c) < 4 * 1024 * 1024
    etcdctl(c, "alarm disarm")
    c.advance(300)
    assert ec.state(c)["alarms"] == []


def test_disarming_with_the_writer_still_running_brings_the_alarm_back() -> None:
    c = flooded()
    etcdctl(c, "alarm disarm")
    c.advance(120)
    assert ec.state(c)["alarms"] != []


def test_the_running_total_of_live_bytes_is_the_full_sum() -> None:
    """flood() keeps the live bytes up to date one ConfigMap at a time instead of encoding
    every object after each one: the two must agree to the byte."""
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    c.apply(REPORTS)
    live = ec.live_bytes(c)
    for i in range(5):
        obj = c.store.create({"kind": "ConfigMap", "metadata": {
            "name": f"r{i}", "namespace": "reporting"}, "data": {"report": "x" * 100}}, NOW)
        ec.state(c).setdefault("sizes", {})[ec.key_of(obj)] = 4096
        live += ec.added_bytes(c, obj, 4096)
        assert live == ec.live_bytes(c)
        assert ec.db_size(c, live) == ec.db_size(c)
