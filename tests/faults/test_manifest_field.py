"""manifest-field: one container field changed, the image pull that follows."""

from __future__ import annotations

from app.faults import registry
from app.faults.manifest_field import Params, edit
from app.providers.sim import images
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
MANIFEST = ("spec:\n  containers:\n  - command:\n    - etcd\n"
            "    image: registry.k8s.io/etcd:3.5.21-0\n    imagePullPolicy: IfNotPresent\n")


def test_edit_changes_only_the_image_line() -> None:
    out = edit(MANIFEST, Params(manifest="etcd", field="image", value="registry.k8s.io/etcd:x"))
    assert out == MANIFEST.replace("3.5.21-0", "x")


def test_an_airgapped_node_cannot_resolve_the_registry() -> None:
    err = images.pull_error("registry.k8s.io/etcd:3.5.21")
    assert err == ('rpc error: code = Unknown desc = failed to pull and unpack image '
                   '"registry.k8s.io/etcd:3.5.21": failed to resolve image: failed to do request: '
                   'Head "https://registry.k8s.io/v2/etcd/manifests/3.5.21": dial tcp: lookup '
                   'registry.k8s.io on 127.0.0.11:53: server misbehaving')
    assert images.normalize("nginx:1.27") == "docker.io/library/nginx:1.27"
    assert images.manifest_url("docker.io/library/nginx:1.27") == (
        "registry-1.docker.io", "https://registry-1.docker.io/v2/library/nginx/manifests/1.27")


def test_a_tag_that_does_not_exist_never_creates_the_container() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    ft = registry.get("manifest-field")
    ft.inject(c, c.node("control-plane"),
              ft.params(manifest="etcd", field="image", value="registry.k8s.io/etcd:3.5.21"))
    c.advance(120)
    cp = c.node("control-plane")
    assert [x for x in cp.runtime.containers.values() if x.name == "etcd"] == []
    assert any(s.name == "etcd-kind-control-plane" for s in cp.runtime.sandboxes.values())
    journal = SimTerminal(c, cp.name).run("journalctl -u kubelet --no-pager").output
    assert '"PullImage from image service failed"' in journal
    assert "with ErrImagePull: " in journal and "with ImagePullBackOff: " in journal
    # Pulls retry with back-off 10, 20, 40... 300 s: 660 s after the fault, the 7th pull.
    assert journal.count('"PullImage from image service failed"') == 7


def test_crictl_images_lists_what_kind_preloads() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    out = SimTerminal(c, "kind-control-plane").run("crictl images").output.splitlines()
    assert out[0].split() == ["IMAGE", "TAG", "IMAGE", "ID", "SIZE"]
    rows = {tuple(line.split()[:2]) for line in out[1:]}
    assert ("registry.k8s.io/kube-apiserver-amd64", "v1.33.1") in rows
    assert ("registry.k8s.io/etcd", "3.5.21-0") in rows
