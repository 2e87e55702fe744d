"""A kubelet whose Node object is gone from the API while it runs (the object deleted, or
etcd started on an empty data directory), and the registration a kubelet makes at start.

The kubelet registers its Node once per process (`registerWithAPIServer`,
`registrationCompleted`): a Node deleted under a running kubelet stays deleted until the
kubelet restarts, and the garbage collector deletes the node's Lease with it (the Lease's
owner is the Node). Meanwhile, every 10 s:
- node status: five tries, each `"Error updating node status, will retry" err="error getting
  node \\"<n>\\": nodes \\"<n>\\" not found"` (the first, read from the informer cache,
  `node \\"<n>\\" not found` as listers word it), then "Unable to update node status";
- the lease controller: at its first sync, five "Failed to update lease" (the PUT answers
  `leases.coordination.k8s.io "<n>" not found`) and the fallback line, then at every sync
  `nodelease.go:49] "Failed to get node when trying to set owner ref to the node lease"`: the
  kubelet's newLeasePostProcessFunc needs the Node's UID, so the lease is never created;
- the eviction manager: "failed to get node info: node \\"<n>\\" not found" (its informer
  cache lost the node);
- about every minute per static pod (the pod workers' resync), `"Failed creating a mirror
  pod" err="failed to get node UID: node \\"<n>\\" not found"`: a mirror pod needs its Node
  as owner (MirrorPodNodeRestriction), so none is created (apistatus.py does not either).

Sources: a real journal of a kubelet whose Node was deleted (EKS v1.29 notes, stored code index
id 19104258991: nodelease.go:49, kubelet_node_status.go:549/536, eviction_manager.go:282 —
v1.33's numbers used here are 548/535 and 292 as kubelet_api_down.py has them); nodelease.go:49
again in a 2025 KodeKloud journal (id 17214808123); `failed to get node UID: %v` from the
kubelet's mirror_client.go (several stored copies, e.g. id 356704508) with the lister's
`node "<n>" not found`; `kubelet.go:3311] "Failed creating a mirror pod"` from a v1.33
KillerCoda journal (id 45360494113). The lease's first burst follows component-helpers
v0.33.1 `controller.go` (kubelet_api_down.py).

Only what the twin notes per step: when each node's object went missing while its kubelet ran
and the API answered (`cluster.node_gone`); the lines are derived when the journal is read.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from app.providers.sim.components.base import klog
from app.providers.sim.kubelet_api_down import (
    HISTORY,
    STATUS_RETRIES,
    eviction_phase,
    lease_phase,
    lease_update_failed,
    status_phase,
)
from app.providers.sim.kubelet_tls import STATUS_EVERY

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

Entry = tuple[float, str, int, str]
RESYNC = 60.0  # the kubelet's syncFrequency: each pod worker syncs at least this often


# --- at each step the API answers ----------------------------------------------------------

def record(cluster: SimCluster, t: float) -> None:
    """Register the Node of a kubelet that started since (a new process registers once), and
    note since when a registered kubelet's Node has been missing."""
    from app.providers.sim.bootstrap import node_object
    from app.providers.sim.nodelifecycle import posting

    store = cluster.store
    for i, node in enumerate(cluster.nodes):
        if not posting(node, t):  # not running, or its client certificate is refused
            continue
        svc = node.services["kubelet"]
        obj = store.find("Node", node.name)
        if svc.get("registered") is False:  # this run has not registered yet
            svc["registered"] = True
            if obj is None:
                obj = store.create(node_object(cluster, node, i), t)
            svc["registered_at"] = created_at(obj)
        windows = cluster.node_gone.get(node.name)
        is_open = bool(windows) and windows[-1][1] is None
        if obj is None and not is_open:
            # with the Node the time it was registered is gone: keep it for the journal
            cluster.node_gone.setdefault(node.name, []).append(
                [t, None, svc.get("registered_at")])
        elif obj is not None and is_open:
            windows[-1][1] = t


def created_at(obj: dict) -> float | None:
    from app.providers.sim.kubelet_journal import _created

    return _created(obj)


def registered_before(node: SimNode, start: float) -> float | None:
    """When the Node a kubelet run started at `start` knew was registered, if it has gone
    since (its creationTimestamp went with it)."""
    for window in node.cluster.node_gone.get(node.name) or []:
        at = window[2] if len(window) > 2 else None
        if at is not None and at <= window[0] and window[0] >= start:
            return float(at)
    return None


def started(node: SimNode) -> None:
    """A new kubelet process: it registers the node at its first chance."""
    node.services["kubelet"]["registered"] = False


# --- what the kubelet logs (when read) -----------------------------------------------------

def run_entries(node: SimNode, start: float, end: float, pid: int,
                registered: float | None) -> list[Entry]:
    """The lines of the kubelet run [start, end) for the time its registered Node was gone."""
    windows = node.cluster.node_gone.get(node.name)
    if not windows or registered is None:
        return []
    out: list[Entry] = []
    name = node.name

    def add(at: float, level: str, source: str, msg: str) -> None:
        if at <= end:
            out.append((at, "kubelet", pid, klog(at, level, source, msg, pid=pid)))

    gone = f'nodes \\"{name}\\" not found'
    cached = f'node \\"{name}\\" not found'  # the informer lister's NotFound
    for a, b, *_ in windows:
        hi = min(math.inf if b is None else b, end)
        lo = max(a, registered, start, hi - HISTORY)
        if lo >= hi:
            continue
        for beat in _beats(status_phase(name, start), lo, hi):
            for i in range(STATUS_RETRIES):  # the first try reads the informer's cache
                add(beat + i * 0.005, "E", "kubelet_node_status.go:548",
                    f'"Error updating node status, will retry" err="error getting node '
                    f'\\"{name}\\": {cached if i == 0 else gone}"')
            add(beat + STATUS_RETRIES * 0.005, "E", "kubelet_node_status.go:535",
                '"Unable to update node status" err="update node status exceeds retry count"')
        for k, sync in enumerate(_beats(lease_phase(name, start), lo, hi)):
            at = sync
            if k == 0 and lo == max(a, registered, start):  # the held lease: PUTs first
                at = lease_update_failed(
                    add, sync, f'leases.coordination.k8s.io \\"{name}\\" not found', 0.004, 0.002)
            add(at, "E", "nodelease.go:49", '"Failed to get node when trying to set owner ref '
                f'to the node lease" err="{gone}" node="{name}"')
        for beat in _beats(eviction_phase(name, start), lo, hi):
            add(beat, "E", "eviction_manager.go:292", '"Eviction manager: failed to get '
                f'summary stats" err="failed to get node info: {cached}"')
        for pod in sorted(node.kubelet.pods.values(), key=lambda p: p.name):
            if not pod.static:
                continue
            first = start + 0.5 + (hash_of(pod.uid) % 600_000) / 10_000  # its worker's phase
            for beat in _beats(first, lo, hi, RESYNC):
                add(beat, "E", "kubelet.go:3311", '"Failed creating a mirror pod" err="failed '
                    f'to get node UID: {cached}" pod="{pod.namespace}/{pod.name}"')
    return out


def _beats(phase: float, lo: float, hi: float, every: float = STATUS_EVERY) -> list[float]:
    """The ticks phase + k * every that fall in [lo, hi)."""
    k = max(0, math.ceil((lo - phase) / every))
    out = []
    at = phase + k * every
    while at < hi:
        out.append(at)
        at += every
    return out


def hash_of(text: str) -> int:
    import hashlib

    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
