"""`etcdctl` (etcd v3.5) against the twin's etcd members.

Formats from etcd-io/etcd v3.5.21 `etcdctl/ctlv3/command/printer*.go` (simple rows joined with
", ", tables through olekukonko/tablewriter with upper-cased headers, right-aligned),
errors through `pkg/cobrautl/error.go` (`Error: <err>` on stderr; exit 1, bad args 128),
`ETCDCTL_API` handling from `etcdctl/main.go`, global flags and `ETCDCTL_*` variables from
`ctlv3/ctl.go` and `flags.SetPflagsFromEnv`.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from datetime import UTC, datetime
from urllib.parse import urlsplit

from app.providers.sim import etcd_cluster as ec
from app.providers.sim import pki, versions
from app.providers.sim.components.base import flag_values, zap
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, node_of, split_flags
from app.providers.sim.tables import ascii_table

VALUE_FLAGS = {"endpoints", "cacert", "cert", "key", "w", "write-out", "dial-timeout",
               "command-timeout", "user", "password", "limit", "rev", "peer-urls",
               "keepalive-time", "keepalive-timeout", "discovery-srv", "d", "sort-by", "order"}
GLOBAL_ENV = ("endpoints", "cacert", "cert", "key", "write-out", "dial-timeout",
              "command-timeout", "user", "password", "insecure-skip-tls-verify")
EXIT_ERROR, EXIT_BAD_ARGS, EXIT_BAD_FEATURE = 1, 128, 4
DEADLINE = "context deadline exceeded"


class EtcdctlExit(Exception):
    def __init__(self, out: Output) -> None:
        super().__init__(out.stderr)
        self.out = out


def _fail(err: str, code: int = EXIT_ERROR, prefix: str = "") -> EtcdctlExit:
    return EtcdctlExit(Output(stderr=prefix + f"Error: {err}\n", exit_code=code))


def humanize_bytes(n: int) -> str:
    """github.com/dustin/go-humanize Bytes(): SI units, one decimal under 10."""
    if n < 10:
        return f"{n} B"
    sizes = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
    import math

    e = math.floor(math.log(n, 1000))
    val = math.floor(n / 1000 ** e * 10 + 0.5) / 10
    return f"{val:.0f} {sizes[e]}" if val >= 10 else f"{val:.1f} {sizes[e]}"


class Ctl:
    """One etcdctl invocation: its flags, its endpoints and the TLS material it presents."""

    def __init__(self, inv: Invocation, flags: dict[str, str]) -> None:
        self.inv = inv
        self.cluster = cluster_of(inv)
        self.node = node_of(inv)
        env = {**inv.session.env, **inv.env}
        for name in GLOBAL_ENV:
            var = "ETCDCTL_" + name.upper().replace("-", "_")
            if name not in flags and var in env:
                flags[name] = env[var]
        if "w" in flags:
            flags["write-out"] = flags["w"]
        self.flags = flags
        self.fmt = flags.get("write-out", "simple")
        if self.fmt not in ("simple", "table", "json", "fields", "protobuf"):
            raise _fail("unsupported output format", EXIT_BAD_FEATURE)
        self.endpoints = [e for e in flags.get("endpoints", "127.0.0.1:2379").split(",") if e]
        self.t = self.cluster.t
        self._n = 0

    # --- files and TLS ----------------------------------------------------------------------

    def _file(self, path: str) -> bytes:
        full = path if path.startswith("/") else posixpath.join(self.inv.session.cwd, path)
        try:
            return self.node.vfs.read(posixpath.normpath(full))
        except Exception:  # noqa: BLE001 - any unreadable file is the same error to Go
            raise _fail(f"open {path}: no such file or directory", EXIT_BAD_ARGS) from None

    def tls_material(self) -> dict[str, bytes | None]:
        out: dict[str, bytes | None] = {}
        for name in ("cacert", "cert", "key"):
            value = self.flags.get(name)
            if value == "" and name in self.flags:
                raise _fail(f"empty string is passed to --{name} option", EXIT_BAD_ARGS)
            out[name] = self._file(value) if value else None
        return out

    def dial(self, endpoint: str) -> tuple[ec.Member | None, str | None]:
        """The member answering at `endpoint`, or the gRPC connection error the client sees."""
        material = self.tls_material()
        scheme = urlsplit(endpoint).scheme if "://" in endpoint else ""
        hostport = endpoint.split("://", 1)[-1].rstrip("/")
        host, _, port = hostport.rpartition(":")
        err = self.cluster.etcd_reachable(self.node, f"https://{host}:{port or 2379}", self.t)
        if err is not None:
            return None, f'connection error: desc = \\"transport: Error while dialing: {err}\\"'
        target = self.cluster.node_by_host(host, self.node)
        assert target is not None
        use_tls = scheme == "https" or any(material.values())
        if not use_tls:
            return None, "connection closed before server preface received"
        etcd = target.running_container("etcd")
        assert etcd is not None
        flags = flag_values(etcd.command)
        now = datetime.fromtimestamp(self.t, tz=UTC)
        server = self._node_file(target, flags.get("cert-file", ""))
        trusted = self._node_file(target, flags.get("trusted-ca-file", ""))
        handshake = 'connection error: desc = \\"transport: authentication handshake failed: '
        ca = material["cacert"]
        if "insecure-skip-tls-verify" not in self.flags:
            if server and not pki.is_valid_at(server, now):
                _, not_after = pki.cert_validity(server)
                return None, (handshake + "tls: failed to verify certificate: x509: certificate "
                              "has expired or is not yet valid: current time "
                              f"{now:%Y-%m-%dT%H:%M:%SZ} is after "
                              f"{not_after:%Y-%m-%dT%H:%M:%SZ}\\\"")
            if ca is None or server is None or not pki.verify_chain(server, ca):
                return None, (handshake + "tls: failed to verify certificate: x509: certificate "
                              "signed by unknown authority\\\"")
        if flags.get("client-cert-auth") == "true":
            cert = material["cert"]
            if cert is None:
                return None, handshake + 'remote error: tls: certificate required\\"'
            if material["key"] is None:
                raise _fail("tls: neither Certificates, GetCertificate, nor GetConfigForClient "
                            "set in Config", EXIT_BAD_ARGS)
            if trusted is None or not pki.verify_chain(cert, trusted, now):
                return None, handshake + 'remote error: tls: bad certificate\\"'
        return ec.member_on(self.cluster, target), None

    @staticmethod
    def _node_file(node: object, path: str) -> bytes | None:
        try:
            return node.vfs.read(path)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            return None

    # --- the client's retries and timeouts --------------------------------------------------

    def retry_warning(self, endpoint: str, error: str) -> str:
        self._n += 1
        target = f"etcd-endpoints://0xc000{0x1a2000 + self._n * 0x1c0:06x}/{endpoint}"
        line = json.loads(zap(self.t + 5, "warn", "", ""))
        record = {"level": "warn", "ts": line["ts"], "logger": "etcd-client",
                  "caller": "v3@v3.5.21/retry_interceptor.go:63",
                  "msg": "retrying of unary invoker failed", "target": target, "attempt": 0,
                  "error": f"rpc error: code = DeadlineExceeded desc = {error}"}
        return json.dumps(record, separators=(",", ":")) + "\n"

    def request(self, endpoint: str | None = None) -> ec.Member:
        """Reach one endpoint and require a quorum, or exit like etcdctl after its timeout."""
        ep = endpoint or self.endpoints[0]
        member, err = self.dial(ep)
        if err is not None:
            warn = self.retry_warning(ep, "latest balancer error: last connection error: "
                                      + err.replace('\\"', '"'))
            raise _fail(DEADLINE, prefix=warn)
        if member is None or not ec.has_quorum(self.cluster):
            raise _fail(DEADLINE, prefix=self.retry_warning(ep, DEADLINE))
        return member

    def write_allowed(self) -> None:
        if ec.state(self.cluster)["alarms"]:
            raise _fail("etcdserver: mvcc: database space exceeded")

    def cluster_endpoints(self) -> list[str]:
        if "cluster" not in self.flags:
            return self.endpoints
        self.request()
        return [u for m in ec.members(self.cluster) for u in m.client_urls]


def _member_rows(ctl: Ctl) -> list[list[str]]:
    return [[f"{m.id:x}", "started" if m.name else "unstarted", m.name, ",".join(m.peer_urls),
             ",".join(m.client_urls), "false"] for m in ec.members(ctl.cluster)]


def _table(header: list[str], rows: list[list[str]]) -> str:
    return ascii_table([h.upper() for h in header], rows)


def _header(ctl: Ctl, member: ec.Member) -> dict[str, int]:
    return {"cluster_id": ec.cluster_id_of(ctl.cluster), "member_id": member.id,
            "revision": ctl.cluster.store.revision, "raft_term": _term(ctl)}


def _term(ctl: Ctl) -> int:
    return ec.raft_term(ctl.cluster)


def member_cmd(ctl: Ctl, args: list[str]) -> Output:
    sub = args[0] if args else ""
    if sub == "list":
        member = ctl.request()
        rows = _member_rows(ctl)
        if ctl.fmt == "table":
            return Output(stdout=_table(["ID", "Status", "Name", "Peer Addrs", "Client Addrs",
                                         "Is Learner"], rows))
        if ctl.fmt == "json":
            return Output(stdout=json.dumps({"header": _header(ctl, member), "members": [
                {"ID": m.id, "name": m.name, "peerURLs": m.peer_urls,
                 "clientURLs": m.client_urls} for m in ec.members(ctl.cluster)]},
                separators=(",", ":")) + "\n")
        return Output(stdout="".join(", ".join(r) + "\n" for r in rows))
    if sub == "remove":
        if len(args) < 2:
            raise _fail("member ID is not provided", EXIT_BAD_ARGS)
        try:
            mid = int(args[1], 16)
        except ValueError:
            raise _fail(f'bad member ID arg (strconv.ParseUint: parsing "{args[1]}": invalid '
                        'syntax), expecting ID in Hex', EXIT_BAD_ARGS) from None
        ctl.request()
        if mid not in [m.id for m in ec.members(ctl.cluster)]:
            raise _fail("etcdserver: member not found")
        ec.state(ctl.cluster)["removed"].append(mid)
        cid = ec.cluster_id_of(ctl.cluster)
        return Output(stdout=f"Member {mid:16x} removed from cluster {cid:16x}\n")
    if sub == "add":
        if len(args) < 2:
            raise _fail("member name not provided", EXIT_BAD_ARGS)
        urls = [u for u in ctl.flags.get("peer-urls", "").split(",") if u]
        if not urls:
            raise _fail("member peer urls not provided", EXIT_BAD_ARGS)
        ctl.request()
        if any(u in m.peer_urls for m in ec.members(ctl.cluster) for u in urls):
            raise _fail("etcdserver: Peer URLs already exists")
        mid = ec.member_id(urls, ec.TOKEN, int(ctl.t))
        ec.state(ctl.cluster)["added"].append({"id": mid, "name": "", "peer_urls": urls,
                                               "client_urls": []})
        cid = ec.cluster_id_of(ctl.cluster)
        out = f"Member {mid:16x} added to cluster {cid:16x}\n"
        if ctl.fmt == "simple":
            conf = [f"{args[1] if m.id == mid else m.name}={u}"
                    for m in ec.members(ctl.cluster) for u in m.peer_urls]
            out += (f'\nETCD_NAME="{args[1]}"\nETCD_INITIAL_CLUSTER="{",".join(conf)}"\n'
                    f'ETCD_INITIAL_ADVERTISE_PEER_URLS="{",".join(urls)}"\n'
                    'ETCD_INITIAL_CLUSTER_STATE="existing"\n')
        return Output(stdout=out)
    raise _fail(f'unknown command "{sub}" for "etcdctl member"' if sub else
                "member command needs a subcommand", EXIT_BAD_ARGS)


def _took(ctl: Ctl, i: int, member: ec.Member | None = None) -> str:
    """Go's Duration.String() of a few milliseconds: `7.12757ms`; a proposal waits for a
    quorum of WAL fsyncs, and the member's own when its disk is slow."""
    ns = 3_000_000 + (ctl.cluster.seed * 7919 + int(ctl.t) * 31 + i * 104729) % 9_000_000
    if member is not None and member.node:
        ns += int(ec.disk_ms(ctl.cluster.node(member.node)) * 1_700_000)
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.9f}".rstrip("0").rstrip(".") + "s"
    text = f"{ns / 1e6:.6f}".rstrip("0").rstrip(".")
    return f"{text}ms"


