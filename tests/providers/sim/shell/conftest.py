"""A fake ShellHost: two kubeadm-like nodes on plain VFSes and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.providers.sim.shell.registry import Output
from app.providers.sim.shell.session import ShellSession
from app.providers.sim.vfs import VFS, Inode, build_template

NOW = 1764118269.0  # 2025-11-26 00:51:09 UTC
MTIME = NOW - 3600 * 5  # today, 19:51 the day before
OLD = 1700000000.0  # 2023-11-14, older than six months

ETCD = """apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://172.18.0.3:2379
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://172.18.0.3:2379
    - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    - --data-dir=/var/lib/etcd
    - --listen-client-urls=https://127.0.0.1:2379,https://172.18.0.3:2379
    - --listen-peer-urls=https://172.18.0.3:2380
    - --name=kind-control-plane
    image: registry.k8s.io/etcd:3.5.21-0
    name: etcd
"""
APISERVER = """apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=172.18.0.3
    - --etcd-servers=https://127.0.0.1:2379
    - --secure-port=6443
    image: registry.k8s.io/kube-apiserver:v1.33.1
    name: kube-apiserver
"""
PASSWD = ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
GROUP = "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n"
KUBELET_LOG = "".join(
    f"Nov 26 00:{m:02d}:00 kind-control-plane kubelet[312]: E1126 00:{m:02d}:00.000000     312 "
    f"pod_workers.go:1301] \"Error syncing pod\" pod=\"kube-system/etcd-kind-control-plane\"\n"
    for m in range(0, 50, 7))

FILES: dict[str, tuple[bytes, int]] = {
    "/etc/kubernetes/manifests/etcd.yaml": (ETCD.encode(), 0o600),
    "/etc/kubernetes/manifests/kube-apiserver.yaml": (APISERVER.encode(), 0o600),
    "/etc/kubernetes/manifests/kube-controller-manager.yaml": (b"kind: Pod\n", 0o600),
    "/etc/kubernetes/manifests/kube-scheduler.yaml": (b"kind: Pod\n", 0o600),
    "/etc/kubernetes/admin.conf": (b"apiVersion: v1\nkind: Config\n", 0o600),
    "/etc/kubernetes/pki/ca.crt": (b"-----BEGIN CERTIFICATE-----\nMIIB\n"
                                   b"-----END CERTIFICATE-----\n", 0o644),
    "/etc/kubernetes/pki/ca.key": (b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"
                                   b"-----END RSA PRIVATE KEY-----\n", 0o600),
    "/var/lib/kubelet/config.yaml": (b"apiVersion: kubelet.config.k8s.io/v1beta1\n"
                                     b"kind: KubeletConfiguration\ncgroupDriver: systemd\n",
                                     0o644),
    "/var/log/kubelet.log": (KUBELET_LOG.encode(), 0o644),
    "/etc/passwd": (PASSWD.encode(), 0o644),
    "/etc/group": (GROUP.encode(), 0o644),
    "/etc/hosts": (b"127.0.0.1\tlocalhost\n172.18.0.3\tkind-control-plane\n", 0o644),
    "/root/.bashrc": (b"# ~/.bashrc\n", 0o644),
    "/root/notes.txt": (b"banana\napple\ncherry\napple\n", 0o644),
    "/usr/local/bin/check.sh": (b"#!/bin/bash\necho \"checking $1\"\nexit 3\n", 0o755),
    "/usr/bin/kubectl": (b"\x7fELF\x02\x01\x01\0", 0o755),
}
DIRS = {"/tmp": 0o1777, "/var/lib/etcd": 0o700, "/etc/kubernetes/pki/etcd": 0o755,
        "/proc": 0o555, "/dev": 0o755}


def make_template() -> dict[str, Inode]:
    template = build_template(FILES, DIRS, mtime=MTIME)
    # Vary a few mtimes so ls -t and the six-month year rule have something to show.
    from dataclasses import replace
    template["/etc/hosts"] = replace(template["/etc/hosts"], mtime=OLD)
    template["/root/notes.txt"] = replace(template["/root/notes.txt"], mtime=MTIME + 60)
    return template


class FakeHost:
    def __init__(self) -> None:
        template = make_template()
        self.nodes = {"kind-control-plane": VFS(template), "kind-worker": VFS(template)}
        self.clock = NOW
        self.recorded: list[tuple[str, str, int]] = []

    def node_names(self) -> list[str]:
        return list(self.nodes)

    def vfs(self, node: str) -> VFS:
        return self.nodes[node]

    def now(self) -> float:
        return self.clock

    def default_node(self) -> str:
        return "kind-control-plane"

    def on_command(self, node: str, line: str, exit_code: int) -> None:
        self.recorded.append((node, line, exit_code))


@pytest.fixture
def host() -> FakeHost:
    return FakeHost()


@pytest.fixture
def session(host: FakeHost) -> ShellSession:
    return ShellSession(host)


@pytest.fixture
def sh(session: ShellSession) -> Callable[[str], Output]:
    return session.run


def put(session: ShellSession, files: dict[str, str], directory: str = "/data",
        mtime: float = OLD) -> None:
    """Write `files` into the session's node under `directory` and cd there."""
    vfs = session.vfs
    vfs.mkdir(directory, parents=True)
    saved = vfs.now
    vfs.now = mtime
    for name, content in files.items():
        path = f"{directory}/{name}"
        parent = path.rsplit("/", 1)[0]
        vfs.mkdir(parent, parents=True)
        vfs.write(path, content.encode())
    vfs.now = saved
    session.cwd = directory
