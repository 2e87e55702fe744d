"""etcd's backend quota: the bbolt file's size, the NOSPACE alarm, and writers that fill it.

Sizes: what the keys hold now, plus the space of deleted or overwritten revisions, which only
a compaction makes reusable and only a defrag gives back. When a write would take the file
past `--quota-backend-bytes`, etcd raises NOSPACE (`server/etcdserver/apply.go`: "alarm
raised"), and from then on accepts only reads and deletes until the alarm is disarmed.

A writer is recognised from its artifact: a CronJob whose container runs `kubectl create
configmap` with a payload of `head -c N` bytes (base64-encoded) creates `parallelism`
ConfigMaps every period of its schedule while it is not suspended.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.providers.sim import etcd_cluster as ec
from app.providers.sim.components.base import flag_values, zap

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster
    from app.providers.sim.runtime import Container

DEFAULT_QUOTA = 2 * 1024 ** 3


def quota(c: Container) -> int:
    try:
        return int(flag_values(c.command).get("quota-backend-bytes", DEFAULT_QUOTA)) or \
            DEFAULT_QUOTA
    except ValueError:
        return DEFAULT_QUOTA


def _period(schedule: str) -> float:
    minute = schedule.split()[0] if schedule.split() else "*"
    m = re.fullmatch(r"\*/(\d+)", minute)
    return 60.0 * (int(m.group(1)) if m else 1) if minute.startswith("*") else 3600.0


def _writer(cj: dict[str, Any]) -> tuple[float, int, int] | None:
    """(period s, ConfigMaps per run, bytes each) when the CronJob floods ConfigMaps."""
    job = ((cj.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
    pod = (job.get("template") or {}).get("spec") or {}
    text = " ".join(str(x) for c in pod.get("containers") or []
                    for x in (c.get("command") or []) + (c.get("args") or []))
    if "kubectl create configmap" not in text and "kubectl create cm" not in text:
        return None
    m = re.search(r"head -c\s*(\d+)([kKmM]?)", text)
    raw = int(m.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2}[m.group(2).lower()] if m else 4096
    return _period(cj["spec"].get("schedule", "* * * * *")), int(job.get("parallelism", 1)), \
        raw * 4 // 3 + 300


def flood(cluster: SimCluster, c: Container, t: float) -> None:
    """Run the writers up to `t`, raising NOSPACE when the file would outgrow the quota."""
    st = ec.state(cluster)
    last: dict[str, float] = st.setdefault("flood_last", {})
    live: int | None = None  # ec.live_bytes, kept up to date as ConfigMaps are added
    for cj in cluster.store.list("CronJob"):
        spec = _writer(cj)
        meta = cj["metadata"]
        key = f"{meta.get('namespace', 'default')}/{meta['name']}"
        if spec is None or (cj.get("spec") or {}).get("suspend"):
            last[key] = t
            continue
        period, per_run, size = spec
        start = last.setdefault(key, t)
        run = (int(start // period) + 1) * period
        while run <= t:
            for k in range(per_run):
                if st["alarms"]:
                    break  # the Job's pods fail: etcdserver: mvcc: database space exceeded
                name = f"{meta['name']}-{int(run)}-{k}"
                obj = cluster.store.create({"kind": "ConfigMap", "metadata": {
                    "name": name, "namespace": meta.get("namespace", "default"),
                    "labels": {"app": meta["name"]}},
                    "data": {"report": f"<{size} bytes of base64>"}}, run)
                st.setdefault("sizes", {})[ec.key_of(obj)] = size
                if live is None:
                    live = ec.live_bytes(cluster)
                else:
                    live += ec.added_bytes(cluster, obj, size)
                if ec.db_size(cluster, live) > quota(c):
                    raise_nospace(cluster, c, run)
            run += period
        last[key] = t


def raise_nospace(cluster: SimCluster, c: Container, t: float) -> None:
    st = ec.state(cluster)
    lead = ec.leader(cluster)
    mid = lead.id if lead else int(c.notes.get("member", "0"), 16)
    st["alarms"].append({"member": mid, "alarm": "NOSPACE"})
    c.logs.append((t, "stderr", zap(t, "warn", "etcdserver/apply.go:752", "alarm raised",
                                    alarm="NOSPACE", **{"from": f"{mid:x}"})))
    c.logs.sort(key=lambda x: x[0])
