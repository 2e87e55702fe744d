"""The twin as a whole: a healthy kind cluster, and what an etcd manifest typo does to it."""

from __future__ import annotations

import json

import pytest

from app.faults import registry
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster, plan_nodes

NOW = 1764118800.0


@pytest.fixture
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))


def typo(cluster: SimCluster) -> None:
    ft = registry.get("manifest-flag")
    ft.inject(cluster, cluster.node("control-plane"),
              ft.params(manifest="etcd", rename="--listen-client-urls", to="--listen-client-url"))


def test_nodes_are_named_and_addressed_like_kind() -> None:
    specs = plan_nodes("kind", 3, 2)
    assert [s.name for s in specs] == ["kind-control-plane", "kind-control-plane2",
                                       "kind-control-plane3", "kind-worker", "kind-worker2"]
    assert specs[0].ip == "172.18.0.2"


def test_a_fresh_cluster_is_healthy(cluster: SimCluster) -> None:
    assert cluster.api_error(None) is None
    cp = cluster.node("control-plane")
    running = sorted(c.name for c in cp.runtime.containers.values() if c.running())
    assert running == sorted(["etcd", "kube-apiserver", "kube-controller-manager",
                              "kube-scheduler", "coredns", "coredns", "local-path-provisioner",
                              "kindnet-cni", "kube-proxy"])
    assert all(c.attempt == 0 for c in cp.runtime.containers.values())
    pods = cluster.store.list("Pod", "kube-system")
    assert len(pods) == 10  # coredns x2, 4 static pods, kindnet x2, kube-proxy x2
    assert all(p["status"]["phase"] == "Running" for p in pods)


def test_kubeadm_manifests_are_on_the_control_plane_only(cluster: SimCluster) -> None:
    cp, worker = cluster.node("control-plane"), cluster.node("worker")
    etcd = cp.vfs.read_text("/etc/kubernetes/manifests/etcd.yaml")
    assert "- --listen-client-urls=https://127.0.0.1:2379,https://172.18.0.2:2379" in etcd
    assert "image: registry.k8s.io/etcd:3.5.21-0" in etcd
    assert worker.vfs.listdir("/etc/kubernetes/manifests") == []


def typo_now(cluster: SimCluster) -> str:
    """The typo written at the clock's now, without a history: every restart can be watched.
    Returns the etcd pod's UID."""
    cluster.sync()
    cp = cluster.node("control-plane")
    path = "/etc/kubernetes/manifests/etcd.yaml"
    cp.vfs.now = cluster.t
    cp.vfs.write(path, cp.vfs.read(path).replace(b"--listen-client-urls=",
                                                 b"--listen-client-url="))
    cluster.settle()
    return next(u for u, p in cp.kubelet.pods.items() if p.name.startswith("etcd-"))


def test_restarts_follow_the_kubelets_back_off(cluster: SimCluster) -> None:
    uid = typo_now(cluster)
    cp = cluster.node("control-plane")
    seen: dict[int, float] = {}
    for _ in range(1500):  # watched every second: the container GC removes old attempts
        cluster.advance(1)
        seen.update((c.attempt, c.created) for c in cp.runtime.containers_of(uid, "etcd"))
    starts = [seen[a] for a in sorted(seen)]
    gaps = [int(b - a) for a, b in zip(starts, starts[1:], strict=False)]
    # First failure restarts at once, then 10 s doubling to 5 min (plus sync jitter < 1 s).
    assert gaps[:8] == [0, 10, 20, 40, 80, 160, 300, 300]


def test_the_container_gc_keeps_one_dead_attempt_per_container(cluster: SimCluster) -> None:
    typo(cluster)
    cluster.advance(1500)
    cp = cluster.node("control-plane")
    uid = next(u for u, p in cp.kubelet.pods.items() if p.name.startswith("etcd-"))
    kept = cp.runtime.containers_of(uid, "etcd")
    # The newest attempt (crash-looping) and at most one dead one before it; the restart
    # count still counts every attempt.
    assert 1 <= len(kept) <= 2
    assert kept[-1].attempt >= 8
    assert [c.attempt for c in kept] == list(range(kept[0].attempt, kept[-1].attempt + 1))
    logs = cp.vfs.listdir(f"/var/log/pods/kube-system_etcd-kind-control-plane_{uid}/etcd")
    assert logs == [f"{c.attempt}.log" for c in kept]


