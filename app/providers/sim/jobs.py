"""kube-controller-manager's Job controller (pkg/controller/job), as of Kubernetes 1.33.

- Admission: a new Job gets what the API server adds (pkg/apis/batch/v1 defaults and the job
  strategy's generated selector): `parallelism` 1, `completions` 1 when neither is set,
  `backoffLimit` 6, `completionMode: NonIndexed`, `suspend: false`,
  `podReplacementPolicy: TerminatingOrFailed`, the selector
  `batch.kubernetes.io/controller-uid=<uid>` and the four labels on the pod template
  (`batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`, `controller-uid`,
  `job-name`), copied onto the Job when it has no labels of its own.
- Pods are named `<job>-<5 chars>` (generateName; the suffix here is a hash of the Job's UID
  and the store revision, so a seeded twin is reproducible), owned by the Job, carrying the
  `batch.kubernetes.io/job-tracking` finalizer; event `SuccessfulCreate` `Created pod: <name>`.
- It keeps `min(parallelism, completions - succeeded)` pods active (work-queue Jobs without
  `completions`: `parallelism` until one succeeds). A Job completes when enough pods succeeded
  (work queue: one succeeded and none is active): conditions `SuccessCriteriaMet` then
  `Complete`, reason `CompletionsReached`, message `Reached expected number of succeeded pods`,
  `completionTime`, event `Completed` `Job completed`. It fails when more than `backoffLimit`
  pods failed (`BackoffLimitExceeded`, `Job has reached the specified backoff limit`) or it ran
  past `activeDeadlineSeconds` (`DeadlineExceeded`, `Job was active longer than specified
  deadline`): `FailureTarget` then `Failed`, a Warning event, its active pods deleted.
- The garbage collector's part: pods whose Job is gone are deleted.

- `suspend: true` deletes the active pods and sets `Suspended` (JobSuspended / `Job
  suspended`); resuming sets it False (JobResumed / `Job resumed`) and resets startTime.

- A failed pod is replaced after 10 s, doubling per failure up to 10 min, counted from the
  last failure (DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff).

Not modelled: Indexed completion mode, pod failure policies, success policies,
`ttlSecondsAfterFinished`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from app.providers.sim import events
from app.providers.sim.clock import parse_rfc3339, rfc3339
from app.providers.sim.runtime import make_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

Obj = dict[str, Any]
COMPONENT = "job-controller"
UID_LABEL = "batch.kubernetes.io/controller-uid"
NAME_LABEL = "batch.kubernetes.io/job-name"
TRACKING = "batch.kubernetes.io/job-tracking"
DEFAULT_BACKOFF_LIMIT = 6
BACKOFF_S, MAX_BACKOFF_S = 10.0, 600.0  # job_controller.go DefaultJobPodFailureBackOff / Max
_DONE = ("Complete", "Failed")


def finished(job: Obj) -> str | None:
    """"Complete" / "Failed" once the Job has that condition, else None (IsJobFinished)."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in _DONE and c.get("status") == "True":
            return str(c["type"])
    return None


def owner_ref(obj: Obj) -> Obj:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def controller_uid(obj: Obj) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid"))
    return None


def delete(cluster: SimCluster, kind: str, name: str, namespace: str) -> None:
    """Delete through the API: etcd keeps the old revision's pages until a compaction and a
    defrag (etcd_cluster.db_size), as for a key deleted with etcdctl."""
    from app.providers.sim import etcd_cluster as ec

    obj = cluster.store.delete(kind, name, namespace)
    st = ec.state(cluster)
    # As much as the live key counted in db_size (3 x its encoding), so a delete never shrinks.
    st["garbage"] = st.get("garbage", 0) + st.get("sizes", {}).pop(ec.key_of(obj), 0) + \
        3 * len(ec.encode(obj))


def admit(job: Obj) -> bool:
    """The API server's defaults for a Job it has just stored; False when already applied."""
    from app.providers.sim.controllers import default_pod_spec

    spec = job.setdefault("spec", {})
    if spec.get("selector"):
        return False
    meta = job["metadata"]
    uid, name = meta["uid"], meta["name"]
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", DEFAULT_BACKOFF_LIMIT)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    spec.setdefault("manualSelector", False)
    spec["selector"] = {"matchLabels": {UID_LABEL: uid}}
    tmpl = spec.setdefault("template", {})
    tmeta = tmpl.setdefault("metadata", {})
    tmeta["labels"] = {**(tmeta.get("labels") or {}), UID_LABEL: uid, NAME_LABEL: name,
                       "controller-uid": uid, "job-name": name}
    tmpl["spec"] = default_pod_spec(tmpl.get("spec") or {})
    if not meta.get("labels"):
        meta["labels"] = dict(tmeta["labels"])
    return True


def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def _ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _restarts(pod: Obj) -> int:
    return sum(int(s.get("restartCount", 0))
               for s in (pod.get("status") or {}).get("containerStatuses") or [])


