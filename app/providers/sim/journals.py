"""What a starting kubelet and containerd write to the journal on a kind node.

Without these a healthy node's `journalctl -u kubelet` held one systemd line and
`journalctl -u containerd` nothing, which no real node shows.

Sources (wording verbatim, values the twin's):
- kubelet: a kubeadm node's `journalctl -u kubelet` after a start, Kubernetes v1.31.9 with
  containerd 1.7 (public notes; tests/fidelity/samples/SOURCES.md). The `file.go:line]` parts are
  v1.31's; v1.33's line numbers could not be checked here. Lines that depend on what kind
  configures differently are left out or follow kind: the cgroup root is `/kubelet`
  (no "--cgroups-per-qos enabled, but --cgroup-root was not specified" line), and containerd
  2.x answers RuntimeConfig, so the kubelet takes the cgroup driver from the CRI (the line a
  v1.35 kubelet on containerd 2 prints) instead of logging the v1.31 fallback.
- containerd: a containerd v2.2.1 start (public dind log): logrus text lines, `loading plugin`
  with `id=`/`type=`, the v2 config migration warning (kind's config.toml says `version = 2`),
  the `serving...` sockets (not the debug one: kind sets no debug address) and
  `containerd successfully booted in`. Plugins that only
  v2.2 has (erofs, mount manager) are left out for v2.1.1.
"""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING

from app.providers.sim import versions
from app.providers.sim.clock import rfc3339nano
from app.providers.sim.components.base import klog

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

# `containerd --version` of v2.1.1 (tests/fidelity/samples/containerd-version-2.1.1.txt)
CONTAINERD_REVISION = "cb1076646aa3740577fafbf3d914198b7fe8e3f7"
DEPRECATED_CONFIG = ("This parameter should be set via the config file specified by the "
                     "Kubelet's --config flag. See https://kubernetes.io/docs/tasks/administer-"
                     "cluster/kubelet-config-file/ for more information.")

_PLUGINS: list[tuple[str, str | None]] = [
    ("io.containerd.content.v1.content", None),
    ("io.containerd.image-verifier.v1.bindir", None),
    ("io.containerd.internal.v1.opt", None),
    ("io.containerd.warning.v1.deprecations", None),
    ("io.containerd.snapshotter.v1.blockfile", "no scratch file generator: skip plugin"),
    ("io.containerd.snapshotter.v1.btrfs",
     "path /var/lib/containerd/io.containerd.snapshotter.v1.btrfs (overlay) must be a btrfs "
     "filesystem to be used with the btrfs snapshotter: skip plugin"),
    ("io.containerd.snapshotter.v1.devmapper", "devmapper not configured: skip plugin"),
    ("io.containerd.snapshotter.v1.native", None),
    ("io.containerd.snapshotter.v1.overlayfs", None),
    ("io.containerd.snapshotter.v1.zfs",
     "lstat /var/lib/containerd/io.containerd.snapshotter.v1.zfs: no such file or directory: "
     "skip plugin"),
    ("io.containerd.event.v1.exchange", None),
    ("io.containerd.monitor.task.v1.cgroups", None),
    ("io.containerd.metadata.v1.bolt", None),
    ("", "metadata content store policy set\" policy=shared"),
    ("io.containerd.gc.v1.scheduler", None),
    ("io.containerd.nri.v1.nri", None),
    ("", "runtime interface created\""),
    ("", "created NRI interface\""),
    ("io.containerd.differ.v1.walking", None),
    ("io.containerd.lease.v1.manager", None),
] + [(f"io.containerd.service.v1.{s}-service", None) for s in (
    "containers", "content", "diff", "images", "introspection", "namespaces", "snapshots")] + [
    ("io.containerd.shim.v1.manager", None),
    ("io.containerd.runtime.v2.task", None),
    ("io.containerd.service.v1.tasks-service", None),
] + [(f"io.containerd.grpc.v1.{s}", None) for s in (
    "containers", "content", "diff", "events", "images", "introspection", "leases",
    "namespaces")] + [
    ("io.containerd.sandbox.store.v1.local", None),
    ("io.containerd.transfer.v1.local", None),
    ("io.containerd.cri.v1.images", None),
    ("", "Get image filesystem path \\\"/var/lib/containerd/io.containerd.snapshotter.v1."
         "overlayfs\\\" for snapshotter \\\"overlayfs\\\"\""),
    ("", "Start snapshots syncer\""),
    ("io.containerd.cri.v1.runtime", None),
    ("io.containerd.podsandbox.controller.v1.podsandbox", None),
    ("io.containerd.sandbox.controller.v1.shim", None),
] + [(f"io.containerd.grpc.v1.{s}", None) for s in (
    "sandbox-controllers", "sandboxes", "snapshots")] + [
    ("io.containerd.streaming.v1.manager", None),
] + [(f"io.containerd.grpc.v1.{s}", None) for s in ("streaming", "tasks", "transfer",
                                                    "version")] + [
    ("io.containerd.monitor.container.v1.restart", None),
    ("io.containerd.tracing.processor.v1.otlp", "skip plugin: tracing endpoint not configured"),
    ("io.containerd.internal.v1.tracing", "skip plugin: tracing endpoint not configured"),
    ("io.containerd.ttrpc.v1.otelttrpc", None),
    ("io.containerd.grpc.v1.healthcheck", None),
]


