"""What a running kubelet logs while its API server refuses connections (real-output.md §1c).

The twin only notes when the API went down and came back (`record`, one comparison per step);
the lines are derived when the journal is read, as kubelet_journal.py derives the start-up
lines, so a broken cluster costs no more to advance than a healthy one.

What the real kubelet does while every dial to the API fails:
- **Node status** (kubelet_node_status.go `syncNodeStatus`, every nodeStatusUpdateFrequency =
  10 s, once the node is registered): the first try reads the Node from the kubelet's informer
  cache, which still holds it, and sends nothing unless the status changed or was last reported
  nodeStatusReportFrequency (5 min) ago. Once that report is due, every round logs the PATCH's
  error ("failed to patch status \"{…$setElementOrder/conditions…}\" for node …", the patch
  quoted whole), four "error getting node" GETs (a refused dial is not retried), then "Unable
  to update node status" err="update node status exceeds retry count". A real v1.32.11
  kubelet's lines show this shape (tests/fidelity/samples/SOURCES.md); older kubelets' first
  GET with `resourceVersion=0` is gone.
- **Node lease** (component-helpers `apimachinery/lease/controller.go` v0.33.1, renewInterval
  10 s): a kubelet that holds its lease first tries `retryUpdateLease` five times ("Failed to
  update lease", line 195, a PUT), says "failed to update lease using latest lease, fallback
  to ensure lease" (line 115), then `backoffEnsureLease` GETs the lease until it answers,
  logging "Failed to ensure lease exists, will retry" (line 145) with the wait it will take:
  200ms, 400ms, ... doubling to maxBackoff 7s. The next sync comes 10 s after the one that
  succeeds.
- **Pod status** (status_manager.go `syncPod`): a pod whose status changes (a container
  starts or exits) is written at once, then retried by the 10 s batch sync; each try GETs the
  pod first and logs, at info, "Failed to get status for pod" with the GET's error.
- **A kubelet started while the API is down** (restarted, or its node rebooted):
  - registration (`registerWithAPIServer`): "Attempting to register node", then "Unable to
    register node with API server" with the POST's error, sleeping 100ms doubling to 7s;
  - its informers' first LISTs (Node, Service, CSIDriver, RuntimeClass) fail: client-go
    v0.33.1 `reflector.go:200` "Failed to watch" through HandleErrorWithContext
    (logger="UnhandledError"), retried after [d, 2d) with d from 800ms doubling to 30s;
  - with no Node in its informer cache, the eviction manager logs every 10 s "Eviction
    manager: failed to get summary stats" err="failed to get node info: node ... not found".
  A kubelet that had listed before keeps its cache and retries its watches silently (V(4)).

Line numbers: 548 ("Error updating node status") as observed in v1.33-era logs; 107
("Unable to register"), 292 (eviction) and reflector.go:200 from a kubelet journal whose
reflector line only client-go v0.33 writes (KillerCoda CKA notes, Oct 2025); 535 ("Unable to
update node status") reconstructed; status_manager.go:890 is a v1.32.7 kubelet's (v1.33's
reconstructed). Status changes are seen from the containers the node still has: an attempt
the kubelet's GC removed takes its change with it.

A stopped control-plane node (kind: its container stopped) leaves Docker's network, so its
name no longer resolves: `dial tcp: lookup <node> on 127.0.0.11:53: no such host`, as a real
kind worker's journal shows (tests/fidelity/samples/SOURCES.md).

Not modelled: the "Failed to watch" lines a running kubelet's watches give when the error is
not a refused connection (a name that no longer resolves); "Unable to write event (may retry
after sleeping)" (the event's Go dump); "Failed deleting a mirror pod"; an apiserver that
accepts connections but does not answer (the twin's "timeout" state, error text unconfirmed);
the HA load balancer (haproxy accepts the dial, the error differs). A refusal of more than an
hour shows its last hour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.providers.sim import kubeconfig, loadbalancer
from app.providers.sim.clock import rfc3339
from app.providers.sim.components.base import klog
from app.providers.sim.kubelet_tls import KUBELET_CONF, STATUS_EVERY
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

Entry = tuple[float, str, int, str]
Window = list  # [down since, back at (None: still down), "refused" or "off"]
Target = tuple[str, dict[str, str]]  # the kubelet's server URL, Go's dial error per cause

STATUS_RETRIES = 5  # nodeStatusUpdateRetry
LEASE_RETRIES = 5  # maxUpdateRetries
RENEW_EVERY = 10.0  # renewInterval: 0.25 x nodeLeaseDurationSeconds (40)
MAX_BACKOFF = 7.0  # lease maxBackoff, and registerWithAPIServer's cap
HISTORY = 3600.0
REPORT_EVERY = 300.0  # nodeStatusReportFrequency: an unchanged status is PATCHed this often
KUBELET_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")  # it heartbeats
# the kubelet's informers (informers.NewSharedInformerFactory in NewMainKubelet), LIST URLs
INFORMERS = (
    ("Node", "/api/v1/nodes?fieldSelector=metadata.name%3D{node}&limit=500&resourceVersion=0"),
    ("Service", "/api/v1/services?fieldSelector=spec.clusterIP%21%3DNone&limit=500"
                "&resourceVersion=0"),
    ("CSIDriver", "/apis/storage.k8s.io/v1/csidrivers?limit=500&resourceVersion=0"),
    ("RuntimeClass", "/apis/node.k8s.io/v1/runtimeclasses?limit=500&resourceVersion=0"),
)
INFORMERS_AT = 0.25  # after the process starts
REFLECTOR_FIRST, REFLECTOR_MAX = 0.8, 30.0  # NewExponentialBackoffManager(800ms, 30s, ...)
EVICTION_FIRST = 10.3  # the eviction manager's first synchronize, as observed
STATUS_FIRST = 0.6  # the status manager's first sync after the process starts


# --- recording (at every step) -------------------------------------------------------------

def record(cluster: SimCluster, t: float, api_err: str | None) -> None:
    """Note whether the kubelets' dials to the API are refused at `t`."""
    windows: list[Window] = cluster.api_down
    is_open = bool(windows) and windows[-1][1] is None
    why = _refusal(cluster, t) if api_err in ("refused", "timeout") else None
    if why is None and api_err in ("refused", "timeout") and loadbalancer.name(cluster):
        why = "lb"  # none refuses, none is healthy: kind's balancer closes (kubelet_lb_down.py)
    if is_open and windows[-1][2] == why:
        return
    if is_open:
        windows[-1][1] = t
    if why is not None:
        windows.append([t, None, why])


