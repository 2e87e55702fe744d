"""The twin: nodes, their kubelets and runtimes, the API store, one clock.

Nothing runs between requests: every question first advances the twin to "now", processing
container exits and back-off expiries in time order, so the answer is what a real cluster
would show at that moment.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit

from app.providers.base import Check, ExecResult, ProbeResult, ProviderError
from app.providers.sim import (
    apistatus,
    bootstrap,
    controllers,
    journals,
    kubelet_api_down,
    kubelet_node_gone,
    nodefiles,
    versions,
)
from app.providers.sim.clock import Clock
from app.providers.sim.components.etcd import client_endpoints
from app.providers.sim.components.etcd_flags import FlagError
from app.providers.sim.components.registry import program_of
from app.providers.sim.kubelet import Kubelet
from app.providers.sim.nodefiles import NodeSpec
from app.providers.sim.runtime import Container, Runtime
from app.providers.sim.store import Store
from app.providers.sim.vfs import VFS, Inode, build_template

MAX_STEPS = 20_000


def plan_nodes(cluster: str, control_planes: int, workers: int) -> list[NodeSpec]:
    """kind's names (`namer.go`: suffix empty for the first, then 2, 3...) and docker's IPs."""
    specs = []
    ip = 2
    for role, count in (("control-plane", control_planes), ("worker", workers)):
        for i in range(count):
            suffix = "" if i == 0 else str(i + 1)
            specs.append(NodeSpec(f"{cluster}-{role}{suffix}", role, f"172.18.0.{ip}"))
            ip += 1
    return specs


class SimNode:
    def __init__(self, cluster: SimCluster, spec: NodeSpec, vfs: VFS) -> None:
        self.cluster = cluster
        self.name = spec.name
        self.role = spec.role
        self.ip = spec.ip
        self.spec = spec
        self.vfs = vfs
        self.runtime = Runtime()
        self.kubelet = Kubelet(self)
        self.journal: list[tuple[float, str, int, str]] = []  # (t, unit, pid, message)
        self.services: dict[str, dict[str, Any]] = {
            "kubelet": {"active": True, "enabled": True, "since": 0.0},
            "containerd": {"active": True, "enabled": True, "since": 0.0},
        }
        self.powered = True
        self.booted = 0.0
        self.kubelet_pid = 231
        self.disk_latency_ms: dict[str, float] = {}
        self.mount_logs()

    def mount_logs(self) -> None:
        """/var/log/pods and /var/log/containers, generated from this node's runtime, and the
        host's /proc files (procfiles.py)."""
        from app.providers.sim import containerd_run, kindnet_cni, podlogs, procfiles

        def key() -> tuple:
            rt = self.runtime
            return (self.cluster.t, id(rt), len(rt.sandboxes), len(rt.containers),
                    sum(len(c.logs) for c in rt.containers.values()), self.powered,
                    self.kubelet_pid, tuple(s["active"] for s in self.services.values()))

        # one builder per tree: a crictl that looks for containerd's socket builds no /proc
        builders = {}
        for mod in (podlogs, procfiles, containerd_run, kindnet_cni):
            build = (lambda m: lambda: m.tree(self))(mod)
            builders.update(dict.fromkeys(mod.MOUNTS, build))
        self.vfs.mount(tuple(builders), builders, key)

    # --- the Node protocol -----------------------------------------------------------------

    # Node operations act at the twin's current time and do not advance it: provisioning
    # injects faults in the past ("the incident started 4 minutes ago"), then syncs to now.

    def read_file(self, path: str) -> bytes:
        return self.vfs.read(path)

    def write_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        self.vfs.now = self.cluster.t
        parent = posixpath.dirname(path)
        if not self.vfs.exists(parent):
            self.vfs.mkdir(parent, parents=True)
        self.vfs.write(path, data, mode)
        self.cluster.settle()

    def exec(self, command: str, timeout: float = 30) -> ExecResult:
        # Unlike the trainee's terminal, a fault's command runs at the twin's current time.
        from app.providers.sim.shell.session import ShellSession
        from app.providers.sim.terminal import TwinHost

        out = ShellSession(TwinHost(self.cluster), self.name).run(command)
        self.cluster.settle()
        return ExecResult(output=out.merged, exit_code=out.exit_code)

    def service(self, name: str, action: str) -> None:
        self.cluster.service_action(self, name, action)
        self.cluster.settle()

    def set_disk_latency(self, device: str, ms: float) -> None:
        self.disk_latency_ms[device] = ms
        self.cluster.settle()  # etcd feels it on its next fsync

    def power_off(self) -> None:
        self.powered = False
        for c in self.runtime.containers.values():
            if c.running():
                c.stop(self.cluster.t, 137, "Error")
        self.cluster.settle()  # its peers notice at once

    def reboot(self) -> None:
        """`reboot` (kind: `docker restart`): every container ends, then systemd starts only
        the enabled units; an enabled kubelet restarts the static pods in new sandboxes."""
        t = self.cluster.t
        for c in self.runtime.containers.values():
            if c.running():
                c.stop(t, 255, "Unknown")
        for sb in self.runtime.sandboxes.values():
            sb.state = "notready"
        self.power_on()

    def power_on(self) -> None:
        t = self.cluster.t
        self.powered = True
        self.booted = t
        for name, svc in self.services.items():
            svc["active"], svc["since"] = bool(svc["enabled"]), t
            if svc["enabled"] and name != "kubelet":
                self.journal_line(t, name, f"Started {name}.service.", pid=1)
                journals.unit_started(self, name, t)
        self.runtime.active = bool(self.services["containerd"]["active"])
        if self.services["kubelet"]["active"]:
            self.kubelet_pid += 163
            self.kubelet.reset_backoff()
            kubelet_node_gone.started(self)
            for sb in self.runtime.sandboxes.values():
                if sb.state == "notready":
                    sb.state, sb.attempt = "ready", sb.attempt + 1
            self.journal_line(t, "kubelet", "Started kubelet.service - kubelet: The Kubernetes "
                                            "Node Agent.", pid=1)
            journals.unit_started(self, "kubelet", t)
        self.cluster.settle()

    # --- helpers for the twin --------------------------------------------------------------

    def journal_line(self, t: float, unit: str, message: str, pid: int | None = None) -> None:
        if pid is None:
            pid = self.kubelet_pid if unit == "kubelet" else 1
        self.journal.append((t, unit, pid, message))

    def running_container(self, program: str) -> Container | None:
        for c in self.runtime.containers.values():
            if c.state == "running" and c.command and program_of(c.command[0]) == program:
                return c
        return None

    def kubelet_running(self) -> bool:
        return self.powered and self.services["kubelet"]["active"]

    def apiserver_listening(self, t: float) -> Container | None:
        """The kube-apiserver accepting connections on :6443 at `t`: it binds once it has
        reached etcd (ready), and keeps the port while it later loses etcd."""
        api = self.running_container("kube-apiserver")
        if api is None or not api.started or (api.ready_at is None and "etcd_lost" not in
                                              api.notes) or (api.ready_at or 0) > t:
            return None
        return api


