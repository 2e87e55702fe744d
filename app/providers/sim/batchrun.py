"""Containers that run to completion, and what the kubelet does once they exit.

How long a workload process runs:

- the pod's `kubedrill.io/behaviour` annotation (probing.py) may say `"runs_s": N` (a number
  or a `[lo, hi]` range) and `"exit_code": C` (default 0): the process exits N s after it
  starts — a batch step, or a crashing app under `restartPolicy: Always`;
- without it, a container of a pod whose `restartPolicy` is `Never` or `OnFailure` (every Job
  pod) is a one-shot command: it runs for the `sleep N` its command contains (summed), plus
  ONE_SHOT_S for the rest of the script, and exits 0 (or with its `exit N`); what it prints
  is oneshot.py's;
- anything else runs until it is stopped (a server).

The kubelet restarts an exited container only as the pod's `restartPolicy` allows
(`Always`; `OnFailure` after a non-zero exit), and a pod whose containers all exited for good
is terminal: phase `Succeeded` when every one exited 0, else `Failed` (pkg/kubelet
`getPhase`). Its Ready/ContainersReady conditions then read reason `PodCompleted` /
`PodFailed`, Initialized `PodCompleted` for a succeeded pod, and PodReadyToStartContainers
False once the sandbox is gone (pkg/kubelet/status/generate.go).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.providers.sim import probing

if TYPE_CHECKING:
    from app.providers.sim.kubelet import PodState
    from app.providers.sim.runtime import Container

ONE_SHOT_S = 2.0
_SLEEP = re.compile(r"(?:^|[\s;&|(])sleep\s+(\d+(?:\.\d+)?)([smh]?)\b")


def restart_policy(spec: dict[str, Any]) -> str:
    return str(spec.get("restartPolicy") or "Always")


def sleeps(command: list[str]) -> float:
    """Seconds of `sleep N` in a command line (`sh -c "...; sleep 30"` or `sleep 30`)."""
    text = " ".join(command)
    return sum(float(n) * {"": 1, "s": 1, "m": 60, "h": 3600}[u]
               for n, u in _SLEEP.findall(text))


def plan_exit(pod: PodState, c: Container, start: float) -> None:
    """Set when a freshly started workload container exits, and with which code."""
    b = probing.behaviour(pod.annotations)
    runs: Any = b.get("runs_s") if b else None
    code = int((b or {}).get("exit_code", 0))
    if runs is None:
        if restart_policy(pod.spec) == "Always":
            return
        runs = sleeps(c.command) + ONE_SHOT_S
        from app.providers.sim import oneshot

        out = oneshot.run(c.command, start, pod.name)
        c.logs.extend((start + dt + 0.05, "stdout", text) for dt, text in out.lines)
        if out.exit_code is not None:
            code = out.exit_code
    elif isinstance(runs, list) and len(runs) == 2:
        runs = probing.resolve({"warmup_s": runs}, c)["warmup_s"]
    c.exit_at = start + float(runs)
    c.planned_exit_code = code
    c.planned_reason = "Completed" if code == 0 else "Error"


def restarts(pod: PodState, c: Container) -> bool:
    """Whether the kubelet starts this exited container again."""
    policy = restart_policy(pod.spec)
    return pod.static or policy == "Always" or (policy == "OnFailure" and c.exit_code != 0)


def terminal_phase(spec: dict[str, Any], statuses: list[dict[str, Any]]) -> str | None:
    """Succeeded / Failed once no container will run again, else None."""
    policy = restart_policy(spec)
    if policy == "Always" or not statuses:
        return None
    codes = []
    for s in statuses:
        term = (s.get("state") or {}).get("terminated")
        if term is None:
            return None
        codes.append(int(term.get("exitCode", 0)))
    if all(code == 0 for code in codes):
        return "Succeeded"
    return "Failed" if policy == "Never" else None


def terminal_conditions(conditions: list[dict[str, Any]], phase: str) -> None:
    """Rewrite the kubelet's pod conditions for a terminal pod, in place."""
    reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
    for c in conditions:
        if c["type"] in ("Ready", "ContainersReady"):
            c["status"], c["reason"] = "False", reason
            c.pop("message", None)
        elif c["type"] == "Initialized" and phase == "Succeeded":
            c["reason"] = "PodCompleted"
        elif c["type"] == "PodReadyToStartContainers":
            c["status"] = "False"