def _refusal(cluster: SimCluster, t: float) -> str | None:
    cps = [n for n in cluster.nodes if n.role == "control-plane"]
    if any(n.powered and n.apiserver_listening(t) for n in cps):
        return None  # it accepts connections (and may not answer): not modelled
    return "refused" if cps and cps[0].powered else "off"


def windows_of(cluster: SimCluster) -> list[tuple[float, float, str]]:
    """(down since, back at or +inf, cause) of every refusal the twin noted."""
    return [(a, math.inf if b is None else b, why) for a, b, why in cluster.api_down
            if why != "lb"]


def down_at(cluster: SimCluster, t: float) -> tuple[float, float, str] | None:
    for w in windows_of(cluster):
        if w[0] <= t < w[1]:
            return w
    return None


# --- what the kubelet logs (when read) -----------------------------------------------------

def _target(node: SimNode) -> Target | None:
    """The kubelet's API server URL and the dial errors Go gives for it, None when it is not a
    node the kubelet dials directly (kind's HA load balancer)."""
    from app.providers.sim.images import resolv_nameserver

    try:
        server = kubeconfig.server(node.vfs.read(KUBELET_CONF))
    except (VFSError, ValueError):
        return None
    parts = urlsplit(server)
    host = parts.hostname or ""
    if host.endswith("-external-load-balancer"):
        return None
    target = node.cluster.node_by_host(host, node)
    if target is None or target.role != "control-plane":
        return None
    dial = f"dial tcp {target.ip}:{parts.port or 443}"
    # A stopped kind node leaves Docker's network: its name no longer resolves (Docker's
    # embedded DNS), and its address answers nobody.
    off = f"{dial}: connect: no route to host" if host == target.ip else \
        f"dial tcp: lookup {host} on {resolv_nameserver(node.vfs)}:53: no such host"
    return server, {"refused": f"{dial}: connect: connection refused", "off": off}


