"""Streaming command lines on the terminal: `tail -f`, `journalctl -f`, `kubectl logs -f`,
`kubectl get -w`, `watch` and `sleep`.

The twin is lazy, so a stream is a line re-run on a beat: `plan()` recognises a streaming line
and says how to re-run it (a `full` form without the follow flag and without line windows),
`Follow.tick()` turns the next run's output into what the real tool would print next — the
lines appended since the last beat, the rows of `kubectl get` that changed, or a redrawn
`watch` screen. Over the plain exec API the same lines print their first screen and return,
as they would with their output piped.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_STREAM_S = 15 * 60  # a forgotten `tail -f` must not hold a worker forever
MAX_SLEEP_S = 600
CLEAR = "\x1b[H\x1b[2J"
FOLLOW_FLAGS = {"-f", "--follow", "-F", "--follow=name", "--follow=descriptor"}


@dataclass
class Follow:
    kind: str  # append | rows | watch | sleep
    rerun: str  # the line to run on each beat
    interval: float = 1.0
    seconds: float = 0.0  # sleep: how long
    key_columns: int = 1  # rows: NAME, or NAMESPACE+NAME with -A
    ends_with_container: bool = False  # kubectl logs -f ends when the container does
    seen: str = ""
    rows: dict[str, str] = field(default_factory=dict)
    started: bool = False

    def tick(self, run: Callable[[str], str], elapsed: float) -> tuple[str, bool]:
        """(text to print, stream finished) for the beat at `elapsed` seconds."""
        if self.kind == "sleep":
            return "", elapsed >= self.seconds
        out = run(self.rerun)
        if self.kind == "watch":
            return CLEAR + out, False
        if self.kind == "rows":
            return self._rows(out), False
        if not self.started:  # the first beat only takes the baseline
            self.started, self.seen = True, out
            return "", False
        if not out.startswith(self.seen):
            # the log was replaced: a restarted container ends `kubectl logs -f`
            self.seen = out
            return "", self.ends_with_container
        new, self.seen = out[len(self.seen):], out
        return new, False

    def _rows(self, out: str) -> str:
        changed = []
        for row in out.splitlines():
            key = " ".join(row.split()[:self.key_columns])
            if not key:
                continue
            if self.started and self.rows.get(key) != row:
                changed.append(row)
            self.rows[key] = row
        self.started = True
        return "".join(r + "\n" for r in changed)


def plan(line: str) -> Follow | None:
    """How to stream `line`, or None when it is an ordinary command line."""
    split = _first_stage(line)
    if split is None:
        return None
    stage, rest = split
    try:
        words = shlex.split(stage)
    except ValueError:
        return None
    if words[:1] == ["sudo"]:
        words = words[1:]
    if not words:
        return None
    prog = words[0].rsplit("/", 1)[-1]
    if prog == "sleep" and not rest and len(words) == 2:
        seconds = _seconds(words[1])
        return Follow("sleep", "", seconds=min(seconds, MAX_SLEEP_S)) if seconds else None
    if prog == "watch":
        return Follow("watch", line, interval=max(1.0, _watch_interval(words[1:])))
    if prog == "tail" and _has_follow(words):
        full = _without_windows(_without(words, FOLLOW_FLAGS), ("-n", "--lines")) + ["-n", "+1"]
        return Follow("append", _join(full, rest))
    if prog == "journalctl" and _has_follow(words, {"-f", "--follow"}):
        full = _without_windows(_without(words, {"-f", "--follow"}), ("-n", "--lines"))
        return Follow("append", _join(full, rest))
    if prog == "kubectl" and "logs" in words and _has_follow(words, {"-f", "--follow",
                                                                     "--follow=true"}):
        full = _without_windows(_without(words, {"-f", "--follow", "--follow=true"}),
                                ("--tail",))
        return Follow("append", _join(full, rest), ends_with_container=True)
    if prog == "kubectl" and "get" in words and _has_follow(words, {"-w", "--watch",
                                                                    "--watch=true"}):
        full = _without(words, {"-w", "--watch", "--watch=true"}) + ["--no-headers"]
        every_ns = "-A" in words or "--all-namespaces" in words
        return Follow("rows", _join(full, rest), key_columns=2 if every_ns else 1)
    return None


def _first_stage(line: str) -> tuple[str, str] | None:
    """(first command of a pipeline, the rest from its `|`); None for lists (`;`, `&&`...),
    background jobs and subshells, which stream nothing."""
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"':
                i += 1
        elif c in "'\"":
            quote = c
        elif c == "\\":
            i += 1
        elif c in ";&()`" or line.startswith("$(", i):
            return None
        elif c == "|":
            if line.startswith("||", i):
                return None
            rest = line[i:]
            return (line[:i], rest) if "||" not in rest and ";" not in rest else None
        i += 1
    return (line, "") if not quote else None


def _has_follow(words: list[str], flags: set[str] = FOLLOW_FLAGS) -> bool:
    return any(w in flags or _bundles_f(w, flags) for w in words[1:])


def _bundles_f(word: str, flags: set[str]) -> bool:
    """`-fu`, `-xef`: short options bundled with -f (people type `journalctl -fu kubelet`)."""
    return "-f" in flags and len(word) > 2 and word[0] == "-" and word[1] != "-" \
        and word[1:].isalpha() and "f" in word


def _without(words: list[str], flags: set[str]) -> list[str]:
    out = []
    for w in words:
        if w in flags:
            continue
        out.append("-" + w[1:].replace("f", "") if _bundles_f(w, flags) else w)
    return out


def _without_windows(words: list[str], options: tuple[str, ...]) -> list[str]:
    """Drop `-n 20`, `-n20`, `--lines=20`, `--tail 5`, `-20`: the re-run wants every line."""
    out: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        if w in options:
            skip = True
            continue
        if any(w.startswith(o + "=") for o in options if o.startswith("--")):
            continue
        if any(w.startswith(o) and w[len(o):].lstrip("+").isdigit()
               for o in options if not o.startswith("--")):
            continue
        if words[0].endswith("tail") and w[:1] == "-" and w[1:].isdigit():
            continue
        out.append(w)
    return out


def _join(words: list[str], rest: str) -> str:
    return shlex.join(words) + (" " + rest if rest else "")


def _seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    unit = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        return max(0.0, float(number) * unit)
    except ValueError:
        return 0.0


def _watch_interval(args: list[str]) -> float:
    for i, a in enumerate(args):
        if a in ("-n", "--interval") and i + 1 < len(args):
            return _seconds(args[i + 1]) or 2.0
        if a.startswith("-n") and len(a) > 2:
            return _seconds(a[2:]) or 2.0
        if a.startswith("--interval="):
            return _seconds(a.split("=", 1)[1]) or 2.0
    return 2.0
