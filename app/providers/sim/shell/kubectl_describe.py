"""`kubectl describe` for pods, deployments, replicasets, services and nodes.

Layout from k8s.io/kubectl `pkg/describe/describe.go` (describePod, describeContainers,
DescribeProbe, describeDeployment, describeService, describeNode, DescribeEvents): each line
is written with a PrefixWriter level (0, 2, 4, 6 spaces) and `\\t` between label and value,
then aligned by Go's tabwriter (minwidth 0, padding 2).
"""

from __future__ import annotations

from typing import Any

from app.providers.sim.clock import human_age, utc
from app.providers.sim.shell.gotabwriter import tabwriter
from app.providers.sim.shell.kubectl_printers import ts

Obj = dict[str, Any]
L0, L1, L2, L3 = "", "  ", "    ", "      "


def rfc1123z(stamp: str | None) -> str:
    if not stamp:
        return "<unset>"
    return f"{utc(ts(stamp)):%a, %d %b %Y %H:%M:%S} +0000"


def go_seconds(n: int) -> str:
    n = int(n)
    if n < 60:
        return f"{n}s"
    if n < 3600:
        return f"{n // 60}m{n % 60}s"
    return f"{n // 3600}h{n % 3600 // 60}m{n % 60}s"


def _multiline(out: list[str], indent: str, title: str, items: list[str]) -> None:
    if not items:
        out.append(f"{indent}{title}:\t<none>")
        return
    out.append(f"{indent}{title}:\t{items[0]}")
    out.extend(f"{indent}\t{x}" for x in items[1:])


def labels(out: list[str], indent: str, title: str, m: dict[str, str] | None) -> None:
    _multiline(out, indent, title, [f"{k}={v}" for k, v in sorted((m or {}).items())])


def annotations(out: list[str], indent: str, m: dict[str, str] | None) -> None:
    skip = {"kubectl.kubernetes.io/last-applied-configuration"}
    _multiline(out, indent, "Annotations",
               [f"{k}: {v}" for k, v in sorted((m or {}).items()) if k not in skip])


def tolerations(out: list[str], indent: str, tols: list[Obj] | None) -> None:
    items = []
    for t in tols or []:
        s = t.get("key", "")
        if t.get("value"):
            s += f"={t['value']}"
        if t.get("effect"):
            s += f":{t['effect']}"
        if t.get("operator") == "Exists":
            s += " op=Exists"
        if t.get("tolerationSeconds") is not None:
            s += f" for {t['tolerationSeconds']}s"
        items.append(s)
    _multiline(out, indent, "Tolerations", items)


def describe_probe(p: Obj) -> str:
    attrs = (f"delay={go_seconds(p.get('initialDelaySeconds', 0))} "
             f"timeout={go_seconds(p.get('timeoutSeconds', 1))} "
             f"period={go_seconds(p.get('periodSeconds', 10))} "
             f"#success={p.get('successThreshold', 1)} #failure={p.get('failureThreshold', 3)}")
    if "httpGet" in p:
        h = p["httpGet"]
        scheme = str(h.get("scheme", "HTTP")).lower()
        return f"http-get {scheme}://{h.get('host', '')}:{h.get('port')}{h.get('path', '')} " \
               f"{attrs}"
    if "tcpSocket" in p:
        s = p["tcpSocket"]
        return f"tcp-socket {s.get('host', '')}:{s.get('port')} {attrs}"
    if "exec" in p:
        return f"exec [{' '.join(p['exec'].get('command') or [])}] {attrs}"
    return f"unknown {attrs}"


def _state(out: list[str], name: str, state: Obj) -> None:
    if "running" in state:
        out.append(f"{L2}{name}:\tRunning")
        out.append(f"{L3}Started:\t{rfc1123z(state['running'].get('startedAt'))}")
    elif "terminated" in state:
        t = state["terminated"]
        out.append(f"{L2}{name}:\tTerminated")
        if t.get("reason"):
            out.append(f"{L3}Reason:\t{t['reason']}")
        out.append(f"{L3}Exit Code:\t{t.get('exitCode', 0)}")
        out.append(f"{L3}Started:\t{rfc1123z(t.get('startedAt'))}")
        out.append(f"{L3}Finished:\t{rfc1123z(t.get('finishedAt'))}")
    else:
        out.append(f"{L2}{name}:\tWaiting")
        reason = (state.get("waiting") or {}).get("reason")
        if reason:
            out.append(f"{L3}Reason:\t{reason}")


