"""kube-controller-manager's node-lifecycle and taint-eviction controllers, and the kubelet's
side of a pod deleted while its node was away.

A node whose kubelet stops posting status (node powered off, kubelet stopped, its client
certificate rejected) is noticed by the leading controller-manager's node lifecycle
controller (pkg/controller/nodelifecycle):

- at the first monitor tick (every --node-monitor-period, 5 s) after its last heartbeat plus
  --node-monitor-grace-period (50 s since v1.32, kubernetes#126287; 40 s before), every node
  condition becomes `Unknown` with reason `NodeStatusUnknown` and message `Kubelet stopped
  posting node status.` (lastHeartbeatTime unchanged); the node's pods get Ready=False
  (`MarkPodsNotReady`, their container statuses untouched); events `NodeNotReady` for the node
  (`Node <name> status is now: NodeNotReady`) and for each pod (`Node is not ready`);
- at once the taint `node.kubernetes.io/unreachable:NoSchedule`, a few seconds later
  (the rate-limited NoExecute queue) `node.kubernetes.io/unreachable:NoExecute`, both with
  `timeAdded` as real nodes show them;
- the taint-eviction controller deletes each pod without a matching NoExecute toleration at
  once, and a pod tolerating it for `tolerationSeconds` (the DefaultTolerationSeconds
  admission plugin gives every pod 300 s for not-ready and unreachable) when they run out:
  condition `DisruptionTarget` (`DeletionByTaintManager`), event `TaintManagerEviction`
  `Marking for deletion Pod <ns>/<name>`, then a graceful delete: deletionTimestamp set, and
  with no kubelet to confirm it the pod stays `Terminating`. Its ReplicaSet ignores it and
  creates a replacement, which the scheduler puts on a node without the taint.
  DaemonSet pods tolerate the taint for ever; static (mirror) pods carry the kubelet's
  `NoExecute` toleration, so neither is evicted.

When the kubelet posts again the controller removes the unreachable taints (event
`NodeReady`) and the kubelet finishes the deletion of its pods marked for deletion.

The controller starts counting only when it starts (a new leader: `Missing timestamp for Node
... Assuming now as a timestamp.`), so the grace period never runs from before it led.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from app.providers.sim import events, kubelet_tls
from app.providers.sim.clock import parse_rfc3339, rfc3339
from app.providers.sim.components.base import flag_values, klog

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode
    from app.providers.sim.runtime import Container

Obj = dict[str, Any]
UNREACHABLE = "node.kubernetes.io/unreachable"
GRACE = 50.0  # --node-monitor-grace-period default, Kubernetes >= 1.32
MONITOR_PERIOD = 5.0  # --node-monitor-period default
NOEXECUTE_DELAY = 5.0  # NoExecute taint after NoSchedule, as seen on real nodes (5-6 s)
POD_GRACE = 30  # terminationGracePeriodSeconds default
CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
SOURCE = "node-controller"
EVICTION_SOURCE = "taint-eviction-controller"


def go_duration_seconds(text: str, default: float) -> float:
    """`50s`, `1m0s`, `2m30s`, `500ms` -> seconds (Go's time.ParseDuration forms kubeadm uses)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text or "")
    if not parts or "".join(a + b for a, b in parts) != text:
        return default
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def posting(node: SimNode | None, t: float) -> bool:
    """Whether this node's kubelet is getting its status through to the apiserver now."""
    return node is not None and node.kubelet_running() and \
        kubelet_tls.expired(node, t) is None


def _cond(obj: Obj, type_: str) -> Obj | None:
    return next((c for c in obj["status"].get("conditions") or [] if c["type"] == type_), None)


def _taint(obj: Obj, effect: str) -> Obj | None:
    return next((x for x in obj["spec"].get("taints") or []
                 if x.get("key") == UNREACHABLE and x.get("effect") == effect), None)


def _leader(cluster: SimCluster, t: float) -> Container | None:
    from app.providers.sim.components.leader import leader_node

    node = leader_node(cluster, "kube-controller-manager", t)
    return node.running_container("kube-controller-manager") if node is not None else None


# --- the controller ----------------------------------------------------------------------------

def sync(cluster: SimCluster, t: float) -> None:
    """One pass of the node lifecycle and taint eviction controllers (the leader runs this)."""
    leader = _leader(cluster, t)
    if leader is None:
        return
    flags = flag_values(leader.command)
    grace = go_duration_seconds(flags.get("node-monitor-grace-period", ""), GRACE)
    period = go_duration_seconds(flags.get("node-monitor-period", ""), MONITOR_PERIOD)
    since = float(leader.notes["le"].get("since", t))
    wake: list[float] = []
    for obj in cluster.store.list("Node"):
        name = obj["metadata"]["name"]
        sim = next((n for n in cluster.nodes if n.name == name), None)
        ready = _cond(obj, "Ready")
        if ready is None:
            continue
        if posting(sim, t) and ready["status"] != "Unknown":
            _node_back(cluster, obj, leader, t)
            continue
        if ready["status"] != "Unknown":
            beat = max(parse_rfc3339(ready.get("lastHeartbeatTime")), since)
            ticks = math.ceil((beat + grace - since) / period + 1e-9)
            unknown_at = since + ticks * period
            if t < unknown_at:
                wake.append(unknown_at)
                continue
            _mark_unknown(cluster, obj, leader, unknown_at)
        wake.extend(_taint_and_evict(cluster, obj, leader, t))
    future = [w for w in wake if w > t]
    if future:
        leader.notes["wake_at"] = min(future)
    else:
        leader.notes.pop("wake_at", None)


def _mark_unknown(cluster: SimCluster, obj: Obj, leader: Container, at: float) -> None:
    name = obj["metadata"]["name"]
    for type_ in CONDITIONS:
        cond = _cond(obj, type_)
        if cond is None or cond["status"] == "Unknown":
            continue
        cond.update(status="Unknown", reason="NodeStatusUnknown",
                    message="Kubelet stopped posting node status.",
                    lastTransitionTime=rfc3339(at))
    taints = obj["spec"].setdefault("taints", [])
    if _taint(obj, "NoSchedule") is None:
        taints.append({"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": rfc3339(at)})
    cluster.store.update(obj)
    _event(cluster, leader, at, _node_ref(obj), "Normal", "NodeNotReady",
           f"Node {name} status is now: NodeNotReady", SOURCE, "node-lifecycle-controller")
    for pod in _pods_on(cluster, name):
        changed = False
        for cond in (pod.get("status") or {}).get("conditions") or []:
            if cond["type"] == "Ready" and cond["status"] != "False":
                cond["status"], cond["lastTransitionTime"] = "False", rfc3339(at)
                changed = True
        if changed:
            cluster.store.update(pod)
            _event(cluster, leader, at, events.involved(pod), "Warning", "NodeNotReady",
                   "Node is not ready", SOURCE, "node-lifecycle-controller")


def _taint_and_evict(cluster: SimCluster, obj: Obj, leader: Container, t: float
                     ) -> list[float]:
    """Add the NoExecute taint when due and evict what does not tolerate it; returns the
    future times at which something is due."""
    ready = _cond(obj, "Ready") or {}
    unknown_at = parse_rfc3339(ready.get("lastTransitionTime"))
    noexec = _taint(obj, "NoExecute")
    if noexec is None:
        at = unknown_at + NOEXECUTE_DELAY
        if t < at:
            return [at]
        noexec = {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": rfc3339(at)}
        obj["spec"].setdefault("taints", []).append(noexec)
        cluster.store.update(obj)
    added = parse_rfc3339(noexec["timeAdded"])
    due: list[float] = []
    for pod in _pods_on(cluster, obj["metadata"]["name"]):
        if pod["metadata"].get("deletionTimestamp"):
            continue
        seconds = tolerated_for(pod, noexec)
        if seconds == math.inf:
            continue
        at = added + max(seconds, 0.0)
        if t < at:
            due.append(at)
            continue
        _evict(cluster, pod, at, leader)
    return due


def tolerated_for(pod: Obj, taint: Obj) -> float:
    """How long `pod` tolerates `taint` (NoExecute): 0 without a matching toleration, inf when
    one matches without tolerationSeconds, else the smallest tolerationSeconds that matches."""
    found: list[float] = []
    for tol in pod["spec"].get("tolerations") or []:
        if tol.get("effect") and tol["effect"] != taint["effect"]:
            continue
        if tol.get("key") and tol["key"] != taint["key"]:
            continue
        if not tol.get("key") and tol.get("operator") != "Exists":
            continue
        if tol.get("operator", "Equal") == "Equal" and tol.get("value", "") != \
                taint.get("value", ""):
            continue
        secs = tol.get("tolerationSeconds")
        found.append(math.inf if secs is None else float(secs))
    return min(found) if found else 0.0


def _evict(cluster: SimCluster, pod: Obj, at: float, leader: Container) -> None:
    meta = pod["metadata"]
    grace = int(pod["spec"].get("terminationGracePeriodSeconds", POD_GRACE))
    conds = pod.setdefault("status", {}).setdefault("conditions", [])
    conds.append({"type": "DisruptionTarget", "status": "True",
                  "reason": "DeletionByTaintManager",
                  "message": "Taint manager: deleting due to NoExecute taint",
                  "lastTransitionTime": rfc3339(at)})
    meta["deletionTimestamp"] = rfc3339(at + grace)
    meta["deletionGracePeriodSeconds"] = grace
    cluster.store.update(pod)
    ref = {"apiVersion": "v1", "kind": "Pod", "name": meta["name"],
           "namespace": meta["namespace"], "uid": meta.get("uid", "")}
    _log(leader, at, "I", "taint_eviction.go:111", f'"Deleting pod" controller='
         f'"{EVICTION_SOURCE}" pod="{meta["namespace"]}/{meta["name"]}"')
    _event(cluster, leader, at + 0.0002, ref, "Normal", "TaintManagerEviction",
           f"Marking for deletion Pod {meta['namespace']}/{meta['name']}", EVICTION_SOURCE,
           EVICTION_SOURCE)


def _node_back(cluster: SimCluster, obj: Obj, leader: Container, t: float) -> None:
    """Ready again: the unreachable taints go (the kubelet's own heartbeat set Ready=True)."""
    taints = obj["spec"].get("taints") or []
    kept = [x for x in taints if x.get("key") != UNREACHABLE]
    if len(kept) == len(taints):
        return
    if kept:
        obj["spec"]["taints"] = kept
    else:
        obj["spec"].pop("taints", None)
    cluster.store.update(obj)
    name = obj["metadata"]["name"]
    _event(cluster, leader, t, _node_ref(obj), "Normal", "NodeReady",
           f"Node {name} status is now: NodeReady", SOURCE, "node-lifecycle-controller")


def _pods_on(cluster: SimCluster, node: str) -> list[Obj]:
    return [p for p in cluster.store.list("Pod") if (p.get("spec") or {}).get("nodeName") == node
            and "kubernetes.io/config.mirror" not in (p["metadata"].get("annotations") or {})]


def _node_ref(obj: Obj) -> Obj:
    # Node events are recorded in the default namespace, with the node's name as UID.
    name = obj["metadata"]["name"]
    return {"kind": "Node", "name": name, "uid": name, "namespace": "default",
            "apiVersion": "v1", "resourceVersion": ""}


def _event(cluster: SimCluster, leader: Container, at: float, ref: Obj, type_: str,
           reason: str, message: str, source: str, logger: str) -> None:
    """Record the event, and log it as the controller-manager's structured event sink does."""
    events.record(cluster, at, ref, type_, reason, message, source)
    ns = ref.get("namespace") if ref["kind"] != "Node" else None
    obj = f"{ns}/{ref['name']}" if ns else ref["name"]
    _log(leader, at, "I", "event.go:389", f'"Event occurred" logger="{logger}" object="{obj}" '
         f'fieldPath="" kind="{ref["kind"]}" apiVersion="{ref.get("apiVersion", "v1")}" '
         f'type="{type_}" reason="{reason}" message="{message}"')


def _log(c: Container, t: float, level: str, source: str, msg: str) -> None:
    c.logs.append((t, "stderr", klog(t, level, source, msg)))
    c.logs.sort(key=lambda x: x[0])


# --- the kubelet's side --------------------------------------------------------------------------

NODE_LEASE_NAMESPACE = "kube-node-lease"
NODE_LEASE_SECONDS = 40  # the kubelet's nodeLeaseDurationSeconds default


def renew_node_leases(cluster: SimCluster, t: float) -> None:
    """Each kubelet that reaches the apiserver renews its Lease in kube-node-lease (every
    10 s on a real node; here at each step it posts), the heartbeat the node lifecycle
    controller reads besides the status."""
    from app.providers.sim.components.leader import micro_time, write_refused

    if write_refused(cluster) is not None:
        return  # etcd's NOSPACE alarm: the Update fails, renewTime stays where it was
    store = cluster.store
    for node in cluster.nodes:
        if not posting(node, t):
            continue
        node_obj = store.find("Node", node.name)
        if node_obj is None:
            continue
        lease = store.find("Lease", node.name, NODE_LEASE_NAMESPACE)
        if lease is None:
            store.create({
                "kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
                "metadata": {"name": node.name, "namespace": NODE_LEASE_NAMESPACE,
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Node",
                                                  "name": node.name,
                                                  "uid": node_obj["metadata"]["uid"]}]},
                "spec": {"holderIdentity": node.name,
                         "leaseDurationSeconds": NODE_LEASE_SECONDS,
                         "renewTime": micro_time(t)}}, t)
        elif lease["spec"].get("renewTime") != micro_time(t):
            lease["spec"]["renewTime"] = micro_time(t)
            store.update(lease)


def finish_deletions(cluster: SimCluster, t: float) -> None:
    """A kubelet that posts again kills the pods deleted while it was away and lets the
    apiserver remove them (the graceful delete completes)."""
    for pod in cluster.store.list("Pod"):
        meta = pod["metadata"]
        if not meta.get("deletionTimestamp"):
            continue
        node = next((n for n in cluster.nodes if n.name == pod["spec"].get("nodeName")), None)
        if posting(node, t):
            cluster.store.delete("Pod", meta["name"], meta["namespace"])
