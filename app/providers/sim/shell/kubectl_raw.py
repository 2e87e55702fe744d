"""`kubectl get --raw` and `kubectl get componentstatuses` against the twin (explain:
kubectl_explain.py).

`get --raw` makes one GET without discovery: a refused connection prints only kubectl's last
line, and a server error prints as client-go renders it (captured with a real kubectl against
a server answering 500/404/403/503: `Error from server (InternalError): an error on the server
("<body %q, trailing newline trimmed>") has prevented the request from succeeding`). The
apiserver answers kubectl (not curl) with compact JSON. Component statuses are probed from the
apiserver's node as the apiserver does (https://127.0.0.1:10259/healthz, :10257, etcd).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from app.providers.sim import loadbalancer
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import cluster_of, node_of
from app.providers.sim.store import KINDS, NotFoundError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

# resource (plural) -> kind, from the store's table
_BY_PLURAL = {v[1]: k for k, v in KINDS.items()}


def parse_resource_path(path: str) -> tuple[str, str, str, str] | None:
    """(group, resource, namespace, name) of an API resource path, else None."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        return None
    ns = ""
    if len(rest) >= 3 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    elif len(rest) == 2 and rest[0] == "namespaces":
        return group, "namespaces", "", rest[1]
    if not rest:
        return None
    return group, rest[0], ns, rest[1] if len(rest) > 1 else ""


def _dump(doc: object, pretty: bool) -> str:
    if pretty:
        return json.dumps(doc, indent=2) + "\n"
    return json.dumps(doc, separators=(",", ":")) + "\n"


def _not_found(message: str, details: dict, pretty: bool) -> tuple[int, str]:
    from app.providers.sim.shell.curl_node import status_json

    return 404, status_json(404, "NotFound", message, details, pretty)


def serve_path(cluster: SimCluster, path: str, query: dict[str, list[str]], pretty: bool
               ) -> tuple[int, str]:
    """An authorised GET on the API: discovery documents and objects from the store."""
    clean = "/" + "/".join(p for p in path.split("?", 1)[0].split("/") if p)
    if clean == "/api":
        node = cluster.apiserver_node()
        addr = f"{node.ip if node else '172.18.0.2'}:6443"
        return 200, _dump({"kind": "APIVersions", "versions": ["v1"],
                           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                           "serverAddress": addr}]}, pretty)
    if clean == "/apis":
        groups: dict[str, str] = {}
        for api_version, _, _ in KINDS.values():
            if "/" in api_version:
                g, v = api_version.split("/")
                groups.setdefault(g, v)
        return 200, _dump({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
             "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v}}
            for g, v in sorted(groups.items())]}, pretty)
    if clean in ("/api/v1",) or (clean.startswith("/apis/") and clean.count("/") == 3):
        gv = "v1" if clean == "/api/v1" else clean[len("/apis/"):]
        resources = [{"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                      "kind": kind, "verbs": ["create", "delete", "get", "list", "patch",
                                              "update", "watch"]}
                     for kind, (api, plural, namespaced) in sorted(KINDS.items())
                     if api == gv]
        if not resources:
            return _not_found("the server could not find the requested resource", {}, pretty)
        return 200, _dump({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
                           "resources": resources}, pretty)
    res = parse_resource_path(clean)
    if res is None:
        return _not_found("the server could not find the requested resource", {}, pretty)
    group, resource, ns, name = res
    kind = _BY_PLURAL.get(resource)
    if kind is None or (KINDS[kind][0].split("/")[0] if "/" in KINDS[kind][0] else "") != group:
        return _not_found("the server could not find the requested resource", {}, pretty)
    if name:
        try:
            return 200, _dump(cluster.store.get(kind, name, ns), pretty)
        except NotFoundError:
            return _not_found(f'{resource} "{name}" not found', {"name": name, "kind": resource},
                              pretty)
    sel = (query.get("labelSelector") or [""])[0]
    items = cluster.store.list(kind, ns or None, sel)
    return 200, _dump({"kind": f"{kind}List", "apiVersion": KINDS[kind][0],
                       "metadata": {"resourceVersion": str(cluster.store.revision)},
                       "items": items}, pretty)