def containers(out: list[str], indent: str, specs: list[Obj], statuses: list[Obj] | None,
               name_indent: str = "") -> None:
    by_name = {s["name"]: s for s in statuses or []}
    out.append(f"{indent}Containers:")
    name_indent = name_indent or L1
    for c in specs:
        st = by_name.get(c["name"]) if statuses is not None else None
        out.append(f"{indent}{name_indent}{c['name']}:")
        if st is not None:
            out.append(f"{L2}Container ID:\t{st.get('containerID', '')}")
        out.append(f"{L2}Image:\t{c.get('image', '')}")
        if st is not None:
            out.append(f"{L2}Image ID:\t{st.get('imageID', '')}")
        ports = ",".join(f"{p['containerPort']}/{p.get('protocol', 'TCP')}"
                         for p in c.get("ports") or [])
        hports = ",".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}"
                          for p in c.get("ports") or [])
        out.append(f"{L2}{'Ports' if ',' in ports else 'Port'}:\t{ports or '<none>'}")
        out.append(f"{L2}{'Host Ports' if ',' in hports else 'Host Port'}:\t"
                   f"{hports or '<none>'}")
        for key, title in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                out.append(f"{L2}{title}:")
                out.extend(f"{L3}{x}" for x in c[key])
        if st is not None:
            _state(out, "State", st.get("state") or {})
            last = st.get("lastState") or {}
            if "terminated" in last:
                _state(out, "Last State", last)
            out.append(f"{L2}Ready:\t{'True' if st.get('ready') else 'False'}")
            out.append(f"{L2}Restart Count:\t{st.get('restartCount', 0)}")
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
                           ("startupProbe", "Startup")):
            if c.get(key):
                out.append(f"{L2}{title}:\t{describe_probe(c[key])}")
        env = c.get("env") or []
        if not env:
            out.append(f"{L2}Environment:\t<none>")
        else:
            out.append(f"{L2}Environment:")
            out.extend(f"{L3}{e['name']}:\t{e.get('value', '')}" for e in env)
        mounts = c.get("volumeMounts") or []
        out.append(f"{L2}Mounts:" + ("\t<none>" if not mounts else ""))
        for m in mounts:
            out.append(f"{L3}{m['mountPath']} from {m['name']} "
                       f"({'ro' if m.get('readOnly') else 'rw'})")


def volumes(out: list[str], indent: str, vols: list[Obj] | None) -> None:
    if not vols:
        out.append(f"{indent}Volumes:\t<none>")
        return
    out.append(f"{indent}Volumes:")
    for v in vols:
        out.append(f"{indent}{L1}{v['name']}:")
        if "projected" in v:
            out.append(f"{indent}{L2}Type:\tProjected (a volume that contains injected data "
                       "from multiple sources)")
            for src in v["projected"].get("sources") or []:
                if "serviceAccountToken" in src:
                    out.append(f"{indent}{L2}TokenExpirationSeconds:\t"
                               f"{src['serviceAccountToken'].get('expirationSeconds', 3607)}")
                elif "configMap" in src:
                    out.append(f"{indent}{L2}ConfigMapName:\t{src['configMap']['name']}")
                    out.append(f"{indent}{L2}Optional:\tfalse")
                elif "downwardAPI" in src:
                    out.append(f"{indent}{L2}DownwardAPI:\ttrue")
        elif "hostPath" in v:
            hp = v["hostPath"]
            out.append(f"{indent}{L2}Type:\tHostPath (bare host directory volume)")
            out.append(f"{indent}{L2}Path:\t{hp.get('path', '')}")
            out.append(f"{indent}{L2}HostPathType:\t{hp.get('type', '')}")
        elif "configMap" in v:
            out.append(f"{indent}{L2}Type:\tConfigMap (a volume populated by a ConfigMap)")
            out.append(f"{indent}{L2}Name:\t{v['configMap'].get('name', '')}")
            out.append(f"{indent}{L2}Optional:\tfalse")
        else:
            out.append(f"{indent}{L2}Type:\tEmptyDir (a temporary directory that shares a "
                       "pod's lifetime)")


