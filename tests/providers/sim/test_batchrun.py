"""How long one-shot containers run, and when a pod is terminal (batchrun.py)."""

from __future__ import annotations

from app.providers.sim import batchrun
from app.providers.sim.kubelet import PodState
from app.providers.sim.runtime import Container


def pod(policy: str, annotations: dict[str, str] | None = None) -> PodState:
    return PodState(uid="u", name="p", namespace="default", static=False, sandbox_id="s",
                    created=0.0, spec={"restartPolicy": policy, "containers": [{"name": "c"}]},
                    annotations=annotations or {})


def container(command: list[str]) -> Container:
    return Container(id="c1", name="c", pod_uid="u", pod_name="p", namespace="default",
                     sandbox_id="s", image="busybox", attempt=0, created=0.0, command=command)


def test_sleeps_in_a_shell_line_add_up() -> None:
    assert batchrun.sleeps(["sh", "-c", "echo a; sleep 5 && sleep 1m"]) == 65
    assert batchrun.sleeps(["sleep", "30"]) == 30
    assert batchrun.sleeps(["sh", "-c", "nosleep 5"]) == 0


def test_a_job_container_exits_zero_after_its_sleep_plus_the_script() -> None:
    c = container(["sh", "-c", "sleep 10"])
    batchrun.plan_exit(pod("Never"), c, 100.0)
    assert (c.exit_at, c.planned_exit_code, c.planned_reason) == (112.0, 0, "Completed")


def test_a_server_under_restart_policy_always_runs_until_stopped() -> None:
    c = container(["nginx"])
    batchrun.plan_exit(pod("Always"), c, 100.0)
    assert c.exit_at is None


def test_the_behaviour_annotation_sets_runtime_and_exit_code() -> None:
    c = container(["app"])
    batchrun.plan_exit(pod("Always", {"kubedrill.io/behaviour": '{"runs_s": 4, '
                                                                  '"exit_code": 3}'}), c, 10.0)
    assert (c.exit_at, c.planned_exit_code, c.planned_reason) == (14.0, 3, "Error")


def test_restart_policy_decides_whether_an_exited_container_restarts() -> None:
    ok, bad = container([]), container([])
    ok.exit_code, bad.exit_code = 0, 1
    assert not batchrun.restarts(pod("Never"), bad)
    assert not batchrun.restarts(pod("OnFailure"), ok)
    assert batchrun.restarts(pod("OnFailure"), bad)
    assert batchrun.restarts(pod("Always"), ok)


def test_terminal_phase_follows_the_exit_codes_and_the_policy() -> None:
    done = [{"state": {"terminated": {"exitCode": 0}}}]
    failed = [{"state": {"terminated": {"exitCode": 2}}}]
    running = [{"state": {"running": {}}}]
    assert batchrun.terminal_phase({"restartPolicy": "Never"}, done) == "Succeeded"
    assert batchrun.terminal_phase({"restartPolicy": "Never"}, failed) == "Failed"
    assert batchrun.terminal_phase({"restartPolicy": "OnFailure"}, failed) is None
    assert batchrun.terminal_phase({"restartPolicy": "Never"}, running) is None
    assert batchrun.terminal_phase({}, done) is None