class _Lines:
    def __init__(self, node: SimNode, pid: int, until: float) -> None:
        self.out: list[Entry] = []
        self.node, self.pid, self.until = node, pid, until

    def add(self, at: float, level: str, source: str, msg: str) -> None:
        if at <= self.until:
            self.out.append((at, "kubelet", self.pid, klog(at, level, source, msg,
                                                             pid=self.pid)))


def _backoff(first: float, sleep: float) -> Iterator[tuple[float, float]]:
    """(time of a try, the sleep after it): sleeps double from `sleep` up to 7 s."""
    at = first
    while True:
        sleep = min(sleep * 2, MAX_BACKOFF)
        yield at, sleep
        at += sleep


def registration(node: SimNode, first: float, end: float, pid: int
                 ) -> tuple[list[Entry], float | None]:
    """The failed registration tries of a kubelet run whose first try (`first`, its
    "Attempting to register node" logged by the caller) found the API refusing, and when a
    later try found it answering: `first` when it was not refusing, None when not by `end`."""
    w = down_at(node.cluster, first)
    if w is None:
        return [], first
    found = _target(node)
    lines = _Lines(node, pid, end)
    back, why = w[1], w[2]
    for at, _sleep in _backoff(first, 0.1):
        if at >= back:
            return lines.out, (at if at <= end else None)
        if at > end:
            return lines.out, None
        if found is None:
            continue
        server, dial = found
        if at > first:
            lines.add(at, "I", "kubelet_node_status.go:75",
                      f'"Attempting to register node" node="{node.name}"')
        lines.add(at + 0.0006, "E", "kubelet_node_status.go:107",
                  f'"Unable to register node with API server" err="Post '
                  f'\\"{server}/api/v1/nodes\\": {dial[why]}" node="{node.name}"')
    return lines.out, None  # pragma: no cover - _backoff never ends


def run_entries(node: SimNode, start: float, end: float, pid: int,
                registered: float | None) -> list[Entry]:
    """The status and lease lines of the kubelet run [start, end) (end: its stop or now);
    `registered`: when the run registered its node (status updates start then)."""
    windows = [w for w in windows_of(node.cluster) if w[1] > start and w[0] < end]
    found = _target(node) if windows else None
    if found is None:
        return []
    lines = _Lines(node, pid, end)
    if registered is not None:
        _status(lines, found, windows, start, registered, end)
    _lease(lines, found, windows, start, end)
    _pod_status(lines, found, windows, start, end)
    first = down_at(node.cluster, start + INFORMERS_AT)
    if first is not None:
        _informers(lines, found, first, start, end)
    return lines.out


def status_patch_error(node: SimNode, beat: float, url_error: str) -> str | None:
    """The error of the first try's PATCH at `beat`: tryUpdateNodeStatus takes the Node from the
    informer cache and PATCHes the heartbeat of its conditions (the strategic-merge patch with
    $setElementOrder); None when the twin has no conditions to report."""
    name = node.name
    obj = node.cluster.store.find("Node", name)
    types = [str(c.get("type")) for c in ((obj or {}).get("status") or {}).get("conditions") or []]
    if not types:
        return None
    stamp = rfc3339(beat)
    patch = ('{"status":{"$setElementOrder/conditions":['
             + ",".join(f'{{"type":"{t}"}}' for t in types) + '],"conditions":['
             + ",".join(f'{{"lastHeartbeatTime":"{stamp}","type":"{t}"}}'
                        for t in types if t in KUBELET_CONDITIONS) + "]}}")
    return f"failed to patch status {go_quote(patch)} for node {go_quote(name)}: {url_error}"


def go_quote(text: str) -> str:
    """Go's %q (and klog's quoting of a string value) for ASCII text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def report_due(phase: float, at: float) -> float:
    """The first node-status report due at or after `at`: an unchanged status is PATCHed every
    nodeStatusReportFrequency (5 min) from the run's first sync."""
    return phase + math.ceil((at - phase) / REPORT_EVERY) * REPORT_EVERY


