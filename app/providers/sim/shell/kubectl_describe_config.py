"""`kubectl describe` for ConfigMaps, Secrets, ServiceAccounts, Namespaces, RBAC objects,
StorageClasses, CertificateSigningRequests, PriorityClasses, Endpoints and DaemonSets.

Layout from k8s.io/kubectl v0.33.1 `pkg/describe/describe.go` (ConfigMapDescriber,
describeSecret, describeServiceAccount, RoleDescriber, ClusterRoleDescriber,
RoleBindingDescriber, ClusterRoleBindingDescriber, describeStorageClass,
describeCertificateSigningRequest, describeNamespace, describePriorityClass, describeEndpoints,
describeDaemonSet) and `pkg/util/rbac/rbac.go` (BreakdownRule,
CompactRules, SortableRuleSlice: the PolicyRule table). Every line goes through Go's tabwriter
(minwidth 0, padding 2) as tabbedString does.

Where describe.go ranges over a Go map (ConfigMap and Secret data in v1.33), the real order is
random; the twin prints the keys sorted, which is also what later kubectl versions do.
"""

from __future__ import annotations

import base64
from typing import Any

from app.providers.sim.clock import human_age
from app.providers.sim.shell.gotabwriter import tabwriter
from app.providers.sim.shell.kubectl_describe import events_block, events_for, labels, rfc1123z

Obj = dict[str, Any]
MAX_ANNOTATION_LEN = 140
SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}


def annotations(out: list[str], m: dict[str, str] | None) -> None:
    """printAnnotationsMultiline: a value longer than 140 characters with its key, or with a
    newline, is printed below its key, each line shortened to 138 characters plus `...`."""
    keys = sorted(k for k in (m or {}) if k not in SKIP_ANNOTATIONS)
    if not keys:
        out.append("Annotations:\t<none>")
        return
    first = True
    for key in keys:
        lead = "Annotations:\t" if first else "\t"
        first = False
        value = str(m[key]).removesuffix("\n")  # type: ignore[index]
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            out.append(f"{lead}{key}:")
            for s in value.split("\n"):
                short = s if len(s) <= MAX_ANNOTATION_LEN - 2 else \
                    s[:MAX_ANNOTATION_LEN - 2] + "..."
                out.append(f"\t  {short}")
        else:
            out.append(f"{lead}{key}: {value}")


def _head(obj: Obj, namespaced: bool = True) -> list[str]:
    meta = obj["metadata"]
    out = [f"Name:\t{meta['name']}"]
    if namespaced:
        out.append(f"Namespace:\t{meta.get('namespace', '')}")
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, meta.get("annotations"))
    return out


def _decoded_len(value: str) -> int:
    try:
        return len(base64.b64decode(value))
    except ValueError:
        return len(value)


def format_labels(m: dict[str, str] | None) -> str:
    """labels.FormatLabels: `k=v,...` sorted by key, `<none>` when empty."""
    return ",".join(f"{k}={v}" for k, v in sorted((m or {}).items())) or "<none>"


def configmap(store: Any, cm: Obj, now: float) -> str:
    out = _head(cm)
    out += ["", "Data", "===="]
    for k in sorted(cm.get("data") or {}):
        out += [f"{k}:", "----", str(cm["data"][k]), ""]
    out += ["", "BinaryData", "===="]
    for k in sorted(cm.get("binaryData") or {}):
        out.append(f"{k}: {_decoded_len(cm['binaryData'][k])} bytes")
    out.append("")
    events_block(out, events_for(store, cm), now)
    return tabwriter("\n".join(out) + "\n")


def secret(store: Any, s: Obj, now: float) -> str:
    out = _head(s)
    stype = s.get("type", "Opaque")
    out += ["", f"Type:\t{stype}", "", "Data", "===="]
    for k in sorted(s.get("data") or {}):
        if k == "token" and stype == "kubernetes.io/service-account-token":
            out.append(f"{k}:\t{base64.b64decode(s['data'][k]).decode(errors='replace')}")
        else:
            out.append(f"{k}:\t{_decoded_len(s['data'][k])} bytes")
    return tabwriter("\n".join(out) + "\n")


