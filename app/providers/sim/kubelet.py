"""The kubelet of one node: static pods from the manifests directory, restarts with back-off.

It reads only what the real kubelet reads (the files under `staticPodPath`, the pods the API
assigns to its node), starts containers through the node's runtime and lets the component
models decide whether they keep running. Stopping it leaves containers running, as on a
real node (shared/ISSUE-NOTES.md, etcd-quorum-lost).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from app.providers.sim import containerd_history, images, kubelet_tls, yamlcache
from app.providers.sim.batchrun import plan_exit, restarts
from app.providers.sim.clock import rfc3339nano_fixed
from app.providers.sim.components.base import Context, klog
from app.providers.sim.components.registry import component_for
from app.providers.sim.runtime import Container, Sandbox, make_id
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

STATIC_POD_PATH = "/etc/kubernetes/manifests"
BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
# The kubelet's container garbage collection (kubelet.go ContainerGCPeriod, and the defaults
# of --maximum-dead-containers-per-container=1 and --minimum-container-ttl-duration=0): once
# a minute, every dead container but the newest of each pod's container is removed, and its
# log file with it (kuberuntime_gc.go evictContainers, removeContainerLog).
CONTAINER_GC_PERIOD = 60.0


def go_duration(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    return f"{s // 60}m{s % 60}s"


@functools.lru_cache(maxsize=512)
def static_pod_uid(raw: bytes, path: str, node_name: str) -> str | None:
    """pkg/kubelet/config/common.go applyDefaults: md5 over the decoded pod (the decoder fills
    in the API defaults), then `host:<node>` and `file:<path>`. An edit that leaves the decoded
    pod as it was (a comment, indentation, quoting, a default spelled out) keeps the UID, so
    the kubelet changes nothing; renaming the file changes it. None when it does not parse."""
    from app.providers.sim.controllers import default_pod_spec

    try:
        doc = yamlcache.peek(raw)
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("spec"), dict):
        return None
    try:
        decoded = {**doc, "spec": default_pod_spec(doc["spec"])}
    except (AttributeError, TypeError, ValueError):
        return None  # not a pod the decoder accepts: the caller reports it
    h = hashlib.md5(json.dumps(decoded, sort_keys=True, default=str).encode())  # noqa: S324
    h.update(f"host:{node_name}".encode())
    h.update(f"file:{path}".encode())
    return h.hexdigest()


@dataclass
class PodState:
    uid: str
    name: str
    namespace: str
    spec: dict[str, Any]
    static: bool
    sandbox_id: str
    created: float
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    def containers(self) -> list[dict[str, Any]]:
        return list(self.spec.get("containers") or [])


@dataclass
class Backoff:
    seen: float = 0.0  # finish time of the exit this entry has accounted for
    until: float = 0.0
    current: float = 0.0  # the back-off now in effect (0 for the immediate first restart)
    next: float = BACKOFF_INITIAL
    reported: bool = False



def config_seen(digest: str, t: float) -> str:
    """kubernetes.io/config.seen: when the kubelet's config source first read the pod
    (config.go recordFirstSeenTime, RFC3339NanoFixed). The file source reads a manifest a
    fraction of a second after the change; the fraction is drawn from the pod's hash."""
    return rfc3339nano_fixed(round(t * 1e6) * 1000 + int(digest[:8], 16) % 900_000_000)

