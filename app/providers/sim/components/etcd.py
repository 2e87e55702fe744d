"""etcd 3.5 as a static pod: parses its flags like Go does and serves its client URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.providers.sim import etcd_cluster as ec
from app.providers.sim import etcd_quota, tls, versions
from app.providers.sim.components.base import Context, flag_values, zap
from app.providers.sim.components.etcd_flags import (
    BOOL_FLAGS,
    USAGE,
    VALUE_FLAGS,
    FlagError,
    parse_go_flags,
)
from app.providers.sim.etcd_cluster import member_id
from app.providers.sim.etcd_keyspace import open_data_dir
from app.providers.sim.runtime import Container

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode


def client_endpoints(c: Container) -> list[tuple[str, int]]:
    flags, _ = parse_go_flags(c.command[1:], BOOL_FLAGS, VALUE_FLAGS)
    out = []
    for url in flags.get("listen-client-urls", "http://localhost:2379").split(","):
        parts = urlsplit(url.strip())
        if parts.hostname and parts.port:
            out.append((parts.hostname, parts.port))
    return out


class Etcd:
    def launch(self, ctx: Context, c: Container) -> None:
        t = ctx.t
        try:
            flags, rest = parse_go_flags(c.command[1:], BOOL_FLAGS, VALUE_FLAGS)
        except FlagError as err:
            # Go's flag package prints the error, then etcd's fs.Usage prints the usage line;
            # no zap logger exists yet, so these are plain stderr lines. Exit code 2.
            c.logs.append((t, "stderr", str(err)))
            c.logs.extend((t, "stderr", line) for line in USAGE.split("\n"))
            c.exit_at, c.planned_exit_code = t + 0.02, 2
            return
        if rest:
            c.logs.append((t, "stderr", zap(t, "warn", "etcdmain/etcd.go:75",
                                            "failed to verify flags",
                                            error=f"'{rest[0]}' is not a valid flag")))
            c.exit_at, c.planned_exit_code = t + 0.02, 1
            return
        name = flags.get("name", "default")
        data_dir = flags.get("data-dir", f"{name}.etcd")
        peer_adv = flags.get("initial-advertise-peer-urls", "http://localhost:2380").split(",")
        mid = f"{member_id(peer_adv):x}"
        initial = flags.get("initial-cluster", f"{name}={peer_adv[0]}")
        state = flags.get("initial-cluster-state", "new")
        client_urls = flags.get("listen-client-urls", "http://localhost:2379").split(",")
        peer_urls = flags.get("listen-peer-urls", "http://localhost:2380").split(",")
        fresh = open_data_dir(ctx.cluster, ctx.node, c, data_dir, t)
        log = [
            ("etcdmain/etcd.go:73", "Running: ", {"args": c.command}),
            ("etcdmain/etcd.go:116", "server has been already initialized",
             {"data-dir": data_dir, "dir-type": "member"}),
            ("embed/etcd.go:140", "configuring peer listeners", {"listen-peer-urls": peer_urls}),
            ("embed/etcd.go:148", "configuring client listeners",
             {"listen-client-urls": client_urls}),
            ("embed/etcd.go:323", "starting an etcd server",
             {"etcd-version": versions.ETCD, "go-version": "go1.23.7", "go-os": "linux",
              "go-arch": "amd64", "max-cpu-set": 2, "max-cpu-available": 2,
              "member-initialized": not fresh, "name": name, "data-dir": data_dir,
              "wal-dir": "", "wal-dir-dedicated": "", "member-dir": f"{data_dir}/member",
              "force-new-cluster": False, "heartbeat-interval": "100ms",
              "election-timeout": "1s", "snapshot-count": int(flags.get("snapshot-count", 100000)),
              "initial-cluster": "", "initial-cluster-state": state,
              "quota-backend-bytes": int(flags.get("quota-backend-bytes", 2147483648) or 0)}),
            ("etcdserver/server.go:763", "starting etcd server",
             {"local-member-id": mid, "local-server-version": versions.ETCD,
              "cluster-version": "to_be_decided"}),
            ("raft/raft.go:1019", f"{mid} is starting a new election at term 2", {}),
            ("raft/raft.go:771", f"{mid} became leader at term 3", {}),
            ("etcdserver/server.go:2068", "published local member to cluster through raft",
             {"local-member-id": mid, "cluster-id": f"{ec.cluster_id_of(ctx.cluster):x}"}),
            ("embed/serve.go:103", "ready to serve client requests", {}),
        ]
        if fresh:
            # A new cluster: no "already initialized"; the member adds itself, the cluster
            # version is set, and nothing of the old keyspace exists.
            cid = f"{ec.cluster_id([member_id(peer_adv)]):x}"
            log.pop(1)
            log[4:4] = [
                ("membership/cluster.go:421", "added member",
                 {"cluster-id": cid, "local-member-id": mid, "added-peer-id": mid,
                  "added-peer-peer-urls": peer_adv}),
            ]
            log[-1:-1] = [
                ("etcdserver/server.go:2571", "setting up initial cluster version using v2 API",
                 {"cluster-version": "3.5"}),
                ("membership/cluster.go:584", "set initial cluster version",
                 {"cluster-id": cid, "local-member-id": mid, "cluster-version": "3.5"}),
            ]
        for i, (caller, msg, fields) in enumerate(log):
            c.logs.append((t + 0.05 * i, "stderr", zap(t + 0.05 * i, "info", caller, msg,
                                                        **fields)))
        for url in client_urls:
            addr = urlsplit(url.strip()).netloc
            c.logs.append((t + 0.6, "stderr", zap(t + 0.6, "info", "embed/serve.go:250",
                                                  "serving client traffic securely",
                                                  **{"traffic": "grpc+http", "address": addr})))
        del initial
        c.ready_at = t + 1.0
        c.notes["serving_at"] = t + 1.0
        c.notes["peers"] = True
        c.notes["member"] = mid

    def reconcile(self, ctx: Context, c: Container) -> None:
        """Without a quorum a member keeps running but is not ready and logs raft's attempts."""
        t = ctx.t
        if c.started is None or t < c.started + 1:
            return
        if removed(ctx, c):
            return
        slow_disk(ctx, c)
        lead = ec.leader(ctx.cluster)
        if lead is not None and f"{lead.id:x}" == c.notes.get("member"):
            etcd_quota.flood(ctx.cluster, c, t)
        if t < c.started + 2:
            return
        leader_changes(ctx, c)
        if ec.has_quorum(ctx.cluster):
            if "quorum_lost" in c.notes:
                del c.notes["quorum_lost"]
                c.logs = [x for x in c.logs if x[0] <= t]
                lead = ec.leader(ctx.cluster)
                c.logs.append((t, "stderr", zap(t, "info", "raft/node.go:325",
                                                f"raft.node: {c.notes.get('member')} elected "
                                                f"leader {lead.id if lead else 0:x} at term "
                                                f"{c.notes.get('term', 3) + 1}",
                                                logger="raft")))
                c.ready_at = t
            return
        if "quorum_lost" in c.notes:
            until = c.notes.get("quorum_until", t)
            if t > until - 120:  # keep the log going for as long as the quorum stays lost
                c.logs.extend(quorum_lost_lines(ctx, c, until, t + 600 - until, prologue=False))
                c.notes["quorum_until"] = t + 600
            return
        c.notes["quorum_lost"] = t
        c.notes["quorum_until"] = t + 600
        c.ready_at = None
        c.logs.extend(quorum_lost_lines(ctx, c, t, 600))