def endpoint_cmd(ctl: Ctl, args: list[str]) -> Output:
    sub = args[0] if args else ""
    if sub == "health":
        rows, out, err = [], "", ""
        for i, ep in enumerate(ctl.cluster_endpoints()):
            member, dial_err = ctl.dial(ep)
            took = _took(ctl, i, member)
            if dial_err is not None or member is None:
                error = DEADLINE
                err += ctl.retry_warning(ep, "latest balancer error: last connection error: "
                                         + (dial_err or DEADLINE).replace('\\"', '"'))
            elif not ec.has_quorum(ctl.cluster):
                error = DEADLINE
                err += ctl.retry_warning(ep, DEADLINE)
            elif ec.state(ctl.cluster)["alarms"]:
                error = "Active Alarm(s): " + "".join(
                    a["alarm"] + " " for a in ec.state(ctl.cluster)["alarms"])
            else:
                error = ""
            if error == DEADLINE:
                took = "5.001234567s"  # the command timeout ran out
            rows.append([ep, "false" if error else "true", took, error])
        if ctl.fmt == "table":
            out = _table(["endpoint", "health", "took", "error"], rows)
        elif ctl.fmt == "json":  # epHealth: endpoint, health, took, error (omitempty)
            out = json.dumps([{"endpoint": ep, "health": not error, "took": took,
                               **({"error": error} if error else {})}
                              for ep, _, took, error in rows], separators=(",", ":")) + "\n"
        else:
            for ep, _, took, error in rows:
                if error:
                    err += f"{ep} is unhealthy: failed to commit proposal: {error}\n"
                else:
                    out += f"{ep} is healthy: successfully committed proposal: took = {took}\n"
        if any(r[3] for r in rows):
            return Output(stdout=out, stderr=err + "Error: unhealthy cluster\n", exit_code=1)
        return Output(stdout=out, stderr=err)
    if sub == "status":
        rows, err = [], ""
        lead = ec.leader(ctl.cluster)
        alarms = ec.state(ctl.cluster)["alarms"]
        for ep in ctl.cluster_endpoints():
            member, dial_err = ctl.dial(ep)
            if dial_err is not None or member is None:
                err += f"Failed to get the status of endpoint {ep} ({DEADLINE})\n"
                continue
            # maintenance.go Status: "etcdserver: no leader" first, then one per alarm
            errors = ", ".join([*(["etcdserver: no leader"] if lead is None else []),
                                *(f"memberID:{a['member']} alarm:{a['alarm']} " for a in alarms)])
            index = ctl.cluster.store.revision + 3120
            rows.append([ep, f"{member.id:x}", versions.ETCD,
                         humanize_bytes(ec.db_size(ctl.cluster)),
                         str(lead is not None and lead.id == member.id).lower(), "false",
                         str(_term(ctl)), str(index), str(index), errors])
        if ctl.fmt == "json":
            out = json.dumps([{"Endpoint": r[0], "Status": {
                "header": {"cluster_id": ec.cluster_id_of(ctl.cluster), "member_id": int(r[1], 16),
                           "revision": ctl.cluster.store.revision, "raft_term": int(r[6])},
                "version": r[2], "dbSize": ec.db_size(ctl.cluster),
                "leader": lead.id if lead else 0, "raftIndex": int(r[7]), "raftTerm": int(r[6]),
                "raftAppliedIndex": int(r[8]), "dbSizeInUse": ec.db_size(ctl.cluster) * 9 // 10,
                **({"errors": [e.strip() for e in r[9].split(", ")]} if r[9] else {})}}
                for r in rows], separators=(",", ":")) + "\n"
        elif ctl.fmt == "table":
            out = _table(["endpoint", "ID", "version", "db size", "is leader", "is learner",
                          "raft term", "raft index", "raft applied index", "errors"], rows)
        else:
            out = "".join(", ".join(r) + "\n" for r in rows)
        return Output(stdout=out, stderr=err, exit_code=1 if err else 0)
    raise _fail(f'unknown command "{sub}" for "etcdctl endpoint"' if sub else
                "endpoint command needs a subcommand", EXIT_BAD_ARGS)