class SimCluster:
    """Implements `app.providers.base.Cluster` for the embedded twin."""

    def __init__(self, name: str, specs: list[NodeSpec], clock: Clock, seed: int = 0,
                 templates: dict[str, dict[str, Inode]] | None = None) -> None:
        self.name = name
        self.seed = seed
        self.clock = clock
        self.t = clock.now()
        self.store = Store(seed)
        self.templates = templates or {s.name: node_template(name, s, specs) for s in specs}
        self.nodes: list[SimNode] = [SimNode(self, s, VFS(self.templates[s.name])) for s in specs]
        self.unknown_commands: list[str] = []
        # [down since, back at or None, dial error]: when the kubelets' dials were refused
        self.api_down: list[list[Any]] = []
        # node name -> [[missing since, back at or None]]: a running kubelet's Node was gone
        self.node_gone: dict[str, list[list[Any]]] = {}

    # --- the Cluster protocol --------------------------------------------------------------

    def node(self, name_or_role: str) -> SimNode:
        for n in self.nodes:
            if n.name == name_or_role:
                return n
        by_role = [n for n in self.nodes if n.role == name_or_role]
        if by_role:
            return by_role[0]
        # "control-plane2" / "worker3" name a node by role and ordinal, as kind's names do.
        for n in self.nodes:
            if n.name == f"{self.name}-{name_or_role}":
                return n
        raise ProviderError(f"no node {name_or_role!r} in cluster {self.name}")

    def default_node(self) -> SimNode:
        return self.node("control-plane")

    def apply(self, manifest: str) -> None:
        from app.providers.sim import images
        from app.providers.sim.apply import apply_manifest

        # The provider's apply brings a scenario's workloads: like an instructor's `kind load
        # docker-image`, their images are put on every (airgapped) node first (images.py).
        images.load(self, images.manifest_images(manifest))
        apply_manifest(self, manifest)

    def probe(self, check: Check) -> ProbeResult:
        from app.providers.sim.probes import run_probe

        self.sync()
        return run_probe(self, check)

    def open_terminal(self, node: str):  # noqa: ANN201 - SimTerminal, imported lazily
        from app.providers.sim.terminal import SimTerminal

        self.sync()
        return SimTerminal(self, self.node(node).name)

    def destroy(self) -> None:
        self.nodes = []

    # --- time ------------------------------------------------------------------------------

    def sync(self) -> None:
        self.advance_to(self.clock.now())

    def advance_to(self, now: float) -> None:
        for _ in range(MAX_STEPS):
            nxt = self._next_event()
            if nxt is None or nxt > now:
                break
            self._step(max(nxt, self.t))
        self._step(max(now, self.t))

    def settle(self) -> None:
        """Let kubelets react now to files just changed (they watch the manifests with inotify)."""
        self._step(self.t)

    def advance(self, seconds: float) -> None:
        """Move twin time forward (tests, and faults that need history)."""
        self.clock.advance(seconds)
        self.sync()

    def _next_event(self) -> float | None:
        times = [t for n in self.nodes if n.kubelet_running()
                 for t in [n.kubelet.next_event(self.t)] if t is not None]
        return min(times) if times else None

    def _step(self, t: float) -> None:
        self.t = t
        for n in self.nodes:
            n.vfs.now = t
        # A second pass so a change on one node (etcd up) is seen by another (apiserver) at
        # once; only when the first started or stopped something (most steps change nothing
        # but logs, and the second pass was half the cost of advancing the twin).
        before = self._runtime_signature()
        for n in self.nodes:
            if n.kubelet_running():
                n.kubelet.sync(t)
        if self._runtime_signature() != before:
            for n in self.nodes:
                if n.kubelet_running():
                    n.kubelet.sync(t)
        api_err = self.api_error(None)
        kubelet_api_down.record(self, t, api_err)
        if api_err is None:
            kubelet_node_gone.record(self, t)
            controllers.before_status(self, t)
            # Under etcd's NOSPACE alarm every status write fails.
            if not getattr(self, "etcd_state", {}).get("alarms"):
                apistatus.publish(self, t)
            controllers.after_status(self, t)
        elif api_err.startswith("tls:"):
            from app.providers.sim.kubelet_tls import api_tls_failure

            for n in self.nodes:
                api_tls_failure(n, t)

    def _runtime_signature(self) -> tuple[int, ...]:
        """Changes when a pass of the kubelets starts, stops or removes a container or pod."""
        sig: list[int] = []
        for n in self.nodes:
            rt = n.runtime
            sig += (len(rt.containers), len(rt.sandboxes), len(n.kubelet.pods),
                    sum(1 for c in rt.containers.values() if c.state == "running"))
        return tuple(sig)

    # --- reachability ----------------------------------------------------------------------

    def node_by_host(self, host: str, from_node: SimNode | None) -> SimNode | None:
        if host in ("127.0.0.1", "localhost", "::1"):
            return from_node
        if host == f"{self.name}-external-load-balancer":
            # kind's haproxy in front of the control planes: it forwards to one whose
            # apiserver passes its health check, else to the first one still powered.
            cps = [n for n in self.nodes if n.role == "control-plane" and n.powered]
            return self.apiserver_node() or (cps[0] if cps else None)
        for n in self.nodes:
            if host in (n.ip, n.name):
                return n
        return None

    def etcd_reachable(self, from_node: SimNode, url: str, t: float) -> str | None:
        """None when an etcd member answers at `url` from `from_node`, else the dial error."""
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 2379
        target = self.node_by_host(host, from_node)
        shown = f"{target.ip if target and host not in ('127.0.0.1', 'localhost') else host}"
        refused = f"dial tcp {shown}:{port}: connect: connection refused"
        if target is None:
            return f"dial tcp: lookup {host}: no such host"
        if not target.powered:
            return f"dial tcp {host}:{port}: connect: no route to host"
        etcd = target.running_container("etcd")
        # etcd listens from start-up on, ready or not (a member without quorum still accepts).
        if etcd is None or not (etcd.ready(t) or etcd.notes.get("serving_at", t + 1) <= t):
            return refused
        try:
            endpoints = client_endpoints(etcd)
        except FlagError:
            return refused
        local = host in ("127.0.0.1", "localhost", "::1")
        for ep_host, ep_port in endpoints:
            if ep_port == port and (ep_host in ("0.0.0.0", "::") or ep_host == host or
                                    (local and ep_host in ("127.0.0.1", "localhost"))):
                return None
        return refused

    def apiserver_node(self) -> SimNode | None:
        for n in self.nodes:
            if n.role == "control-plane" and n.powered:
                c = n.running_container("kube-apiserver")
                if c is not None and c.ready(self.t):
                    return n
        return None

    def api_error(self, from_node: SimNode | None) -> str | None:
        """Why an API request fails right now ("refused"/"timeout"/the TLS error), or None."""
        serving = self.apiserver_node()
        if serving is not None:
            from app.providers.sim.tls import kubeconfig_ca, serving_error

            # a client trusts the CA its kubeconfig embeds (the admin's, as probes ask)
            ca = kubeconfig_ca(serving, "/etc/kubernetes/admin.conf")
            return serving_error(serving.running_container("kube-apiserver"), self.t, ca)
        for n in self.nodes:
            if n.role == "control-plane" and n.powered and n.running_container("kube-apiserver"):
                return "timeout"
        return "refused"

    # --- services --------------------------------------------------------------------------

    def service_action(self, node: SimNode, name: str, action: str) -> None:
        svc = node.services.get(name)
        if svc is None:
            raise ProviderError(f"Unit {name}.service not found.")
        t = self.t
        if action in ("start", "restart", "enable --now") or action == "enable-now":
            if action == "restart" and svc["active"]:
                self._stop_unit(node, name, t)
            if action in ("enable --now", "enable-now"):
                svc["enabled"] = True
            if not svc["active"]:
                self._start_unit(node, name, t)
        elif action in ("stop", "disable --now", "disable-now"):
            if action != "stop":
                svc["enabled"] = False
            if svc["active"]:
                self._stop_unit(node, name, t)
        elif action == "enable":
            svc["enabled"] = True
        elif action == "disable":
            svc["enabled"] = False
        else:
            raise ProviderError(f"unknown service action {action!r}")

    def _start_unit(self, node: SimNode, name: str, t: float) -> None:
        svc = node.services[name]
        svc["active"], svc["since"] = True, t
        desc = "kubelet: The Kubernetes Node Agent" if name == "kubelet" else \
            "containerd container runtime"
        if name == "kubelet":
            node.kubelet_pid += 17
            node.kubelet.reset_backoff()
            kubelet_node_gone.started(node)
        node.journal_line(t, name, f"Started {name}.service - {desc}.", pid=1)
        journals.unit_started(node, name, t)
        if name == "kubelet":
            node.kubelet.sync(t)

    def _stop_unit(self, node: SimNode, name: str, t: float) -> None:
        svc = node.services[name]
        svc["active"], svc["since"] = False, t
        desc = "kubelet: The Kubernetes Node Agent" if name == "kubelet" else \
            "containerd container runtime"
        node.journal_line(t, name, f"Stopping {name}.service - {desc}...", pid=1)
        node.journal_line(t, name, f"{name}.service: Deactivated successfully.", pid=1)
        node.journal_line(t, name, f"Stopped {name}.service - {desc}.", pid=1)

    # --- persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "seed": self.seed, "t": self.t, "clock": self.clock.to_json(),
            "specs": [vars(n.spec) for n in self.nodes],
            "store": self.store.to_json(),
            "unknown_commands": self.unknown_commands,
            "api_down": self.api_down, "node_gone": self.node_gone,
            "etcd": getattr(self, "etcd_state", None),
            "nodes": [{
                "vfs": n.vfs.to_json(), "runtime": n.runtime.to_json(),
                "kubelet": n.kubelet.to_json(), "journal": n.journal,
                "services": n.services, "powered": n.powered, "booted": n.booted,
                "kubelet_pid": n.kubelet_pid, "disk": n.disk_latency_ms,
                "images": getattr(n, "images", None),
            } for n in self.nodes],
            "pki": {name: {p: [i.data.decode("latin-1"), i.mode] for p, i in files.items()}
                    for name, files in getattr(self, "pki_files", {}).items()},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SimCluster:
        specs = [NodeSpec(**s) for s in raw["specs"]]
        pki = {name: {p: (d.encode("latin-1"), m) for p, (d, m) in files.items()}
               for name, files in raw.get("pki", {}).items()}
        templates = {s.name: node_template(raw["name"], s, specs, pki.get(s.name)) for s in specs}
        cluster = cls(raw["name"], specs, Clock.from_json(raw["clock"]), raw["seed"], templates)
        cluster.pki_files = {name: {p: Inode("file", data=d, mode=m) for p, (d, m) in f.items()}
                             for name, f in pki.items()}
        cluster.t = raw["t"]
        cluster.store = Store.from_json(raw["store"])
        cluster.unknown_commands = raw.get("unknown_commands", [])
        cluster.api_down = raw.get("api_down", [])
        cluster.node_gone = raw.get("node_gone", {})
        if raw.get("etcd") is not None:
            cluster.etcd_state = raw["etcd"]
        for n, nraw in zip(cluster.nodes, raw["nodes"], strict=True):
            n.vfs = VFS.from_json(nraw["vfs"], templates[n.name])
            n.mount_logs()
            n.runtime = Runtime.from_json(nraw["runtime"])
            n.kubelet.load_json(nraw["kubelet"])
            n.journal = [tuple(x) for x in nraw["journal"]]
            n.services = nraw["services"]
            n.powered = nraw["powered"]
            n.booted = nraw["booted"]
            n.kubelet_pid = nraw["kubelet_pid"]
            n.disk_latency_ms = nraw["disk"]
            if nraw.get("images") is not None:
                n.images = nraw["images"]
        return cluster