def quorum_lost_lines(ctx: Context, c: Container, t0: float, horizon: float,
                      prologue: bool = True) -> list[tuple[float, str, str]]:
    """What etcd 3.5 logs once peers are gone: raft (`raft/raft.go`, `raft/node.go`) and
    rafthttp (`peer_status.go`, `probing_status.go`) lines, written ahead for `horizon` s."""
    me = c.notes.get("member", "0")
    term = 3
    down = [m for m in ec.members(ctx.cluster) if not ec.member_up(ctx.cluster, m)]
    up = [m for m in ec.members(ctx.cluster) if ec.member_up(ctx.cluster, m)
          and f"{m.id:x}" != me]
    out: list[tuple[float, str, str]] = []

    def log(t: float, level: str, caller: str, msg: str, **fields: object) -> None:
        out.append((t, "stderr", zap(t, level, caller, msg, **fields)))

    for m in down if prologue else []:
        peer = m.peer_urls[0].split("://", 1)[-1]
        why = "connect: no route to host" if not _powered(ctx, m) else \
            "connect: connection refused"
        log(t0, "warn", "rafthttp/peer_status.go:66", "peer became inactive (message send to "
            "peer failed)", **{"peer-id": f"{m.id:x}",
                               "error": f"failed to dial {m.id:x} on stream MsgApp v2 "
                                        f"(dial tcp {peer}: {why})"})
    if prologue:
        log(t0 + 0.2, "warn", "etcdserver/zap_raft.go:85",
            f"{me} stepped down to follower since quorum is not active", logger="raft")
        log(t0 + 0.2, "info", "raft/node.go:338",
            f"raft.node: {me} lost leader {me} at term {term}", logger="raft")
    t = t0 + 1.3
    i = 0
    while t < t0 + horizon:
        log(t, "info", "etcdserver/zap_raft.go:77",
            f"{me} is starting a new election at term {term}", logger="raft")
        log(t, "info", "etcdserver/zap_raft.go:77",
            f"{me} became pre-candidate at term {term}", logger="raft")
        log(t, "info", "etcdserver/zap_raft.go:77",
            f"{me} received MsgPreVoteResp from {me} at term {term}", logger="raft")
        for m in down + up:
            log(t, "info", "etcdserver/zap_raft.go:77",
                f"{me} [logterm: {term}, index: 4812] sent MsgPreVote request to {m.id:x} at "
                f"term {term}", logger="raft")
        if i % 4 == 0:
            for m in down:
                peer = m.peer_urls[0].split("://", 1)[-1]
                why = "connect: no route to host" if not _powered(ctx, m) else \
                    "connect: connection refused"
                log(t + 0.4, "warn", "rafthttp/probing_status.go:68",
                    "prober detected unhealthy status",
                    **{"round-tripper-name": "ROUND_TRIPPER_RAFT_MESSAGE",
                       "remote-peer-id": f"{m.id:x}", "rtt": "0s",
                       "error": f"dial tcp {peer}: {why}"})
        t += 1.1 + (i % 3) * 0.35
        i += 1
    return out


