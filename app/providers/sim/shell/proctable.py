"""What a kind node's kernel would report: its processes, memory and listening sockets.

Everything is derived from the twin at the moment of asking, never stored: systemd (PID 1)
and journald always; containerd and the kubelet while their units are active (the kubelet's
command line assembled from its unit drop-in and environment files as systemd does); for every
pod sandbox a `containerd-shim-runc-v2` and its `/pause`; for every running container its
process with the container's command line. PIDs are a pure function of the container (or
unit start) so they stay put between commands and change when the container is replaced.

A kind node is a privileged Docker container: its PID namespace starts at `/sbin/init`, but
`/proc/meminfo`, `/proc/loadavg` and the kernel ring buffer are the host's (kind does not run
lxcfs), so memory figures cover every node of the cluster.
"""

from __future__ import annotations

import hashlib
import shlex
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.providers.sim.components.base import flag_values
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode
    from app.providers.sim.runtime import Container

HZ = 100
MEM_TOTAL_KIB = 24562888  # the node objects' capacity.memory (bootstrap.node_object)
PAGE_KIB = 4

# Resident/virtual size (KiB) and CPU share (% of one CPU) per program, from real kind nodes'
# `ps aux` (kubelet: shared/reference/kind-node-files.md §2.4) and typical control-plane sizes.
PROFILE: dict[str, tuple[int, int, float]] = {
    "init": (11648, 20740, 0.0),
    "systemd-journald": (16512, 66712, 0.0),
    "containerd": (57544, 2502700, 0.6),
    "kubelet": (96128, 2639936, 1.7),
    "containerd-shim-runc-v2": (12160, 1233540, 0.0),
    "pause": (640, 996, 0.0),
    "etcd": (61280, 11214468, 1.9),
    "kube-apiserver": (287404, 1524840, 4.1),
    "kube-controller-manager": (61228, 1319528, 1.2),
    "kube-scheduler": (28144, 1292424, 0.4),
    "kube-proxy": (25460, 1290116, 0.0),
    "kindnetd": (20112, 1288372, 0.0),
    "coredns": (20400, 1285020, 0.2),
    "local-path-provisioner": (15624, 1277736, 0.0),
}
DEFAULT_PROFILE = (9876, 12344, 0.0)
# Entry points of images whose pods give no command (their Dockerfile's ENTRYPOINT).
ENTRYPOINTS = {"coredns": ["/coredns"], "pause": ["/pause"]}
USERS = {"coredns": "65532"}  # distroless `nonroot`: no /etc/passwd entry on the node


@dataclass
class Proc:
    pid: int
    ppid: int
    user: str
    args: list[str]
    start: float  # twin time the process started
    rss: int
    vsz: int
    cpu_pct: float  # average share of one CPU since start
    stat: str = "Ssl"
    comm: str = ""
    container: Container | None = field(default=None, repr=False)
    threads: int = 1
    tty: str = "?"

    @property
    def command(self) -> str:
        return " ".join(self.args)

    def cpu_seconds(self, now: float) -> float:
        return max(0.0, now - self.start) * self.cpu_pct / 100


def _hash_int(*parts: object) -> int:
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def program(args: list[str]) -> str:
    return args[0].rsplit("/", 1)[-1] if args else ""


def _comm(args: list[str]) -> str:
    """The kernel's comm: the executable's basename cut to 15 characters (TASK_COMM_LEN)."""
    return program(args)[:15]


def host_booted(cluster: SimCluster) -> float:
    """The Docker host's boot: a couple of days before the cluster, stable per seed."""
    first = min(n.booted for n in cluster.nodes)
    return first - 2 * 86400 - (_hash_int("host", cluster.seed) % 36000)


