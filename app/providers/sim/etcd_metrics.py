"""A member's Prometheus metrics (etcd 3.5 `/metrics`), a realistic subset.

Names, HELP texts and bucket layouts are etcd 3.5's (server/etcdserver/metrics.go,
server/storage/wal/metrics.go, server/mvcc/backend/metrics.go, server/mvcc/metrics.go;
fsync and commit histograms use prometheus.ExponentialBuckets(0.001, 2, 14)). The values follow
the twin: leader and leader changes from the raft model, the WAL fsync and backend commit
latencies from the node disk's latency (the same model `etcd-fsync-fast` checks: p99 = 2.4 x
the disk's fsync latency), the db size and quota from the keyspace and the member's flags.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from app.providers.sim import etcd_cluster as ec
from app.providers.sim import etcd_quota, versions

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

BUCKETS = [0.001 * 2 ** i for i in range(14)]
SHAPE = math.log(99) / math.log(2.4)  # a log-logistic spread whose p99 is 2.4 x the median


def go_g(v: float) -> str:
    """Go's strconv.FormatFloat(v, 'g', -1, 64), as the Prometheus text format prints values."""
    from decimal import Decimal

    v = float(v)
    if v == 0:
        return "0"
    sign, digits, exp = Decimal(repr(v)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    x = len(ds) + int(exp) - 1
    neg = "-" if sign else ""
    if x < -4 or x >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{neg}{mant}e{'+' if x >= 0 else '-'}{abs(x):02d}"
    text = repr(abs(v))
    return neg + (text[:-2] if text.endswith(".0") else text)


def _le(b: float) -> str:
    return f"{b:.3f}".rstrip("0").rstrip(".") if b < 1 else f"{b:.3f}"


def _histogram(name: str, help_text: str, median_s: float, count: int) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    for b in BUCKETS:
        cdf = 1.0 / (1.0 + (median_s / b) ** SHAPE)
        out.append(f'{name}_bucket{{le="{_le(b)}"}} {go_g(round(count * cdf))}')
    out.append(f'{name}_bucket{{le="+Inf"}} {go_g(count)}')
    out.append(f"{name}_sum {go_g(round(count * median_s * 1.12, 6))}")
    out.append(f"{name}_count {go_g(count)}")
    return out


def _metric(name: str, kind: str, help_text: str, value: float, labels: str = ""
            ) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name}{labels} {go_g(value)}"]


def exposition(cluster: SimCluster, node: SimNode) -> str:
    etcd = node.running_container("etcd")
    uptime = max(cluster.t - ((etcd.started if etcd else None) or cluster.t), 1.0)
    member = ec.member_on(cluster, node)
    lead = ec.leader(cluster)
    disk_s = ec.disk_ms(node) / 1000.0
    writes = cluster.store.revision
    fsyncs = int(uptime * 10) + writes * 2
    commits = int(uptime * 10) + writes
    quota = etcd_quota.quota(etcd) if etcd is not None else etcd_quota.DEFAULT_QUOTA
    size = ec.db_size(cluster)
    changes = max(ec.raft_term(cluster) - 2, 1)
    lines: list[str] = []
    lines += _metric("etcd_cluster_version", "gauge", "Which version is running. 1 for "
                     "'cluster_version' label with current cluster version", 1,
                     '{cluster_version="3.5"}')
    lines += _histogram("etcd_disk_backend_commit_duration_seconds",
                        "The latency distributions of commit called by backend.",
                        disk_s * 1.6 + 0.002, commits)
    lines += _histogram("etcd_disk_wal_fsync_duration_seconds",
                        "The latency distributions of fsync called by WAL.", disk_s, fsyncs)
    lines += _metric("etcd_mvcc_db_total_size_in_bytes", "gauge", "Total size of the underlying "
                     "database physically allocated in bytes.", size)
    lines += _metric("etcd_mvcc_db_total_size_in_use_in_bytes", "gauge", "Total size of the "
                     "underlying database logically in use in bytes.", size * 9 // 10)
    lines += _metric("etcd_server_has_leader", "gauge", "Whether or not a leader exists. 1 is "
                     "existence, 0 is not.", 0 if lead is None else 1)
    slow = ec.disk_ms(node) >= ec.SLOW_MS
    lines += _metric("etcd_server_heartbeat_send_failures_total", "counter", "The total number "
                     "of leader heartbeat send failures (likely overloaded from slow disk).",
                     int(uptime // 2) if slow and lead is not None and member is not None and
                     lead.id == member.id else 0)
    lines += _metric("etcd_server_is_leader", "gauge", "Whether or not this member is a "
                     "leader. 1 if is, 0 otherwise.",
                     1 if lead is not None and member is not None and lead.id == member.id
                     else 0)
    lines += _metric("etcd_server_leader_changes_seen_total", "counter", "The number of leader "
                     "changes seen.", changes)
    lines += _metric("etcd_server_proposals_committed_total", "gauge", "The total number of "
                     "consensus proposals committed.", writes + 3120)
    lines += _metric("etcd_server_proposals_failed_total", "counter", "The total number of "
                     "failed proposals seen.", 0 if lead is not None else int(uptime // 7))
    lines += _metric("etcd_server_proposals_pending", "gauge", "The current number of pending "
                     "proposals to commit.", 0)
    lines += _metric("etcd_server_quota_backend_bytes", "gauge", "Current backend storage quota "
                     "size in bytes.", quota)
    lines += _metric("etcd_server_slow_apply_total", "counter", "The total number of slow apply "
                     "requests (likely overloaded from slow disk).",
                     int(uptime // 5) if slow else 0)
    lines += _metric("etcd_server_version", "gauge", "Which version is running. 1 for "
                     "'server_version' label with current version.", 1,
                     f'{{server_version="{versions.ETCD.split("-")[0]}"}}')
    return "\n".join(lines) + "\n"