def _plugin_type(plugin_id: str) -> str:
    return plugin_id.rsplit(".", 1)[0]


@functools.lru_cache(maxsize=256)
def containerd_lines(t: float) -> tuple[tuple[float, str], ...]:
    """(time, message) of containerd's start, spread over the ~40 ms it takes (every node of
    a twin starts at the same instant: cached)."""
    out: list[tuple[float, str]] = []
    step = 0.0007

    def line(msg: str, level: str = "info") -> None:
        n = len(out)
        at = t + n * step + int(hashlib.sha1(f"{t}/{n}".encode()).hexdigest()[:4], 16) % 500 / 1e6
        out.append((at, f'time="{_nanos(at, n)}" level={level} msg={msg}'))

    line(f'"starting containerd" revision={CONTAINERD_REVISION} '
         f"version=v{versions.CONTAINERD}")
    line('"Configuration migrated from version 2, use `containerd config migrate` to avoid '
         'migration" t="4.536µs"', "warning")
    for plugin_id, extra in _PLUGINS:
        if not plugin_id:
            line(f'"{extra}')
            continue
        kind = _plugin_type(plugin_id)
        line(f'"loading plugin" id={plugin_id} type={kind}')
        if extra:
            line(f'"skip loading plugin" error="{extra}" id={plugin_id} type={kind}')
    # no containerd-debug.sock: kind's config.toml sets no [debug] address (containerd_run.py)
    for sock in ("containerd.sock.ttrpc", "containerd.sock"):
        line(f"serving... address=/run/containerd/{sock}")
    line(f'"containerd successfully booted in {len(out) * step + 0.0021:.6f}s"')
    return tuple(out)


