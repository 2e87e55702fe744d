"""`nproc` (coreutils 9.1): the CPUs the node's processes may use. kind sets no CPU limit on a
node container, so that is the Docker host's count, the same `(2 CPU)` iostat reports."""

from __future__ import annotations

from app.providers.sim.shell.registry import Invocation, Output, command

HOST_CPUS = 2  # diskio.py's iostat header says the same


@command("nproc")
def nproc(inv: Invocation) -> Output:
    for a in inv.args:
        if a not in ("--all", "--help", "--version") and not a.startswith("--ignore"):
            return Output(stderr=f"nproc: extra operand '{a}'\nTry 'nproc --help' for more "
                                 "information.\n", exit_code=1)
    return Output(stdout=f"{HOST_CPUS}\n")