def _status(lines: _Lines, found: Target, windows: list[tuple[float, float, str]],
            start: float, registered: float, end: float) -> None:
    """syncNodeStatus every 10 s: the first try reads the Node from the informer cache (no
    request) and PATCHes only a changed status or one last reported 5 min ago, so nothing is
    logged until that report falls due; then each round's PATCH and four GETs fail at once
    (a refused dial is not retried) and "Unable to update node status" follows."""
    server, dial = found
    node = lines.node
    name = node.name
    phase = status_phase(name, start)
    for a, b, why in windows:
        hi = min(b, end)
        lo = max(report_due(phase, max(a, registered)), hi - HISTORY)
        k = max(0, math.ceil((lo - phase) / STATUS_EVERY))
        beat = phase + k * STATUS_EVERY
        while beat < hi:
            patch = status_patch_error(
                node, beat, f'Patch "{server}/api/v1/nodes/{name}/status?timeout=10s": '
                            f'{dial[why]}')
            if patch is None:
                return
            lines.add(beat, "E", "kubelet_node_status.go:548",
                      f'"Error updating node status, will retry" err={go_quote(patch)}')
            for i in range(1, STATUS_RETRIES):
                lines.add(beat + i * 0.0005, "E", "kubelet_node_status.go:548",
                          f'"Error updating node status, will retry" err="error getting node '
                          f'\\"{name}\\": Get \\"{server}/api/v1/nodes/{name}?timeout=10s\\": '
                          f'{dial[why]}"')
            lines.add(beat + STATUS_RETRIES * 0.0005, "E", "kubelet_node_status.go:535",
                      '"Unable to update node status" err="update node status exceeds retry '
                      'count"')
            beat += STATUS_EVERY


def _lease(lines: _Lines, found: Target, windows: list[tuple[float, float, str]],
           start: float, end: float) -> None:
    server, dial = found
    name = lines.node.name
    url = f"{server}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}"
    sync = lease_phase(name, start)
    held = False  # a lease to update (latestLease) once a sync has succeeded in this run
    for a, b, why in windows:
        if sync < a:
            held = True
            sync += math.ceil((a - sync) / RENEW_EVERY) * RENEW_EVERY
        if sync >= min(b, end):
            continue
        err = dial[why]
        if held:
            sync = lease_update_failed(lines.add, sync, f'Put \\"{url}?timeout=10s\\": {err}',
                                       0.0005, 0.0002)
        cutoff = min(b, end) - HISTORY
        at, sleep = sync, 0.1
        while at < b and at <= end:
            sleep = min(sleep * 2, MAX_BACKOFF)
            if at < cutoff and sleep == MAX_BACKOFF:  # the last hour only: skip ahead at once
                at += math.floor((cutoff - at) / MAX_BACKOFF) * MAX_BACKOFF
            if at >= cutoff:
                lines.add(at, "E", "controller.go:145",
                          f'"Failed to ensure lease exists, will retry" err="Get '
                          f'\\"{url}?timeout=10s\\": {err}" interval="{_go_duration(sleep)}"')
            at += sleep
        held = True
        sync = at + RENEW_EVERY


def _pod_status(lines: _Lines, found: Target, windows: list[tuple[float, float, str]],
                start: float, end: float) -> None:
    """The status manager's GETs for pods whose status changed while the API refused: one
    when the change is seen, then one per 10 s batch sync until the API answers."""
    server, dial = found
    node = lines.node
    changes: dict[str, list[float]] = {}
    names: dict[str, str] = {}
    for c in node.runtime.containers.values():
        for at in (c.started, c.finished):
            if at is not None and at >= start:
                changes.setdefault(c.pod_uid, []).append(at)
                names[c.pod_uid] = f"{c.namespace}/{c.pod_name}"
    for pod in node.kubelet.pods.values():  # a new kubelet has every static pod's status new
        if pod.static and pod.created <= start + STATUS_FIRST:
            changes.setdefault(pod.uid, []).append(start + STATUS_FIRST)
            names[pod.uid] = f"{pod.namespace}/{pod.name}"
    phase = start + STATUS_FIRST + _jitter(node.name, start, "batch") * 10
    for a, b, why in windows:
        hi = min(b, end)
        lo = max(a, start, hi - HISTORY)
        for uid, times in sorted(changes.items()):
            seen = sorted({t for t in times if lo <= t < hi})
            if not seen:
                continue
            namespace, name = names[uid].split("/", 1)
            msg = (f'"Failed to get status for pod" podUID="{uid}" pod="{names[uid]}" err="Get '
                   f'\\"{server}/api/v1/namespaces/{namespace}/pods/{name}\\": {dial[why]}"')
            beat = phase + math.ceil((seen[0] - phase) / STATUS_EVERY) * STATUS_EVERY
            beats = [t + 0.0004 for t in seen]
            while beat < hi:
                beats.append(beat + _jitter(uid, beat) / 100)
                beat += STATUS_EVERY
            for at in sorted(beats):
                lines.add(at, "I", "status_manager.go:890", msg)


