"""What containerd was asked to stop and remove, kept small so its journal can be derived.

The runtime (runtime.py) holds only what crictl still lists. A real containerd's journal also
keeps the lines of containers and sandboxes that are gone: the kubelet stopped them
(StopContainer, StopPodSandbox) and later removed them (RemoveContainer, RemovePodSandbox).
So when the kubelet removes a pod or its container GC removes a dead attempt, one compact
record (a JSON list) goes into `Runtime.gone`; containerd_journal.py renders them when the
journal is read. A container the kubelet stops while it stays listed (a liveness kill) needs
no record: its `notes` say so (probing.py `killed_by` and its Killing event series).

Records, oldest first, at most CAP per node (the oldest drop off, as a journal rotates):
  ["c", id, sandbox_id, name, attempt, created, started, finished, exit_code, stop, removed]
  ["s", id, name, namespace, uid, attempt, created, stopped, removed]
  ["p", sandbox_id, stopped]  a sandbox still listed that `crictl stopp` stopped
`stop` is `[StopContainer time, timeout s]` (timeout None: killed by StopPodSandbox) or None
(it exited by itself); `stopped` is the StopPodSandbox time or None (NotReady already);
`removed` None means removed without a RemoveContainer line (inside RemovePodSandbox).
A listed container's own StopContainer is in its notes (`cri_stop`, same shape as `stop`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim.runtime import make_id

if TYPE_CHECKING:
    from app.providers.sim.kubelet import PodState
    from app.providers.sim.runtime import Container, Runtime, Sandbox

CAP = 48
GC_PERIOD = 60.0  # kubelet.CONTAINER_GC_PERIOD (not imported: kubelet imports this module)
DEFAULT_GRACE = 30  # the API default of terminationGracePeriodSeconds


def _keep(rt: Runtime, record: list[Any]) -> None:
    rt.gone.append(record)
    if len(rt.gone) > CAP:
        del rt.gone[: len(rt.gone) - CAP]


def next_gc(t: float) -> float:
    """The kubelet's next container GC run after t (kubelet.py `_collect_garbage` ticks)."""
    return t - t % GC_PERIOD + GC_PERIOD


def grace(spec: dict[str, Any]) -> int:
    value = spec.get("terminationGracePeriodSeconds")
    return int(value) if isinstance(value, int | float) else DEFAULT_GRACE


def kubelet_stop(c: Container, spec: dict[str, Any] | None = None) -> list[Any] | None:
    """`[time, timeout]` of the StopContainer the kubelet sent this container, if it did: a
    recorded one, or a liveness/startup probe kill (the Killing event's instant)."""
    noted = c.notes.get("cri_stop")
    if noted:
        return list(noted)
    if not c.notes.get("killed_by") or c.finished is None or c.exit_code != 137:
        return None
    for s in c.notes.get("event_series") or []:
        if s.get("reason") == "Killing" and abs(s["first"] - c.finished) < 1e-6:
            return [c.finished, grace(spec or {})]
    return None


def container_removed(rt: Runtime, c: Container, at: float | None,
                      spec: dict[str, Any] | None = None) -> None:
    """The kubelet's GC (or `crictl rm`) removed a dead container at `at` (None: silently,
    inside RemovePodSandbox, which calls the CRI service's RemoveContainer unlogged)."""
    _keep(rt, ["c", c.id, c.sandbox_id, c.name, c.attempt, c.created, c.started, c.finished,
               c.exit_code, kubelet_stop(c, spec), at])


def stop_requested(c: Container, t: float, timeout: int | None) -> None:
    """A StopContainer call (`crictl stop`: timeout 0), or with None the SIGKILL containerd's
    StopPodSandbox sends each running container itself (`Kill container`, no StopContainer)."""
    c.notes["cri_stop"] = [t, timeout]


def sandbox_stopped(rt: Runtime, sb: Sandbox, t: float) -> None:
    """StopPodSandbox on a sandbox that stays listed, NotReady (`crictl stopp`)."""
    _keep(rt, ["p", sb.id, t])


def stopped_at(rt: Runtime, sandbox_id: str) -> float | None:
    return next((r[2] for r in reversed(rt.gone) if r[0] == "p" and r[1] == sandbox_id), None)


def pod_removed(rt: Runtime, pod: PodState, t: float) -> None:
    """The kubelet kills a pod that left its config (manifest removed or changed, API pod
    deleted): StopContainer with the pod's grace period for each running container (they
    exit on SIGTERM a moment later), then StopPodSandbox; its next GC run removes them."""
    removed = next_gc(t)
    spec_of = {str(s.get("name", "")): s for s in pod.containers()}
    last = t
    for c in rt.containers_of(pod.uid):
        stop = None
        finished, code = c.finished, c.exit_code
        if c.running():
            stop = [t + 0.001 + _frac("stop", c.id) * 0.002, grace(pod.spec)]
            finished = stop[0] + 0.05 + _frac("exit", c.id) * 0.3
            code = 0
            last = max(last, finished)
        else:
            stop = kubelet_stop(c, spec_of.get(c.name))
        _keep(rt, ["c", c.id, c.sandbox_id, c.name, c.attempt, c.created, c.started, finished,
                   code, stop, removed])
    for sb in sorted((s for s in rt.sandboxes.values() if s.uid == pod.uid),
                     key=lambda s: s.created):
        stopped = last + 0.02 if sb.state == "ready" else None
        sandbox_removed(rt, sb, stopped, removed)


def sandbox_removed(rt: Runtime, sb: Sandbox, stopped: float | None, removed: float) -> None:
    if stopped is None:
        stopped = stopped_at(rt, sb.id)
    rt.gone[:] = [r for r in rt.gone if not (r[0] == "p" and r[1] == sb.id)]
    _keep(rt, ["s", sb.id, sb.name, sb.namespace, sb.uid, sb.attempt, sb.created, stopped,
               removed])


def _frac(*key: object) -> float:
    return int(make_id("containerd-history", *key)[:6], 16) / 0x1000000
