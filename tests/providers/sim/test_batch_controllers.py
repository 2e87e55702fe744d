"""The CronJob -> Job -> Pod chain: kube-controller-manager's cronjob and job controllers,
the scheduler and the kubelet running one-shot containers to completion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.providers.sim import cronjobs, jobs
from app.providers.sim.clock import Clock, rfc3339
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0 + 17  # 01:00:17 UTC
SAMPLES = Path(__file__).resolve().parents[2] / "fidelity" / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def cronjob(schedule: str = "*/2 * * * *", extra: str = "", job: str = "",
            command: str = '[sh, -c, "echo hi; sleep 5"]', annotations: str = "") -> str:
    return f"""
apiVersion: batch/v1
kind: CronJob
metadata: {{name: backup, namespace: default}}
spec:
  schedule: "{schedule}"{extra}
  jobTemplate:
    metadata: {{labels: {{team: data}}}}
    spec:{job}
      template:
        metadata: {{annotations: {{{annotations}}}}}
        spec:
          restartPolicy: Never
          containers:
          - name: b
            image: busybox:1.36
            command: {command}
"""


@pytest.fixture
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=300)
    c.sync()
    return c


def names(cluster: SimCluster, kind: str) -> list[str]:
    return [o["metadata"]["name"] for o in cluster.store.list(kind, "default")]


def reasons(cluster: SimCluster, component: str) -> list[str]:
    return [f"{e['reason']}: {e['message']}" for e in cluster.store.list("Event", "default")
            if e["source"]["component"] == component]


def test_a_cronjob_creates_a_job_named_after_the_scheduled_minute(cluster: SimCluster) -> None:
    cluster.apply(cronjob())
    cluster.advance(110)  # 01:02:07
    (job,) = cluster.store.list("Job", "default")
    scheduled = 1764118920  # 01:02:00
    assert job["metadata"]["name"] == f"backup-{scheduled // 60}"
    assert job["metadata"]["creationTimestamp"] == rfc3339(scheduled)
    cj = cluster.store.get("CronJob", "backup", "default")
    assert job["metadata"]["ownerReferences"] == [{
        "apiVersion": "batch/v1", "kind": "CronJob", "name": "backup",
        "uid": cj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    assert job["metadata"]["annotations"] == {
        "batch.kubernetes.io/cronjob-scheduled-timestamp": "2025-11-26T01:02:00Z"}
    uid = job["metadata"]["uid"]
    assert job["metadata"]["labels"] == {"team": "data"}
    assert job["spec"]["selector"] == {"matchLabels": {jobs.UID_LABEL: uid}}
    assert job["spec"]["backoffLimit"] == 6
    assert cj["spec"]["successfulJobsHistoryLimit"] == 3
    assert cj["spec"]["failedJobsHistoryLimit"] == 1
    assert cj["status"]["lastScheduleTime"] == "2025-11-26T01:02:00Z"


def test_the_job_runs_a_pod_to_completion_and_the_cronjob_sees_it(cluster: SimCluster) -> None:
    cluster.apply(cronjob())
    cluster.advance(105)  # 01:02:02: the pod runs (sleep 5 + the script: 7 s)
    (pod,) = cluster.store.list("Pod", "default")
    job = cluster.store.list("Job", "default")[0]
    assert pod["metadata"]["name"].startswith(job["metadata"]["name"] + "-")
    assert len(pod["metadata"]["name"]) == len(job["metadata"]["name"]) + 6
    uid = job["metadata"]["uid"]
    assert pod["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": job[
            "metadata"]["name"], "controller-uid": uid, "job-name": job["metadata"]["name"]}
    assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert pod["status"]["phase"] == "Running"
    cj = cluster.store.get("CronJob", "backup", "default")
    assert [a["name"] for a in cj["status"]["active"]] == [job["metadata"]["name"]]
    assert job["status"]["active"] == 1
    cluster.advance(10)  # 01:02:12
    pod = cluster.store.list("Pod", "default")[0]
    assert pod["status"]["phase"] == "Succeeded"
    job = cluster.store.list("Job", "default")[0]
    assert [(c["type"], c["reason"]) for c in job["status"]["conditions"]] == [
        ("SuccessCriteriaMet", "CompletionsReached"), ("Complete", "CompletionsReached")]
    assert job["status"]["succeeded"] == 1
    assert job["status"]["completionTime"] == "2025-11-26T01:02:07Z"
    cj = cluster.store.get("CronJob", "backup", "default")
    assert "active" not in cj["status"]
    assert cj["status"]["lastSuccessfulTime"] == "2025-11-26T01:02:07Z"
    assert reasons(cluster, "cronjob-controller") == [
        f"SuccessfulCreate: Created job {job['metadata']['name']}",
        f"SawCompletedJob: Saw completed job: {job['metadata']['name']}, condition: Complete"]
    assert reasons(cluster, "job-controller") == [
        f"SuccessfulCreate: Created pod: {pod['metadata']['name']}", "Completed: Job completed"]


def test_history_limit_keeps_the_three_newest_successful_jobs(cluster: SimCluster) -> None:
    cluster.apply(cronjob("* * * * *"))
    cluster.advance(6 * 60)
    assert len(names(cluster, "Job")) == 3
    assert len(names(cluster, "Pod")) == 3  # the garbage collector took the others' pods
    deleted = [r for r in reasons(cluster, "cronjob-controller") if r.startswith("Successful"
                                                                                  "Delete")]
    assert deleted == [f"SuccessfulDelete: Deleted job backup-{1764118860 // 60 + i}"
                       for i in range(3)]


def test_forbid_skips_a_run_while_the_previous_job_is_active(cluster: SimCluster) -> None:
    cluster.apply(cronjob("* * * * *", "\n  concurrencyPolicy: Forbid",
                          command='[sh, -c, "sleep 90"]'))
    cluster.advance(110)  # 01:02:07: the 01:01 job runs until 01:02:32
    assert len(names(cluster, "Job")) == 1
    assert "JobAlreadyActive: Not starting job because prior execution is running and " \
           "concurrency policy is Forbid" in reasons(cluster, "cronjob-controller")


def test_replace_deletes_the_running_job(cluster: SimCluster) -> None:
    cluster.apply(cronjob("* * * * *", "\n  concurrencyPolicy: Replace",
                          command='[sh, -c, "sleep 90"]'))
    cluster.advance(110)
    assert names(cluster, "Job") == [f"backup-{1764118920 // 60}"]
    assert f"SuccessfulDelete: Deleted job backup-{1764118860 // 60}" in reasons(
        cluster, "cronjob-controller")


def test_a_work_queue_job_prints_completions_of_its_parallelism(cluster: SimCluster) -> None:
    cluster.apply(cronjob(job="\n      parallelism: 6"))
    cluster.advance(113)
    row = SimTerminal(cluster, "kind-control-plane").run("kubectl get jobs").output
    # the sample: `pi     Complete   4/1 of 6      3s         8s`
    assert row.splitlines()[1].split()[1:6] == ["Complete", "6/1", "of", "6", "7s"]
    assert sample("kubectl-get-jobs-workqueue.txt").splitlines()[1].split()[2:5] == [
        "4/1", "of", "6"]


def test_allow_runs_jobs_side_by_side(cluster: SimCluster) -> None:
    cluster.apply(cronjob("* * * * *", command='[sh, -c, "sleep 90"]'))
    cluster.advance(110)
    cj = cluster.store.get("CronJob", "backup", "default")
    assert len(cj["status"]["active"]) == 2


def test_suspend_stops_new_jobs(cluster: SimCluster) -> None:
    cluster.apply(cronjob("* * * * *", "\n  suspend: true"))
    cluster.advance(300)
    assert names(cluster, "Job") == []


def test_starting_deadline_misses_a_run_the_controller_was_not_there_for(
        cluster: SimCluster) -> None:
    cluster.apply(cronjob("* * * * *", "\n  startingDeadlineSeconds: 10"))
    cj = cluster.store.get("CronJob", "backup", "default")
    cj["metadata"]["creationTimestamp"] = "2025-11-26T00:58:30Z"  # the 01:00 run is 17 s late
    cronjobs.sync(cluster, cluster.t)
    cronjobs.sync(cluster, cluster.t + 1)
    assert names(cluster, "Job") == []
    assert reasons(cluster, "cronjob-controller") == [
        "MissSchedule: Missed scheduled time to start a job: Wed, 26 Nov 2025 01:00:00 +0000"]
    assert cluster.store.list("Event", "default")[0]["count"] == 1  # once per schedule slot


def test_job_fails_after_the_backoff_limit(cluster: SimCluster) -> None:
    b = json.dumps({"runs_s": 1, "exit_code": 1}).replace('"', '\\"')
    cluster.apply(cronjob("*/5 * * * *", job="\n      backoffLimit: 1",
                          annotations=f'kubedrill.io/behaviour: "{b}"'))
    cluster.advance(260)  # 01:05:00 scheduled
    cluster.advance(30)  # 01:05:07: the first pod failed at 01:05:01, its replacement waits
    assert len(names(cluster, "Pod")) == 1
    cluster.advance(30)
    job = cluster.store.list("Job", "default")[0]
    assert [(c["type"], c["reason"]) for c in job["status"]["conditions"]] == [
        ("FailureTarget", "BackoffLimitExceeded"), ("Failed", "BackoffLimitExceeded")]
    assert job["status"]["failed"] == 2
    assert [p["status"]["phase"] for p in cluster.store.list("Pod", "default")] == ["Failed"] * 2
    assert "BackoffLimitExceeded: Job has reached the specified backoff limit" in reasons(
        cluster, "job-controller")
    first, second = sorted(cluster.store.list("Pod", "default"),
                           key=lambda p: p["metadata"]["creationTimestamp"])
    # the replacement waits DefaultJobPodFailureBackOff (10 s) after the first failure
    assert first["metadata"]["creationTimestamp"] == "2025-11-26T01:05:00Z"
    assert second["metadata"]["creationTimestamp"] == "2025-11-26T01:05:11Z"


def test_active_deadline_fails_the_job(cluster: SimCluster) -> None:
    cluster.apply(cronjob("*/5 * * * *", job="\n      activeDeadlineSeconds: 30",
                          command='[sh, -c, "sleep 600"]'))
    cluster.advance(283 + 31)
    job = cluster.store.list("Job", "default")[0]
    assert job["status"]["conditions"][-1]["reason"] == "DeadlineExceeded"
    assert job["status"]["conditions"][-1]["lastTransitionTime"] == "2025-11-26T01:05:30Z"
    assert names(cluster, "Pod") == []


def test_get_jobs_prints_the_real_columns(cluster: SimCluster) -> None:
    cluster.apply(cronjob())
    cluster.advance(113)  # 01:02:10
    term = SimTerminal(cluster, "kind-control-plane")
    out = term.run("kubectl get jobs").output.splitlines()
    assert out[0].split() == sample("kubectl-get-jobs-workqueue.txt").splitlines()[0].split()
    assert out[1].split() == [f"backup-{1764118920 // 60}", "Complete", "1/1", "7s", "10s"]
    wide = term.run("kubectl get jobs -o wide").output.splitlines()
    assert wide[0].split() == sample("kubectl-get-jobs-wide.txt").splitlines()[0].split()
    uid = cluster.store.list("Job", "default")[0]["metadata"]["uid"]
    assert wide[1].split()[-3:] == ["b", "busybox:1.36", f"batch.kubernetes.io/controller-uid="
                                                         f"{uid}"]
    cj = term.run("kubectl get cronjob").output.splitlines()[1].split()
    assert cj[-3:] == ["0", "10s", "113s"]  # ACTIVE, LAST SCHEDULE, AGE
    pods = term.run("kubectl get pods").output.splitlines()[1].split()
    assert pods[1:3] == ["0/1", "Completed"]


def test_deleting_the_cronjob_garbage_collects_its_jobs_and_pods(cluster: SimCluster) -> None:
    cluster.apply(cronjob())
    cluster.advance(113)
    cluster.store.delete("CronJob", "backup", "default")
    cluster.advance(1)
    assert names(cluster, "Job") == []
    assert names(cluster, "Pod") == []


def test_an_idle_cronjob_asks_to_be_woken_at_its_next_time(cluster: SimCluster) -> None:
    cluster.apply(cronjob("0 * * * *"))
    cluster.advance(1)
    assert cronjobs.next_wake(cluster, cluster.t) == 1764122400.0  # 02:00
    cm = cluster.node("control-plane").running_container("kube-controller-manager")
    assert cm is not None and cm.notes["wake_at"] <= 1764122400.0


def test_describe_cronjob_and_job_follow_describe_go(cluster: SimCluster) -> None:
    cluster.apply(cronjob())
    cluster.advance(113)  # 01:02:10
    term = SimTerminal(cluster, "kind-control-plane")
    cj = term.run("kubectl describe cronjob backup").output.splitlines()
    assert [line.split(":")[0] for line in cj[:13]] == [
        "Name", "Namespace", "Labels", "Annotations", "Schedule", "Concurrency Policy",
        "Suspend", "Successful Job History Limit", "Failed Job History Limit",
        "Starting Deadline Seconds", "Selector", "Parallelism", "Completions"]
    assert "Last Schedule Time:  Wed, 26 Nov 2025 01:02:00 +0000" in cj
    assert "Active Jobs:         <none>" in cj
    name = f"backup-{1764118920 // 60}"
    job = term.run(f"kubectl describe job {name}").output
    for line in ("Controlled By:    CronJob/backup", "Completions:      1",
                 "Completion Mode:  NonIndexed", "Suspend:          false",
                 "Backoff Limit:    6", "Duration:         7s",
                 "Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed"):
        assert line in job.splitlines()
    assert "Normal  Completed         3s    job-controller  Job completed" in job


def test_a_restored_twin_runs_the_same_jobs_as_the_original(cluster: SimCluster) -> None:
    import json as _json

    from app.providers.sim.cluster import SimCluster as _Sim

    cluster.apply(cronjob("* * * * *", command='[sh, -c, "sleep 70"]'))
    cluster.advance(100)
    copy = _Sim.from_json(_json.loads(_json.dumps(cluster.to_json())))
    for twin in (cluster, copy):
        twin.clock.advance(200)
        twin.sync()

    def batch(c: SimCluster) -> list[tuple[str, str, str]]:
        return [(o["kind"], o["metadata"]["name"], _json.dumps(o.get("status"), sort_keys=True))
                for kind in ("Job", "Pod") for o in c.store.list(kind, "default")]

    assert batch(copy) == batch(cluster)
    assert len(batch(cluster)) >= 6


def test_suspending_a_job_deletes_its_pods_and_resuming_starts_them_again(
        cluster: SimCluster) -> None:
    cluster.apply(cronjob(command='[sh, -c, "sleep 300"]'))
    cluster.advance(105)  # 01:02:02, the job's pod runs
    job = cluster.store.list("Job", "default")[0]
    job["spec"]["suspend"] = True
    cluster.store.update(job)
    cluster.advance(2)
    job = cluster.store.list("Job", "default")[0]
    assert [(c["type"], c["status"], c["reason"]) for c in job["status"]["conditions"]] == [
        ("Suspended", "True", "JobSuspended")]
    assert names(cluster, "Pod") == []
    term = SimTerminal(cluster, "kind-control-plane")
    assert term.run("kubectl get jobs").output.splitlines()[1].split()[1] == "Suspended"
    job["spec"]["suspend"] = False
    cluster.store.update(job)
    cluster.advance(2)
    job = cluster.store.list("Job", "default")[0]
    assert job["status"]["conditions"][0]["reason"] == "JobResumed"
    assert job["status"]["startTime"] == rfc3339(cluster.t)
    assert len(names(cluster, "Pod")) == 1
    assert [r for r in reasons(cluster, "job-controller") if r.startswith(("Suspended",
                                                                           "Resumed"))] == [
        "Suspended: Job suspended", "Resumed: Job resumed"]


def test_kubectl_create_job_from_a_cronjob_runs_it_now(cluster: SimCluster) -> None:
    cluster.apply(cronjob("0 * * * *"))
    term = SimTerminal(cluster, "kind-control-plane")
    r = term.run("kubectl create job manual-1 --from=cronjob/backup")
    assert (r.output, r.exit_code) == ("job.batch/manual-1 created\n", 0)
    job = cluster.store.get("Job", "manual-1", "default")
    assert job["metadata"]["annotations"] == {"cronjob.kubernetes.io/instantiate": "manual"}
    assert job["metadata"]["labels"] == {"team": "data"}
    ref = job["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"]) == ("CronJob", "backup", True)
    assert "blockOwnerDeletion" not in ref
    cluster.advance(10)
    assert term.run("kubectl get job manual-1").output.splitlines()[1].split()[1:3] == [
        "Complete", "1/1"]
    cj = cluster.store.get("CronJob", "backup", "default")
    # syncCronJob: an unfinished child that is not in status.active is "unexpected"
    assert "UnexpectedJob: Saw a job that the controller did not create or forgot: manual-1" \
        in reasons(cluster, "cronjob-controller")
    assert "lastScheduleTime" not in cj["status"]


def test_kubectl_create_job_from_an_image(cluster: SimCluster) -> None:
    from app.providers.sim import images

    images.load(cluster, ["busybox:1.36"])  # the nodes are airgapped: kind load docker-image
    term = SimTerminal(cluster, "kind-control-plane")
    r = term.run("kubectl create job once --image=busybox:1.36 -- sh -c 'sleep 3'")
    assert (r.output, r.exit_code) == ("job.batch/once created\n", 0)
    job = cluster.store.get("Job", "once", "default")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["sh", "-c", "sleep 3"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    cluster.advance(10)
    assert cluster.store.get("Job", "once", "default")["status"]["succeeded"] == 1
    assert term.run("kubectl create job x").exit_code == 1
