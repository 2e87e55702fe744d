"""`crictl stop`: the container's process is killed (137) and the kubelet restarts it on its
next sync, as containerd's StopContainer with crictl's default timeout 0 does."""

from __future__ import annotations

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal


def test_stop_kills_the_container_and_the_kubelet_starts_attempt_1() -> None:
    cluster = create_cluster("kind", 1, 0, seed=3, clock=Clock(frozen_at=1764118800.0), age=300)
    term = SimTerminal(cluster, "kind-control-plane")
    cid = term.run("crictl ps -q --name kube-scheduler").output.strip()
    stopped = term.run(f"crictl stop {cid[:13]}")
    assert stopped.output == f"{cid[:13]}\n" and stopped.exit_code == 0
    cluster.advance(2)
    running = term.run("crictl ps -a --name kube-scheduler --state running -q").output.split()
    exited = term.run("crictl ps -a --name kube-scheduler --state exited -q").output.split()
    assert exited == [cid] and len(running) == 1 and running != exited
    assert '"attempt": 1' in term.run(f"crictl inspect {running[0]}").output
    assert '"exitCode": 137' in term.run(f"crictl inspect {cid[:13]}").output


def test_stop_of_an_unknown_container_is_crictls_not_found() -> None:
    cluster = create_cluster("kind", 1, 0, seed=3, clock=Clock(frozen_at=1764118800.0), age=300)
    out = SimTerminal(cluster, "kind-control-plane").run("crictl stop deadbeef")
    assert out.exit_code == 1
    assert out.output == ('FATA[0000] stopping the container "deadbeef": rpc error: code = '
                          'NotFound desc = an error occurred when try to find container '
                          '"deadbeef": not found\n')