def _go_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _server_error(status: int, body: str) -> str:
    """client-go's rendering of a non-2xx answer to a raw GET."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("kind") == "Status":
        return f"Error from server ({doc.get('reason', '')}): {doc.get('message', '')}"
    generic = {
        404: ("NotFound", "the server could not find the requested resource"),
        503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
        401: ("Unauthorized", "the server has asked for the client to provide credentials"),
        403: ("Forbidden", "forbidden"),
    }
    if status in generic:
        reason, msg = generic[status]
        return f"Error from server ({reason}): {msg}"
    return (f"Error from server (InternalError): an error on the server "
            f"({_go_quote(body.rstrip(chr(10)))}) has prevented the request from succeeding")


def _target(inv: Invocation) -> tuple[SimNode | None, str]:
    from app.providers.sim.shell import kubectl as k

    server = k._server(inv)
    parts = urlsplit(server)
    host = parts.hostname or "localhost"
    cluster = cluster_of(inv)
    if loadbalancer.is_it(cluster, host) and parts.port == loadbalancer.PORT:
        return loadbalancer.backend(cluster), server
    return cluster.node_by_host(host, node_of(inv)), server


def get_raw(inv: Invocation, path: str) -> Output:
    from app.providers.sim.shell import curl_node
    from app.providers.sim.shell import kubectl as k

    cluster = cluster_of(inv)
    try:
        k._connect(inv)
    except k.KubectlError as err:
        node, _ = _target(inv)
        api = node.running_container("kube-apiserver") if node is not None else None
        health = path.split("?", 1)[0].rstrip("/").split("/")[1:2]
        if api is not None and "etcd_lost" in api.notes and health and \
                health[0] in ("healthz", "livez", "readyz", "version"):
            pass  # the apiserver still listens and answers its health checks itself
        else:
            # One GET, no discovery: only kubectl's last line.
            return Output(stderr=str(err).splitlines()[-1] + "\n", exit_code=1)
    node, _ = _target(inv)
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    clean = parts.path.rstrip("/") or "/"
    api = node.running_container("kube-apiserver") if node is not None else None
    etcd_ok = api is None or curl_node.apiserver_etcd_ok(api)
    for kind in ("healthz", "livez", "readyz"):
        if clean == f"/{kind}" or clean.startswith(f"/{kind}/"):
            resp = curl_node.health_response(kind, etcd_ok, query, clean[len(kind) + 2:])
            status, body = resp.status, resp.body
            break
    else:
        if clean == "/version":
            status, body = 200, json.dumps(curl_node.VERSION, indent=2)
        else:
            status, body = serve_path(cluster, path, query, pretty=False)
    if status >= 400:
        return Output(stderr=_server_error(status, body) + "\n", exit_code=1)
    return Output(stdout=body)


# --- componentstatuses -----------------------------------------------------------------------

CS_WARNING = "Warning: v1 ComponentStatus is deprecated in v1.19+\n"


def _probe(cluster: SimCluster, node: SimNode, port: int) -> str | None:
    from app.providers.sim.shell.curl_node import listener

    lst = listener(cluster, node, port)
    if lst is None:
        return (f'Get "https://127.0.0.1:{port}/healthz": dial tcp 127.0.0.1:{port}: connect: '
                "connection refused")
    return None


def componentstatuses(inv: Invocation, flags: dict[str, str], names: list[str]) -> Output:
    from app.providers.sim.shell import kubectl as k
    from app.providers.sim.tables import kubectl_table

    try:
        k._connect(inv)
    except k.KubectlError as err:
        return Output(stderr=str(err) + "\n", exit_code=1)
    cluster = cluster_of(inv)
    node = cluster.apiserver_node() or node_of(inv)
    rows = []
    for name, port in (("scheduler", 10259), ("controller-manager", 10257)):
        err = _probe(cluster, node, port)
        rows.append([name, "Unhealthy" if err else "Healthy", err or "ok", ""])
    api = node.running_container("kube-apiserver")
    etcd_ok = api is None or ("etcd_lost" not in api.notes and "no_quorum" not in api.notes)
    rows.append(["etcd-0", "Healthy" if etcd_ok else "Unhealthy",
                 "ok" if etcd_ok else "etcdserver: request timed out", ""])
    if names:
        rows = [r for r in rows if r[0] in names]
        missing = [n for n in names if n not in {r[0] for r in rows}]
        if missing:
            return Output(stderr=CS_WARNING + f'Error from server (NotFound): '
                          f'componentstatuses "{missing[0]}" not found\n', exit_code=1)
    fmt = flags.get("o") or flags.get("output") or ""
    if fmt in ("json", "yaml"):
        items = [{"apiVersion": "v1", "kind": "ComponentStatus",
                  "metadata": {"name": r[0]},
                  "conditions": [{"type": "Healthy", "status": str(r[1] == "Healthy"),
                                  **({"message": r[2]} if r[1] == "Healthy" else
                                     {"error": r[2]})}]} for r in rows]
        doc = items[0] if len(names) == 1 else {"apiVersion": "v1", "items": items,
                                                  "kind": "List",
                                                  "metadata": {"resourceVersion": ""}}
        if fmt == "json":
            return Output.ordered([(2, CS_WARNING), (1, json.dumps(doc, indent=4) + "\n")])
        import yaml

        return Output.ordered([(2, CS_WARNING),
                               (1, yaml.safe_dump(doc, default_flow_style=False))])
    table = kubectl_table([["NAME", "STATUS", "MESSAGE", "ERROR"], *rows])
    return Output.ordered([(2, CS_WARNING), (1, table)])  # the warning arrives first
