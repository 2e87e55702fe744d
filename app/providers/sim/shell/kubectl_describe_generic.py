"""`kubectl describe` for EndpointSlices and StatefulSets, and kubectl's generic describer for
the kinds describe.go has no describer for (Leases, Events).

k8s.io/kubectl v0.33.1 `pkg/describe/describe.go`: describeEndpointSliceV1, describeStatefulSet
(+ describeVolumeClaimTemplates), and
genericDescriber.Describe + printUnstructuredContent + smartLabelFor (field names split by
github.com/fatih/camelcase and title-cased, the acronyms API URL UID OSB GUID in capitals;
a name with any character but letters and `-` is printed as it is). The object is walked with
its keys sorted, skipping .metadata.{managedFields,name,namespace,labels,annotations}.
"""

from __future__ import annotations

import json
from typing import Any

from app.providers.sim.shell.gotabwriter import tabwriter
from app.providers.sim.shell.kubectl_describe import events_block, events_for, labels
from app.providers.sim.shell.kubectl_describe_config import annotations

Obj = dict[str, Any]
ACRONYMS = {"API", "URL", "UID", "OSB", "GUID"}
SKIP = {".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels",
        ".metadata.annotations"}


def _class(ch: str) -> int:
    return 1 if ch.islower() else 2 if ch.isupper() else 3 if ch.isdigit() else 4


def camel_split(src: str) -> list[str]:
    """fatih/camelcase Split: runs of one character class, an upper-case run giving its last
    letter to a following lower-case run (`PDFLoader` -> `PDF`, `Loader`)."""
    runs: list[list[str]] = []
    last = 0
    for ch in src:
        cls = _class(ch)
        if runs and cls == last:
            runs[-1].append(ch)
        else:
            runs.append([ch])
        last = cls
    for i in range(len(runs) - 1):
        if runs[i] and runs[i][0].isupper() and runs[i + 1] and runs[i + 1][0].islower():
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(r) for r in runs if r]


def smart_label(field: str) -> str:
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts = []
    for part in camel_split(field):
        if part == "_":
            continue
        parts.append(part.upper() if part.upper() in ACRONYMS else part[:1].upper() + part[1:])
    return " ".join(parts)


def _go_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if not isinstance(value, str) else value


def unstructured(out: list[str], level: int, content: Obj, prefix: str = "") -> None:
    pad = "  " * level
    for field in sorted(content):
        value = content[field]
        expr = f"{prefix}.{field}"
        if expr in SKIP:
            continue
        if isinstance(value, dict):
            out.append(f"{pad}{smart_label(field)}:")
            unstructured(out, level + 1, value, expr)
        elif isinstance(value, list):
            out.append(f"{pad}{smart_label(field)}:")
            for child in value:
                if isinstance(child, dict):
                    unstructured(out, level + 1, child, expr)
                else:
                    out.append(f"{pad}  {_go_value(child)}")
        else:
            out.append(f"{pad}{smart_label(field)}:\t{_go_value(value)}")


def generic(store: Any, obj: Obj, now: float) -> str:
    meta = obj["metadata"]
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, meta.get("annotations"))
    unstructured(out, 0, json.loads(json.dumps(obj)))
    events_block(out, events_for(store, obj), now)
    return tabwriter("\n".join(out) + "\n")


