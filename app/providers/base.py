"""The small interface every provider implements and every fault is written against.

Faults, probes and the training layer only ever see these protocols, so one fault module
breaks a twin and a kind node alike (DESIGN.md, principle 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class ProviderError(RuntimeError):
    """A provider could not do what was asked; says which command failed and why."""

    def __init__(self, message: str, *, command: list[str] | None = None,
                 exit_code: int | None = None, stderr: str = "") -> None:
        self.command = command or []
        self.exit_code = exit_code
        self.stderr = stderr
        detail = message
        if command:
            detail += f" (command: {' '.join(command)}"
            if exit_code is not None:
                detail += f", exit code {exit_code}"
            detail += ")"
        if stderr:
            detail += f": {stderr.strip()}"
        super().__init__(detail)


@dataclass
class ExecResult:
    output: str
    exit_code: int


@dataclass
class ProbeResult:
    ok: bool
    message: str


@dataclass
class Check:
    """One entry of a scenario's `checks:` list: a probe name plus its parameters."""

    probe: str
    params: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Node(Protocol):
    name: str
    role: str  # "control-plane" | "worker"

    def read_file(self, path: str) -> bytes: ...
    def write_file(self, path: str, data: bytes, mode: int = 0o644) -> None: ...
    def exec(self, command: str, timeout: float = 30) -> ExecResult: ...
    def service(self, name: str, action: str) -> None: ...
    def set_disk_latency(self, device: str, ms: float) -> None: ...
    def power_off(self) -> None: ...
    def reboot(self) -> None: ...


class Terminal(Protocol):
    """An interactive session on one node, bridged to the browser's terminal."""

    node: str

    def prompt(self) -> str: ...
    def run(self, line: str) -> ExecResult: ...
    def complete(self, line: str, cursor: int) -> list[str]: ...


class RawTerminal(Protocol):
    """A real interactive shell on a node: bytes in, bytes out (a PTY owned by the server)."""

    node: str

    def write(self, data: bytes) -> None: ...
    def read(self, timeout: float) -> bytes: ...  # b"" if nothing came; EOFError once it exited
    def resize(self, cols: int, rows: int) -> None: ...
    def close(self) -> None: ...


@runtime_checkable
class Cluster(Protocol):
    name: str
    nodes: list[Node]

    def node(self, name_or_role: str) -> Node: ...
    def apply(self, manifest: str) -> None: ...
    def probe(self, check: Check) -> ProbeResult: ...
    def open_terminal(self, node: str) -> Terminal: ...
    def destroy(self) -> None: ...
