"""Command families register here; the interpreter looks a command name up and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.providers.sim.shell.session import ShellSession


@dataclass
class Invocation:
    """One simple command after expansion: argv[0] is the command name as typed."""

    argv: list[str]
    stdin: str
    session: ShellSession
    env: dict[str, str] = field(default_factory=dict)  # session env plus `VAR=x cmd` overrides

    @property
    def args(self) -> list[str]:
        return self.argv[1:]


@dataclass
class Output:
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


CommandFn = Callable[[Invocation], Output]

_COMMANDS: dict[str, CommandFn] = {}


def command(*names: str) -> Callable[[CommandFn], CommandFn]:
    def decorate(fn: CommandFn) -> CommandFn:
        for name in names:
            _COMMANDS[name] = fn
        return fn

    return decorate


def lookup(name: str) -> CommandFn | None:
    return _COMMANDS.get(name)


def names() -> list[str]:
    return sorted(_COMMANDS)
