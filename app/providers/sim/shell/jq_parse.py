"""jq's front end: the lexer and the parser that turns a filter into tuples for `jq.Jq`.
Split out of jq.py."""

from __future__ import annotations

import re
from typing import Any

TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<str>")
  | (?P<field>\.[A-Za-z_][A-Za-z0-9_]*)
  | (?P<var>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<fmt>@[A-Za-z0-9]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>\.\.|\?//|//=|\|=|\+=|-=|==|!=|<=|>=|//|[.\[\]{}()|,:;?<>+\-*/%=])
""", re.X)
KEYWORDS = {"if", "then", "elif", "else", "end", "and", "or", "as", "reduce", "def", "try",
            "catch"}


class JqError(Exception):
    pass


class CompileError(Exception):
    pass


def _lex(src: str) -> list[tuple[str, Any]]:
    toks: list[tuple[str, Any]] = []
    i = 0
    while i < len(src):
        m = TOKEN.match(src, i)
        if not m:
            raise CompileError(f"syntax error, unexpected INVALID_CHARACTER (Unix shell quoting "
                               f"issues?) at <top-level>, line 1:\n{src}")
        kind = m.lastgroup or ""
        if kind == "str":
            parts, i = _lex_string(src, m.end())
            toks.append(("str", parts))
            continue
        i = m.end()
        if kind == "ws":
            continue
        text = m.group()
        if kind == "name" and text in KEYWORDS:
            kind = "kw"
        toks.append((kind, text))
    toks.append(("eof", ""))
    return toks


def _lex_string(src: str, i: int) -> tuple[list[Any], int]:
    """String parts: plain text pieces and ("interp", source) for `\\(…)`."""
    parts: list[Any] = []
    buf: list[str] = []
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\",
               "/": "/"}
    while i < len(src):
        c = src[i]
        if c == '"':
            if buf or not parts:
                parts.append("".join(buf))
            return parts, i + 1
        if c == "\\" and i + 1 < len(src):
            nxt = src[i + 1]
            if nxt == "(":
                depth, j = 1, i + 2
                while j < len(src) and depth:
                    depth += {"(": 1, ")": -1}.get(src[j], 0)
                    j += 1
                parts.append("".join(buf))
                buf = []
                parts.append(("interp", src[i + 2:j - 1]))
                i = j
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", src[i + 2:i + 6]):
                buf.append(chr(int(src[i + 2:i + 6], 16)))
                i += 6
                continue
            buf.append(escapes.get(nxt, nxt))
            i += 2
            continue
        buf.append(c)
        i += 1
    raise CompileError(f"syntax error, unexpected $end, expecting QQSTRING_TEXT or "
                       f"QQSTRING_INTERP_START or QQSTRING_END (Unix shell quoting issues?) at "
                       f"<top-level>, line 1:\n{src}")


class Parser:
    def __init__(self, src: str) -> None:
        self.src, self.toks, self.i = src, _lex(src), 0

    def peek(self) -> tuple[str, Any]:
        return self.toks[self.i]

    def at(self, *values: str) -> bool:
        kind, text = self.peek()
        return kind in ("op", "kw") and text in values

    def take(self) -> tuple[str, Any]:
        tok = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return tok

    def error(self) -> CompileError:
        kind, text = self.peek()
        shown = "$end" if kind == "eof" else (text if isinstance(text, str) else "QQSTRING")
        return CompileError(f"syntax error, unexpected {shown} (Unix shell quoting issues?) at "
                            f"<top-level>, line 1:\n{self.src}")

    def expect(self, value: str) -> None:
        if not self.at(value):
            raise self.error()
        self.take()

    def program(self) -> Any:
        node = self.pipe()
        if self.peek()[0] != "eof":
            raise self.error()
        return node

    def pipe(self) -> Any:
        if self.at("def"):
            self.take()
            name = self.take()[1]
            params: list[str] = []
            if self.at("("):
                self.take()
                while not self.at(")"):
                    params.append(self.take()[1])
                    if self.at(";"):
                        self.take()
                self.take()
            self.expect(":")
            body = self.pipe()
            self.expect(";")
            return ("def", name, params, body, self.pipe())
        left = self.comma()
        if self.at("as"):
            self.take()
            var = self.take()[1]
            self.expect("|")
            return ("as", left, var, self.pipe())
        if self.at("|"):
            self.take()
            return ("pipe", left, self.pipe())
        return left

    def comma(self) -> Any:
        left = self.alt()
        while self.at(","):
            self.take()
            left = ("comma", left, self.alt())
        return left

    def alt(self) -> Any:
        left = self.assign()
        if self.at("//"):
            self.take()
            return ("alt", left, self.alt())
        return left

    def assign(self) -> Any:
        left = self.or_()
        if self.at("|=", "=", "+=", "-=", "//="):
            op = self.take()[1]
            return ("update", op, left, self.alt())
        return left

    def or_(self) -> Any:
        left = self.and_()
        while self.at("or"):
            self.take()
            left = ("or", left, self.and_())
        return left

    def and_(self) -> Any:
        left = self.compare()
        while self.at("and"):
            self.take()
            left = ("and", left, self.compare())
        return left

    def compare(self) -> Any:
        left = self.additive()
        if self.at("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            return ("bin", op, left, self.additive())
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.take()[1]
            left = ("bin", op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Any:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.take()[1]
            left = ("bin", op, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.at("-"):
            self.take()
            return ("neg", self.postfix())
        return self.postfix()

    def postfix(self) -> Any:
        node = self.term()
        while True:
            kind, text = self.peek()
            if kind == "field":
                self.take()
                node = ("index", node, ("lit", text[1:]))
            elif kind == "op" and text == "." and self.toks[self.i + 1][0] == "str":
                self.take()
                node = ("index", node, ("str", self.take()[1]))
            elif kind == "op" and text == "[":
                node = self.bracket(node)
            elif kind == "op" and text == "?":
                self.take()
                node = ("try", node, None)
            else:
                return node

    def bracket(self, node: Any) -> Any:
        self.take()
        if self.at("]"):
            self.take()
            return ("iterate", node)
        if self.at(":"):
            self.take()
            end = self.pipe()
            self.expect("]")
            return ("slice", node, None, end)
        index = self.pipe()
        if self.at(":"):
            self.take()
            end = None if self.at("]") else self.pipe()
            self.expect("]")
            return ("slice", node, index, end)
        self.expect("]")
        return ("index", node, index)

    def term(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return ("lit", float(text) if any(c in text for c in ".eE") else int(text))
        if kind == "str":
            return ("str", text)
        if kind == "field":
            return ("index", ("identity",), ("lit", text[1:]))
        if kind == "var":
            return ("var", text[1:])
        if kind == "fmt":
            if self.peek()[0] == "str":
                return ("fmtstr", text, self.take()[1])
            return ("format", text)
        if kind == "op":
            if text == ".":
                if self.peek()[0] == "str":
                    return ("index", ("identity",), ("str", self.take()[1]))
                if self.at("["):
                    return self.bracket(("identity",))
                return ("identity",)
            if text == "..":
                return ("call", "recurse", [])
            if text == "(":
                inner = self.pipe()
                self.expect(")")
                return inner
            if text == "[":
                if self.at("]"):
                    self.take()
                    return ("array", None)
                inner = self.pipe()
                self.expect("]")
                return ("array", inner)
            if text == "{":
                return self.object()
        if kind == "kw" and text == "if":
            return self.if_()
        if kind == "kw" and text == "try":
            body = self.postfix()
            handler = None
            if self.at("catch"):
                self.take()
                handler = self.postfix()
            return ("try", body, handler)
        if kind == "kw" and text == "reduce":
            source = self.postfix()
            self.expect("as")
            var = self.take()[1][1:]
            self.expect("(")
            init = self.pipe()
            self.expect(";")
            update = self.pipe()
            self.expect(")")
            return ("reduce", source, var, init, update)
        if kind == "name":
            args: list[Any] = []
            if self.at("("):
                self.take()
                args.append(self.pipe())
                while self.at(";"):
                    self.take()
                    args.append(self.pipe())
                self.expect(")")
            return ("call", text, args)
        if kind != "eof":
            self.i -= 1
        raise self.error()

    def if_(self) -> Any:
        cond = self.pipe()
        self.expect("then")
        then = self.pipe()
        if self.at("elif"):
            self.take()
            return ("if", cond, then, self.if_())
        other = ("identity",)
        if self.at("else"):
            self.take()
            other = self.pipe()
        self.expect("end")
        return ("if", cond, then, other)

    def object(self) -> Any:
        entries: list[tuple[Any, Any]] = []
        while not self.at("}"):
            kind, text = self.take()
            if kind in ("name", "kw"):
                key: Any = ("lit", text)
            elif kind == "str":
                key = ("str", text)
            elif kind == "var":
                key = ("lit", text[1:])
                if not self.at(":"):
                    entries.append((key, ("var", text[1:])))
                    if self.at(","):
                        self.take()
                    continue
            elif kind == "op" and text == "(":
                key = self.pipe()
                self.expect(")")
            else:
                self.i -= 1
                raise self.error()
            if self.at(":"):
                self.take()
                value = self.objval()
            else:
                value = ("index", ("identity",), key)
            entries.append((key, value))
            if self.at(","):
                self.take()
            elif not self.at("}"):
                raise self.error()
        self.take()
        return ("object", entries)

    def objval(self) -> Any:
        left = self.alt()
        while self.at("|"):
            self.take()
            left = ("pipe", left, self.alt())
        return left
