"""`kubectl` against the twin's API, failing exactly as kubectl fails when the API is away.

Wording from k8s.io/kubectl `pkg/cmd/util/helpers.go` (StandardErrorMessage) and the
real outputs in shared/reference/real-output.md §1d.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from urllib.parse import urlsplit

import yaml

from app.providers.sim import kubeconfig, loadbalancer, versions
from app.providers.sim.batchrun import restarts
from app.providers.sim.clock import rfc3339nano, utc
from app.providers.sim.shell import goyaml
from app.providers.sim.shell.kubectl_printers import PRINTERS, generic
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import (
    cluster_of,
    expand_short_flags,
    node_of,
    split_flags,
)
from app.providers.sim.store import KINDS, NotFoundError
from app.providers.sim.tables import kubectl_table
from app.providers.sim.tls import serving_error

ALIASES: dict[str, str] = {}
for _kind, _names in {
    "Pod": ["po", "pod", "pods"], "Node": ["no", "node", "nodes"],
    "Deployment": ["deploy", "deployment", "deployments"],
    "ReplicaSet": ["rs", "replicaset", "replicasets"],
    "DaemonSet": ["ds", "daemonset", "daemonsets"],
    "StatefulSet": ["sts", "statefulset", "statefulsets"],
    "Service": ["svc", "service", "services"], "Namespace": ["ns", "namespace", "namespaces"],
    "Endpoints": ["ep", "endpoints"], "Event": ["ev", "event", "events"],
    "ConfigMap": ["cm", "configmap", "configmaps"], "Secret": ["secret", "secrets"],
    "ServiceAccount": ["sa", "serviceaccount", "serviceaccounts"],
    "Job": ["job", "jobs"], "CronJob": ["cj", "cronjob", "cronjobs"],
    "Lease": ["lease", "leases"], "EndpointSlice": ["endpointslice", "endpointslices"],
    "StorageClass": ["sc", "storageclass", "storageclasses"],
    "CertificateSigningRequest": ["csr", "certificatesigningrequest",
                                  "certificatesigningrequests"],
    "ClusterRole": ["clusterrole", "clusterroles"],
    "ClusterRoleBinding": ["clusterrolebinding", "clusterrolebindings"],
    "Role": ["role", "roles"], "RoleBinding": ["rolebinding", "rolebindings"],
    "PriorityClass": ["pc", "priorityclass", "priorityclasses"],
}.items():
    for _n in _names:
        ALIASES[_n] = _kind

VALUE_FLAGS = {"n", "namespace", "o", "output", "l", "selector", "kubeconfig", "context",
               "c", "container", "tail", "since", "field-selector", "sort-by", "f", "filename",
               "replicas", "type", "template", "patch", "for", "types", "to-revision",
               "timeout", "grace-period", "raw"}


# kubectl v1.33 top-level commands the twin does not model: not "unknown" to kubectl
REAL_VERBS = {"expose", "run", "set", "autoscale", "certificate", "taint", "attach", "proxy",
              "cp", "debug", "diff", "wait", "kustomize", "completion", "alpha",
              "api-versions", "plugin", "options"}


# Types every kind v1.33 API serves that hold no object in a fresh kind cluster (and that no
# fault creates): `kubectl get` lists them as empty instead of calling them unknown.
# alias -> (resource.group as NotFound errors name it, namespaced)
EMPTY_TYPES: dict[str, tuple[str, bool]] = {}
for _res, _namespaced, _names in (
        ("persistentvolumes", False, ["pv", "persistentvolume", "persistentvolumes"]),
        ("persistentvolumeclaims", True, ["pvc", "persistentvolumeclaim",
                                          "persistentvolumeclaims"]),
        ("replicationcontrollers", True, ["rc", "replicationcontroller",
                                          "replicationcontrollers"]),
        ("resourcequotas", True, ["quota", "resourcequota", "resourcequotas"]),
        ("limitranges", True, ["limits", "limitrange", "limitranges"]),
        ("podtemplates", True, ["podtemplate", "podtemplates"]),
        ("ingresses.networking.k8s.io", True, ["ing", "ingress", "ingresses"]),
        ("ingressclasses.networking.k8s.io", False, ["ingressclass", "ingressclasses"]),
        ("networkpolicies.networking.k8s.io", True, ["netpol", "networkpolicy",
                                                     "networkpolicies"]),
        ("horizontalpodautoscalers.autoscaling", True, ["hpa", "horizontalpodautoscaler",
                                                        "horizontalpodautoscalers"]),
        ("poddisruptionbudgets.policy", True, ["pdb", "poddisruptionbudget",
                                               "poddisruptionbudgets"]),
        ("customresourcedefinitions.apiextensions.k8s.io", False,
         ["crd", "crds", "customresourcedefinition", "customresourcedefinitions"]),
        ("volumeattachments.storage.k8s.io", False, ["volumeattachment", "volumeattachments"]),
):
    for _n in _names:
        EMPTY_TYPES[_n] = (_res, _namespaced)
# `kubectl get all`: the "all" category in discovery order (the empty ones print nothing)
ALL_CATEGORY = "pods,services,daemonsets,deployments,replicasets,statefulsets,cronjobs,jobs"


class KubectlError(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class PrintedThenFailed(KubectlError):
    """A command that printed `printed` on stdout before failing (kubectl version)."""

    def __init__(self, printed: str, message: str) -> None:
        super().__init__(message)
        self.printed = printed


@functools.lru_cache(maxsize=256)
def _server_in(kubeconfig: bytes) -> str:
    cfg = yaml.load(kubeconfig, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    return cfg["clusters"][0]["cluster"]["server"]


def _server(inv: Invocation) -> str:
    env = {**inv.session.env, **inv.env}
    path = env.get("KUBECONFIG") or f"{env.get('HOME', '/root')}/.kube/config"
    vfs = inv.session.vfs
    try:
        return _server_in(vfs.read(path.split(":")[0]))
    except Exception:  # noqa: BLE001 - any unreadable kubeconfig falls back like kubectl does
        return "http://localhost:8080"


def _kubeconfig_ca(inv: Invocation) -> bytes | None:
    env = {**inv.session.env, **inv.env}
    path = env.get("KUBECONFIG") or f"{env.get('HOME', '/root')}/.kube/config"
    try:
        return kubeconfig.ca_data(inv.session.vfs.read(path.split(":")[0]))
    except Exception:  # noqa: BLE001 - no CA: kubectl would fail earlier; verify expiry only
        return None


def _connect(inv: Invocation) -> None:
    """Raise KubectlError with kubectl's exact output when the API server cannot be reached."""
    cluster = cluster_of(inv)
    server = _server(inv)
    parts = urlsplit(server)
    host, port = parts.hostname or "localhost", parts.port or (443 if parts.scheme == "https"
                                                               else 80)
    target = cluster.node_by_host(host, node_of(inv))
    hostport = parts.netloc
    failure = None
    balanced = loadbalancer.is_it(cluster, host) and port == loadbalancer.PORT
    if balanced:  # haproxy hands the connection to a backend passing /healthz, if any
        target = loadbalancer.backend(cluster)
    if balanced and target is None:
        failure = ("unable", loadbalancer.EOF)
    elif target is None or port != 6443 or target.role != "control-plane":
        ip = "[::1]" if host == "localhost" else host
        failure = ("refused", f"dial tcp {ip}:{port}: connect: connection refused")
    elif not target.powered:
        failure = ("unable", f"dial tcp {target.ip}:{port}: connect: no route to host")
    else:
        api = target.apiserver_listening(cluster.t)
        if api is None:
            failure = ("refused", f"dial tcp {target.ip}:{port}: connect: connection refused")
        elif not api.ready(cluster.t):
            raise KubectlError("Error from server (Timeout): the server was unable to return a "
                               "response in the time allotted, but may still be processing the "
                               "request")
        else:  # the handshake: Go verifies the serving cert against the kubeconfig's CA
            tls_err = serving_error(api, cluster.t, _kubeconfig_ca(inv))
            if tls_err is not None:
                failure = ("unable", tls_err)
    if failure is None:
        return
    kind, err = failure
    d = utc(cluster.t)
    stamp = f"E{d:%m%d %H:%M:%S}"
    lines = []
    for i in range(5):
        micro = (d.microsecond + i * 13791) % 1_000_000
        lines.append(f'{stamp}.{micro:06d}    {4242 + len(inv.session.history)} memcache.go:265] '
                     f'"Unhandled Error" err="couldn\'t get current server API group list: Get '
                     f'\\"{server}/api?timeout=32s\\": {err}"')
    if kind == "refused":
        lines.append(f"The connection to the server {hostport} was refused - did you specify "
                     "the right host or port?")
    else:
        lines.append(f'Unable to connect to the server: {err}')
    raise KubectlError("\n".join(lines))


