"""Kubelet probes (startup, liveness, readiness) against an app whose behaviour is declared.

A scenario declares how an app container behaves with a pod-template annotation:

    kubedrill.io/behaviour: '{"listen": [8080], "warmup_s": 45, "ok_paths": {"/ready": 30}}'

- `listen`: the TCP ports the process opens (default: every port a probe asks for);
- `warmup_s`: seconds after the start before it accepts connections (a JVM booting);
- `ok_paths`: for HTTP, the seconds after the start from which a path answers 200; before
  that (but once listening) it answers 503. Paths not listed answer 200 once listening;
- `logs`: `[[seconds, "line"], ...]` what the process prints to stdout, and when; `{now}` in
  a line becomes the time it is printed (RFC 3339, UTC), so a log timestamp never contradicts
  the twin's clock.

A timing may be a range `[lo, hi]`: each container draws one value in it (from its pod UID
and restart count), so replicas of one Deployment warm up unevenly, as real ones do.

The annotation is visible in `kubectl get -o yaml`, like any annotation; it names ports and
timings, not the fault.

Nothing is polled. When a container starts, `plan` works out from the probe settings
(initialDelaySeconds, periodSeconds, failureThreshold, successThreshold) the instants at
which the kubelet's probe workers see the first success or the fatal failure, and records:
`ready_at` (readiness), `exit_at` (a liveness/startup kill, exit 137) and event *series* for
the repeated `Unhealthy` events. The twin's event loop then only visits those instants.
Probe workers tick every periodSeconds from the container's start and skip ticks before
initialDelaySeconds (pkg/kubelet/prober/worker.go); messages are prober.go's
`%s probe failed: %s` with Go's net/http error text.
"""

from __future__ import annotations

import json
import math
from typing import Any

from app.providers.sim.clock import rfc3339
from app.providers.sim.events import series
from app.providers.sim.runtime import Container, make_id

ANNOTATION = "kubedrill.io/behaviour"
INF = math.inf


def behaviour(annotations: dict[str, str] | None) -> dict[str, Any] | None:
    raw = (annotations or {}).get(ANNOTATION)
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def resolve(b: dict[str, Any], c: Container) -> dict[str, Any]:
    """Draw this container's timings: a `[lo, hi]` range becomes one number, the same for all
    of its paths, chosen from the container's identity (replicas warm up unevenly)."""
    frac = int(make_id("warmup", c.pod_uid, c.attempt)[:8], 16) / 2**32

    def pick(v: Any) -> Any:
        if isinstance(v, list) and len(v) == 2:
            return float(v[0]) + (float(v[1]) - float(v[0])) * frac
        return v

    out = dict(b)
    if "warmup_s" in out:
        out["warmup_s"] = pick(out["warmup_s"])
    out["ok_paths"] = {k: pick(v) for k, v in (out.get("ok_paths") or {}).items()}
    return out


def serves(b: dict[str, Any], port: int, path: str, after: float) -> tuple[bool, int | None]:
    """(listening, HTTP status) of `path` on `port`, `after` seconds after the start."""
    listen = b.get("listen")
    if (listen is not None and port not in listen) or after < float(b.get("warmup_s", 0)):
        return False, None
    ok_at = float((b.get("ok_paths") or {}).get(path, 0))
    return True, 200 if after >= ok_at else 503


def _port(spec: dict[str, Any], port: Any) -> int | None:
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    for p in spec.get("ports") or []:
        if p.get("name") == port:
            return int(p.get("containerPort"))
    return None


def _ok_after(probe: dict[str, Any], spec: dict[str, Any], b: dict[str, Any]) -> float:
    """Seconds after the start from which this probe succeeds (INF: never)."""
    listen = b.get("listen")
    warm = float(b.get("warmup_s", 0))
    if "exec" in probe:
        return warm
    action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}
    port = _port(spec, action.get("port"))
    if listen is not None and port not in listen:
        return INF
    if "httpGet" in probe:
        path = action.get("path") or "/"
        return max(warm, float((b.get("ok_paths") or {}).get(path, 0)))
    return warm


def failure_message(probe: dict[str, Any], spec: dict[str, Any], b: dict[str, Any],
                    ip: str, after: float) -> str:
    """What the probe reports when it fails `after` seconds after the start."""
    listen = b.get("listen")
    warm = float(b.get("warmup_s", 0))
    if "exec" in probe:
        return "command terminated with non-zero exit code"
    action = probe.get("httpGet") or probe.get("tcpSocket") or {}
    port = _port(spec, action.get("port"))
    host = action.get("host") or ip
    refused = f"dial tcp {host}:{port}: connect: connection refused"
    listening = (listen is None or port in listen) and after >= warm
    if "httpGet" in probe:
        scheme = (action.get("scheme") or "HTTP").lower()
        url = f"{scheme}://{host}:{port}{action.get('path') or '/'}"
        if not listening:
            return f'Get "{url}": {refused}'
        return "HTTP probe failed with statuscode: 503"
    return refused


def _times(probe: dict[str, Any], start: float, not_before: float) -> tuple[float, float]:
    """(first tick, period) of a probe worker that may only probe from `not_before`."""
    period = float(probe.get("periodSeconds", 10) or 10)
    delay = float(probe.get("initialDelaySeconds", 0) or 0)
    j = max(math.ceil(delay / period - 1e-9), math.ceil((not_before - start) / period - 1e-9), 0)
    return start + j * period, period


