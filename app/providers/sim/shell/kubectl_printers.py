"""kubectl's table columns per resource.

From kubernetes `pkg/printers/internalversion/printers.go` (column definitions per kind).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.providers.sim.clock import human_age, parse_rfc3339

Obj = dict[str, Any]
Row = list[str]


ts = parse_rfc3339


def age(obj: Obj, now: float) -> str:
    created = obj["metadata"].get("creationTimestamp")
    return human_age(now - ts(created)) if created else "<unknown>"


def pod_status_cell(pod: Obj, node_unreachable: bool = False) -> tuple[str, int, int, str]:
    """(STATUS, ready, total, RESTARTS) the way printPod computes them."""
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Pending"
    statuses = status.get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or [])
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    last_restart = 0.0
    for s in statuses:
        term = (s.get("lastState") or {}).get("terminated")
        if term:
            last_restart = max(last_restart, ts(term.get("finishedAt")))
    for s in reversed(statuses):
        state = s.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            term = state["terminated"]
            reason = term.get("reason") or f"ExitCode:{term.get('exitCode', 0)}"
        elif "running" in state and s.get("ready") is not None:
            continue
    if reason == "ContainerCreating" and status.get("phase") == "Running":
        reason = "Running"
    if pod["metadata"].get("deletionTimestamp"):
        # printPod: a pod being deleted on a lost node reads Unknown, otherwise Terminating;
        # until eviction a pod on an unreachable node still reads Running (Ready False).
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason, ready, total, str(restarts) + ("" if not restarts or not last_restart
                                                  else "\0" + str(last_restart))


def _restarts(cell: str, now: float) -> str:
    if "\0" not in cell:
        return cell
    count, when = cell.split("\0")
    return f"{count} ({human_age(now - float(when))} ago)"


def pods(objs: list[Obj], now: float, wide: bool, unreachable: set[str]) -> tuple[Row, list[Row]]:
    head = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    if wide:
        head += ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    rows = []
    for p in objs:
        node = (p.get("spec") or {}).get("nodeName") or "<none>"
        reason, ready, total, restarts = pod_status_cell(p, node in unreachable)
        row = [p["metadata"]["name"], f"{ready}/{total}", reason, _restarts(restarts, now),
               age(p, now)]
        if wide:
            row += [(p.get("status") or {}).get("podIP") or "<none>", node, "<none>", "<none>"]
        rows.append(row)
    return head, rows


def node_ready(n: Obj) -> str:
    for c in n["status"].get("conditions") or []:
        if c["type"] == "Ready":
            return "Ready" if c["status"] == "True" else "NotReady"
    return "Unknown"


def nodes(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    head = ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    if wide:
        head += ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    rows = []
    for n in objs:
        labels = n["metadata"].get("labels") or {}
        roles = sorted(k.split("/", 1)[1] for k in labels
                       if k.startswith("node-role.kubernetes.io/"))
        status = node_ready(n)
        if n["spec"].get("unschedulable"):
            status += ",SchedulingDisabled"
        info = n["status"].get("nodeInfo") or {}
        row = [n["metadata"]["name"], status, ",".join(roles) or "<none>", age(n, now),
               info.get("kubeletVersion", "")]
        if wide:
            addrs = {a["type"]: a["address"] for a in n["status"].get("addresses") or []}
            row += [addrs.get("InternalIP", "<none>"), addrs.get("ExternalIP", "<none>"),
                    info.get("osImage", ""), info.get("kernelVersion", ""),
                    info.get("containerRuntimeVersion", "")]
        rows.append(row)
    return head, rows


def deployments(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    head = ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    if wide:
        head += ["CONTAINERS", "IMAGES", "SELECTOR"]
    rows = []
    for d in objs:
        st, spec = d.get("status") or {}, d["spec"]
        row = [d["metadata"]["name"], f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
               str(st.get("updatedReplicas", 0)), str(st.get("availableReplicas", 0)), age(d, now)]
        if wide:
            cs = spec["template"]["spec"]["containers"]
            row += [",".join(c["name"] for c in cs), ",".join(c.get("image", "") for c in cs),
                    ",".join(f"{k}={v}" for k, v in spec["selector"]["matchLabels"].items())]
        rows.append(row)
    return head, rows


def replicasets(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    head = ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    rows = [[r["metadata"]["name"], str(r["spec"].get("replicas", 1)),
             str((r.get("status") or {}).get("replicas", 0)),
             str((r.get("status") or {}).get("readyReplicas", 0)), age(r, now)] for r in objs]
    return head, rows


def daemonsets(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    head = ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR",
            "AGE"]
    rows = []
    for d in objs:
        st = d.get("status") or {}
        sel = (d["spec"]["template"]["spec"].get("nodeSelector") or {})
        rows.append([d["metadata"]["name"], str(st.get("desiredNumberScheduled", 0)),
                     str(st.get("currentNumberScheduled", 0)), str(st.get("numberReady", 0)),
                     str(st.get("updatedNumberScheduled", 0)), str(st.get("numberAvailable", 0)),
                     ",".join(f"{k}={v}" for k, v in sel.items()) or "<none>", age(d, now)])
    return head, rows


def services(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    head = ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    if wide:
        head.append("SELECTOR")
    rows = []
    for s in objs:
        spec = s["spec"]
        ports = ",".join(f"{p['port']}/{p.get('protocol', 'TCP')}" if not p.get("nodePort")
                         else f"{p['port']}:{p['nodePort']}/{p.get('protocol', 'TCP')}"
                         for p in spec.get("ports") or []) or "<none>"
        row = [s["metadata"]["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", ""),
               "<none>", ports, age(s, now)]
        if wide:
            row.append(",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items())
                       or "<none>")
        rows.append(row)
    return head, rows


def namespaces(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    return ["NAME", "STATUS", "AGE"], [
        [n["metadata"]["name"], (n.get("status") or {}).get("phase", "Active"), age(n, now)]
        for n in objs]


def configmaps(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    return ["NAME", "DATA", "AGE"], [
        [c["metadata"]["name"], str(len(c.get("data") or {}) + len(c.get("binaryData") or {})),
         age(c, now)] for c in objs]


def secrets(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    return ["NAME", "TYPE", "DATA", "AGE"], [
        [c["metadata"]["name"], c.get("type", "Opaque"), str(len(c.get("data") or {})),
         age(c, now)] for c in objs]


def cronjobs(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """printCronJob (kubectl 1.27+): TIMEZONE `<none>` unless set, ACTIVE counts running Jobs,
    LAST SCHEDULE is an age; -o wide adds the job template's containers, images, selector."""
    head = ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    if wide:
        head += ["CONTAINERS", "IMAGES", "SELECTOR"]
    rows = []
    for c in objs:
        spec, st = c.get("spec") or {}, c.get("status") or {}
        last = st.get("lastScheduleTime")
        row = [c["metadata"]["name"], spec.get("schedule", ""), spec.get("timeZone") or "<none>",
               "True" if spec.get("suspend") else "False", str(len(st.get("active") or [])),
               human_age(now - ts(last)) if last else "<none>", age(c, now)]
        if wide:
            job = (spec.get("jobTemplate") or {}).get("spec") or {}
            cs = ((job.get("template") or {}).get("spec") or {}).get("containers") or []
            labels = (job.get("selector") or {}).get("matchLabels") or {}
            row += [",".join(x.get("name", "") for x in cs),
                    ",".join(x.get("image", "") for x in cs),
                    ",".join(f"{k}={v}" for k, v in labels.items()) or "<none>"]
        rows.append(row)
    return head, rows