def _condition(type_: str, reason: str, message: str, t: float) -> Obj:
    return {"type": type_, "status": "True", "reason": reason, "message": message,
            "lastProbeTime": rfc3339(t), "lastTransitionTime": rfc3339(t)}


def _create_pod(cluster: SimCluster, job: Obj, n: int, t: float) -> Obj:
    from app.providers.sim.controllers import _encode, admit_pod_spec

    store = cluster.store
    meta = job["metadata"]
    ns = meta["namespace"]
    tmpl = job["spec"]["template"]
    tmeta = tmpl.get("metadata") or {}
    name = ""
    for salt in range(100):
        name = f"{meta['name']}-{_encode(make_id(meta['uid'], store.revision, n, salt), 5)}"
        if store.find("Pod", name, ns) is None:
            break
    pmeta: Obj = {"generateName": f"{meta['name']}-", "name": name, "namespace": ns,
                  "labels": dict(tmeta.get("labels") or {}), "ownerReferences": [owner_ref(job)],
                  "finalizers": [TRACKING]}
    if tmeta.get("annotations"):
        pmeta["annotations"] = dict(tmeta["annotations"])
    pod = store.create({"kind": "Pod", "apiVersion": "v1", "metadata": pmeta,
                        "spec": admit_pod_spec(copy.deepcopy(tmpl.get("spec") or {}), name),
                        "status": {"phase": "Pending", "qosClass": "BestEffort"}}, t)
    events.record(cluster, t, events.involved(job), "Normal", "SuccessfulCreate",
                  f"Created pod: {name}", COMPONENT)
    return pod


def _delete_pods(cluster: SimCluster, job: Obj, pods: list[Obj], t: float) -> None:
    for p in pods:
        delete(cluster, "Pod", p["metadata"]["name"], p["metadata"]["namespace"])
        events.record(cluster, t, events.involved(job), "Normal", "SuccessfulDelete",
                      f"Deleted pod: {p['metadata']['name']}", COMPONENT)


def _finish(cluster: SimCluster, job: Obj, status: Obj, kind: str, reason: str, message: str,
            t: float) -> None:
    first = "SuccessCriteriaMet" if kind == "Complete" else "FailureTarget"
    status["conditions"] = [*(status.get("conditions") or []),
                            _condition(first, reason, message, t),
                            _condition(kind, reason, message, t)]
    if kind == "Complete":
        status["completionTime"] = rfc3339(t)
        events.record(cluster, t, events.involved(job), "Normal", "Completed", "Job completed",
                      COMPONENT)
    else:
        events.record(cluster, t, events.involved(job), "Warning", reason, message, COMPONENT)


def _backoff_until(pods: list[Obj], failed: int) -> float:
    """When a replacement for failed pods may be created: DefaultJobPodFailureBackOff (10 s)
    doubled per failure, at most MaxJobPodFailureBackOff (10 min), from the last failure."""
    if not failed:
        return 0.0
    last = 0.0
    for p in pods:
        for s in (p.get("status") or {}).get("containerStatuses") or []:
            for state in (s.get("state") or {}, s.get("lastState") or {}):
                term = state.get("terminated")
                if term and term.get("exitCode", 0) != 0 and term.get("finishedAt"):
                    last = max(last, parse_rfc3339(term["finishedAt"]))
    return last + min(BACKOFF_S * 2 ** (failed - 1), MAX_BACKOFF_S) if last else 0.0


def _suspension(cluster: SimCluster, job: Obj, status: Obj, active: list[Obj], t: float
                ) -> None:
    """spec.suspend: the active pods are deleted and condition Suspended=True (JobSuspended,
    `Job suspended`); resuming sets it False (JobResumed, `Job resumed`) and restarts the
    clock of startTime (and so of activeDeadlineSeconds)."""
    conds = status.setdefault("conditions", [])
    cond = next((c for c in conds if c.get("type") == "Suspended"), None)
    if job["spec"].get("suspend"):
        _delete_pods(cluster, job, active, t)
        if cond is None or cond.get("status") != "True":
            new = {**_condition("Suspended", "JobSuspended", "Job suspended", t)}
            conds[:] = [c for c in conds if c is not cond] + [new]
            events.record(cluster, t, events.involved(job), "Normal", "Suspended",
                          "Job suspended", COMPONENT)
    elif cond is not None and cond.get("status") == "True":
        cond.update(status="False", reason="JobResumed", message="Job resumed",
                    lastProbeTime=rfc3339(t), lastTransitionTime=rfc3339(t))
        status["startTime"] = rfc3339(t)
        events.record(cluster, t, events.involved(job), "Normal", "Resumed", "Job resumed",
                      COMPONENT)
    if not conds:
        del status["conditions"]


