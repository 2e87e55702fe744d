"""kube-scheduler's start-up decision from its kubeconfig flags."""

from __future__ import annotations

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.components.scheduler import startup_error

BASE = ["kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--bind-address=127.0.0.1", "--leader-elect=true"]


def test_kubeadm_flags_start_and_a_missing_file_is_a_stat_error() -> None:
    cp = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0)).node("control-plane")
    assert startup_error(cp, [*BASE, "--kubeconfig=/etc/kubernetes/scheduler.conf"]) is None
    assert startup_error(cp, [*BASE, "--kubeconfig=/etc/kubernetes/sched.conf"]) == \
        "stat /etc/kubernetes/sched.conf: no such file or directory"


def test_a_kubeconfig_that_is_not_yaml_fails_to_load() -> None:
    cp = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0)).node("control-plane")
    cp.write_file("/etc/kubernetes/broken.conf", b"clusters: [\n")
    err = startup_error(cp, [*BASE, "--kubeconfig=/etc/kubernetes/broken.conf"])
    assert err is not None and err.startswith(
        'error loading config file "/etc/kubernetes/broken.conf": yaml:')
