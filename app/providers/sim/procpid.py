"""/proc/<pid>/{cmdline,comm,status} for the node's processes, made from the same process
table `ps` prints (app/providers/sim/shell/proctable.py), when /proc is read.

What a reader sees from inside a kind node (a privileged Docker container with its own PID
namespace, `--security-opt seccomp=unconfined`: reference kind-node-files.md §5):
- `cmdline` is the argv joined and ended by NULs (fs/proc/base.c proc_pid_cmdline_read);
- `comm` is the executable's name cut to 15 characters, newline-ended;
- `status` has the field list of a 6.8 kernel (fs/proc/array.c: `Kthread`, `untag_mask`,
  `x86_Thread_features`), with the values a privileged container's root process shows
  (CapEff 000001ffffffffff, Seccomp 0, two CPUs: the real sample in
  tests/fidelity/samples/proc-pid-status-privileged.txt). A pod container runs in its own
  PID namespace, so its NStgid/NSpid carry a second PID (1 for the container's first
  process); its capabilities are containerd's default set (00000000a80425fb) and a pod that
  asks for `seccompProfile: RuntimeDefault` (every kubeadm static pod) shows `Seccomp: 2`.

There is no `environ`: a process's environment is its own and must never be the server's
(tests/security). `/proc/self`, `exe`, `fd/`, `mounts`: procself.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim.vfs import DIR, FILE, Inode

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.shell.proctable import Proc

FULL_CAPS = "000001ffffffffff"  # CAP_LAST_CAP 40 (checkpoint_restore): a privileged process
DEFAULT_CAPS = "00000000a80425fb"  # containerd's default set for a container running as root
STATES = {"S": "S (sleeping)", "R": "R (running)", "D": "D (disk sleep)", "Z": "Z (zombie)",
          "T": "T (stopped)"}
MEMS_ALLOWED = ",".join(["00000000"] * 31 + ["00000001"])


def tree(node: SimNode, now: float) -> dict[str, Inode]:
    from app.providers.sim.shell.proctable import processes

    out: dict[str, Inode] = {}
    procs = processes(node)
    # each shim's pod sandbox (its `-id`), looked up once rather than per pause process
    shims = {q.pid: q.args[q.args.index("-id") + 1] for q in procs if "-id" in q.args}
    for p in procs:
        uid = 0 if p.user == "root" else int(p.user) if p.user.isdigit() else 0
        base = f"/proc/{p.pid}"
        out[base] = Inode(DIR, mode=0o555, uid=uid, gid=uid, mtime=p.start, virtual=True)
        files = {"cgroup": cgroup(node, p, shims), "cmdline": "".join(a + "\0" for a in p.args),
                 "comm": p.comm + "\n", "status": status(node, p, uid)}
        for name, text in files.items():
            out[f"{base}/{name}"] = Inode(FILE, data=text.encode(), mode=0o444, uid=uid,
                                          gid=uid, mtime=p.start, virtual=True)
    from app.providers.sim import procself  # self, mounts, exe, fd/ and the trainee's shell

    out.update(procself.tree(node, procs, now))
    return out


def qos_class(spec: dict[str, Any]) -> str:
    """pkg/apis/core/v1/helper/qos GetPodQOS: Guaranteed when every container's cpu and memory
    limits are set and requests (defaulted from them) equal them; BestEffort when none is set."""
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    any_set, guaranteed = False, True
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        any_set = any_set or bool(req) or bool(lim)
        for key in ("cpu", "memory"):
            if key not in lim or str(req.get(key, lim[key])) != str(lim[key]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def cgroup(node: SimNode, p: Proc, shims: dict[int, str] | None = None) -> str:
    """cgroup v2 as a kind node sees it (its own cgroup namespace, `--cgroupns=private`): the
    units systemd runs, kind's `kubelet.slice` (kubelet.service `Slice=`), and the pods under
    the kubelet's `cgroupRoot: /kubelet` with the systemd driver. Real kind line (a pod
    container): `0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/
    kubelet-kubepods-besteffort-pod36f20d9d_cbc1_4ebd_b111_536eaa6a332e.slice/
    cri-containerd-db90aab....scope` (tests/fidelity/samples/SOURCES.md). The shims stay in
    containerd's cgroup (runc options `ShimCgroup = ""`)."""
    from app.providers.sim.shell.proctable import program

    prog = program(p.args)
    units = {"init": "/init.scope", "systemd-journald": "/system.slice/systemd-journald.service",
             "containerd": "/system.slice/containerd.service",
             "containerd-shim-runc-v2": "/system.slice/containerd.service",
             "kubelet": "/kubelet.slice/kubelet.service"}
    if p.container is None and prog != "pause":
        return f"0::{units.get(prog, '/')}\n"
    sandbox_id = p.container.sandbox_id if p.container is not None else None
    owner = p.container.id if p.container is not None else ""
    uid, qos = "", "BestEffort"
    for pod in node.kubelet.pods.values():
        if p.container is not None and pod.uid == p.container.pod_uid or (
                p.container is None and pod.sandbox_id in _sandboxes_of(node, p, shims)):
            uid, sandbox_id = pod.uid, pod.sandbox_id
            # the class the API shows for the pod (kubectl describe), else computed
            obj = node.cluster.store.find("Pod", pod.name, pod.namespace) or {}
            qos = (obj.get("status") or {}).get("qosClass") or qos_class(pod.spec)
            break
    if not owner:
        owner = sandbox_id or ""
    base = "/kubelet.slice/kubelet-kubepods.slice"
    pod_slice = f"pod{uid.replace('-', '_')}.slice"
    if qos == "Guaranteed":
        path = f"{base}/kubelet-kubepods-{pod_slice}"
    else:
        q = qos.lower()
        path = f"{base}/kubelet-kubepods-{q}.slice/kubelet-kubepods-{q}-{pod_slice}"
    return f"0::{path}/cri-containerd-{owner}.scope\n"