def sync_job(cluster: SimCluster, job: Obj, pods: list[Obj], t: float) -> bool:
    """One reconcile of one Job with the pods it owns; True when it wrote something."""
    store = cluster.store
    changed = admit(job)
    if finished(job):
        if changed:
            store.update(job)
        return changed
    spec = job["spec"]
    old = job.get("status") or {}
    status: Obj = copy.deepcopy(old)
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    active = [p for p in live if _phase(p) not in ("Succeeded", "Failed")]
    succeeded = sum(1 for p in pods if _phase(p) == "Succeeded")
    failed = sum(1 for p in pods if _phase(p) == "Failed")
    if spec.get("template", {}).get("spec", {}).get("restartPolicy") == "OnFailure":
        failed += sum(_restarts(p) for p in active)
    _suspension(cluster, job, status, active, t)
    if spec.get("suspend"):
        active = []
    elif not status.get("startTime"):
        status["startTime"] = rfc3339(t)
    completions = spec.get("completions")
    parallelism = int(spec.get("parallelism", 1))
    limit = int(spec.get("backoffLimit", DEFAULT_BACKOFF_LIMIT))
    deadline = spec.get("activeDeadlineSeconds")
    started = parse_rfc3339(status["startTime"]) if status.get("startTime") and \
        deadline is not None else None
    done = (succeeded >= int(completions) if completions is not None
            else succeeded > 0 and not active)
    if done:
        _delete_pods(cluster, job, active, t)
        active = []
        _finish(cluster, job, status, "Complete", "CompletionsReached",
                "Reached expected number of succeeded pods", t)
    elif failed > limit:
        _delete_pods(cluster, job, active, t)
        active = []
        _finish(cluster, job, status, "Failed", "BackoffLimitExceeded",
                "Job has reached the specified backoff limit", t)
    elif deadline is not None and started is not None and t >= started + float(deadline):
        _delete_pods(cluster, job, active, t)
        active = []
        _finish(cluster, job, status, "Failed", "DeadlineExceeded",
                "Job was active longer than specified deadline", t)
    elif not spec.get("suspend"):
        want = parallelism if completions is None and not succeeded else \
            min(parallelism, max(0, int(completions or 1) - succeeded))
        ready_at = _backoff_until(pods, failed)
        waits: dict[str, float] = cluster.__dict__.setdefault("_job_backoff", {})
        if want > len(active) and ready_at > t:
            waits[job["metadata"]["uid"]] = ready_at  # the controller requeues the Job then
        else:
            waits.pop(job["metadata"]["uid"], None)
            for i in range(want - len(active)):
                active.append(_create_pod(cluster, job, i, t))
    status["active"] = len(active)
    status["succeeded"], status["failed"] = succeeded, failed
    for key in ("active", "succeeded", "failed"):
        if not status[key]:
            del status[key]  # omitempty
    status["ready"] = sum(1 for p in active if _ready(p))
    status["terminating"] = 0
    status["uncountedTerminatedPods"] = {}
    if status != old or changed:
        job["status"] = status
        store.update(job)
        return True
    return False


def deadline_of(job: Obj) -> float | None:
    """When an unfinished Job with activeDeadlineSeconds runs out (the controller requeues)."""
    ads = (job.get("spec") or {}).get("activeDeadlineSeconds")
    start = (job.get("status") or {}).get("startTime")
    if ads is None or not start or finished(job):
        return None
    return parse_rfc3339(start) + float(ads)


def scan(store: Any) -> tuple[list[Obj], list[Obj], list[Obj]]:
    """(CronJobs, Jobs, Pods) in one pass over the store, the small lists in `kubectl get`
    order: the batch controllers run several times per step, most often with nothing to do."""
    # The store keeps each kind sorted; pods stay in the order they were made.
    pods = [o for (kind, _, _), o in store.objects.items() if kind == "Pod"]
    return store.list("CronJob"), store.list("Job"), pods


def sync(cluster: SimCluster, t: float, jobs: list[Obj] | None = None,
         pods: list[Obj] | None = None) -> bool:
    """Every Job once, and the garbage collector for pods whose Job is gone."""
    store = cluster.store
    if jobs is None or pods is None:
        _, jobs, pods = scan(store)
    if not jobs and not any(NAME_LABEL in (p["metadata"].get("labels") or {}) for p in pods):
        return False
    by_uid = {j["metadata"].get("uid"): j for j in jobs}
    owned: dict[str, list[Obj]] = {}
    orphans = []
    for p in pods:
        for ref in p["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "Job" and ref.get("controller"):
                if ref.get("uid") in by_uid:
                    owned.setdefault(str(ref["uid"]), []).append(p)
                else:
                    orphans.append(p)
    changed = False
    for p in orphans:
        delete(cluster, "Pod", p["metadata"]["name"], p["metadata"]["namespace"])
        changed = True
    for job in jobs:
        if "uid" not in job["metadata"]:
            continue
        changed |= sync_job(cluster, job, owned.get(job["metadata"]["uid"], []), t)
    return changed
