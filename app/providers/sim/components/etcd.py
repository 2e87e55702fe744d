"""etcd 3.5 as a static pod: parses its flags like Go does and serves its client URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.providers.sim import tls, versions
from app.providers.sim.components.base import Context, zap
from app.providers.sim.components.etcd_flags import (
    BOOL_FLAGS,
    USAGE,
    VALUE_FLAGS,
    FlagError,
    parse_go_flags,
)
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
        client_urls = flags.get("listen-client-urls", "http://localhost:2379").split(",")
        peer_urls = flags.get("listen-peer-urls", "http://localhost:2380").split(",")
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
              "member-initialized": True, "name": name, "data-dir": data_dir,
              "wal-dir": "", "wal-dir-dedicated": "", "member-dir": f"{data_dir}/member",
              "force-new-cluster": False, "heartbeat-interval": "100ms",
              "election-timeout": "1s", "snapshot-count": int(flags.get("snapshot-count", 100000)),
              "initial-cluster": "", "initial-cluster-state": "new",
              "quota-backend-bytes": int(flags.get("quota-backend-bytes", 2147483648) or 0)}),
            ("etcdserver/server.go:763", "starting etcd server",
             {"local-member-id": "aec36adc501070cc", "local-server-version": versions.ETCD,
              "cluster-version": "to_be_decided"}),
            ("raft/raft.go:1019", "aec36adc501070cc is starting a new election at term 2", {}),
            ("raft/raft.go:771", "aec36adc501070cc became leader at term 3", {}),
            ("etcdserver/server.go:2068", "published local member to cluster through raft",
             {"local-member-id": "aec36adc501070cc", "cluster-id": "fa54960ea34d58be"}),
            ("embed/serve.go:103", "ready to serve client requests", {}),
        ]
        for i, (caller, msg, fields) in enumerate(log):
            c.logs.append((t + 0.05 * i, "stderr", zap(t + 0.05 * i, "info", caller, msg,
                                                        **fields)))
        for url in client_urls:
            addr = urlsplit(url.strip()).netloc
            c.logs.append((t + 0.6, "stderr", zap(t + 0.6, "info", "embed/serve.go:250",
                                                  "serving client traffic securely",
                                                  **{"traffic": "grpc+http", "address": addr})))
        c.ready_at = t + 1.0

    def reconcile(self, ctx: Context, c: Container) -> None:
        return None


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
