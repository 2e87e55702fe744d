"""The CRI log files of a node: /var/log/pods and /var/log/containers, made from its runtime.

containerd writes every line a container prints as `<RFC3339Nano> <stream> <F|P> <text>`
(internal/cri/io/logger.go: `time.Now().AppendFormat(…, time.RFC3339Nano)`, tag F for a full
line) into `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart count>.log`, and the
kubelet links `/var/log/containers/<pod>_<namespace>_<container>-<container id>.log` to it
(kuberuntime BuildContainerLogsDirectory, legacyLogSymlink). The twin keeps each container's
lines in its runtime (`crictl logs`, `kubectl logs` read them there); these files are a view
of the same lines, generated when read and never stored, so they cost nothing per step and
add nothing to a snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.sim.clock import rfc3339nano
from app.providers.sim.vfs import DIR, FILE, LINK, Inode

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

PODS = "/var/log/pods"
CONTAINERS = "/var/log/containers"
MOUNTS = (PODS, CONTAINERS)


def tree(node: SimNode) -> dict[str, Inode]:
    """Every file and directory under the two log directories, as of the twin's now."""
    rt, now = node.runtime, node.cluster.t
    out: dict[str, Inode] = {}
    pod_dirs: dict[str, str] = {}
    for sb in sorted(rt.sandboxes.values(), key=lambda s: s.created):
        if sb.uid not in pod_dirs:
            pod_dirs[sb.uid] = f"{PODS}/{sb.namespace}_{sb.name}_{sb.uid}"
            out[pod_dirs[sb.uid]] = Inode(DIR, mode=0o755, mtime=sb.created)
    for c in sorted(rt.containers.values(), key=lambda c: (c.created, c.id)):
        if c.created > now:
            continue
        pod_dir = pod_dirs.get(c.pod_uid)
        if pod_dir is None:  # its sandbox was removed (crictl rmp): so were its files
            continue
        out.setdefault(f"{pod_dir}/{c.name}", Inode(DIR, mode=0o755, mtime=c.created))
        lines = [(t, stream, text) for t, stream, text in c.logs if t <= now]
        data = "".join(f"{rfc3339nano(t)} {stream} F {text}\n" for t, stream, text in lines)
        path = f"{pod_dir}/{c.name}/{c.attempt}.log"
        out[path] = Inode(FILE, data=data.encode(), mode=0o640,
                          mtime=lines[-1][0] if lines else c.created)
        out[f"{CONTAINERS}/{c.pod_name}_{c.namespace}_{c.name}-{c.id}.log"] = Inode(
            LINK, target=path, mode=0o777, mtime=c.created)
    return out
