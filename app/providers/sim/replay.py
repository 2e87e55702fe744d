"""Running a command line on a twin so that it can be run again with the same result.

The twin advances lazily to "now" on every command, and a command may read the clock several
times. `pinned` fixes the clock for the whole line at one host time, which the caller records;
`run_again` pins it at the recorded time, restores the shell session the line ran in and runs
it: given the same twin state, the twin ends in the same state (app/training/twinlog.py relies
on this to persist a command as a few hundred bytes instead of the whole twin).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.providers.base import ExecResult

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster


@contextmanager
def pinned(cluster: SimCluster, host_time: float | None = None) -> Iterator[float]:
    """Freeze the twin's clock at `host_time` (default: the host time it reads now) for the
    block; yields that host time. Offsets a command adds (`advance`) are kept afterwards."""
    clock = cluster.clock
    frozen = clock.frozen_at
    # The clock's own reading of the host time (it may be frozen, or its source replaced).
    at = host_time if host_time is not None else clock.now() - clock.offset
    clock.frozen_at = at
    try:
        yield at
    finally:
        clock.frozen_at = frozen


def run_again(cluster: SimCluster, line: str, session: dict[str, Any],
              host_time: float) -> ExecResult:
    """Run `line` as it ran before: in that shell session, with the clock at `host_time`."""
    from app.providers.sim.shell.session import ShellSession
    from app.providers.sim.terminal import SimTerminal, TwinHost

    shell = ShellSession.from_json(TwinHost(cluster), session)
    with pinned(cluster, host_time):
        return SimTerminal(cluster, shell.node, shell).run(line)