def _env_files(node: SimNode) -> dict[str, str]:
    """KUBELET_* variables as systemd reads them from the drop-in and its EnvironmentFiles."""
    env: dict[str, str] = {}
    dropin = _read(node, "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf")
    files: list[str] = []
    for line in dropin.splitlines():
        key, _, value = line.strip().partition("=")
        if key == "Environment":
            for word in shlex.split(value):
                name, _, val = word.partition("=")
                env[name] = val
        elif key == "EnvironmentFile":
            files.append(value.lstrip("-"))
    for path in files:
        for line in _read(node, path).splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            name, _, val = line.partition("=")
            try:
                env[name.strip()] = " ".join(shlex.split(val))
            except ValueError:
                env[name.strip()] = val
    return env


def kubelet_args(node: SimNode) -> list[str]:
    env = _env_files(node)
    args = ["/usr/bin/kubelet"]
    for var in ("KUBELET_KUBECONFIG_ARGS", "KUBELET_CONFIG_ARGS", "KUBELET_KUBEADM_ARGS",
                "KUBELET_EXTRA_ARGS"):
        args.extend(env.get(var, "").split())
    return args


def _read(node: SimNode, path: str) -> str:
    try:
        return node.vfs.read(path).decode("utf-8", "replace")
    except VFSError:
        return ""


def container_args(node: SimNode, c: Container) -> list[str]:
    args = [a.replace("$(NODE_NAME)", node.name) for a in c.command]
    image = c.image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    if not args or args[0].startswith("-"):
        args = ENTRYPOINTS.get(image, [f"/{image}"]) + args
    return args


def processes(node: SimNode) -> list[Proc]:
    """The node's process table, ordered by PID, as `ps -e` would list it."""
    if not node.powered:
        return []
    now = node.cluster.t
    booted = node.booted
    procs = [Proc(1, 0, "root", ["/sbin/init"], booted, *PROFILE["init"][:2], 0.0, "Ss"),
             Proc(88, 1, "root", ["/lib/systemd/systemd-journald"], booted + 0.4,
                  *PROFILE["systemd-journald"][:2], 0.0, "Ss")]
    ctd = node.services.get("containerd", {})
    if ctd.get("active"):
        since = max(booted, float(ctd.get("since", booted)))
        pid = 101 if since - booted < 30 else 300 + _hash_int("containerd", since) % 9000
        procs.append(Proc(pid, 1, "root", ["/usr/local/bin/containerd"], since,
                          *PROFILE["containerd"], threads=14))
    kub = node.services.get("kubelet", {})
    if kub.get("active"):
        since = max(booted, float(kub.get("since", booted)))
        procs.append(Proc(node.kubelet_pid, 1, "root", kubelet_args(node), since,
                          *PROFILE["kubelet"], threads=15))
    used = {p.pid for p in procs}

    def alloc(*key: object) -> int:
        pid = 400 + _hash_int(*key) % 7600
        while pid in used:
            pid += 1
        used.add(pid)
        return pid

    rt = node.runtime
    running = [c for c in rt.containers.values() if c.running()]
    for sb in sorted(rt.sandboxes.values(), key=lambda s: (s.created, s.id)):
        mine = sorted((c for c in running if c.sandbox_id == sb.id),
                      key=lambda c: (c.started or c.created, c.id))
        if sb.state != "ready" and not mine:
            continue
        shim = alloc("shim", sb.id, sb.attempt)
        procs.append(Proc(shim, 1, "root", [
            "/usr/local/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", sb.id,
            "-address", "/run/containerd/containerd.sock"], sb.created,
            *PROFILE["containerd-shim-runc-v2"], "Sl", threads=11))
        if sb.state == "ready":
            procs.append(Proc(alloc("pause", sb.id, sb.attempt), shim, "65535", ["/pause"],
                              sb.created + 0.05, *PROFILE["pause"], "Ss"))
        for c in mine:
            args = container_args(node, c)
            rss, vsz, cpu = PROFILE.get(program(args), DEFAULT_PROFILE)
            procs.append(Proc(alloc("container", c.id), shim,
                              USERS.get(program(args), "root"), args,
                              c.started or c.created, rss, vsz, cpu, "Ssl", container=c,
                              threads=9))
    for p in procs:
        p.comm = "systemd" if p.pid == 1 else _comm(p.args)  # /sbin/init -> systemd
        p.start = min(p.start, now)
    return sorted(procs, key=lambda p: p.pid)


