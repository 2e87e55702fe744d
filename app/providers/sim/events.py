"""core/v1 Events as components record them, aggregated like client-go's EventCorrelator.

An event with the same involved object, reason, message and source as an earlier one bumps
that event's `count` and `lastTimestamp` instead of creating a new object (`kubectl describe`
then shows `(x12 over 3m)`). Events are only written while the API answers; a component that
cannot reach it loses them, as the real broadcaster eventually does.

Probe failures repeat every period for as long as they last; rather than stepping the twin
every period, a container keeps *series* in its notes (first time, period, end, message) and
`publish_series` turns each into one aggregated Event whose count is computed for "now".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from app.providers.sim.clock import rfc3339

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster
    from app.providers.sim.store import Store

Obj = dict[str, Any]


def involved(obj: Obj, field_path: str | None = None) -> Obj:
    meta = obj["metadata"]
    ref = {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj["kind"], "name": meta["name"],
           "namespace": meta.get("namespace", "default"), "uid": meta.get("uid", ""),
           "resourceVersion": meta.get("resourceVersion", "")}
    if field_path:
        ref["fieldPath"] = field_path
    return ref


def _find(store: Store, ref: Obj, reason: str, message: str, component: str) -> Obj | None:
    for ev in store.list("Event", ref["namespace"]):
        io = ev["involvedObject"]
        if (io.get("uid") == ref["uid"] and io.get("name") == ref["name"]
                and ev["reason"] == reason and ev["message"] == message
                and ev["source"].get("component") == component):
            return ev
    return None


def upsert(store: Store, ref: Obj, type_: str, reason: str, message: str, component: str,
           host: str | None, first: float, last: float, count: int) -> Obj:
    """Create or update the aggregated event for (object, reason, message, source)."""
    ev = _find(store, ref, reason, message, component)
    if ev is None:
        source = {"component": component, **({"host": host} if host else {})}
        ev = store.create({
            "kind": "Event", "apiVersion": "v1",
            "metadata": {"name": f"{ref['name']}.{int(first * 1e9) + store.revision:x}",
                         "namespace": ref["namespace"]},
            "involvedObject": ref, "reason": reason, "message": message, "source": source,
            "firstTimestamp": rfc3339(first), "lastTimestamp": rfc3339(last), "count": count,
            "type": type_, "eventTime": None, "reportingComponent": component,
            "reportingInstance": host or ""}, first)
        return ev
    if ev["count"] != count or ev["lastTimestamp"] != rfc3339(last):
        ev["count"], ev["lastTimestamp"] = count, rfc3339(last)
        store.update(ev)
    return ev


def record(cluster: SimCluster, t: float, ref: Obj, type_: str, reason: str, message: str,
           component: str, host: str | None = None) -> None:
    """One occurrence now; aggregated with identical earlier ones. Lost if the API is down
    or etcd refuses writes (NOSPACE)."""
    from app.providers.sim.components.leader import write_refused

    if cluster.api_error(None) is not None or write_refused(cluster) is not None:
        return
    existing = _find(cluster.store, ref, reason, message, component)
    if existing is None:
        upsert(cluster.store, ref, type_, reason, message, component, host, t, t, 1)
    else:
        existing["count"] += 1
        existing["lastTimestamp"] = rfc3339(t)
        cluster.store.update(existing)


def series(first: float, period: float, end: float | None, type_: str, reason: str,
           message: str, field_path: str) -> Obj:
    """A repeating kubelet event: at first, first+period, ... while < end (None: forever)."""
    return {"first": first, "period": period, "end": end, "type": type_, "reason": reason,
            "message": message, "field_path": field_path}


def series_count(s: Obj, now: float) -> tuple[int, float]:
    """How many occurrences happened by `now` (those before `end`), and when the last one was.

    Counted on differences from `first`: at epoch magnitudes a float cannot hold `end - 1e-9`
    (its resolution is ~2e-7), which counted a tick falling exactly on `end`."""
    first, period, end = s["first"], s["period"], s["end"]
    if now < first:
        return 0, 0.0
    if period > 0:
        n = int((now - first) / period + 1e-9) + 1
        if end is not None:
            n = min(n, math.ceil((end - first) / period - 1e-9))
    else:
        n = 1 if end is None or end > first else 0
    if n <= 0:
        return 0, 0.0
    return n, first + (n - 1) * period


def publish_series(cluster: SimCluster, t: float) -> None:
    """Write every container's series as events, summed per pod like the correlator does.

    Each series remembers how many of its occurrences it already added (`published`), and an
    event only ever grows by the new ones: the kubelet's GC removes dead attempts (all but the
    newest per container), and the occurrences they caused stay counted in the Event, as the
    correlator's count does (a pod killed 5 times by its liveness probe shows `Killing` x5)."""
    from app.providers.sim.components.leader import write_refused

    if write_refused(cluster) is not None:
        return
    store = cluster.store
    totals: dict[tuple[str, str, str, str], list[Any]] = {}
    for node in cluster.nodes:
        for c in node.runtime.containers.values():
            all_series = c.notes.get("event_series")
            if not all_series:
                continue
            for s in all_series:
                n, last = series_count(s, t)
                if not n:
                    continue
                key = (c.pod_uid, s["reason"], s["message"], s["field_path"])
                entry = totals.setdefault(key, [c, node.name, s, s["first"], last, 0, []])
                entry[3] = min(entry[3], s["first"])
                entry[4] = max(entry[4], last)
                entry[5] += n - s.get("published", 0)
                entry[6].append((s, n))
    for c, host, s, first, last, new, counted in totals.values():
        pod = store.find("Pod", c.pod_name, c.namespace)
        if pod is None or pod["metadata"].get("uid") != c.pod_uid:
            continue
        ref = involved(pod, s["field_path"])
        ev = _find(store, ref, s["reason"], s["message"], "kubelet")
        if ev is None:  # a fresh Event holds every occurrence
            upsert(store, ref, s["type"], s["reason"], s["message"], "kubelet", host, first,
                   last, sum(n for _, n in counted))
        elif new or ev["lastTimestamp"] < rfc3339(last):  # RFC 3339 UTC sorts as text
            ev["count"], ev["lastTimestamp"] = ev["count"] + new, max(ev["lastTimestamp"],
                                                                      rfc3339(last))
            store.update(ev)
        for one, n in counted:
            one["published"] = n
