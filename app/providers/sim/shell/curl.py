"""`curl` from a node to pod IPs and Service ClusterIPs (curl 7.88.1, Debian 12's).

A ClusterIP is answered as kube-proxy's iptables rules would: one of the Service's *ready*
endpoints, taken in turn (real kube-proxy picks at random; in turn makes a burst of requests
show every backend), or a REJECT (`Couldn't connect to server`) when it has none. A pod
answers according to its container's declared behaviour (`probing.py`): refused until it
listens, then 503 on a path until that path is warm, then 200.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from app.providers.sim.probing import serves
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, split_flags

VALUE_FLAGS = {"o", "output", "w", "write-out", "m", "max-time", "connect-timeout", "H",
               "header", "X", "request", "d", "data", "u", "user", "A", "user-agent",
               "cacert", "cert", "E", "key", "capath"}
REASONS = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}


def _pod_answer(cluster: Any, pod: dict, port: int, path: str) -> tuple[int | None, str]:
    """(HTTP status or None for refused, body)."""
    node = cluster.node(pod["spec"]["nodeName"])
    uid = pod["metadata"]["uid"]
    for spec in pod["spec"].get("containers") or []:
        c = node.runtime.latest(uid, spec.get("name", ""))
        if c is None or not c.running() or not node.powered:
            continue
        b = c.notes.get("behaviour")
        declared = {p.get("containerPort") for p in spec.get("ports") or []}
        if b is None:
            if port in declared and c.ready(cluster.t):
                return 200, "OK"
            continue
        listening, status = serves(b, port, path, cluster.t - (c.started or cluster.t))
        if listening and status is not None:
            body = b.get("body", '{"status":"UP"}') if status == 200 else \
                b.get("body_503", '{"status":"OUT_OF_SERVICE"}')
            return status, body
    return None, ""


def _resolve(cluster: Any, host: str, port: int) -> tuple[dict | None, int, str | None]:
    """(pod, port) the packet reaches, or an error kind: refused | timeout | resolve."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        node = next((n for n in cluster.nodes if n.name == host), None)
        if node is None:
            return None, port, "resolve"
        return None, port, "refused"
    store = cluster.store
    for svc in store.list("Service"):
        if svc["spec"].get("clusterIP") != host:
            continue
        sp = next((p for p in svc["spec"].get("ports") or [] if p.get("port") == port), None)
        if sp is None:
            return None, port, "timeout"
        ep = store.find("Endpoints", svc["metadata"]["name"], svc["metadata"]["namespace"])
        ready = [(a, p["port"]) for sub in (ep or {}).get("subsets") or []
                 for a in sub.get("addresses") or [] for p in sub.get("ports") or []
                 if p.get("name", "") == sp.get("name", "")]
        if not ready:
            return None, port, "refused"
        counter = getattr(cluster, "_kube_proxy_rr", 0)
        cluster._kube_proxy_rr = counter + 1
        addr, target = ready[counter % len(ready)]
        pod = next((p for p in store.list("Pod", svc["metadata"]["namespace"])
                    if p["metadata"]["uid"] == (addr.get("targetRef") or {}).get("uid")), None)
        return pod, target, None if pod else "refused"
    for pod in store.list("Pod"):
        if (pod.get("status") or {}).get("podIP") == host and not pod["spec"].get(
                "hostNetwork"):
            return pod, port, None
    return None, port, "refused" if host.startswith(("172.18.", "127.", "10.244.")) else \
        "timeout"


def _write_out(fmt: str, status: int | None) -> str:
    code = f"{status:03d}" if status else "000"
    return fmt.replace("%{http_code}", code).replace("%{response_code}", code) \
        .replace("\\n", "\n").replace("\\t", "\t")


@command("curl")
def curl(inv: Invocation) -> Output:
    flags, pos = split_flags(inv.args, VALUE_FLAGS)
    if not pos:
        return Output(stderr="curl: try 'curl --help' or 'curl --manual' for more information\n",
                      exit_code=2)
    url = pos[0] if "://" in pos[0] else f"http://{pos[0]}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    silent = "s" in flags or "silent" in flags
    show_err = "S" in flags or "show-error" in flags or not silent
    fmt = flags.get("w") or flags.get("write-out") or ""
    from app.providers.sim.shell.curl_node import handle

    node_answer = handle(inv, flags, parts, port)  # a node's own component ports
    if node_answer is not None:
        return node_answer
    cluster = cluster_of(inv)
    pod, target, err = _resolve(cluster, host, port)
    status, body = (None, "")
    if err is None and pod is not None:
        status, body = _pod_answer(cluster, pod, target, path)
        if status is None:
            err = "refused"
    if err is not None:
        code, msg = {
            "refused": (7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't "
                           "connect to server"),
            "timeout": (28, f"Failed to connect to {host} port {port} after 10001 ms: Timeout "
                            "was reached"),
            "resolve": (6, f"Could not resolve host: {host}"),
        }[err]
        trace = ""
        if "v" in flags or "verbose" in flags:  # curl 7.88 -v, as curl_node.py prints it
            trace = f"* Could not resolve host: {host}\n" if err == "resolve" else \
                f"*   Trying {host}:{port}...\n" + (
                    f"* connect to {host} port {port} failed: Connection refused\n"
                    if err == "refused" else "") + f"* {msg}\n"
            trace += "* Closing connection 0\n"
        # tool_operate.c post_per_transfer: the error message, then the --write-out text.
        return Output.ordered([(2, trace + (f"curl: ({code}) {msg}\n" if show_err else "")),
                               (1, _write_out(fmt, None))], code)
    assert status is not None
    out = ""
    if "i" in flags or "include" in flags or "I" in flags or "head" in flags:
        out += (f"HTTP/1.1 {status} {REASONS.get(status, '')}\r\nContent-Type: application/json"
                f"\r\nContent-Length: {len(body)}\r\n\r\n")
    if status >= 400 and ("f" in flags or "fail" in flags):
        return Output.ordered([(2, f"curl: (22) The requested URL returned error: {status}\n"
                                if show_err else ""), (1, _write_out(fmt, status))], 22)
    if not ("I" in flags or "head" in flags):
        out += body
    if flags.get("o") or flags.get("output"):
        out = ""
    return Output(stdout=out + _write_out(fmt, status))
