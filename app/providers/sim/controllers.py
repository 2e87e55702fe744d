"""kube-controller-manager's workload controllers, and the kubelet's view of API pods.

Run from `SimCluster._step` while the API answers:

- `before_status`: Deployment → ReplicaSet (named by pod-template-hash; rolling update with
  maxSurge/maxUnavailable 25 %) → Pods; the scheduler binds pending pods
  (`scheduling.py`); each node's kubelet picks up the pods bound to it and drops the ones
  deleted through the API. The controllers act only while a kube-controller-manager leads
  (holds its Lease), the scheduler only while a kube-scheduler does.
- `after_status` (once kubelets posted pod status): ReplicaSet/Deployment status,
  Endpoints/EndpointSlices (`endpoints.py`), and the kubelet's repeating probe events.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from typing import TYPE_CHECKING, Any

from app.providers.sim import (
    apiserver_identity,
    bootstrap_objects,
    cronjobs,
    endpoints,
    events,
    nodelifecycle,
    nslifecycle,
    scheduling,
    tokencleaner,
)
from app.providers.sim.clock import rfc3339
from app.providers.sim.kubelet import PodState
from app.providers.sim.runtime import make_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

Obj = dict[str, Any]
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"


def _encode(digest: str, n: int) -> str:
    value = int(digest, 16)
    out = []
    for _ in range(n):
        value, r = divmod(value, len(_ALPHANUMS))
        out.append(_ALPHANUMS[r])
    return "".join(out)


def template_hash(template: Obj) -> str:
    raw = json.dumps(template, sort_keys=True)
    return _encode(hashlib.sha256(raw.encode()).hexdigest(), 10)


def controller_manager_running(cluster: SimCluster, t: float) -> bool:
    """Some kube-controller-manager runs and holds its lease (components/controller_manager)."""
    from app.providers.sim.components.controller_manager import leading

    return leading(cluster, t)


def _owner(obj: Obj) -> Obj:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _owned(objs: list[Obj], owner: Obj) -> list[Obj]:
    uid = owner["metadata"]["uid"]
    return [o for o in objs if any(r.get("uid") == uid
                                   for r in o["metadata"].get("ownerReferences") or [])]


def _strip_hash(template: Obj) -> Obj:
    """The template without its pod-template-hash label (a shallow view, for comparing)."""
    meta = template.get("metadata") or {}
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    return {**template, "metadata": {**meta, "labels": labels}}


def _current(owned: list[Obj], template: Obj) -> Obj | None:
    """The ReplicaSet of this template: by its hash label, or (kind's own) by equal template."""
    h = template_hash(template)
    for rs in owned:
        if (rs["metadata"].get("labels") or {}).get(HASH_LABEL) == h:
            return rs
    return next((rs for rs in owned
                 if _strip_hash(rs["spec"]["template"]) == _strip_hash(template)), None)


def _pod_ready(pod: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _pct(value: Any, total: int, up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        x = total * int(value[:-1]) / 100
        return math.ceil(x) if up else math.floor(x)
    return int(value)


# --- defaults the API server fills in --------------------------------------------------------

def _default_probe(p: Obj) -> None:
    for k, v in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                 ("failureThreshold", 3)):
        p.setdefault(k, v)
    if "httpGet" in p:
        p["httpGet"].setdefault("scheme", "HTTP")
        p["httpGet"].setdefault("path", "/")


def default_pod_spec(spec: Obj) -> Obj:
    spec = copy.deepcopy(spec)
    for k, v in (("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30),
                 ("dnsPolicy", "ClusterFirst"), ("schedulerName", "default-scheduler"),
                 ("securityContext", {})):
        spec.setdefault(k, v)
    for c in spec.get("containers") or []:
        c.setdefault("imagePullPolicy", "Always" if str(c.get("image", "")).endswith(":latest")
                     or ":" not in str(c.get("image", "")) else "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})
        for port in c.get("ports") or []:
            port.setdefault("protocol", "TCP")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if c.get(probe):
                _default_probe(c[probe])
    return spec


def admit_pod_spec(spec: Obj, pod_name: str) -> Obj:
    """What admission adds to a new pod: the ServiceAccount token volume (ServiceAccount
    plugin) and the not-ready/unreachable tolerations (DefaultTolerationSeconds)."""
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("priority", 0)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    vol = f"kube-api-access-{_encode(make_id('sa-token', pod_name), 5)}"
    spec.setdefault("volumes", []).append({"name": vol, "projected": {
        "defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
    for c in spec.get("containers") or []:
        c.setdefault("volumeMounts", []).append({
            "name": vol, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "readOnly": True})
    tols = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") == key for t in tols):
            tols.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                         "tolerationSeconds": 300})
    return spec


# --- deployments -------------------------------------------------------------------------------

def _sync_deployment(cluster: SimCluster, dep: Obj, t: float) -> bool:
    store = cluster.store
    meta, spec = dep["metadata"], dep["spec"]
    ns = meta["namespace"]
    owned = _owned(store.list("ReplicaSet", ns), dep)
    template = spec["template"]
    current = _current(owned, template)
    desired = int(spec.get("replicas", 1))
    changed = False
    revisions = [int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)) for rs in owned]
    if current is None:
        h = template_hash(template)
        labels = {**((template.get("metadata") or {}).get("labels") or {}), HASH_LABEL: h}
        tmpl = copy.deepcopy(template)
        tmpl.setdefault("metadata", {})["labels"] = labels
        tmpl["spec"] = default_pod_spec(tmpl.get("spec") or {})
        sel = copy.deepcopy(spec.get("selector") or {"matchLabels": {}})
        sel.setdefault("matchLabels", {})[HASH_LABEL] = h
        revision = str(max(revisions, default=0) + 1)
        current = store.create({
            "kind": "ReplicaSet", "apiVersion": "apps/v1",
            "metadata": {"name": f"{meta['name']}-{h}", "namespace": ns, "labels": labels,
                         "annotations": {REVISION: revision,
                                         "deployment.kubernetes.io/desired-replicas":
                                         str(desired),
                                         "deployment.kubernetes.io/max-replicas":
                                         str(desired + 1)},
                         "ownerReferences": [_owner(dep)]},
            "spec": {"replicas": 0, "selector": sel, "template": tmpl},
            "status": {"replicas": 0}}, t)
        owned.append(current)
        events.record(cluster, t, events.involved(dep), "Normal", "ScalingReplicaSet",
                      f"Scaled up replica set {current['metadata']['name']} from 0 to "
                      f"{min(desired, 1 if owned[:-1] else desired)}", "deployment-controller")
        changed = True
    annotations = meta.setdefault("annotations", {})
    rev = (current["metadata"].get("annotations") or {}).get(REVISION)
    if rev and annotations.get(REVISION) != rev:
        annotations[REVISION] = rev
        store.update(dep)
    old = [rs for rs in owned if rs is not current]
    strategy = (spec.get("strategy") or {})
    if strategy.get("type") == "Recreate":
        for rs in old:
            changed |= _scale(cluster, dep, rs, 0, t)
        if all(not _owned(store.list("Pod", ns), rs) for rs in old):
            changed |= _scale(cluster, dep, current, desired, t)
        return changed
    ru = strategy.get("rollingUpdate") or {}
    surge = _pct(ru.get("maxSurge", "25%"), desired, True)
    unavailable = _pct(ru.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    old_total = sum(int(rs["spec"].get("replicas", 0)) for rs in old)
    cur = int(current["spec"].get("replicas", 0))
    if not old:
        return _scale(cluster, dep, current, desired, t) or changed
    target_new = min(desired, max(cur, desired + surge - old_total))
    if target_new != cur:
        changed |= _scale(cluster, dep, current, target_new, t)
        cur = target_new
    ready_new = _ready_pods(store, current)
    ready_old = sum(_ready_pods(store, rs) for rs in old)
    min_available = desired - unavailable
    all_pods = cur + old_total
    new_unavailable = cur - ready_new
    can_remove = all_pods - min_available - new_unavailable
    can_remove = min(can_remove, max(0, ready_old + ready_new - min_available) + (
        old_total - ready_old))
    for rs in sorted(old, key=lambda r: r["metadata"]["creationTimestamp"]):
        if can_remove <= 0:
            break
        n = int(rs["spec"].get("replicas", 0))
        cut = min(n, can_remove)
        if cut:
            changed |= _scale(cluster, dep, rs, n - cut, t)
            can_remove -= cut
    return changed


def _ready_pods(store: Any, rs: Obj) -> int:
    return sum(1 for p in _owned(store.list("Pod", rs["metadata"]["namespace"]), rs)
               if _pod_ready(p) and not p["metadata"].get("deletionTimestamp"))


def _scale(cluster: SimCluster, dep: Obj, rs: Obj, n: int, t: float) -> bool:
    before = int(rs["spec"].get("replicas", 0))
    if before == n:
        return False
    rs["spec"]["replicas"] = n
    cluster.store.update(rs)
    verb = "up" if n > before else "down"
    if before or verb == "down":
        events.record(cluster, t, events.involved(dep), "Normal", "ScalingReplicaSet",
                      f"Scaled {verb} replica set {rs['metadata']['name']} from {before} to {n}",
                      "deployment-controller")
    return True


def _sync_replicaset(cluster: SimCluster, rs: Obj, t: float) -> bool:
    store = cluster.store
    ns = rs["metadata"]["namespace"]
    pods = [p for p in _owned(store.list("Pod", ns), rs)
            if not p["metadata"].get("deletionTimestamp")]
    want = int(rs["spec"].get("replicas", 1))
    changed = False
    ref = events.involved(rs)
    while len(pods) < want:
        name = f"{rs['metadata']['name']}-" \
               f"{_encode(make_id(rs['metadata']['uid'], store.revision, len(pods)), 5)}"
        tmpl = rs["spec"]["template"]
        tmeta = tmpl.get("metadata") or {}
        meta: Obj = {"name": name, "namespace": ns, "labels": dict(tmeta.get("labels") or {}),
                     "ownerReferences": [_owner(rs)]}
        if tmeta.get("annotations"):
            meta["annotations"] = dict(tmeta["annotations"])
        pod = store.create({"kind": "Pod", "apiVersion": "v1", "metadata": meta,
                            "spec": admit_pod_spec(default_pod_spec(tmpl.get("spec") or {}),
                                                   name),
                            "status": {"phase": "Pending", "qosClass": "BestEffort"}}, t)
        pods.append(pod)
        events.record(cluster, t, ref, "Normal", "SuccessfulCreate",
                      f"Created pod: {name}", "replicaset-controller")
        changed = True
    if len(pods) > want:
        # Controller.go getPodsToDelete: unscheduled, then not ready, then the newest first.
        victims = sorted(pods, key=lambda p: (bool(p["spec"].get("nodeName")), _pod_ready(p),
                                              p["metadata"]["creationTimestamp"]))
        for p in victims[:len(pods) - want]:
            store.delete("Pod", p["metadata"]["name"], ns)
            events.record(cluster, t, ref, "Normal", "SuccessfulDelete",
                          f"Deleted pod: {p['metadata']['name']}", "replicaset-controller")
        changed = True
    return changed


def _rs_status(store: Any, rs: Obj) -> None:
    ns = rs["metadata"]["namespace"]
    pods = [p for p in _owned(store.list("Pod", ns), rs)
            if not p["metadata"].get("deletionTimestamp")]
    ready = sum(1 for p in pods if _pod_ready(p))
    status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods),
              "observedGeneration": 1}
    if ready:
        status.update(readyReplicas=ready, availableReplicas=ready)
    if rs.get("status") != status:
        rs["status"] = status
        store.update(rs)


def _deployment_status(store: Any, dep: Obj, t: float) -> None:
    ns = dep["metadata"]["namespace"]
    owned = _owned(store.list("ReplicaSet", ns), dep)
    template = dep["spec"]["template"]
    current = _current(owned, template)
    replicas = sum(int((rs.get("status") or {}).get("replicas", 0)) for rs in owned)
    ready = sum(int((rs.get("status") or {}).get("readyReplicas", 0)) for rs in owned)
    updated = int((current.get("status") or {}).get("replicas", 0)) if current else 0
    desired = int(dep["spec"].get("replicas", 1))
    old = dep.get("status") or {}
    status: Obj = {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": updated}
    if ready:
        status.update(readyReplicas=ready, availableReplicas=ready)
    if replicas - ready > 0:
        status["unavailableReplicas"] = replicas - ready
    prev = {c["type"]: c for c in old.get("conditions") or []}
    available = ready >= desired - _pct(((dep["spec"].get("strategy") or {}).get(
        "rollingUpdate") or {}).get("maxUnavailable", "25%"), desired, False)
    complete = updated == desired and replicas == desired and ready == desired
    rs_name = current["metadata"]["name"] if current else ""
    conds = [
        ("Available", "True" if available else "False",
         "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
         "Deployment has minimum availability." if available else
         "Deployment does not have minimum availability."),
        ("Progressing", "True",
         "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
         f'ReplicaSet "{rs_name}" has successfully progressed.' if complete else
         f'ReplicaSet "{rs_name}" is progressing.'),
    ]
    status["conditions"] = []
    for type_, st, reason, msg in conds:
        p = prev.get(type_)
        since = p["lastTransitionTime"] if p and p["status"] == st else rfc3339(t)
        upd = p["lastUpdateTime"] if p and p.get("reason") == reason else rfc3339(t)
        status["conditions"].append({"type": type_, "status": st, "reason": reason,
                                     "message": msg, "lastUpdateTime": upd,
                                     "lastTransitionTime": since})
    if old != status:
        dep["status"] = status
        store.update(dep)


# --- kubelet side ------------------------------------------------------------------------------

def _kubelet_pickup(cluster: SimCluster, node: SimNode, t: float) -> None:
    kubelet = node.kubelet
    bound = {p["metadata"]["uid"]: p for p in cluster.store.list("Pod")
             if p["spec"].get("nodeName") == node.name
             and "kubernetes.io/config.mirror" not in (p["metadata"].get("annotations") or {})}
    for uid, pod in list(kubelet.pods.items()):
        if not pod.static and uid not in bound:
            del kubelet.pods[uid]
            kubelet._remove_pod(pod, t)
    added = False
    for uid, obj in bound.items():
        if uid in kubelet.pods:
            continue
        meta = obj["metadata"]
        state = PodState(uid=uid, name=meta["name"], namespace=meta["namespace"],
                         spec=obj["spec"], static=False, sandbox_id=make_id("sandbox", uid),
                         created=t, labels=dict(meta.get("labels") or {}),
                         annotations=dict(meta.get("annotations") or {}))
        kubelet._create_pod(state, t)
        added = True
    if added:
        kubelet.sync(t)


def _workload_pass(cluster: SimCluster, t: float) -> bool:
    store = cluster.store
    any_change = False
    if controller_manager_running(cluster, t):
        for _ in range(3):
            changed = False
            for dep in store.list("Deployment"):
                changed |= _sync_deployment(cluster, dep, t)
            for rs in store.list("ReplicaSet"):
                changed |= _sync_replicaset(cluster, rs, t)
            changed |= cronjobs.sync_all(cluster, t)
            any_change |= changed
            if not changed:
                break
    any_change |= scheduling.schedule(cluster, t)
    for node in cluster.nodes:
        if node.kubelet_running():
            _kubelet_pickup(cluster, node, t)
    return any_change


def before_status(cluster: SimCluster, t: float) -> None:
    _workload_pass(cluster, t)


def _statuses(cluster: SimCluster, t: float) -> None:
    store = cluster.store
    if controller_manager_running(cluster, t):
        for rs in store.list("ReplicaSet"):
            _rs_status(store, rs)
        for dep in store.list("Deployment"):
            _deployment_status(store, dep, t)
        nodelifecycle.sync(cluster, t)
        endpoints.sync(cluster, t)
        nslifecycle.sync(cluster, t)
        tokencleaner.sync(cluster, t)
        bootstrap_objects.sync(cluster, t)


def after_status(cluster: SimCluster, t: float) -> None:
    from app.providers.sim import apistatus

    nodelifecycle.finish_deletions(cluster, t)
    nodelifecycle.renew_node_leases(cluster, t)
    apiserver_identity.renew(cluster, t)
    _statuses(cluster, t)
    # Pods that just became ready let a rollout move on within the same instant.
    if _workload_pass(cluster, t):
        apistatus.publish(cluster, t)
        _statuses(cluster, t)
    cronjobs.wake(cluster, t)
    events.publish_series(cluster, t)
