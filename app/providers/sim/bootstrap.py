"""What `kind create cluster` leaves behind: certificates, kubelets started, add-ons deployed."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.providers.sim import journals, nodeids, versions
from app.providers.sim.kubelet import PodState
from app.providers.sim.nodefiles import NodeSpec
from app.providers.sim.runtime import make_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

# k8s.io/apimachinery/pkg/util/rand: the alphabet generated pod-name suffixes use.
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def suffix(rng: random.Random, n: int = 5) -> str:
    return "".join(rng.choice(_ALPHANUMS) for _ in range(n))


def cluster_pki(name: str, specs: list[NodeSpec], created: float
                ) -> dict[str, dict[str, tuple[bytes, int]]]:
    try:
        from app.providers.sim import pki
    except ImportError:  # the PKI module is optional while the twin is being built
        return {}
    nodes = [pki.NodeInfo(name=s.name, role=s.role, ip=s.ip) for s in specs]
    bundle = pki.build_cluster_pki(name, nodes, datetime.fromtimestamp(created, UTC))
    return {s.name: bundle.files_for(s.name) for s in specs}


# DefaultTolerationSeconds admission: every pod tolerates a not-ready/unreachable node 300 s.
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300}]
# CoreDNS's own (kubeadm's coredns Deployment), before the admission defaults.
COREDNS_TOLERATIONS = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                       {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
# kind's kindnet and kubeadm's kube-proxy tolerate everything; the DaemonSet controller adds
# its own on top (daemon/util AddOrUpdateDaemonPodTolerations), never time-limited.
DAEMONSET_TOLERATIONS = [{"operator": "Exists"}] + [
    {"key": f"node.kubernetes.io/{k}", "operator": "Exists", "effect": e}
    for k, e in (("not-ready", "NoExecute"), ("unreachable", "NoExecute"),
                 ("disk-pressure", "NoSchedule"), ("memory-pressure", "NoSchedule"),
                 ("pid-pressure", "NoSchedule"), ("unschedulable", "NoSchedule"),
                 ("network-unavailable", "NoSchedule"))]


def _pod(name: str, namespace: str, node: str, labels: dict[str, str],
         containers: list[dict[str, Any]], owner: dict[str, Any] | None,
         host_network: bool = False,
         tolerations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels}
    if owner:
        meta["ownerReferences"] = [owner]
    return {"kind": "Pod", "metadata": meta,
            "spec": {"nodeName": node, "containers": containers, "hostNetwork": host_network,
                     "restartPolicy": "Always", "schedulerName": "default-scheduler",
                     "priorityClassName": "system-node-critical"
                     if namespace == "kube-system" else None,
                     "tolerations": [dict(x) for x in (tolerations or DEFAULT_TOLERATIONS)]},
            "status": {"phase": "Pending"}}


def boot(cluster: SimCluster, created: float) -> None:
    rng = random.Random(cluster.seed * 7919 + 17)
    store = cluster.store
    cluster.t = created
    for n in cluster.nodes:
        n.booted = created - 30
        n.vfs.now = created
        for svc in n.services.values():
            svc["since"] = created - 25
        journals.boot(n, containerd_at=created - 29.5, kubelet_at=created - 25)
        n.journal_line(created - 25, "kubelet",
                       "Started kubelet.service - kubelet: The Kubernetes Node Agent.", pid=1)
        journals.kubelet_started(n, created - 25)
    for ns in ("default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage"):
        store.create({"kind": "Namespace", "metadata": {
            "name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}, created)
    for i, n in enumerate(cluster.nodes):
        at = created + (15 if n.role == "worker" else 0)
        store.create(node_object(cluster, n, i), at)
        n.services["kubelet"]["registered_at"] = at  # kubelet_node_gone.py
    store.create({"kind": "Service", "metadata": {
        "name": "kubernetes", "namespace": "default",
        "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                            "targetPort": 6443}]}}, created)
    store.create({"kind": "Service", "metadata": {
        "name": "kube-dns", "namespace": "kube-system",
        "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                 "selector": {"k8s-app": "kube-dns"},
                 "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                           {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                           {"name": "metrics", "port": 9153, "protocol": "TCP"}]}}, created)
    # Static pods come first: the kubelet starts them from the manifests kubeadm wrote.
    for n in cluster.nodes:
        n.kubelet.sync(created)
    cp = cluster.nodes[0]
    _deployment(cluster, rng, "coredns", "kube-system", 2, {"k8s-app": "kube-dns"},
                [{"name": "coredns", "image": f"registry.k8s.io/coredns/coredns:{versions.COREDNS}",
                  "args": ["-conf", "/etc/coredns/Corefile"]}], cp, created + 20,
                rs_hash="674b8bbfcf")
    _deployment(cluster, rng, "local-path-provisioner", "local-path-storage", 1,
                {"app": "local-path-provisioner"},
                [{"name": "local-path-provisioner",
                  "image": f"docker.io/kindest/local-path-provisioner:{versions.LOCAL_PATH}",
                  "command": ["local-path-provisioner", "--debug", "start",
                              "--helper-image",
                              "docker.io/kindest/local-path-helper:v20241212-8ac705d0",
                              "--config", "/etc/config/config.json"]}],
                cp, created + 20, rs_hash="7dc846544d")
    _daemonset(cluster, rng, "kindnet", {"app": "kindnet", "k8s-app": "kindnet"},
               [{"name": "kindnet-cni", "image": f"docker.io/kindest/kindnetd:{versions.KINDNETD}",
                 "command": ["/bin/kindnetd"]}], created + 8)
    _daemonset(cluster, rng, "kube-proxy", {"k8s-app": "kube-proxy"},
               [{"name": "kube-proxy",
                 "image": f"registry.k8s.io/kube-proxy:{versions.KUBERNETES}",
                 "command": ["/usr/local/bin/kube-proxy",
                             "--config=/var/lib/kube-proxy/config.conf",
                             "--hostname-override=$(NODE_NAME)"]}], created + 8)
    from app.providers.sim import bootstrap_objects

    # after the pods, so that their UIDs (and all that hashes them) stay what they were
    bootstrap_objects.install(cluster, created)
    cluster.advance_to(created + 60)
    # kubelet_journal.py tells the start-up; the refusals noted during it are not another
    cluster.api_down.clear()
    cluster.node_gone.clear()


def node_object(cluster: SimCluster, n: SimNode, index: int) -> dict[str, Any]:
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": n.name,
              "kubernetes.io/os": "linux"}
    spec: dict[str, Any] = {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"],
                            "providerID": f"kind://docker/{cluster.name}/{n.name}"}
    if n.role == "control-plane":
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        if len(cluster.nodes) > 1:
            spec["taints"] = [{"effect": "NoSchedule",
                               "key": "node-role.kubernetes.io/control-plane"}]
    return {"kind": "Node", "metadata": {"name": n.name, "labels": labels}, "spec": spec,
            "status": {
                "addresses": [{"address": n.ip, "type": "InternalIP"},
                              {"address": n.name, "type": "Hostname"}],
                "nodeInfo": {"architecture": "amd64", "bootID": nodeids.boot_id(cluster.name),
                             "machineID": nodeids.machine_id(cluster.name, n.name),
                             "systemUUID": nodeids.system_uuid(cluster.name),
                             "containerRuntimeVersion":
                             f"containerd://{versions.CONTAINERD}",
                             "kernelVersion": versions.KERNEL, "kubeProxyVersion": "",
                             "kubeletVersion": versions.KUBERNETES, "operatingSystem": "linux",
                             "osImage": versions.OS_IMAGE},
                "conditions": [], "capacity": {"cpu": "2", "memory": "24562888Ki", "pods": "110"},
                "allocatable": {"cpu": "2", "memory": "24562888Ki", "pods": "110"}}}


def _place(cluster: SimCluster, obj: dict[str, Any], node: SimNode, t: float) -> None:
    created = cluster.store.create(obj, t)
    meta, spec = created["metadata"], created["spec"]
    node.kubelet.pods[meta["uid"]] = PodState(
        uid=meta["uid"], name=meta["name"], namespace=meta["namespace"], spec=spec,
        static=False, sandbox_id=make_id("sandbox", meta["uid"]), created=t,
        labels=dict(meta.get("labels") or {}))
    node.kubelet._create_pod(node.kubelet.pods[meta["uid"]], t)


def _deployment(cluster: SimCluster, rng: random.Random, name: str, ns: str, replicas: int,
                labels: dict[str, str], containers: list[dict[str, Any]], node: SimNode,
                t: float, rs_hash: str) -> None:
    store = cluster.store
    template = {"metadata": {"labels": labels}, "spec": {"containers": containers}}
    dep = store.create({"kind": "Deployment", "metadata": {"name": name, "namespace": ns,
                        "labels": labels},
                        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                                 "template": template},
                        "status": {"replicas": replicas, "readyReplicas": replicas,
                                   "updatedReplicas": replicas,
                                   "availableReplicas": replicas}}, t)
    rs_name = f"{name}-{rs_hash}"
    rs_labels = {**labels, "pod-template-hash": rs_hash}
    rs = store.create({"kind": "ReplicaSet", "metadata": {
        "name": rs_name, "namespace": ns, "labels": rs_labels,
        "ownerReferences": [_owner(dep)]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": rs_labels},
                 "template": {**template, "metadata": {"labels": rs_labels}}},
        "status": {"replicas": replicas, "readyReplicas": replicas,
                   "availableReplicas": replicas}}, t)
    tolerations = (COREDNS_TOLERATIONS if name == "coredns" else []) + DEFAULT_TOLERATIONS
    for _ in range(replicas):
        _place(cluster, _pod(f"{rs_name}-{suffix(rng)}", ns, node.name, rs_labels, containers,
                             _owner(rs), tolerations=tolerations), node, t)


def _daemonset(cluster: SimCluster, rng: random.Random, name: str, labels: dict[str, str],
               containers: list[dict[str, Any]], t: float) -> None:
    n = len(cluster.nodes)
    ds = cluster.store.create({"kind": "DaemonSet", "metadata": {
        "name": name, "namespace": "kube-system", "labels": labels},
        "spec": {"selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}}},
        "status": {"desiredNumberScheduled": n, "currentNumberScheduled": n, "numberReady": n,
                   "updatedNumberScheduled": n, "numberAvailable": n,
                   "numberMisscheduled": 0, "observedGeneration": 1}}, t)
    for node in cluster.nodes:
        _place(cluster, _pod(f"{name}-{suffix(rng)}", "kube-system", node.name, labels,
                             containers, _owner(ds), host_network=True,
                             tolerations=DAEMONSET_TOLERATIONS), node, t)


def _owner(obj: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
