"""fio and iostat follow the node's disk model; etcd on a slow disk behaves as etcd does."""

from __future__ import annotations

from app.faults import registry
from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
FIO = ("fio --rw=write --ioengine=sync --fdatasync=1 --directory=test-data --size=22m "
       "--bs=2300 --name=mytest")


def slow_cluster(ms: float = 400):  # noqa: ANN201
    c = create_cluster("kind", 3, 0, clock=Clock(frozen_at=NOW))
    ft = registry.get("disk-latency")
    ft.inject(c, c.node("control-plane"), ft.params(ms=ms))
    c.advance(120)
    return c


def test_fio_on_a_healthy_disk_reports_sub_millisecond_syncs() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    out = SimTerminal(c, "kind-control-plane").run(FIO).output
    assert "  fsync/fdatasync/sync_file_range:\n    sync (usec): min=" in out
    assert "    sync percentiles (usec):\n     |  1.00th=[  351],  5.00th=[" in out
    assert "issued rwts: total=0,10029,0,0" in out  # 22 MiB in 2300-byte writes


def test_fio_and_iostat_show_the_slow_disk() -> None:
    c = slow_cluster()
    sh = SimTerminal(c, "kind-control-plane")
    assert "sync percentiles (msec):" in sh.run(FIO).output
    lines = sh.run("iostat -x").output.splitlines()
    header = next(x for x in lines if x.startswith("Device"))
    row = next(x for x in lines if x.startswith("sda"))
    cols = dict(zip(header.split(), row.split(), strict=True))
    assert float(cols["f_await"]) > 400 and float(cols["w_await"]) > 400
    fast = SimTerminal(c, "kind-control-plane2").run("iostat -x").output.splitlines()
    fast_row = dict(zip(header.split(), next(x for x in fast if x.startswith("sda")).split(),
                        strict=True))
    assert float(fast_row["f_await"]) < 2


def test_a_slow_leader_loses_leadership_and_warns() -> None:
    c = slow_cluster()
    lead = ec.leader(c)
    assert lead is not None and lead.node == "kind-control-plane2"
    logs = SimTerminal(c, "kind-control-plane").run(
        "crictl logs $(crictl ps --name etcd -q)").output
    assert '"msg":"slow fdatasync"' in logs and '"expected-duration":"1s"' in logs
    assert '"msg":"apply request took too long"' in logs
    assert "leader is overloaded likely from slow disk" in logs
    assert '"logger":"raft","caller":"etcdserver/zap_raft.go:77"' in logs
    assert "changed leader from " in logs


def test_removing_the_slow_member_then_its_manifest_leaves_a_healthy_pair() -> None:
    c = slow_cluster()
    sh = SimTerminal(c, "kind-control-plane")
    me = ec.member_on(c, c.node("control-plane"))
    assert me is not None
    tls = ("--endpoints=https://172.18.0.3:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt "
           "--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key")
    assert "removed from cluster" in sh.run(f"etcdctl {tls} member remove {me.id:x}").output
    c.advance(5)
    logs = sh.run("crictl logs $(crictl ps -a --name etcd -q | head -1)").output
    assert "the member has been permanently removed from the cluster" in logs
    sh.run("mv /etc/kubernetes/manifests/etcd.yaml /root/")
    c.advance(300)
    assert [m.name for m in ec.members(c)] == ["kind-control-plane2", "kind-control-plane3"]
    assert ec.has_quorum(c) and c.api_error(None) is None


def test_top_shows_the_same_iowait_as_vmstat_on_a_slow_disk() -> None:
    # top, vmstat and iostat all read iowait from /proc/stat
    import re

    c = slow_cluster()
    sh = SimTerminal(c, "kind-control-plane")
    cpu = next(x for x in sh.run("top -bn1").output.splitlines() if x.startswith("%Cpu(s):"))
    wa = float(re.search(r"([\d.]+) wa,", cpu).group(1))
    vm_wa = int(sh.run("vmstat").output.splitlines()[2].split()[15])
    assert wa >= 10 and abs(wa - vm_wa) < 1
    calm = SimTerminal(c, "kind-control-plane2").run("top -bn1").output
    assert " 0.0 wa," in calm