def alarm_cmd(ctl: Ctl, args: list[str]) -> Output:
    sub = args[0] if args else ""
    if sub not in ("list", "disarm"):
        raise _fail(f'unknown command "{sub}" for "etcdctl alarm"', EXIT_BAD_ARGS)
    ctl.request()
    st = ec.state(ctl.cluster)
    # AlarmMember.String() is proto.CompactTextString: a decimal memberID, trailing space.
    out = "".join(f"memberID:{a['member']} alarm:{a['alarm']} \n" for a in st["alarms"])
    if sub == "disarm":
        for a in st["alarms"]:
            _server_log(ctl, "etcdserver/apply.go:775", "alarm disarmed", alarm=a["alarm"],
                        **{"from": f"{a['member']:x}"})
        st["alarms"] = []
    return Output(stdout=out)


def _server_log(ctl: Ctl, caller: str, msg: str, **fields: object) -> None:
    """A line in the log of the etcd serving this request."""
    c = ctl.node.running_container("etcd")
    if c is not None:
        c.logs.append((ctl.t, "stderr", zap(ctl.t, "warn", caller, msg, **fields)))


def _select(ctl: Ctl, args: list[str], verb: str) -> list[str]:
    if not args or len(args) > 2:
        raise _fail(f"{verb} command needs one argument as key and an optional argument as "
                    "range_end", EXIT_BAD_ARGS)
    prefix = "prefix" in ctl.flags
    if prefix and len(args) > 1:
        raise _fail("too many arguments, only accept one argument when `--prefix` or "
                    "`--from-key` is set", EXIT_BAD_ARGS)
    keys = list(ec.keyspace(ctl.cluster))
    if prefix:
        return [k for k in keys if k.startswith(args[0])]
    if len(args) == 2:
        return [k for k in keys if args[0] <= k < args[1]]
    return [k for k in keys if k == args[0]]


