"""Write the OpenAPI schemas `kubectl explain` reads in the twin: app/providers/sim/data/
explain-v1.33.json.gz.

Source: the Kubernetes v1.33.0 definitions that the `kubernetes-validate` package ships
(`kubernetes-json-schema/v1.33.0-local/_definitions.json`; a dev dependency, so the app never
imports it). Only the kinds listed below and the definitions they reach are kept, with just
what explain's template uses (description, type, properties, required, items,
additionalProperties, $ref). Two reshapes make the data read like the OpenAPI v3 documents that
kubectl 1.33 explains from: `["string", "null"]` types become `string`, and a property that is
a `$ref` with its own description becomes `{"allOf": [{"$ref"}], "description"}`, as in v3,
so a field's description and its type's description are both shown. The v1.33 documents'
enum lists are not in this source: explain in the twin prints no `ENUM:` lines.

Run from the repository root: `python scripts/vendor_explain_schema.py`. The output is
deterministic (sorted keys, fixed gzip mtime), so re-running it changes nothing.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

VERSION = "v1.33.0"
OUT = Path("app/providers/sim/data/explain-v1.33.json.gz")

# (group, version, kind, resource, short names): what `kubectl api-resources` lists for them.
RESOURCES: list[tuple[str, str, str, str, list[str]]] = [
    ("", "v1", "Pod", "pods", ["po"]), ("", "v1", "Node", "nodes", ["no"]),
    ("", "v1", "Service", "services", ["svc"]), ("", "v1", "Endpoints", "endpoints", ["ep"]),
    ("", "v1", "Namespace", "namespaces", ["ns"]), ("", "v1", "ConfigMap", "configmaps", ["cm"]),
    ("", "v1", "Secret", "secrets", []), ("", "v1", "ServiceAccount", "serviceaccounts", ["sa"]),
    ("", "v1", "Event", "events", ["ev"]),
    ("", "v1", "PersistentVolume", "persistentvolumes", ["pv"]),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", ["pvc"]),
    ("", "v1", "ReplicationController", "replicationcontrollers", ["rc"]),
    ("", "v1", "ResourceQuota", "resourcequotas", ["quota"]),
    ("", "v1", "LimitRange", "limitranges", ["limits"]),
    ("apps", "v1", "Deployment", "deployments", ["deploy"]),
    ("apps", "v1", "ReplicaSet", "replicasets", ["rs"]),
    ("apps", "v1", "DaemonSet", "daemonsets", ["ds"]),
    ("apps", "v1", "StatefulSet", "statefulsets", ["sts"]),
    ("apps", "v1", "ControllerRevision", "controllerrevisions", []),
    ("batch", "v1", "Job", "jobs", []), ("batch", "v1", "CronJob", "cronjobs", ["cj"]),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", ["ing"]),
    ("networking.k8s.io", "v1", "IngressClass", "ingressclasses", []),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", ["netpol"]),
    ("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", []),
    ("coordination.k8s.io", "v1", "Lease", "leases", []),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", []),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", []),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", []),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", []),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", ["sc"]),
    ("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests",
     ["csr"]),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", ["pdb"]),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", ["hpa"]),
    ("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", ["pc"]),
]
KEEP = ("description", "type", "properties", "required", "items", "additionalProperties",
        "$ref", "allOf")


def source() -> Path:
    import kubernetes_validate  # dev dependency: only this script reads it

    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    return base / f"{VERSION}-local" / "_definitions.json"


def short_ref(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def clean(schema: Any, property_level: bool = False) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key in KEEP:
        if key not in schema:
            continue
        value = schema[key]
        if key == "type" and isinstance(value, list):
            value = next((t for t in value if t != "null"), None)
            if value is None:
                continue
        elif key == "$ref":
            value = short_ref(value)
        elif key == "properties":
            value = {name: clean(sub, property_level=True) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            value = clean(value)
        elif key == "allOf":
            value = [clean(v) for v in value]
        out[key] = value
    if property_level and "$ref" in out:  # OpenAPI v3 shape: the ref inside allOf
        out["allOf"] = [{"$ref": out.pop("$ref")}]
    return out


def refs(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            found.add(short_ref(schema["$ref"]))
        for value in schema.values():
            found |= refs(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= refs(value)
    return found


def build(defs: dict[str, Any]) -> dict[str, Any]:
    by_gvk = {}
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            by_gvk[(gvk.get("group", ""), gvk["version"], gvk["kind"])] = name
    resources, todo = [], []
    for group, version, kind, plural, short in RESOURCES:
        name = by_gvk[(group, version, kind)]
        resources.append({"group": group, "version": version, "kind": kind,
                          "resource": plural, "short": short, "schema": name})
        todo.append(name)
    kept: dict[str, Any] = {}
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept[name] = clean(defs[name])
        todo.extend(refs(defs[name]) - kept.keys())
    return {"source": f"kubernetes-validate {VERSION}-local/_definitions.json",
            "resources": resources, "schemas": kept}


def main() -> int:
    defs = json.loads(source().read_text())["$defs"]
    doc = build(defs)
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0,
                                             filename="") as gz:
        gz.write(raw)
    print(f"{OUT}: {len(doc['schemas'])} schemas, {len(raw)} bytes, "
          f"{OUT.stat().st_size} gzipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
