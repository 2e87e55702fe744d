"""`crictl rm`, `rmp`, `inspectp`, `stats` and `statsp` (cri-tools v1.33 `cmd/crictl/container.go`,
`sandbox.go`, `container_stats.go`, `pod_stats.go`, `util.go`, `templates.go`).

rm/rmp change the node's runtime the way containerd's RemoveContainer/RemovePodSandbox do; the
kubelet then reacts on its next sync as the real one does (kubelet.py): a removed container of
a pod it still runs is started again, a removed sandbox is created anew. The numbers `stats`
prints are a pure function of the container (its program, id, age) and of the twin's time, so
a command replays to the same output (app/providers/sim/entropy.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import yaml

from app.providers.sim import containerd_history
from app.providers.sim.runtime import Container, Sandbox, make_id
from app.providers.sim.shell.gotemplate import TemplateError, render
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import node_of
from app.providers.sim.tables import crictl_table

CLEAR = "\x1b[2J\x1b[H"  # display.go ClearScreen, printed before every stats table
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"


def _fatal(msg: str, out: str = "") -> Output:
    return Output.ordered([(1, out), (2, f"FATA[0000] {msg}\n")], 1)


def _aggregate(errors: list[str]) -> str:
    """k8s.io/apimachinery utilerrors aggregate: one message alone, several as `[a, b]`."""
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


def _by_prefix(items: dict[str, Any], ref: str) -> Any | None:
    matches = [v for k, v in items.items() if k.startswith(ref)] if ref else []
    return matches[0] if len(matches) == 1 else None


def _container_missing(ref: str) -> str:
    return (f'rpc error: code = NotFound desc = an error occurred when try to find container '
            f'"{ref}": not found')


SANDBOX_MISSING = ("rpc error: code = NotFound desc = an error occurred when try to find sandbox: "
                   "not found")


# --- rm / rmp ------------------------------------------------------------------------------

def rm(inv: Invocation, flags: dict[str, str], ids: list[str]) -> Output:
    """`crictl rm [-f] [-a] [-k] ID...`: a running container is refused unless -f (then stopped
    with timeout 0, printing its id, and removed, printing it again). Without -k crictl deletes
    the container's log files, which is what the kubelet counts restarts from."""
    rt = node_of(inv).runtime
    force = "f" in flags or "force" in flags
    keep_logs = "k" in flags or "keep-logs" in flags
    now = node_of(inv).cluster.t
    if "a" in flags or "all" in flags:
        ids = [c.id for c in sorted(rt.containers.values(), key=lambda c: c.created)
               if c.created <= now]
        if not ids:
            return Output(stderr="INFO[0000] No containers to remove\n")
    if not ids:
        return Output(stdout=_help("rm"))
    out, errors = "", []
    for ref in ids:
        c = _by_prefix(rt.containers, ref)
        if c is None:
            errors.append(f'getting container status "{ref}": {_container_missing(ref)}')
            continue
        if c.running():
            if not force:
                errors.append(f'container "{ref}" is running, please stop it first')
                continue
            c.stop(now, 137, "Error")
            containerd_history.stop_requested(c, now, 0)
            out += f"{ref}\n"
        containerd_history.container_removed(rt, c, now)
        del rt.containers[c.id]
        if keep_logs:
            rt.keep_log(c.pod_uid, c.name, c.attempt)
        out += f"{ref}\n"
    return _fatal(_aggregate(errors), out) if errors else Output(stdout=out)


def rmp(inv: Invocation, flags: dict[str, str], ids: list[str]) -> Output:
    """`crictl rmp [-f] [-a] POD-ID...`: a ready sandbox is refused unless -f (then stopped:
    `Stopped sandbox ID`); removing it removes its containers. The containers' log files stay
    under /var/log/pods (the kubelet owns them), so the kubelet's next attempt counts on."""
    node = node_of(inv)
    rt = node.runtime
    force = "f" in flags or "force" in flags
    if "a" in flags or "all" in flags:
        ids = [s.id for s in sorted(rt.sandboxes.values(), key=lambda s: s.created)]
        if not ids:
            return Output(stderr="INFO[0000] No pods to remove\n")
    if not ids:
        return Output(stdout=_help("rmp"))
    out, errors = "", []
    for ref in ids:
        sb = _by_prefix(rt.sandboxes, ref)
        if sb is None:
            errors.append(f'getting sandbox status of pod "{ref}": {SANDBOX_MISSING}')
            continue
        if sb.state == "ready":
            if not force:
                errors.append(f'pod sandbox "{ref}" is running, please stop it first')
                continue
            _stop_sandbox(node.cluster.t, rt, sb)
            out += f"Stopped sandbox {ref}\n"
        for c in [c for c in rt.containers.values() if c.sandbox_id == sb.id]:
            rt.keep_log(c.pod_uid, c.name, c.attempt)
            containerd_history.container_removed(rt, c, None)
            del rt.containers[c.id]
        containerd_history.sandbox_removed(rt, sb, None, node.cluster.t)
        del rt.sandboxes[sb.id]
        out += f"Removed sandbox {ref}\n"
    return _fatal(_aggregate(errors), out) if errors else Output(stdout=out)


