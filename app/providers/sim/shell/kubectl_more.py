"""kubectl verbs beyond get/logs. Verbs the twin cannot answer yet say so and are counted."""

from __future__ import annotations

from app.providers.sim.shell.registry import Invocation, Output


def dispatch(inv: Invocation, verb: str, flags: dict[str, str], pos: list[str]) -> Output:
    from app.providers.sim.shell.kubectl import KubectlError, _connect

    _connect(inv)  # every verb below needs the API first, and fails the same way without it
    inv.session.unknown_commands.append(f"kubectl {verb}")
    raise KubectlError(f'error: "kubectl {verb}" is not simulated by this kubedrill twin yet; '
                       "use kubectl get/logs, crictl, journalctl or the node's files")