def serviceaccount(store: Any, sa: Obj, now: float) -> str:
    meta = sa["metadata"]
    out = _head(sa)
    secrets = store.list("Secret", meta.get("namespace"))
    existing = {s["metadata"]["name"] for s in secrets}
    tokens = [s["metadata"]["name"] for s in secrets
              if s.get("type") == "kubernetes.io/service-account-token"
              and (s["metadata"].get("annotations") or {}).get(
                  "kubernetes.io/service-account.name") == meta["name"]
              and (s["metadata"].get("annotations") or {}).get(
                  "kubernetes.io/service-account.uid") == meta.get("uid")]
    pull = [r.get("name", "") for r in sa.get("imagePullSecrets") or []]
    mount = [r.get("name", "") for r in sa.get("secrets") or []]
    missing = {n for n in pull + mount if n not in existing}
    for header, names in (("Image pull secrets:", pull), ("Mountable secrets: ", mount),
                          ("Tokens:            ", tokens)):
        if not names:
            out.append(f"{header}\t<none>")
            continue
        prefix = header
        for name in names:
            suffix = " (not found)" if name in missing else ""
            out.append(f"{prefix}\t{name}{suffix}")
            prefix = " " * 19
    events_block(out, events_for(store, sa), now)
    return tabwriter("\n".join(out) + "\n")


# --- RBAC --------------------------------------------------------------------------------------

def _go_list(items: list[str]) -> str:
    return "[" + " ".join(items) + "]"


def breakdown(rule: Obj) -> list[Obj]:
    """rbac.BreakdownRule: one rule per (group, resource, verb[, name]) and per (URL, verb)."""
    out: list[Obj] = []
    verbs = rule.get("verbs") or []
    names = rule.get("resourceNames") or []
    for g in rule.get("apiGroups") or []:
        for r in rule.get("resources") or []:
            for v in verbs:
                if names:
                    out.extend({"apiGroups": [g], "resources": [r], "verbs": [v],
                                "resourceNames": [n]} for n in names)
                else:
                    out.append({"apiGroups": [g], "resources": [r], "verbs": [v]})
    for url in rule.get("nonResourceURLs") or []:
        out.extend({"nonResourceURLs": [url], "verbs": [v]} for v in verbs)
    return out


def compact(rules: list[Obj]) -> list[Obj]:
    """rbac.CompactRules: rules of one group, one resource and at most one name merge their
    verbs (in the order met); any other rule stays as it is, ahead of the merged ones."""
    kept: list[Obj] = []
    simple: dict[tuple[str, str, str | None], Obj] = {}
    for r in rules:
        names = r.get("resourceNames") or []
        if (len(names) > 1 or r.get("nonResourceURLs") or len(r.get("apiGroups") or []) != 1
                or len(r.get("resources") or []) != 1):
            kept.append(r)
            continue
        key = (r["apiGroups"][0], r["resources"][0], names[0] if names else None)
        if key in simple:
            simple[key]["verbs"] = simple[key]["verbs"] + list(r.get("verbs") or [])
        else:
            simple[key] = {**r, "verbs": list(r.get("verbs") or [])}
    return kept + list(simple.values())


def _rule_string(r: Obj) -> str:
    """PolicyRule.String() (k8s.io/api generated), the key SortableRuleSlice sorts by."""
    return (f"&PolicyRule{{Verbs:{_go_list(r.get('verbs') or [])},"
            f"APIGroups:{_go_list(r.get('apiGroups') or [])},"
            f"Resources:{_go_list(r.get('resources') or [])},"
            f"ResourceNames:{_go_list(r.get('resourceNames') or [])},"
            f"NonResourceURLs:{_go_list(r.get('nonResourceURLs') or [])},}}")


def combine_resource_group(resources: list[str], groups: list[str]) -> str:
    if not resources:
        return ""
    parts = resources[0].split("/", 1)
    combined = parts[0]
    if groups and groups[0]:
        combined += "." + groups[0]
    if len(parts) == 2:
        combined += "/" + parts[1]
    return combined


def policy_rows(rules: list[Obj]) -> list[str]:
    broken = [b for r in rules for b in breakdown(r)]
    rows = sorted(compact(broken), key=_rule_string)
    return [f"  {combine_resource_group(r.get('resources') or [], r.get('apiGroups') or [])}\t"
            f"{_go_list(r.get('nonResourceURLs') or [])}\t"
            f"{_go_list(r.get('resourceNames') or [])}\t{_go_list(r.get('verbs') or [])}"
            for r in rows]


def role(store: Any, r: Obj, now: float) -> str:
    out = _head(r, namespaced=False)
    out += ["PolicyRule:", "  Resources\tNon-Resource URLs\tResource Names\tVerbs",
            "  ---------\t-----------------\t--------------\t-----"]
    out += policy_rows(r.get("rules") or [])
    return tabwriter("\n".join(out) + "\n")