def events_block(out: list[str], evs: list[Obj], now: float) -> None:
    """DescribeEvents."""
    if not evs:
        out.append("Events:\t<none>")
        return
    out.append("Events:")
    out.append("  Type\tReason\tAge\tFrom\tMessage")
    out.append(f"{L1}----\t------\t----\t----\t-------")
    for e in sorted(evs, key=lambda e: ts(e.get("lastTimestamp") or e.get("firstTimestamp"))):
        first = human_age(now - ts(e.get("firstTimestamp")))
        if int(e.get("count", 1)) > 1:
            interval = (f"{human_age(now - ts(e.get('lastTimestamp')))} "
                        f"(x{e['count']} over {first})")
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent", "")
        out.append(f"{L1}{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t"
                   f"{str(e.get('message', '')).strip()}")


def events_for(store: Any, obj: Obj) -> list[Obj]:
    meta = obj["metadata"]
    return [e for e in store.list("Event", meta.get("namespace") or None)
            if e["involvedObject"].get("uid") == meta.get("uid")
            and e["involvedObject"].get("name") == meta["name"]]


def _controller(obj: Obj) -> str:
    for r in obj["metadata"].get("ownerReferences") or []:
        if r.get("controller"):
            return f"{r['kind']}/{r['name']}"
    return ""


def pod(store: Any, p: Obj, now: float) -> str:
    meta, spec, st = p["metadata"], p["spec"], p.get("status") or {}
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta['namespace']}",
           f"Priority:\t{spec.get('priority', 0)}"]
    if spec.get("priorityClassName"):
        out.append(f"Priority Class Name:\t{spec['priorityClassName']}")
    out.append(f"Service Account:\t{spec.get('serviceAccountName', 'default')}")
    node = spec.get("nodeName")
    out.append(f"Node:\t{node}/{st.get('hostIP', '')}" if node else "Node:\t<none>")
    if st.get("startTime"):
        out.append(f"Start Time:\t{rfc1123z(st['startTime'])}")
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, "", meta.get("annotations"))
    out.append(f"Status:\t{st.get('phase', 'Pending')}")
    out.append(f"IP:\t{st.get('podIP', '')}")
    if st.get("podIPs"):
        out.append("IPs:")
        out.extend(f"{L1}IP:\t{x['ip']}" for x in st["podIPs"])
    else:
        out.append("IPs:\t<none>")
    ctl = _controller(p)
    if ctl:
        out.append(f"Controlled By:\t{ctl}")
    containers(out, "", spec.get("containers") or [], st.get("containerStatuses") or [])
    if st.get("conditions"):
        out.append("Conditions:")
        out.append("  Type\tStatus")
        out.extend(f"{L1}{c['type']} \t{c['status']} " for c in st["conditions"])
    volumes(out, "", spec.get("volumes"))
    out.append(f"QoS Class:\t{st.get('qosClass', 'BestEffort')}")
    labels(out, "", "Node-Selectors", spec.get("nodeSelector"))
    tolerations(out, "", spec.get("tolerations"))
    events_block(out, events_for(store, p), now)
    return tabwriter("\n".join(out) + "\n")


def _template(out: list[str], tmpl: Obj) -> None:
    out.append("Pod Template:")
    labels(out, L1, "Labels", (tmpl.get("metadata") or {}).get("labels"))
    ann = (tmpl.get("metadata") or {}).get("annotations")
    if ann:
        _multiline(out, L1, "Annotations", [f"{k}: {v}" for k, v in sorted(ann.items())])
    spec = tmpl.get("spec") or {}
    if spec.get("serviceAccountName"):
        out.append(f"{L1}Service Account:\t{spec['serviceAccountName']}")
    containers(out, L1, spec.get("containers") or [], None, name_indent=" ")
    volumes(out, L1, spec.get("volumes"))
    labels(out, L1, "Node-Selectors", spec.get("nodeSelector"))
    tolerations(out, L1, spec.get("tolerations"))


