"""`curl` to the components a node serves itself: kube-apiserver, etcd, kubelet, scheduler,
controller-manager and kube-proxy, on 127.0.0.1, localhost, a node's IP or name.

Everything is decided from the twin: which containers run on that node and listen on which
address (their flags), whether they are ready, etcd's quorum, leader and alarms, the node
disk's latency, the kubelet unit, and the certificates the servers present (verified as
OpenSSL 3.0 does for curl 7.88.1: chain to the --cacert first, then validity, then the host
name). Texts are real curl's (tests/fidelity/samples/curl-*.txt, captured with Debian 12's
curl 7.88.1 + OpenSSL 3.0) and the components' own handlers (apiserver healthz.go, etcd
etcdhttp/health.go, kube-proxy healthcheck). Sources: tests/fidelity/samples/SOURCES.md.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qs

from app.providers.sim import loadbalancer, pki, tls, versions
from app.providers.sim.components.base import flag_values
from app.providers.sim.etcd_metrics import go_g
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import cluster_of, node_of

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode
    from app.providers.sim.runtime import Container

OPENSSL = "OpenSSL/3.0.17"  # what the twin's `openssl version` reports
MORE = ("More details here: https://curl.se/docs/sslcerts.html\n\n"
        "curl failed to verify the legitimacy of the server and therefore could not\n"
        "establish a secure connection to it. To learn more about this situation and\n"
        "how to fix it, please visit the web page mentioned above.\n")
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
COMPONENT_PORTS = {6443, 2379, 2381, 10248, 10249, 10250, 10256, 10257, 10259}


@dataclass
class Response:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    user: str | None  # the client certificate's CN once the server accepted it
    pretty: bool = True  # curl's user agent makes the apiserver indent JSON


@dataclass
class Listener:
    """A socket a component has open: where, how, and what answers."""

    scheme: str
    bind: str  # "0.0.0.0" or one address
    serve: Callable[[Request], Response]
    cert: bytes | None = None  # the serving certificate chain (PEM)
    chain_self_signed: bool = False  # an in-memory self-signed CA + cert (scheduler, kcm)
    subject: str = ""
    issuer: str = ""
    client_auth: Callable[[bytes | None], str | None] | None = None
    notes: dict = field(default_factory=dict)


class CurlFail(Exception):
    def __init__(self, code: int, message: str, more: bool = False, connect: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.more, self.connect = code, message, more, connect


# --- the apiserver ---------------------------------------------------------------------------

# /readyz?verbose of a kubeadm kube-apiserver of the v1.31-v1.33 line with default feature gates
# (observed output, see SOURCES.md); /livez and /healthz list the same checks without
# etcd-readiness, informer-sync and shutdown.
HOOKS = [
    "start-apiserver-admission-initializer", "generic-apiserver-start-informers",
    "priority-and-fairness-config-consumer", "priority-and-fairness-filter",
    "storage-object-count-tracker-hook", "start-apiextensions-informers",
    "start-apiextensions-controllers", "crd-informer-synced",
    "start-system-namespaces-controller", "start-cluster-authentication-info-controller",
    "start-kube-apiserver-identity-lease-controller",
    "start-kube-apiserver-identity-lease-garbage-collector",
    "start-legacy-token-tracking-controller", "start-service-ip-repair-controllers",
    "rbac/bootstrap-roles", "scheduling/bootstrap-system-priority-classes",
    "priority-and-fairness-config-producer", "bootstrap-controller",
    "start-kubernetes-service-cidr-controller", "aggregator-reload-proxy-client-cert",
    "start-kube-aggregator-informers", "apiservice-status-local-available-controller",
    "apiservice-status-remote-available-controller", "apiservice-registration-controller",
    "apiservice-discovery-controller", "kube-apiserver-autoregistration",
]


def health_checks(kind: str) -> list[str]:
    names = ["ping", "log", "etcd"]
    if kind == "readyz":
        names += ["etcd-readiness", "informer-sync"]
    names += [f"poststarthook/{h}" for h in HOOKS]
    names += ["autoregister-completion", "poststarthook/apiservice-openapi-controller",
              "poststarthook/apiservice-openapiv3-controller"]
    if kind == "readyz":
        names.append("shutdown")
    return names


def apiserver_etcd_ok(api: Container) -> bool:
    return "etcd_lost" not in api.notes and "no_quorum" not in api.notes


def health_response(kind: str, etcd_ok: bool, query: dict[str, list[str]],
                    sub: str = "") -> Response:
    """apiserver `healthz.go` handleRootHealth: `ok`, the verbose list, or the list + 500."""
    failed = set() if etcd_ok else {"etcd", "etcd-readiness"}
    checks = health_checks(kind)
    if sub:
        if sub not in checks:
            return Response(404, "404 page not found\n")
        if sub in failed:  # healthz.go adaptCheckToHandler; the etcd3 storage check's error
            return Response(500, "internal server error: error getting data from etcd: "
                                 "context deadline exceeded\n")
        return Response(200, "ok")
    excluded = set(query.get("exclude", []))
    lines = "".join(f"[-]{c} failed: reason withheld\n" if c in failed else f"[+]{c} ok\n"
                    for c in checks if c not in excluded)
    if any(c in failed for c in checks if c not in excluded):
        return Response(500, f"{lines}{kind} check failed\n")
    if "verbose" in query:
        return Response(200, f"{lines}{kind} check passed\n")
    return Response(200, "ok")


VERSION = {
    "major": "1", "minor": "33", "emulationMajor": "1", "emulationMinor": "33",
    "minCompatibilityMajor": "1", "minCompatibilityMinor": "32",
    "gitVersion": versions.KUBERNETES, "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
    "gitTreeState": "clean", "buildDate": "2025-05-15T08:19:08Z", "goVersion": "go1.24.2",
    "compiler": "gc", "platform": "linux/amd64",
}


def status_json(code: int, reason: str, message: str, details: dict, pretty: bool) -> str:
    doc = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "details": details, "code": code}
    if pretty:
        return json.dumps(doc, indent=2) + "\n"
    return json.dumps(doc, separators=(",", ":")) + "\n"


def forbidden(path: str, user: str, pretty: bool) -> Response:
    """What RBAC answers a user without the permission (system:anonymous over plain curl)."""
    from app.providers.sim.shell.kubectl_raw import parse_resource_path

    res = parse_resource_path(path)
    if res is None:
        msg = f'forbidden: User "{user}" cannot get path "{path}"'
        details: dict = {}
    else:
        group, resource, ns, name = res
        verb = "get" if name else "list"
        scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
        msg = (f'{resource} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
               f'in API group "{group}" {scope}')
        details = {"name": name, "kind": resource} if name else {"kind": resource}
    return Response(403, status_json(403, "Forbidden", msg, details, pretty), "application/json")


def apiserver_serve(cluster: SimCluster, api: Container) -> Callable[[Request], Response]:
    def serve(req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        for kind in ("healthz", "livez", "readyz"):
            if path == f"/{kind}" or path.startswith(f"/{kind}/"):
                return health_response(kind, apiserver_etcd_ok(api), req.query,
                                       path[len(kind) + 2:])
        if path == "/version":
            return Response(200, json.dumps(VERSION, indent=2), "application/json")
        if req.user is None:
            return forbidden(req.path, "system:anonymous", req.pretty)
        from app.providers.sim.shell.kubectl_raw import serve_path

        status, body = serve_path(cluster, req.path, req.query, req.pretty)
        return Response(status, body, "application/json")
    return serve


# --- etcd ------------------------------------------------------------------------------------

def etcd_health(cluster: SimCluster) -> Response:
    """etcdhttp/health.go (3.5): alarms first, then the leader, then a range read."""
    from app.providers.sim import etcd_cluster as ec

    alarms = ec.state(cluster).get("alarms") or []
    reason = ""
    if alarms:
        reason = "ALARM " + alarms[0]["alarm"]
    elif ec.leader(cluster) is None:
        reason = "RAFT NO LEADER"
    if reason:
        return Response(503, json.dumps({"health": "false", "reason": reason},
                                        separators=(",", ":")) + "\n")
    return Response(200, '{"health":"true","reason":""}')


def etcd_checks(cluster: SimCluster, kind: str, query: dict[str, list[str]]) -> Response:
    from app.providers.sim import etcd_cluster as ec

    names = ["serializable_read"] if kind == "livez" else \
        ["data_corruption", "serializable_read", "linearizable_read"]
    excluded = set(query.get("exclude", []))
    lines, ok = "", True
    for name in (n for n in names if n not in excluded):
        err = None
        if name == "linearizable_read" and ec.leader(cluster) is None:
            err = "etcdserver: request timed out"
        if name == "data_corruption" and any(a["alarm"] == "CORRUPT"
                                             for a in ec.state(cluster).get("alarms") or []):
            err = "alarm activated: CORRUPT"
        lines += f"[-]{name} failed: {err}\n" if err else f"[+]{name} ok\n"
        ok = ok and err is None
    if not ok:
        return Response(503, lines + "\n")
    return Response(200, (lines if "verbose" in query else "") + "ok\n")


def etcd_serve(cluster: SimCluster, node: SimNode) -> Callable[[Request], Response]:
    def serve(req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        if path == "/health":
            return etcd_health(cluster)
        if path in ("/livez", "/readyz"):
            return etcd_checks(cluster, path[1:], req.query)
        if path == "/version":
            return Response(200, json.dumps({"etcdserver": versions.ETCD.split("-")[0],
                                             "etcdcluster": "3.5.0"}, separators=(",", ":")),
                            "application/json")
        if path == "/metrics":
            from app.providers.sim.etcd_metrics import exposition

            return Response(200, exposition(cluster, node),
                            "text/plain; version=0.0.4; charset=utf-8")
        return Response(404, "404 page not found\n")
    return serve


# --- small servers ---------------------------------------------------------------------------

def plain_health(req: Request, extra: dict[str, Callable[[], Response]] | None = None
                 ) -> Response:
    path = req.path.rstrip("/") or "/"
    if extra and path in extra:
        return extra[path]()
    if path in ("/healthz", "/livez", "/readyz"):
        if "verbose" in req.query:
            return Response(200, f"[+]ping ok\n[+]log ok\n{path[1:]} check passed\n")
        return Response(200, "ok")
    return Response(404, "404 page not found\n")


def go_time(t: float, started: float) -> str:
    """Go's time.Time.String() of time.Now(): nanoseconds without trailing zeros, monotonic."""
    d = datetime.fromtimestamp(t, UTC)
    frac = f"{d.microsecond:06d}{int(t * 1e9) % 1000:03d}".rstrip("0")
    return (f"{d:%Y-%m-%d %H:%M:%S}{'.' + frac if frac else ''} +0000 UTC "
            f"m=+{max(t - started, 0.0):.9f}")


