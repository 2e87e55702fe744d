"""What the interpreter and its mixins share: bounds, the exceptions that unwind a line
(`Abort`, `Flow`, `FuncReturn`), stdin and output streams, IFS splitting.
Split out of interpreter.py."""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_OUTPUT = 1 << 20
MAX_COMMANDS = 10_000
MAX_SUBST_DEPTH = 16
MAX_FUNC_DEPTH = 40  # deep enough for scripts, shallow enough for Python's stack
MAX_VALUE = 4 << 20
MAX_PRODUCED = 64 << 20
MAX_LINE = 256 << 10
TIME_BUDGET = 3.0
SPECIAL_BUILTINS = ["read", "source", ".", "eval", "exec", "return", "break", "continue",
                    "local", "shift", "set", "declare", "typeset", "let", "command", "builtin"]


class Abort(Exception):
    """Stops the whole line; `message` goes to stderr."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class Flow(Exception):
    def __init__(self, kind: str, count: int) -> None:
        super().__init__(kind)
        self.kind, self.count = kind, count


class FuncReturn(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ExpansionError(Exception):
    pass


class RedirectError(Exception):
    pass


class Stdin:
    """A command's standard input; `read` consumes it line by line, other commands see the rest."""

    def __init__(self, data: str = "") -> None:
        self.data, self.pos = data, 0

    def rest(self) -> str:
        return self.data[self.pos:]

    def readline(self) -> str | None:
        if self.pos >= len(self.data):
            return None
        end = self.data.find("\n", self.pos)
        end = len(self.data) if end < 0 else end + 1
        line, self.pos = self.data[self.pos:end], end
        return line


class _Channel(list[str]):
    """One fd's writes; each one is also logged on its Streams' `seq`, so that what a terminal
    shows (or `2>&1` sends on) follows the order the writes happened in, as with bash."""

    def __init__(self, seq: list[tuple[int, str]], fd: int) -> None:
        super().__init__()
        self._seq, self._fd = seq, fd

    def append(self, text: str) -> None:
        super().append(text)
        self._seq.append((self._fd, text))

    def extend(self, texts: Iterable[str]) -> None:  # type: ignore[override]
        for text in texts:
            self.append(text)


class Streams:
    """Where output goes; `tty` tells commands like ls whether a terminal will show it."""

    def __init__(self, tty: bool = False) -> None:
        self.seq: list[tuple[int, str]] = []  # (fd, text) in write order
        self.out: list[str] = _Channel(self.seq, 1)
        self.err: list[str] = _Channel(self.seq, 2)
        self.tty = tty


Target = tuple[str, str]  # ("out" | "err" | "null" | "file", path)
STD: dict[int, Target] = {1: ("out", ""), 2: ("err", "")}


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _ifs_split(text: str, ifs: str, limit: int = 0) -> list[str]:
    """Bash field splitting: IFS whitespace runs collapse; other IFS characters delimit.

    A leading or trailing "" marks a separator at that end (the caller joins or drops it).
    """
    if not ifs:
        return [text] if text else []
    white = "".join(c for c in " \t\n" if c in ifs)
    other = "".join(c for c in dict.fromkeys(ifs) if c not in " \t\n")
    w = f"[{re.escape(white)}]" if white else ""
    o = f"[{re.escape(other)}]" if other else ""
    sep = f"{w}*{o}{w}*|{w}+" if w and o else (f"{w}+" if w else o)
    body = text.strip(white) if white else text
    if not body:
        return []
    parts = re.split(sep, body, maxsplit=max(0, limit - 1))
    if white and text[:1] in white:
        parts.insert(0, "")
    if white and text[-1:] in white and limit == 0:
        parts.append("")
    return parts