def _sandboxes_of(node: SimNode, p: Proc, shims: dict[int, str] | None = None) -> set[str]:
    """The sandbox a pause process belongs to: its parent shim's `-id` (from `shims`, the
    shims' sandboxes by PID, when the caller has them)."""
    from app.providers.sim.shell.proctable import processes

    if shims is not None:
        return {shims[p.ppid]} if p.ppid in shims else set()
    for q in processes(node):
        if q.pid == p.ppid and "-id" in q.args:
            return {q.args[q.args.index("-id") + 1]}
    return set()


def _container_spec(node: SimNode, p: Proc) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(pod spec, container spec) of a container's process, when the kubelet knows its pod."""
    c = p.container
    if c is None:
        return None
    pod = node.kubelet.pods.get(c.pod_uid)
    if pod is None:
        return None
    spec = next((s for s in pod.containers() if s.get("name") == c.name), {})
    return pod.spec, spec


def status(node: SimNode, p: Proc, uid: int) -> str:
    from app.providers.sim.shell.proctable import program

    in_pod = p.container is not None or program(p.args) == "pause"
    found = _container_spec(node, p)
    pod_spec, spec = found if found else ({}, {})
    privileged = bool((spec.get("securityContext") or {}).get("privileged"))
    seccomp = ((pod_spec.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
    caps = FULL_CAPS if not in_pod or privileged else DEFAULT_CAPS
    eff = caps if uid == 0 else "0000000000000000"
    ns = f"{p.pid}\t1" if in_pod else f"{p.pid}"  # a container's first process is its PID 1
    sid = p.pid if in_pod or p.ppid in (0, 1) else p.ppid
    vm_data = max(p.vsz // 9, 92)
    threads = getattr(p, "threads", 1)
    rows = [
        ("Name", p.comm), ("Umask", "0022"), ("State", STATES.get(p.stat[:1], "S (sleeping)")),
        ("Tgid", p.pid), ("Ngid", 0), ("Pid", p.pid), ("PPid", p.ppid), ("TracerPid", 0),
        ("Uid", "\t".join([str(uid)] * 4)), ("Gid", "\t".join([str(uid)] * 4)),
        ("FDSize", 64 if threads < 4 else 256), ("Groups", f"{uid} " if uid == 0 else ""),
        ("NStgid", ns), ("NSpid", ns), ("NSpgid", ns), ("NSsid", f"{sid}\t1" if in_pod else sid),
        ("Kthread", 0),
        ("VmPeak", _kb(p.vsz + p.vsz // 50)), ("VmSize", _kb(p.vsz)), ("VmLck", _kb(0)),
        ("VmPin", _kb(0)), ("VmHWM", _kb(p.rss + p.rss // 20)), ("VmRSS", _kb(p.rss)),
        ("RssAnon", _kb(p.rss * 3 // 5)), ("RssFile", _kb(p.rss - p.rss * 3 // 5)),
        ("RssShmem", _kb(0)), ("VmData", _kb(vm_data)), ("VmStk", _kb(132)),
        ("VmExe", _kb(max(4, p.rss // 3))), ("VmLib", _kb(1748 if p.vsz < 100_000 else 4)),
        ("VmPTE", _kb(max(40, p.rss // 200))), ("VmSwap", _kb(0)),
        ("HugetlbPages", _kb(0)), ("CoreDumping", 0), ("THP_enabled", 1),
        ("untag_mask", "0xffffffffffffffff"), ("Threads", threads),
        ("SigQ", "0/95766"), ("SigPnd", "0" * 16), ("ShdPnd", "0" * 16),
        ("SigBlk", "0" * 16), ("SigIgn", "0" * 16),
        ("SigCgt", "fffffffd7fc1feff" if threads > 1 else "0" * 16),
        ("CapInh", "0" * 16), ("CapPrm", eff), ("CapEff", eff), ("CapBnd", caps),
        ("CapAmb", "0" * 16), ("NoNewPrivs", 0),
        ("Seccomp", 2 if in_pod and seccomp == "RuntimeDefault" else 0),
        ("Seccomp_filters", 1 if in_pod and seccomp == "RuntimeDefault" else 0),
        ("Speculation_Store_Bypass", "thread vulnerable"),
        ("SpeculationIndirectBranch", "conditional enabled"),
        ("Cpus_allowed", "3"), ("Cpus_allowed_list", "0-1"),
        ("Mems_allowed", MEMS_ALLOWED), ("Mems_allowed_list", 0),
        ("voluntary_ctxt_switches", 1 + int(p.cpu_seconds(node.cluster.t) * 900)),
        ("nonvoluntary_ctxt_switches", 1 + int(p.cpu_seconds(node.cluster.t) * 40)),
    ]
    text = "".join(f"{k}:\t{v}\n" for k, v in rows)
    # as the kernel prints them on x86 (arch/x86/kernel/fpu/xstate.c): empty, no tab on the last
    return text + "x86_Thread_features:\t\nx86_Thread_features_locked:\n"


def _kb(value: int) -> str:
    """fs/proc/task_mmu.c SEQ_PUT_DEC: the value right-aligned in 8 columns, then ` kB`."""
    return f"{value:>8} kB"
