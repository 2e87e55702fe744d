"""What a running kubelet logs while its API server refuses connections (real-output.md §1c).

- Every nodeStatusUpdateFrequency (10 s) the node status update is tried five times
  (nodeStatusUpdateRetry; the first try reads from the apiserver's cache, `resourceVersion=0`),
  each failure logged as "Error updating node status, will retry", then "Unable to update
  node status" err="update node status exceeds retry count" (kubelet_node_status.go
  updateNodeStatus / syncNodeStatus).
- The node lease controller (component-helpers lease/controller.go backoffEnsureLease) retries
  ensureLease with a back-off doubling from 100 ms to at most 7 s, logging "Failed to ensure
  lease exists, will retry" with the interval it will wait.

Lines are written as the twin steps: from the step that first sees the refusal, and at every
later step up to its time (the refusal held since the step before), until a step finds the
API answering again. Only a direct connection is modelled: behind
kind's load balancer (HA) the dial succeeds and the error is another one, not written here.
The line numbers of kubelet_node_status.go are v1.33's as far as the observed logs show
(548 for the retry line, as kubelet_tls.py writes it); 535 for "Unable to update" is
reconstructed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.providers.sim import kubeconfig
from app.providers.sim.components.base import klog
from app.providers.sim.kubelet_tls import KUBELET_CONF, STATUS_EVERY
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

STATUS_RETRIES = 5
LEASE_FIRST, LEASE_MAX = 0.2, 7.0  # 100 ms doubled before the first wait; maxBackoff
HISTORY = 60 * STATUS_EVERY  # a twin idle for hours writes its last ten minutes only


def _go_duration(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms}ms" if ms < 1000 else f"{ms / 1000:g}s"


def _dial_error(node: SimNode) -> tuple[str, str] | None:
    """(server URL, Go's dial error) of the kubelet's API server, None when not a direct one."""
    try:
        server = kubeconfig.server(node.vfs.read(KUBELET_CONF))
    except (VFSError, ValueError):
        return None
    parts = urlsplit(server)
    target = node.cluster.node_by_host(parts.hostname or "", node)
    if target is None or (parts.hostname or "").endswith("-external-load-balancer"):
        return None
    return server, f"dial tcp {target.ip}:{parts.port or 443}: connect: connection refused"


def log_refused(node: SimNode, t: float) -> None:
    """Called at each step while the cluster's API server refuses connections."""
    if not node.kubelet_running():
        return
    found = _dial_error(node)
    if found is None:
        return
    server, dial = found
    svc = node.services["kubelet"]
    pid = node.kubelet_pid

    def line(at: float, source: str, msg: str) -> None:
        node.journal_line(at, "kubelet", klog(at, "E", source, msg, pid=pid))

    beat = t if svc.get("refused_beat") is None else \
        max(svc["refused_beat"] + STATUS_EVERY, t - HISTORY)
    while beat <= t:
        for i in range(STATUS_RETRIES):
            query = "resourceVersion=0&timeout=10s" if i == 0 else "timeout=10s"
            line(beat + i * 0.0004, "kubelet_node_status.go:548",
                 f'"Error updating node status, will retry" err="error getting node '
                 f'\\"{node.name}\\": Get \\"{server}/api/v1/nodes/{node.name}?{query}\\": '
                 f'{dial}"')
        line(beat + STATUS_RETRIES * 0.0004, "kubelet_node_status.go:535",
             '"Unable to update node status" err="update node status exceeds retry count"')
        svc["refused_beat"] = beat
        beat += STATUS_EVERY

    lease = f"{server}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node.name}"
    at, interval = svc.get("refused_lease") or (t + 0.003, LEASE_FIRST)
    at = max(at, t - HISTORY)
    while at <= t:
        line(at, "controller.go:145",
             f'"Failed to ensure lease exists, will retry" err="Get \\"{lease}?timeout=10s\\": '
             f'{dial}" interval="{_go_duration(interval)}"')
        at, interval = at + interval, min(interval * 2, LEASE_MAX)
    svc["refused_lease"] = [at, interval]  # a list: the twin round-trips through JSON


def catch_up(node: SimNode, t: float) -> None:
    """Write the lines of a refusal that held from the last step until `t` (the twin steps
    only when something happens; the kubelet kept trying in between)."""
    svc = node.services.get("kubelet")
    if svc is not None and svc.get("refused_beat") is not None:
        log_refused(node, t)


def answered(node: SimNode) -> None:
    """The API answers again: the next refusal starts a new status beat and lease back-off."""
    svc = node.services.get("kubelet")
    if svc is not None:
        svc.pop("refused_beat", None)
        svc.pop("refused_lease", None)
