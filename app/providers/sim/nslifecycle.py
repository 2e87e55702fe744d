"""Namespace deletion: the apiserver's NamespaceLifecycle admission and the namespace
controller of kube-controller-manager.

- Admission (k8s.io/apiserver `pkg/admission/plugin/namespace/lifecycle/admission.go`):
  `default`, `kube-system` and `kube-public` are immortal (`namespaces "default" is forbidden:
  this namespace may not be deleted`); nothing new may be created in a namespace that is being
  terminated (`<resource> "<name>" is forbidden: unable to create new content in namespace <ns>
  because it is being terminated`).
- DELETE of a namespace (pkg/registry/core/namespace/storage): the object stays, with
  `deletionTimestamp`, `spec.finalizers: [kubernetes]` and `status.phase: Terminating`; a
  second DELETE while the finalizer is there is a Conflict (`The system is ensuring all
  content is removed from this namespace...`).
- The namespace controller (pkg/controller/namespace): it handles a deleted namespace
  `namespaceDeletionGracePeriod` (5 s) after the event, deletes every namespaced object in it
  (pods gracefully: they get a deletionTimestamp and the kubelet's usual path removes them;
  unscheduled or finished pods at once), writes the five conditions of
  deletion/status_condition_utils.go, and while content remains requeues itself after
  `estimate/2 + 1` seconds, the estimate being the pods' termination grace period. Once nothing
  is left it removes the `kubernetes` finalizer and the apiserver deletes the namespace.
- kube-node-lease is not immortal: the apiserver's system-namespaces controller creates it
  again once it is gone.

The twin keeps no queue: the first pass is due `GRACE_DELAY` after the deletionTimestamp, the
next `estimate/2 + 1` after the NamespaceContentRemaining condition turned True (its
lastTransitionTime), with the estimate of a default pod (terminationGracePeriodSeconds 30);
a pass runs as of its due time even when the twin steps later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim.clock import parse_rfc3339 as ts
from app.providers.sim.clock import rfc3339
from app.providers.sim.store import KINDS

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

Obj = dict[str, Any]
IMMORTAL = ("default", "kube-system", "kube-public")
SYSTEM_NAMESPACES = ("kube-node-lease",)
GRACE_DELAY = 5.0
POD_GRACE = 30
CONDITIONS = (  # type, ok reason, ok message (okReasons / okMessages)
    ("NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered",
     "All resources successfully discovered"),
    ("NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions",
     "All legacy kube types successfully parsed"),
    ("NamespaceDeletionContentFailure", "ContentDeleted",
     "All content successfully deleted, may be waiting on finalization"),
    ("NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"),
    ("NamespaceFinalizersRemaining", "ContentRemoved", "All content successfully removed"),
)


class Forbidden(Exception):
    """An admission refusal; the message is the apiserver's Status message, `reason` its
    StatusReason (kubectl prints `Error from server (<reason>): <message>`)."""

    reason = "Forbidden"


class Conflict(Forbidden):
    reason = "Conflict"


def _plural(kind: str) -> str:
    api = KINDS[kind][0]
    return KINDS[kind][1] + (f".{api.split('/')[0]}" if "/" in api else "")


def terminating(store: Any, ns: str) -> bool:
    obj = store.find("Namespace", ns, "")
    return obj is not None and (obj.get("status") or {}).get("phase") == "Terminating"


def admit_create(store: Any, kind: str, name: str, ns: str) -> None:
    """Raise Forbidden when `kind/name` may not be created in `ns` now."""
    if kind in KINDS and KINDS[kind][2] and terminating(store, ns):
        raise Forbidden(f'{_plural(kind)} "{name}" is forbidden: unable to create new content '
                        f"in namespace {ns} because it is being terminated")


def prepare_create(obj: Obj) -> None:
    """The namespace strategy's PrepareForCreate: every Namespace carries the immutable label
    `kubernetes.io/metadata.name: <name>` (NamespaceDefaultLabelName, GA in 1.22), and the
    `kubernetes` finalizer and phase Active."""
    if obj.get("kind") != "Namespace":
        return
    name = obj["metadata"]["name"]
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {})["phase"] = "Active"


def request_delete(cluster: SimCluster, name: str, t: float) -> None:
    """DELETE /api/v1/namespaces/<name>: admission, then graceful deletion of the object."""
    if name in IMMORTAL:
        raise Forbidden(f'namespaces "{name}" is forbidden: this namespace may not be deleted')
    store = cluster.store
    ns = store.get("Namespace", name, "")
    meta = ns["metadata"]
    if meta.get("deletionTimestamp"):
        if (ns.get("spec") or {}).get("finalizers"):
            raise Conflict(f'Operation cannot be fulfilled on namespaces "{name}": The system is '
                           "ensuring all content is removed from this namespace.  Upon "
                           "completion, this namespace will automatically be purged by the "
                           "system.")
        return
    meta["deletionTimestamp"] = rfc3339(t)
    ns.setdefault("spec", {})["finalizers"] = ["kubernetes"]
    ns.setdefault("status", {})["phase"] = "Terminating"
    store.update(ns)


def _condition(ns: Obj, ctype: str) -> Obj | None:
    return next((c for c in (ns.get("status") or {}).get("conditions") or []
                 if c.get("type") == ctype), None)


def _due(ns: Obj) -> float:
    """When the controller's next pass over this namespace is due."""
    remaining = _condition(ns, "NamespaceContentRemaining")
    if remaining is not None and remaining.get("status") == "True":
        return ts(remaining["lastTransitionTime"]) + POD_GRACE // 2 + 1
    return ts(ns["metadata"]["deletionTimestamp"]) + GRACE_DELAY


