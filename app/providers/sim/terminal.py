"""A trainee's shell on a twin node: the simulated bash, bound to one cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.base import ExecResult
from app.providers.sim import changes
from app.providers.sim.shell import commands  # noqa: F401  (registers every command family)
from app.providers.sim.shell.session import ShellSession
from app.providers.sim.vfs import VFS

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster


class TwinHost:
    """What the shell may know of the twin: node names, their files and the twin's clock."""

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster

    def node_names(self) -> list[str]:
        return [n.name for n in self.cluster.nodes]

    def vfs(self, node: str) -> VFS:
        return self.cluster.node(node).vfs

    def node_up(self, node: str) -> bool:
        return self.cluster.node(node).powered

    def now(self) -> float:
        return self.cluster.t

    def default_node(self) -> str:
        return self.cluster.default_node().name

    def on_command(self, node: str, line: str, exit_code: int) -> None:
        return None


class SimTerminal:
    def __init__(self, cluster: SimCluster, node: str, session: ShellSession | None = None
                 ) -> None:
        self.cluster = cluster
        self.session = session or ShellSession(TwinHost(cluster), node)

    @property
    def node(self) -> str:
        return self.session.node

    def prompt(self) -> str:
        return self.session.prompt()

    def run(self, line: str) -> ExecResult:
        self.cluster.sync()
        before = len(self.session.unknown_commands)
        state = changes.fingerprint(self.cluster)
        out = self.session.run(line)
        if changes.fingerprint(self.cluster) != state:
            self.cluster.settle()
        self.cluster.unknown_commands.extend(self.session.unknown_commands[before:])
        text = out.merged  # as a terminal shows it: in the order the writes happened
        return ExecResult(output=text, exit_code=out.exit_code)

    def complete(self, line: str, cursor: int) -> tuple[str | None, list[str]]:
        self.cluster.sync()
        return self.session.complete(line, cursor)
