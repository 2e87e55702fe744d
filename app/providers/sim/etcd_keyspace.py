"""Which keyspace an etcd member serves: the one in its --data-dir.

The twin's `cluster.store` is the keyspace of the data directory etcd runs with now; the
others are kept aside, per directory, so pointing etcd at a new directory bootstraps an empty
cluster (into which the kube-apiserver writes only what it owns) while the old data stays where
it was, and pointing it back brings every object back.

A data directory outside the pod's hostPath mounts lives in the container's writable layer:
it is lost with the container, so every restart bootstraps anew.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from app.providers.sim import etcd_cluster as ec
from app.providers.sim.store import Store

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode
    from app.providers.sim.runtime import Container

DEFAULT_DIR = "/var/lib/etcd"


def location(node: SimNode, c: Container, data_dir: str) -> str:
    """Where `data_dir` really is: `node:/host/path` under a hostPath mount, else the container."""
    pod = node.kubelet.pods.get(c.pod_uid)
    spec = pod.spec if pod is not None else {}
    volumes = {v.get("name"): (v.get("hostPath") or {}).get("path")
               for v in spec.get("volumes", []) or []}
    for container in spec.get("containers", []) or []:
        if container.get("name") != c.name:
            continue
        for m in container.get("volumeMounts", []) or []:
            mount, host = m.get("mountPath", ""), volumes.get(m.get("name"))
            if not host or not mount:
                continue
            norm = posixpath.normpath(data_dir)
            if norm == mount or norm.startswith(mount.rstrip("/") + "/"):
                return f"{node.name}:{host}{norm[len(mount.rstrip('/')):]}"
    return f"container:{c.id}"


def open_data_dir(cluster: SimCluster, node: SimNode, c: Container, data_dir: str,
                  t: float) -> bool:
    """Make `data_dir` the served keyspace; True when etcd finds it empty and bootstraps."""
    st = ec.state(cluster)
    default = f"{cluster.nodes[0].name}:{DEFAULT_DIR}"
    active = st.get("active_dir", default)
    where = location(node, c, data_dir)
    if where == active:
        return False
    if len(ec.members(cluster)) > 1:
        return False  # a member of a larger cluster: not modelled, it keeps the shared keyspace
    saved: dict[str, Any] = st.setdefault("keyspaces", {})
    saved[active] = cluster.store.to_json()
    st["active_dir"] = where
    if where in saved:
        cluster.store = Store.from_json(saved.pop(where))
        return False
    cluster.store = fresh_store(cluster, node, t)
    return True


def _obj(kind: str, name: str, ns: str = "", **rest: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if ns:
        meta["namespace"] = ns
    return {"kind": kind, "metadata": meta, **rest}


BOOTSTRAP_CLUSTER_ROLES = [
    "admin", "cluster-admin", "edit", "view", "system:aggregate-to-admin",
    "system:aggregate-to-edit", "system:aggregate-to-view", "system:auth-delegator",
    "system:basic-user", "system:discovery", "system:heapster", "system:kube-aggregator",
    "system:kube-controller-manager", "system:kube-dns", "system:kube-scheduler",
    "system:kubelet-api-admin", "system:monitoring", "system:node", "system:node-bootstrapper",
    "system:node-problem-detector", "system:node-proxier", "system:public-info-viewer",
    "system:service-account-issuer-discovery", "system:volume-scheduler",
]
BOOTSTRAP_BINDINGS = [
    "cluster-admin", "system:basic-user", "system:discovery", "system:kube-controller-manager",
    "system:kube-dns", "system:kube-scheduler", "system:monitoring", "system:node",
    "system:node-proxier", "system:public-info-viewer",
    "system:service-account-issuer-discovery", "system:volume-scheduler",
]


def fresh_store(cluster: SimCluster, node: SimNode, t: float) -> Store:
    """What a new, empty etcd holds once kube-apiserver (and the still-running controller
    manager) have written what they own: namespaces, the `kubernetes` Service, bootstrap RBAC
    (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`), system priority classes."""
    store = Store(cluster.seed + 7)
    store.revision = 1
    objs = [_obj("Namespace", ns, spec={"finalizers": ["kubernetes"]},
                 status={"phase": "Active"})
            for ns in ("default", "kube-system", "kube-public", "kube-node-lease")]
    objs.append(_obj("Service", "kubernetes", "default",
                     metadata_labels={"component": "apiserver", "provider": "kubernetes"},
                     spec={"clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                           "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                      "targetPort": 6443}],
                           "sessionAffinity": "None", "type": "ClusterIP"}))
    objs.append(_obj("Endpoints", "kubernetes", "default",
                     subsets=[{"addresses": [{"ip": node.ip}],
                               "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]))
    objs.append(_obj("PriorityClass", "system-cluster-critical", value=2000000000,
                     description="Used for system critical pods that must run in the cluster, "
                                 "but can be moved to another node if necessary."))
    objs.append(_obj("PriorityClass", "system-node-critical", value=2000001000,
                     description="Used for system critical pods that must not be moved from "
                                 "their current node."))
    from app.providers.sim import bootstrap_objects as bo

    objs += [bo.apiserver_rbac("ClusterRole", name) for name in BOOTSTRAP_CLUSTER_ROLES]
    objs += [bo.apiserver_rbac("ClusterRoleBinding", name) for name in BOOTSTRAP_BINDINGS]
    # the cluster CA, as kube-apiserver and the controller manager's root-ca-cert-publisher
    # write it
    ca = bo._ca_pem(cluster)
    objs.append(bo.extension_apiserver_authentication(cluster, ca))
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        objs.append(_obj("ServiceAccount", "default", ns))
        objs.append(bo.root_ca_configmap(ns, ca))
    for o in objs:
        labels = o.pop("metadata_labels", None)
        if labels:
            o["metadata"]["labels"] = labels
        store.create(o, t)
    return store