def shell_pid(node_name: str) -> int:
    """The trainee's bash on a node (`docker exec -it <node> bash`, so its parent is outside
    the node's PID namespace): one PID per node, fixed as a running shell's is, above the
    range the node's own processes get (400..8000, `alloc`), as a shell started after them
    would be. `echo $$`, `ps` and /proc/self (procself.py) all give this one."""
    return 9000 + zlib.crc32(node_name.encode()) % 900


def shell_proc(node: SimNode) -> Proc:
    return Proc(shell_pid(node.name), 0, "root", ["bash"], node.booted + 60, 4096, 4620, 0.0,
                "Ss", "bash", tty="pts/1")


def find_program(node: SimNode, name: str) -> Proc | None:
    return next((p for p in processes(node) if p.comm == name[:15]), None)


# --- memory -------------------------------------------------------------------------------

@dataclass
class Memory:
    total: int
    free: int
    used: int
    shared: int
    buffers: int
    cache: int
    available: int
    swap_total: int = 0
    swap_free: int = 0


def memory(cluster: SimCluster) -> Memory:
    """The host's /proc/meminfo (KiB): a base load plus every node's resident processes."""
    rss = sum(p.rss for n in cluster.nodes for p in processes(n))
    used = 812_344 + rss
    buffers = 211_916
    cache = 2_716_412 + 96_000 * len(cluster.nodes)
    shared = 4_552 + 1_260 * len(cluster.nodes)
    free = MEM_TOTAL_KIB - used - buffers - cache
    available = free + buffers + cache - 412_000
    return Memory(MEM_TOTAL_KIB, free, used, shared, buffers, cache, available)


def load_average(cluster: SimCluster) -> tuple[float, float, float]:
    busy = sum(p.cpu_pct for n in cluster.nodes for p in processes(n)) / 100
    return round(busy * 1.05 + 0.08, 2), round(busy * 0.97 + 0.11, 2), round(busy * 0.9 + 0.1, 2)


# --- sockets ------------------------------------------------------------------------------

@dataclass
class Socket:
    proto: str  # tcp | udp
    local: str
    lport: int
    peer: str = "0.0.0.0"
    pport: int | str = "*"
    state: str = "LISTEN"
    proc: Proc | None = None
    fd: int = 3
    send_q: int = 4096

    @property
    def v6(self) -> bool:
        return self.local in ("*", "[::]") or ":" in self.local.strip("[]")


def _listen_urls(value: str) -> list[tuple[str, int]]:
    out = []
    for url in value.split(","):
        rest = url.split("://", 1)[-1].rstrip("/")
        host, _, port = rest.rpartition(":")
        if port.isdigit():
            out.append((host.strip("[]") or "0.0.0.0", int(port)))
    return out


def _bind(flags: dict[str, str], name: str, default_host: str, port: int) -> tuple[str, int]:
    host = flags.get(name, default_host) or default_host
    return ("*" if host in ("0.0.0.0", "::") else host), port


