"""What kubelets post to the API while they can reach it: heartbeats, mirror pods, pod status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim import kubelet_tls
from app.providers.sim.batchrun import terminal_conditions, terminal_phase
from app.providers.sim.clock import rfc3339
from app.providers.sim.kubelet import PodState, go_duration
from app.providers.sim.runtime import Container, image_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode


def publish(cluster: SimCluster, t: float) -> None:
    store = cluster.store
    for node in cluster.nodes:
        if not node.kubelet_running() or kubelet_tls.post_error(node, t) is not None:
            continue
        obj = store.find("Node", node.name)
        if obj is not None:
            _heartbeat(obj, node, t)
        for pod in node.kubelet.pods.values():
            _post_pod(cluster, node, pod, t)


def _condition(type_: str, status: str, reason: str, message: str, t: float,
               since: str | None = None) -> dict[str, Any]:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": rfc3339(t), "lastTransitionTime": since or rfc3339(t)}


def _heartbeat(obj: dict[str, Any], node: SimNode, t: float) -> None:
    status = obj["status"]
    old = {c["type"]: c for c in status.get("conditions", [])}
    ready_since = old.get("Ready", {})
    since = ready_since.get("lastTransitionTime") if ready_since.get("status") == "True" else None
    status["conditions"] = [
        _condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                   "kubelet has sufficient memory available", t,
                   old.get("MemoryPressure", {}).get("lastTransitionTime")),
        _condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                   "kubelet has no disk pressure", t,
                   old.get("DiskPressure", {}).get("lastTransitionTime")),
        _condition("PIDPressure", "False", "KubeletHasSufficientPID",
                   "kubelet has sufficient PID available", t,
                   old.get("PIDPressure", {}).get("lastTransitionTime")),
        _condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", t, since),
    ]
    obj["metadata"]["annotations"] = {"node.alpha.kubernetes.io/ttl": "0",
                                      "kubeadm.alpha.kubernetes.io/cri-socket":
                                      "unix:///run/containerd/containerd.sock"}


def _post_pod(cluster: SimCluster, node: SimNode, pod: PodState, t: float) -> None:
    store = cluster.store
    obj = store.find("Pod", pod.name, pod.namespace)
    created = pod.created
    if obj is not None and pod.static and _outdated(obj, pod):
        # kubelet syncPod: a mirror pod whose config.mirror hash is not the static pod's
        # ("Deleted mirror pod because it is outdated") is deleted and created anew.
        store.delete("Pod", pod.name, pod.namespace)
        obj, created = None, max(t, pod.created)
    if obj is None:
        if not pod.static:
            return  # deleted through the API; the kubelet will stop it
        if store.find("Node", node.name) is None:
            return  # a mirror pod's owner is its Node: none without it (kubelet_node_gone.py)
        obj = store.create(_mirror(cluster, node, pod), created)
    obj["status"] = pod_status(node, pod, t, obj.get("status") or {})


def _outdated(obj: dict[str, Any], pod: PodState) -> bool:
    """kubepod.IsMirrorPodOf is false: the manifest changed since the mirror was made."""
    mirror = (obj["metadata"].get("annotations") or {}).get("kubernetes.io/config.mirror")
    return mirror is not None and mirror != pod.uid


def _mirror(cluster: SimCluster, node: SimNode, pod: PodState) -> dict[str, Any]:
    node_obj = cluster.store.find("Node", node.name) or {"metadata": {"uid": ""}}
    spec = dict(pod.spec)
    spec["nodeName"] = node.name
    # The kubelet gives every static pod this toleration: the taint manager never evicts one.
    spec["tolerations"] = [*(spec.get("tolerations") or []),
                           {"operator": "Exists", "effect": "NoExecute"}]
    return {"kind": "Pod", "metadata": {
        "name": pod.name, "namespace": pod.namespace, "uid": pod.uid,
        "labels": pod.labels, "annotations": {"kubernetes.io/config.seen": rfc3339(pod.created),
                                              **pod.annotations},
        "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node.name,
                             "uid": node_obj["metadata"]["uid"], "controller": True}]},
        "spec": spec}


def container_status(node: SimNode, pod: PodState, spec: dict[str, Any], t: float
                     ) -> dict[str, Any]:
    history = node.runtime.containers_of(pod.uid, spec.get("name"))
    image = str(spec.get("image", ""))
    status: dict[str, Any] = {"name": spec.get("name"), "image": image, "imageID": "",
                              "ready": False, "restartCount": 0, "started": False,
                              "state": {"waiting": {"reason": "ContainerCreating"}}}
    if not history:
        from app.providers.sim.images import waiting

        pulling = waiting(node.kubelet, pod, str(spec.get("name", "")), t)
        if pulling is not None:  # ErrImagePull / ImagePullBackOff (images.py)
            status["state"] = {"waiting": pulling}
        return status
    latest = history[-1]
    status["restartCount"] = latest.attempt
    status["imageID"] = image_id(image)
    status["containerID"] = f"containerd://{latest.id}"
    if latest.running():
        status["state"] = {"running": {"startedAt": rfc3339(latest.started or t)}}
        status["ready"] = latest.ready(t)
        status["started"] = True
        previous = history[-2] if len(history) > 1 else None
        if previous is not None:
            status["lastState"] = {"terminated": _terminated(previous)}
    else:
        key = f"{pod.uid}/{latest.name}"
        bo = node.kubelet.backoff.get(key)
        if bo is not None and t < bo.until:
            status["state"] = {"waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off {go_duration(bo.current)} restarting "
                           f"failed container={latest.name} "
                           f"pod={pod.name}_{pod.namespace}({pod.uid})"}}
            status["lastState"] = {"terminated": _terminated(latest)}
        else:
            status["state"] = {"terminated": _terminated(latest)}
    return status


def _terminated(c: Container) -> dict[str, Any]:
    return {"exitCode": c.exit_code if c.exit_code is not None else 0,
            "reason": c.reason or "Error", "startedAt": rfc3339(c.started or c.created),
            "finishedAt": rfc3339(c.finished or c.created), "containerID": f"containerd://{c.id}"}


def pod_status(node: SimNode, pod: PodState, t: float, old: dict[str, Any]) -> dict[str, Any]:
    statuses = [container_status(node, pod, spec, t) for spec in pod.containers()]
    all_ready = bool(statuses) and all(s["ready"] for s in statuses)
    started = any("running" in s["state"] or "lastState" in s or "terminated" in s["state"]
                  for s in statuses)
    host_network = pod.static or pod.spec.get("hostNetwork")
    ready_cond = "True" if all_ready else "False"
    prev_ready = {c["type"]: c for c in old.get("conditions", [])}.get("Ready")
    since = (prev_ready["lastTransitionTime"] if prev_ready and prev_ready["status"] == ready_cond
             else rfc3339(t))
    start = rfc3339(pod.created)
    conditions = [
        {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": start},
        {"type": "Initialized", "status": "True", "lastTransitionTime": start},
        {"type": "Ready", "status": ready_cond, "lastTransitionTime": since},
        {"type": "ContainersReady", "status": ready_cond, "lastTransitionTime": since},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": start},
    ]
    if not all_ready:
        not_ready = [s["name"] for s in statuses if not s["ready"]]
        for c in conditions[2:4]:
            c["reason"] = "ContainersNotReady"
            c["message"] = f"containers with unready status: [{' '.join(not_ready)}]"
    pod_ip = node.ip if host_network else old.get("podIP") or _pod_ip(node, pod)
    phase = terminal_phase(pod.spec, statuses)
    if phase is not None:
        terminal_conditions(conditions, phase)
    return {"phase": phase or ("Running" if started else "Pending"), "conditions": conditions,
            "hostIP": node.ip, "hostIPs": [{"ip": node.ip}], "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}], "startTime": start,
            "qosClass": old.get("qosClass") or "Burstable",
            "containerStatuses": statuses}


def _pod_ip(node: SimNode, pod: PodState) -> str:
    """The next address host-local IPAM hands out on this node's podCIDR: after the highest one
    in use (it allocates upwards from its last reservation, never an address in use), so a
    replacement pod does not get the address of a pod still running."""
    index = node.cluster.nodes.index(node)
    store = node.cluster.store
    highest, earlier = 1, 0
    for p in node.kubelet.pods.values():
        if p.uid == pod.uid or p.static or p.spec.get("hostNetwork"):
            continue
        obj = store.find("Pod", p.name, p.namespace)
        ip = ((obj or {}).get("status") or {}).get("podIP", "")
        if obj is not None and obj["metadata"].get("uid") == p.uid and ip.startswith("10.244."):
            highest = max(highest, int(ip.rsplit(".", 1)[1]))
        elif (p.created, p.uid) < (pod.created, pod.uid):
            earlier += 1  # created before it in the same instant, address not posted yet
    return f"10.244.{index}.{highest + 1 + earlier}"
