"""containerd's journal after its start: the CRI calls that brought up each pod, in
instrumented_service.go's words, and one shim per pod whose socket /run/containerd/s has."""

from __future__ import annotations

import re

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


def twin() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_each_pod_is_run_created_and_started_in_order() -> None:
    c = twin()
    text = sh(c, "journalctl -u containerd")
    sid = sh(c, "crictl pods -q --name etcd").strip()
    cid = sh(c, "crictl ps -q --name etcd").strip()
    uid = next(s.uid for s in c.node("control-plane").runtime.sandboxes.values() if s.id == sid)
    lines = [
        f'msg="RunPodSandbox for &PodSandboxMetadata{{Name:etcd-kind-control-plane,Uid:{uid},'
        'Namespace:kube-system,Attempt:0,}"',
        f'msg="connecting to shim {sid}" address="unix:///run/containerd/s/',
        f'returns sandbox id \\"{sid}\\""',
        f'msg="CreateContainer within sandbox \\"{sid}\\" for container '
        '&ContainerMetadata{Name:etcd,Attempt:0,}"',
        f'returns container id \\"{cid}\\""',
        f'msg="StartContainer for \\"{cid}\\""',
        f'msg="StartContainer for \\"{cid}\\" returns successfully"',
    ]
    where = [text.index(x) for x in lines]
    assert where == sorted(where)
    pid = sh(c, "pgrep -x containerd").strip()
    assert all(f"containerd[{pid}]: time=" in ln for ln in text.splitlines()
               if "StartContainer" in ln)


def test_the_shim_socket_in_the_journal_exists_under_run_containerd_s() -> None:
    c = twin()
    text = sh(c, "journalctl -u containerd")
    socks = set(re.findall(r'address="unix://(/run/containerd/s/[0-9a-f]{64})"', text))
    listed = {f"/run/containerd/s/{n}" for n in sh(c, "ls /run/containerd/s").split()}
    assert socks and socks == listed