class Kubelet:
    def __init__(self, node: SimNode) -> None:
        self.node = node
        self.pods: dict[str, PodState] = {}
        self.backoff: dict[str, Backoff] = {}
        self.bad_manifests: dict[str, str] = {}  # path -> content hash already reported
        # The manifests directory read at the last sync, kept while the node's files are
        # unchanged: listing, reading and hashing it was a fifth of every step. Not persisted.
        self._manifests_seen: tuple[object, int, dict[str, PodState]] | None = None
        self._gc_tick: float | None = None  # the container GC run last applied; not persisted

    # --- what to run -----------------------------------------------------------------------

    def _static_pods(self, t: float) -> dict[str, PodState]:
        vfs = self.node.vfs
        seen = self._manifests_seen
        if seen is not None and seen[0] is vfs and seen[1] == vfs.changes:
            return {uid: self.pods.get(uid, pod) for uid, pod in seen[2].items()}
        found = self._read_static_pods(t)
        self._manifests_seen = (vfs, vfs.changes, dict(found))
        return found

    def _read_static_pods(self, t: float) -> dict[str, PodState]:
        vfs = self.node.vfs
        found: dict[str, PodState] = {}
        try:
            names = vfs.listdir(STATIC_POD_PATH)
        except VFSError:
            return found
        for fname in names:
            path = f"{STATIC_POD_PATH}/{fname}"
            if fname.startswith(".") or not vfs.is_file(path):
                continue
            raw = vfs.read(path)
            pod = self._parse_manifest(path, raw, t)
            if pod is not None:
                found[pod.uid] = pod
        return found

    def _parse_manifest(self, path: str, raw: bytes, t: float) -> PodState | None:
        # The static pod's UID is the hash of the decoded pod, as kubelet's config.hash is.
        digest = static_pod_uid(raw, path, self.node.name) or \
            hashlib.md5(raw + self.node.name.encode()).hexdigest()  # noqa: S324
        if digest in self.pods:
            return self.pods[digest]
        try:
            doc = yamlcache.load(raw)
            if not isinstance(doc, dict) or doc.get("kind") != "Pod":
                raise ValueError("manifest is not a Pod")
            meta = doc.get("metadata") or {}
            spec = doc.get("spec") or {}
            if not meta.get("name") or not isinstance(spec.get("containers"), list):
                raise ValueError("name and containers are required")
        except (yaml.YAMLError, ValueError) as err:
            if self.bad_manifests.get(path) != digest:
                self.bad_manifests[path] = digest
                detail = str(err).replace("\n", " ")
                self.journal(t, "E", "file.go:187",
                             f'"Could not process manifest file" err="{path}: couldn\'t parse '
                             f'as pod({detail}), please check config file" path="{path}"')
            return None
        self.bad_manifests.pop(path, None)
        existing = self.pods.get(digest)
        return existing or PodState(
            uid=digest, name=f"{meta['name']}-{self.node.name}",
            namespace=meta.get("namespace") or "default", spec=spec, static=True,
            sandbox_id=make_id("sandbox", digest, t), created=t,
            labels=dict(meta.get("labels") or {}),
            annotations={**(meta.get("annotations") or {}),
                         "kubernetes.io/config.hash": digest,
                         "kubernetes.io/config.mirror": digest,
                         "kubernetes.io/config.seen": config_seen(digest, t),
                         "kubernetes.io/config.source": "file"})

    # --- the loop --------------------------------------------------------------------------

    def sync(self, t: float) -> None:
        if kubelet_tls.blocks_start(self.node, t):
            return  # exited at start: its client certificate expired (kubelet_tls)
        cluster = self.node.cluster
        desired = self._static_pods(t)
        desired.update({uid: p for uid, p in self.pods.items() if not p.static})
        for uid in list(self.pods):
            if uid not in desired:
                self._remove_pod(self.pods.pop(uid), t)
        for uid, pod in desired.items():
            if uid not in self.pods:
                self._create_pod(pod, t)
            elif (old := self.node.runtime.sandboxes.get(pod.sandbox_id)) is None or \
                    old.state != "ready":
                # Removed (`crictl rmp -f`) or stopped (`crictl stopp`) under it: kuberuntime_
                # manager podSandboxChanged starts a new one, attempt 0 or the old one's + 1.
                pod.sandbox_id = make_id("sandbox", uid, t)
                self._create_pod(pod, t)
                if old is not None:
                    self.node.runtime.sandboxes[pod.sandbox_id].attempt = old.attempt + 1
        self._collect_garbage(t)
        # A sync starts containers only for the entry it is looking at, so the index of each
        # container's newest attempt holds for the whole pass.
        latest = self.node.runtime.newest()
        for pod in desired.values():
            for spec in pod.containers():
                self._sync_container(cluster, pod, spec, t,
                                     latest.get((pod.uid, spec.get("name", ""))))

    def _collect_garbage(self, t: float) -> None:
        """What the last GC run (a whole minute of twin time) removed: of each pod
        container's dead attempts that had exited by then, all but the newest."""
        tick = t - t % CONTAINER_GC_PERIOD
        if self._gc_tick == tick:
            return
        self._gc_tick = tick
        rt = self.node.runtime
        newest_dead: dict[tuple[str, str], Container] = {}
        doomed: list[Container] = []
        for c in sorted(rt.containers.values(), key=lambda c: (c.attempt, c.created)):
            if c.state != "exited" or c.finished is None or c.finished > tick \
                    or c.pod_uid not in self.pods:
                continue
            older = newest_dead.get((c.pod_uid, c.name))
            if older is not None:
                doomed.append(older)
            newest_dead[(c.pod_uid, c.name)] = c
        for c in doomed:
            containerd_history.container_removed(rt, c, tick, self._spec_of(c))
            del rt.containers[c.id]

    def _spec_of(self, c: Container) -> dict[str, Any] | None:
        pod = self.pods.get(c.pod_uid)
        return pod.spec if pod is not None else None

    def _create_pod(self, pod: PodState, t: float) -> None:
        self.pods[pod.uid] = pod
        self.node.runtime.sandboxes[pod.sandbox_id] = Sandbox(
            id=pod.sandbox_id, name=pod.name, namespace=pod.namespace, uid=pod.uid, created=t)

    def _remove_pod(self, pod: PodState, t: float) -> None:
        images.forget(self, pod.uid)
        rt = self.node.runtime
        containerd_history.pod_removed(rt, pod, t)
        for c in rt.containers_of(pod.uid):
            del rt.containers[c.id]
        rt.sandboxes.pop(pod.sandbox_id, None)
        for sid in [s.id for s in rt.sandboxes.values() if s.uid == pod.uid]:
            del rt.sandboxes[sid]  # NotReady ones it had replaced (crictl stopp)
        for key in [k for k in rt.kept_logs if k.startswith(pod.uid + "/")]:
            del rt.kept_logs[key]  # the pod's log directory goes with it
        for key in [k for k in self.backoff if k.startswith(pod.uid + "/")]:
            del self.backoff[key]

    def _sync_container(self, cluster: SimCluster, pod: PodState, spec: dict[str, Any],
                        t: float, latest: Container | None) -> None:
        rt = self.node.runtime
        name = spec.get("name", "")
        ctx = Context(cluster=cluster, node=self.node, t=t)
        if latest is not None and latest.running():
            if latest.exit_at is not None and latest.exit_at <= t:
                latest.stop(latest.exit_at, latest.planned_exit_code,
                            "Completed" if latest.planned_exit_code == 0 else
                            latest.planned_reason)
            else:
                component_for(latest.command).reconcile(ctx, latest)
                return
        key = f"{pod.uid}/{name}"
        if latest is not None and not restarts(pod, latest):
            return  # restartPolicy Never, or OnFailure after a clean exit (batchrun)
        if latest is not None and not self._may_restart(pod, key, latest, t):
            return
        # Without a container to count from, the kubelet counts the log files left in the pod's
        # log directory (kuberuntime_container calcRestartCountByLogDir).
        attempt = (latest.attempt + 1) if latest else rt.restarts_from_logs(pod.uid, name)
        self._start(pod, spec, attempt, ctx)

    def _may_restart(self, pod: PodState, key: str, latest: Container, t: float) -> bool:
        """kuberuntime_manager doBackOff: the first failure restarts at once, later ones wait
        10 s, 20 s, 40 s... up to 5 min; an entry is forgotten after 10 min of good running."""
        finished = latest.finished or t
        bo = self.backoff.get(key)
        ran = finished - (latest.started or finished)
        if bo is None or ran > 2 * BACKOFF_MAX:
            bo = self.backoff[key] = Backoff(seen=finished, until=finished)
        elif bo.seen != finished:
            bo.seen = finished
            bo.current = bo.next
            bo.next = min(bo.next * 2, BACKOFF_MAX)
            # Real restarts land a little after the back-off expires (sync loop jitter).
            jitter = int(make_id(key, bo.current)[:4], 16) / 65536 * 0.9
            bo.until = finished + bo.current + jitter
            bo.reported = False
        if t < bo.until:
            if not bo.reported:
                bo.reported = True
                self._report_backoff(pod, latest.name, bo.current, t)
            return False
        return True

    def _start(self, pod: PodState, spec: dict[str, Any], attempt: int, ctx: Context) -> None:
        if not images.ensure(self, pod, spec, ctx.t):
            return  # no container without its image: ErrImagePull / ImagePullBackOff
        command = [str(x) for x in (spec.get("command") or [])] + \
                  [str(x) for x in (spec.get("args") or [])]
        c = Container(id=make_id("container", pod.uid, spec.get("name"), attempt, ctx.t),
                      name=spec.get("name", ""), pod_uid=pod.uid, pod_name=pod.name,
                      namespace=pod.namespace, sandbox_id=pod.sandbox_id,
                      image=str(spec.get("image", "")), attempt=attempt, created=ctx.t,
                      command=command, started=ctx.t)
        self.node.runtime.containers[c.id] = c
        component_for(command).launch(ctx, c)
        if not pod.static:
            from app.providers.sim.probing import on_start

            on_start(self.node, pod, spec, c, ctx.t)
            plan_exit(pod, c, ctx.t)

    def _report_backoff(self, pod: PodState, name: str, delay: float, t: float) -> None:
        from app.providers.sim.probing import on_backoff

        on_backoff(self.node, pod, name, t)
        ref = f"{pod.name}_{pod.namespace}({pod.uid})"
        inner = (f'back-off {go_duration(delay)} restarting failed container={name} pod={ref}')
        self.journal(t, "E", "pod_workers.go:1301",
                     f'"Error syncing pod, skipping" err="failed to \\"StartContainer\\" for '
                     f'\\"{name}\\" with CrashLoopBackOff: \\"{inner}\\"" '
                     f'pod="{pod.namespace}/{pod.name}" podUID="{pod.uid}"')

    def next_event(self, after: float) -> float | None:
        times: list[float] = []
        for c in self.node.runtime.containers.values():
            if c.running() and c.exit_at is not None:
                times.append(c.exit_at)
            if c.running() and c.ready_at is not None and c.ready_at > after:
                times.append(c.ready_at)  # others (the apiserver) may be waiting for it
            wake = c.notes.get("wake_at") if c.running() else None
            if wake is not None and wake > after:
                times.append(wake)  # a component waiting on time (a lease to expire)
        for key, bo in self.backoff.items():
            uid, _, name = key.partition("/")
            latest = self.node.runtime.latest(uid, name)
            if uid in self.pods and latest is not None and not latest.running():
                times.append(bo.until)
        pull = images.next_retry(self, after)
        if pull is not None:
            times.append(pull)
        return min(times) if times else None

    def journal(self, t: float, level: str, source: str, msg: str) -> None:
        self.node.journal_line(t, "kubelet", klog(t, level, source, msg, pid=self.node.kubelet_pid))

    def reset_backoff(self) -> None:
        """In-memory state is lost when the kubelet restarts; so is every back-off."""
        self.backoff.clear()
        self.bad_manifests.clear()
        self._manifests_seen = None  # a new process lists and parses the manifests again

    def to_json(self) -> dict[str, Any]:
        return {
            "pods": [vars(p) for p in self.pods.values()],
            "backoff": {k: vars(b) for k, b in self.backoff.items()},
            "bad_manifests": self.bad_manifests,
            "pulls": getattr(self, "pulls", {}),
        }

    def load_json(self, raw: dict[str, Any]) -> None:
        self._manifests_seen = None
        self.pods = {p["uid"]: PodState(**p) for p in raw["pods"]}
        self.backoff = {k: Backoff(**b) for k, b in raw["backoff"].items()}
        self.bad_manifests = dict(raw["bad_manifests"])
        self.pulls = dict(raw.get("pulls", {}))