def test_the_container_gc_runs_once_a_minute(cluster: SimCluster) -> None:
    uid = typo_now(cluster)
    cp = cluster.node("control-plane")
    seen = []
    for _ in range(120):
        cluster.advance(1)
        seen.append(len(cp.runtime.containers_of(uid, "etcd")))
    # Dead attempts pile up between two runs and are swept at the next whole minute.
    assert max(seen) >= 3
    assert min(seen[60:]) <= 2


def test_an_etcd_flag_typo_makes_etcd_exit_2_with_gos_flag_error(cluster: SimCluster) -> None:
    typo(cluster)
    cluster.advance(240)
    cp = cluster.node("control-plane")
    etcd = cp.runtime.containers_of(cp.kubelet.pods[next(
        uid for uid, p in cp.kubelet.pods.items() if p.name.startswith("etcd-"))].uid, "etcd")
    assert etcd[-1].attempt >= 4  # older attempts went with the container GC
    assert all(c.exit_code == 2 for c in etcd if not c.running())
    text = [line for _, _, line in etcd[-1].logs]
    assert text[0] == "flag provided but not defined: -listen-client-url"
    assert text[1] == "Usage:"


def test_the_apiserver_loses_etcd_and_crash_loops(cluster: SimCluster) -> None:
    typo(cluster)
    cluster.advance(240)
    assert cluster.api_error(None) == "refused"
    journal = "\n".join(m for _, u, _, m in cluster.node("control-plane").journal)
    assert "CrashLoopBackOff" in journal
    assert ("back-off 10s restarting failed container=etcd "
            "pod=etcd-kind-control-plane_kube-system(") in journal


def test_fixing_the_manifest_brings_the_api_back(cluster: SimCluster) -> None:
    typo(cluster)
    cluster.advance(240)
    cp = cluster.node("control-plane")
    path = "/etc/kubernetes/manifests/etcd.yaml"
    cp.write_file(path, cp.read_file(path).replace(b"--listen-client-url=",
                                                   b"--listen-client-urls="), 0o600)
    cluster.advance(330)  # the apiserver waits out its back-off
    assert cluster.api_error(None) is None


def test_restarting_the_kubelet_resets_back_off(cluster: SimCluster) -> None:
    typo(cluster)
    cluster.advance(600)
    cp = cluster.node("control-plane")
    path = "/etc/kubernetes/manifests/etcd.yaml"
    cp.write_file(path, cp.read_file(path).replace(b"--listen-client-url=",
                                                   b"--listen-client-urls="), 0o600)
    cp.service("kubelet", "restart")
    cluster.advance(5)
    assert cluster.api_error(None) is None


def test_stopping_the_kubelet_leaves_containers_running(cluster: SimCluster) -> None:
    cp = cluster.node("control-plane")
    cp.service("kubelet", "stop")
    cluster.advance(120)
    assert cp.running_container("etcd") is not None
    assert cluster.api_error(None) is None


def test_the_twin_survives_a_json_round_trip(cluster: SimCluster) -> None:
    typo(cluster)
    cluster.advance(100)
    raw = json.loads(json.dumps(cluster.to_json()))
    back = SimCluster.from_json(raw)
    assert back.to_json() == cluster.to_json()
    back.advance(0)
    assert back.api_error(None) == cluster.api_error(None)


def test_same_seed_and_clock_give_the_same_twin() -> None:
    a = create_cluster("kind", 1, 1, seed=7, clock=Clock(frozen_at=NOW))
    b = create_cluster("kind", 1, 1, seed=7, clock=Clock(frozen_at=NOW))
    strip = lambda c: {k: v for k, v in c.to_json().items() if k != "pki"}  # noqa: E731
    assert strip(a) == strip(b)
