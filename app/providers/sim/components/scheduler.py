"""kube-scheduler as a static pod: it needs its kubeconfigs before it can schedule anything.

kube-scheduler runs through component-base `cli.Run`: an error found after logging is set up
(here: a kubeconfig that cannot be read) is logged once as `"command failed" err="..."` and
the process exits 1. clientcmd stats an explicit kubeconfig path first, so a missing file reads
`stat <path>: no such file or directory`. The `run.go:74` source is what kube-scheduler of the
1.29–1.33 line prints (shared/reference/real-output.md §12); the line number moves between
releases.

Whether pods get scheduled is decided in `app.providers.sim.scheduling`, which asks
`scheduler_healthy` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from app.providers.sim import versions, yamlcache
from app.providers.sim.components.base import Context, flag_values, klog
from app.providers.sim.components.leader import Elector, leads, load_client
from app.providers.sim.runtime import Container

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

KUBECONFIG_FLAGS = ("authentication-kubeconfig", "authorization-kubeconfig", "kubeconfig")


def kubeconfig_error(node: SimNode, path: str) -> str | None:
    """Why clientcmd cannot load `path` on `node` (its wording), or None."""
    vfs = node.vfs
    if not vfs.exists(path):
        return f"stat {path}: no such file or directory"
    if not vfs.is_file(path):
        return f"read {path}: is a directory"
    try:
        doc = yamlcache.peek(vfs.read(path))  # read only: no copy
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0]
        return f"error loading config file \"{path}\": yaml: {first}"
    if not isinstance(doc, dict) or not doc.get("clusters"):
        return "invalid configuration: no configuration has been provided, try setting " \
               "KUBERNETES_MASTER environment variable"
    return None


def startup_error(node: SimNode, command: list[str]) -> str | None:
    flags = flag_values(command)
    # Options.Config applies the delegated authn/authz options, then builds the client.
    for name in KUBECONFIG_FLAGS:
        path = flags.get(name)
        if path:
            err = kubeconfig_error(node, path)
            if err is not None:
                return err
    if not flags.get("kubeconfig") and not flags.get("master") and not flags.get("config"):
        # client-go falls back to the in-cluster config; a static pod has no token (inferred).
        return IN_CLUSTER_ERROR
    return None


# The scheduler's leader-election events come from its profile's recorder; "Leaderelection
# lost" is server.go's (line number seen in a 2025 kind cluster's log, 1.33 unconfirmed).
ELECTOR = Elector(lease="kube-scheduler", event_source="default-scheduler",
                  lost_source="server.go:337", lost_message='"Leaderelection lost"')

IN_CLUSTER_ERROR = "open /var/run/secrets/kubernetes.io/serviceaccount/token: no such file " \
                   "or directory"


def failed_at_start(ctx: Context, c: Container) -> bool:
    """Scheduler and controller-manager share the options code that builds their client: a
    bad kubeconfig logs the same lines and exits 1 before anything else starts."""
    err = startup_error(ctx.node, c.command)
    if err is None:
        return False
    t = ctx.t
    if err == IN_CLUSTER_ERROR:
        c.logs.append((t + 0.2, "stderr", klog(
            t + 0.2, "W", "client_config.go:667", "Neither --kubeconfig nor --master "
            "was specified.  Using the inClusterConfig.  This might not work.")))
    c.logs.append((t + 0.3, "stderr", klog(t + 0.3, "E", "run.go:74",
                                           f'"command failed" err="{err}"')))
    c.exit_at, c.planned_exit_code = t + 0.35, 1
    return True


class KubeScheduler:
    def launch(self, ctx: Context, c: Container) -> None:
        t = ctx.t
        if failed_at_start(ctx, c):
            return
        lines = [
            ("serving.go:386", "Generated self-signed cert in-memory"),
            ("server.go:166", f'"Starting Kubernetes Scheduler" version="{versions.KUBERNETES}"'),
            ("secure_serving.go:211", "Serving securely on 127.0.0.1:10259"),
        ]
        for i, (src, msg) in enumerate(lines):
            ts = t + 0.5 + i * 0.4
            c.logs.append((ts, "stderr", klog(ts, "I", src, msg)))
        c.ready_at = t + 2.5
        load_client(ctx.node, c, flag_values(c.command).get("kubeconfig", ""))
        ELECTOR.start(c, ctx.node, t + 1.7)

    def reconcile(self, ctx: Context, c: Container) -> None:
        ELECTOR.step(ctx, c)


def scheduler_healthy(node: SimNode, t: float) -> bool:
    """Running, ready and holding the kube-system/kube-scheduler lease: only the leader binds."""
    return leads(node, "kube-scheduler", t)
