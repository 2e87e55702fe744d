"""The files a kind node has: one shared template plus the few files that name the node.

Contents come from kind v0.29 and kubeadm v1.33 as collected in shared/reference/kind-node-files.md
(systemd units verbatim from kubernetes-sigs/kind `images/base/files/etc/systemd/system/`,
manifests from kubeadm's output on kind nodes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from app.providers.sim import nodeids, versions
from app.providers.sim.vfs import Inode, build_template

MANIFESTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")

OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""


@dataclass(frozen=True)
class NodeSpec:
    name: str
    role: str  # "control-plane" | "worker"
    ip: str


def _data(*parts: str) -> str:
    return resources.files("app.providers.sim").joinpath("data", *parts).read_text()


def render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


@cache
def base_template() -> dict[str, Inode]:
    """Files identical on every node of every cluster, built once per process."""
    files: dict[str, tuple[bytes, int]] = {
        "/etc/os-release": (OS_RELEASE.encode(), 0o644),
        "/etc/crictl.yaml": (b"runtime-endpoint: unix:///run/containerd/containerd.sock", 0o644),
        "/etc/systemd/system/kubelet.service": (_data("node", "kubelet.service").encode(), 0o644),
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf":
            (_data("node", "10-kubeadm.conf").encode(), 0o644),
        "/etc/systemd/system/kubelet.service.d/11-kind.conf":
            (_data("node", "11-kind.conf").encode(), 0o644),
        "/etc/systemd/system/kubelet.slice": (_data("node", "kubelet.slice").encode(), 0o644),
        "/etc/default/kubelet": (_data("node", "default-kubelet").encode(), 0o644),
        "/var/lib/kubelet/config.yaml": (_data("node", "kubelet-config.yaml").encode(), 0o644),
        "/root/.bashrc": (b"# ~/.bashrc: executed by bash(1) for non-login shells.\n", 0o644),
        "/etc/kubernetes/kind-version": (versions.KIND.encode() + b"\n", 0o644),
    }
    dirs = {
        "/etc/kubernetes/manifests": 0o700,
        "/etc/kubernetes/pki": 0o755,
        "/var/lib/etcd": 0o700,
        "/var/lib/kubelet/pki": 0o755,
        "/var/log/pods": 0o755,
        "/var/log/containers": 0o755,
        "/root": 0o700,
        "/tmp": 0o1777,
        "/home": 0o755,
        "/usr/bin": 0o755,
        "/proc": 0o555,
        "/dev": 0o755,
        "/run/containerd": 0o711,
        "/kind": 0o755,
    }
    return build_template(files, dirs, mtime=versions.IMAGE_BUILT)


def manifest(name: str, node: NodeSpec, cluster: str) -> str:
    return render(_data("manifests", f"{name}.yaml"), {
        "ip": node.ip, "node": node.name, "cluster": cluster,
        "version": versions.KUBERNETES, "etcd_version": versions.ETCD_IMAGE_TAG,
    })


def node_files(node: NodeSpec, cluster: str, all_nodes: list[NodeSpec]) -> dict[str, bytes]:
    """Files that differ per node: hostname, hosts, kubeadm flags and (control planes) manifests."""
    hosts = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
             "fe00::0\tip6-localnet", "ff00::0\tip6-mcastprefix", "ff02::1\tip6-allnodes",
             "ff02::2\tip6-allrouters", f"{node.ip}\t{node.name}"]
    files = {
        "/etc/hostname": f"{node.name}\n".encode(),
        "/etc/hosts": ("\n".join(hosts) + "\n").encode(),
        "/etc/machine-id": f"{nodeids.machine_id(cluster, node.name)}\n".encode(),
        "/var/lib/kubelet/kubeadm-flags.env": (
            'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock'
            f' --node-ip={node.ip} --node-labels= --pod-infra-container-image='
            f'registry.k8s.io/pause:{versions.PAUSE}'
            f' --provider-id=kind://docker/{cluster}/{node.name}"\n'
        ).encode(),
    }
    if node.role == "control-plane":
        for name in MANIFESTS:
            text = manifest(name, node, cluster)
            if name == "etcd":
                text = joined_etcd_flags(text, node, all_nodes)
            files[f"/etc/kubernetes/manifests/{name}.yaml"] = text.encode()
        files["/var/lib/etcd/member/snap/db"] = b"\0" * 64
        files["/var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal"] = b"\0" * 64
    return files


def joined_etcd_flags(text: str, node: NodeSpec, all_nodes: list[NodeSpec]) -> str:
    """kubeadm join --control-plane: the new member's etcd starts with the members known so far.

    kubeadm `phases/etcd/local.go` `getEtcdCommand`: with a non-empty initial cluster (the
    member list etcd returned when the learner was added, itself included, in etcd's member-ID
    order) it writes `--initial-cluster=<name>=<peer>,...` and `--initial-cluster-state=existing`.
    """
    from app.providers.sim.etcd_cluster import member_id

    cps = [n for n in all_nodes if n.role == "control-plane"]
    if node not in cps or cps.index(node) == 0:
        return text
    known = cps[:cps.index(node) + 1]
    known.sort(key=lambda n: member_id([f"https://{n.ip}:2380"]))
    initial = ",".join(f"{n.name}=https://{n.ip}:2380" for n in known)
    old = f"    - --initial-cluster={node.name}=https://{node.ip}:2380\n"
    return text.replace(old, f"    - --initial-cluster={initial}\n"
                             "    - --initial-cluster-state=existing\n")
