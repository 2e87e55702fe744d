"""kube-controller-manager's CronJob controller (pkg/controller/cronjob, `ControllerV2`).

`syncCronJob`, in its order: finished Jobs leave `status.active` (`SawCompletedJob`, `Saw
completed job: <name>, condition: <Complete|Failed>`) and set `lastSuccessfulTime`; active
references whose Job is gone are dropped (`MissingJob`); nothing is started while the CronJob
is suspended, its `timeZone` is unknown (`UnknownTimeZone`) or its schedule does not parse
(`UnparseableSchedule`). Otherwise the most recent unmet schedule time since
`lastScheduleTime` (or the creation) is started unless it is past `startingDeadlineSeconds`
(`MissSchedule`, `Missed scheduled time to start a job: <RFC1123Z>`), already started, or
`concurrencyPolicy: Forbid` with a Job still active (`JobAlreadyActive`); `Replace` deletes the
active Jobs first. The Job (`getJobFromTemplate2`) is named `<cronjob>-<scheduled time in
minutes since the epoch>`, owned by the CronJob, with the job template's labels and
annotations plus `batch.kubernetes.io/cronjob-scheduled-timestamp` (RFC 3339 in the CronJob's
time zone); event `SuccessfulCreate` `Created job <name>`. Finished Jobs beyond
`successfulJobsHistoryLimit` (3) / `failedJobsHistoryLimit` (1) are deleted oldest first
(`SuccessfulDelete`, `Deleted job <name>`), their pods with them (the garbage collector).

Cost: the next schedule time of each CronJob is cached (keyed by everything it depends on),
so an idle CronJob costs a dict lookup per step; `wake_at` asks the event loop to step at the
next schedule time, as the controller's requeue-after does.
"""

from __future__ import annotations

import copy
import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.providers.sim import cronsched, events, jobs
from app.providers.sim.clock import parse_rfc3339 as _parse
from app.providers.sim.clock import rfc3339

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

Obj = dict[str, Any]
COMPONENT = "cronjob-controller"
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_DEFAULTS = (("concurrencyPolicy", "Allow"), ("suspend", False),
             ("successfulJobsHistoryLimit", 3), ("failedJobsHistoryLimit", 1))


parse_rfc3339 = functools.lru_cache(maxsize=4096)(_parse)  # strptime is slow; stamps repeat


def job_name(cj: Obj, scheduled: float) -> str:
    return f"{cj['metadata']['name']}-{int(scheduled) // 60}"


def _ref(job: Obj) -> Obj:
    meta = job["metadata"]
    return {"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"],
            "namespace": meta["namespace"], "resourceVersion": meta.get("resourceVersion", ""),
            "uid": meta["uid"]}


