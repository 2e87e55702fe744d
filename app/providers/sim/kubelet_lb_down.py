"""What a kubelet that dials kind's HA load balancer logs while no API server behind it is
healthy (loadbalancer.py: haproxy accepts the connection and closes it, Go sees `EOF` during
the TLS handshake).

Workers of a kind cluster with several control planes reach the API through
`https://<cluster>-external-load-balancer:6443` (their kubelet.conf). kubelet_api_down.py notes
when no kubelet dial is answered (`cluster.api_down`); in a cluster with a balancer every such
window (cause "refused", "off" or "lb") is one where haproxy has no healthy backend, so these
kubelets all see the same thing. Nothing more is stored: the lines are derived when the
journal is read.

Why the texts differ from a refused dial (client-go v0.33.1 `rest/request.go`,
`rest/with_retry.go`, apimachinery v0.33.1 `util/net/http.go`):
- a GET failing with a probable EOF (`IsProbableEOF`: `io.EOF` inside the `*url.Error`) is
  retried: `isErrRetryableFunc` in `request()` answers true for GETs only, `IsNextRetry`
  makes an artificial Retry-After of 1 s, `maxRetries` is 10 (11 attempts, ~10 s);
- the heartbeat client (node status and lease) has `Timeout` = min(nodeStatusUpdateFrequency,
  nodeLeaseDurationSeconds) = 10 s (cmd/kubelet/app/server.go) and no rate limiter (QPS -1).
  The request's context times out during the last 1 s wait (`NoBackoff.SleepWithContext`
  returns when the context is done), the 11th attempt fails at once with `Get "<url>":
  context deadline exceeded`, and `WrapPreviousError` appends the previous attempt's error
  unwrapped from its url.Error: `... - error from a previous attempt: EOF`;
- the lease PUT is not retried (not a GET): `Put "<url>?timeout=10s": EOF` at once;
- the status manager's pod GET goes through the main client (no timeout): all 11 attempts
  fail, the last error equals the previous one so it is not wrapped: `Get "<url>": EOF`,
  ~10 s after the GET started. The status manager syncs one pod at a time, so its GETs for
  the pods whose status changed run back to back.

Lease (component-helpers v0.33.1 `apimachinery/lease/controller.go`, as kubelet_api_down.py):
at a sync, a kubelet holding its lease tries five PUTs ("Failed to update lease"), logs the
fallback, then `backoffEnsureLease` GETs the lease until it answers: each GET now takes 10 s,
then "Failed to ensure lease exists, will retry" with the wait it is about to take (200ms
doubling to 7s).

Node status (kubelet_node_status.go `updateNodeStatus`, run by `wait.JitterUntil(...,
0.04, true)`: the next sync 10 s after one ends): since kubernetes#123977 the first try reads
the Node from the informer cache and PATCHes only a status that changed or was last reported
nodeStatusReportFrequency (5 min) ago, so a steady node logs nothing until its next report is
due; then the PATCH fails at once with the heartbeat-only strategic-merge patch in its error
(`failed to patch status "{\"status\":{\"$setElementOrder/conditions\":...}}" for node ...`),
and the four GETs that follow take 10 s each. The shape of those lines (548/535, the patch
body, the `?timeout=10s` GETs) is a real v1.32.11 kubelet's (tests/fidelity/samples
kubelet-journal-lb-eof.txt); the 5-min report phase is reconstructed (reports every 300 s from
the run's first sync, jitter ignored), kubelet_api_down.py's refused model still has the
pre-#123977 `resourceVersion=0` first try.

Not modelled: a kubelet started while the balancer has no backend (registration POST,
informer LISTs); a status that changes during the outage (its PATCH body differs). The first
seconds of an outage: connections open through haproxy to a backend that goes down are not
cut at once (kind's haproxy.cfg has no `on-marked-down shutdown-sessions`), and haproxy's
default check timing (`inter 2s`, `fall 3`) delays its verdict; here the balancer turns away
new connections at once.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.providers.sim import kubeconfig, loadbalancer
from app.providers.sim.kubelet_api_down import (
    HISTORY,
    MAX_BACKOFF,
    RENEW_EVERY,
    STATUS_FIRST,
    STATUS_RETRIES,
    _go_duration,
    _jitter,
    _Lines,
    go_quote,
    lease_phase,
    lease_update_failed,
    report_due,
    status_patch_error,
    status_phase,
)
from app.providers.sim.kubelet_tls import KUBELET_CONF, STATUS_EVERY
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

Entry = tuple[float, str, int, str]
ATTEMPTS = 11  # 1 + maxRetries (10), the artificial Retry-After of 1 s between attempts
GET_TAKES = ATTEMPTS - 1.0  # a GET without a timeout: its last attempt 10 s after its first
HEARTBEAT_TIMEOUT = 10.0  # the heartbeat client's Timeout: the request's context
EOF = loadbalancer.EOF
DEADLINE = f"context deadline exceeded - error from a previous attempt: {EOF}"


def windows_of(cluster: SimCluster) -> list[tuple[float, float]]:
    """(since, until or +inf) of every span in which the balancer had no healthy backend: the
    api_down windows of a cluster that has one, whatever their cause, joined end to end."""
    if loadbalancer.name(cluster) is None:
        return []
    out: list[list[float]] = []
    for a, b, _why in cluster.api_down:
        end = math.inf if b is None else b
        if out and out[-1][1] >= a:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([a, end])
    return [(a, b) for a, b in out]


def _server(node: SimNode) -> str | None:
    """The kubelet's API server URL when it names the cluster's balancer, else None."""
    try:
        server = kubeconfig.server(node.vfs.read(KUBELET_CONF))
    except (VFSError, ValueError):
        return None
    host = urlsplit(server).hostname or ""
    return server if loadbalancer.is_it(node.cluster, host) else None


def run_entries(node: SimNode, start: float, end: float, pid: int,
                registered: float | None) -> list[Entry]:
    """The node-status, lease and pod-status lines of the kubelet run [start, end) while the
    balancer it dials had no healthy backend; `registered`: when the run registered its node
    (None: not in this run, so no status updates)."""
    windows = [w for w in windows_of(node.cluster) if w[1] > start and w[0] < end]
    server = _server(node) if windows else None
    if server is None:
        return []
    lines = _Lines(node, pid, end)
    if registered is not None:
        _status(lines, server, windows, start, registered, end)
    _lease(lines, server, windows, start, end)
    _pod_status(lines, server, windows, start, end)
    return lines.out


def _status(lines: _Lines, server: str, windows: list[tuple[float, float]], start: float,
            registered: float, end: float) -> None:
    """syncNodeStatus (every 10 s after the last one ended): the first try takes the Node from
    the informer cache and PATCHes only a status that changed or was last reported 5 min ago
    (nothing changes here, so the first PATCH comes at the next 5-min report); the PATCH is
    not retried and fails at once, each of the four GETs that follow takes 10 s."""
    phase = status_phase(lines.node.name, start)
    cycle = 0.0012 + (STATUS_RETRIES - 1) * HEARTBEAT_TIMEOUT + STATUS_EVERY
    for a, b in windows:
        hi = min(b, end)
        lo = max(a, registered)
        beat = max(report_due(phase, lo),
                   phase + math.ceil((lo - phase) / STATUS_EVERY) * STATUS_EVERY)
        if beat < hi - HISTORY:  # the last hour only: skip whole cycles
            beat += math.floor((hi - HISTORY - beat) / cycle) * cycle
        _status_cycles(lines, server, beat, cycle, b, end)


def _status_cycles(lines: _Lines, server: str, beat: float, cycle: float,
                   back: float, end: float) -> None:
    name = lines.node.name
    while beat < min(back, end):
        err = status_patch_error(
            lines.node, beat, f'Patch "{server}/api/v1/nodes/{name}/status?timeout=10s": {EOF}')
        if err is None:
            return
        lines.add(beat + 0.001, "E", "kubelet_node_status.go:548",
                  f'"Error updating node status, will retry" err={go_quote(err)}')
        at = beat + 0.0012
        for _try in range(1, STATUS_RETRIES):
            if at + ATTEMPTS - 2 >= back or at > end:  # an attempt finds a backend: PATCHed
                return
            at += HEARTBEAT_TIMEOUT
            err = (f'error getting node {go_quote(name)}: Get "{server}/api/v1/nodes/{name}'
                   f'?timeout=10s": {DEADLINE}')
            lines.add(at, "E", "kubelet_node_status.go:548",
                      f'"Error updating node status, will retry" err={go_quote(err)}')
        lines.add(at + 0.00002, "E", "kubelet_node_status.go:535",
                  '"Unable to update node status" err="update node status exceeds retry count"')
        beat += cycle


def _lease(lines: _Lines, server: str, windows: list[tuple[float, float]], start: float,
           end: float) -> None:
    name = lines.node.name
    url = f"{server}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}"
    sync = lease_phase(name, start)
    held = False  # a lease to PUT (latestLease) once a sync has succeeded in this run
    for a, b in windows:
        if sync < a:
            held = True
            sync += math.ceil((a - sync) / RENEW_EVERY) * RENEW_EVERY
        if sync >= min(b, end):
            continue
        if held:
            sync = lease_update_failed(lines.add, sync, f'Put \\"{url}?timeout=10s\\": {EOF}',
                                       0.001, 0.0002)
        cutoff = min(b, end) - HISTORY
        at, sleep = sync, 0.1  # `at`: a GET starts
        while at + ATTEMPTS - 2 < b and at <= end:  # its 10th attempt still finds no backend
            sleep = min(sleep * 2, MAX_BACKOFF)
            cycle = HEARTBEAT_TIMEOUT + MAX_BACKOFF
            if at < cutoff and sleep == MAX_BACKOFF:  # the last hour only: skip ahead at once
                at += math.floor((cutoff - at) / cycle) * cycle
            failed = at + HEARTBEAT_TIMEOUT
            if failed >= cutoff:
                lines.add(failed, "E", "controller.go:145",
                          f'"Failed to ensure lease exists, will retry" err="Get '
                          f'\\"{url}?timeout=10s\\": {DEADLINE}" interval="{_go_duration(sleep)}"')
            at = failed + sleep
        held = True
        sync = max(at, b) + RENEW_EVERY


def _changes(node: SimNode, start: float) -> dict[str, tuple[str, list[float]]]:
    """uid -> (namespace/name, times its status changed) for the run started at `start`: as
    kubelet_api_down.py finds them (containers that started or exited, and every static pod's
    first status in a new process)."""
    out: dict[str, tuple[str, list[float]]] = {}
    for c in node.runtime.containers.values():
        for at in (c.started, c.finished):
            if at is not None and at >= start:
                out.setdefault(c.pod_uid, (f"{c.namespace}/{c.pod_name}", []))[1].append(at)
    for pod in node.kubelet.pods.values():
        if pod.static and pod.created <= start + STATUS_FIRST:
            out.setdefault(pod.uid, (f"{pod.namespace}/{pod.name}", []))[1].append(
                start + STATUS_FIRST)
    return out


def _pod_status(lines: _Lines, server: str, windows: list[tuple[float, float]], start: float,
                end: float) -> None:
    """The status manager's GETs, one pod at a time, for the pods whose status changed while
    the balancer had no backend: each takes its 11 attempts (~10 s) and fails with EOF, and
    the pods are retried in turn until a GET finds a backend."""
    changes = _changes(lines.node, start)
    for a, b in windows:
        hi = min(b, end)
        lo = max(a, start)
        first = {uid: min(t for t in times if lo <= t < hi)
                 for uid, (_, times) in changes.items() if any(lo <= t < hi for t in times)}
        if first:
            _gets(lines, server, changes, first, b, hi - HISTORY, end)


def _gets(lines: _Lines, server: str, changes: dict[str, tuple[str, list[float]]],
          first: dict[str, float], back: float, cutoff: float, end: float) -> None:
    at = min(first.values()) + 0.0004
    while at <= end:
        ready = sorted(uid for uid, t in first.items() if t <= at)
        if not ready:
            at = min(t for t in first.values() if t > at) + 0.0004
            continue
        if len(ready) == len(first) and at < cutoff:  # the last hour only: skip whole turns
            turn = GET_TAKES * len(ready)
            at += math.floor((cutoff - at) / turn) * turn
        for uid in ready:
            if at + GET_TAKES >= back or at > end:  # an attempt finds a backend: written
                return
            failed = at + GET_TAKES + _jitter(uid, at) / 100
            ref = changes[uid][0]
            namespace, name = ref.split("/", 1)
            if failed >= cutoff:
                lines.add(failed, "I", "status_manager.go:890",
                          f'"Failed to get status for pod" podUID="{uid}" pod="{ref}" '
                          f'err="Get \\"{server}/api/v1/namespaces/{namespace}/pods/{name}\\": '
                          f'{EOF}"')
            at = failed + 0.0002