def get_cmd(ctl: Ctl, args: list[str]) -> Output:
    keys = _select(ctl, args, "get")
    ctl.request()
    kv = ec.keyspace(ctl.cluster)
    if "limit" in ctl.flags:
        keys = keys[:int(ctl.flags["limit"] or 0) or None]
    out = []
    for k in keys:
        if "print-value-only" not in ctl.flags:
            out.append(k + "\n")
        out.append(("" if "keys-only" in ctl.flags else kv[k].decode("latin-1")) + "\n")
    return Output(stdout="".join(out))


def put_cmd(ctl: Ctl, args: list[str]) -> Output:
    if len(args) != 2:
        raise _fail("put command needs 1 argument and input from stdin or 2 arguments",
                    EXIT_BAD_ARGS)
    ctl.request()
    ctl.write_allowed()
    ec.state(ctl.cluster)["kv"][args[0]] = args[1]
    ctl.cluster.store.revision += 1
    return Output(stdout="OK\n")


def del_cmd(ctl: Ctl, args: list[str]) -> Output:
    keys = _select(ctl, args, "del")
    ctl.request()
    n = sum(1 for k in keys if ec.delete_key(ctl.cluster, k))
    return Output(stdout=f"{n}\n")


def compaction_cmd(ctl: Ctl, args: list[str]) -> Output:
    if len(args) != 1:
        raise _fail("compaction command needs 1 argument", EXIT_BAD_ARGS)
    try:
        rev = int(args[0])
    except ValueError:
        raise _fail(f'strconv.ParseInt: parsing "{args[0]}": invalid syntax',
                    EXIT_BAD_ARGS) from None
    ctl.request()
    st = ec.state(ctl.cluster)
    if rev > ctl.cluster.store.revision:
        raise _fail("etcdserver: mvcc: required revision is a future revision")
    if rev <= st["compacted"]:
        raise _fail("etcdserver: mvcc: required revision has been compacted")
    st["compacted"] = rev
    st["reclaimable"] = st.get("garbage", 0)  # a defrag can now give these pages back
    return Output(stdout=f"compacted revision {rev}\n")


