"""What a running kubelet logs after its start-up, derived when the journal is read.

A kind node runs the kubelet at the default verbosity (kind's kubeadm config passes only
`node-ip`, `node-labels` and `provider-id` as kubelet flags; `/var/lib/kubelet/config.yaml`
says `logging.verbosity: 0`: shared/reference/kind-node-files.md §2.4–2.6), so once healthy it
logs little: the node's registration, one `VerifyControllerAttachedVolume started` line per
volume of every pod it admits, one `Observed pod startup duration` per pod it starts, the
pod CIDR when the node gets one, and the first "Fast updating node status" once the node is
ready. `Caches populated` (client-go reflector) and `SyncLoop ADD/UPDATE` are V(2) and do not
appear; nor does containerd's `RunPodSandbox` (containerd's journal, not the kubelet's).

Nothing here is stored: every kubelet run is found from the journal's systemd `Started
kubelet.service` lines (its PID from the kubelet's own lines after it), and the lines are
computed from the node's pods and containers at the time asked, so the snapshot does not
grow and twin creation does not get slower. A run's lines stop where it stopped.

Sources (tests/fidelity/samples/SOURCES.md has the rows):
- `kubelet_node_status.go:75] "Attempting to register node"` and `:78] "Successfully
  registered node"`: a v1.33.1 kubelet's journal (Kubernetes the Hard Way notes, 2025).
- `kubelet_node_status.go:124] "Node was previously registered"` (a restart): v1.34's
  line number; the v1.33 one is not confirmed.
- `reconciler_common.go:258] "operationExecutor.VerifyControllerAttachedVolume started for
  volume ..."` and `pod_startup_latency_tracker.go:102] "Observed pod startup duration"`,
  `kubelet_node_status.go:497] "Fast updating node status as it just became ready"`: a kind
  worker's journal (kubelet v1.29.0, default verbosity); the fields of the startup-duration
  line are those of v1.32 (`pod_startup_latency_tracker.go:104`, podStartE2EDuration,
  podCreationTimestamp), which is the line used here. Line numbers for v1.33 are
  reconstructed from these.
- `"Updating runtime config through cri with podcidr"` / `"Updating Pod CIDR"`: v1.34's
  wording and `kubelet_network.go:47`; the kuberuntime_manager.go line is v1.34's.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from app.providers.sim.clock import utc
from app.providers.sim.components.base import klog

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.kubelet import PodState

Entry = tuple[float, str, int, str]

# volume plugin of each pod volume source, as the UniqueName shows it
PLUGINS = {"hostPath": "host-path", "configMap": "configmap", "secret": "secret",
           "projected": "projected", "emptyDir": "empty-dir",
           "persistentVolumeClaim": "host-path", "downwardAPI": "downward-api"}


def runs(node: SimNode, unit: str = "kubelet") -> list[tuple[float, float, int]]:
    """(start, end, pid) of every run of `unit` the journal shows; the last one open-ended."""
    starts: list[float] = []
    stops: list[float] = []
    started, stopping = f"Started {unit}.service", f"Stopping {unit}.service"
    for t, u, pid, msg in node.journal:
        if u != unit or pid != 1:
            continue
        if msg.startswith(started):
            starts.append(t)
        elif msg.startswith(stopping):
            stops.append(t)
    starts.sort()
    out = []
    for i, start in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else float("inf")
        end = min([s for s in stops if start < s < nxt], default=nxt)
        pid = next((p for t, u, p, _ in node.journal
                    if u == unit and p != 1 and start <= t < end), node.kubelet_pid)
        out.append((start, end, pid))
    return out


def entries(node: SimNode) -> list[Entry]:
    """The derived journal entries of every kubelet run, up to the twin's now."""
    now = node.cluster.t
    out: list[Entry] = []
    for start, end, pid in runs(node):
        out.extend(e for e in _run(node, start, min(end, now), pid) if e[0] <= min(end, now))
    return out


def _jitter(*key: object) -> float:
    return int(hashlib.sha1("/".join(map(str, key)).encode()).hexdigest()[:5], 16) % 90000 / 1e6


def _run(node: SimNode, start: float, end: float, pid: int) -> list[Entry]:
    from app.providers.sim import kubelet_api_down, kubelet_lb_down, kubelet_node_gone

    out, registered = _run_start(node, start, end, pid)
    return out + kubelet_api_down.run_entries(node, start, end, pid, registered) + \
        kubelet_lb_down.run_entries(node, start, end, pid, registered) + \
        kubelet_node_gone.run_entries(node, start, end, pid, registered)


