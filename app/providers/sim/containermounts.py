"""/proc/<pid>/mounts of a pod's process: its own mount namespace as containerd v2.1.1 and runc
set it up, made from the pod spec when /proc is read (procself.py), never stored.

Order and options, **reconstructed from source** (no real table of a kind pod was found):
1. the container's overlay rootfs, the same line the node's table has for
   /run/containerd/io.containerd.runtime.v2.task/k8s.io/<id>/rootfs (shell/disks.py);
2. containerd's default spec mounts (pkg/oci/mounts.go defaultMounts) minus `/run`
   (`oci.WithoutRunMount`) and minus `/dev/shm` (CRI mounts the sandbox's), then the cgroup2
   mount `WithMounts` appends (internal/cri/opts/spec_linux_opts.go), read-only unless the
   container is privileged; `/sys` read-only likewise. Options as the kernel prints them:
   `strictatime` shows nothing, so /dev is `rw,nosuid,size=65536k,mode=755,inode64` like the
   real Docker lines in tests/fidelity/samples/proc-self-mountinfo-docker.txt;
3. the CRI mounts, stably sorted by the number of `/` in the container path (`orderedMounts`):
   the kubelet's (volume mounts in spec order, `/etc/hosts` from the pod's `etc-hosts`,
   `/dev/termination-log`; the service-account token for API pods as the node's table has
   it), then containerd's `linuxContainerMounts` (`/etc/hostname`, `/etc/resolv.conf` from
   the sandbox's state under /var/lib/containerd, `/dev/shm` the sandbox's shm). A bind
   mount keeps the device, type and per-mount flags of the node mount holding its source
   (the kernel's clone_mnt), `ro` when the volume mount is readOnly;
4. for an unprivileged container, runc's read-only paths (bind remounted `ro`) then masked
   paths (a directory gets an empty read-only tmpfs, a file /dev/null, so it shows as the
   container's /dev tmpfs): the kubelet's defaults (k8s.io/kubernetes
   pkg/securitycontext/util.go) that exist on a 6.8 x86 VM (no /proc/asound,
   /proc/latency_stats, /proc/timer_stats, /proc/sched_debug: **assumed**).
A pod's pause process gets 1, 2 and 4 with its sandbox's rootfs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.shell.disks import Mount
    from app.providers.sim.shell.proctable import Proc

CGROUP_OPTS = "nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot"
SHM = "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k,inode64 0 0"
READONLY_PATHS = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")
# (path, is a directory) of the kubelet's default masked paths present on the nodes' kernel
MASKED_PATHS = (("/proc/acpi", True), ("/proc/kcore", False), ("/proc/keys", False),
                ("/proc/timer_list", False), ("/proc/scsi", True), ("/sys/firmware", True),
                ("/sys/devices/virtual/powercap", True))
CRI_STATE = "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes"


_index: list[Any] = [None, []]  # the last node table and its (prefix, mount), longest first


def _holder(node_mounts: list[Mount], path: str) -> Mount:
    """The node mount a host path lives on (the longest mount point above it; the last
    mounted of equal ones)."""
    if _index[0] is not node_mounts:  # the node's own mounts, not its pods' (rootfs, shm...)
        pairs = [(m.target.rstrip("/") + "/", m) for m in reversed(node_mounts)
                 if not m.target.startswith(("/run/containerd/", "/var/lib/kubelet/pods/"))]
        _index[:] = [node_mounts, sorted(pairs, key=lambda pm: -len(pm[0]))]
    probe = path.rstrip("/") + "/"
    return next((m for prefix, m in _index[1] if probe.startswith(prefix)), node_mounts[0])


def _bind(node_mounts: list[Mount], host: str, dst: str, readonly: bool) -> str:
    m = _holder(node_mounts, host)
    opts = m.options.split(",")
    opts[0] = "ro" if readonly else opts[0]
    return f"{m.source} {dst} {m.fstype} {','.join(opts)} 0 0"


def _defaults(privileged: bool) -> list[str]:
    ro = "rw" if privileged else "ro"
    return ["proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
            "tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755,inode64 0 0",
            "devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666 0 0",
            "mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0",
            f"sysfs /sys sysfs {ro},nosuid,nodev,noexec,relatime 0 0",
            f"cgroup /sys/fs/cgroup cgroup2 {ro},{CGROUP_OPTS} 0 0"]


def _masks() -> list[str]:
    out = [f"proc {p} proc ro,nosuid,nodev,noexec,relatime 0 0" for p in READONLY_PATHS]
    for path, is_dir in MASKED_PATHS:
        out.append(f"tmpfs {path} tmpfs ro,relatime,inode64 0 0" if is_dir else
                   f"tmpfs {path} tmpfs rw,nosuid,size=65536k,mode=755,inode64 0 0")
    return out


def _root(m: Mount) -> str:
    return f"{m.source} / {m.fstype} {m.options} 0 0"


def _cri_mounts(node: SimNode, node_mounts: list[Mount], pod: Any, spec: dict[str, Any],  # noqa: ANN401 - kubelet pod
                cid: str) -> list[str]:
    from app.providers.sim.kubelet_journal import PLUGINS, volumes

    specs = {v.get("name"): v for v in pod.spec.get("volumes") or []}
    cri: list[tuple[str, str]] = []  # (container path, line)
    pod_dir = f"/var/lib/kubelet/pods/{pod.uid}"
    # the pod's volume tmpfs (secret, projected) in the node's table
    own = {m.target: m for m in node_mounts if m.target.startswith(f"{pod_dir}/volumes/")}

    def volume(name: str, dst: str, ro: bool) -> str:
        vol = specs.get(name) or {}
        if "hostPath" in vol:
            return _bind(node_mounts, str((vol.get("hostPath") or {}).get("path", "")), dst, ro)
        plugin = next((PLUGINS[k] for k in vol if k in PLUGINS), "projected" if
                      name.startswith("kube-api-access-") else "empty-dir")
        host = f"{pod_dir}/volumes/kubernetes.io~{plugin}/{name}"
        m = own.get(host)
        if m is None:
            return _bind(node_mounts, host, dst, ro)
        opts = m.options.split(",")
        return f"{m.source} {dst} {m.fstype} {','.join(['ro' if ro else opts[0], *opts[1:]])} 0 0"

    for vm in spec.get("volumeMounts") or []:
        cri.append((str(vm.get("mountPath", "")),
                    volume(str(vm.get("name")), str(vm.get("mountPath", "")),
                           bool(vm.get("readOnly")))))
    sa = "/var/run/secrets/kubernetes.io/serviceaccount"
    token = next((n for n, _ in volumes(pod) if n.startswith("kube-api-access-")), None)
    if token is not None and not any(dst == sa for dst, _ in cri):
        cri.append((sa, volume(token, sa, True)))  # the API adds it to every container
    cri.append(("/etc/hosts", _bind(node_mounts, f"{pod_dir}/etc-hosts", "/etc/hosts", False)))
    cri.append(("/dev/termination-log", _bind(node_mounts, f"{pod_dir}/containers/x",
                                              "/dev/termination-log", False)))
    sandbox = f"{CRI_STATE}/{pod.sandbox_id}"
    cri.append(("/etc/hostname", _bind(node_mounts, f"{sandbox}/hostname", "/etc/hostname",
                                       False)))
    cri.append(("/etc/resolv.conf", _bind(node_mounts, f"{sandbox}/resolv.conf",
                                          "/etc/resolv.conf", False)))
    cri.append(("/dev/shm", SHM))
    cri.sort(key=lambda m: m[0].rstrip("/").count("/"))  # stable, as sort.Stable
    return [line for _, line in cri]


def table(node: SimNode, p: Proc, node_mounts: list[Mount], sandbox_id: str = "") -> str | None:
    """The mounts file of a pod's process (a container's, or a pause given its sandbox's id),
    or None when the twin cannot tell which pod it belongs to. `node_mounts`: disks.mounts."""
    from app.providers.sim import procpid
    from app.providers.sim.shell.disks import container_rootfs

    if p.container is None:  # a pause: its sandbox's rootfs
        if not sandbox_id:
            return None
        root = container_rootfs(sandbox_id, 0, sandbox=True)
        lines = [_root(root), *_defaults(False), *_masks()]
        return "".join(x + "\n" for x in lines)
    found = procpid._container_spec(node, p)
    pod = node.kubelet.pods.get(p.container.pod_uid)
    if found is None or pod is None:
        return None
    _, spec = found
    privileged = bool((spec.get("securityContext") or {}).get("privileged"))
    root = container_rootfs(p.container.id, 0)
    lines = [_root(root), *_defaults(privileged),
             *_cri_mounts(node, node_mounts, pod, spec, p.container.id)]
    if not privileged:
        lines += _masks()
    return "".join(x + "\n" for x in lines)