def defrag_cmd(ctl: Ctl, args: list[str]) -> Output:
    out, err = "", ""
    for ep in ctl.cluster_endpoints():
        member, dial_err = ctl.dial(ep)
        if dial_err is not None or member is None:
            err += f"Failed to defragment etcd member[{ep}] ({DEADLINE})\n"
            continue
        st = ec.state(ctl.cluster)
        st["defragged"] = st["compacted"]
        st["garbage"] = st.get("garbage", 0) - st.pop("reclaimable", 0)
        out += f"Finished defragmenting etcd member[{ep}]\n"
    return Output(stdout=out, stderr=err, exit_code=1 if err else 0)


def snapshot_cmd(ctl: Ctl, args: list[str]) -> Output:
    sub, rest = (args[0], args[1:]) if args else ("", [])
    if sub == "save":
        if len(rest) != 1:
            raise _fail("snapshot save expects one argument", EXIT_BAD_ARGS)
        ep = ctl.endpoints[0]
        ctl.request()
        path = rest[0]
        full = path if path.startswith("/") else posixpath.join(ctl.inv.session.cwd, path)
        size = ec.db_size(ctl.cluster)
        kv = ec.keyspace(ctl.cluster)
        body = json.dumps({"revision": ctl.cluster.store.revision, "keys": len(kv),
                           "size": size}).encode()
        # then the keys and values as bbolt pages hold them: readable unless encrypted at rest
        body += b"\n" + b"".join(k.encode() + v for k, v in kv.items())
        ctl.node.vfs.write(posixpath.normpath(full), b"bbolt-snapshot\n" + body, 0o600)
        t = ctl.t
        logs = [zap(t, "info", "snapshot/v3_snapshot.go:65", "created temporary db file",
                    path=f"{path}.part"),
                zap(t, "info", "v3@v3.5.21/maintenance.go:212",
                    "opened snapshot stream; downloading"),
                zap(t, "info", "snapshot/v3_snapshot.go:73", "fetching snapshot", endpoint=ep),
                zap(t + 0.1, "info", "v3@v3.5.21/maintenance.go:220",
                    "completed snapshot read; closing"),
                zap(t + 0.1, "info", "snapshot/v3_snapshot.go:88", "fetched snapshot",
                    endpoint=ep, size=humanize_bytes(size), took="now"),
                zap(t + 0.1, "info", "snapshot/v3_snapshot.go:97", "saved", path=path)]
        # the client's zap lines go to stderr as the download runs; the result line comes last
        return Output.ordered([(2, "".join(line + "\n" for line in logs)),
                               (1, f"Snapshot saved at {path}\n")])
    if sub == "status":
        if len(rest) != 1:
            raise _fail("snapshot status requires exactly one argument", EXIT_BAD_ARGS)
        raw = ctl._file(rest[0])
        warn = "Deprecated: Use `etcdutl snapshot status` instead.\n\n"
        try:
            info = json.loads(raw.split(b"\n", 2)[1])
        except (IndexError, ValueError):
            return Output(stderr=warn + "Error: invalid database\n", exit_code=1)
        digest = int.from_bytes(hashlib.sha1(raw).digest()[:4], "big")  # noqa: S324
        row = [f"{digest:x}", str(info["revision"]), str(info["keys"]),
               humanize_bytes(info["size"])]
        if ctl.fmt == "table":
            return Output(stdout=_table(["hash", "revision", "total keys", "total size"], [row]),
                          stderr=warn)
        return Output(stdout=", ".join(row) + "\n", stderr=warn)
    raise _fail(f'unknown command "{sub}" for "etcdctl snapshot"', EXIT_BAD_ARGS)