def _rfc1123z(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _stamp(t: float, tz: Any) -> str:
    """Go's time.RFC3339 of `t` in the zone: `Z` in UTC, else the numeric offset."""
    if tz is None:
        return rfc3339(t)
    return datetime.fromtimestamp(t, tz).isoformat()


def _event(cluster: SimCluster, cj: Obj, t: float, type_: str, reason: str, msg: str) -> None:
    events.record(cluster, t, events.involved(cj), type_, reason, msg, COMPONENT)


def _event_once(cluster: SimCluster, cj: Obj, t: float, slot: object, type_: str,
                reason: str, msg: str) -> None:
    """An event the real controller records once per schedule slot (it then requeues until
    the next slot), however often the twin steps in between."""
    seen: dict[str, tuple[str, object]] = cluster.__dict__.setdefault("_cron_seen", {})
    uid = cj["metadata"]["uid"]
    if seen.get(uid) == (reason, slot):
        return
    seen[uid] = (reason, slot)
    _event(cluster, cj, t, type_, reason, msg)


def _new_job(cluster: SimCluster, cj: Obj, scheduled: float, tz: Any, t: float) -> Obj:
    tmpl = cj["spec"].get("jobTemplate") or {}
    tmeta = tmpl.get("metadata") or {}
    meta: Obj = {"name": job_name(cj, scheduled), "namespace": cj["metadata"]["namespace"],
                 "labels": dict(tmeta.get("labels") or {}),
                 "annotations": {**(tmeta.get("annotations") or {}),
                                 SCHEDULED_ANNOTATION: _stamp(scheduled, tz)},
                 "ownerReferences": [jobs.owner_ref(cj)]}
    if not meta["labels"]:
        del meta["labels"]
    job = cluster.store.create({"kind": "Job", "apiVersion": "batch/v1", "metadata": meta,
                                "spec": copy.deepcopy(tmpl.get("spec") or {}), "status": {}}, t)
    jobs.admit(job)
    return job


def _delete_job(cluster: SimCluster, cj: Obj, job: Obj, t: float) -> None:
    """deleteJob: the Job (background propagation: the GC then deletes its pods)."""
    store = cluster.store
    meta = job["metadata"]
    jobs.delete(cluster, "Job", meta["name"], meta["namespace"])
    for p in store.list("Pod", meta["namespace"]):
        if jobs.controller_uid(p) == meta["uid"]:
            jobs.delete(cluster, "Pod", p["metadata"]["name"], meta["namespace"])
    st = cj.setdefault("status", {})
    st["active"] = [a for a in st.get("active") or [] if a.get("uid") != meta["uid"]]
    if not st["active"]:
        del st["active"]
    _event(cluster, cj, t, "Normal", "SuccessfulDelete", f"Deleted job {meta['name']}")


def _start_time(job: Obj) -> tuple[int, float, str]:
    start = (job.get("status") or {}).get("startTime")
    return (0 if start else 1, parse_rfc3339(start) if start else 0.0, job["metadata"]["name"])


def _next_time(cluster: SimCluster, cj: Obj, sched: cronsched.Schedule, tz: Any
               ) -> float | None:
    """When this CronJob next fires after its last schedule (cached per inputs)."""
    st = cj.get("status") or {}
    since = st.get("lastScheduleTime") or cj["metadata"].get("creationTimestamp")
    key = (cj["metadata"]["uid"], cj["spec"].get("schedule"), cj["spec"].get("timeZone"), since)
    cache: dict[str, tuple[Any, float | None]] = cluster.__dict__.setdefault("_cron_next", {})
    hit = cache.get(key[0])
    if hit is not None and hit[0] == key:
        return hit[1]
    value = cronsched.next_after(sched, parse_rfc3339(since), tz)
    cache[key[0]] = (key, value)
    return value


def sync_cronjob(cluster: SimCluster, cj: Obj, children: list[Obj], t: float) -> bool:
    """One syncCronJob; True when it wrote something."""
    store = cluster.store
    spec = cj.setdefault("spec", {})
    before = repr(cj.get("status"))
    defaulted = False
    for k, v in _DEFAULTS:
        if k not in spec:
            spec[k], defaulted = v, True
    st = cj.setdefault("status", {})
    active = st.get("active") or []
    child_uids = {j["metadata"]["uid"] for j in children}
    for j in children:
        uid = j["metadata"]["uid"]
        found = any(a.get("uid") == uid for a in active)
        done = jobs.finished(j)
        if not found and not done:
            _event_once(cluster, cj, t, uid, "Warning", "UnexpectedJob",
                        f"Saw a job that the controller did not create or forgot: "
                        f"{j['metadata']['name']}")
        elif done:
            if found:
                active = [a for a in active if a.get("uid") != uid]
                _event(cluster, cj, t, "Normal", "SawCompletedJob",
                       f"Saw completed job: {j['metadata']['name']}, condition: {done}")
            end = (j.get("status") or {}).get("completionTime")
            # Both are the apiserver's `...Z` RFC 3339 stamps: they sort as text.
            if done == "Complete" and end and end > st.get("lastSuccessfulTime", ""):
                st["lastSuccessfulTime"] = end
    for a in list(active):
        if a.get("uid") not in child_uids:
            _event(cluster, cj, t, "Normal", "MissingJob", f"Active job went missing: "
                                                           f"{a.get('name')}")
            active.remove(a)
    st["active"] = active
    _schedule(cluster, cj, t)
    _cleanup(cluster, cj, children, t)
    if not st.get("active"):
        st.pop("active", None)
    if defaulted or repr(cj.get("status")) != before:
        store.update(cj)
        return True
    return False


def _schedule(cluster: SimCluster, cj: Obj, t: float) -> None:
    spec, st = cj["spec"], cj["status"]
    if cj["metadata"].get("deletionTimestamp") or spec.get("suspend"):
        return
    try:
        tz = cronsched.zone(spec.get("timeZone"))
    except cronsched.ScheduleError as err:
        _event(cluster, cj, t, "Warning", "UnknownTimeZone",
               f'invalid timeZone: "{spec.get("timeZone")}": {err}')
        return
    try:
        sched = cronsched.parse(str(spec.get("schedule", "")))
    except cronsched.ScheduleError as err:
        _event(cluster, cj, t, "Warning", "UnparseableSchedule",
               f'unparseable schedule: "{spec.get("schedule", "")}" : {err}')
        return
    nxt = _next_time(cluster, cj, sched, tz)
    if nxt is None or nxt > t:
        return  # idle: the common case, one cached lookup
    since = st.get("lastScheduleTime") or cj["metadata"]["creationTimestamp"]
    scheduled, _missed = cronsched.most_recent(sched, parse_rfc3339(since), t, tz)
    if scheduled is None:
        return
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None and scheduled + float(deadline) < t:
        _event_once(cluster, cj, t, scheduled, "Warning", "MissSchedule",
               f"Missed scheduled time to start a job: {_rfc1123z(scheduled)}")
        return
    name = job_name(cj, scheduled)
    if any(a.get("name") == name for a in st.get("active") or []) or \
            st.get("lastScheduleTime") == rfc3339(scheduled):
        return
    if spec.get("concurrencyPolicy") == "Forbid" and st.get("active"):
        _event_once(cluster, cj, t, scheduled, "Normal", "JobAlreadyActive",
                    "Not starting job because prior execution is running and concurrency "
                    "policy is Forbid")
        return
    store = cluster.store
    if spec.get("concurrencyPolicy") == "Replace":
        for a in list(st.get("active") or []):
            job = store.find("Job", a["name"], a["namespace"])
            if job is not None:
                _delete_job(cluster, cj, job, t)
    ns = cj["metadata"]["namespace"]
    if store.find("Job", name, ns) is not None:
        return  # AlreadyExists: created by someone else
    job = _new_job(cluster, cj, scheduled, tz, t)
    _event(cluster, cj, t, "Normal", "SuccessfulCreate", f"Created job {name}")
    st.setdefault("active", []).append(_ref(job))
    st["lastScheduleTime"] = rfc3339(scheduled)


def _cleanup(cluster: SimCluster, cj: Obj, children: list[Obj], t: float) -> None:
    spec = cj["spec"]
    for kind, limit_key in (("Complete", "successfulJobsHistoryLimit"),
                            ("Failed", "failedJobsHistoryLimit")):
        limit = spec.get(limit_key)
        if limit is None:
            continue
        done = [j for j in children if jobs.finished(j) == kind]
        if len(done) <= int(limit):
            continue
        for j in sorted(done, key=_start_time)[:len(done) - int(limit)]:
            if cluster.store.find("Job", j["metadata"]["name"], j["metadata"]["namespace"]):
                _delete_job(cluster, cj, j, t)


def sync_all(cluster: SimCluster, t: float) -> bool:
    """The CronJob controller, then the Job controller (one scan of the store when idle)."""
    cjs, js, pods = jobs.scan(cluster.store)
    changed = sync(cluster, t, cjs, js) if cjs or js else False
    if changed:
        _, js, pods = jobs.scan(cluster.store)
    return jobs.sync(cluster, t, js, pods) or changed


def sync(cluster: SimCluster, t: float, cronjobs: list[Obj] | None = None,
         all_jobs: list[Obj] | None = None) -> bool:
    """Every CronJob once, and the garbage collector for Jobs whose CronJob is gone."""
    store = cluster.store
    if cronjobs is None or all_jobs is None:
        cronjobs, all_jobs, _ = jobs.scan(store)
    by_uid = {c["metadata"].get("uid"): c for c in cronjobs}
    children: dict[str, list[Obj]] = {}
    changed = False
    for j in all_jobs:
        for ref in j["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "CronJob" and ref.get("controller"):
                if ref.get("uid") in by_uid:
                    children.setdefault(str(ref["uid"]), []).append(j)
                else:
                    jobs.delete(cluster, "Job", j["metadata"]["name"], j["metadata"]["namespace"])
                    changed = True
    for cj in cronjobs:
        if "uid" in cj["metadata"]:
            changed |= sync_cronjob(cluster, cj, children.get(cj["metadata"]["uid"], []), t)
    return changed


def next_wake(cluster: SimCluster, t: float) -> float | None:
    """The earliest instant after `t` at which a CronJob fires, a Job's deadline runs out or a
    failed pod's back-off ends."""
    times = []
    cjs, js, _ = jobs.scan(cluster.store)
    for cj in cjs:
        spec = cj.get("spec") or {}
        if spec.get("suspend") or "uid" not in cj["metadata"]:
            continue
        try:
            nxt = _next_time(cluster, cj, cronsched.parse(str(spec.get("schedule", ""))),
                             cronsched.zone(spec.get("timeZone")))
        except cronsched.ScheduleError:
            continue
        if nxt is not None:
            times.append(nxt)
    for job in js:
        d = jobs.deadline_of(job)
        if d is not None:
            times.append(d)
    times.extend(cluster.__dict__.get("_job_backoff", {}).values())
    future = [x for x in times if x > t]
    return min(future) if future else None


def wake(cluster: SimCluster, t: float) -> None:
    """Ask the event loop to step when the batch controllers next have work (the leading
    kube-controller-manager's `wake_at`, shared with the node lifecycle controller)."""
    from app.providers.sim.components.leader import leader_node

    nxt = next_wake(cluster, t)
    if nxt is None:
        return
    node = leader_node(cluster, "kube-controller-manager", t)
    if node is None:
        return
    leader = node.running_container("kube-controller-manager")
    if leader is None:
        return
    current = leader.notes.get("wake_at")
    if current is None or current <= t or nxt < current:
        leader.notes["wake_at"] = nxt