def _stop_sandbox(t: float, rt: Any, sb: Sandbox) -> None:
    """containerd StopPodSandbox: its containers are killed (timeout 0: SIGKILL, 137), the
    sandbox is NotReady; the kubelet then starts the pod in a new sandbox."""
    for c in rt.containers.values():
        if c.sandbox_id == sb.id and c.running():
            c.stop(t, 137, "Error")
            containerd_history.stop_requested(c, t, None)
    if sb.state == "ready":
        containerd_history.sandbox_stopped(rt, sb, t)
    sb.state = "notready"


def stopp(inv: Invocation, flags: dict[str, str], ids: list[str]) -> Output:
    """`crictl stopp POD-ID...` (sandbox.go): `Stopped sandbox ID` for each, the first error
    ends the command."""
    if not ids:
        return Output(stdout="NAME:\n   crictl stopp - Stop one or more running pods\n\nUSAGE:\n"
                             "   crictl stopp [command options] POD-ID [POD-ID...]\n")
    node = node_of(inv)
    out = ""
    for ref in ids:
        sb = _by_prefix(node.runtime.sandboxes, ref)
        if sb is None:
            return _fatal(f'stopping the pod sandbox "{ref}": rpc error: code = NotFound desc = '
                          f'an error occurred when try to find sandbox "{ref}": not found', out)
        _stop_sandbox(node.cluster.t, node.runtime, sb)
        out += f"Stopped sandbox {ref}\n"
    return Output(stdout=out)