def node_template(cluster: str, spec: NodeSpec, specs: list[NodeSpec],
                  pki: dict[str, tuple[bytes, int]] | None = None) -> dict[str, Inode]:
    base = nodefiles.base_template()
    own = nodefiles.node_files(spec, cluster, specs)
    # kubeadm writes keys, kubeconfigs and static pod manifests 0600 (WriteStaticPodToDisk)
    files = {p: (d, 0o600 if p.endswith((".key", ".conf")) or
                 p.startswith("/etc/kubernetes/manifests/") else 0o644) for p, d in own.items()}
    files.update(pki or {})
    extra = build_template(files, mtime=versions.IMAGE_BUILT)
    merged = dict(base)
    merged.update(extra)
    return merged


def create_cluster(name: str, control_planes: int, workers: int, *, seed: int = 0,
                   clock: Clock | None = None, age: float = 600.0) -> SimCluster:
    """A healthy kind-like cluster created `age` seconds before the clock's now."""
    clock = clock or Clock()
    specs = plan_nodes(name, control_planes, workers)
    created = clock.now() - age
    pki = bootstrap.cluster_pki(name, specs, created)
    templates = {s.name: node_template(name, s, specs, pki.get(s.name)) for s in specs}
    cluster = SimCluster(name, specs, clock, seed, templates)
    cluster.pki_files = {n: {p: Inode("file", data=d, mode=m) for p, (d, m) in f.items()}
                         for n, f in pki.items()}
    bootstrap.boot(cluster, created)
    from app.providers.sim.tls import install_pki_links

    install_pki_links(cluster, created)
    return cluster