def _run_start(node: SimNode, start: float, end: float, pid: int
               ) -> tuple[list[Entry], float | None]:
    """A run's start-up lines, and when it registered its node (None: not in this run)."""
    from app.providers.sim import kubelet_api_down, kubelet_node_gone, kubelet_tls

    if kubelet_tls.blocks_start(node, start):
        return [], None  # it exited at start (kubelet_tls writes those lines)
    out: list[Entry] = []

    def log(t: float, source: str, msg: str) -> None:
        out.append((t, "kubelet", pid, klog(t, "I", source, msg, pid=pid)))

    obj = node.cluster.store.find("Node", node.name)
    created = _created(obj)
    if obj is None:  # a Node gone since: its registration as kubelet_node_gone.py noted it
        created = kubelet_node_gone.registered_before(node, start)
    first = created is None or created >= start - 1
    attempt = start + 0.35 + _jitter(node.name, start, "attempt")
    log(attempt, "kubelet_node_status.go:75", f'"Attempting to register node" node="{node.name}"')
    registered = max(attempt + 0.008, (created or attempt) + _jitter(node.name, "registered"))
    if not first:
        # Refused tries first, while the API was down (kubelet_api_down.py), then the first
        # one that reached it; any other failure (TLS, 401) is told by kubelet_tls.py.
        failed, answered = kubelet_api_down.registration(node, attempt, end, pid)
        out += failed
        if answered is None:
            return out, None
        since = _api_since(node)
        if since is None and kubelet_api_down.down_at(node.cluster, node.cluster.t) is None:
            return out, None  # it fails another way now (TLS, 401): kubelet_tls.py
        if answered > attempt:
            log(answered, "kubelet_node_status.go:75",
                f'"Attempting to register node" node="{node.name}"')
            registered = max(registered, answered + 0.008)
        elif since is not None:
            registered = max(registered, since + _jitter(node.name, start, "api"))
    if created is None or registered > end:
        return out, None  # never registered in this run (no API): no more start-up lines
    if not first:
        log(registered - 0.0001, "kubelet_node_status.go:124",
            f'"Node was previously registered" node="{node.name}"')
    log(registered, "kubelet_node_status.go:78",
        f'"Successfully registered node" node="{node.name}"')
    cidr = (obj or {}).get("spec", {}).get("podCIDR")
    if cidr:  # a new process starts from an empty pod CIDR, so every run logs it
        at = registered + 0.00002
        log(at, "kuberuntime_manager.go:1828",
            f'"Updating runtime config through cri with podcidr" CIDR="{cidr}"')
        log(at + 0.0006, "kubelet_network.go:47",
            f'"Updating Pod CIDR" originalPodCIDR="" newPodCIDR="{cidr}"')
    for pod in sorted(node.kubelet.pods.values(), key=lambda p: (p.created, p.name)):
        admitted = max(pod.created, start + 0.5) if pod.static else \
            max(pod.created, registered + 0.4, _created(_api_pod(node, pod)) or 0.0)
        if admitted > end:
            continue
        for i, (name, plugin) in enumerate(volumes(pod)):
            at = admitted + 0.0002 * i + _jitter(pod.uid, start)
            unique = f"kubernetes.io/{plugin}/{pod.uid}-{name}"
            log(at, "reconciler_common.go:258",
                f'"operationExecutor.VerifyControllerAttachedVolume started for volume '
                f'\\"{name}\\" (UniqueName: \\"{unique}\\") pod \\"{pod.name}\\" '
                f'(UID: \\"{pod.uid}\\") " pod="{pod.namespace}/{pod.name}"')
        if start <= pod.created:
            line = _startup(node, pod, admitted, start, end)
            if line is not None:
                log(*line)
    ready = _network_ready(node, start, end)
    if ready is not None:
        log(max(ready, registered) + 0.85 + _jitter(node.name, start, "ready"),
            "kubelet_node_status.go:497", '"Fast updating node status as it just became ready"')
    return out, registered


def _api_since(node: SimNode) -> float | None:
    """Since when the API has answered this node's kubelet, or None if it does not now."""
    from app.providers.sim import kubelet_tls

    cluster = node.cluster
    if cluster.api_error(node) is not None or kubelet_tls.post_error(node, cluster.t):
        return None
    api = cluster.apiserver_node()
    c = api.running_container("kube-apiserver") if api is not None else None
    if c is None:
        return None
    return c.ready_at if c.ready_at is not None else (c.started or c.created)