VERBS = {"member": member_cmd, "endpoint": endpoint_cmd, "alarm": alarm_cmd, "get": get_cmd,
         "put": put_cmd, "del": del_cmd, "compaction": compaction_cmd, "defrag": defrag_cmd,
         "snapshot": snapshot_cmd}


@command("etcdctl")
def etcdctl(inv: Invocation) -> Output:
    env = {**inv.session.env, **inv.env}
    api = env.get("ETCDCTL_API", "")
    if api not in ("", "3", "2"):
        return Output(stderr=f"unsupported API version: {api}\n", exit_code=1)
    flags, pos = split_flags(inv.args, VALUE_FLAGS)
    if api == "2":
        # kubeadm's etcd serves no v2 API (--enable-v2 is off since 3.4): etcdctl v2 reads a
        # 404 page where it expects JSON.
        return Output(stderr="Error:  client: response is invalid json. The endpoint is probably "
                             "not valid etcd cluster endpoint.\n", exit_code=4)
    if not pos:
        return Output(stdout="NAME:\n\tetcdctl - A simple command line client for etcd3.\n\n"
                             "USAGE:\n\tetcdctl [flags]\n")
    if pos[0] == "version":
        return Output(stdout=f"etcdctl version: {versions.ETCD}\nAPI version: 3.5\n")
    verb = VERBS.get(pos[0])
    if verb is None:
        return Output(stderr=f'Error: unknown command "{pos[0]}" for "etcdctl"\nRun \'etcdctl '
                             '--help\' for usage.\n', exit_code=1)
    try:
        return verb(Ctl(inv, flags), pos[1:])
    except EtcdctlExit as stop:
        return stop.out
