"""awk's builtin functions (`length`, `substr`, `split`, `sub`/`gsub`, `match`, `sprintf`,
`tolower`, …) and printf formatting as mawk 1.3.4 computes them; `awk.Awk` mixes this in.
Split out of awk.py."""

from __future__ import annotations

import math
import re
from typing import Any

from app.providers.sim.shell.awk_parse import (
    INT_MAX,
    AwkError,
    StrNum,
    is_numeric,
    to_num,
    to_str,
)
from app.providers.sim.shell.builtins import decode, encode, executor


def latin(text: str) -> str:
    return encode(text).decode("latin-1")


def unlatin(text: str) -> str:
    return decode(text.encode("latin-1", "replace"))


class AwkBuiltins:
    """Methods of `awk.Awk` for calls to builtin functions and printf."""

    def builtin(self, name: str, args: list[Any]) -> Any:
        fmt = self.vars["CONVFMT"]

        def arg(k: int) -> Any:
            return self.eval(args[k])

        def sarg(k: int) -> str:
            return to_str(arg(k), fmt)
        if name == "length":
            if not args:
                return float(len(self.record))
            if args[0][0] == "var" and isinstance(self.scope(args[0][1]).get(args[0][1]), dict):
                return float(len(self.array(args[0][1])))
            return float(len(sarg(0)))
        if name == "substr":
            text = sarg(0)
            start = round_half(to_num(arg(1)))
            length = round_half(to_num(arg(2))) if len(args) > 2 else len(text) + 1
            start = max(start, 1)
            return text[start - 1:max(start - 1, start - 1 + length)]
        if name == "index":
            return float(sarg(0).find(sarg(1)) + 1)
        if name == "split":
            text = sarg(0)
            if len(args) > 2:
                sep = args[2][1] if args[2][0] == "regex" else sarg(2)
                parts = self.split(text, sep) if args[2][0] != "regex" else (
                    self.regex(sep).split(text) if text else [])
            else:
                parts = self.split(text, to_str(self.vars["FS"]))
            arr = self.array(args[1][1])
            arr.clear()
            for k, part in enumerate(parts, 1):
                arr[str(k)] = StrNum(part)
            return float(len(parts))
        if name in ("sub", "gsub"):
            return self.substitute(name == "gsub", args)
        if name == "match":
            pattern = args[1][1] if args[1][0] == "regex" else sarg(1)
            m = self.regex(pattern).search(sarg(0))
            self.vars["RSTART"] = float(m.start() + 1) if m else 0.0
            self.vars["RLENGTH"] = float(m.end() - m.start()) if m else -1.0
            return self.vars["RSTART"]
        if name == "sprintf":
            return self.format([self.eval(a) for a in args]) if args else ""
        if name in ("tolower", "toupper"):
            text = sarg(0)
            return "".join((c.lower() if name == "tolower" else c.upper()) if c.isascii() else c
                           for c in text)
        if name == "int":
            return float(math.trunc(to_num(arg(0)))) if math.isfinite(to_num(arg(0))) else \
                to_num(arg(0))
        if name in ("sqrt", "exp", "log", "sin", "cos"):
            x = to_num(arg(0))
            try:
                return float(getattr(math, name)(x))
            except (ValueError, OverflowError):
                return math.nan if name != "exp" else math.inf
        if name == "atan2":
            return math.atan2(to_num(arg(0)), to_num(arg(1)))
        if name == "rand":
            return self.rng.random()
        if name == "srand":
            self.rng.seed(to_num(arg(0)) if args else 0)
            return 0.0
        if name == "system":
            self.flush_pipes()
            result = executor(self.inv).run_text(unlatin(sarg(0)))
            self.out.append(latin(result.stdout))
            self.err.append(latin(result.stderr))
            return float(result.exit_code)
        if name == "close":
            self.flush_pipes(sarg(0))
            return 0.0
        return 0.0

    def substitute(self, global_: bool, args: list[Any]) -> float:
        pattern = args[0][1] if args[0][0] == "regex" else to_str(self.eval(args[0]))
        rx = self.regex(pattern)
        repl = to_str(self.eval(args[1]), self.vars["CONVFMT"])
        target = args[2] if len(args) > 2 else ("field", ("num", 0.0))
        text = to_str(self.eval(target), self.vars["CONVFMT"])
        pieces, pos, count, prev_end = [], 0, 0, -1
        for m in rx.finditer(text):
            if m.start() == m.end() == prev_end:
                continue
            prev_end = m.end()
            pieces.append(text[pos:m.start()])
            pieces.append(_awk_replacement(repl, m.group()))
            pos = m.end()
            count += 1
            if not global_:
                break
        if count:
            pieces.append(text[pos:])
            self.assign(target, "".join(pieces))
        return float(count)

    def format(self, values: list[Any]) -> str:
        fmt = to_str(values[0])
        rest = values[1:]
        out: list[str] = []
        pos = 0
        for m in re.finditer(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([cdiouxXeEfgGs%])", fmt):
            out.append(fmt[pos:m.start()])
            pos = m.end()
            flags, width, prec, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue

            def take() -> Any:
                if not rest:
                    raise AwkError("awk: run time error: not enough arguments passed to "
                                   f"sprintf(\"{fmt}\")")
                return rest.pop(0)
            if width == "*":
                width = str(int(to_num(take())))
            if prec == "*":
                prec = str(int(to_num(take())))
            width = str(min(int(width), 1 << 16)) if width else ""
            spec = "%" + flags + width + (f".{min(int(prec or 0), 1 << 16)}" if prec is not None
                                          else "")
            value = take()
            if conv == "c":
                text = chr(int(to_num(value)) & 0xFF) if is_numeric(value) and not isinstance(
                    value, StrNum) else to_str(value)[:1]
                out.append((spec + "s") % text)
            elif conv == "s":
                out.append((spec + "s") % to_str(value, self.vars["CONVFMT"]))
            elif conv in "diouxX":
                number = to_num(value)
                whole = 0 if not math.isfinite(number) else int(number)
                whole = max(-INT_MAX - 1, min(INT_MAX, whole)) if conv in "di" else whole
                if conv in "ouxX" and whole < 0:
                    whole &= (1 << 64) - 1
                out.append((spec + {"i": "d", "u": "d"}.get(conv, conv)) % whole)
            else:
                out.append((spec + conv) % to_num(value))
        out.append(fmt[pos:])
        return "".join(out)


def _awk_replacement(repl: str, matched: str) -> str:
    """`&` is the match, `\\&` a literal ampersand, `\\\\&` a backslash and the match."""
    return re.sub(r"\\\\&|\\&|&", lambda r: {"\\\\&": "\\" + matched, "\\&": "&"}.get(
        r.group(), matched), repl)


def round_half(x: float) -> int:
    if not math.isfinite(x):
        return 0 if x != x else (1 << 30 if x > 0 else -(1 << 30))
    return int(math.floor(x + 0.5))
