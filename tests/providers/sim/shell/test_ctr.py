"""ctr: containerd's own view, in the k8s.io namespace, following the runtime."""

from __future__ import annotations

from tests.providers.sim.shell.nodetwin import run, sample, twin


def test_ctr_version_is_containerd_211() -> None:
    out, code = run(twin(), "ctr version")
    revision = sample("containerd-version-2.1.1.txt").split()[-1]
    assert code == 0
    assert out.startswith(f"Client:\n  Version:  v2.1.1\n  Revision: {revision}\n")
    assert "\nServer:\n  Version:  v2.1.1\n" in out


def test_default_namespace_is_empty_and_k8s_io_has_the_pods() -> None:
    c = twin()
    assert run(c, "ctr containers ls") == ("CONTAINER    IMAGE    RUNTIME    \n", 0)
    etcd = c.node("kind-control-plane").running_container("etcd")
    assert etcd is not None
    out, _ = run(c, "ctr -n k8s.io containers ls")
    row = next(x for x in out.splitlines() if x.startswith(etcd.id))
    assert row.split() == [etcd.id, "registry.k8s.io/etcd:3.5.21-0", "io.containerd.runc.v2"]
    tasks, _ = run(c, "ctr -n k8s.io tasks ls")
    pid = run(c, "pgrep -x etcd")[0].strip()
    assert [etcd.id, pid, "RUNNING"] in [x.split() for x in tasks.splitlines()]
    images, _ = run(c, "ctr -n k8s.io images ls -q")
    assert "registry.k8s.io/pause:3.10\n" in images


def test_ctr_fails_to_dial_a_stopped_containerd() -> None:
    c = twin()
    run(c, "systemctl stop containerd")
    out, code = run(c, "ctr -n k8s.io c ls")
    assert code == 1
    assert out.startswith('ctr: failed to dial "/run/containerd/containerd.sock"')


def test_node_commands_are_known_to_completion_and_which() -> None:
    from app.providers.sim.terminal import SimTerminal

    c = twin()
    sh = SimTerminal(c, "kind-control-plane")
    assert sh.complete("vmst", 4) == ("vmstat ", ["vmstat"])
    assert "nslookup" in sh.complete("ns", 2)[1]
    assert run(c, "which ctr ss")[0] == "/usr/local/bin/ctr\n/usr/bin/ss\n"
