"""The default scheduler's decisions: which schedulable node a pending pod goes to.

It runs only while a kube-scheduler container is running and ready on a control-plane node
(`components/scheduler.py` decides that from its flags and kubeconfigs). Without it pods stay
Pending and nobody records a scheduling event. Filters modelled: node Ready, cordon
(`spec.unschedulable`), NoSchedule/NoExecute taints and the pod's tolerations, nodeSelector.
Scoring: the node with the fewest pods (LeastAllocated-like), ties by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim import events
from app.providers.sim.clock import rfc3339
from app.providers.sim.components.scheduler import scheduler_healthy

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

Obj = dict[str, Any]


def scheduler_running(cluster: SimCluster, t: float) -> bool:
    return any(n.role == "control-plane" and n.powered and scheduler_healthy(n, t)
               for n in cluster.nodes)


def _tolerates(pod: Obj, taint: Obj) -> bool:
    for tol in pod["spec"].get("tolerations") or []:
        if tol.get("operator") == "Exists" and not tol.get("key"):
            return True
        if tol.get("key") != taint.get("key"):
            continue
        if tol.get("effect") and tol["effect"] != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists" or tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def _ready(node: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in node["status"].get("conditions") or [])


def _why_not(pod: Obj, node: Obj) -> str | None:
    if not _ready(node):
        return "node(s) were not ready"  # the not-ready taint, as the scheduler words it
    if node["spec"].get("unschedulable"):
        return "node(s) were unschedulable"
    for taint in node["spec"].get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(pod, taint):
            value = taint.get("value", "")
            return f"node(s) had untolerated taint {{{taint['key']}: {value}}}"
    labels = node["metadata"].get("labels") or {}
    for k, v in (pod["spec"].get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return "node(s) didn't match Pod's node affinity/selector"
    return None


def schedule(cluster: SimCluster, t: float) -> bool:
    """Bind every pending pod it can; True when something changed."""
    if not scheduler_running(cluster, t):
        return False
    store = cluster.store
    nodes = store.list("Node")
    changed = False
    load = {n["metadata"]["name"]: 0 for n in nodes}
    for p in store.list("Pod"):
        if p["spec"].get("nodeName") in load:
            load[p["spec"]["nodeName"]] += 1
    for pod in store.list("Pod"):
        spec = pod["spec"]
        if spec.get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            continue
        if spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            continue
        reasons: dict[str, int] = {}
        fits = []
        for n in nodes:
            why = _why_not(pod, n)
            if why is None:
                fits.append(n["metadata"]["name"])
            else:
                reasons[why] = reasons.get(why, 0) + 1
        ref = events.involved(pod)
        if not fits:
            detail = ", ".join(f"{c} {r}" for r, c in sorted(reasons.items()))
            msg = (f"0/{len(nodes)} nodes are available: {detail}. preemption: 0/{len(nodes)} "
                   f"nodes are available: {len(nodes)} Preemption is not helpful for "
                   "scheduling.")
            status = pod.setdefault("status", {})
            if not status.get("conditions"):
                status["conditions"] = [{"type": "PodScheduled", "status": "False",
                                         "reason": "Unschedulable", "message": msg,
                                         "lastTransitionTime": rfc3339(t),
                                         "lastProbeTime": None}]
                store.update(pod)
                events.record(cluster, t, ref, "Warning", "FailedScheduling", msg,
                              "default-scheduler")
            continue
        target = min(fits, key=lambda name: (load[name], name))
        load[target] += 1
        spec["nodeName"] = target
        pod.setdefault("status", {})["conditions"] = [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": rfc3339(t),
             "lastProbeTime": None}]
        store.update(pod)
        events.record(cluster, t, ref, "Normal", "Scheduled",
                      f"Successfully assigned {pod['metadata']['namespace']}/"
                      f"{pod['metadata']['name']} to {target}", "default-scheduler")
        changed = True
    return changed
