"""A real cluster's answers to scenario checks (app/providers/checks.py), one function each.

API questions go through `kubectl --kubeconfig <the cluster's own kubeconfig>` from the server
(`get --raw /readyz`, `get <kind> -o json`: kubernetes.io/docs/reference/kubectl); node-level
questions through `docker exec` on the node:
- etcd health: `curl http://127.0.0.1:2381/health` on each control plane. kubeadm's etcd
  manifest sets `--listen-metrics-urls=http://127.0.0.1:2381`, where etcd serves /health
  (`{"health":"true","reason":""}`; "false" with the reason, e.g. an active NOSPACE alarm) and
  /metrics (etcd docs, "Monitoring etcd"; kubeadm `cmd/kubeadm/app/phases/etcd/local.go`).
  curl is in the kindest/node base image (kind `images/base/Dockerfile`).
- WAL fsync: the `etcd_disk_wal_fsync_duration_seconds` histogram of /metrics, read twice
  `window_s` apart; p99 as Prometheus' histogram_quantile computes it, over the requests in
  the window (all requests since etcd started if none happened in the window).
- static pods: `crictl ps --name ^<component>$ --state Running -q` on the node.
- Secrets at rest: `crictl exec <etcd container> etcdctl ... get /registry/secrets/ --prefix
  -w json` with the healthcheck-client certificate kubeadm creates for etcd probes; a value
  stored through an encryption provider starts with `k8s:enc:<provider>:` (kubernetes.io/docs/
  tasks/administer-cluster/encrypt-data, "Verifying that data is encrypted"), `k8s:enc:identity`
  never appears because the identity provider writes plain values.
- service-serves: at least `min` ready endpoints, and every ready endpoint answers `path` with
  a 2xx/3xx from the control-plane node (`curl` to the pod IP; kindnet routes pod IPs between
  nodes). The twin also judges whether a pod *would* turn Ready before serving after a restart;
  a live probe cannot see that without restarting pods, so that half is not checked here.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.providers.base import Check, ProbeResult, ProviderError
from app.providers.checks import PROBES

if TYPE_CHECKING:
    from app.providers.kind.cluster import KindCluster

ETCD_CERTS = ["--cacert=/etc/kubernetes/pki/etcd/ca.crt",
              "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt",
              "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key"]
FSYNC = "etcd_disk_wal_fsync_duration_seconds_bucket"


def run_probe(cluster: KindCluster, check: Check) -> ProbeResult:
    params = PROBES[check.probe](**check.params)
    try:
        return _PROBES[check.probe](cluster, params)
    except ProviderError as e:
        return ProbeResult(False, str(e))


def _api(cluster: KindCluster) -> ProbeResult | None:
    proc = cluster.kubectl(["get", "--raw", "/readyz"], check=False, timeout=20)
    if proc.returncode == 0 and proc.stdout.strip() == b"ok":
        return None
    err = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
    return ProbeResult(False, "kube-apiserver is not ready: " + (err[-1] if err else
                                                                   f"exit {proc.returncode}"))


def _get_json(cluster: KindCluster, args: list[str]) -> dict[str, Any]:
    proc = cluster.kubectl([*args, "-o", "json"], timeout=30)
    return json.loads(proc.stdout)


def _apiserver(cluster: KindCluster, params: Any) -> ProbeResult:
    return _api(cluster) or ProbeResult(True, "kube-apiserver /readyz: ok")


def _control_planes(cluster: KindCluster) -> list[Any]:
    return [n for n in cluster.nodes if n.role == "control-plane"]


def _etcd(cluster: KindCluster, params: Any) -> ProbeResult:
    for n in _control_planes(cluster):
        if not n.running():
            return ProbeResult(False, f"etcd on {n.name} is not healthy: the node is stopped")
        proc = n.docker_exec(["curl", "-s", "--max-time", "5", "http://127.0.0.1:2381/health"],
                             check=False, timeout=15)
        try:
            health = json.loads(proc.stdout or b"{}")
        except ValueError:
            health = {}
        if health.get("health") != "true":
            why = health.get("reason") or (proc.stderr.decode(errors="replace").strip() or
                                           f"no answer on 127.0.0.1:2381 (curl exit "
                                           f"{proc.returncode})")
            return ProbeResult(False, f"etcd on {n.name} is not healthy: {why}")
    return ProbeResult(True, "every etcd member answers endpoint health")


def _ready(obj: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def _nodes_ready(cluster: KindCluster, params: Any) -> ProbeResult:
    down = _api(cluster)
    if down:
        return down
    wanted = {cluster.node(n).name for n in params.nodes}
    bad = [o["metadata"]["name"] for o in _get_json(cluster, ["get", "nodes"])["items"]
           if (not wanted or o["metadata"]["name"] in wanted) and not _ready(o)]
    if bad:
        return ProbeResult(False, f"node(s) not Ready: {', '.join(bad)}")
    return ProbeResult(True, "all nodes Ready")


def _pods(cluster: KindCluster, ns: str, sel: str) -> list[dict[str, Any]]:
    args = ["get", "pods", "-n", ns] + (["-l", sel] if sel else [])
    return _get_json(cluster, args)["items"]


def _pods_ready(cluster: KindCluster, params: Any) -> ProbeResult:
    down = _api(cluster)
    if down:
        return down
    ns, sel, want = params.namespace, params.selector, params.min
    pods = _pods(cluster, ns, sel)
    ready = [p for p in pods if _ready(p)]
    where = f"{ns}/{sel or '*'}"
    if len(ready) < want or len(ready) < len(pods):
        return ProbeResult(False, f"{len(ready)} of {len(pods)} pods matching {where} are Ready; "
                                  f"expected all, at least {want}")
    return ProbeResult(True, f"{len(ready)} pods matching {where} are Ready")


def _ready_endpoints(cluster: KindCluster, ns: str, name: str
                     ) -> tuple[dict[str, Any] | None, list[tuple[str, int | None]]]:
    proc = cluster.kubectl(["get", "service", name, "-n", ns, "-o", "json"], check=False,
                           timeout=30)
    if proc.returncode != 0:
        return None, []
    svc = json.loads(proc.stdout)
    slices = _get_json(cluster, ["get", "endpointslices", "-n", ns, "-l",
                                 f"kubernetes.io/service-name={name}"])["items"]
    out = []
    for s in slices:
        port = next((p.get("port") for p in s.get("ports") or []), None)
        for ep in s.get("endpoints") or []:
            if (ep.get("conditions") or {}).get("ready"):
                out += [(a, port) for a in ep.get("addresses") or []]
    return svc, out


def _service_endpoints(cluster: KindCluster, params: Any) -> ProbeResult:
    down = _api(cluster)
    if down:
        return down
    ns, name, want = params.namespace, params.name, params.min
    svc, ready = _ready_endpoints(cluster, ns, name)
    if svc is None:
        return ProbeResult(False, f"Service {ns}/{name} does not exist")
    if len(ready) < want:
        return ProbeResult(False, f"Service {ns}/{name} has {len(ready)} ready endpoints; "
                                  f"expected ≥ {want}")
    return ProbeResult(True, f"Service {ns}/{name} has {len(ready)} ready endpoints")


IP_RE = re.compile(r"^[0-9a-fA-F.:]+$")


def _service_serves(cluster: KindCluster, params: Any) -> ProbeResult:
    down = _api(cluster)
    if down:
        return down
    ns, name, path, want = params.namespace, params.name, params.path, params.min
    svc, ready = _ready_endpoints(cluster, ns, name)
    if svc is None:
        return ProbeResult(False, f"Service {ns}/{name} does not exist")
    if not path.startswith("/") or any(ch.isspace() for ch in path):
        return ProbeResult(False, f"invalid path {path!r}")
    node = cluster.default_node()
    serving, failing = 0, []
    for ip, port in ready:
        if not IP_RE.match(ip) or not isinstance(port, int):
            continue
        host = f"[{ip}]" if ":" in ip else ip
        proc = node.docker_exec(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                 "--max-time", "3", f"http://{host}:{port}{path}"],
                                check=False, timeout=15)
        code = proc.stdout.decode().strip()
        if code[:1] in ("2", "3"):
            serving += 1
        else:
            failing.append(f"{ip}:{port} ({code or 'no answer'})")
    if failing:
        return ProbeResult(False, f"Service {ns}/{name} sends traffic to endpoints that do not "
                                  f"serve {path}: {', '.join(failing)}")
    if serving < want:
        return ProbeResult(False, f"Service {ns}/{name} has {serving} endpoints serving {path}; "
                                  f"expected ≥ {want}")
    return ProbeResult(True, f"Service {ns}/{name}: {serving} endpoints serve {path}")


def _static_pod(cluster: KindCluster, params: Any) -> ProbeResult:
    node = cluster.node(params.node)
    if not node.running():
        return ProbeResult(False, f"{params.component} is not running on {node.name} "
                                  "(the node is stopped)")
    if node.container_id(params.component) is None:
        return ProbeResult(False, f"{params.component} is not running on {node.name}")
    return ProbeResult(True, f"{params.component} runs on {node.name}")


def _object_exists(cluster: KindCluster, params: Any) -> ProbeResult:
    down = _api(cluster)
    if down:
        return down
    kind, name, ns = params.kind, params.name, params.namespace
    proc = cluster.kubectl(["get", kind, name, "-n", ns, "-o", "name"], check=False, timeout=30)
    if proc.returncode != 0:
        return ProbeResult(False, f"{kind} {ns}/{name} not found")
    return ProbeResult(True, f"{kind} {ns}/{name} exists")


def histogram_p99(metrics: str, name: str = FSYNC, q: float = 0.99
                  ) -> tuple[float | None, dict[float, float]]:
    """(p99 in seconds or None without samples, cumulative bucket counts by upper bound)."""
    buckets: dict[float, float] = {}
    rx = re.compile(rf'^{name}\{{.*le="([^"]+)".*\}}\s+([0-9.eE+-]+)$')
    for line in metrics.splitlines():
        m = rx.match(line.strip())
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets[le] = buckets.get(le, 0.0) + float(m.group(2))
    return quantile(buckets, q), buckets


def quantile(buckets: dict[float, float], q: float) -> float | None:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket."""
    if not buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for b in bounds:
        if buckets[b] >= rank:
            if b == float("inf"):
                return prev_bound
            width = buckets[b] - prev_count
            frac = (rank - prev_count) / width if width else 1.0
            return prev_bound + (b - prev_bound) * frac
        prev_bound, prev_count = b, buckets[b]
    return prev_bound


