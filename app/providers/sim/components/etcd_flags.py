"""etcd 3.5's command-line surface, from etcd-io/etcd `server/etcdmain/help.go` and `config.go`.

Only the names and which flags are booleans matter: Go's `flag` package decides from them
whether `--x=y` parses, and etcd exits 2 with the usage line when it does not.
"""

from __future__ import annotations

import functools

BOOL_FLAGS = frozenset((
    "initial-election-tick-advance", "enable-grpc-gateway", "socket-reuse-port",
    "socket-reuse-address", "strict-reconfig-check", "pre-vote", "enable-v2", "client-cert-auth",
    "auto-tls", "peer-client-cert-auth", "peer-auto-tls", "enable-pprof", "enable-log-rotation",
    "experimental-enable-distributed-tracing", "experimental-initial-corrupt-check",
    "experimental-compact-hash-check-enabled", "experimental-enable-lease-checkpoint",
    "experimental-enable-lease-checkpoint-persist",
    "experimental-peer-skip-client-san-verification", "experimental-memory-mlock",
    "experimental-txn-mode-write-with-shared-buffer", "experimental-stop-grpc-service-on-defrag",
    "force-new-cluster", "unsafe-no-fsync", "version", "help",
))

VALUE_FLAGS = frozenset((
    "name", "data-dir", "wal-dir", "snapshot-count", "heartbeat-interval", "election-timeout",
    "listen-peer-urls", "listen-client-urls", "listen-client-http-urls", "max-snapshots",
    "max-wals", "quota-backend-bytes", "backend-bbolt-freelist-type", "backend-batch-interval",
    "backend-batch-limit", "max-txn-ops", "max-request-bytes", "max-concurrent-streams",
    "grpc-keepalive-min-time", "grpc-keepalive-interval", "grpc-keepalive-timeout",
    "raft-read-timeout", "raft-write-timeout", "initial-advertise-peer-urls", "initial-cluster",
    "initial-cluster-state", "initial-cluster-token", "advertise-client-urls", "discovery",
    "discovery-fallback", "discovery-proxy", "discovery-srv", "discovery-srv-name",
    "auto-compaction-retention", "auto-compaction-mode", "v2-deprecation", "cert-file",
    "key-file", "client-cert-file", "client-key-file", "client-crl-file",
    "client-cert-allowed-hostname", "trusted-ca-file", "peer-cert-file", "peer-key-file",
    "peer-trusted-ca-file", "peer-cert-allowed-cn", "peer-cert-allowed-hostname",
    "peer-client-cert-file", "peer-client-key-file", "self-signed-cert-validity", "peer-crl-file",
    "cipher-suites", "cors", "host-whitelist", "tls-min-version", "tls-max-version", "auth-token",
    "bcrypt-cost", "auth-token-ttl", "metrics", "listen-metrics-urls", "logger", "log-outputs",
    "log-level", "log-rotation-config-json", "experimental-distributed-tracing-address",
    "experimental-distributed-tracing-service-name",
    "experimental-distributed-tracing-instance-id",
    "experimental-distributed-tracing-sampling-rate", "proxy", "proxy-failure-wait",
    "proxy-refresh-interval", "proxy-dial-timeout", "proxy-write-timeout", "proxy-read-timeout",
    "experimental-corrupt-check-time", "experimental-compact-hash-check-time",
    "experimental-enable-v2v3", "experimental-compaction-batch-limit",
    "experimental-compaction-sleep-interval", "experimental-watch-progress-notify-interval",
    "experimental-downgrade-check-time", "experimental-warning-apply-duration",
    "experimental-bootstrap-defrag-threshold-megabytes", "experimental-snapshot-catchup-entries",
    "experimental-max-learners", "experimental-wait-cluster-ready-timeout", "config-file",
))

# etcd-io/etcd server/etcdmain/help.go `usageline`, printed by fs.Usage with Fprintln.
USAGE = """Usage:

  etcd [flags]
    Start an etcd server.

  etcd --version
    Show the version of etcd.

  etcd -h | --help
    Show the help information about etcd.

  etcd --config-file
    Path to the server configuration file. Note that if a configuration file is provided, \
other command line flags and environment variables will be ignored.

  etcd gateway
    Run the stateless pass-through etcd TCP connection forwarding proxy.

  etcd grpc-proxy
    Run the stateless etcd v3 gRPC L7 reverse proxy.

"""

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


class FlagError(Exception):
    pass


def parse_go_flags(args: list[str], bools: frozenset[str], values: frozenset[str]
                   ) -> tuple[dict[str, str], list[str]]:
    """Go's flag.FlagSet.Parse: returns (flags, remaining args) or raises FlagError(message)."""
    parsed, rest = _parse_cached(tuple(args), bools, values)
    return dict(parsed), list(rest)


@functools.lru_cache(maxsize=512)
def _parse_cached(args: tuple[str, ...], bools: frozenset[str], values: frozenset[str]
                  ) -> tuple[dict[str, str], tuple[str, ...]]:
    # etcd's command is parsed at every step (who listens where); it rarely changes.
    parsed: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if len(arg) < 2 or arg[0] != "-":
            break
        num_minuses = 2 if arg.startswith("--") else 1
        if arg == "--":
            i += 1
            break
        name = arg[num_minuses:]
        if not name or name[0] in "-=":
            raise FlagError(f"bad flag syntax: {arg}")
        i += 1
        has_value = "=" in name
        value = ""
        if has_value:
            name, _, value = name.partition("=")
        if name not in bools and name not in values:
            raise FlagError(f"flag provided but not defined: -{name}")
        if name in bools:
            if has_value:
                if value not in _TRUE | _FALSE:
                    raise FlagError(
                        f'invalid boolean value "{value}" for -{name}: parse error')
                parsed[name] = "true" if value in _TRUE else "false"
            else:
                parsed[name] = "true"
            continue
        if not has_value:
            if i >= len(args):
                raise FlagError(f"flag needs an argument: -{name}")
            value = args[i]
            i += 1
        parsed[name] = value
    return parsed, args[i:]
