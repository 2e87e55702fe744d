"""Leader election as client-go's `tools/leaderelection` does it, for kube-controller-manager
and kube-scheduler (both run with `--leader-elect=true` on kubeadm nodes).

The lock is a coordination.k8s.io/v1 Lease in kube-system named after the component. Its
holder renews it every RetryPeriod (2 s); a candidate takes it over once it has not been
renewed for LeaseDuration (15 s); a leader that cannot renew for RenewDeadline (10 s) logs
`failed to renew lease`, the component logs `"leaderelection lost"` and exits 1 (the kubelet
restarts it). Candidates talk to the apiserver their kubeconfig names, with the client
certificate it embeds, loaded once at start.

The twin steps only at events, so a running holder that can reach its apiserver counts as
having renewed "now"; one that stopped counts as having renewed when it stopped. Standby
candidates ask to be woken (`notes["wake_at"]`) when the lease would expire.

Log lines (client-go v0.32/0.33 `leaderelection.go` line numbers, the same in real v1.32.13 and
v1.34.5 logs; tests/fidelity/samples/SOURCES.md): `attempting to acquire leader lease
kube-system/<name>...` (257), `successfully acquired lease kube-system/<name>` (271),
`error retrieving resource lock kube-system/<name>: <err>` (436), `Failed to update lock
optimistically: <err>, falling back to slow path` (429), `failed to renew lease
kube-system/<name>: context deadline exceeded` (297); `error initially creating leader
election record: <err>` (440) and `Failed to update lock: <err>` (472) are counted from 429/436
in the stored leaderelection.go (tryAcquireOrRenew), not seen in a real log.

Under etcd's NOSPACE alarm the apiserver answers but every write fails with `etcdserver: mvcc:
database space exceeded`: the leader cannot renew (both Updates of each try fail, the Get
between them works) and exits after RenewDeadline; a restarted candidate waits for the old
lease to expire, then fails to take it over on every try until the alarm is disarmed.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.providers.sim import events, kubeconfig, pki, tls
from app.providers.sim.clock import parse_rfc3339, utc
from app.providers.sim.components.base import Context, flag_values, klog
from app.providers.sim.runtime import Container, make_id
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

NAMESPACE = "kube-system"
LEASE_DURATION = 15.0  # --leader-elect-lease-duration
RENEW_DEADLINE = 10.0  # --leader-elect-renew-deadline
RETRY_PERIOD = 2.0  # --leader-elect-retry-period
TIMEOUT = "net/http: request canceled (Client.Timeout exceeded while awaiting headers)"


def micro_time(t: float) -> str:
    """metav1.MicroTime as the apiserver returns it: `2006-01-02T15:04:05.000000Z`."""
    d = utc(t)
    return f"{d:%Y-%m-%dT%H:%M:%S}.{d.microsecond:06d}Z"


def parse_micro_time(value: str | None) -> float:
    if value and "." in value:
        whole, _, frac = value.rstrip("Z").partition(".")
        return parse_rfc3339(whole + "Z") + float(f"0.{frac}")
    return parse_rfc3339(value)


# --- the component's API client ----------------------------------------------------------------

def load_client(node: SimNode, c: Container, path: str) -> bool:
    """Read the kubeconfig at start (client-go keeps server, CA and certificate in memory)."""
    try:
        data = node.vfs.read(path)
        server = kubeconfig.server(data)
        ca = kubeconfig.ca_data(data)
        cert = kubeconfig.client_cert_data(data)
    except (VFSError, ValueError, KeyError, TypeError):
        return False
    c.notes["api_server"] = server
    if ca is not None:
        c.notes["api_ca"] = ca.decode("latin-1")
    if cert is not None:
        c.notes["client_cert"] = cert.decode("latin-1")
    return True


def transport_error(ctx: Context, c: Container) -> str | None:
    """Why a request to the kubeconfig's apiserver fails at ctx.t (Go's wording), or None."""
    host, port = _host_port(c.notes.get("api_server", "https://127.0.0.1:6443"))
    target = ctx.cluster.node_by_host(host, ctx.node)
    if target is None:
        return f"dial tcp: lookup {host} on 127.0.0.11:53: no such host"
    if not target.powered:
        return f"dial tcp {host}:{port}: connect: no route to host"
    api = target.running_container("kube-apiserver")
    if api is None or "waiting_since" in api.notes:
        return f"dial tcp {host}:{port}: connect: connection refused"
    if api.ready_at is None:
        return TIMEOUT  # listening, but every request hangs on etcd
    if api.ready_at > ctx.t:
        return f"dial tcp {host}:{port}: connect: connection refused"
    serving = tls.loaded(api.notes, "serving_cert")
    if serving is not None:
        err = tls.validity_error(serving, ctx.t)
        if err is None and not _chain_ok(serving, tls.loaded(c.notes, "api_ca")):
            err = tls.UNKNOWN_CA
        if err is not None:
            return tls.TLS_VERIFY + err
    cert = tls.loaded(c.notes, "client_cert")
    if cert is not None and tls.validity_error(cert, ctx.t) is not None:
        return "Unauthorized"  # the apiserver's x509 authenticator rejects it: 401
    return None


@functools.lru_cache(maxsize=256)
def _host_port(server: str) -> tuple[str, int]:
    """Host and port of a kubeconfig's server URL: parsed once, asked at every twin step."""
    parts = urlsplit(server)
    return parts.hostname or "", parts.port or 443


