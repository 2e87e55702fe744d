"""kube-controller-manager as a static pod: kubeconfigs, its API client, leader election.

It starts like kube-scheduler (component-base `cli.Run`): a kubeconfig named by
--kubeconfig / --authentication-kubeconfig / --authorization-kubeconfig that cannot be loaded
is logged once as `"command failed" err="..."` and the process exits 1. Started, it serves
/healthz on 127.0.0.1:10257 and campaigns for the `kube-system/kube-controller-manager` Lease
(`leader.py`); only the leader runs the controllers, so the twin's controller loop
(`controllers.py`: Deployment -> ReplicaSet -> Pods, rollouts, endpoints, node lifecycle) runs
only while some controller-manager leads. One that cannot reach the apiserver its kubeconfig
names (or is refused with 401 for an expired client certificate) keeps retrying and logging
`error retrieving resource lock`; a leader that cannot renew for 10 s logs `"leaderelection
lost"` and exits 1.

Log lines from real kube-controller-manager logs (v1.32.13 and v1.34.5 kubeadm-style
clusters, tests/fidelity/samples/SOURCES.md): `serving.go:386`, `controllermanager.go:185`
`"Starting" version=...`, `dynamic_cafile_content.go:161`, `secure_serving.go:211`,
`tlsconfig.go:243`, `event.go:389` `"Event occurred"`, `controllermanager.go:765` `"Started
controller"`; `controllermanager.go:361] "leaderelection lost"` from a 1.32-based cluster.
Line numbers move between releases; 1.33's are not confirmed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.sim import versions
from app.providers.sim.components.base import Context, flag_values, klog
from app.providers.sim.components.leader import Elector, leader_node, load_client
from app.providers.sim.components.scheduler import failed_at_start
from app.providers.sim.runtime import Container

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

ELECTOR = Elector(lease="kube-controller-manager", event_source="kube-controller-manager",
                  lost_source="controllermanager.go:361", lost_message='"leaderelection lost"')

# What the leader logs as it starts its controllers (a few of the ~40, in its order).
_STARTED = ("serviceaccount-token-controller", "endpointslice-controller",
            "replicaset-controller", "deployment-controller", "node-lifecycle-controller",
            "cronjob-controller", "job-controller", "garbage-collector-controller")


class KubeControllerManager:
    def launch(self, ctx: Context, c: Container) -> None:
        t = ctx.t
        if failed_at_start(ctx, c):
            return
        flags = flag_values(c.command)
        load_client(ctx.node, c, flags.get("kubeconfig", ""))
        bind = flags.get("bind-address", "0.0.0.0")
        port = flags.get("secure-port", "10257")
        served = f"[::]:{port}" if bind in ("0.0.0.0", "::") else f"{bind}:{port}"
        lines = [
            ("serving.go:386", "Generated self-signed cert in-memory"),
            ("controllermanager.go:185", f'"Starting" version="{versions.KUBERNETES}"'),
            ("controllermanager.go:187", '"Golang settings" GOGC="" GOMAXPROCS="" '
                                         'GOTRACEBACK=""'),
        ]
        if flags.get("requestheader-client-ca-file"):
            lines.append(("dynamic_cafile_content.go:161", '"Starting controller" name="request-'
                          f'header::{flags["requestheader-client-ca-file"]}"'))
        if flags.get("client-ca-file"):
            lines.append(("dynamic_cafile_content.go:161", '"Starting controller" '
                          f'name="client-ca-bundle::{flags["client-ca-file"]}"'))
        lines += [("secure_serving.go:211", f"Serving securely on {served}"),
                  ("tlsconfig.go:243", '"Starting DynamicServingCertificateController"')]
        at = t + 0.4
        for src, msg in lines:
            c.logs.append((at, "stderr", klog(at, "I", src, msg)))
            at += 0.0003
        # /healthz answers from here on (the probes allow 10 s and more); the elector starts
        # at the same instant, so the twin steps there and it campaigns at once.
        c.ready_at = at
        if flags.get("leader-elect", "true") == "false":
            c.notes["le"] = {"id": ctx.node.name, "start": at, "leading": True,
                             "failing": None, "logged": at, "since": at}
            return
        ELECTOR.start(c, ctx.node, at)

    def reconcile(self, ctx: Context, c: Container) -> None:
        if ELECTOR.step(ctx, c):
            self._started_leading(ctx, c)

    def _started_leading(self, ctx: Context, c: Container) -> None:
        t = ctx.t + 0.0002
        ident = c.notes["le"]["id"]
        c.logs.append((t, "stderr", klog(t, "I", "event.go:389", (
            '"Event occurred" object="kube-system/kube-controller-manager" fieldPath="" '
            'kind="Lease" apiVersion="coordination.k8s.io/v1" type="Normal" '
            f'reason="LeaderElection" message="{ident} became leader"'))))
        for i, name in enumerate(_STARTED):
            at = t + 0.002 + i * 0.004
            c.logs.append((at, "stderr", klog(at, "I", "controllermanager.go:765",
                                              f'"Started controller" controller="{name}"')))
            if i == 0:
                c.logs.append((at + 0.0005, "stderr", klog(
                    at + 0.0005, "I", "shared_informer.go:313",
                    "Waiting for caches to sync for tokens")))


def leading(cluster: SimCluster, t: float) -> bool:
    """Whether the controllers run now: some controller-manager holds the lease."""
    return leader_node(cluster, "kube-controller-manager", t) is not None
