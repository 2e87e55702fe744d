"""What containerd logs while the kubelet starts pods: derived from the runtime when the journal
is read, never stored (like kubelet_journal.py).

containerd's CRI plugin logs every CRI call at info (containerd v2.1.1
`internal/cri/instrument/instrumented_service.go`): `RunPodSandbox for %+v` and `... returns
sandbox id %q`, `CreateContainer within sandbox %q for container %+v` and `... for %+v returns
container id %q`, `StartContainer for %q` and `... returns successfully`; the metadata print
as the CRI structs' String() (`&PodSandboxMetadata{Name:...,Uid:...,Namespace:...,Attempt:0,}`,
`&ContainerMetadata{Name:etcd,Attempt:0,}`). Starting a pod's shim logs `connecting to shim
<sandbox id>` with `address`, `namespace`, `protocol`, `version` (`core/runtime/v2/shim.go`;
OBS containerd 2.x: `address="unix:///run/containerd/s/<64 hex>" namespace=moby
protocol=ttrpc version=3`). logrus' text format quotes the message and escapes its quotes;
fields follow in key order.

Only what the node still has is shown: a container the kubelet's GC removed takes its lines
with it (a real journal keeps them). Exits (`TaskExit event`) are not derived.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from app.providers.sim.containerd_run import shim_socket
from app.providers.sim.journals import _nanos, containerd_pid

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

Entry = tuple[float, str, int, str]


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line(at: float, n: int, msg: str, fields: str = "") -> str:
    return f'time="{_nanos(at, n)}" level=info msg={_q(msg)}' + (f" {fields}" if fields else "")


def _spread(*key: object) -> float:
    return int(hashlib.sha1("/".join(map(str, key)).encode()).hexdigest()[:4], 16) % 900 / 1e6


def entries(node: SimNode) -> list[Entry]:
    from app.providers.sim.kubelet_journal import runs

    now = node.cluster.t
    windows = runs(node, "containerd")
    if not windows:
        return []

    def pid_at(t: float) -> int | None:
        for start, end, _ in windows:
            if start - 0.1 <= t < end:
                return containerd_pid(node, start)
        return None

    out: list[Entry] = []

    def add(at: float, msg: str, fields: str = "") -> None:
        pid = pid_at(at)
        if pid is not None and at <= now:
            out.append((at, "containerd", pid, _line(at, len(out), msg, fields)))

    rt = node.runtime
    sandboxes = {sb.id: sb for sb in rt.sandboxes.values()}
    for sb in sandboxes.values():
        meta = (f"&PodSandboxMetadata{{Name:{sb.name},Uid:{sb.uid},Namespace:{sb.namespace},"
                f"Attempt:{sb.attempt},}}")
        t0 = sb.created + 0.002 + _spread(sb.id)
        add(t0, f"RunPodSandbox for {meta}")
        add(t0 + 0.041, f"connecting to shim {sb.id}",
            f'address="unix://{shim_socket(sb.id)}" namespace=k8s.io protocol=ttrpc version=3')
        add(t0 + 0.118, f"RunPodSandbox for {meta} returns sandbox id {_q(sb.id)}")
    for c in rt.containers.values():
        if c.sandbox_id not in sandboxes:
            continue
        meta = f"&ContainerMetadata{{Name:{c.name},Attempt:{c.attempt},}}"
        # after its sandbox's lines (the twin's bootstrap may date a container first)
        sb = sandboxes[c.sandbox_id]
        t0 = max(c.created, sb.created + 0.002 + _spread(sb.id) + 0.13) + 0.001 + _spread(c.id)
        add(t0, f"CreateContainer within sandbox {_q(c.sandbox_id)} for container {meta}")
        add(t0 + 0.019, f"CreateContainer within sandbox {_q(c.sandbox_id)} for {meta} returns "
                        f"container id {_q(c.id)}")
        if c.started is not None:
            add(t0 + 0.021, f"StartContainer for {_q(c.id)}")
            add(t0 + 0.083, f"StartContainer for {_q(c.id)} returns successfully")
    return out
