"""The files kubeadm writes on a node, with the modes it gives them."""

from __future__ import annotations

from app.providers.sim.cluster import create_cluster


def test_kubeadm_writes_the_static_pod_manifests_0600() -> None:
    # kubeadm's WriteStaticPodToDisk: os.WriteFile(filename, serialized, 0600)
    cp = create_cluster("kind", 1, 0).node("kind-control-plane")
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        assert cp.vfs.stat(f"/etc/kubernetes/manifests/{name}.yaml").mode & 0o777 == 0o600