def _created(obj: dict[str, Any] | None) -> float | None:
    if obj is None:
        return None
    stamp = obj.get("metadata", {}).get("creationTimestamp")
    if not stamp:
        return None
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def volumes(pod: PodState) -> list[tuple[str, str]]:
    """(name, plugin) of the pod's volumes, as the kubelet's volume manager verifies them:
    the service-account token volume the API adds to every API pod comes last."""
    out = []
    for v in pod.spec.get("volumes") or []:
        plugin = next((PLUGINS[k] for k in v if k in PLUGINS), None)
        if plugin and v.get("name"):
            out.append((str(v["name"]), plugin))
    if not pod.static and pod.spec.get("automountServiceAccountToken", True) is not False \
            and not any(n.startswith("kube-api-access-") for n, _ in out):
        out.append((f"kube-api-access-{_suffix(pod.uid)}", "projected"))
    return out


def _suffix(uid: str) -> str:
    """The 5 characters the API's random suffix has (`kube-api-access-fj58d`)."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    h = int(hashlib.sha1(uid.encode()).hexdigest(), 16)
    return "".join(alphabet[(h >> (5 * i)) % len(alphabet)] for i in range(5))


def _go_time(t: float, nanos: bool = True) -> str:
    """Go's time.Time.String() in UTC: fraction with trailing zeros trimmed."""
    d = utc(t)
    text = f"{d:%Y-%m-%d %H:%M:%S}"
    if nanos:
        frac = f"{d.microsecond:06d}{int(_jitter(t) * 1e6) % 1000:03d}".rstrip("0")
        text += f".{frac}" if frac else ""
    return text + " +0000 UTC"


def _monotonic(t: float, start: float) -> str:
    return f"m=+{max(0.0, t - start):.9f}"


def _api_pod(node: SimNode, pod: PodState) -> dict[str, Any] | None:
    return node.cluster.store.find("Pod", pod.name, pod.namespace)


def _startup(node: SimNode, pod: PodState, admitted: float, start: float, end: float
             ) -> tuple[float, str, str] | None:
    """`Observed pod startup duration` once all the pod's containers first ran."""
    rt = node.runtime
    firsts = []
    for spec in pod.containers():
        runs_ = [c for c in rt.containers.values()
                 if c.pod_uid == pod.uid and c.name == spec.get("name") and c.started]
        if not runs_:
            return None
        firsts.append(min(c.started for c in runs_ if c.started is not None))
    if not firsts:
        return None
    running = max(max(firsts), admitted) + 0.4 + _jitter(pod.uid, "running")
    watched = running + (0.0 if pod.static else 0.0004)
    if watched > end:
        return None
    created = float(int(pod.created if pod.static else
                        (_created(_api_pod(node, pod)) or pod.created)))
    e2e = round(watched - created, 9)
    msg = (f'"Observed pod startup duration" pod="{pod.namespace}/{pod.name}" '
           f'podStartSLOduration={e2e!r} podStartE2EDuration="{_go_duration(e2e)}" '
           f'podCreationTimestamp="{_go_time(created, nanos=False)}" '
           'firstStartedPulling="0001-01-01 00:00:00 +0000 UTC" '
           'lastFinishedPulling="0001-01-01 00:00:00 +0000 UTC" '
           f'observedRunningTime="{_go_time(running)} {_monotonic(running, start)}" '
           f'watchObservedRunningTime="{_go_time(watched)} {_monotonic(watched, start)}"')
    return watched, "pod_startup_latency_tracker.go:104", msg


def _go_duration(seconds: float) -> str:
    """Go's time.Duration String(): `1.449228049s`, `1m2.5s`."""
    ns = round(seconds * 1e9)
    if ns < 60_000_000_000:
        text = f"{ns / 1e9:.9f}".rstrip("0").rstrip(".")
        return f"{text}s"
    minutes, rest = divmod(ns, 60_000_000_000)
    hours, minutes = divmod(minutes, 60)
    sec = f"{rest / 1e9:.9f}".rstrip("0").rstrip(".")
    return (f"{hours}h" if hours else "") + f"{minutes}m{sec}s"


def _network_ready(node: SimNode, start: float, end: float) -> float | None:
    """When the CNI (kindnet) first ran on this node during the run: the node turns Ready."""
    times = [c.started for c in node.runtime.containers.values()
             if c.name == "kindnet-cni" and c.started is not None]
    if not times:
        return None
    at = max(min(times), start)
    return at if at <= end else None
