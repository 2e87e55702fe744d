"""Word expansion for the interpreter (`Executor` mixes this in): brace, parameter,
command and arithmetic expansion, field splitting and globbing against the node's files.
Split out of interpreter.py."""

from __future__ import annotations

import re

from app.providers.sim.shell import builtins as bi
from app.providers.sim.shell.interp_base import (
    MAX_VALUE,
    Abort,
    ExpansionError,
    _glob_escape,
    _ifs_split,
)
from app.providers.sim.shell.parser import (
    ASSIGN_RE,
    ParseError,
)
from app.providers.sim.shell.words import Arith, Lit, Param, Subst, parse_word
from app.providers.sim.vfs import VFSError


class Expansion:
    """Methods of `interpreter.Executor` that turn raw words into argv."""

    def expand_words(self, words: list[str], cond: bool = False) -> list[str]:
        out: list[str] = []
        for raw in words:
            for word in ([raw] if cond else bi.brace_expand(raw)):
                out.extend(self.expand_fields(word, split=not cond, glob=not cond))
        if sum(len(a) for a in out) > MAX_VALUE:
            raise Abort(f"bash: {out[0] if out else ''}: Argument list too long\n", 126)
        return out

    def expand_one(self, raw: str, redirect: bool = False) -> str:
        if redirect:
            fields = self.expand_fields(raw, split=True, glob=True)
            if len(fields) != 1:
                raise ExpansionError(f"{raw}: ambiguous redirect")
            return fields[0]
        return "".join(self.expand_fields(raw, split=False, glob=False)) or ""

    def expand_assign(self, word: str) -> tuple[str, str]:
        m = ASSIGN_RE.match(word)
        assert m is not None
        value = word[m.end():]
        if value.startswith("~"):
            value = "/root" + value[1:] if value == "~" or value.startswith("~/") else value
        expanded = "".join(self.expand_fields(value, split=False, glob=False))
        if m.group(2):
            expanded = (self.getvar(m.group(1)) or "") + expanded
        return m.group(1), expanded

    def expand_fields(self, raw: str, split: bool = True, glob: bool = True) -> list[str]:
        fields: list[list[tuple[str, bool]]] = []
        cur: list[tuple[str, bool]] | None = None

        def add(text: str, quoted: bool) -> None:
            nonlocal cur
            if cur is None:
                cur = []
                fields.append(cur)
            cur.append((text, quoted))

        try:
            parts = parse_word(raw)
        except ParseError as exc:
            raise ExpansionError(exc.message) from None
        ifs = self.getvar("IFS")
        ifs = " \t\n" if ifs is None else ifs
        for idx, part in enumerate(parts):
            if isinstance(part, Lit):
                text = part.text
                if idx == 0 and not part.quoted and text.startswith("~"):
                    head, sep, tail = text.partition("/")
                    if head in ("~", "~root"):
                        add(self.getvar("HOME") or "/root", True)
                        text = sep + tail
                add(text, part.quoted)
                continue
            values = self.expand_part(part)
            if part.quoted or not split:
                if isinstance(part, Param) and part.name == "@" and not values and cur == [
                        ("", True)]:
                    fields.pop()
                    cur = None
                for k, value in enumerate(values):
                    if k:
                        cur = None
                    add(value, True)
                continue
            text = " ".join(values)
            pieces = _ifs_split(text, ifs)
            if not pieces:
                if text:
                    cur = None
                continue
            if pieces[0] == "" and len(pieces) > 1:
                cur = None
                pieces = pieces[1:]
            trail = len(pieces) > 1 and pieces[-1] == ""
            if trail:
                pieces = pieces[:-1]
            for k, piece in enumerate(pieces):
                if k:
                    cur = None
                add(piece, False)
            if trail:
                cur = None
        result: list[str] = []
        for f in fields:
            literal = "".join(t for t, _ in f)
            if glob and any(not q and any(c in t for c in "*?[") for t, q in f):
                pattern = "".join(t if not q else _glob_escape(t) for t, q in f)
                result.extend(self.glob(pattern) or [literal])
            else:
                result.append(literal)
        return result

    def glob(self, pattern: str) -> list[str]:
        pattern = pattern.replace("[^", "[!")
        vfs, cwd = self.session.vfs, self.session.cwd
        try:
            if pattern.endswith("/"):
                return [m + "/" for m in vfs.glob(pattern.rstrip("/"), cwd) if vfs.is_dir(m, cwd)]
            return vfs.glob(pattern, cwd)
        except (VFSError, re.error, ValueError):
            return []

    def expand_part(self, part: Param | Subst | Arith) -> list[str]:
        if isinstance(part, Subst):
            return [self.command_subst(part.script)]
        if isinstance(part, Arith):
            expr = self.expand_one(part.expr)
            try:
                return [str(bi.arith(expr, self.getvar, self.setvar))]
            except bi.ArithError as exc:
                raise ExpansionError(str(exc)) from None
        if part.name in ("@", "*") and not part.op and not part.length:
            if part.quoted and part.name == "*":
                return [" ".join(self.positional)]
            return list(self.positional)
        return [self.param(part)]

    def param(self, part: Param) -> str:
        if part.op == "!bad":
            raise ExpansionError(f"${{{part.arg}}}: bad substitution")
        value = self.getvar(part.name)
        if part.length:
            return str(len(value or ""))
        op, arg = part.op, part.arg
        missing = value is None or (op.startswith(":") and value == "")
        if op in (":-", "-"):
            return self.expand_one(arg) if missing else value or ""
        if op in (":=", "="):
            if missing:
                value = self.expand_one(arg)
                self.setvar(part.name, value)
            return value or ""
        if op in (":+", "+"):
            return "" if missing else self.expand_one(arg)
        if op in (":?", "?"):
            if missing:
                message = self.expand_one(arg) or "parameter null or not set"
                raise ExpansionError(f"{part.name}: {message}")
            return value or ""
        return bi.param_op(value or "", op, self.expand_one(arg),
                           lambda e: bi.arith(e, self.getvar, self.setvar))

    def command_subst(self, text: str) -> str:
        out = self.run_text(text)
        self.io.err.append(out.stderr)
        self.subst_status = out.exit_code
        value = out.stdout.rstrip("\n")
        if len(value) > MAX_VALUE:
            raise Abort(f"bash: xmalloc: cannot allocate {len(value)} bytes\n")
        return value

    # --- builtins that need the executor ---------------------------------------------------
