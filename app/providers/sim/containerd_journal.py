"""What containerd logs as the kubelet runs, stops and removes pods: derived from the runtime
when the journal is read, never stored (like kubelet_journal.py).

containerd's CRI plugin logs every CRI call at info (containerd v2.1.1
`internal/cri/instrument/instrumented_service.go`): `RunPodSandbox for %+v` and `... returns
sandbox id %q`, `CreateContainer within sandbox %q for container %+v` and `... for %+v returns
container id %q`, `StartContainer for %q` and `... returns successfully`; the metadata print
as the CRI structs' String() (`&PodSandboxMetadata{Name:...,Uid:...,Namespace:...,Attempt:0,}`,
`&ContainerMetadata{Name:etcd,Attempt:0,}`). Starting a pod's shim logs `connecting to shim
<sandbox id>` with `address`, `namespace`, `protocol`, `version` (`core/runtime/v2/shim.go`;
OBS containerd 2.x: `address="unix:///run/containerd/s/<64 hex>" namespace=moby
protocol=ttrpc version=3`). logrus' text format quotes the message and escapes its quotes;
fields follow in key order.

The end of a container (v2.1.1, real 2.x lines in tests/fidelity/samples/
containerd2-exit-stop-remove.txt):
- its process exits: `TaskExit event in podsandbox handler %+v` (`podsandbox/events.go`, the
  pod sandbox controller subscribes to /tasks/exit) and `received exit event %+v` (the CRI's exit
  monitor, `internal/cri/server/events.go`), the event printed by Go's prototext: `container_id:
  "<id>"  id:"<id>"  pid:<pid>  exit_status:<n>  exited_at:{seconds:<s>  nanos:<ns>}`, zero
  fields left out (exit 0 has no exit_status), two spaces as containerd 2.1 builds show;
- the kubelet (liveness kill, pod removed) or `crictl stop` stops it: `StopContainer for %q
  with timeout %d (s)`, `Stop container %q with signal terminated` (timeout 0: `Kill container
  %q`), the exit, `StopContainer for %q returns successfully` (`container_stop.go`);
- a pod is stopped: `StopPodSandbox for %q`, `Container to stop %q must be in running or unknown
  state, current state "CONTAINER_EXITED"` per exited container, the pause's TaskExit (137),
  the shim going (`shim disconnected`, `cleaning up after shim disconnected`, `cleaning up dead
  shim`, all info with `id=` and `namespace=` in 2.1.1: PR #11815), `received exit event
  sandbox_id:...`, `TearDown network for sandbox %q successfully`, `... returns successfully`;
- the kubelet's GC (once a minute) or crictl removes it: `RemoveContainer for %q` / `... returns
  successfully`; `RemovePodSandbox for %q`, `Forcibly stopping sandbox %q`, TearDown again,
  `RemovePodSandbox %q returns successfully` (no "for": instrumented_service.go).
What is gone from the runtime is kept as small records (containerd_history.py), so a removed
container's lines stay, up to that module's CAP per node.

Not derived: exec probes' exits (2.1 logs a `TaskExit event in podsandbox handler` with the exec
id for every run, containerd#11836), `connecting to shim <container id>` that 2.x logs when a
container joins its pod's shim (source only, no real line seen), OOM events, a stop that runs
into its timeout (`Kill container` after the grace period: the twin's stopped processes exit on
SIGTERM), the old static pod's stop waiting before the new one starts (the twin starts the new
pod in the same instant), and anything a restarted containerd logs while recovering containers.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.providers.sim.clock import rfc3339nano
from app.providers.sim.containerd_history import kubelet_stop, stopped_at
from app.providers.sim.containerd_run import shim_socket
from app.providers.sim.journals import containerd_pid

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

Entry = tuple[float, str, int, str]
# Go's prototext puts one or two spaces between fields, fixed per binary (protobuf-go
# internal/detrand); containerd 2.1 journals show two (containerd/containerd#11836).
SEP = "  "
IN_FLIGHT = 0.25


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=4096)
def _second(whole: int) -> str:
    return rfc3339nano(whole).removesuffix("Z")


def _stamp(at: float, n: int) -> str:
    """journals._nanos, with each second formatted once: formatting was most of the cost."""
    micros = round(at * 1e6)
    filler = int(hashlib.sha1(f"{micros}/{n}".encode()).hexdigest()[:4], 16) % 1000
    return f"{_second(micros // 1_000_000)}.{micros % 1_000_000:06d}{filler:03d}Z"


def _line(at: float, n: int, msg: str, fields: str = "") -> str:
    return f'time="{_stamp(at, n)}" level=info msg={_q(msg)}' + (f" {fields}" if fields else "")


def _spread(*key: object) -> float:
    return int(hashlib.sha1("/".join(map(str, key)).encode()).hexdigest()[:4], 16) % 900 / 1e6


@dataclass
class _Sb:
    id: str
    name: str
    namespace: str
    uid: str
    attempt: int
    created: float
    stopped: float | None = None
    removed: float | None = None


@dataclass
class _Ctr:
    id: str
    sandbox_id: str
    name: str
    attempt: int
    created: float
    started: float | None
    finished: float | None = None
    exit_code: int | None = None
    stop: list[Any] | None = None
    removed: float | None = None


def _views(node: SimNode) -> tuple[dict[str, _Sb], list[_Ctr]]:
    """Every sandbox and container containerd had: those crictl lists and those gone."""
    rt = node.runtime
    pods = node.kubelet.pods
    sandboxes: dict[str, _Sb] = {}
    containers: list[_Ctr] = []
    for r in rt.gone:
        if r[0] == "s":
            sandboxes[r[1]] = _Sb(*r[1:9])
        elif r[0] == "c":
            containers.append(_Ctr(*r[1:11]))
    for sb in rt.sandboxes.values():
        sandboxes[sb.id] = _Sb(sb.id, sb.name, sb.namespace, sb.uid, sb.attempt, sb.created,
                               stopped_at(rt, sb.id) if sb.state != "ready" else None)
    for c in rt.containers.values():
        done = c.state == "exited"
        pod = pods.get(c.pod_uid)
        containers.append(_Ctr(
            c.id, c.sandbox_id, c.name, c.attempt, c.created, c.started,
            c.finished if done else None, c.exit_code if done else None,
            kubelet_stop(c, pod.spec if pod is not None else None) if done else None))
    return sandboxes, containers


def _pid(*key: object) -> int:
    """The PID proctable.py gives a container (or a sandbox's /pause) while it runs."""
    from app.providers.sim.shell.proctable import _hash_int

    return 400 + _hash_int(*key) % 7600


def _exited_at(at: float) -> str:
    """A protobuf Timestamp as Go's prototext prints it (zero fields left out)."""
    micros = round(at * 1e6)
    secs, frac = divmod(micros, 1_000_000)
    nanos = frac * 1000 + int(hashlib.sha1(str(micros).encode()).hexdigest()[:4], 16) % 1000
    return f"exited_at:{{seconds:{secs}{SEP}nanos:{nanos}}}"


def _task_exit(cid: str, pid: int, code: int, at: float) -> str:
    """eventtypes.TaskExit's String(): prototext, zero-valued fields omitted."""
    status = f"{SEP}exit_status:{code}" if code else ""
    return (f'container_id:"{cid}"{SEP}id:"{cid}"{SEP}pid:{pid}{status}{SEP}'
            f"{_exited_at(at)}")


def entries(node: SimNode) -> list[Entry]:
    from app.providers.sim.kubelet_journal import runs

    now = node.cluster.t
    windows = runs(node, "containerd")
    if not windows:
        return []

    pids = [(start - 0.1, end, containerd_pid(node, start)) for start, end, _ in windows]

    def pid_at(t: float) -> int | None:
        for start, end, pid in pids:
            if start <= t < end:
                return pid
        return None

    out: list[Entry] = []

    def add(at: float, msg: str, fields: str = "") -> None:
        pid = pid_at(at)
        if pid is not None and at <= now + IN_FLIGHT:
            out.append((at, "containerd", pid, _line(at, len(out), msg, fields)))

    sandboxes, containers = _views(node)
    for sb in sandboxes.values():
        meta = (f"&PodSandboxMetadata{{Name:{sb.name},Uid:{sb.uid},Namespace:{sb.namespace},"
                f"Attempt:{sb.attempt},}}")
        t0 = sb.created + 0.002 + _spread(sb.id)
        add(t0, f"RunPodSandbox for {meta}")
        add(t0 + 0.041, f"connecting to shim {sb.id}",
            f'address="unix://{shim_socket(sb.id)}" namespace=k8s.io protocol=ttrpc version=3')
        add(t0 + 0.118, f"RunPodSandbox for {meta} returns sandbox id {_q(sb.id)}")
    for c in containers:
        if c.sandbox_id not in sandboxes:
            continue
        meta = f"&ContainerMetadata{{Name:{c.name},Attempt:{c.attempt},}}"
        # after its sandbox's lines (the twin's bootstrap may date a container first)
        sb = sandboxes[c.sandbox_id]
        t0 = max(c.created, sb.created + 0.002 + _spread(sb.id) + 0.13) + 0.001 + _spread(c.id)
        add(t0, f"CreateContainer within sandbox {_q(c.sandbox_id)} for container {meta}")
        add(t0 + 0.019, f"CreateContainer within sandbox {_q(c.sandbox_id)} for {meta} returns "
                        f"container id {_q(c.id)}")
        if c.started is not None:
            add(t0 + 0.021, f"StartContainer for {_q(c.id)}")
            add(t0 + 0.083, f"StartContainer for {_q(c.id)} returns successfully")
        # a process that dies at once is reported after StartContainer returns; one that died
        # with the node (reboot) is not reported by the containerd that starts afterwards
        if c.finished is not None and any(s + 0.1 < c.finished < e for s, e, _ in pids):
            _exit_lines(add, c, t0 + 0.084 if c.started is not None else t0 + 0.02)
        if c.removed is not None:
            t1 = c.removed + 0.004 + _spread("rm", c.id) * 10
            add(t1, f"RemoveContainer for {_q(c.id)}")
            add(t1 + 0.011, f"RemoveContainer for {_q(c.id)} returns successfully")
    for sb in sandboxes.values():
        _sandbox_end(add, sb, [c for c in containers if c.sandbox_id == sb.id])
    # What a step started (a stop, a removal) containerd has logged by the time anyone reads
    # the journal: lines up to IN_FLIGHT ahead are shown, filed at now, in their own order.
    out.sort(key=lambda e: e[0])
    return [(min(e[0], now), *e[1:]) for e in out]


def _exit_lines(add: Any, c: _Ctr, not_before: float) -> None:
    """The exit of a container's process (`received exit event` from the CRI's exit monitor,
    `TaskExit event in podsandbox handler` from the pod sandbox controller's /tasks/exit
    subscriber), bracketed by the StopContainer call when the kubelet (or crictl) stopped it."""
    if c.finished is None:
        return
    fin, code = c.finished, c.exit_code or 0
    stop = c.stop
    if stop:
        at, timeout = float(stop[0]), stop[1]
        if timeout is not None:
            add(min(at, fin - 0.0004), f"StopContainer for {_q(c.id)} with timeout {timeout} (s)")
        add(min(at + 0.0002, fin - 0.0002),
            f"Stop container {_q(c.id)} with signal terminated" if timeout else
            f"Kill container {_q(c.id)}")
        stop = stop if timeout is not None else None
    event = _task_exit(c.id, _pid("container", c.id), code, fin)
    at = max(fin, not_before) + 0.00021 + _spread("exit", c.id) / 9
    add(at, f"TaskExit event in podsandbox handler {event}")
    add(at + 0.00013, f"received exit event {event}")
    if stop:
        add(at + 0.0119, f"StopContainer for {_q(c.id)} returns successfully")


def _sandbox_end(add: Any, sb: _Sb, members: list[_Ctr]) -> None:
    """StopPodSandbox (its containers already exited; the pause is killed, the shim goes) and
    the kubelet's RemovePodSandbox at its next GC run (sandbox_stop.go, sandbox_remove.go)."""
    done = -1.0
    if sb.stopped is not None:
        t = sb.stopped
        # containers it killed itself (`Kill container`) went at t: its line comes first
        killed = [c for c in members if c.stop and c.stop[1] is None]
        add(min([t] + [float(c.stop[0]) - 0.0008 for c in killed if c.stop]),
            f"StopPodSandbox for {_q(sb.id)}")
        for i, c in enumerate(sorted(members, key=lambda c: c.created)):
            if c.finished is not None and c.finished <= t and c.created <= t and \
                    c not in killed and (c.removed is None or c.removed > t):
                add(t + 0.0002 + i * 0.00004,
                    f"Container to stop {_q(c.id)} must be in running or unknown state, current "
                    f'state "CONTAINER_EXITED"')
        fin = t + 0.021 + _spread("pause", sb.id)
        pause = _pid("pause", sb.id, sb.attempt)
        add(fin + 0.0003, "TaskExit event in podsandbox handler "
                          + _task_exit(sb.id, pause, 137, fin))
        shim = f"id={sb.id} namespace=k8s.io"
        add(fin + 0.018, "shim disconnected", shim)
        add(fin + 0.01805, "cleaning up after shim disconnected", shim)
        add(fin + 0.01807, "cleaning up dead shim", shim)
        add(fin + 0.0191, f'received exit event sandbox_id:"{sb.id}"{SEP}exit_status:137{SEP}'
                          f"{_exited_at(fin)}")
        add(fin + 0.052, f"TearDown network for sandbox {_q(sb.id)} successfully")
        add(fin + 0.0522, f"StopPodSandbox for {_q(sb.id)} returns successfully")
        done = fin + 0.0528
    if sb.removed is not None:
        t = max(sb.removed + 0.06 + _spread("rmp", sb.id) * 10, done)
        add(t, f"RemovePodSandbox for {_q(sb.id)}")
        add(t + 0.0001, f"Forcibly stopping sandbox {_q(sb.id)}")
        add(t + 0.027, f"TearDown network for sandbox {_q(sb.id)} successfully")
        add(t + 0.041, f"RemovePodSandbox {_q(sb.id)} returns successfully")