def _selector(sel: Obj | None) -> str:
    return ",".join(f"{k}={v}" for k, v in ((sel or {}).get("matchLabels") or {}).items())


def deployment(store: Any, d: Obj, now: float) -> str:
    meta, spec, st = d["metadata"], d["spec"], d.get("status") or {}
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta['namespace']}",
           f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, "", meta.get("annotations"))
    out.append(f"Selector:\t{_selector(spec.get('selector'))}")
    desired = spec.get("replicas", 1)
    out.append(f"Replicas:\t{desired} desired | {st.get('updatedReplicas', 0)} updated | "
               f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
               f"{st.get('unavailableReplicas', 0)} unavailable")
    strategy = spec.get("strategy") or {}
    out.append(f"StrategyType:\t{strategy.get('type', 'RollingUpdate')}")
    out.append(f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}")
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        ru = strategy.get("rollingUpdate") or {}
        out.append(f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', '25%')} max unavailable, "
                   f"{ru.get('maxSurge', '25%')} max surge")
    _template(out, spec.get("template") or {})
    if st.get("conditions"):
        out.append("Conditions:")
        out.append("  Type\tStatus\tReason")
        out.append(f"{L1}----\t------\t------")
        out.extend(f"{L1}{c['type']} \t{c['status']}\t{c.get('reason', '')}"
                   for c in st["conditions"])
    uid = meta.get("uid")
    owned = [rs for rs in store.list("ReplicaSet", meta["namespace"])
             if any(r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or [])]
    h = None
    from app.providers.sim.controllers import _current

    cur = _current(owned, spec.get("template") or {})
    if cur is not None:
        h = cur["metadata"]["name"]
    old = [rs for rs in owned if rs is not cur and (rs.get("status") or {}).get("replicas")]

    def rs_line(rs: Obj) -> str:
        return (f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/"
                f"{rs['spec'].get('replicas', 0)} replicas created)")

    out.append(f"OldReplicaSets:\t{', '.join(rs_line(r) for r in old) or '<none>'}")
    out.append(f"NewReplicaSet:\t{rs_line(cur) if h else '<none>'}")
    events_block(out, events_for(store, d), now)
    return tabwriter("\n".join(out) + "\n")


def replicaset(store: Any, rs: Obj, now: float) -> str:
    meta, spec, st = rs["metadata"], rs["spec"], rs.get("status") or {}
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta['namespace']}",
           f"Selector:\t{_selector(spec.get('selector'))}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, "", meta.get("annotations"))
    if _controller(rs):
        out.append(f"Controlled By:\t{_controller(rs)}")
    out.append(f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 0)} desired")
    pods = [p for p in store.list("Pod", meta["namespace"])
            if any(r.get("uid") == meta.get("uid")
                   for r in p["metadata"].get("ownerReferences") or [])]
    phases = {ph: sum(1 for p in pods if (p.get("status") or {}).get("phase") == ph)
              for ph in ("Running", "Pending", "Succeeded", "Failed")}
    out.append(f"Pods Status:\t{phases['Running']} Running / {phases['Pending']} Waiting / "
               f"{phases['Succeeded']} Succeeded / {phases['Failed']} Failed")
    _template(out, spec.get("template") or {})
    events_block(out, events_for(store, rs), now)
    return tabwriter("\n".join(out) + "\n")


