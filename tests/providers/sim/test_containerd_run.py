"""/run/containerd: the CRI socket a trainee checks with `ls -l` and `test -S`, present only
while containerd runs, and containerd's state directories."""

from __future__ import annotations

from pathlib import Path

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
SAMPLE = Path(__file__).parents[2] / "fidelity" / "samples" / "ls-la-run-containerd.txt"


def twin() -> SimCluster:
    return create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str) -> str:
    return SimTerminal(cluster, "kind-control-plane").run(line).output


def _modes(listing: str) -> dict[str, str]:
    rows = [ln.split() for ln in listing.splitlines() if ln[:1] in "-dls"]
    return {r[-1]: r[0] for r in rows if r[-1] not in (".", "..")}


def test_the_sockets_and_directories_have_a_real_listings_modes() -> None:
    ours = _modes(sh(twin(), "ls -la /run/containerd"))
    real = _modes(SAMPLE.read_text())
    real.pop("io.containerd.runtime.v1.linux")  # containerd 1.x only
    assert ours == real
    row = sh(twin(), "ls -l /run/containerd/containerd.sock").split()
    assert row[:5] == ["srw-rw----", "1", "root", "root", "0"]


def test_test_S_sees_a_socket_that_is_not_a_regular_file() -> None:
    c = twin()
    assert sh(c, "test -S /run/containerd/containerd.sock && echo yes") == "yes\n"
    assert sh(c, "test -f /run/containerd/containerd.sock || echo no") == "no\n"
    assert sh(c, "stat -c %F /run/containerd/containerd.sock") == "socket\n"
    assert sh(c, "cat /run/containerd/containerd.sock 2>&1") == \
        "cat: /run/containerd/containerd.sock: No such device or address\n"


def test_the_socket_goes_when_containerd_stops_and_comes_back_with_it() -> None:
    c = twin()
    sh(c, "systemctl stop containerd")
    assert sh(c, "test -S /run/containerd/containerd.sock || echo gone") == "gone\n"
    assert "io.containerd.grpc.v1.cri" in sh(c, "ls /run/containerd")
    sh(c, "systemctl start containerd")
    assert sh(c, "test -S /run/containerd/containerd.sock && echo back") == "back\n"


def test_one_shim_socket_per_ready_sandbox_and_a_task_dir_per_running_container() -> None:
    c = twin()
    pods = sh(c, "crictl pods -q --state ready").split()
    running = sh(c, "crictl ps -q").split()
    assert len(sh(c, "ls /run/containerd/s").split()) == len(pods)
    tasks = sh(c, "ls /run/containerd/io.containerd.runtime.v2.task/k8s.io").split()
    assert len(tasks) == len(pods) + len(running)
    assert all(any(t.startswith(r) for t in tasks) for r in running)
    assert "containerd-debug.sock" not in sh(c, "journalctl -u containerd")
