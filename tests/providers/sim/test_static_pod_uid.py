"""The kubelet keys a static pod by the hash of the decoded pod (config/common.go
applyDefaults), not by the manifest's bytes: cosmetic edits restart nothing."""

from __future__ import annotations

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.kubelet import static_pod_uid

MANIFEST = "/etc/kubernetes/manifests/kube-scheduler.yaml"


def twin() -> SimCluster:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0), age=300)
    c.sync()
    return c


def scheduler_ids(c: SimCluster) -> list[str]:
    return sorted(x.id for x in c.node("control-plane").runtime.containers.values()
                  if x.name == "kube-scheduler")


def edit(c: SimCluster, change) -> None:  # noqa: ANN001
    vfs = c.node("control-plane").vfs
    vfs.write(MANIFEST, change(vfs.read(MANIFEST).decode()).encode())
    c.settle()
    c.advance(5)


def test_a_comment_or_blank_line_does_not_restart_the_pod() -> None:
    c = twin()
    before = scheduler_ids(c)
    edit(c, lambda text: "# reviewed by ops\n" + text + "\n\n")
    assert scheduler_ids(c) == before


def test_spelling_out_a_default_does_not_restart_the_pod() -> None:
    c = twin()
    before = scheduler_ids(c)
    edit(c, lambda text: text.replace("  hostNetwork: true", "  hostNetwork: true\n"
                                      "  restartPolicy: Always", 1))
    assert scheduler_ids(c) == before


def test_a_real_change_restarts_the_pod() -> None:
    c = twin()
    before = scheduler_ids(c)
    edit(c, lambda text: text.replace("--leader-elect=true", "--leader-elect=true\n"
                                      "    - --v=2", 1))
    after = scheduler_ids(c)
    assert after != before  # the old pod is gone, a new one runs


def test_the_uid_depends_on_the_node_and_the_file() -> None:
    raw = b"apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a}]}\n"
    a = static_pod_uid(raw, "/etc/kubernetes/manifests/x.yaml", "n1")
    assert a == static_pod_uid(raw + b"# note\n", "/etc/kubernetes/manifests/x.yaml", "n1")
    assert a != static_pod_uid(raw, "/etc/kubernetes/manifests/y.yaml", "n1")
    assert a != static_pod_uid(raw, "/etc/kubernetes/manifests/x.yaml", "n2")
    assert static_pod_uid(b"spec: [", "/x.yaml", "n1") is None
