"""A command line settles the twin only when it changed something (app/providers/sim/changes.py)."""

from __future__ import annotations

import pytest

from app.providers.sim import changes
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal
from app.providers.sim.vfs import VFS, build_template

NOW = 1764118800.0


@pytest.fixture
def cluster() -> SimCluster:
    twin = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))
    twin.advance(30)
    return twin


@pytest.mark.parametrize("line", [
    "kubectl get pods -A", "crictl ps -a", "cat /etc/kubernetes/manifests/etcd.yaml",
    "journalctl -u kubelet --no-pager | tail -3", "systemctl status kubelet", "ls -la /etc",
    "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt "
    "--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key "
    "endpoint health", "cd /etc/kubernetes && pwd",
])
def test_reading_leaves_the_fingerprint_alone(cluster: SimCluster, line: str) -> None:
    term = SimTerminal(cluster, "kind-control-plane")
    before = changes.fingerprint(cluster)
    term.session.run(line)
    assert changes.fingerprint(cluster) == before


@pytest.mark.parametrize("line", [
    "touch /root/x", "echo hi > /root/x", "mkdir /root/d", "chmod 600 /etc/hosts",
    "sed -i 's/--listen-client-urls=/--listen-client-url=/' "
    "/etc/kubernetes/manifests/etcd.yaml",
    "mv /etc/kubernetes/manifests/kube-scheduler.yaml /root/",
    "systemctl stop kubelet", "kubectl label node kind-worker a=b",
    "crictl stop $(crictl ps --name kube-scheduler -q)",
])
def test_writing_moves_the_fingerprint(cluster: SimCluster, line: str) -> None:
    term = SimTerminal(cluster, "kind-control-plane")
    before = changes.fingerprint(cluster)
    out = term.session.run(line)
    assert out.exit_code == 0, out.stderr
    assert changes.fingerprint(cluster) != before


def test_the_kubelet_reacts_within_the_line_that_edited_a_manifest(cluster: SimCluster) -> None:
    """Settling after a write is what lets the kubelet (inotify) react at the edit's time."""
    term = SimTerminal(cluster, "kind-control-plane")
    term.run("mv /etc/kubernetes/manifests/kube-scheduler.yaml /root/")
    cp = cluster.node("control-plane")
    assert cp.running_container("kube-scheduler") is None, "removed in the same command"


def test_a_read_only_line_does_not_step_the_twin_twice(cluster: SimCluster,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    term = SimTerminal(cluster, "kind-control-plane")
    settled = []
    monkeypatch.setattr(cluster, "settle", lambda: settled.append(1))
    term.run("crictl ps")
    assert settled == []
    term.run("touch /root/y")
    assert settled == [1]


def test_every_kind_of_vfs_change_is_counted() -> None:
    vfs = VFS(build_template({"/etc/a": (b"a", 0o644)}))
    seen = [vfs.changes]
    for change in (lambda: vfs.write("/etc/b", b"b"), lambda: vfs.mkdir("/etc/d"),
                   lambda: vfs.symlink("/etc/a", "/etc/l"), lambda: vfs.chmod("/etc/a", 0o600),
                   lambda: vfs.chown("/etc/a", 1, 1), lambda: vfs.touch("/etc/a"),
                   lambda: vfs.rename("/etc/b", "/etc/c"), lambda: vfs.remove("/etc/c")):
        change()
        assert vfs.changes > seen[-1]
        seen.append(vfs.changes)


def test_resolved_paths_follow_a_symlink_made_or_removed_later() -> None:
    vfs = VFS(build_template({"/data/one/f": (b"1", 0o644), "/data/two/f": (b"2", 0o644)}))
    assert vfs.resolve("/cur/f") == "/cur/f"
    vfs.symlink("/data/one", "/cur")
    assert vfs.read("/cur/f") == b"1"
    vfs.remove("/cur")
    vfs.symlink("/data/two", "/cur")
    assert vfs.read("/cur/f") == b"2"