def _metrics(node: Any) -> str:
    proc = node.docker_exec(["curl", "-s", "--max-time", "5", "http://127.0.0.1:2381/metrics"],
                            check=False, timeout=15)
    return proc.stdout.decode(errors="replace") if proc.returncode == 0 else ""


def _etcd_fsync(cluster: KindCluster, params: Any) -> ProbeResult:
    limit = params.max_ms
    members = _control_planes(cluster)
    first = {n.name: _metrics(n) for n in members}  # one window for every member
    for n in members:
        if not first[n.name]:
            return ProbeResult(False, f"etcd on {n.name} serves no metrics on 127.0.0.1:2381")
    time.sleep(cluster.fsync_window_s)
    for n in members:
        _, b1 = histogram_p99(first[n.name])
        p_all, b2 = histogram_p99(_metrics(n) or first[n.name])
        delta = {le: b2.get(le, 0.0) - b1.get(le, 0.0) for le in b2}
        p99 = quantile(delta, 0.99) if delta and max(delta.values()) > 0 else p_all
        if p99 is None:
            continue
        if p99 * 1000 >= limit:
            return ProbeResult(False, f"etcd member on {n.name}: WAL fsync p99 "
                                      f"{p99 * 1000:.0f} ms (want < {limit:g} ms)")
    return ProbeResult(True, f"every etcd member's WAL fsync p99 is under {limit:g} ms")