def _fails(kind: str, probe: dict[str, Any], spec: dict[str, Any], b: dict[str, Any], ip: str,
           start: float, first: float, period: float, ok_at: float, until: float,
           field: str) -> list[dict[str, Any]]:
    """Event series for the failing ticks in [first, min(ok_at, until))."""
    out: list[dict[str, Any]] = []
    end = min(ok_at, until)
    warm_at = start + float(b.get("warmup_s", 0))
    segments = [(first, min(end, warm_at)), (max(first, warm_at), end)]
    for lo, hi in segments:
        if hi <= lo:
            continue
        k = math.ceil((lo - first) / period - 1e-9)
        t0 = first + k * period
        if t0 >= hi:
            continue
        msg = failure_message(probe, spec, b, ip, t0 - start)
        if out and out[-1]["message"] == f"{kind} probe failed: {msg}":
            out[-1]["end"] = None if hi == INF else hi  # same failure on both sides of warm-up
            continue
        out.append(series(t0, period, None if hi == INF else hi, "Warning", "Unhealthy",
                          f"{kind} probe failed: {msg}", field))
    return out


def plan(c: Container, spec: dict[str, Any], annotations: dict[str, str] | None, ip: str,
         start: float) -> None:
    """Set ready_at / exit_at and the Unhealthy/Killing event series for a fresh container."""
    b = behaviour(annotations)
    probes = {k: spec.get(k) for k in ("startupProbe", "livenessProbe", "readinessProbe")}
    if b is None and not any(probes.values()):
        return
    b = resolve(b or {}, c)
    c.notes["behaviour"] = b
    name = c.name
    field = f"spec.containers{{{name}}}"
    evs: list[dict[str, Any]] = []
    kill_at, kill_kind = INF, ""
    started_at = start + float(b.get("warmup_s", 0)) if not any(probes.values()) else start

    sp = probes["startupProbe"]
    if sp:
        first, period = _times(sp, start, start)
        ok = start + _ok_after(sp, spec, b)
        threshold = int(sp.get("failureThreshold", 3) or 3)
        fatal = first + (threshold - 1) * period
        k_ok = max(math.ceil((ok - first) / period - 1e-9), 0)
        success = first + k_ok * period
        if success <= fatal:
            started_at = success
        else:
            started_at = INF
            kill_at, kill_kind = fatal, "startup"
        evs += _fails("Startup", sp, spec, b, ip, start, first, period, success, fatal + 1e-6,
                      field)

    lp = probes["livenessProbe"]
    if lp and started_at < INF:
        first, period = _times(lp, start, started_at)
        ok = start + _ok_after(lp, spec, b)
        threshold = int(lp.get("failureThreshold", 3) or 3)
        fatal = first + (threshold - 1) * period
        if ok > fatal:
            kill_at, kill_kind = fatal, "liveness"
        evs += _fails("Liveness", lp, spec, b, ip, start, first, period, ok,
                      min(fatal + 1e-6, kill_at + 1e-6), field)

    rp = probes["readinessProbe"]
    if rp and started_at < INF:
        first, period = _times(rp, start, started_at)
        ok = start + _ok_after(rp, spec, b)
        k_ok = max(math.ceil((ok - first) / period - 1e-9), 0) if ok < INF else INF
        succ = int(rp.get("successThreshold", 1) or 1)
        ready = first + (k_ok + succ - 1) * period if k_ok < INF else INF
        c.ready_at = ready if ready < kill_at else None
        evs += _fails("Readiness", rp, spec, b, ip, start, first, period, ok, kill_at, field)
    else:
        c.ready_at = started_at if started_at < kill_at else None

    for entry in b.get("logs") or []:  # [[seconds after start, line], ...] the app prints
        at = start + float(entry[0])
        if at < kill_at:
            c.logs.append((at, "stdout", str(entry[1]).replace("{now}", rfc3339(at))))
    if kill_at < INF:
        c.exit_at, c.planned_exit_code, c.planned_reason = kill_at, 137, "Error"
        c.notes["killed_by"] = kill_kind
        evs.append(series(kill_at, 0, kill_at + 1e-6, "Normal", "Killing",
                          f"Container {name} failed {kill_kind} probe, will be restarted", field))
    c.notes["event_series"] = evs


def on_start(node: Any, pod: Any, spec: dict[str, Any], c: Container, t: float) -> None:
    """Kubelet hook for an API pod's container: plan its probes, record the start events."""
    from app.providers.sim import apistatus, events

    cluster = node.cluster
    obj = cluster.store.find("Pod", pod.name, pod.namespace)
    ip = ((obj or {}).get("status") or {}).get("podIP") or apistatus._pod_ip(node, pod)
    plan(c, spec, pod.annotations, ip, t)
    if obj is None:
        return
    field = f"spec.containers{{{c.name}}}"
    ref = events.involved(obj, field)
    for reason, msg in (("Pulled", f'Container image "{c.image}" already present on machine'),
                        ("Created", f"Created container: {c.name}"),
                        ("Started", f"Started container {c.name}")):
        events.record(cluster, t, ref, "Normal", reason, msg, "kubelet", node.name)


def on_backoff(node: Any, pod: Any, name: str, t: float) -> None:
    from app.providers.sim import events

    cluster = node.cluster
    obj = cluster.store.find("Pod", pod.name, pod.namespace)
    if obj is None:  # a static pod's events go to its mirror pod (same UID)
        return
    events.record(cluster, t, events.involved(obj, f"spec.containers{{{name}}}"), "Warning",
                  "BackOff", f"Back-off restarting failed container {name} in pod "
                  f"{pod.name}_{pod.namespace}({pod.uid})", "kubelet", node.name)
