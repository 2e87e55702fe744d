"""The etcd cluster behind the twin: members, quorum, leader, alarms and the keyspace.

Member and cluster IDs are computed as etcd 3.5 computes them
(`server/etcdserver/api/membership/member.go` `computeMemberId`: SHA-1 of the sorted peer URLs
plus the cluster token, first 8 bytes big-endian; `cluster.go` `genID`: SHA-1 of the sorted
member IDs). The keyspace is the twin's API store as kube-apiserver writes it to etcd:
`/registry/<resource>/<namespace>/<name>`, values in Kubernetes' protobuf envelope.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.providers.sim.components.base import flag_values
from app.providers.sim.store import KINDS

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

TOKEN = "etcd-cluster"  # --initial-cluster-token default; kubeadm does not set it

# Where kube-apiserver keeps each resource (pkg/registry/*/storage; core types under the
# resource name, except nodes ("minions") and services/endpoints under "services/").
PREFIX: dict[str, str] = {
    "Node": "minions", "Service": "services/specs", "Endpoints": "services/endpoints",
}


def member_id(peer_urls: list[str], token: str = TOKEN, added_at: int | None = None) -> int:
    b = "".join(sorted(peer_urls)) + token
    if added_at is not None:
        b += str(added_at)
    return struct.unpack(">Q", hashlib.sha1(b.encode()).digest()[:8])[0]


def cluster_id(member_ids: list[int]) -> int:
    b = b"".join(struct.pack(">Q", m) for m in sorted(member_ids))
    return struct.unpack(">Q", hashlib.sha1(b).digest()[:8])[0]


@dataclass
class Member:
    id: int
    name: str
    peer_urls: list[str]
    client_urls: list[str]
    node: str  # the twin node whose etcd serves this member ("" when none does)


def state(cluster: SimCluster) -> dict[str, Any]:
    """The etcd cluster's own state, kept with the twin (serialised by SimCluster.to_json)."""
    st = getattr(cluster, "etcd_state", None)
    if st is None:
        st = {"removed": [], "added": [], "alarms": [], "kv": {}, "compacted": 0,
              "defrag_at": None}
        cluster.etcd_state = st  # type: ignore[attr-defined]
    return st


def initial_members(cluster: SimCluster) -> list[Member]:
    """The members kubeadm created: one per control-plane node, in join order."""
    out = []
    for n in cluster.nodes:
        if n.role != "control-plane":
            continue
        peer = [f"https://{n.ip}:2380"]
        out.append(Member(member_id(peer), n.name, peer, [f"https://{n.ip}:2379"], n.name))
    return out


def members(cluster: SimCluster) -> list[Member]:
    st = state(cluster)
    out = [m for m in initial_members(cluster) if m.id not in st["removed"]]
    for raw in st["added"]:
        if raw["id"] in st["removed"]:
            continue
        node = next((n.name for n in cluster.nodes
                     if f"https://{n.ip}:2380" in raw["peer_urls"]), "")
        out.append(Member(raw["id"], raw.get("name", ""), raw["peer_urls"],
                          raw.get("client_urls", []), node))
    return out


def member_on(cluster: SimCluster, node: SimNode) -> Member | None:
    return next((m for m in members(cluster) if m.node == node.name), None)


def member_up(cluster: SimCluster, m: Member) -> bool:
    """A member takes part in raft while its node is on and its etcd process serves peers.

    Readiness is not the test: a member without quorum is unready, yet still votes.
    """
    if not m.node:
        return False
    node = cluster.node(m.node)
    if not node.powered:
        return False
    c = node.running_container("etcd")
    return c is not None and c.exit_at is None and "peers" in c.notes


def has_quorum(cluster: SimCluster) -> bool:
    ms = members(cluster)
    up = sum(1 for m in ms if member_up(cluster, m))
    return bool(ms) and up > len(ms) // 2


SLOW_MS = 50.0  # fsync this slow misses heartbeats (100 ms) under any load


def disk_ms(node: SimNode) -> float:
    """The node disk's fsync latency: a healthy SSD is well under a millisecond."""
    return 0.4 + max(node.disk_latency_ms.values(), default=0.0)


def slow(cluster: SimCluster, m: Member) -> bool:
    return bool(m.node) and disk_ms(cluster.node(m.node)) >= SLOW_MS


def leader(cluster: SimCluster) -> Member | None:
    """The first member to come up leads, unless its disk is too slow to heartbeat on time:
    then a faster member wins the next election."""
    if not has_quorum(cluster):
        return None
    ups = [m for m in members(cluster) if member_up(cluster, m)]
    fast = [m for m in ups if not slow(cluster, m)]
    return (fast or ups)[0]


def raft_term(cluster: SimCluster) -> int:
    ups = [m for m in members(cluster) if member_up(cluster, m)]
    changes = 1 if ups and leader(cluster) not in (None, ups[0]) else 0
    return 2 + len(state(cluster)["added"]) + changes


def cluster_id_of(cluster: SimCluster) -> int:
    """Fixed when the first member bootstrapped the cluster; joins do not change it."""
    return cluster_id([m.id for m in initial_members(cluster)[:1]])


def data_dir(node: SimNode) -> str:
    c = node.running_container("etcd")
    if c is None:
        return "/var/lib/etcd"
    return flag_values(c.command).get("data-dir", "/var/lib/etcd")


