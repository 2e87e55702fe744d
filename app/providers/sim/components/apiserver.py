"""kube-apiserver: serves only while it can reach etcd over the URLs in --etcd-servers."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.providers.sim import certreload, encryption, tls, versions
from app.providers.sim import etcd_cluster as ec
from app.providers.sim.components.base import Context, flag_values, klog
from app.providers.sim.components.etcd import log_rejected, reject_client
from app.providers.sim.runtime import Container, make_id

# The apiserver's etcd client gives up creating its storage after this long at start-up.
STORAGE_TIMEOUT = 20.0
# livenessProbe in kube-apiserver.yaml: failureThreshold 8 x periodSeconds 10.
LIVENESS_KILL_AFTER = 80.0


def _etcd_error(ctx: Context, c: Container, log_at: float | None = None) -> str | None:
    """None when an etcd member accepts the connection, else grpc's `desc` of the failure.

    The client certificate is the one loaded at start (--etcd-certfile); when etcd rejects it
    and `log_at` is given, etcd logs the rejected handshake at that time.
    """
    flags = flag_values(c.command)
    errors = []
    for url in flags.get("etcd-servers", "").split(","):
        err = ctx.cluster.etcd_reachable(ctx.node, url.strip(), ctx.t)
        if err is not None:
            errors.append(f"transport: Error while dialing: {err}")
            continue
        rejected = _etcd_rejects(ctx, c, url.strip(), log_at)
        if rejected is None:
            return None
        errors.append(f"error reading server preface: {rejected}")
    return errors[0] if errors else "no etcd servers configured"


def _etcd_rejects(ctx: Context, c: Container, url: str, log_at: float | None) -> str | None:
    host = urlsplit(url).hostname or ""
    target = ctx.cluster.node_by_host(host, ctx.node)
    etcd = target.running_container("etcd") if target is not None else None
    if target is None or etcd is None:
        return None
    result = reject_client(target, etcd, tls.loaded(c.notes, "etcd_client_cert"),
                           ctx.t if log_at is None else log_at)
    if result is None:
        return None
    alert, server_err = result
    if log_at is not None:
        port = 32768 + int(make_id(c.id, log_at)[:4], 16) % 28000
        src = "127.0.0.1" if host in ("127.0.0.1", "localhost") else ctx.node.ip
        log_rejected(etcd, log_at, f"{src}:{port}", server_err)
    return alert


def _dial_warning(t: float, url: str, desc: str) -> str:
    addr = url.split("://", 1)[-1]
    return klog(t, "W", "logging.go:55",
                f'[core] [Channel #1 SubChannel #2]grpc: addrConn.createTransport failed to '
                f'connect to {{Addr: "{addr}", ServerName: "{addr}", }}. Err: connection error: '
                f'desc = "{desc}"')


class KubeApiserver:
    def launch(self, ctx: Context, c: Container) -> None:
        t = ctx.t
        flags = flag_values(c.command)
        ip = flags.get("advertise-address", ctx.node.ip)
        c.logs.append((t, "stderr", klog(t, "I", "options.go:238",
                                         f"external host was not specified, using {ip}")))
        c.logs.append((t + 0.01, "stderr", klog(t + 0.01, "I", "server.go:159",
                                                f'Version: {versions.KUBERNETES}')))
        # Read at start; the serving pair is re-read on change too (certreload.reload_serving).
        for note, flag in (("serving_cert", "tls-cert-file"),
                           ("etcd_client_cert", "etcd-certfile")):
            if flag in flags:
                tls.load_into(c.notes, note, ctx.node, flags[flag])
        if not encryption.start(ctx, c):
            return
        err = _etcd_error(ctx, c, log_at=t)
        if err is not None:
            self._wait_for_etcd(ctx, c, err)
            return
        self._serve(ctx, c)

    def _wait_for_etcd(self, ctx: Context, c: Container, err: str) -> None:
        """Retry etcd until the storage timeout; the log lines are written as time passes."""
        t = ctx.t
        etcd_url = flag_values(c.command).get("etcd-servers", "https://127.0.0.1:2379")
        etcd_url = etcd_url.split(",")[0]
        c.notes["waiting_since"] = t
        for i in range(1, int(STORAGE_TIMEOUT), 4):
            if "preface" in err:  # each retry is a new handshake etcd rejects and logs
                _etcd_error(Context(ctx.cluster, ctx.node, t + i), c, log_at=t + i)
            c.logs.append((t + i, "stderr", _dial_warning(t + i, etcd_url, err)))
        end = t + STORAGE_TIMEOUT
        c.logs.append((end, "stderr", klog(end, "F", "instance.go:226",
                                           "Error creating leases: error creating storage "
                                           "factory: context deadline exceeded")))
        c.exit_at, c.planned_exit_code = end, 1

    def _serve(self, ctx: Context, c: Container) -> None:
        t = ctx.t
        encryption.activate(ctx.cluster, c.notes.get("encryption", encryption.IDENTITY))
        for i, (src, msg) in enumerate([
            ("shared_informer.go:313", 'Waiting for caches to sync for node_authorizer'),
            ("plugins.go:157", "Loaded 13 mutating admission controller(s) successfully in the "
                               "following order: NamespaceLifecycle,LimitRanger,ServiceAccount,"
                               "NodeRestriction,TaintNodesByCondition,Priority,DefaultToleration"
                               "Seconds,DefaultStorageClass,StorageObjectInUseProtection,Runtime"
                               "Class,DefaultIngressClass,MutatingAdmissionPolicy,Mutating"
                               "AdmissionWebhook."),
            ("secure_serving.go:211", "Serving securely on [::]:6443"),
            ("controller.go:667",
             "quota admission added evaluator for: leases.coordination.k8s.io"),
        ]):
            ts = t + 1 + i * 0.5
            c.logs.append((ts, "stderr", klog(ts, "I", src, msg)))
        c.ready_at = t + 3.0

    def reconcile(self, ctx: Context, c: Container) -> None:
        certreload.reload_serving(ctx.node, c)  # a renewed --tls-cert-file is served at once
        certreload.reload_etcd_client(ctx.node, c)  # and etcd's next handshake reads its pair
        err = _etcd_error(ctx, c)
        if err is None and "waiting_since" not in c.notes and not ec.has_quorum(ctx.cluster):
            self._no_quorum(ctx, c)
            return
        if err is None:
            self._slow_etcd(ctx, c)
        if "no_quorum" in c.notes and err is None:
            del c.notes["no_quorum"]
            c.notes.pop("etcd_lost", None)
            c.exit_at = None
            c.ready_at = ctx.t
            return
        if "waiting_since" in c.notes:
            if err is None:
                # etcd answered before the storage timeout: drop the lines not yet written.
                del c.notes["waiting_since"]
                c.logs = [x for x in c.logs if x[0] <= ctx.t]
                c.exit_at = None
                self._serve(ctx, c)
            return
        if err is None:
            if "etcd_lost" in c.notes:
                del c.notes["etcd_lost"]
                c.exit_at = None
                if c.ready_at is None:
                    c.ready_at = ctx.t
            return
        if "etcd_lost" not in c.notes:
            c.notes["etcd_lost"] = ctx.t
            url = flag_values(c.command).get("etcd-servers", "").split(",")[0]
            c.logs.append((ctx.t, "stderr", _dial_warning(ctx.t, url, err)))
            # /livez reports etcd failed; the kubelet kills it after the liveness threshold.
            c.exit_at, c.planned_exit_code, c.planned_reason = (
                ctx.t + LIVENESS_KILL_AFTER, 0, "Completed")
            c.notes["killed_by"] = "liveness"
        c.ready_at = None

    def _no_quorum(self, ctx: Context, c: Container) -> None:
        """etcd answers but cannot commit: every request times out inside etcd, /readyz and
        /livez fail on their etcd check, and the kubelet kills it after the liveness threshold."""
        c.ready_at = None
        if "no_quorum" in c.notes:
            return
        t = c.notes["no_quorum"] = c.notes["etcd_lost"] = ctx.t
        for i in range(0, int(LIVENESS_KILL_AFTER), 7):
            ts = t + 7 + i
            c.logs.append((ts, "stderr", klog(ts, "E", "status.go:71",
                                              '"Unhandled Error" err="apiserver received an error '
                                              'that is not an metav1.Status: rpctypes.EtcdError{'
                                              'code:0xe, desc:\\"etcdserver: request timed out'
                                              '\\"}: etcdserver: request timed out"')))
        c.exit_at, c.planned_exit_code, c.planned_reason = (
            t + LIVENESS_KILL_AFTER, 0, "Completed")
        c.notes["killed_by"] = "liveness"

    def _slow_etcd(self, ctx: Context, c: Container, horizon: float = 900.0) -> None:
        """A local etcd on a slow disk: some requests outlive etcd's request timeout."""
        ms = ec.disk_ms(ctx.node)
        slow = ms >= ec.SLOW_MS and ctx.node.running_container("etcd") is not None
        if not slow:
            if "slow_etcd" in c.notes:
                del c.notes["slow_etcd"]
                c.logs = [x for x in c.logs if x[0] <= ctx.t]
            return
        if c.notes.get("slow_etcd") == ms:
            if ctx.t < c.notes.get("slow_etcd_until", 0) - 120:
                return
            t = c.notes["slow_etcd_until"]  # still slow: keep the errors coming
        else:
            c.notes["slow_etcd"] = ms
            c.logs = [x for x in c.logs if x[0] <= ctx.t]
            t = ctx.t + 9
        c.notes["slow_etcd_until"] = ctx.t + horizon
        i = int(t) % 7
        while t < ctx.t + horizon:
            c.logs.append((t, "stderr", klog(t, "E", "status.go:71",
                                             '"Unhandled Error" err="apiserver received an error '
                                             'that is not an metav1.Status: rpctypes.EtcdError{'
                                             'code:0xe, desc:\\"etcdserver: request timed out'
                                             '\\"}: etcdserver: request timed out"')))
            t += 23 + (i * 17) % 40
            i += 1