def binding(store: Any, b: Obj, now: float) -> str:
    out = _head(b, namespaced=False)
    ref = b.get("roleRef") or {}
    out += ["Role:", f"  Kind:\t{ref.get('kind', '')}", f"  Name:\t{ref.get('name', '')}",
            "Subjects:", "  Kind\tName\tNamespace", "  ----\t----\t---------"]
    out += [f"  {s.get('kind', '')}\t{s.get('name', '')}\t{s.get('namespace', '')}"
            for s in b.get("subjects") or []]
    return tabwriter("\n".join(out) + "\n")


# --- storage, certificates, namespaces ---------------------------------------------------------

def storageclass(store: Any, sc: Obj, now: float) -> str:
    meta = sc["metadata"]
    ann = meta.get("annotations") or {}
    default = "Yes" if "true" in (ann.get("storageclass.kubernetes.io/is-default-class"),
                                  ann.get("storageclass.beta.kubernetes.io/is-default-class")) \
        else "No"
    expand = sc.get("allowVolumeExpansion")
    out = [f"Name:\t{meta['name']}", f"IsDefaultClass:\t{default}",
           f"Annotations:\t{format_labels(ann)}", f"Provisioner:\t{sc.get('provisioner', '')}",
           f"Parameters:\t{format_labels(sc.get('parameters'))}",
           "AllowVolumeExpansion:\t" + ("<unset>" if expand is None else
                                        "True" if expand else "False")]
    opts = sc.get("mountOptions") or []
    if not opts:
        out.append("MountOptions:\t<none>")
    else:
        out.append("MountOptions:")
        out.extend(f"  {o}" for o in opts)
    if sc.get("reclaimPolicy"):
        out.append(f"ReclaimPolicy:\t{sc['reclaimPolicy']}")
    if sc.get("volumeBindingMode"):
        out.append(f"VolumeBindingMode:\t{sc['volumeBindingMode']}")
    events_block(out, events_for(store, sc), now)
    return tabwriter("\n".join(out) + "\n")


def csr_status(csr: Obj) -> str:
    """extractCSRStatus."""
    types = {c.get("type") for c in (csr.get("status") or {}).get("conditions") or []}
    status = "Denied" if "Denied" in types else "Approved" if "Approved" in types else "Pending"
    if "Failed" in types:
        status += ",Failed"
    if (csr.get("status") or {}).get("certificate"):
        status += ",Issued"
    return status


def _go_duration(seconds: int) -> str:
    return human_age(float(seconds))


def csr(store: Any, c: Obj, now: float) -> str:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    meta, spec = c["metadata"], c.get("spec") or {}
    try:
        req = x509.load_pem_x509_csr(base64.b64decode(spec.get("request", "")))
    except ValueError as err:
        from app.providers.sim.shell.kubectl import KubectlError

        raise KubectlError(f"error: Error parsing CSR: {err}") from None
    out = [f"Name:\t{meta['name']}", f"Labels:\t{format_labels(meta.get('labels'))}",
           f"Annotations:\t{format_labels(meta.get('annotations'))}",
           f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}",
           f"Requesting User:\t{spec.get('username', '')}"]
    if spec.get("signerName"):
        out.append(f"Signer:\t{spec['signerName']}")
    if spec.get("expirationSeconds") is not None:
        out.append(f"Requested Duration:\t{_go_duration(int(spec['expirationSeconds']))}")
    out.append(f"Status:\t{csr_status(c)}")

    def values(oid: x509.ObjectIdentifier) -> list[str]:
        return [str(a.value) for a in req.subject.get_attributes_for_oid(oid)]

    cn = values(NameOID.COMMON_NAME)
    serial = values(NameOID.SERIAL_NUMBER)
    out += ["Subject:", f"\tCommon Name:\t{cn[0] if cn else ''}",
            f"\tSerial Number:\t{serial[0] if serial else ''}"]
    for title, oid in (("Organization", NameOID.ORGANIZATION_NAME),
                       ("Organizational Unit", NameOID.ORGANIZATIONAL_UNIT_NAME),
                       ("Country", NameOID.COUNTRY_NAME), ("Locality", NameOID.LOCALITY_NAME),
                       ("Province", NameOID.STATE_OR_PROVINCE_NAME),
                       ("StreetAddress", NameOID.STREET_ADDRESS),
                       ("PostalCode", NameOID.POSTAL_CODE)):
        vals = values(oid)
        if vals:
            out.append(f"\t{title}:\t" + "\n\t\t".join(vals))
    events_block(out, events_for(store, c), now)
    return tabwriter("\n".join(out) + "\n")


