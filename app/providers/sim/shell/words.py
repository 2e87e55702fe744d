"""Word parts: how expansion reads one raw word of the parser (literals, `$x`/`${x…}`, `$(…)`
and backticks, `$((…))`, ANSI-C `$'…'`), as bash splits them. Split out of parser.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.providers.sim.shell.parser import (
    NAME_RE,
    match_close,
    skip_ansi,
    skip_backtick,
    skip_double,
    skip_single,
)

# --- word parts ----------------------------------------------------------------------------

@dataclass
class Lit:
    text: str
    quoted: bool


@dataclass
class Param:
    name: str
    quoted: bool
    op: str = ""
    arg: str = ""
    length: bool = False


@dataclass
class Subst:
    script: str
    quoted: bool


@dataclass
class Arith:
    expr: str
    quoted: bool


Part = Lit | Param | Subst | Arith

_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
         "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}
_PARAM_OPS = (":-", ":=", ":+", ":?", "##", "%%", "//", "/#", "/%", "-", "=", "+", "?", "#",
              "%", "/", ":", "^^", ",,", "^", ",")


def ansi_c(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ANSI:
                out.append(_ANSI[nxt])
                i += 2
                continue
            m = re.match(r"x([0-9a-fA-F]{1,2})|([0-7]{1,3})", body[i + 1:])
            if m:
                out.append(chr(int(m.group(1), 16) if m.group(1) else int(m.group(2), 8)))
                i += 1 + m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_word(raw: str) -> list[Part]:
    parts: list[Part] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            parts.append(Lit(raw[i + 1:i + 2] if i + 1 < n else "\\", True))
            i += 2
        elif c == "'":
            j = skip_single(raw, i)
            parts.append(Lit(raw[i + 1:j - 1], True))
            i = j
        elif c == '"':
            j = skip_double(raw, i)
            parts.append(Lit("", True))  # so `""` still makes an (empty) word
            parts.extend(parse_dquoted(raw[i + 1:j - 1]))
            i = j
        elif c == "$" and raw[i + 1:i + 2] == "'":
            j = skip_ansi(raw, i)
            parts.append(Lit(ansi_c(raw[i + 2:j - 1]), True))
            i = j
        elif c == "$" and raw[i + 1:i + 2] == '"':
            i += 1
        elif c in "$`":
            part, i = _parse_dollar(raw, i, False)
            parts.append(part)
        else:
            j = i + 1
            while j < n and raw[j] not in "\\'\"$`":
                j += 1
            parts.append(Lit(raw[i:j], False))
            i = j
    return parts


def parse_dquoted(body: str) -> list[Part]:
    parts: list[Part] = []
    i, buf = 0, []
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in '$`"\\\n':
            if body[i + 1] != "\n":
                buf.append(body[i + 1])
            i += 2
        elif c in "$`":
            part, j = _parse_dollar(body, i, True)
            if isinstance(part, Lit):
                buf.append(part.text)
            else:
                if buf:
                    parts.append(Lit("".join(buf), True))
                    buf = []
                parts.append(part)
            i = j
        else:
            buf.append(c)
            i += 1
    if buf:
        parts.append(Lit("".join(buf), True))
    return parts


def _parse_dollar(s: str, i: int, quoted: bool) -> tuple[Part, int]:
    if s[i] == "`":
        j = skip_backtick(s, i)
        inner = re.sub(r"\\([$`\\])", r"\1", s[i + 1:j - 1])
        return Subst(inner, quoted), j
    nxt = s[i + 1:i + 2]
    if s.startswith("$((", i):
        j = match_close(s, i + 1, "(", ")")
        if s[j - 2:j] == "))":
            return Arith(s[i + 3:j - 2], quoted), j
    if nxt == "(":
        j = match_close(s, i + 1, "(", ")")
        return Subst(s[i + 2:j - 1], quoted), j
    if nxt == "{":
        j = match_close(s, i + 1, "{", "}")
        return _parse_braced(s[i + 2:j - 1], quoted), j
    m = NAME_RE.match(s, i + 1)
    if m:
        return Param(m.group(), quoted), m.end()
    if nxt and (nxt.isdigit() or nxt in "?$#@*!-"):
        return Param(nxt, quoted), i + 2
    return Lit("$", quoted), i + 1


class BadSubstitution(Exception):
    pass


def _parse_braced(body: str, quoted: bool) -> Part:
    length = body.startswith("#") and len(body) > 1
    rest = body[1:] if length else body
    m = NAME_RE.match(rest) or re.match(r"[0-9]+|[?$#@*!-]", rest)
    if not m:
        return Param("", quoted, op="!bad", arg=body)
    name, tail = m.group(), rest[m.end():]
    if length:
        return Param(name, quoted, length=True) if not tail else Param("", quoted, "!bad", body)
    if not tail:
        return Param(name, quoted)
    op = next((o for o in _PARAM_OPS if tail.startswith(o)), None)
    if op is None:
        return Param("", quoted, op="!bad", arg=body)
    return Param(name, quoted, op=op, arg=tail[len(op):])
