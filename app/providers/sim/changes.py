"""Did a command line change the twin? A cheap fingerprint of everything a line can write.

After a line the twin settles (the kubelets react at once to a manifest just written, as they
do through inotify). Settling is a full step of the twin, the largest cost of a read-only line
such as `cat` or `kubectl get`, and after such a line it would find nothing new to react to.
The fingerprint is compared before and after the line: settle only when it moved.

It need not be perfect. A change it misses is still seen at the next command, which advances
the twin to its own time first; the twin stays deterministic either way (replays make the
same decision from the same state), only the reaction comes a command later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster


def fingerprint(cluster: SimCluster) -> tuple[Any, ...]:
    etcd = getattr(cluster, "etcd_state", None) or {}
    return (
        cluster.store.revision,  # every create, update and delete moves it
        tuple(_node(n) for n in cluster.nodes),
        len(etcd.get("removed", ())), len(etcd.get("added", ())), tuple(etcd.get("alarms", ())),
        len(etcd.get("kv", ())), etcd.get("compacted"), etcd.get("defrag_at"),
    )


def _node(n: Any) -> tuple[Any, ...]:
    rt = n.runtime
    return (
        n.vfs.changes, n.powered, n.booted, n.kubelet_pid, rt.active,
        repr(n.services), repr(n.disk_latency_ms), len(getattr(n, "images", None) or ()),
        len(rt.sandboxes), tuple(s.state for s in rt.sandboxes.values()),
        len(rt.containers), tuple((c.state, c.exit_at) for c in rt.containers.values()),
    )