def _secrets_encrypted(cluster: KindCluster, params: Any) -> ProbeResult:
    node = cluster.default_node()
    cid = node.container_id("etcd")
    if cid is None or not re.fullmatch(r"[0-9a-f]{6,64}", cid):
        return ProbeResult(False, f"etcd is not running on {node.name}")
    proc = node.docker_exec(["crictl", "exec", cid, "etcdctl",
                             "--endpoints=https://127.0.0.1:2379", *ETCD_CERTS,
                             "get", "/registry/secrets/", "--prefix", "-w", "json"], timeout=60)
    kvs = json.loads(proc.stdout or b"{}").get("kvs") or []
    plain = [base64.b64decode(kv["key"]).decode(errors="replace") for kv in kvs
             if not base64.b64decode(kv.get("value", "")).startswith(b"k8s:enc:")]
    if plain:
        more = f" (and {len(plain) - 1} more)" if len(plain) > 1 else ""
        return ProbeResult(False, f"{plain[0]} is stored in etcd unencrypted{more}")
    return ProbeResult(True, "every Secret is encrypted at rest in etcd")


_PROBES: dict[str, Callable[[KindCluster, Any], ProbeResult]] = {
    "apiserver-healthy": _apiserver,
    "etcd-healthy": _etcd,
    "nodes-ready": _nodes_ready,
    "pods-ready": _pods_ready,
    "service-endpoints": _service_endpoints,
    "service-serves": _service_serves,
    "static-pod-running": _static_pod,
    "object-exists": _object_exists,
    "etcd-fsync-fast": _etcd_fsync,
    "secrets-encrypted": _secrets_encrypted,
}