def version(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    """`crictl version` (version.go: fmt.Println("Version: ", ...) gives two spaces) with
    containerd's CRI VersionResponse."""
    from app.providers.sim import versions

    if pos:
        return Output(stdout="NAME:\n   crictl version - Display runtime version information\n"
                             "\nUSAGE:\n   crictl version [command options]\n")
    return Output(stdout=f"Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  "
                         f"v{versions.CONTAINERD}\nRuntimeApiVersion:  v1\n")


def _help(verb: str) -> str:
    usage = {"rm": ("rm - Remove one or more containers",
                    "crictl rm [command options] CONTAINER-ID [CONTAINER-ID...]",
                    ["--all, -a        Remove all containers (default: false)",
                     "--force, -f      Force removal of the container, disregarding if running "
                     "(default: false)",
                     "--help, -h       show help",
                     "--keep-logs, -k  Preserve the container log file and its rotations "
                     "(default: false)"]),
             "rmp": ("rmp - Remove one or more pods",
                     "crictl rmp [command options] POD-ID [POD-ID...]",
                     ["--all, -a    Remove all pods (default: false)",
                      "--force, -f  Force removal of the pod sandbox, disregarding if running "
                      "(default: false)",
                      "--help, -h   show help"])}[verb]
    return (f"NAME:\n   crictl {usage[0]}\n\nUSAGE:\n   {usage[1]}\n\nOPTIONS:\n"
            + "".join(f"   {line}\n" for line in usage[2]))


# --- inspectp ------------------------------------------------------------------------------

def rfc3339nano(ts: float) -> str:
    """Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped."""
    sec = int(ts // 1)
    ns = min(999_999_999, round((ts - sec) * 1e9))
    base = datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{ns:09d}".rstrip("0")
    return base + (f".{frac}" if frac else "") + "Z"


def _pod_object(inv: Invocation, sb: Sandbox) -> dict[str, Any]:
    node = node_of(inv)
    pod = node.kubelet.pods.get(sb.uid)
    spec = pod.spec if pod else {}
    labels = dict(pod.labels) if pod else {}
    annotations = dict(pod.annotations) if pod else {}
    store_pod = node.cluster.store.find("Pod", sb.name, sb.namespace) \
        if hasattr(node.cluster.store, "find") else None
    if store_pod:
        labels = {**(store_pod["metadata"].get("labels") or {}), **labels}
        annotations = {**(store_pod["metadata"].get("annotations") or {}), **annotations}
        spec = spec or store_pod.get("spec") or {}
    host_net = bool((pod and pod.static) or spec.get("hostNetwork"))
    ip = ""
    if not host_net and sb.state == "ready" and store_pod:
        ip = (store_pod.get("status") or {}).get("podIP", "")
    annotations.pop("kubernetes.io/config.mirror", None)  # the mirror pod's, not the sandbox's
    labels.update({"io.kubernetes.pod.name": sb.name, "io.kubernetes.pod.namespace": sb.namespace,
                   "io.kubernetes.pod.uid": sb.uid})
    return {"labels": labels, "annotations": annotations, "host_net": host_net, "ip": ip,
            "node": node.name}


def _sandbox_status(inv: Invocation, sb: Sandbox) -> tuple[dict[str, Any], dict[str, Any]]:
    """PodSandboxStatusResponse as crictl re-marshals it: status (protojson with defaults),
    info["info"] (containerd's SandboxInfo, encoding/json; trimmed to its smaller fields)."""
    p = _pod_object(inv, sb)
    ready = sb.state == "ready"
    status = {
        "id": sb.id,
        "metadata": {"attempt": sb.attempt, "name": sb.name, "namespace": sb.namespace,
                     "uid": sb.uid},
        "state": "SANDBOX_READY" if ready else "SANDBOX_NOTREADY",
        "createdAt": rfc3339nano(sb.created),
        "network": {"additionalIps": [], "ip": p["ip"]},
        "linux": {"namespaces": {"options": {"ipc": "POD",
                                             "network": "NODE" if p["host_net"] else "POD",
                                             "pid": "CONTAINER", "targetId": ""}}},
        "labels": p["labels"], "annotations": p["annotations"], "runtimeHandler": "",
        "containersStatuses": [], "timestamp": "0",
    }
    log_dir = f"/var/log/pods/{sb.namespace}_{sb.name}_{sb.uid}"
    ns_opts: dict[str, int] = {"pid": 1}
    if p["host_net"]:
        ns_opts["network"] = 2
    config = {"metadata": {"name": sb.name, "uid": sb.uid, "namespace": sb.namespace,
                           **({"attempt": sb.attempt} if sb.attempt else {})},
              "hostname": p["node"] if p["host_net"] else sb.name,
              "log_directory": log_dir, "labels": p["labels"], "annotations": p["annotations"],
              "linux": {"cgroup_parent": "/kubelet.slice/kubelet-kubepods.slice/"
                                         "kubelet-kubepods-burstable.slice/kubelet-kubepods-"
                                         f"burstable-pod{sb.uid.replace('-', '_')}.slice",
                        "security_context": {"namespace_options": ns_opts}}}
    info = {"pid": _pid(sb) if ready else 0, "processStatus": "running" if ready else "stopped",
            "netNamespaceClosed": not ready and not p["host_net"], "image": PAUSE_IMAGE,
            "snapshotKey": sb.id, "snapshotter": "overlayfs", "runtimeHandler": "",
            "runtimeType": "io.containerd.runc.v2",
            "runtimeOptions": {"systemd_cgroup": True}, "config": config, "cniResult": None}
    return status, {"info": info}


def _pid(sb: Sandbox) -> int:
    return 300 + int(make_id("pid", sb.id)[:6], 16) % 9000


def inspectp(inv: Invocation, flags: dict[str, str], ids: list[str]) -> Output:
    """`crictl inspectp [-o json|yaml|go-template|table] [--template T] [-q] POD-ID...`: one
    object, or a list for several ids; Go's json.Marshal of maps sorts every key."""
    rt = node_of(inv).runtime
    fmt = flags.get("o") or flags.get("output") or "json"
    quiet = "q" in flags or "quiet" in flags
    if not ids:
        ids = [s.id for s in sorted(rt.sandboxes.values(), key=lambda s: s.created,
                                    reverse=True)
               if not flags.get("name") or flags["name"] in s.name]
        if not ids:
            return Output.ordered([(2, "ERRO[0000] No IDs provided or nothing found per "
                                       "filter\n"), (1, _help_inspectp())])
    results, table = [], ""
    for ref in ids:
        sb = _by_prefix(rt.sandboxes, ref)
        if sb is None:
            return _fatal(f"get the status of pod sandboxes: get pod sandbox status: "
                          f"{SANDBOX_MISSING}", table)
        status, info = _sandbox_status(inv, sb)
        if fmt == "table":
            table += _table(status, info, not quiet)
            continue
        results.append({"status": status, **({} if quiet else info)})
    if fmt == "table":
        return Output(stdout=table)
    doc: Any = results[0] if len(results) == 1 else results
    if fmt == "json":
        return Output(stdout=go_json(doc, indent=2) + "\n")
    if fmt == "yaml":
        return Output(stdout=yaml.safe_dump(json.loads(go_json(doc)), default_flow_style=False,
                                            sort_keys=True) + "\n")
    if fmt == "go-template":
        try:
            return Output(stdout=render(flags.get("template", ""), json.loads(go_json(doc)),
                                        "tmplExecuteRawJSON") + "\n")
        except TemplateError as err:
            return _fatal(f"get the status of pod sandboxes: execute template: {err}")
    return _fatal(f'get the status of pod sandboxes: unsupported format: "{fmt}"')


def _help_inspectp() -> str:
    return ("NAME:\n   crictl inspectp - Display the status of one or more pods\n\nUSAGE:\n"
            "   crictl inspectp [command options] POD-ID [POD-ID...]\n")


def _table(status: dict[str, Any], info: dict[str, Any], verbose: bool) -> str:
    meta = status["metadata"]
    created = status["createdAt"].replace("T", " ").replace("Z", " +0000 UTC")
    lines = [f"ID: {status['id']}", f"Name: {meta['name']}", f"UID: {meta['uid']}",
             f"Namespace: {meta['namespace']}", f"Attempt: {meta['attempt']}",
             f"Status: {status['state']}", f"Created: {created}",
             f"IP Addresses: {status['network']['ip']}", "Labels:"]
    lines += [f"\t{k} -> {v}" for k, v in sorted(status["labels"].items())]
    lines.append("Annotations:")
    lines += [f"\t{k} -> {v}" for k, v in sorted(status["annotations"].items())]
    if verbose:
        lines.append(f"Info: map[info:{go_json(info['info'])}]")
    return "".join(line + "\n" for line in lines)


def go_json(doc: Any, indent: int | None = None) -> str:
    """encoding/json: sorted map keys, `<`, `>`, `&` escaped as Go's HTML-safe encoder does."""
    text = json.dumps(doc, indent=indent, sort_keys=True, ensure_ascii=False,
                      separators=(",", ": ") if indent else (",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- stats / statsp ------------------------------------------------------------------------

# Typical working sets (bytes) and CPU use (% of one core) of what kind runs, so a node's
# `crictl stats` reads like a real idle kind node; unknown programs get the small default.
PROFILES: dict[str, tuple[int, float]] = {
    "kube-apiserver": (245_000_000, 4.5), "etcd": (48_000_000, 2.2),
    "kube-controller-manager": (52_000_000, 1.4), "kube-scheduler": (22_000_000, 0.45),
    "coredns": (16_500_000, 0.25), "kube-proxy": (19_000_000, 0.12),
    "kindnetd": (11_500_000, 0.08), "local-path-provisioner": (9_000_000, 0.05),
}
DEFAULT_PROFILE = (6_500_000, 0.03)
PAUSE_MEM = 315_392  # a pause container's working set


def _program(c: Container) -> str:
    return (c.command[0].rsplit("/", 1)[-1] if c.command else c.name) or c.name


def _jitter(key: str, t: float, spread: float) -> float:
    """A factor in [1 - spread, 1 + spread], fixed per 10 s (containerd's stats period)."""
    h = int(make_id(key, int(t // 10))[:8], 16) / 0xFFFFFFFF
    return 1 - spread + 2 * spread * h


def container_usage(c: Container, t: float) -> dict[str, float]:
    """cpu %, working set, writable layer bytes and inodes, cumulative CPU ns: a running
    container's from its program and age; an exited one has no cgroup left (0 CPU, 0 memory)."""
    base_mem, base_cpu = PROFILES.get(_program(c), PROFILES.get(c.name, DEFAULT_PROFILE))
    seed = int(make_id("layer", c.id)[:8], 16)
    disk, inodes = 4096 * (1 + seed % 24), 4 + seed % 28
    if not c.running() or c.created > t:
        return {"cpu": 0.0, "mem": 0, "disk": disk, "inodes": inodes, "cpu_ns": 0}
    age = max(0.0, t - (c.started or c.created))
    warm = min(1.0, age / 300)  # caches and heaps fill during the first minutes
    mem = int(base_mem * (0.55 + 0.45 * warm) * _jitter(c.id + "/mem", t, 0.03))
    cpu = base_cpu * _jitter(c.id + "/cpu", t, 0.35) * (1.6 if age < 60 else 1.0)
    return {"cpu": round(cpu, 2), "mem": mem, "disk": disk, "inodes": inodes,
            "cpu_ns": int(age * base_cpu / 100 * 1e9)}


def human_size(size: float) -> str:
    """docker/go-units HumanSize: decimal units, 4 significant digits (`%.4g`)."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    i = 0
    while size >= 1000 and i < len(units) - 1:
        size /= 1000
        i += 1
    return f"{_go_g4(size)}{units[i]}"


def _go_g4(x: float) -> str:
    text = f"{x:.4g}"
    return text if "e" not in text else f"{x:.0f}"


def _stats_items(inv: Invocation, flags: dict[str, str], pos: list[str]) -> list[Container]:
    node = node_of(inv)
    now = node.cluster.t
    rt = node.runtime
    ref = flags.get("id") or (pos[0] if pos else "")
    items = [c for c in rt.containers.values() if c.created <= now]
    if ref:
        found = _by_prefix(rt.containers, ref)
        items = [found] if found is not None else []
    pod_ref = flags.get("pod") or flags.get("p") or ""
    if pod_ref:
        sb = _by_prefix(rt.sandboxes, pod_ref)
        items = [c for c in items if sb is not None and c.sandbox_id == sb.id]
    return sorted(items, key=lambda c: c.id)


def stats(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    """`crictl stats [-a] [--id ID | ID] [-p POD] [-o json|yaml]`: CONTAINER NAME CPU % MEM DISK
    INODES SWAP, sorted by id; without -a a container with no CPU and no memory is skipped."""
    if len(pos) > 1:
        return Output(stdout=_help_stats())
    now = node_of(inv).cluster.t
    items = _stats_items(inv, flags, pos)
    fmt = flags.get("o") or flags.get("output") or ""
    if fmt in ("json", "yaml"):
        doc = {"stats": [_container_stats_json(c, now) for c in items]}
        return _proto_out(doc, fmt)
    show_all = "a" in flags or "all" in flags
    rows = [["CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES", "SWAP"]]
    for c in items:
        u = container_usage(c, now)
        if not show_all and u["cpu"] == 0 and u["mem"] == 0:
            continue
        rows.append([c.id[:13], c.name, f"{u['cpu']:.2f}", human_size(u["mem"]),
                     human_size(u["disk"]), str(u["inodes"]), "0B"])
    return Output(stdout=CLEAR + crictl_table(rows))


def _help_stats() -> str:
    return ("NAME:\n   crictl stats - List container(s) resource usage statistics\n\nUSAGE:\n"
            "   crictl stats [command options] [ID]\n")


def _proto_out(doc: dict[str, Any], fmt: str) -> Output:
    """protojson (field order of the .proto, 64-bit integers as strings), indent 2."""
    text = json.dumps(doc, indent=2)
    if fmt == "json":
        return Output(stdout=text + "\n")
    return Output(stdout=yaml.safe_dump(json.loads(text), default_flow_style=False,
                                        sort_keys=True) + "\n")


def _ts(t: float) -> str:
    return str(int(t * 1e9))


def _container_stats_json(c: Container, now: float) -> dict[str, Any]:
    u = container_usage(c, now)
    ts = _ts(now)
    return {
        "attributes": {"id": c.id, "metadata": {"name": c.name, "attempt": c.attempt},
                       "labels": {"io.kubernetes.container.name": c.name,
                                  "io.kubernetes.pod.name": c.pod_name,
                                  "io.kubernetes.pod.namespace": c.namespace,
                                  "io.kubernetes.pod.uid": c.pod_uid},
                       "annotations": {}},
        "cpu": {"timestamp": ts, "usageCoreNanoSeconds": {"value": str(u["cpu_ns"])},
                "usageNanoCores": {"value": str(int(u["cpu"] * 1e7))}},
        "memory": {"timestamp": ts, "workingSetBytes": {"value": str(u["mem"])},
                   "availableBytes": {"value": "0"},
                   "usageBytes": {"value": str(int(u["mem"] * 1.12))},
                   "rssBytes": {"value": str(int(u["mem"] * 0.82))},
                   "pageFaults": {"value": "0"}, "majorPageFaults": {"value": "0"}},
        "writableLayer": {"timestamp": ts,
                          "fsId": {"mountpoint": "/var/lib/containerd/io.containerd."
                                                 "snapshotter.v1.overlayfs"},
                          "usedBytes": {"value": str(u["disk"])},
                          "inodesUsed": {"value": str(u["inodes"])}},
        "swap": {"timestamp": ts, "swapAvailableBytes": {"value": "0"},
                 "swapUsageBytes": {"value": "0"}},
    }


def statsp(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    """`crictl statsp [--id ID | ID] [-o json|yaml]`: POD POD ID CPU % MEM, sorted by id; a
    pod's figures are its containers' plus its pause container's."""
    if len(pos) > 1:
        return Output(stdout="NAME:\n   crictl statsp - List pod statistics. Stats represent a "
                             "structured API that will fulfill the Kubelet's /stats/summary "
                             "endpoint.\n\nUSAGE:\n   crictl statsp [command options] [ID]\n")
    node = node_of(inv)
    now = node.cluster.t
    rt = node.runtime
    ref = flags.get("id") or (pos[0] if pos else "")
    sandboxes = sorted(rt.sandboxes.values(), key=lambda s: s.id)
    if ref:
        found = _by_prefix(rt.sandboxes, ref)
        sandboxes = [found] if found is not None else []
    fmt = flags.get("o") or flags.get("output") or ""
    rows = [["POD", "POD ID", "CPU %", "MEM"]]
    docs = []
    for sb in sandboxes:
        members = [c for c in rt.containers.values() if c.sandbox_id == sb.id]
        usage = [container_usage(c, now) for c in members]
        ready = sb.state == "ready"
        cpu = sum(u["cpu"] for u in usage)
        mem = sum(u["mem"] for u in usage) + (PAUSE_MEM if ready else 0)
        docs.append(_pod_stats_json(sb, members, usage, cpu, mem, now))
        if cpu == 0 and mem == 0:
            continue
        rows.append([sb.name, sb.id[:13], f"{cpu:.2f}", human_size(mem)])
    if fmt in ("json", "yaml"):
        return _proto_out({"stats": docs}, fmt)
    return Output(stdout=CLEAR + crictl_table(rows))


def _pod_stats_json(sb: Sandbox, members: list[Container], usage: list[dict[str, float]],
                    cpu: float, mem: int, now: float) -> dict[str, Any]:
    ts = _ts(now)
    return {
        "attributes": {"id": sb.id, "metadata": {"name": sb.name, "uid": sb.uid,
                                                 "namespace": sb.namespace,
                                                 "attempt": sb.attempt},
                       "labels": {"io.kubernetes.pod.name": sb.name,
                                  "io.kubernetes.pod.namespace": sb.namespace,
                                  "io.kubernetes.pod.uid": sb.uid},
                       "annotations": {}},
        "linux": {
            "cpu": {"timestamp": ts,
                    "usageCoreNanoSeconds": {"value": str(sum(int(u["cpu_ns"])
                                                              for u in usage))},
                    "usageNanoCores": {"value": str(int(cpu * 1e7))}},
            "memory": {"timestamp": ts, "workingSetBytes": {"value": str(mem)},
                       "availableBytes": {"value": "0"},
                       "usageBytes": {"value": str(int(mem * 1.12))},
                       "rssBytes": {"value": str(int(mem * 0.82))},
                       "pageFaults": {"value": "0"}, "majorPageFaults": {"value": "0"}},
            "containers": [{"attributes": {"id": c.id, "metadata": {"name": c.name,
                                                                     "attempt": c.attempt}},
                            "cpu": {"timestamp": ts,
                                    "usageNanoCores": {"value": str(int(u["cpu"] * 1e7))}},
                            "memory": {"timestamp": ts,
                                       "workingSetBytes": {"value": str(u["mem"])}}}
                           for c, u in zip(members, usage, strict=True) if c.running()],
        },
    }