def _nanos(at: float, n: int) -> str:
    """RFC3339Nano with all nine digits, as logrus prints a real clock (the twin's keeps
    microseconds; the last three digits are a stable filler)."""
    micros = round(at * 1e6)
    filler = int(hashlib.sha1(f"{micros}/{n}".encode()).hexdigest()[:4], 16) % 1000
    return rfc3339nano(micros // 1_000_000).removesuffix("Z") + \
        f".{micros % 1_000_000:06d}{filler:03d}Z"


def _micro(name: str, t: float, n: int) -> float:
    """A stable sub-millisecond spread, so two nodes' lines do not share their microseconds."""
    h = int(hashlib.sha1(f"{name}/{t}/{n}".encode()).hexdigest()[:6], 16)
    return (h % 900) / 1e6


def kubelet_lines(node: SimNode, t: float) -> tuple[tuple[float, str], ...]:
    """(time, message) of a kubelet start up to the point it serves and syncs pods."""
    return _kubelet_lines(node.name, node.kubelet_pid, t)


@functools.lru_cache(maxsize=256)
def _kubelet_lines(name: str, pid: int, t: float) -> tuple[tuple[float, str], ...]:
    out: list[tuple[float, str]] = [
        (t, f"Flag --container-runtime-endpoint has been deprecated, {DEPRECATED_CONFIG}"),
        (t, "Flag --pod-infra-container-image has been deprecated, will be removed in a "
            "future release. Image garbage collector will get sandbox image information "
            "from CRI."),
    ]
    entries = [
        ("server.go:211", '"--pod-infra-container-image will not be pruned by the image garbage '
                          'collector in kubelet and should also be set in the remote runtime"'),
        ("server.go:491", f'"Kubelet version" kubeletVersion="{versions.KUBERNETES}"'),
        ("server.go:493", '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""'),
        ("server.go:934", '"Client rotation is on, will bootstrap in background"'),
        ("certificate_store.go:130", 'Loading cert/key pair from '
                                     '"/var/lib/kubelet/pki/kubelet-client-current.pem".'),
        ("dynamic_cafile_content.go:160",
         '"Starting controller" name="client-ca-bundle::/etc/kubernetes/pki/ca.crt"'),
        ("server.go:1414", '"Using cgroup driver setting received from the CRI runtime" '
                           'cgroupDriver="systemd"'),
        ("container_manager_linux.go:264",
         '"Container manager verified user specified cgroup-root exists" cgroupRoot=["kubelet"]'),
        ("topology_manager.go:138", '"Creating topology manager with none policy"'),
        ("container_manager_linux.go:300", '"Creating device plugin manager"'),
        ("state_mem.go:36", '"Initialized new in-memory state store"'),
        ("kubelet.go:408", '"Attempting to sync node with API server"'),
        ("kubelet.go:303", '"Adding static pod path" path="/etc/kubernetes/manifests"'),
        ("kubelet.go:314", '"Adding apiserver pod source"'),
        ("apiserver.go:42", '"Waiting for node sync before watching apiserver pods"'),
        ("kuberuntime_manager.go:262", f'"Container runtime initialized" containerRuntime='
                                       f'"containerd" version="{versions.CONTAINERD}" '
                                       'apiVersion="v1"'),
        ("server.go:1274", '"Started kubelet"'),
        ("ratelimit.go:55", '"Setting rate limiting for endpoint" service="podresources" '
                            "qps=100 burstTokens=10"),
        ("server.go:236", '"Starting to serve the podresources API" '
                          'endpoint="unix:/var/lib/kubelet/pod-resources/kubelet.sock"'),
        ("server.go:163", '"Starting to listen" address="0.0.0.0" port=10250'),
        ("fs_resource_analyzer.go:67", '"Starting FS ResourceAnalyzer"'),
        ("server.go:449", '"Adding debug handlers to kubelet server"'),
        ("dynamic_serving_content.go:135",
         '"Starting controller" name="kubelet-server-cert-files::/var/lib/kubelet/pki/'
         'kubelet.crt::/var/lib/kubelet/pki/kubelet.key"'),
        ("volume_manager.go:289", '"Starting Kubelet Volume Manager"'),
        ("desired_state_of_world_populator.go:147", '"Desired state populator starts to run"'),
    ]
    for i, (source, msg) in enumerate(entries):
        at = t + 0.004 + i * 0.0011 + _micro(name, t, i)
        out.append((at, klog(at, "I", source, msg, pid=pid)))
    return tuple(out)


def boot(node: SimNode, containerd_at: float, kubelet_at: float) -> None:
    """The journal of a node `kind create cluster` just brought up: containerd started by
    systemd at boot; the kubelet skipped until kubeadm wrote its config (kubeadm then starts
    it: the caller writes systemd's line and `kubelet_started`)."""
    cpid = 101  # proctable: containerd started with the node keeps PID 101
    desc = "containerd container runtime"
    node.journal_line(containerd_at - 0.05, "containerd",
                      f"Starting containerd.service - {desc}...", pid=1)
    lines = containerd_lines(containerd_at - 0.045)
    for at, msg in lines:
        node.journal_line(at, "containerd", msg, pid=cpid)
    node.journal_line(lines[-1][0] + 0.001, "containerd",
                      f"Started containerd.service - {desc}.", pid=1)
    node.journal_line(containerd_at + 0.4, "kubelet",
                      "kubelet.service - kubelet: The Kubernetes Node Agent was skipped because "
                      "of an unmet condition check (ConditionPathExists=/var/lib/kubelet/"
                      "config.yaml).", pid=1)


def kubelet_started(node: SimNode, t: float) -> None:
    # Entries are stamped with the start itself (their text keeps the milliseconds after it):
    # lines stamped later would stay hidden until the twin's clock passed them.
    for _, msg in kubelet_lines(node, t + 0.02):
        node.journal_line(t, "kubelet", msg)


def containerd_pid(node: SimNode, since: float) -> int:
    """The PID `ps` shows for containerd (app/providers/sim/shell/proctable.py)."""
    from app.providers.sim.shell.proctable import _hash_int

    return 101 if since - node.booted < 30 else 300 + _hash_int("containerd", since) % 9000


def unit_started(node: SimNode, unit: str, t: float) -> None:
    """After systemd's `Started` line: what the program itself logs as it comes up."""
    if unit == "kubelet":
        kubelet_started(node, t)
    elif unit == "containerd":
        for _, msg in containerd_lines(t + 0.001):
            node.journal_line(t, "containerd", msg, pid=containerd_pid(node, t))