@functools.lru_cache(maxsize=256)
def _chain_ok(cert_pem: bytes, ca_pem: bytes | None) -> bool:
    """Signature checks are slow and depend only on the two PEMs: checked once per pair."""
    return ca_pem is None or pki.verify_chain(cert_pem, ca_pem)


def request_error(c: Container, err: str, verb: str, path: str) -> str:
    """client-go's error text: url.Error for transport failures, the Status message for 401."""
    if err == "Unauthorized":
        return err
    server = c.notes.get("api_server", "https://127.0.0.1:6443")
    return f'{verb} "{server}{path}?timeout=5s": {err}'


# --- the elector -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Elector:
    lease: str  # kube-controller-manager | kube-scheduler
    event_source: str  # the EventSource component of the LeaderElection events
    lost_source: str  # where the component logs "leaderelection lost"
    lost_message: str

    @property
    def desc(self) -> str:
        return f"{NAMESPACE}/{self.lease}"

    @property
    def path(self) -> str:
        return f"/apis/coordination.k8s.io/v1/namespaces/{NAMESPACE}/leases/{self.lease}"

    def start(self, c: Container, node: SimNode, at: float) -> None:
        ident = f"{node.name}_{uuid.UUID(hex=make_id('le', c.id)[:32], version=4)}"
        c.notes["le"] = {"id": ident, "start": at, "leading": False, "failing": None,
                         "logged": at - RETRY_PERIOD}
        _log(c, at, "I", "leaderelection.go:257", f"attempting to acquire leader lease "
                                                  f"{self.desc}...")

    def step(self, ctx: Context, c: Container) -> bool:
        """Advance this candidate to ctx.t; True when it has just become the leader."""
        st: dict[str, Any] | None = c.notes.get("le")
        if st is None or ctx.t < st["start"]:
            return False
        err = transport_error(ctx, c)
        lease = ctx.cluster.store.find("Lease", self.lease, NAMESPACE) if err is None else None
        refused = write_refused(ctx.cluster) if err is None else None
        if st["leading"]:
            if err is None and lease is None:
                err = f'leases.coordination.k8s.io "{self.lease}" not found'
            elif lease is not None and lease["spec"].get("holderIdentity") != st["id"]:
                err = "the lease is held by another candidate"
            elif refused is not None:
                self._renew_refused(ctx, c, st, refused)
                return False
            self._renew(ctx, c, st, lease, err)
            return False
        if err is not None:
            self._retrieve_failed(ctx, c, st, err)
            return False
        holder_until = self._expires(ctx.cluster, lease, ctx.t)
        if holder_until is not None and lease["spec"].get("holderIdentity") != st["id"] \
                and holder_until > ctx.t:
            c.notes["wake_at"] = holder_until
            return False
        if refused is not None:
            self._acquire_refused(c, st, lease, holder_until, ctx.t, refused)
            return False
        self._acquire(ctx, c, st, lease)
        return True

    # --- states --------------------------------------------------------------------------------

    def _acquire(self, ctx: Context, c: Container, st: dict[str, Any], lease: dict | None
                 ) -> None:
        t, store = ctx.t, ctx.cluster.store
        spec = {"holderIdentity": st["id"], "leaseDurationSeconds": int(LEASE_DURATION),
                "acquireTime": micro_time(t), "renewTime": micro_time(t),
                "leaseTransitions": 0}
        if lease is None:
            lease = store.create({"kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
                                  "metadata": {"name": self.lease, "namespace": NAMESPACE},
                                  "spec": spec}, t)
        else:
            old = lease.get("spec") or {}
            spec["leaseTransitions"] = int(old.get("leaseTransitions", 0)) + 1
            lease["spec"] = spec
            store.update(lease)
        st.update(leading=True, failing=None, since=t)
        c.notes.pop("wake_at", None)
        _log(c, t, "I", "leaderelection.go:271", f"successfully acquired lease {self.desc}")
        message = f"{st['id']} became leader"
        events.record(ctx.cluster, t, events.involved(lease), "Normal", "LeaderElection",
                      message, self.event_source)

    def _renew(self, ctx: Context, c: Container, st: dict[str, Any], lease: dict | None,
               err: str | None) -> None:
        t = ctx.t
        if err is None:
            if st["failing"] is not None:  # renewed within the deadline: the exit is off
                st["failing"] = None
                c.logs = [x for x in c.logs if x[0] <= t]
                c.exit_at = None
            if lease is not None:
                lease["spec"]["renewTime"] = micro_time(t)
                ctx.cluster.store.update(lease)
            return
        if st["failing"] is not None:
            return
        # The renew loop retries every RetryPeriod until RenewDeadline, then gives up.
        st["failing"] = t
        put = request_error(c, err, "Put", self.path)
        get = request_error(c, err, "Get", self.path)
        tries = int(RENEW_DEADLINE // RETRY_PERIOD)
        for i in range(tries):
            at = t + i * RETRY_PERIOD
            if i == 0:
                _log(c, at, "E", "leaderelection.go:429", f"Failed to update lock "
                                                          f"optimistically: {put}, falling back "
                                                          "to slow path")
            _log(c, at + 0.001, "E", "leaderelection.go:436",
                 f"error retrieving resource lock {self.desc}: {get}")
        end = t + RENEW_DEADLINE
        _log(c, end, "I", "leaderelection.go:297", f"failed to renew lease {self.desc}: "
                                                   "context deadline exceeded")
        _log(c, end + 0.0002, "E", self.lost_source, self.lost_message)
        c.exit_at, c.planned_exit_code, c.planned_reason = end + 0.001, 1, "Error"

    def _renew_refused(self, ctx: Context, c: Container, st: dict[str, Any], err: str
                       ) -> None:
        """The apiserver answers but etcd refuses the write (NOSPACE): each try of the renew
        loop fails the optimistic Update, reads the lease (that works) and fails the Update
        again, every RetryPeriod, until RenewDeadline; then the component exits."""
        if st["failing"] is not None:
            return
        t = st["failing"] = ctx.t
        tries = int(RENEW_DEADLINE // RETRY_PERIOD)
        for i in range(tries):
            at = t + i * RETRY_PERIOD
            _log(c, at, "E", "leaderelection.go:429", f"Failed to update lock optimistically: "
                                                      f"{err}, falling back to slow path")
            _log(c, at + 0.002, "E", "leaderelection.go:472", f"Failed to update lock: {err}")
        end = t + RENEW_DEADLINE
        _log(c, end, "I", "leaderelection.go:297", f"failed to renew lease {self.desc}: "
                                                   "context deadline exceeded")
        _log(c, end + 0.0002, "E", self.lost_source, self.lost_message)
        c.exit_at, c.planned_exit_code, c.planned_reason = end + 0.001, 1, "Error"

    def _acquire_refused(self, c: Container, st: dict[str, Any], lease: dict | None,
                         expired_at: float | None, now: float, err: str) -> None:
        """A candidate whose lease is free to take fails to write it: `error initially creating
        leader election record` without a lease, else `Failed to update lock`, each try (every
        RetryPeriod with jitter), written up to now when the twin steps."""
        msg = (f"error initially creating leader election record: {err}" if lease is None
               else f"Failed to update lock: {err}")
        source = "leaderelection.go:440" if lease is None else "leaderelection.go:472"
        at = max(st["logged"] + RETRY_PERIOD, now - 300.0, st["start"] + 0.003,
                 (expired_at or 0.0) + 0.003)
        added = False
        while at <= now:
            _log(c, at, "E", source, msg)
            st["logged"] = at
            jitter = int(make_id(c.id, round(at, 3))[:4], 16) / 65536 * 1.2 * RETRY_PERIOD
            at += RETRY_PERIOD + jitter
            added = True
        if added:
            c.logs.sort(key=lambda x: x[0])

    def _retrieve_failed(self, ctx: Context, c: Container, st: dict[str, Any], err: str
                         ) -> None:
        """A candidate that cannot reach its apiserver logs each failed try (JitterUntil,
        RetryPeriod with jitter 1.2); the lines are written up to now when the twin steps."""
        get = request_error(c, err, "Get", self.path)
        at = max(st["logged"] + RETRY_PERIOD, ctx.t - 300.0, st["start"] + 0.003)
        # Sorting the whole log after every step cost more than the rest of the component:
        # only lines written before the last one already there need it.
        added = bool(c.logs) and at < c.logs[-1][0]
        while at <= ctx.t:
            _log(c, at, "E", "leaderelection.go:436",
                 f"error retrieving resource lock {self.desc}: {get}")
            st["logged"] = at
            jitter = int(make_id(c.id, round(at, 3))[:4], 16) / 65536 * 1.2 * RETRY_PERIOD
            at += RETRY_PERIOD + jitter
        if added:
            c.logs.sort(key=lambda x: x[0])

    def _expires(self, cluster: SimCluster, lease: dict | None, t: float) -> float | None:
        """When the current holder's lease runs out (None: no lease). A holder that is running
        and reaching its apiserver renews all the time; one that stopped renewed last then."""
        if lease is None:
            return None
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        if not holder:
            return None
        renewed = parse_micro_time(spec.get("renewTime") or spec.get("acquireTime"))
        for n in cluster.nodes:
            for other in n.runtime.containers.values():
                ost = other.notes.get("le")
                if not ost or ost["id"] != holder:
                    continue
                if other.running() and n.powered and ost["leading"]:
                    failing = ost["failing"]
                    renewed = max(renewed, failing if failing is not None else t)
                elif other.finished is not None:
                    renewed = max(renewed, min(other.finished, t))
        return renewed + float(spec.get("leaseDurationSeconds") or LEASE_DURATION)


def write_refused(cluster: SimCluster) -> str | None:
    """etcd's answer to every write while its NOSPACE alarm is raised (applierV3Capped)."""
    alarms = (getattr(cluster, "etcd_state", None) or {}).get("alarms") or []
    if any(a.get("alarm") == "NOSPACE" for a in alarms):
        return "etcdserver: mvcc: database space exceeded"
    return None


def leads(node: SimNode, program: str, t: float) -> bool:
    """True when `program` runs on this powered node, is ready and holds its lease."""
    if not node.powered:
        return False
    c = node.running_container(program)
    if c is None or not c.ready(t):
        return False
    st = c.notes.get("le")
    return bool(st and st["leading"] and st["failing"] is None)


def leader_node(cluster: SimCluster, program: str, t: float) -> SimNode | None:
    return next((n for n in cluster.nodes if n.role == "control-plane" and leads(n, program, t)),
                None)


def kubeconfig_path(command: list[str]) -> str:
    return flag_values(command).get("kubeconfig", "")


def _log(c: Container, t: float, level: str, source: str, msg: str) -> None:
    c.logs.append((t, "stderr", klog(t, level, source, msg)))