def namespace(store: Any, ns: Obj, now: float) -> str:
    out = _head(ns, namespaced=False)
    st = ns.get("status") or {}
    out.append(f"Status:\t{st.get('phase', 'Active')}")
    if st.get("conditions"):
        out += ["Conditions:", "  Type\tStatus\tLastTransitionTime\tReason\tMessage",
                "  ----\t------\t------------------\t------\t-------"]
        out += [f"  {c.get('type', '')}\t{c.get('status', '')}\t"
                f"{rfc1123z(c.get('lastTransitionTime'))}\t{c.get('reason', '')}\t"
                f"{c.get('message', '')}" for c in st["conditions"]]
    out += ["", "No resource quota.", "", "No LimitRange resource."]
    return tabwriter("\n".join(out) + "\n")


def priorityclass(store: Any, pc: Obj, now: float) -> str:
    meta = pc["metadata"]
    out = [f"Name:\t{meta['name']}", f"Value:\t{pc.get('value', 0)}",
           f"GlobalDefault:\t{'true' if pc.get('globalDefault') else 'false'}",
           f"PreemptionPolicy:\t{pc.get('preemptionPolicy', 'PreemptLowerPriority')}",
           f"Description:\t{pc.get('description', '')}",
           f"Annotations:\t{format_labels(meta.get('annotations'))}"]
    events_block(out, events_for(store, pc), now)
    return tabwriter("\n".join(out) + "\n")


def endpoints(store: Any, ep: Obj, now: float) -> str:
    out = _head(ep)
    out.append("Subsets:")
    for subset in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in subset.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in subset.get("notReadyAddresses") or [])
        out += [f"  Addresses:\t{ready or '<none>'}",
                f"  NotReadyAddresses:\t{not_ready or '<none>'}"]
        if subset.get("ports"):
            out += ["  Ports:", "    Name\tPort\tProtocol", "    ----\t----\t--------"]
            out += [f"    {p.get('name') or '<unset>'}\t{p.get('port', 0)}\t"
                    f"{p.get('protocol', 'TCP')}" for p in subset["ports"]]
        out.append("")
    events_block(out, events_for(store, ep), now)
    return tabwriter("\n".join(out) + "\n")


def daemonset(store: Any, ds: Obj, now: float) -> str:
    from app.providers.sim.shell.kubectl_describe import _template

    meta, spec, st = ds["metadata"], ds.get("spec") or {}, ds.get("status") or {}
    tmpl = spec.get("template") or {}
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}",
           f"Selector:\t{format_labels((spec.get('selector') or {}).get('matchLabels'))}",
           f"Node-Selector:\t{format_labels((tmpl.get('spec') or {}).get('nodeSelector'))}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, meta.get("annotations"))
    out += [f"Desired Number of Nodes Scheduled: {st.get('desiredNumberScheduled', 0)}",
            f"Current Number of Nodes Scheduled: {st.get('currentNumberScheduled', 0)}",
            "Number of Nodes Scheduled with Up-to-date Pods: "
            f"{st.get('updatedNumberScheduled', 0)}",
            f"Number of Nodes Scheduled with Available Pods: {st.get('numberAvailable', 0)}",
            f"Number of Nodes Misscheduled: {st.get('numberMisscheduled', 0)}"]
    pods = [p for p in store.list("Pod", meta.get("namespace"))
            if any(r.get("controller") and r.get("uid") == meta.get("uid")
                   for r in p["metadata"].get("ownerReferences") or [])]
    count = {ph: sum(1 for p in pods if (p.get("status") or {}).get("phase") == ph)
             for ph in ("Running", "Pending", "Succeeded", "Failed")}
    out.append(f"Pods Status:\t{count['Running']} Running / {count['Pending']} Waiting / "
               f"{count['Succeeded']} Succeeded / {count['Failed']} Failed")
    _template(out, tmpl)
    events_block(out, events_for(store, ds), now)
    return tabwriter("\n".join(out) + "\n")


DESCRIBERS = {"ConfigMap": configmap, "Secret": secret, "ServiceAccount": serviceaccount,
              "Role": role, "ClusterRole": role, "RoleBinding": binding,
              "ClusterRoleBinding": binding, "StorageClass": storageclass,
              "CertificateSigningRequest": csr, "Namespace": namespace,
              "PriorityClass": priorityclass, "Endpoints": endpoints, "DaemonSet": daemonset}


def describer(kind: str) -> Any:  # noqa: ANN401 - a describer function or None
    """This module's describer for `kind`, or kubectl_describe_generic's."""
    from app.providers.sim.shell import kubectl_describe_generic

    return DESCRIBERS.get(kind) or kubectl_describe_generic.DESCRIBERS.get(kind)