def _has_condition(obj: Obj, type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def jobs(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """printJob (1.33): STATUS from the conditions (Complete, Failed, Terminating, Suspended,
    FailureTarget, else Running); COMPLETIONS `succeeded/completions`, or `n/1 of P` for a
    work queue with parallelism P > 1; DURATION from startTime to completionTime (or now)."""
    head = ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    if wide:
        head += ["CONTAINERS", "IMAGES", "SELECTOR"]
    rows = []
    for j in objs:
        spec, st = j.get("spec") or {}, j.get("status") or {}
        done = int(st.get("succeeded", 0))
        if spec.get("completions") is not None:
            completions = f"{done}/{spec['completions']}"
        elif int(spec.get("parallelism") or 0) > 1:
            completions = f"{done}/1 of {spec['parallelism']}"
        else:
            completions = f"{done}/1"
        start, end = st.get("startTime"), st.get("completionTime")
        duration = human_age((ts(end) if end else now) - ts(start)) if start else ""
        status = next((label for cond, label in (
            ("Complete", "Complete"), ("Failed", "Failed")) if _has_condition(j, cond)), None)
        if status is None:
            status = "Terminating" if j["metadata"].get("deletionTimestamp") else next(
                (c for c in ("Suspended", "FailureTarget") if _has_condition(j, c)), "Running")
        row = [j["metadata"]["name"], status, completions, duration, age(j, now)]
        if wide:
            cs = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
            labels = (spec.get("selector") or {}).get("matchLabels") or {}
            row += [",".join(x.get("name", "") for x in cs),
                    ",".join(x.get("image", "") for x in cs),
                    ",".join(f"{k}={v}" for k, v in labels.items()) or "<none>"]
        rows.append(row)
    return head, rows


def leases(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """printLease: the holder's identity (a node name for node leases, `<node>_<uuid>` for
    leader election)."""
    return ["NAME", "HOLDER", "AGE"], [
        [o["metadata"]["name"], (o.get("spec") or {}).get("holderIdentity", ""), age(o, now)]
        for o in objs]


def generic(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    return ["NAME", "AGE"], [[o["metadata"]["name"], age(o, now)] for o in objs]


def endpoints(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """formatEndpoints: up to 3 ready ip:port, then " + N more..."; `<none>` without subsets."""
    rows = []
    for e in objs:
        subsets = e.get("subsets") or []
        if not subsets:
            cell = "<none>"
        else:
            pairs = [f"{a['ip']}:{p['port']}" for sub in subsets
                     for p in (sub.get("ports") or [{"port": ""}])
                     for a in sub.get("addresses") or []]
            cell = ",".join(pairs[:3]) + (f" + {len(pairs) - 3} more..." if len(pairs) > 3
                                          else "")
        rows.append([e["metadata"]["name"], cell, age(e, now)])
    return ["NAME", "ENDPOINTS", "AGE"], rows


def endpointslices(objs: list[Obj], now: float, wide: bool, _: set[str]
                   ) -> tuple[Row, list[Row]]:
    rows = []
    for e in objs:
        ports = ",".join(str(p.get("port")) for p in e.get("ports") or []) or "<unset>"
        addrs = [a for ep in e.get("endpoints") or [] for a in ep.get("addresses") or []]
        cell = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
        rows.append([e["metadata"]["name"], e.get("addressType", "IPv4"), ports,
                     cell or "<unset>", age(e, now)])
    return ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], rows


def event_object(e: Obj) -> str:
    io = e.get("involvedObject") or {}
    return f"{str(io.get('kind', '')).lower()}/{io.get('name', '')}"


def events(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """printEvent: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (sorted by the caller)."""
    rows = []
    for e in objs:
        last = e.get("lastTimestamp") or e.get("firstTimestamp")
        rows.append([human_age(now - ts(last)) if last else "<unknown>", e.get("type", ""),
                     e.get("reason", ""), event_object(e), str(e.get("message", "")).strip()])
    return ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows


def serviceaccounts(objs: list[Obj], now: float, wide: bool, _: set[str]
                    ) -> tuple[Row, list[Row]]:
    """printServiceAccount: NAME, SECRETS (the legacy token Secrets listed), AGE."""
    return ["NAME", "SECRETS", "AGE"], [
        [o["metadata"]["name"], str(len(o.get("secrets") or [])), age(o, now)] for o in objs]


def storageclasses(objs: list[Obj], now: float, wide: bool, _: set[str]
                   ) -> tuple[Row, list[Row]]:
    """printStorageClass: `(default)` after the name of the default class (GA or beta
    annotation), reclaim policy Delete and binding mode Immediate unless set."""
    rows = []
    for o in objs:
        ann = o["metadata"].get("annotations") or {}
        default = "true" in (ann.get("storageclass.kubernetes.io/is-default-class"),
                             ann.get("storageclass.beta.kubernetes.io/is-default-class"))
        rows.append([o["metadata"]["name"] + (" (default)" if default else ""),
                     o.get("provisioner", ""), o.get("reclaimPolicy") or "Delete",
                     o.get("volumeBindingMode") or "Immediate",
                     str(bool(o.get("allowVolumeExpansion"))).lower(), age(o, now)])
    return ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE",
            "ALLOWVOLUMEEXPANSION", "AGE"], rows


def csrs(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """printCertificateSigningRequest: CONDITION joins the condition types (Approved, Denied,
    Failed), then Issued once a certificate is set; Pending without either."""
    rows = []
    for o in objs:
        spec, status = o.get("spec") or {}, o.get("status") or {}
        conds = [c.get("type", "") for c in status.get("conditions") or []
                 if c.get("type") in ("Approved", "Denied", "Failed")]
        if status.get("certificate"):
            conds.append("Issued")
        secs = spec.get("expirationSeconds")
        rows.append([o["metadata"]["name"], age(o, now), spec.get("signerName", ""),
                     spec.get("username", ""),
                     human_age(float(secs)) if secs else "<none>",
                     ",".join(conds) or "Pending"])
    return ["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"], rows


def roles(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """printRole / printClusterRole: the creation time itself, not an age."""
    return ["NAME", "CREATED AT"], [
        [o["metadata"]["name"], o["metadata"].get("creationTimestamp", "")] for o in objs]


def bindings(objs: list[Obj], now: float, wide: bool, _: set[str]) -> tuple[Row, list[Row]]:
    """printRoleBinding / printClusterRoleBinding: ROLE is `<kind>/<name>`; -o wide adds the
    subjects by kind (service accounts as `<namespace>/<name>`)."""
    head = ["NAME", "ROLE", "AGE"] + (["USERS", "GROUPS", "SERVICEACCOUNTS"] if wide else [])
    rows = []
    for o in objs:
        ref = o.get("roleRef") or {}
        row = [o["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}",
               age(o, now)]
        if wide:
            subjects = o.get("subjects") or []
            row += [", ".join(s["name"] for s in subjects if s.get("kind") == k)
                    for k in ("User", "Group")]
            row.append(", ".join(f"{s.get('namespace', '')}/{s['name']}" for s in subjects
                                 if s.get("kind") == "ServiceAccount"))
        rows.append(row)
    return head, rows


def priorityclasses(objs: list[Obj], now: float, wide: bool, _: set[str]
                    ) -> tuple[Row, list[Row]]:
    """printPriorityClass (pkg/printers/internalversion): value, globalDefault as a Go bool,
    age, preemptionPolicy (PreemptLowerPriority by default)."""
    rows = [[o["metadata"]["name"], str(o.get("value", 0)),
             "true" if o.get("globalDefault") else "false", age(o, now),
             o.get("preemptionPolicy") or "PreemptLowerPriority"] for o in objs]
    return ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"], rows


Printer = Callable[[list[Obj], float, bool, set[str]], tuple[Row, list[Row]]]

PRINTERS: dict[str, Printer] = {
    "Pod": pods, "Node": nodes, "Deployment": deployments, "ReplicaSet": replicasets,
    "DaemonSet": daemonsets, "Service": services, "Namespace": namespaces,
    "ConfigMap": configmaps, "Secret": secrets,
    "Endpoints": endpoints, "EndpointSlice": endpointslices, "Event": events,
    "CronJob": cronjobs, "Lease": leases, "Job": jobs,
    "ServiceAccount": serviceaccounts, "StorageClass": storageclasses,
    "CertificateSigningRequest": csrs, "ClusterRole": roles, "Role": roles,
    "ClusterRoleBinding": bindings, "RoleBinding": bindings, "PriorityClass": priorityclasses,
}