def _powered(ctx: Context, m: ec.Member) -> bool:
    return bool(m.node) and ctx.cluster.node(m.node).powered


def removed(ctx: Context, c: Container) -> bool:
    """A member removed with `etcdctl member remove` learns it from its peers and stops
    (server.go: ErrIDRemoved → "server error", then the process exits 0)."""
    me = c.notes.get("member")
    if me is None or int(me, 16) not in ec.state(ctx.cluster)["removed"]:
        return False
    if c.exit_at is None:
        t = ctx.t
        c.logs = [x for x in c.logs if x[0] <= t]
        c.logs.append((t, "stderr", zap(t, "warn", "etcdserver/server.go:1151", "server error",
                                        error="the member has been permanently removed from "
                                              "the cluster")))
        c.logs.append((t, "stderr", zap(t, "warn", "etcdserver/server.go:1152",
                                        "data-dir used by this member must be removed",
                                        **{"data-dir": flag_values(c.command).get(
                                            "data-dir", "/var/lib/etcd")})))
        c.ready_at = None
        c.exit_at, c.planned_exit_code = t + 0.2, 0
    return True


def leader_changes(ctx: Context, c: Container) -> None:
    lead = ec.leader(ctx.cluster)
    if lead is None:
        return
    new = f"{lead.id:x}"
    old = c.notes.get("leader")
    c.notes["leader"] = new
    if old is None or old == new:
        return
    me = c.notes.get("member", "0")
    t = ctx.t + 2.1  # after the election timeout
    term = ec.raft_term(ctx.cluster)
    lines = [f"raft.node: {me} changed leader from {old} to {new} at term {term}"]
    if old == me:
        lines = [f"{me} [term: {term - 1}] received a MsgVote message with higher term from "
                 f"{new} [term: {term}]", f"{me} became follower at term {term}"] + lines
    if new == me:
        lines = [f"{me} became leader at term {term}"] + lines
    for msg in lines:
        c.logs.append((t, "stderr", zap(t, "info", "etcdserver/zap_raft.go:77", msg,
                                        logger="raft")))
    c.logs.sort(key=lambda x: x[0])


def slow_disk(ctx: Context, c: Container, horizon: float = 900.0) -> None:
    """etcd on a slow disk (real-output §6): WAL fsyncs over 1 s, applies over 100 ms, a leader
    missing its heartbeats. Written ahead for `horizon` s; withdrawn when the disk recovers."""
    ms = ec.disk_ms(ctx.node)
    t0 = ctx.t
    if ms < ec.SLOW_MS:
        if "slow_disk" in c.notes:
            del c.notes["slow_disk"]
            c.logs = [x for x in c.logs if x[0] <= t0]
        return
    if c.notes.get("slow_disk") == ms:
        until = c.notes.get("slow_until", t0)
        if t0 > until - 120:  # the disk is still slow: keep the warnings coming
            _slow_lines(ctx, c, ms, until, t0 + horizon, c.notes.get("slow_i", 0))
            c.notes["slow_until"] = t0 + horizon
        return
    c.notes["slow_disk"] = ms
    c.notes["slow_until"] = t0 + horizon
    c.logs = [x for x in c.logs if x[0] <= t0]
    me = c.notes.get("member", "0")
    peers = [f"{m.id:x}" for m in ec.members(ctx.cluster) if f"{m.id:x}" != me]
    was_leader = c.notes.get("leader", me if not peers else None) == me
    if was_leader and peers:
        for k in range(3):
            c.logs.append((t0 + 0.3 * k, "stderr", zap(
                t0 + 0.3 * k, "warn", "etcdserver/raft.go:416",
                "leader failed to send out heartbeat on time; took too long, leader is "
                "overloaded likely from slow disk",
                to=peers[k % len(peers)], **{"heartbeat-interval": "100ms",
                                             "expected-duration": "200ms",
                                             "exceeded-duration": _dur(ms * (1.1 + k) - 200)})))
    _slow_lines(ctx, c, ms, t0 + 0.7, t0 + horizon, 0)