def _namespace(flags: dict[str, str]) -> str:
    return flags.get("n") or flags.get("namespace") or "default"


def _kind(word: str) -> str:
    kind = ALIASES.get(word.lower().split(".")[0])
    if kind is None:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{word}"')
    return kind


TEMPLATE_FORMATS = ("jsonpath", "custom-columns")


def _output(objs: list[dict], fmt: str, single: bool) -> str:
    doc = objs[0] if single else {"apiVersion": "v1", "items": objs, "kind": "List",
                                  "metadata": {"resourceVersion": ""}}
    if fmt == "json":
        return json.dumps(doc, indent=4) + "\n"
    if fmt == "yaml":
        return goyaml.dump(doc)
    if fmt == "name":
        return "".join(f"{_resource_name(o['kind'])}/{o['metadata']['name']}\n" for o in objs)
    if fmt.startswith(TEMPLATE_FORMATS):
        from app.providers.sim.shell import kubectl_jsonpath as jp

        try:
            return jp.render(fmt, doc, objs, single)
        except jp.JSONPathError as err:
            raise KubectlError(str(err)) from None
    raise KubectlError(f'error: unable to match a printer suitable for the output format "{fmt}", '
                       'allowed formats are: custom-columns,custom-columns-file,go-template,'
                       'go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,'
                       'template,templatefile,wide,yaml')