def endpointslice(store: Any, eps: Obj, now: float) -> str:
    meta = eps["metadata"]
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, meta.get("annotations"))
    out.append(f"AddressType:\t{eps.get('addressType', '')}")
    ports = eps.get("ports") or []
    if not ports:
        out.append("Ports: <unset>")
    else:
        out += ["Ports:", "  Name\tPort\tProtocol", "  ----\t----\t--------"]
        out += [f"  {p.get('name') or '<unset>'}\t"
                f"{p['port'] if p.get('port') is not None else '<unset>'}\t"
                f"{p.get('protocol', 'TCP')}" for p in ports]
    endpoints = eps.get("endpoints") or []
    if not endpoints:
        out.append("Endpoints: <none>")
    else:
        out.append("Endpoints:")
        for ep in endpoints:
            ready = (ep.get("conditions") or {}).get("ready")
            out += [f"  - Addresses:\t{', '.join(ep.get('addresses') or []) or '<none>'}",
                    "    Conditions:",
                    "      Ready:\t" + ("<unset>" if ready is None else
                                        "true" if ready else "false"),
                    f"    Hostname:\t{ep.get('hostname', '<unset>')}"]
            if ep.get("targetRef"):
                out.append(f"    TargetRef:\t{ep['targetRef'].get('kind', '')}/"
                           f"{ep['targetRef'].get('name', '')}")
            out += [f"    NodeName:\t{ep.get('nodeName', '<unset>')}",
                    f"    Zone:\t{ep.get('zone', '<unset>')}"]
    events_block(out, events_for(store, eps), now)
    return tabwriter("\n".join(out) + "\n")


def statefulset(store: Any, sts: Obj, now: float) -> str:
    """describeStatefulSet + describeVolumeClaimTemplates."""
    from app.providers.sim.shell.kubectl_describe import _template, rfc1123z
    from app.providers.sim.shell.kubectl_describe_config import format_labels

    meta, spec, st = sts["metadata"], sts.get("spec") or {}, sts.get("status") or {}
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}",
           f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}",
           f"Selector:\t{format_labels((spec.get('selector') or {}).get('matchLabels'))}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, meta.get("annotations"))
    strategy = spec.get("updateStrategy") or {}
    out += [f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('replicas', 0)} total",
            f"Update Strategy:\t{strategy.get('type', 'RollingUpdate')}"]
    ru = dict(strategy.get("rollingUpdate") or {})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        ru.setdefault("partition", 0)  # SetDefaults_StatefulSet
    if ru.get("partition") is not None:
        out.append(f"  Partition:\t{ru['partition']}")
        if ru.get("maxUnavailable") is not None:
            out.append(f"  MaxUnavailable:\t{ru['maxUnavailable']}")
    pods = [p for p in store.list("Pod", meta.get("namespace"))
            if any(r.get("controller") and r.get("uid") == meta.get("uid")
                   for r in p["metadata"].get("ownerReferences") or [])]
    n = {ph: sum(1 for p in pods if (p.get("status") or {}).get("phase") == ph)
         for ph in ("Running", "Pending", "Succeeded", "Failed")}
    out.append(f"Pods Status:\t{n['Running']} Running / {n['Pending']} Waiting / "
               f"{n['Succeeded']} Succeeded / {n['Failed']} Failed")
    _template(out, spec.get("template") or {})
    claims = spec.get("volumeClaimTemplates") or []
    if not claims:
        out.append("Volume Claims:\t<none>")
    else:
        out.append("Volume Claims:")
        for pvc in claims:
            pmeta, pspec = pvc.get("metadata") or {}, pvc.get("spec") or {}
            ann = pmeta.get("annotations") or {}
            cls = ann.get("volume.beta.kubernetes.io/storage-class") or \
                pspec.get("storageClassName", "")
            out += [f"  Name:\t{pmeta.get('name', '')}", f"  StorageClass:\t{cls}"]
            labels(out, "  ", "Labels", pmeta.get("labels"))
            labels(out, "  ", "Annotations", ann)
            size = ((pspec.get("resources") or {}).get("requests") or {}).get("storage")
            out += [f"  Capacity:\t{size or '<default>'}",
                    f"  Access Modes:\t[{' '.join(pspec.get('accessModes') or [])}]"]
    events_block(out, events_for(store, sts), now)
    return tabwriter("\n".join(out) + "\n")


DESCRIBERS = {"EndpointSlice": endpointslice, "Lease": generic, "Event": generic,
              "StatefulSet": statefulset}