def _informers(lines: _Lines, found: Target, window: tuple[float, float, str],
               start: float, end: float) -> None:
    """A kubelet started while the API refuses: its informers' first LISTs fail, retried with
    the reflector's back-off, and the eviction manager finds no node in the empty cache.
    (A kubelet that had listed before retries its watches silently, at V(4).)"""
    server, dial = found
    name = lines.node.name
    _, back, why = window
    cutoff = min(back, end) - HISTORY
    synced = math.inf
    for kind, path in INFORMERS:
        url = server + path.format(node=name)
        at = start + INFORMERS_AT + _jitter(name, start, kind) / 10
        wait = REFLECTOR_FIRST
        while at < back and at <= end:
            if at >= cutoff:
                lines.add(at, "E", "reflector.go:200",
                          f'"Failed to watch" err="failed to list *v1.{kind}: Get \\"{url}\\": '
                          f'{dial[why]}" logger="UnhandledError" '
                          f'reflector="k8s.io/client-go/informers/factory.go:160" '
                          f'type="*v1.{kind}"')
            # Backoff.Step with jitter 1.0: a wait in [d, 2d), d doubling to 30 s
            at += wait * (1 + _jitter(name, start, kind, at) / 0.09)
            wait = min(wait * 2, REFLECTOR_MAX)
        if kind == "Node":
            synced = at
    beat = eviction_phase(name, start)
    beat += max(0, math.ceil((cutoff - beat) / STATUS_EVERY)) * STATUS_EVERY
    while beat < synced and beat <= end:
        lines.add(beat, "E", "eviction_manager.go:292",
                  '"Eviction manager: failed to get summary stats" err="failed to get node '
                  f'info: node \\"{name}\\" not found"')
        beat += STATUS_EVERY


def lease_update_failed(add: Callable[[float, str, str, str], None], sync: float, err: str,
                        gap: float, pause: float) -> float:
    """retryUpdateLease on a held lease failing `maxUpdateRetries` times (`gap` apart), then the
    sync's fallback line; returns when backoffEnsureLease starts (`pause` later)."""
    for i in range(LEASE_RETRIES):
        add(sync + i * gap, "E", "controller.go:195", f'"Failed to update lease" err="{err}"')
    add(sync + LEASE_RETRIES * gap, "I", "controller.go:115",
        '"failed to update lease using latest lease, fallback to ensure lease" '
        f'err="failed {LEASE_RETRIES} attempts to update lease"')
    return sync + LEASE_RETRIES * gap + pause


def status_phase(name: str, start: float) -> float:
    """When a kubelet run's node-status loop first runs (then every 10 s)."""
    return start + 0.9 + _jitter(name, start) * 4


def lease_phase(name: str, start: float) -> float:
    """When a kubelet run's lease controller first syncs: at once (then every 10 s)."""
    return start + 0.4 + _jitter(name, start, "lease")


def eviction_phase(name: str, start: float) -> float:
    """When a kubelet run's eviction manager first synchronizes (then every 10 s)."""
    return start + EVICTION_FIRST + _jitter(name, start, "eviction")


def _go_duration(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms}ms" if ms < 1000 else f"{ms / 1000:g}s"


def _jitter(*key: object) -> float:
    from app.providers.sim.kubelet_journal import _jitter as jitter

    return jitter(*key)