def field_matches(obj: dict, selector: str) -> bool:
    """`--field-selector a.b=c,d!=e` on the object's dotted fields (as strings)."""
    for term in filter(None, (t.strip() for t in selector.split(","))):
        neg = "!=" in term
        path, _, want = term.replace("!=", "=").replace("==", "=").partition("=")
        value: object = obj
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        got = "" if value is None else str(value)
        if (got == want) == neg:
            return False
    return True


def _resource_name(kind: str) -> str:
    """`-o name` prefix: the lower-case kind, qualified by its group (`deployment.apps`)."""
    api_version = KINDS[kind][0]
    group = api_version.split("/")[0] if "/" in api_version else ""
    return kind.lower() + (f".{group}" if group else "")


def _get(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    if not pos:
        raise KubectlError("You must specify the type of resource to get. Use \"kubectl "
                           "api-resources\" for a complete list of supported resources.\n\n"
                           "error: Required resource not specified.\nUse \"kubectl explain "
                           "<resource>\" for a detailed description of that resource (e.g. "
                           "kubectl explain pods).\nSee 'kubectl get -h' for help and examples.")
    words = pos[0].split("/", 1)
    names = pos[1:] if len(words) == 1 else [words[1]] + pos[1:]
    if words[0].lower() in EMPTY_TYPES:
        return _get_empty(inv, flags, EMPTY_TYPES[words[0].lower()], names)
    kind = _kind(words[0])
    _connect(inv)
    cluster = cluster_of(inv)
    store = cluster.store
    all_ns = "A" in flags or "all-namespaces" in flags
    namespaced = KINDS[kind][2]
    ns = None if (all_ns or not namespaced) else _namespace(flags)
    fmt = flags.get("o") or flags.get("output") or ""
    if names:
        objs = []
        for name in names:
            try:
                objs.append(store.get(kind, name, ns or ""))
            except NotFoundError:
                plural = KINDS[kind][1]
                raise KubectlError(f'Error from server (NotFound): {plural} "{name}" not found'
                                   ) from None
    else:
        objs = store.list(kind, ns, flags.get("l") or flags.get("selector") or "")
        if flags.get("field-selector"):
            objs = [o for o in objs if field_matches(o, flags["field-selector"])]
        if kind == "Event":
            objs.sort(key=lambda e: e.get("lastTimestamp") or "")
        if flags.get("sort-by"):
            objs = sort_by(objs, flags["sort-by"])
        if not objs:
            if fmt in ("json", "yaml") or fmt.startswith("jsonpath"):
                return _output([], fmt, False)
            where = f" in {ns} namespace" if ns else ""
            # kubectl get.go: "in <ns> namespace." only when every resource is namespaced
            raise KubectlError(f"No resources found{where}." if where else "No resources found",
                               code=0)
    if kind == "Secret":
        from app.providers.sim.shell.kubectl_replace import check_readable

        check_readable(cluster, objs)
    if fmt in ("json", "yaml", "name") or fmt.startswith(TEMPLATE_FORMATS):
        text = _output(objs, fmt, single=len(names) == 1)
        if fmt.startswith("custom-columns") and "no-headers" in flags:
            text = text.split("\n", 1)[-1]  # customcolumn.go: NoHeaders skips the header row
        return text
    if fmt not in ("", "wide"):
        _output(objs, fmt, False)
    unreachable = {n["metadata"]["name"] for n in store.list("Node")
                   if any(c["type"] == "Ready" and c["status"] == "Unknown"
                          for c in n["status"].get("conditions") or [])}
    head, rows = PRINTERS.get(kind, generic)(objs, cluster.t, fmt == "wide", unreachable)
    head, rows = label_columns(flags, objs, head, rows)
    if flags.get("\0multi"):  # several kinds in one get: names carry their kind
        rows = [[f"{_resource_name(kind)}/{r[0]}", *r[1:]] for r in rows]
    if all_ns and namespaced:
        head = ["NAMESPACE", *head]
        rows = [[o["metadata"].get("namespace", ""), *r] for o, r in zip(objs, rows, strict=True)]
    if "no-headers" in flags:
        return kubectl_table(rows) if rows else ""
    return kubectl_table([head, *rows])


def label_columns(flags: dict[str, str], objs: list[dict], head: list[str],
                  rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """`-L key1,key2` and `--show-labels`: printers.go formatLabelHeaders / labelValues."""
    keys = [k for v in (flags.get("L"), flags.get("label-columns")) if v
            for k in v.split(",") if k]
    show = flags.get("show-labels", "false") != "false"
    if not keys and not show:
        return head, rows
    head = [*head, *(k.split("/")[-1].upper() for k in keys), *(["LABELS"] if show else [])]
    out = []
    for obj, row in zip(objs, rows, strict=True):
        labels = obj["metadata"].get("labels") or {}
        extra = [labels.get(k, "") for k in keys]
        if show:  # labels.FormatLabels: sorted k=v pairs, "<none>" when there are none
            extra.append(",".join(f"{k}={labels[k]}" for k in sorted(labels)) or "<none>")
        out.append([*row, *extra])
    return head, out


def sort_by(objs: list[dict], path: str) -> list[dict]:
    """`--sort-by=.a.b` (kubectl get/sorter.go): a stable ascending sort on the field's first
    value, numbers by value, strings (RFC 3339 timestamps included) by text; objects without
    the field first."""
    from app.providers.sim.shell import kubectl_jsonpath as jp

    expr = jp._relaxed(path)[1:-1]

    def key(obj: dict) -> tuple:
        try:
            values = jp.evaluate(expr, obj, obj)
        except jp.JSONPathError as err:
            raise KubectlError(str(err)) from None
        if not values or values[0] is None:
            return (0, 0, "")
        v = values[0]
        if isinstance(v, bool) or not isinstance(v, int | float):
            return (2, 0, json.dumps(v) if isinstance(v, dict | list) else str(v))
        return (1, v, "")

    return sorted(objs, key=key)


def _get_empty(inv: Invocation, flags: dict[str, str], res: tuple[str, bool],
               names: list[str]) -> str:
    """`kubectl get pv` on a cluster that has none: get.go's empty-list messages."""
    resource, namespaced = res
    _connect(inv)
    if names:
        raise KubectlError(f'Error from server (NotFound): {resource} "{names[0]}" not found')
    fmt = flags.get("o") or flags.get("output") or ""
    if fmt in ("json", "yaml") or fmt.startswith("jsonpath"):
        return _output([], fmt, False)
    all_ns = "A" in flags or "all-namespaces" in flags
    where = f" in {_namespace(flags)} namespace." if namespaced and not all_ns else ""
    raise KubectlError(f"No resources found{where}", code=0)


def _logs_selected(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    """`kubectl logs -l sel`: each matching pod's log, 10 lines unless --tail (logs.go)."""
    if pos:
        raise KubectlError("error: only a selector (-l) or a POD name is allowed\n"
                           "See 'kubectl logs -h' for help and examples")
    _connect(inv)
    ns = _namespace(flags)
    pods = cluster_of(inv).store.list("Pod", ns, flags.get("l") or flags.get("selector") or "")
    if not pods:
        return Output(stderr=f"No resources found in {ns} namespace.\n")
    flags = {"tail": "10", **flags}
    return Output(stdout="".join(_logs(inv, flags, [p["metadata"]["name"]]) for p in pods))


def _logs(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    if not pos:
        raise KubectlError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                           "POD or TYPE/NAME is a required argument for the logs command\n"
                           "See 'kubectl logs -h' for help and examples")
    _connect(inv)
    cluster = cluster_of(inv)
    ns = _namespace(flags)
    name = pos[0].split("/", 1)[-1]
    if "/" in pos[0] and _kind(pos[0].split("/", 1)[0]) != "Pod":
        name = _first_pod(cluster, _kind(pos[0].split("/", 1)[0]), name, ns)
    try:
        pod = cluster.store.get("Pod", name, ns)
    except NotFoundError:
        raise KubectlError(f'Error from server (NotFound): pods "{name}" not found') from None
    containers = [c["name"] for c in pod["spec"].get("containers") or []]
    want = flags.get("c") or flags.get("container") or (pos[1] if len(pos) > 1 else "")
    if not want:
        if len(containers) > 1:
            raise KubectlError(f"error: a container name must be specified for pod {name}, "
                               f"choose one of: [{' '.join(containers)}]")
        want = containers[0]
    if want not in containers:
        raise KubectlError(f"error: container {want} is not valid for pod {name}")
    node = cluster.node(pod["spec"]["nodeName"])
    uid = pod["metadata"]["uid"]
    history = node.runtime.containers_of(uid, want)
    previous = "p" in flags or "previous" in flags
    if previous:
        # The pod status's lastState (the kubelet's validateContainerLogStatus): while the
        # container waits out a back-off that is the attempt that just exited, else the one
        # before the current attempt (the container GC keeps just that one).
        kubelet_pod = node.kubelet.pods.get(uid)
        if history and not history[-1].running() and kubelet_pod is not None \
                and restarts(kubelet_pod, history[-1]):
            chosen = history[-1]
        elif len(history) >= 2:
            chosen = history[-2]
        else:
            raise KubectlError(f'Error from server (BadRequest): previous terminated container '
                               f'"{want}" in pod "{name}" not found')
    elif history:
        chosen = history[-1]
    else:
        raise KubectlError(f'Error from server (BadRequest): container "{want}" in pod "{name}" '
                           'is waiting to start: ContainerCreating')
    stamp = flags.get("timestamps", "false") != "false"
    lines = [f"{rfc3339nano(t)} {text}" if stamp else text
             for t, _, text in chosen.logs if t <= cluster.t]
    if "tail" in flags:
        try:
            n = int(flags["tail"])
            lines = lines[-n:] if n >= 0 else lines
        except ValueError:
            raise KubectlError(f'error: invalid argument "{flags["tail"]}" for "--tail" flag: '
                               'strconv.ParseInt: parsing: invalid syntax') from None
    if flags.get("prefix", "false") != "false":
        lines = [f"[pod/{name}/{want}] {line}" for line in lines]
    return "".join(line + "\n" for line in lines)


def _first_pod(cluster, kind: str, name: str, ns: str) -> str:  # noqa: ANN001
    """`kubectl logs deploy/x`: the first pod the workload's selector matches."""
    try:
        obj = cluster.store.get(kind, name, ns)
    except NotFoundError:
        raise KubectlError(f'error: error from server (NotFound): {KINDS[kind][1]}.apps '
                           f'"{name}" not found in namespace "{ns}"') from None
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    sel = ",".join(f"{k}={v}" for k, v in labels.items())
    pods = cluster.store.list("Pod", ns, sel) if sel else []
    if not pods:
        raise KubectlError("error: timed out waiting for the condition")
    return pods[0]["metadata"]["name"]


def _version(inv: Invocation, flags: dict[str, str]) -> str:
    fmt = flags.get("o") or flags.get("output")
    if fmt:  # -o json|yaml: kubectl_version.py
        from app.providers.sim.shell import kubectl_version as kv

        if fmt not in ("json", "yaml"):
            raise KubectlError(kv.BAD_OUTPUT)
        if "client" in flags:
            return kv.render(fmt, None, True)
        try:
            _connect(inv)
        except KubectlError as err:
            raise PrintedThenFailed(kv.render(fmt, None, False),
                                    str(err).splitlines()[-1]) from None
        from app.providers.sim.shell.curl_node import VERSION

        return kv.render(fmt, VERSION, False)
    client = (f"Client Version: {versions.KUBERNETES}\n"
              "Kustomize Version: v5.6.0\n")
    if "client" in flags:
        return client
    try:
        _connect(inv)
    except KubectlError as err:
        raise PrintedThenFailed(client, str(err).splitlines()[-1]) from None
    return client + f"Server Version: {versions.KUBERNETES}\n"


def _cluster_info(inv: Invocation) -> str:
    _connect(inv)
    server = _server(inv)
    return (f"\x1b[0;32mKubernetes control plane\x1b[0m is running at \x1b[0;33m{server}"
            f"\x1b[0m\n\x1b[0;32mCoreDNS\x1b[0m is running at \x1b[0;33m{server}/api/v1/"
            "namespaces/kube-system/services/kube-dns:dns/proxy\x1b[0m\n\nTo further debug and "
            "diagnose cluster problems, use 'kubectl cluster-info dump'.\n")


def _get_many(inv: Invocation, flags: dict[str, str], rest: list[str]) -> Output:
    """`kubectl get deploy,rs,pods`: one table per kind that has objects."""
    tables, warn = [], ""
    for word in filter(None, rest[0].split(",")):
        kind = "" if word.lower() in EMPTY_TYPES else _kind(word)
        if kind == "Endpoints":
            warn = ("Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 "
                    "EndpointSlice\n")
        try:
            tables.append(_get(inv, {**flags, "\0multi": "1"}, [word, *rest[1:]]))
        except KubectlError as err:
            if not str(err).startswith("No resources found"):
                raise
    if not tables:
        ns = "" if "A" in flags or "all-namespaces" in flags else f" in {_namespace(flags)} " \
                                                                  "namespace"
        return Output(stderr=warn + f"No resources found{ns}.\n")
    return Output.ordered([(2, warn), (1, "\n".join(tables))])  # warnings come with the reply


@command("kubectl", "k")
def kubectl(inv: Invocation) -> Output:
    # pflag unbundles `-owide`, `-nkube-system`, `-Ao wide`
    inv = dataclasses.replace(inv, argv=[inv.argv[0], *expand_short_flags(inv.args, "nolcL")])
    flags, pos = split_flags(inv.args, VALUE_FLAGS | {"L", "label-columns"})
    if pos[:1] == ["logs"]:  # -f is --follow (a boolean) for logs, --filename elsewhere
        flags, pos = split_flags(inv.args, (VALUE_FLAGS - {"f"}) | {"L"})
    if not pos:
        return Output(stdout="kubectl controls the Kubernetes cluster manager.\n\n Find more "
                             "information at: https://kubernetes.io/docs/reference/kubectl/\n")
    verb, rest = pos[0], pos[1:]
    if verb == "get" and ("raw" in flags or rest[:1] in (["cs"], ["componentstatuses"],
                                                          ["componentstatus"])) or \
            verb == "explain":  # raw GETs, component statuses (kubectl_raw.py), explain
        from app.providers.sim.shell import kubectl_raw

        if verb == "explain":  # the v1.33 schemas: kubectl_explain.py
            from app.providers.sim.shell import kubectl_explain

            return kubectl_explain.explain(inv)
        if "raw" in flags:
            return kubectl_raw.get_raw(inv, flags["raw"])
        return kubectl_raw.componentstatuses(inv, flags, rest[1:])
    try:
        if verb == "get" and rest[:1] == ["all"]:
            rest = [ALL_CATEGORY, *rest[1:]]
        if verb == "get" and rest and "," in rest[0] and "/" not in rest[0]:
            return _get_many(inv, flags, rest)
        if verb == "get":
            out = _get(inv, flags, rest)
            if rest and ALIASES.get(rest[0].split("/", 1)[0].lower()) == "Endpoints":
                return Output.ordered([(2, "Warning: v1 Endpoints is deprecated in v1.33+; "
                                           "use discovery.k8s.io/v1 EndpointSlice\n"), (1, out)])
            return Output(stdout=out)
        if verb == "logs" and (flags.get("l") or flags.get("selector")):
            return _logs_selected(inv, flags, rest)
        if verb == "logs":
            return Output(stdout=_logs(inv, flags, rest))
        if verb == "version":
            try:
                return Output(stdout=_version(inv, flags))
            except PrintedThenFailed as err:  # the client part on stdout, the error on stderr
                return Output.ordered([(1, err.printed), (2, f"{err}\n")], err.code)
        if verb == "cluster-info":
            return Output(stdout=_cluster_info(inv))
        if verb in ("describe", "events", "top", "apply", "create", "delete", "edit", "patch",
                    "scale", "rollout", "label", "annotate", "cordon", "drain", "uncordon",
                    "exec", "port-forward", "auth", "config", "api-resources", "explain",
                    "replace"):
            from app.providers.sim.shell import kubectl_more

            return kubectl_more.dispatch(inv, verb, flags, rest)
        if verb in REAL_VERBS:  # kubectl has it; the twin does not model it (yet)
            inv.session.unknown_commands.append(f"kubectl {verb}")
            raise KubectlError(f'error: "kubectl {verb}" is not simulated by this kubedrill '
                               "twin yet; use kubectl get/logs/describe, crictl, journalctl or "
                               "the node's files")
        raise KubectlError(f'error: unknown command "{verb}" for "kubectl"')
    except KubectlError as err:
        text = str(err) + "\n"
        if err.code == 0:
            return Output(stderr=text)
        return Output(stderr=text, exit_code=err.code)
