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
    """What a command wrote. `writes` keeps the order of the writes, (fd, text), when a command
    interleaves its streams (curl -v: the `*`/`>`/`<` lines on stderr, then the body); without
    it the terminal shows stdout, then stderr."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    writes: list[tuple[int, str]] | None = None

    def chunks(self) -> list[tuple[int, str]]:
        if self.writes is not None and self._writes_match():
            return self.writes
        # No order recorded, or stdout/stderr were changed after it was: stdout, then stderr.
        return [(fd, text) for fd, text in ((1, self.stdout), (2, self.stderr)) if text]

    def _writes_match(self) -> bool:
        writes = self.writes or []
        return "".join(t for fd, t in writes if fd == 1) == self.stdout and \
            "".join(t for fd, t in writes if fd == 2) == self.stderr

    @property
    def merged(self) -> str:
        """Both streams as a terminal shows them: in the order they were written."""
        return "".join(text for _, text in self.chunks())

    @classmethod
    def ordered(cls, writes: list[tuple[int, str]], exit_code: int = 0) -> Output:
        """An Output built from its writes in order (fd 1 stdout, fd 2 stderr)."""
        writes = [(fd, text) for fd, text in writes if text]
        return cls("".join(t for fd, t in writes if fd == 1),
                   "".join(t for fd, t in writes if fd == 2), exit_code, writes)


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