def _set_conditions(ns: Obj, remaining: dict[str, int], t: float) -> None:
    """updateConditions: every type present, its lastTransitionTime moved only when its status
    changes."""
    conds = ns.setdefault("status", {}).setdefault("conditions", [])
    for ctype, reason, message in CONDITIONS:
        status = "False"
        if ctype == "NamespaceContentRemaining" and remaining:
            status, reason = "True", "SomeResourcesRemain"
            message = "Some resources are remaining: " + ", ".join(sorted(
                f"{res} has {n} resource instances" for res, n in remaining.items()))
        old = _condition(ns, ctype)
        if old is None:
            conds.append({"lastTransitionTime": rfc3339(t), "message": message,
                          "reason": reason, "status": status, "type": ctype})
            continue
        if old["status"] != status:
            old["lastTransitionTime"] = rfc3339(t)
        old.update(status=status, reason=reason, message=message)


def _delete_content(cluster: SimCluster, name: str, at: float, t: float) -> dict[str, int]:
    """deleteAllContent at `at`: every namespaced object goes; pods bound to a node that still
    run are deleted gracefully, and are gone by the next pass when their kubelet posts (it kills
    them at once and confirms, as nodelifecycle.finish_deletions has it). Returns
    `<resource>.<group>` -> objects remaining."""
    from app.providers.sim.nodelifecycle import posting

    store = cluster.store
    nodes = {n.name: n for n in cluster.nodes}
    for (kind, ns, obj_name), obj in list(store.objects.items()):
        if ns != name or kind == "Namespace":
            continue
        if kind == "Pod":
            meta = obj["metadata"]
            phase = (obj.get("status") or {}).get("phase")
            node = obj["spec"].get("nodeName")
            if node and phase not in ("Succeeded", "Failed"):
                if not meta.get("deletionTimestamp"):
                    grace = int(obj["spec"].get("terminationGracePeriodSeconds", POD_GRACE))
                    meta["deletionTimestamp"] = rfc3339(at + grace)
                    meta["deletionGracePeriodSeconds"] = grace
                    store.update(obj)
                    continue
                if not posting(nodes.get(node), t):
                    continue
        store.delete(kind, obj_name, ns)
    remaining: dict[str, int] = {}
    for (kind, ns, _), _obj in store.objects.items():
        if ns == name and kind != "Namespace":
            api = KINDS[kind][0]  # "<resource>.<group>", the core group empty
            key = f"{KINDS[kind][1]}.{api.split('/')[0] if '/' in api else ''}"
            remaining[key] = remaining.get(key, 0) + 1
    return remaining


def sync(cluster: SimCluster, t: float) -> None:
    """The namespace controller's passes due by `t` over every namespace being deleted: the
    first one at its due time, and, when content remained, the requeued one if that is due
    too (further passes change nothing until the stuck pods' kubelets post again)."""
    store = cluster.store
    for ns in list(store.list("Namespace")):
        if not ns["metadata"].get("deletionTimestamp"):
            continue
        name = ns["metadata"]["name"]
        for _ in range(2):
            at = _due(ns)
            if at > t:
                break
            remaining = _delete_content(cluster, name, at, t)
            _set_conditions(ns, remaining, at)
            if remaining:
                store.update(ns)
                continue
            ns["spec"]["finalizers"] = []
            store.delete("Namespace", name, "")
            if name in SYSTEM_NAMESPACES:
                store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {
                    "name": name, "labels": {"kubernetes.io/metadata.name": name}},
                    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}, t)
            break