# --- keyspace ------------------------------------------------------------------------------

def key_of(obj: dict[str, Any]) -> str:
    kind = obj["kind"]
    resource = PREFIX.get(kind) or KINDS[kind][1]
    api_version = KINDS[kind][0]
    group = api_version.split("/")[0] if "/" in api_version else ""
    if group and group not in ("apps", "batch", "coordination.k8s.io", "discovery.k8s.io",
                               "policy", "rbac.authorization.k8s.io", "scheduling.k8s.io",
                               "storage.k8s.io", "networking.k8s.io"):
        resource = f"{group}/{resource}"
    meta = obj["metadata"]
    if KINDS[kind][2]:
        return f"/registry/{resource}/{meta.get('namespace', 'default')}/{meta['name']}"
    return f"/registry/{resource}/{meta['name']}"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num: int, data: bytes) -> bytes:
    return _varint(num << 3 | 2) + _varint(len(data)) + data


def _encode_value(value: Any) -> bytes:
    """Length-delimited fields in document order: strings stay readable, as in protobuf."""
    if isinstance(value, dict):
        return b"".join(_field(i + 1, _encode_value(v) if not isinstance(v, str) else v.encode())
                        for i, v in enumerate(value.values()))
    if isinstance(value, list):
        return b"".join(_field(1, _encode_value(v)) for v in value)
    if isinstance(value, str):
        return value.encode()
    return str(value).lower().encode() if isinstance(value, bool) else str(value).encode()


def encode(obj: dict[str, Any]) -> bytes:
    """kube-apiserver's storage encoding: `k8s\\0` + runtime.Unknown{TypeMeta, Raw, ...}."""
    import base64

    meta = obj.get("metadata", {})
    meta_fields = [_field(1, meta.get("name", "").encode())]
    if meta.get("namespace"):
        meta_fields.append(_field(3, meta["namespace"].encode()))
    if meta.get("uid"):
        meta_fields.append(_field(5, meta["uid"].encode()))
    for k, v in (meta.get("labels") or {}).items():
        meta_fields.append(_field(11, _field(1, k.encode()) + _field(2, str(v).encode())))
    raw = _field(1, b"".join(meta_fields))
    if obj["kind"] == "Secret":
        for k, v in (obj.get("data") or {}).items():
            try:
                plain = base64.b64decode(v)
            except ValueError:
                plain = str(v).encode()
            raw += _field(2, _field(1, k.encode()) + _field(2, plain))
        raw += _field(3, obj.get("type", "Opaque").encode())
    else:
        rest = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
        raw += _encode_value(rest)
    type_meta = _field(1, obj.get("apiVersion", "v1").encode()) + _field(2, obj["kind"].encode())
    return b"k8s\x00" + _field(1, type_meta) + _field(2, raw) + _field(3, b"") + _field(4, b"")


def stored(cluster: SimCluster, obj: dict[str, Any]) -> bytes:
    """The value etcd holds for an API object: its encoding, encrypted at rest if configured."""
    from app.providers.sim import encryption

    return encryption.at_rest(cluster, obj, encode(obj), key_of(obj))


def keyspace(cluster: SimCluster) -> dict[str, bytes]:
    """Every key etcd holds right now: the API objects and keys written with etcdctl."""
    kv = {key_of(o): stored(cluster, o) for o in cluster.store.objects.values()}
    for k, v in state(cluster)["kv"].items():
        kv[k] = v.encode("latin-1")
    return dict(sorted(kv.items()))


def delete_key(cluster: SimCluster, key: str) -> bool:
    st = state(cluster)
    if key in st["kv"]:
        del st["kv"][key]
        return True
    for store_key, obj in list(cluster.store.objects.items()):
        if key_of(obj) == key:
            cluster.store.delete(store_key[0], store_key[2], store_key[1])
            # The old revision keeps its pages until a compaction and a defrag.
            st["garbage"] = st.get("garbage", 0) + st.get("sizes", {}).pop(key, 0) + \
                len(encode(obj))
            return True
    return False


def db_size(cluster: SimCluster, live: int | None = None) -> int:
    """Bytes of the bbolt file: grows with every revision until a compaction and defrag.
    `live` is `live_bytes(cluster)` when the caller keeps it up to date itself."""
    st = state(cluster)
    live = live_bytes(cluster) if live is None else live
    history = (cluster.store.revision - st.get("defragged", 0)) * 700
    return 4096 * ((live + history + st.get("garbage", 0) + 1_200_000) // 4096)


def live_bytes(cluster: SimCluster) -> int:
    """The live keys' share of the file (encoding every object: costly, see added_bytes)."""
    st = state(cluster)
    return sum(len(v) for v in keyspace(cluster).values()) * 3 + sum(st.get("sizes", {}).values())


def added_bytes(cluster: SimCluster, obj: dict[str, Any], size: int = 0) -> int:
    """How much `live_bytes` grew when `obj` was just created (with `size` noted for it): the
    same sum as recomputing it, for one object instead of all of them."""
    if key_of(obj) in state(cluster)["kv"]:
        return size  # a key written with etcdctl shadows the object's own value
    return len(stored(cluster, obj)) * 3 + size
