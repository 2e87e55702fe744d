"""API objects as the Kubernetes API serves them: JSON dicts with uid and resourceVersion.

The store is the content of etcd. Whether it can be reached is decided elsewhere (the
apiserver and etcd models); this module only keeps objects consistent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from app.providers.sim.clock import rfc3339
from app.providers.sim.jsoncopy import clone

Obj = dict[str, Any]
Key = tuple[str, str, str]

# Objects every twin's store starts with that name nothing twin-specific (kind's bootstrap
# RBAC, kube-system's ServiceAccounts: app/providers/sim/bootstrap_objects.py), by key, with
# the function that makes a twin's own copy. While a twin's copy is unchanged its snapshot
# names it instead of writing it out: they were two-fifths of a fresh twin's JSON.
_SHARED: dict[Key, tuple[Obj, Callable[[Obj], Obj]]] = {}

# kind -> (apiVersion, plural, namespaced)
KINDS: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("v1", "namespaces", False),
    "Node": ("v1", "nodes", False),
    "Pod": ("v1", "pods", True),
    "Service": ("v1", "services", True),
    "Endpoints": ("v1", "endpoints", True),
    "ConfigMap": ("v1", "configmaps", True),
    "Secret": ("v1", "secrets", True),
    "ServiceAccount": ("v1", "serviceaccounts", True),
    "Event": ("v1", "events", True),
    "Deployment": ("apps/v1", "deployments", True),
    "ReplicaSet": ("apps/v1", "replicasets", True),
    "DaemonSet": ("apps/v1", "daemonsets", True),
    "StatefulSet": ("apps/v1", "statefulsets", True),
    "Job": ("batch/v1", "jobs", True),
    "CronJob": ("batch/v1", "cronjobs", True),
    "Lease": ("coordination.k8s.io/v1", "leases", True),
    "EndpointSlice": ("discovery.k8s.io/v1", "endpointslices", True),
    "PriorityClass": ("scheduling.k8s.io/v1", "priorityclasses", False),
    "StorageClass": ("storage.k8s.io/v1", "storageclasses", False),
    "CertificateSigningRequest": ("certificates.k8s.io/v1", "certificatesigningrequests", False),
    "ClusterRole": ("rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
    "Role": ("rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("rbac.authorization.k8s.io/v1", "rolebindings", True),
}


class Conflict(Exception):
    pass


class NotFoundError(KeyError):
    pass


def selector_matches(selector: str, labels: dict[str, str]) -> bool:
    """Equality-based label selectors (`a=b,c!=d,e`), the forms kubectl -l is used with."""
    for term in filter(None, (s.strip() for s in selector.split(","))):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def template_key(template: Obj) -> Key:
    """The key `create` files a template's copy under (namespaced kinds default to
    `default`)."""
    meta = template["metadata"]
    namespaced = KINDS[template["kind"]][2]
    return template["kind"], (meta.get("namespace") or "default") if namespaced else "", \
        meta["name"]


def share(template: Obj, fresh: Callable[[Obj], Obj]) -> None:
    """Register an object every twin starts with, and how a twin gets its own copy of it
    (at import of the module that makes them, so a restored twin finds them too)."""
    _SHARED[template_key(template)] = (template, fresh)


class Store:
    def __init__(self, seed: int = 0) -> None:
        self.objects: dict[tuple[str, str, str], Obj] = {}
        # Per kind, the objects sorted as `list` returns them: the controllers list pods,
        # endpoints and events many times in every step of the twin. Rebuilt lazily after a
        # create or delete of that kind (or an update that swaps the object).
        self._sorted: dict[str, list[tuple[tuple[str, str, str], Obj]]] = {}
        self.revision = 1000
        self._rng_seed = seed
        self._uid_counter = 0
        # key -> resourceVersion of an object made by `create_shared`, while it is unchanged
        self._pristine: dict[Key, str] = {}

    def _uid(self) -> str:
        self._uid_counter += 1
        # str(uuid.UUID(int=...)) without building the UUID: the same text, a third the cost
        h = "%032x" % ((self._rng_seed * 1_000_003 + self._uid_counter * 7919)  # noqa: UP031
                       % (1 << 122) | (4 << 76) | (1 << 63))
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def create(self, obj: Obj, t: float, *, copy: bool = True) -> Obj:
        """Store `obj` (a copy of it unless `copy=False`: then the caller hands over a fresh
        object nothing else holds)."""
        kind = obj["kind"]
        api_version, _, namespaced = KINDS[kind]
        if copy:
            obj = clone(obj)
        obj.setdefault("apiVersion", api_version)
        meta = obj.setdefault("metadata", {})
        ns = meta.setdefault("namespace", "default") if namespaced else ""
        if not namespaced:
            meta.pop("namespace", None)
        key = (kind, ns, meta["name"])
        if key in self.objects:
            raise Conflict(f'{KINDS[kind][1]} "{meta["name"]}" already exists')
        if kind == "Service":
            self._allocate_cluster_ip(obj)
        self.revision += 1
        meta.setdefault("uid", self._uid())
        meta["resourceVersion"] = str(self.revision)
        meta.setdefault("creationTimestamp", rfc3339(t))
        self.objects[key] = obj
        self._sorted.pop(kind, None)
        return obj

    def create_shared(self, template: Obj, t: float) -> Obj:
        """`create` of a copy of a template registered with `share`."""
        key = template_key(template)
        obj = self.create(_SHARED[key][1](template), t, copy=False)
        self._pristine[key] = obj["metadata"]["resourceVersion"]
        return obj

    @staticmethod
    def _key(obj: Obj) -> Key:
        meta = obj["metadata"]
        ns = meta.get("namespace", "") if KINDS[obj["kind"]][2] else ""
        return obj["kind"], ns, meta["name"]

    def _allocate_cluster_ip(self, svc: Obj) -> None:
        """The apiserver's ClusterIP allocator, within kind's 10.96.0.0/16 service range."""
        spec = svc.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if spec.get("clusterIP") or spec["type"] == "ExternalName":
            if spec.get("clusterIP") and not spec.get("clusterIPs"):
                spec["clusterIPs"] = [spec["clusterIP"]]
            return
        used = {o["spec"].get("clusterIP") for (k, _, _), o in self.objects.items()
                if k == "Service"}
        n = int(uuid.uuid5(uuid.NAMESPACE_DNS, svc["metadata"]["name"]).int % 65000) + 100
        while f"10.96.{n // 256}.{n % 256}" in used:
            n += 1
        ip = f"10.96.{n // 256}.{n % 256}"
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            p.setdefault("targetPort", p.get("port"))

    def get(self, kind: str, name: str, namespace: str = "") -> Obj:
        ns = namespace if KINDS[kind][2] else ""
        try:
            return self.objects[(kind, ns, name)]
        except KeyError:
            raise NotFoundError(name) from None

    def find(self, kind: str, name: str, namespace: str = "") -> Obj | None:
        try:
            return self.get(kind, name, namespace)
        except NotFoundError:
            return None

    def list(self, kind: str, namespace: str | None = None, selector: str = "") -> list[Obj]:
        """Objects of a kind sorted by namespace and name, as the apiserver lists them."""
        everything = self._sorted.get(kind)
        if everything is None:
            everything = self._sorted[kind] = sorted(
                ((key, o) for key, o in self.objects.items() if key[0] == kind),
                key=lambda item: (item[0][1], item[0][2]))
        out = [o for (_, ns, _), o in everything if namespace is None or ns == namespace]
        if selector:
            out = [o for o in out if selector_matches(selector,
                                                      o["metadata"].get("labels") or {})]
        return out

    def update(self, obj: Obj) -> Obj:
        meta = obj["metadata"]
        ns = meta.get("namespace", "") if KINDS[obj["kind"]][2] else ""
        key = (obj["kind"], ns, meta["name"])
        if key not in self.objects:
            raise NotFoundError(meta["name"])
        self.revision += 1
        meta["resourceVersion"] = str(self.revision)
        if self.objects[key] is not obj:
            self._sorted.pop(key[0], None)
        self.objects[key] = obj
        return obj

    def delete(self, kind: str, name: str, namespace: str = "") -> Obj:
        ns = namespace if KINDS[kind][2] else ""
        try:
            obj = self.objects.pop((kind, ns, name))
        except KeyError:
            raise NotFoundError(name) from None
        self._sorted.pop(kind, None)
        self.revision += 1
        return obj

    def to_json(self) -> dict[str, Any]:
        objects: list[Obj] = []
        for key, obj in self.objects.items():
            meta = obj["metadata"]
            rv = self._pristine.get(key)
            if rv is not None and meta.get("resourceVersion") == rv and key in _SHARED:
                objects.append({"shared": list(key), "uid": meta["uid"], "resourceVersion": rv,
                                "creationTimestamp": meta["creationTimestamp"]})
            else:
                objects.append(obj)
        return {"objects": objects, "revision": self.revision, "seed": self._rng_seed,
                "uids": self._uid_counter}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Store:
        store = cls(raw["seed"])
        store.revision = raw["revision"]
        store._uid_counter = raw["uids"]
        for obj in raw["objects"]:
            if "shared" in obj:
                store._restore_shared(obj)
                continue
            store.objects[cls._key(obj)] = obj
        return store

    def _restore_shared(self, ref: Obj) -> None:
        """An unchanged shared object, made again as `create` made it. One this version of
        kubedrill no longer has stays out (a bootstrap object of an older release)."""
        key: Key = tuple(ref["shared"])  # type: ignore[assignment]
        if key not in _SHARED:
            return
        template, fresh = _SHARED[key]
        obj = fresh(template)
        obj.setdefault("apiVersion", KINDS[key[0]][0])
        meta = obj.setdefault("metadata", {})
        if KINDS[key[0]][2]:
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        meta.setdefault("uid", ref["uid"])
        meta["resourceVersion"] = ref["resourceVersion"]
        meta.setdefault("creationTimestamp", ref["creationTimestamp"])
        self.objects[key] = obj
        self._pristine[key] = ref["resourceVersion"]