def _dur(x_ms: float) -> str:
    """Go's Duration.String() for milliseconds."""
    return f"{x_ms / 1000:.9f}".rstrip("0") + "s" if x_ms >= 1000 else \
        f"{x_ms:.6f}".rstrip("0").rstrip(".") + "ms"


def _slow_lines(ctx: Context, c: Container, ms: float, start: float, end: float,
                i: int) -> None:
    keys = ["/registry/leases/kube-node-lease/" + n.name for n in ctx.cluster.nodes] + \
        ["/registry/leases/kube-system/kube-scheduler",
         "/registry/leases/kube-system/kube-controller-manager",
         "/registry/pods/kube-system/", "/registry/configmaps/kube-system/"]

    def log(t: float, caller: str, msg: str, **fields: object) -> None:
        c.logs.append((t, "stderr", zap(t, "warn", caller, msg, **fields)))

    dur = _dur
    t = start
    while t < end:
        factor = 1.15 + (i * 7919 % 23) / 8.0  # 1.15x .. 3.9x the disk latency
        took = ms * factor
        key = keys[i % len(keys)]
        if key.endswith("/"):
            log(t, "etcdserver/util.go:170", "apply request took too long", took=dur(took),
                **{"expected-duration": "100ms", "prefix": "read-only range ",
                   "request": f'key:\\"{key}\\" range_end:\\"{key[:-1]}0\\" ',
                   "response": f"range_response_count:{4 + i % 7} size:{18000 + i * 37 % 900}"})
        else:
            log(t, "etcdserver/util.go:170", "apply request took too long", took=dur(took),
                **{"expected-duration": "100ms", "prefix": "",
                   "request": f"header:<ID:{0x5a3b9c0e7d1f2000 + i:d} > txn:<compare:<target:MOD "
                              f'key:\\"{key}\\" mod_revision:{9000 + i} > success:<request_put:'
                              f'<key:\\"{key}\\" value_size:{480 + i % 40} >> failure:<'
                              f'request_range:<key:\\"{key}\\" > >>',
                   "response": "size:20"})
        if took > 1000:
            log(t + 0.01, "wal/wal.go:805", "slow fdatasync", took=dur(took),
                **{"expected-duration": "1s"})
        if i % 5 == 3:
            log(t + 0.02, "etcdserver/v3_server.go:897",
                "waiting for ReadIndex response took too long, retrying",
                **{"sent-request-id": f"{0x5a3b9c0e7d1f3000 + i:d}", "retry-timeout": "500ms"})
        t += 2.5 + (i * 31 % 7)
        i += 1
    c.notes["slow_i"] = i



# --- TLS client verification (--client-cert-auth, --trusted-ca-file) ---------------------------

def reject_client(etcd_node: SimNode, etcd: Container, client_pem: bytes | None, t: float
                  ) -> tuple[str, str] | None:
    """etcd's TLS listener verifying a client certificate at `t`.

    None when accepted, else (the alert the client reports, the error etcd's server sees).
    """
    flags, _ = parse_go_flags(etcd.command[1:], BOOL_FLAGS, VALUE_FLAGS)
    if flags.get("client-cert-auth") != "true" or client_pem is None:
        return None
    ca_path = flags.get("trusted-ca-file", "")
    ca_pem = tls.read_pem(etcd_node, ca_path) if ca_path else None
    err = tls.verify_error(client_pem, ca_pem, t)
    if err is None:
        return None
    alert = tls.EXPIRED_ALERT if "expired" in err else \
        "remote error: tls: unknown certificate authority"
    return alert, tls.TLS_VERIFY + err


def log_rejected(etcd: Container, t: float, remote: str, server_err: str) -> None:
    """The line `logTLSHandshakeFailureFunc` writes (etcd-io/etcd v3.5.21
    server/embed/config_logging.go:170: no `ip-addresses`/`dns-names` fields, because a rejected
    handshake leaves no verified peer certificates; server-name is empty as clients dialling an
    IP send no SNI)."""
    etcd.logs.append((t, "stderr", zap(
        t, "warn", "embed/config_logging.go:170", "rejected connection on client endpoint",
        **{"remote-addr": remote, "server-name": "", "error": server_err})))