def service(store: Any, s: Obj, now: float) -> str:
    meta, spec = s["metadata"], s["spec"]
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta['namespace']}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, "", meta.get("annotations"))
    sel = spec.get("selector") or {}
    out.append(f"Selector:\t{','.join(f'{k}={v}' for k, v in sorted(sel.items())) or '<none>'}")
    out.append(f"Type:\t{spec.get('type', 'ClusterIP')}")
    out.append("IP Family Policy:\tSingleStack")
    out.append("IP Families:\tIPv4")
    out.append(f"IP:\t{spec.get('clusterIP', '')}")
    out.append(f"IPs:\t{','.join(spec.get('clusterIPs') or [spec.get('clusterIP', '')])}")
    slices = [e for e in store.list("EndpointSlice", meta["namespace"])
              if (e["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
              == meta["name"]]
    for p in spec.get("ports") or []:
        proto = p.get("protocol", "TCP")
        out.append(f"Port:\t{p.get('name') or '<unset>'}\t{p['port']}/{proto}")
        target = p.get("targetPort", p["port"])
        out.append(f"TargetPort:\t{target}/{proto}")
        if p.get("nodePort"):
            out.append(f"NodePort:\t{p.get('name') or '<unset>'}\t{p['nodePort']}/{proto}")
        addrs = []
        for sl in slices:
            port = next((x.get("port") for x in sl.get("ports") or []
                         if x.get("name", "") == p.get("name", "")), None)
            for ep in sl.get("endpoints") or []:
                if (ep.get("conditions") or {}).get("ready"):
                    addrs.extend(f"{a}:{port}" for a in ep.get("addresses") or [])
        out.append(f"Endpoints:\t{','.join(addrs[:3])}"
                   + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else ""))
    out.append(f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}")
    out.append(f"Internal Traffic Policy:\t{spec.get('internalTrafficPolicy', 'Cluster')}")
    events_block(out, events_for(store, s), now)
    return tabwriter("\n".join(out) + "\n")


def node(store: Any, n: Obj, now: float) -> str:
    meta, spec, st = n["metadata"], n["spec"], n.get("status") or {}
    lbl = meta.get("labels") or {}
    roles = sorted(k.split("/", 1)[1] for k in lbl if k.startswith("node-role.kubernetes.io/"))
    out = [f"Name:\t{meta['name']}", f"Roles:\t{','.join(roles) or '<none>'}"]
    labels(out, "", "Labels", lbl)
    annotations(out, "", meta.get("annotations"))
    out.append(f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}")
    taints = [f"{t['key']}{'=' + t['value'] if t.get('value') else ''}:{t['effect']}"
              for t in spec.get("taints") or []]
    _multiline(out, "", "Taints", taints)
    out.append(f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}")
    out.append("Conditions:")
    out.append("  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
    out.append(f"{L1}----\t------\t-----------------\t------------------\t------\t-------")
    for c in st.get("conditions") or []:
        out.append(f"{L1}{c['type']} \t{c['status']} \t{rfc1123z(c.get('lastHeartbeatTime'))} "
                   f"\t{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t"
                   f"{c.get('message', '')}")
    out.append("Addresses:")
    out.extend(f"{L1}{a['type']}:\t{a['address']}" for a in st.get("addresses") or [])
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        out.append(f"{title}:")
        out.extend(f"{L1}{k}:\t{v}" for k, v in sorted((st.get(key) or {}).items()))
    info = st.get("nodeInfo") or {}
    out.append("System Info:")
    for title, key in (("Architecture", "architecture"), ("Container Runtime Version",
                       "containerRuntimeVersion"), ("Kernel Version", "kernelVersion"),
                       ("Kubelet Version", "kubeletVersion"), ("Operating System",
                       "operatingSystem"), ("OS Image", "osImage")):
        out.append(f"{L1}{title}:\t{info.get(key, '')}")
    out.append(f"PodCIDR:\t{spec.get('podCIDR', '')}")
    out.append(f"PodCIDRs:\t{','.join(spec.get('podCIDRs') or [])}")
    out.append(f"ProviderID:\t{spec.get('providerID', '')}")
    pods = [p for p in store.list("Pod") if p["spec"].get("nodeName") == meta["name"]
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    out.append(f"Non-terminated Pods:\t({len(pods)} in total)")
    out.append("  Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
    out.append(f"{L1}---------\t----\t------------\t----------\t---------------\t-------------"
               "\t---")
    for p in pods:
        out.append(f"{L1}{p['metadata']['namespace']}\t{p['metadata']['name']}\t0 (0%)\t"
                   f"0 (0%)\t0 (0%)\t0 (0%)\t"
                   f"{human_age(now - ts(p['metadata'].get('creationTimestamp')))}")
    events_block(out, events_for(store, n), now)
    return tabwriter("\n".join(out) + "\n")


DESCRIBERS = {"Pod": pod, "Deployment": deployment, "ReplicaSet": replicaset,
              "Service": service, "Node": node}