def sockets(node: SimNode) -> list[Socket]:
    """Listening TCP sockets of the processes running now, plus the established connections
    each client component keeps to the API server and etcd."""
    out: list[Socket] = []
    procs = processes(node)
    for p in procs:
        flags = flag_values(p.args)
        prog = program(p.args)
        if prog == "etcd":
            fd = 6
            for key in ("listen-peer-urls", "listen-client-urls", "listen-metrics-urls"):
                for host, port in _listen_urls(flags.get(key, "")):
                    fd += 1
                    shown = "*" if host in ("0.0.0.0", "::") else host
                    out.append(Socket("tcp", shown, port, proc=p, fd=fd))
        elif prog == "kube-apiserver":
            host, port = _bind(flags, "bind-address", "0.0.0.0",
                               int(flags.get("secure-port", "6443") or 6443))
            out.append(Socket("tcp", host, port, proc=p))
        elif prog == "kube-controller-manager":
            out.append(Socket("tcp", *_bind(flags, "bind-address", "0.0.0.0",
                                            int(flags.get("secure-port", "10257") or 10257)),
                              proc=p))
        elif prog == "kube-scheduler":
            out.append(Socket("tcp", *_bind(flags, "bind-address", "0.0.0.0",
                                            int(flags.get("secure-port", "10259") or 10259)),
                              proc=p))
        elif prog == "kubelet":
            out.append(Socket("tcp", "127.0.0.1", 10248, proc=p, fd=9))
            out.append(Socket("tcp", "*", 10250, proc=p, fd=19))
            out.append(Socket("tcp", "127.0.0.1", 32768 + _hash_int("kubelet-stream", p.pid)
                              % 28000, proc=p, fd=17))
        elif prog == "kube-proxy":
            out.append(Socket("tcp", "127.0.0.1", 10249, proc=p, fd=14))
            out.append(Socket("tcp", "*", 10256, proc=p, fd=13))
        elif prog == "containerd":
            out.append(Socket("tcp", "127.0.0.1", 32768 + _hash_int("cri-stream", p.start)
                              % 28000, proc=p, fd=11))
    # Docker's embedded DNS for user-defined networks: NATed into the node's namespace, owned
    # by dockerd on the host, so no process is shown.
    out.append(Socket("tcp", "127.0.0.11", 32768 + _hash_int("dockerdns", node.name) % 28000,
                      send_q=4096))
    out.append(Socket("udp", "127.0.0.11", 32768 + _hash_int("dockerdns-udp", node.name)
                      % 28000, state="UNCONN", send_q=0))
    out.extend(_connections(node, procs))
    return out


def _connections(node: SimNode, procs: list[Proc]) -> list[Socket]:
    cluster = node.cluster
    conns: list[Socket] = []
    api = cluster.apiserver_node()

    def eph(*key: object) -> int:
        return 32768 + _hash_int(*key) % 28000

    for p in procs:
        prog = program(p.args)
        if prog in ("kubelet", "kube-proxy", "kube-controller-manager", "kube-scheduler",
                    "kindnetd", "coredns", "local-path-provisioner") and api is not None:
            if prog in ("coredns", "local-path-provisioner"):
                continue  # pod network namespace: not visible from the node
            port = eph(prog, p.pid)
            conns.append(Socket("tcp", node.ip, port, api.ip, 6443, "ESTAB", p, fd=12, send_q=0))
            if api is node:
                srv = next((q for q in procs if program(q.args) == "kube-apiserver"), None)
                conns.append(Socket("tcp", "[::ffff:" + node.ip + "]", 6443,
                                    "[::ffff:" + node.ip + "]", port, "ESTAB", srv,
                                    fd=40 + len(conns), send_q=0))
        if prog == "kube-apiserver" and node.running_container("etcd") is not None:
            port = eph("etcd-client", p.pid)
            etcd = next((q for q in procs if program(q.args) == "etcd"), None)
            conns.append(Socket("tcp", "127.0.0.1", port, "127.0.0.1", 2379, "ESTAB", p, 8, 0))
            conns.append(Socket("tcp", "127.0.0.1", 2379, "127.0.0.1", port, "ESTAB", etcd,
                                15, 0))
        if prog == "etcd":
            for other in cluster.nodes:
                if other is node or not other.powered or other.running_container("etcd") is None:
                    continue
                conns.append(Socket("tcp", node.ip, eph("peer", node.ip, other.ip), other.ip,
                                    2380, "ESTAB", p, 20, 0))
    return conns
