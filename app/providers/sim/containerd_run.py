"""/run/containerd on a kind node: containerd's sockets and state directories, made from the
node's services and runtime when read (never stored).

containerd serves its gRPC API on `/run/containerd/containerd.sock` and ttrpc on
`containerd.sock.ttrpc` (its journal's `serving... address=` lines), both `srw-rw----
root root` and 0 bytes; Go's listener unlinks them when containerd stops, so they are there
only while the unit is active. Beside them containerd keeps its state directories:
`io.containerd.grpc.v1.cri` (CRI per-sandbox and per-container state),
`io.containerd.runtime.v2.task/k8s.io/<id>` (one bundle per running task: every ready
sandbox and running container), `runc/k8s.io/<id>` and `s/` (one shim socket per pod
sandbox: runc-v2 runs one shim per pod). The listing's modes are a real `ls -la
/var/run/containerd` (tests/fidelity/samples/ls-la-run-containerd.txt, containerd 1.x: its
`io.containerd.runtime.v1.linux` does not exist in 2.x and is left out); what sits inside the
state directories is reconstructed from containerd's layout, not copied from a kind node.
kind does not set `[debug] address`, so there is no containerd-debug.sock.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from app.providers.sim.vfs import DIR, SOCK, Inode

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

ROOT = "/run/containerd"
MOUNTS = (ROOT,)


def shim_socket(sandbox_id: str) -> str:
    """The pod's shim socket: containerd v2.1.1 `pkg/shim/util_unix.go` SocketAddress, the
    sha256 of `<containerd address>/<namespace>/<id>` under /run/containerd/s."""
    digest = hashlib.sha256(f"{ROOT}/containerd.sock/k8s.io/{sandbox_id}".encode()).hexdigest()
    return f"{ROOT}/s/{digest}"


def tree(node: SimNode) -> dict[str, Inode]:
    svc = node.services.get("containerd", {})
    since = max(node.booted, float(svc.get("since", node.booted)))
    out: dict[str, Inode] = {}
    if not node.powered:
        return out  # /run is a tmpfs: nothing survives the container's stop

    def d(path: str, mode: int, t: float) -> None:
        out[f"{ROOT}/{path}"] = Inode(DIR, mode=mode, mtime=t)

    if svc.get("active"):
        for name in ("containerd.sock", "containerd.sock.ttrpc"):
            out[f"{ROOT}/{name}"] = Inode(SOCK, mode=0o660, mtime=since)
    cri = "io.containerd.grpc.v1.cri"
    task = "io.containerd.runtime.v2.task"
    for path, mode in ((cri, 0o755), (f"{cri}/containers", 0o755), (f"{cri}/sandboxes", 0o755),
                       (task, 0o711), (f"{task}/k8s.io", 0o711), ("runc", 0o700),
                       ("runc/k8s.io", 0o711), ("s", 0o600)):
        d(path, mode, node.booted + 1)
    rt = node.runtime
    for sb in rt.sandboxes.values():
        d(f"{cri}/sandboxes/{sb.id}", 0o755, sb.created)
        if sb.state != "ready":
            continue
        for tid in (sb.id,):
            d(f"{task}/k8s.io/{tid}", 0o700, sb.created)
            d(f"runc/k8s.io/{tid}", 0o711, sb.created)
        out[shim_socket(sb.id)] = Inode(SOCK, mode=0o600, mtime=sb.created)
    for c in rt.containers.values():
        d(f"{cri}/containers/{c.id}", 0o755, c.created)
        if c.running():
            d(f"{task}/k8s.io/{c.id}", 0o700, c.started or c.created)
            d(f"runc/k8s.io/{c.id}", 0o711, c.started or c.created)
    return out
