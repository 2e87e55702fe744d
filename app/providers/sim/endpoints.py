"""The endpoints and endpointslice controllers: a Service's backends from its pods.

Only Ready pods become `addresses`; a matching pod that is not Ready goes to
`notReadyAddresses` (EndpointSlice: `conditions.ready: false`). With no matching pod the
Endpoints object has no subsets at all — kubectl then prints `<none>`, while a subset with
only notReadyAddresses prints an empty cell (shared/ISSUE-NOTES.md, readiness-wrong-port).
The `kubernetes` Service's endpoints are the apiservers', written by the apiserver itself.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from app.providers.sim.runtime import make_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

Obj = dict[str, Any]
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def _ready(pod: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _target_port(port: Obj, pod: Obj) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return int(target)
    for c in pod["spec"].get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target:
                return int(p["containerPort"])
    return None


def _address(pod: Obj) -> Obj:
    meta = pod["metadata"]
    return {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
            "targetRef": {"kind": "Pod", "name": meta["name"], "namespace": meta["namespace"],
                          "uid": meta["uid"]}}


def matching_pods(cluster: SimCluster, svc: Obj) -> list[Obj]:
    selector = svc["spec"].get("selector") or {}
    if not selector:
        return []
    return [p for p in cluster.store.list("Pod", svc["metadata"]["namespace"])
            if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())
            and (p.get("status") or {}).get("podIP") and p["spec"].get("nodeName")
            and not p["metadata"].get("deletionTimestamp")]


def _subsets(cluster: SimCluster, svc: Obj) -> list[Obj]:
    if not svc["spec"].get("selector"):
        if svc["metadata"]["name"] == "kubernetes" and svc["metadata"]["namespace"] == "default":
            api = cluster.apiserver_node()
            ips = [api.ip] if api else []
            return [{"addresses": [{"ip": ip} for ip in ips],
                     "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}] if ips else []
        return []
    pods = matching_pods(cluster, svc)
    if not pods:
        return []
    subset: Obj = {}
    ready = [_address(p) for p in pods if _ready(p)]
    not_ready = [_address(p) for p in pods if not _ready(p)]
    if ready:
        subset["addresses"] = sorted(ready, key=lambda a: a["ip"])
    if not_ready:
        subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: a["ip"])
    ports = []
    for port in svc["spec"].get("ports") or []:
        target = _target_port(port, pods[0])
        if target is None:
            continue
        entry = {"port": target, "protocol": port.get("protocol", "TCP")}
        if port.get("name"):
            entry["name"] = port["name"]
        ports.append(entry)
    subset["ports"] = ports
    return [subset]


def sync(cluster: SimCluster, t: float) -> None:
    store = cluster.store
    for svc in store.list("Service"):
        meta = svc["metadata"]
        name, ns = meta["name"], meta["namespace"]
        if not svc["spec"].get("selector") and name != "kubernetes":
            continue
        subsets = _subsets(cluster, svc)
        ep = store.find("Endpoints", name, ns)
        if ep is None:
            body: Obj = {"kind": "Endpoints", "apiVersion": "v1",
                         "metadata": {"name": name, "namespace": ns,
                                      "labels": dict(meta.get("labels") or {})}}
            if subsets:
                body["subsets"] = subsets
            store.create(body, t)
        elif (ep.get("subsets") or []) != subsets:
            if subsets:
                ep["subsets"] = copy.deepcopy(subsets)
            else:
                ep.pop("subsets", None)
            store.update(ep)
        _slice(cluster, svc, subsets, t)


def _slice(cluster: SimCluster, svc: Obj, subsets: list[Obj], t: float) -> None:
    store = cluster.store
    meta = svc["metadata"]
    name, ns = meta["name"], meta["namespace"]
    suffix = "".join(_ALPHANUMS[int(ch, 16) % len(_ALPHANUMS)]
                     for ch in make_id("slice", meta.get("uid", name))[:5])
    slice_name = name if name == "kubernetes" else f"{name}-{suffix}"
    eps, ports = [], []
    for sub in subsets:
        for key, ready in (("addresses", True), ("notReadyAddresses", False)):
            for a in sub.get(key) or []:
                e: Obj = {"addresses": [a["ip"]], "conditions": {
                    "ready": ready, "serving": ready, "terminating": False}}
                if a.get("nodeName"):
                    e["nodeName"] = a["nodeName"]
                if a.get("targetRef"):
                    e["targetRef"] = a["targetRef"]
                eps.append(e)
        ports = [dict(p) for p in sub.get("ports") or []]
    body = {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"name": slice_name, "namespace": ns, "labels": {
                **(meta.get("labels") or {}), "kubernetes.io/service-name": name,
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
                "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name,
                                     "uid": meta.get("uid", ""), "controller": True,
                                     "blockOwnerDeletion": True}]},
            "addressType": "IPv4", "endpoints": eps, "ports": ports or None}
    existing = store.find("EndpointSlice", slice_name, ns)
    if existing is None:
        store.create(body, t)
    elif existing.get("endpoints") != eps or existing.get("ports") != body["ports"]:
        existing["endpoints"], existing["ports"] = eps, body["ports"]
        store.update(existing)