def kube_proxy_serve(cluster: SimCluster, c: Container) -> Callable[[Request], Response]:
    def healthz() -> Response:
        now = go_time(cluster.t, c.started or cluster.t)
        return Response(200, f'{{"lastUpdated": "{now}","currentTime": "{now}", '
                             '"nodeEligible": true}', "application/json")

    def serve(req: Request) -> Response:
        return plain_health(req, {"/healthz": healthz, "/livez": healthz})
    return serve


def kube_proxy_metrics(cluster: SimCluster, c: Container) -> Callable[[Request], Response]:
    def serve(req: Request) -> Response:
        if (req.path.rstrip("/") or "/") != "/metrics":
            return plain_health(req)
        syncs = int((cluster.t - (c.started or cluster.t)) // 30) + 3
        body = (
            "# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds [ALPHA] The last time "
            "proxy rules were successfully synced\n"
            "# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge\n"
            f"kubeproxy_sync_proxy_rules_last_timestamp_seconds {go_g(cluster.t)}\n"
            "# HELP kubeproxy_sync_proxy_rules_iptables_total [ALPHA] Total number of iptables "
            "rules owned by kube-proxy\n"
            "# TYPE kubeproxy_sync_proxy_rules_iptables_total gauge\n"
            'kubeproxy_sync_proxy_rules_iptables_total{table="filter"} 4\n'
            f'kubeproxy_sync_proxy_rules_iptables_total{{table="nat"}} '
            f'{10 + 4 * len(cluster.store.list("Service"))}\n'
            "# HELP kubeproxy_sync_full_proxy_rules_duration_seconds [ALPHA] SyncProxyRules "
            "latency in seconds for full resyncs\n"
            "# TYPE kubeproxy_sync_full_proxy_rules_duration_seconds histogram\n"
            f"kubeproxy_sync_full_proxy_rules_duration_seconds_count {syncs}\n")
        return Response(200, body, "text/plain; version=0.0.4; charset=utf-8")
    return serve


def kubelet_10250(req: Request) -> Response:
    # authentication.anonymous.enabled: false (kubeadm): no client certificate, 401.
    return Response(401, "Unauthorized")


# --- who listens where -----------------------------------------------------------------------

def _read(node: SimNode, path: str) -> bytes | None:
    return tls.read_pem(node, path) if path else None


def _bind(c: Container, flag: str, default: str = "0.0.0.0") -> str:
    return flag_values(c.command).get(flag, default)


def _verify_client(cluster: SimCluster, node: SimNode, ca_path: str
                   ) -> Callable[[bytes | None], str | None]:
    """Go's optional client-certificate check (RequestClientCert + verify when presented)."""
    def check(cert: bytes | None) -> str | None:
        if cert is None:
            return None
        ca = _read(node, ca_path)
        if ca is None or not pki.verify_chain(cert, ca):
            return "tlsv1 alert unknown ca|0A000418"
        if tls.validity_error(cert, cluster.t):
            return "sslv3 alert certificate expired|0A000415"
        return None
    return check


def listener(cluster: SimCluster, node: SimNode, port: int) -> Listener | None:
    t = cluster.t
    if port == 6443:
        api = node.apiserver_listening(t)
        if api is None:
            return None
        cert = tls.loaded(api.notes, "serving_cert") or _read(
            node, flag_values(api.command).get("tls-cert-file", ""))
        ca_path = flag_values(api.command).get("client-ca-file", "")
        return Listener("https", _bind(api, "bind-address"), apiserver_serve(cluster, api),
                        cert, client_auth=_verify_client(cluster, node, ca_path),
                        notes={"user_from_cert": True})
    if port in (2379, 2381):
        etcd = node.running_container("etcd")
        if etcd is None or not (etcd.ready(t) or etcd.notes.get("serving_at", t + 1) <= t):
            return None
        flags = flag_values(etcd.command)
        if port == 2379:
            if cluster.etcd_reachable(node, "https://127.0.0.1:2379", t) is not None and \
                    cluster.etcd_reachable(node, f"https://{node.ip}:2379", t) is not None:
                return None
            from app.providers.sim.components.etcd import reject_client

            def etcd_client(cert: bytes | None) -> str | None:
                if flags.get("client-cert-auth") != "true":
                    return None
                if cert is None:
                    return "tlsv13 alert certificate required|0A00045C"
                rejected = reject_client(node, etcd, cert, t)
                if rejected is None:
                    return None
                return "sslv3 alert certificate expired|0A000415" if "expired" in \
                    rejected[0] else "tlsv1 alert unknown ca|0A000418"
            listen = [u for u in flags.get("listen-client-urls", "").split(",") if u]
            bind = "0.0.0.0" if any("0.0.0.0" in u for u in listen) else "*etcd"
            return Listener("https", bind, etcd_serve(cluster, node),
                            _read(node, flags.get("cert-file", "")), client_auth=etcd_client,
                            notes={"etcd": etcd})
        urls = [u for u in flags.get("listen-metrics-urls", "").split(",") if u.strip()]
        for url in urls:
            if url.rsplit(":", 1)[-1].rstrip("/") == "2381":
                host = url.split("://", 1)[-1].rsplit(":", 1)[0]
                return Listener(url.split("://", 1)[0], host, etcd_serve(cluster, node))
        return None
    if port in (10248, 10250):
        if not node.kubelet_running():
            return None
        if port == 10248:
            return Listener("http", "127.0.0.1", plain_health)
        crt = _read(node, "/var/lib/kubelet/pki/kubelet.crt")
        return Listener("https", "0.0.0.0", kubelet_10250, crt)
    programs = {10257: "kube-controller-manager", 10259: "kube-scheduler",
                10256: "kube-proxy", 10249: "kube-proxy"}
    if port not in programs:
        return None
    c = node.running_container(programs[port])
    if c is None or not c.ready(t):
        return None
    if port == 10256:
        return Listener("http", "0.0.0.0", kube_proxy_serve(cluster, c))
    if port == 10249:
        return Listener("http", "127.0.0.1", kube_proxy_metrics(cluster, c))
    stamp = int(c.started or t)
    return Listener("https", _bind(c, "bind-address"), plain_health, chain_self_signed=True,
                    subject=f"CN=localhost@{stamp}", issuer=f"CN=localhost-ca@{stamp}")


# --- the client side -------------------------------------------------------------------------

def _file(inv: Invocation, path: str) -> bytes | None:
    full = path if path.startswith("/") else posixpath.join(inv.session.cwd, path)
    try:
        return node_of(inv).vfs.read(posixpath.normpath(full))
    except Exception:  # noqa: BLE001 - any unreadable file is the same error to curl
        return None


def _host_matches(cert: bytes, host: str) -> bool:
    info = pki.cert_info(cert)
    if host in info.ip_addresses or (host == "::1" and "::1" in info.ip_addresses):
        return True
    return any(d == host or (d.startswith("*.") and host.split(".", 1)[-1] == d[2:])
               for d in info.dns_names)


def handshake(inv: Invocation, flags: dict[str, str], lst: Listener, host: str
              ) -> tuple[str | None, list[str]]:
    """Verify the server as curl+OpenSSL do; returns (the accepted client CN, -v lines)."""
    insecure = "k" in flags or "insecure" in flags
    cacert = flags.get("cacert")
    verbose: list[str] = ["* ALPN: offers h2,http/1.1",
                          "* TLSv1.3 (OUT), TLS handshake, Client hello (1):"]
    ca_pem = None
    if cacert:
        ca_pem = _file(inv, cacert)
        if ca_pem is None:
            raise CurlFail(77, f"error setting certificate file: {cacert}")
    if not insecure:
        verbose += [f"*  CAfile: {cacert or '/etc/ssl/certs/ca-certificates.crt'}",
                    "*  CApath: /etc/ssl/certs"]
    client_pem = None
    if flags.get("cert") or flags.get("E"):
        path = flags.get("cert") or flags.get("E") or ""
        client_pem = _file(inv, path)
        if client_pem is None:
            raise CurlFail(58, f"could not load PEM client certificate from {path}, OpenSSL "
                               "error error:80000002:system library::No such file or "
                               "directory, (no key found, wrong pass phrase, or wrong file "
                               "format?)")
        key = flags.get("key")
        key_pem = _file(inv, key) if key else client_pem
        if key_pem is None or b"PRIVATE KEY-----" not in key_pem:
            raise CurlFail(58, f"unable to set private key file: '{key or path}' type PEM")
    cert = lst.cert
    verbose += ["* TLSv1.3 (IN), TLS handshake, Server hello (2):",
                "* TLSv1.3 (IN), TLS handshake, Encrypted Extensions (8):"]
    if lst.client_auth is not None:
        verbose.append("* TLSv1.3 (IN), TLS handshake, Request CERT (13):")
    verbose += ["* TLSv1.3 (IN), TLS handshake, Certificate (11):",
                "* TLSv1.3 (IN), TLS handshake, CERT verify (15):",
                "* TLSv1.3 (IN), TLS handshake, Finished (20):"]
    problem = None
    if lst.chain_self_signed:
        problem = "SSL certificate problem: self-signed certificate in certificate chain"
    elif cert is not None:
        if ca_pem is None or not pki.verify_chain(cert, ca_pem):
            problem = ("SSL certificate problem: self-signed certificate in certificate chain"
                       if pki.cert_info(cert).issuer_cn.endswith("-ca@" + pki.cert_info(
                           cert).subject_cn.rsplit("@", 1)[-1]) and cert.count(b"BEGIN CERT") > 1
                       else "SSL certificate problem: unable to get local issuer certificate")
        else:
            nb, na = pki.cert_validity(cert)
            now = tls.at(cluster_of(inv).t)
            if now > na:
                problem = "SSL certificate problem: certificate has expired"
            elif now < nb:
                problem = "SSL certificate problem: certificate is not yet valid"
            elif not _host_matches(cert, host):
                problem = ("SSL: no alternative certificate subject name matches target host "
                           f"name '{host}'")
    if problem and not insecure:
        raise CurlFail(60, problem, more=True)
    verbose += ["* TLSv1.3 (OUT), TLS change cipher, Change cipher spec (1):"]
    if lst.client_auth is not None:
        verbose.append("* TLSv1.3 (OUT), TLS handshake, Certificate (11):")
    verbose += ["* TLSv1.3 (OUT), TLS handshake, Finished (20):",
                "* SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256",
                "* ALPN: server accepted h2", "* Server certificate:"]
    if cert is not None:
        info = pki.cert_info(cert)
        subject = "; ".join(part.replace(" = ", "=") for part in info.subject.split(", "))
        issuer = "; ".join(part.replace(" = ", "=") for part in info.issuer.split(", "))
        verbose += [f"*  subject: {subject}", f"*  start date: {info.not_before:%b %d %H:%M:%S %Y} "
                    "GMT", f"*  expire date: {info.not_after:%b %d %H:%M:%S %Y} GMT"]
    else:
        subject, issuer = lst.subject, lst.issuer
        verbose += [f"*  subject: {subject}"]
    if not problem and not insecure and cert is not None:
        kind = "IP address" if host.replace(".", "").isdigit() or ":" in host else "name"
        verbose.append(f'*  subjectAltName: host "{host}" matched cert\'s '
                       f'{"IP address" if kind == "IP address" else chr(34) + host + chr(34)}!')
    verbose.append(f"*  issuer: {issuer}")
    if problem:
        code = 20 if "local issuer" in problem else 19 if "chain" in problem else 10
        verbose.append(f"*  SSL certificate verify result: {problem.split(': ', 1)[-1]} ({code})"
                       ", continuing anyway.")
    else:
        verbose.append("*  SSL certificate verify ok.")
    verbose.append("* using HTTP/2")
    user = None
    if lst.client_auth is not None:
        alert = lst.client_auth(client_pem)
        if alert is not None:
            text, code = alert.split("|")
            raise CurlFail(56, f"OpenSSL SSL_read: {OPENSSL}: error:{code}:SSL routines::{text}"
                               ", errno 0")
        if client_pem is not None:
            user = pki.cert_info(client_pem).subject_cn
    return user, verbose


def resolve(inv: Invocation, host: str) -> SimNode | None:
    cluster = cluster_of(inv)
    here = node_of(inv)
    if host in LOOPBACK:
        return here
    return next((n for n in cluster.nodes if host in (n.ip, n.name)), None)


def handle(inv: Invocation, flags: dict[str, str], parts: SplitResult, port: int
           ) -> Output | None:
    """curl's answer when the URL names a node's component port; None for anything else."""
    host = parts.hostname or ""
    cluster = cluster_of(inv)
    if loadbalancer.is_it(cluster, host):
        return _through_balancer(inv, flags, parts, port)
    node = resolve(inv, host)
    if node is None or port not in COMPONENT_PORTS:
        return None
    silent = "s" in flags or "silent" in flags
    show_err = "S" in flags or "show-error" in flags or not silent
    fmt = flags.get("w") or flags.get("write-out") or ""
    verbose = "v" in flags or "verbose" in flags
    shown_host = "localhost" if host == "::1" else host
    trace = [f"*   Trying {node.ip if host not in LOOPBACK else '127.0.0.1'}:{port}..."]
    try:
        if not node.powered:
            raise CurlFail(7, f"Failed to connect to {shown_host} port {port} after 3071 ms: "
                              "Couldn't connect to server", connect="No route to host")
        lst = listener(cluster, node, port)
        if lst is not None and lst.bind == "*etcd":  # etcd's own listen-client-urls decide
            if cluster.etcd_reachable(node_of(inv), f"https://{host}:2379",
                                      cluster.t) is not None:
                lst = None
        elif lst is not None and lst.bind not in ("0.0.0.0", "::", "") and not (
                (host in LOOPBACK and lst.bind in LOOPBACK) or host == lst.bind or
                (lst.bind == node.ip and host == node.name)):
            lst = None
        if lst is None:
            raise CurlFail(7, f"Failed to connect to {shown_host} port {port} after 0 ms: "
                              "Couldn't connect to server", connect="Connection refused")
        addr = "127.0.0.1" if host in LOOPBACK else node.ip
        trace.append(f"* Connected to {shown_host} ({addr}) port {port} (#0)")
        user = None
        if parts.scheme == "https":
            if lst.scheme == "http":
                raise CurlFail(35, f"{OPENSSL}: error:0A00010B:SSL routines::wrong version "
                                   "number")
            user, hs = handshake(inv, flags, lst, host)
            trace += hs
            if not lst.notes.get("user_from_cert"):
                user = user or "client"
            resp = lst.serve(Request(parts.path or "/", parse_qs(parts.query,
                                                                 keep_blank_values=True),
                                     user))
        elif lst.scheme == "https":
            resp = Response(400, "Client sent an HTTP request to an HTTPS server.\n")
        else:
            resp = lst.serve(Request(parts.path or "/", parse_qs(parts.query,
                                                                 keep_blank_values=True),
                                     None))
    except CurlFail as err:
        if verbose:  # curl 7.88.1 -v: the connect error, the failure, the closed connection
            if err.connect:
                addr = "127.0.0.1" if host in LOOPBACK else node.ip
                trace.append(f"* connect to {addr} port {port} failed: {err.connect}")
            trace += [f"* {err.message}", "* Closing connection 0"]
        text = f"curl: ({err.code}) {err.message}\n" + (MORE if err.more else "")
        err_out = ("\n".join(trace) + "\n" if verbose else "") + (text if show_err else "")
        code = "000"
        # tool_operate.c post_per_transfer: the error message, then the --write-out text.
        return Output.ordered([(2, err_out), (1, _write_out(fmt, code))], err.code)
    return _respond(flags, parts, port, resp, trace if verbose else [], fmt, show_err,
                    cluster.t)


def _through_balancer(inv: Invocation, flags: dict[str, str], parts: SplitResult, port: int
                      ) -> Output:
    """curl to kind's haproxy (loadbalancer.py): the API port goes to a healthy API server, or
    is closed at once when none is left; no other port listens."""
    cluster = cluster_of(inv)
    host = parts.hostname or ""
    backend = loadbalancer.backend(cluster) if port == loadbalancer.PORT else None
    if backend is not None:  # TCP passthrough: the API server's own answer, certificate and all
        answer = handle(inv, flags, parts._replace(netloc=f"{backend.ip}:{port}"), port)
        assert answer is not None
        return _as_host(answer, f"{backend.ip}", host, loadbalancer.ip(cluster))
    silent = "s" in flags or "silent" in flags
    show_err = "S" in flags or "show-error" in flags or not silent
    fmt = flags.get("w") or flags.get("write-out") or ""
    address = loadbalancer.ip(cluster)
    trace = [f"*   Trying {address}:{port}..."]
    if port != loadbalancer.PORT:
        code, message = 7, (f"Failed to connect to {host} port {port} after 0 ms: Couldn't "
                            "connect to server")
        trace.append(f"* connect to {address} port {port} failed: Connection refused")
    else:
        trace.append(f"* Connected to {host} ({address}) port {port} (#0)")
        if parts.scheme == "https":
            code, message = 35, f"OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to " \
                                f"{host}:{port} "
        else:
            code, message = 52, "Empty reply from server"
    trace += [f"* {message}", "* Closing connection 0"]
    verbose = "v" in flags or "verbose" in flags
    err_out = ("\n".join(trace) + "\n" if verbose else "") + \
        (f"curl: ({code}) {message}\n" if show_err else "")
    return Output.ordered([(2, err_out), (1, _write_out(fmt, "000"))], code)


def _as_host(answer: Output, backend_ip: str, host: str, address: str) -> Output:
    """A backend's answer as curl prints it when it asked the load balancer."""
    def fix(text: str) -> str:
        return text.replace(f"Trying {backend_ip}:", f"Trying {address}:").replace(
            f"Connected to {backend_ip} ({backend_ip})", f"Connected to {host} ({address})")
    return Output.ordered([(fd, fix(text)) for fd, text in answer.chunks()], answer.exit_code)


def _write_out(fmt: str, code: str) -> str:
    return fmt.replace("%{http_code}", code).replace("%{response_code}", code) \
        .replace("\\n", "\n").replace("\\t", "\t")


def _respond(flags: dict[str, str], parts: SplitResult, port: int, resp: Response,
             trace: list[str], fmt: str, show_err: bool, t: float) -> Output:
    h2 = parts.scheme == "https"
    date = datetime.fromtimestamp(t, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    status_line = f"HTTP/2 {resp.status} " if h2 else \
        f"HTTP/1.1 {resp.status} {REASONS.get(resp.status, '')}"
    headers = [status_line, f"content-type: {resp.content_type}" if h2 else
               f"Content-Type: {resp.content_type}",
               f"{'x-content-type-options' if h2 else 'X-Content-Type-Options'}: nosniff",
               f"{'date' if h2 else 'Date'}: {date}",
               f"{'content-length' if h2 else 'Content-Length'}: {len(resp.body.encode())}"]
    stderr = ""
    if trace:
        request = parts.path or "/"
        if parts.query:
            request += "?" + parts.query
        host = parts.netloc
        stderr = "\n".join(trace) + "\n" + "".join(
            f"> {line}\n" for line in [f"GET {request} {'HTTP/2' if h2 else 'HTTP/1.1'}",
                                       f"Host: {host}", "User-Agent: curl/7.88.1",
                                       "Accept: */*", ""])
        stderr += "".join(f"< {line}\n" for line in [*headers, ""])
    code = f"{resp.status:03d}"
    if resp.status >= 400 and ("f" in flags or "fail" in flags):
        return Output.ordered([(2, stderr + (
            f"curl: (22) The requested URL returned error: {resp.status}\n" if show_err
            else "")), (1, _write_out(fmt, code))], 22)
    out = ""
    head_only = "I" in flags or "head" in flags
    if "i" in flags or "include" in flags or head_only:
        out += "".join(f"{line}\r\n" for line in headers) + "\r\n"
    if not head_only:
        out += resp.body
    if flags.get("o") or flags.get("output"):
        out = ""
    # In write order: the trace and headers (stderr), the body, libcurl's "left intact" when
    # the transfer is done, then the --write-out text.
    tail = f"* Connection #0 to host {parts.hostname} left intact\n" if trace else ""
    return Output.ordered([(2, stderr), (1, out), (2, tail), (1, _write_out(fmt, code))])
