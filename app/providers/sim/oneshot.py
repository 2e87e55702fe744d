"""What a one-shot container (a Job's pod) prints when its command is a simple script.

Job and CronJob examples run things like `date; echo Hello from the Kubernetes cluster`
(kubernetes.io CronJob tutorial) or `echo "backup done"`; an SRE reads that back with
`kubectl logs job/<name>`. The twin does not run the node's shell interpreter on workload
commands (it works on a node's files and could reach kubectl); it understands the handful of
commands such scripts use, in `sh -c` / `bash -c` scripts or run directly:

- `echo [-n] [-e] ...`, `printf FORMAT [ARG...]` (%s %d %i %%, \\n \\t \\\\; the format is
  reused while arguments remain, as coreutils and busybox do), `date` (the default format
  `%a %b %e %H:%M:%S UTC %Y`, TZ unset in a container image), `sleep N[smh]` (later lines
  come later), `true`, `:`, `exit N` (the container's exit code);
- `$(date)` / `` `date` `` in a word, `$HOSTNAME` (the pod's name, the container's hostname);
- `;`, `&&`, newlines between commands;
- the kubernetes.io Job example `perl -Mbignum=bpi -wle "print bpi(2000)"`: pi to 2000
  digits.

Anything else (another program, a variable the twin cannot know, a pipe or redirection)
ends what the twin claims to know: the lines before it are printed, nothing after.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shlex
from dataclasses import dataclass, field

from app.providers.sim.clock import utc

SHELLS = ("sh", "bash", "ash", "dash")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


@dataclass
class Run:
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds after start, text)
    exit_code: int | None = None  # set by an explicit `exit N`


def date_text(t: float) -> str:
    d = utc(t)
    return f"{d:%a %b} {d.day:>2} {d:%H:%M:%S} UTC {d:%Y}"


def _escapes(text: str) -> str:
    return (text.replace("\\\\", "\0").replace("\\n", "\n").replace("\\t", "\t")
            .replace("\0", "\\"))


def _printf(args: list[str]) -> str | None:
    if not args:
        return None
    fmt, rest = _escapes(args[0]), list(args[1:])
    out: list[str] = []
    while True:
        pieces, used = [], 0
        for m in re.finditer(r"%%|%([sdi])|[^%]+|%", fmt):
            if m.group(0) == "%%":
                pieces.append("%")
            elif m.group(1):
                value = rest[used] if used < len(rest) else ""
                used += 1
                if m.group(1) in "di":
                    try:
                        value = str(int(value or "0"))
                    except ValueError:
                        value = "0"
                pieces.append(value)
            else:
                pieces.append(m.group(0))
        out.append("".join(pieces))
        rest = rest[used:]
        if not rest or used == 0:
            return "".join(out)


def _commands(script: str) -> list[list[str]] | None:
    """The simple commands of a script, in order; None when it uses more than that."""
    cmds: list[list[str]] = []
    for line in script.split("\n"):
        lex = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lex.whitespace_split = True
        lex.commenters = "#"
        try:
            tokens = list(lex)
        except ValueError:
            return None
        current: list[str] = []
        for tok in tokens:
            if tok in (";", "&&"):
                if current:
                    cmds.append(current)
                current = []
            elif set(tok) <= set(";&|<>"):
                return None  # pipes, ||, redirections, background jobs
            else:
                current.append(tok)
        if current:
            cmds.append(current)
    return cmds


def _word(word: str, now: float, pod_name: str) -> str | None:
    word = re.sub(r"\$\(date\)|`date`", lambda _: date_text(now), word)
    word = re.sub(r"\$\{?HOSTNAME\}?", pod_name, word)
    return None if "$" in word or "`" in word else word


@functools.lru_cache(maxsize=8)
def bpi(digits: int) -> str:
    """Perl's `bignum` bpi(N): pi to N significant digits, rounded (Machin's formula on
    integers, with guard digits)."""
    scale = 10 ** (digits + 20)

    def arctan_inv(x: int) -> int:
        total = term = scale // x
        k, sign = 1, -1
        while term:
            term //= x * x
            total += sign * (term // (2 * k + 1))
            sign, k = -sign, k + 1
        return total

    text = str(16 * arctan_inv(5) - 4 * arctan_inv(239))
    kept = int(text[:digits]) + (1 if text[digits] >= "5" else 0)
    return f"{str(kept)[0]}.{str(kept)[1:]}" if digits > 1 else str(kept)


def run(command: list[str], start: float, pod_name: str) -> Run:
    """Run `command` (command + args of the container spec) as far as it is understood."""
    out = Run()
    if not command:
        return out
    prog = command[0].rsplit("/", 1)[-1]
    pi = re.fullmatch(r"print bpi\((\d{1,5})\)", command[-1]) if prog == "perl" else None
    if pi and command[1:-1] == ["-Mbignum=bpi", "-wle"]:  # the kubernetes.io Job example
        out.lines.append((0.0, bpi(int(pi.group(1)))))
        return out
    if prog in SHELLS and len(command) >= 3 and command[1] in ("-c", "-ec", "-xc", "-ce"):
        cmds = _commands(command[2])
    else:
        cmds = [list(command)]
    if cmds is None:
        return out
    elapsed = 0.0
    for raw in cmds:
        words = [_word(w, start + elapsed, pod_name) for w in raw]
        if any(w is None for w in words):
            return out
        name, args = words[0].rsplit("/", 1)[-1], words[1:]  # type: ignore[union-attr]
        text: str | None
        if name == "echo":
            newline, escapes = True, False
            while args and args[0] in ("-n", "-e", "-ne", "-en", "-E"):
                flag = args.pop(0)
                newline = newline and "n" not in flag
                escapes = escapes or "e" in flag.replace("E", "")
            text = " ".join(args)  # type: ignore[arg-type]
            text = (_escapes(text) if escapes else text) + ("\n" if newline else "")
        elif name == "printf":
            text = _printf(args)  # type: ignore[arg-type]
            if text is None:
                return out
        elif name == "date" and not args:
            text = date_text(start + elapsed) + "\n"
        elif name == "sleep" and len(args) == 1:
            m = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", args[0] or "")
            if m is None:
                return out
            elapsed += float(m.group(1)) * _UNITS[m.group(2)]
            continue
        elif name in ("true", ":"):
            continue
        elif name == "exit":
            with contextlib.suppress(ValueError):
                out.exit_code = int(args[0]) if args else 0  # type: ignore[arg-type]
            return out
        else:
            return out
        for part in text.splitlines():
            out.lines.append((elapsed, part))
    return out
