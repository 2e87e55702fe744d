"""Under etcd's NOSPACE alarm every write fails: the leader-election renewals of kube-scheduler
and kube-controller-manager (they exit and restart, and cannot take the lease back until the
alarm is disarmed) and kubectl's writes; reads and deletes still work."""

from __future__ import annotations

import pytest

from app.providers.sim.cluster import SimCluster
from app.providers.sim.terminal import SimTerminal
from tests.providers.sim.test_etcd_quota import etcdctl, flooded

NOSPACE = "etcdserver: mvcc: database space exceeded"


@pytest.fixture(scope="module")
def full() -> SimCluster:
    c = flooded()
    c.advance(60)
    return c


def sh(c: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(c, "kind-control-plane").run(line)
    return r.output, r.exit_code


@pytest.mark.parametrize(("program", "lost"), [
    ("kube-scheduler", 'server.go:337] "Leaderelection lost"'),
    ("kube-controller-manager", 'controllermanager.go:361] "leaderelection lost"'),
])
def test_the_leader_cannot_renew_its_lease_and_exits(full: SimCluster, program: str,
                                                     lost: str) -> None:
    node = full.node("control-plane")
    history = [c for c in node.runtime.containers.values() if c.name == program]
    old = min(history, key=lambda c: c.attempt)
    assert old.state == "exited" and old.exit_code == 1
    lines = [text for _, _, text in old.logs]
    tail = lines[-12:]
    assert tail[0].endswith(f"leaderelection.go:429] Failed to update lock optimistically: "
                            f"{NOSPACE}, falling back to slow path")
    assert tail[1].endswith(f"leaderelection.go:472] Failed to update lock: {NOSPACE}")
    assert sum(1 for x in tail if "Failed to update lock: " in x) == 5  # every 2 s for 10 s
    assert tail[-2].endswith(f"leaderelection.go:297] failed to renew lease kube-system/"
                             f"{program}: context deadline exceeded")
    assert tail[-1].endswith(lost)
    new = max(history, key=lambda c: c.attempt)
    assert new.running()
    assert [text for _, _, text in new.logs][-1].endswith(f"Failed to update lock: {NOSPACE}")


def test_kubectl_writes_fail_with_the_etcd_error(full: SimCluster) -> None:
    assert sh(full, "kubectl label ns default team=x") == (f"Error from server: {NOSPACE}\n", 1)
    assert sh(full, "kubectl -n reporting annotate cronjob report-cache owner=amir") == (
        f"Error from server: {NOSPACE}\n", 1)
    sh(full, "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: x\\n' > /tmp/cm.yaml")
    assert sh(full, "kubectl apply -f /tmp/cm.yaml") == (
        f'Error from server: error when creating "/tmp/cm.yaml": {NOSPACE}\n', 1)
    assert sh(full, "kubectl apply -f /tmp/cm.yaml --dry-run=client")[1] == 0
    assert sh(full, "kubectl -n reporting create job now --from=cronjob/report-cache") == (
        f"error: failed to create job: {NOSPACE}\n", 1)
    assert sh(full, "kubectl get ns default")[1] == 0  # reads work


def test_after_the_maintenance_the_components_lead_again() -> None:
    c = flooded()
    c.advance(60)
    etcdctl(c, "del /registry/cronjobs/reporting/report-cache")
    etcdctl(c, "del --prefix /registry/configmaps/reporting/")
    etcdctl(c, f"compaction {c.store.revision}")
    etcdctl(c, "defrag")
    etcdctl(c, "alarm disarm")
    c.advance(5)
    from app.providers.sim.components.leader import leader_node

    assert leader_node(c, "kube-scheduler", c.t) is not None
    assert leader_node(c, "kube-controller-manager", c.t) is not None
    assert sh(c, "kubectl label ns default team=x") == ("namespace/default labeled\n", 0)
    assert c.store.list("Job", "reporting") == []  # the garbage collector followed the delete


def test_node_heartbeats_and_events_are_writes_too(full: SimCluster) -> None:
    from app.providers.sim import events
    from app.providers.sim.components.leader import parse_micro_time

    lease = full.store.get("Lease", "kind-control-plane", "kube-node-lease")
    renewed = parse_micro_time(lease["spec"]["renewTime"])
    before = len(full.store.list("Event"))
    full.advance(30)
    lease = full.store.get("Lease", "kind-control-plane", "kube-node-lease")
    assert parse_micro_time(lease["spec"]["renewTime"]) == renewed
    events.record(full, full.t, events.involved(lease), "Normal", "Test", "x", "test")
    assert len(full.store.list("Event")) == before
