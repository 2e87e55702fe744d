"""A useful, bounded subset of jq 1.6: paths, pipes, construction, select/map and friends.

Filters are parsed into tuples and evaluated as Python generators over decoded JSON values;
nothing of the program reaches Python's own evaluation. Output is jq's (2-space indent, `-c`,
`-r`) without colours.
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any

from app.providers.sim import entropy
from app.providers.sim.shell.builtins import decode, encode, read_text
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import VFSError

MAX_RESULTS = 200_000
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


# --- evaluation ------------------------------------------------------------------------------

def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _order(v: Any) -> tuple[Any, ...]:
    """jq's total order: null < false < true < numbers < strings < arrays < objects."""
    if v is None:
        return (0,)
    if isinstance(v, bool):
        return (1, v)
    if isinstance(v, int | float):
        return (2, v)
    if isinstance(v, str):
        return (3, v)
    if isinstance(v, list):
        return (4, [_order(x) for x in v])
    return (5, sorted(v), [_order(v[k]) for k in sorted(v)])


def dump(v: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    def norm(x: Any) -> Any:
        if isinstance(x, float):
            if x != x:
                return None
            if x.is_integer() and abs(x) < 1e17:
                return int(x)
            if math.isinf(x):
                return 1.7976931348623157e308 if x > 0 else -1.7976931348623157e308
        if isinstance(x, list):
            return [norm(i) for i in x]
        if isinstance(x, dict):
            return {k: norm(i) for k, i in x.items()}
        return x
    if indent is None:
        return json.dumps(norm(v), ensure_ascii=False, separators=(",", ":"),
                          sort_keys=sort_keys)
    return json.dumps(norm(v), ensure_ascii=False, indent=indent, sort_keys=sort_keys)


class Jq:
    def __init__(self, program: Any, variables: dict[str, Any], deadline: float) -> None:
        self.program, self.deadline = program, deadline
        self.vars = variables
        self.funcs: dict[tuple[str, int], tuple[list[str], Any, dict[str, Any]]] = {}
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps % 1024 == 0 and time.monotonic() > self.deadline:
            entropy.note()  # stopped by the clock: not replayable
            raise JqError("jq: error: program ran too long")

    def run(self, value: Any) -> Iterator[Any]:
        return self.eval(self.program, value, self.vars)

    def eval(self, node: Any, v: Any, env: dict[str, Any]) -> Iterator[Any]:
        self.tick()
        kind = node[0]
        if kind == "identity":
            yield v
        elif kind == "lit":
            yield node[1]
        elif kind == "str":
            yield from self.string(node[1], v, env)
        elif kind == "var":
            if node[1] not in env:
                raise CompileError(f"${node[1]} is not defined at <top-level>, line 1:")
            yield env[node[1]]
        elif kind == "pipe":
            for x in self.eval(node[1], v, env):
                yield from self.eval(node[2], x, env)
        elif kind == "comma":
            yield from self.eval(node[1], v, env)
            yield from self.eval(node[2], v, env)
        elif kind == "as":
            for x in self.eval(node[1], v, env):
                yield from self.eval(node[3], v, {**env, node[2][1:]: x})
        elif kind == "index":
            for target in self.eval(node[1], v, env):
                for key in self.eval(node[2], v, env):
                    yield index(target, key)
        elif kind == "slice":
            for target in self.eval(node[1], v, env):
                starts = list(self.eval(node[2], v, env)) if node[2] else [None]
                ends = list(self.eval(node[3], v, env)) if node[3] else [None]
                for s in starts:
                    for e in ends:
                        yield slice_(target, s, e)
        elif kind == "iterate":
            for target in self.eval(node[1], v, env):
                yield from iterate(target)
        elif kind == "try":
            try:
                yield from list(self.eval(node[1], v, env))
            except JqError as exc:
                if node[2] is not None:
                    yield from self.eval(node[2], str(exc).split(": ", 2)[-1], env)
        elif kind == "alt":
            found = [x for x in self._quiet(node[1], v, env) if x is not None and x is not False]
            yield from found if found else self.eval(node[2], v, env)
        elif kind in ("and", "or"):
            for a in self.eval(node[1], v, env):
                if kind == "and" and not truthy(a):
                    yield False
                elif kind == "or" and truthy(a):
                    yield True
                else:
                    for b in self.eval(node[2], v, env):
                        yield truthy(b)
        elif kind == "bin":
            for b in self.eval(node[3], v, env):
                for a in self.eval(node[2], v, env):
                    yield binop(node[1], a, b)
        elif kind == "neg":
            for a in self.eval(node[1], v, env):
                if not isinstance(a, int | float) or isinstance(a, bool):
                    raise JqError(f"{type_name(a)} ({dump(a, None)}) cannot be negated")
                yield -a
        elif kind == "array":
            yield [] if node[1] is None else self.collect(node[1], v, env)
        elif kind == "object":
            yield from self.object(node[1], v, env)
        elif kind == "if":
            for c in self.eval(node[1], v, env):
                yield from self.eval(node[2] if truthy(c) else node[3], v, env)
        elif kind == "reduce":
            acc_list = list(self.eval(node[3], v, env))
            acc = acc_list[-1] if acc_list else None
            for x in self.eval(node[1], v, env):
                results = list(self.eval(node[4], acc, {**env, node[2]: x}))
                acc = results[-1] if results else None
            yield acc
        elif kind == "format":
            yield fmt(node[1], v)
        elif kind == "fmtstr":
            yield from self.string(node[2], v, env, node[1])
        elif kind == "def":
            self.funcs[(node[1], len(node[2]))] = (node[2], node[3], env)
            yield from self.eval(node[4], v, env)
        elif kind == "update":
            yield from self.update(node, v, env)
        elif kind == "call":
            yield from self.call(node[1], node[2], v, env)
        else:
            raise JqError(f"unsupported: {kind}")

    def _quiet(self, node: Any, v: Any, env: dict[str, Any]) -> list[Any]:
        try:
            return list(self.eval(node, v, env))
        except JqError:
            return []

    def collect(self, node: Any, v: Any, env: dict[str, Any]) -> list[Any]:
        out = []
        for x in self.eval(node, v, env):
            out.append(x)
            if len(out) > MAX_RESULTS:
                raise JqError("too many results")
        return out

    def string(self, parts: list[Any], v: Any, env: dict[str, Any],
               how: str = "@text") -> Iterator[Any]:
        results = [""]
        for part in parts:
            if isinstance(part, str):
                results = [r + part for r in results]
                continue
            inner = Parser(part[1]).program()
            values = [x if isinstance(x, str) and how == "@text" else fmt(how, x)
                      for x in self.eval(inner, v, env)]
            results = [r + x for r in results for x in values]
        yield from results

    def object(self, entries: list[tuple[Any, Any]], v: Any,
               env: dict[str, Any]) -> Iterator[dict[str, Any]]:
        partial: list[dict[str, Any]] = [{}]
        for key_node, value_node in entries:
            nxt = []
            for obj in partial:
                for key in self.eval(key_node, v, env):
                    if not isinstance(key, str):
                        raise JqError("Object keys must be strings")
                    for value in self.eval(value_node, v, env):
                        nxt.append({**obj, key: value})
            partial = nxt
        yield from partial

    def update(self, node: Any, v: Any, env: dict[str, Any]) -> Iterator[Any]:
        op, target, expr = node[1], node[2], node[3]
        paths = list(self.paths(target, v, env))
        if op == "=":
            for new in self.eval(expr, v, env):
                result = v
                for p in paths:
                    result = setpath(result, p, new)
                yield result
            return
        result = v
        for p in paths:
            old = getpath(result, p)
            if op == "|=":
                values = list(self.eval(expr, old, env))
                new = values[0] if values else None
            else:
                rhs = next(iter(self.eval(expr, v, env)), None)
                new = (old if truthy(old) else rhs) if op == "//=" else binop(op[0], old, rhs)
            result = setpath(result, p, new)
        yield result

    def paths(self, node: Any, v: Any, env: dict[str, Any]) -> Iterator[list[Any]]:
        kind = node[0]
        if kind == "identity":
            yield []
        elif kind == "index":
            for base in self.paths(node[1], v, env):
                for key in self.eval(node[2], v, env):
                    yield [*base, key]
        elif kind == "iterate":
            for base in self.paths(node[1], v, env):
                target = getpath(v, base)
                keys = range(len(target)) if isinstance(target, list) else (
                    list(target) if isinstance(target, dict) else [])
                for k in keys:
                    yield [*base, k]
        elif kind == "pipe":
            for base in self.paths(node[1], v, env):
                for rest in self.paths(node[2], getpath(v, base), env):
                    yield [*base, *rest]
        elif kind == "call" and node[1] == "select":
            for x in self.eval(node[2][0], v, env):
                if truthy(x):
                    yield []
        else:
            raise JqError("Invalid path expression")

    def call(self, name: str, args: list[Any], v: Any, env: dict[str, Any]) -> Iterator[Any]:
        user = self.funcs.get((name, len(args)))
        if user is not None:
            params, body, closure = user
            scope = dict(closure)
            for param, arg in zip(params, args, strict=True):
                if param.startswith("$"):
                    scope[param[1:]] = next(iter(self.eval(arg, v, env)), None)
                else:
                    raise JqError("filter parameters are not supported here")
            yield from self.eval(body, v, scope)
            return

        def one(k: int = 0) -> Any:
            return next(iter(self.eval(args[k], v, env)), None)
        simple = SIMPLE.get(name)
        if simple is not None and not args:
            yield simple(v)
            return
        if name == "empty":
            return
        if name == "error":
            raise JqError(str(one() if args else v))
        if name == "select":
            for c in self.eval(args[0], v, env):
                if truthy(c):
                    yield v
        elif name == "map":
            yield [y for x in iterate(v) for y in self.eval(args[0], x, env)]
        elif name == "map_values":
            if isinstance(v, dict):
                yield {k: next(iter(self.eval(args[0], x, env))) for k, x in v.items()}
            else:
                yield [next(iter(self.eval(args[0], x, env))) for x in iterate(v)]
        elif name == "with_entries":
            entries = [y for e in to_entries(v) for y in self.eval(args[0], e, env)]
            yield from_entries(entries)
        elif name in ("sort_by", "group_by", "unique_by", "min_by", "max_by"):
            keyed = [(self.collect(args[0], x, env), x) for x in iterate(v)]
            keyed.sort(key=lambda kx: _order(kx[0]))
            if name == "sort_by":
                yield [x for _, x in keyed]
            elif name in ("min_by", "max_by"):
                yield (keyed[0 if name == "min_by" else -1][1]) if keyed else None
            else:
                groups: list[tuple[Any, list[Any]]] = []
                for k, x in keyed:
                    if groups and groups[-1][0] == k:
                        groups[-1][1].append(x)
                    else:
                        groups.append((k, [x]))
                yield [g for _, g in groups] if name == "group_by" else [g[0] for _, g in groups]
        elif name in ("any", "all") and args:
            results = [truthy(y) for x in iterate(v) for y in self.eval(args[0], x, env)]
            yield any(results) if name == "any" else all(results)
        elif name == "has":
            key = one()
            yield key in v if isinstance(v, dict) else isinstance(key, int) and 0 <= key < len(v)
        elif name in ("contains", "inside"):
            other = one()
            yield contains(v, other) if name == "contains" else contains(other, v)
        elif name in ("startswith", "endswith", "ltrimstr", "rtrimstr", "split", "join", "test",
                      "index", "rindex", "indices"):
            yield string_fn(name, v, one(), one(1) if len(args) > 1 else None)
        elif name == "range":
            bounds = [one(k) for k in range(len(args))]
            start, stop = (0, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
            step = bounds[2] if len(bounds) > 2 else 1
            count = 0
            x = start
            while (x < stop if step > 0 else x > stop) and count < MAX_RESULTS:
                yield x
                x += step
                count += 1
        elif name in ("first", "last", "limit", "nth") and args:
            if name == "limit":
                n = one()
                for k, x in enumerate(self.eval(args[1], v, env)):
                    if k >= n:
                        break
                    yield x
            else:
                items = list(self.eval(args[-1], v, env))
                if name == "nth":
                    items = items[one():][:1]
                if items:
                    yield items[0] if name in ("first", "nth") else items[-1]
        elif name == "recurse":
            yield from recurse(v)
        elif name in ("path", "paths", "getpath", "del", "to_entries", "setpath"):
            yield from self.path_fn(name, args, v, env)
        elif name in ("ascii", "env") or name == "input_line_number":
            yield {} if name == "env" else 0
        elif name == "splits":
            yield from string_fn("split", v, one(), None)
        elif name == "tojson":
            yield dump(v, None)
        elif name == "not":
            yield not truthy(v)
        else:
            raise CompileError(f"{name}/{len(args)} is not defined at <top-level>, line 1:")

    def path_fn(self, name: str, args: list[Any], v: Any, env: dict[str, Any]) -> Iterator[Any]:
        if name == "path":
            yield from self.paths(args[0], v, env)
        elif name == "paths":
            yield from (p for p in all_paths(v) if p)
        elif name == "getpath":
            yield getpath(v, next(iter(self.eval(args[0], v, env))))
        elif name == "setpath":
            yield setpath(v, next(iter(self.eval(args[0], v, env))),
                          next(iter(self.eval(args[1], v, env))))
        elif name == "del":
            result = v
            for p in sorted(self.paths(args[0], v, env), key=lambda p: _order(p), reverse=True):
                result = delpath(result, p)
            yield result


def truthy(v: Any) -> bool:
    return v is not None and v is not False


def index(target: Any, key: Any) -> Any:
    if target is None:
        return None
    if isinstance(target, dict) and isinstance(key, str):
        return target.get(key)
    if isinstance(target, list) and isinstance(key, int | float) and not isinstance(key, bool):
        k = int(key)
        return target[k] if -len(target) <= k < len(target) else None
    if isinstance(key, str):
        raise JqError(f"Cannot index {type_name(target)} with string \"{key}\"")
    raise JqError(f"Cannot index {type_name(target)} with {type_name(key)}")


def slice_(target: Any, start: Any, end: Any) -> Any:
    if target is None:
        return None
    if not isinstance(target, list | str):
        raise JqError(f"Cannot index {type_name(target)} with object")
    s = None if start is None else int(start)
    e = None if end is None else int(end)
    return target[s:e]


def iterate(target: Any) -> Iterator[Any]:
    if isinstance(target, list):
        yield from target
    elif isinstance(target, dict):
        yield from target.values()
    else:
        raise JqError(f"Cannot iterate over {type_name(target)}"
                      + (f" ({dump(target, None)})" if target is not None else ""))


def recurse(v: Any) -> Iterator[Any]:
    yield v
    if isinstance(v, list | dict):
        for x in iterate(v):
            yield from recurse(x)


def all_paths(v: Any) -> Iterator[list[Any]]:
    yield []
    if isinstance(v, dict):
        for k, x in v.items():
            yield from ([k, *p] for p in all_paths(x))
    elif isinstance(v, list):
        for k, x in enumerate(v):
            yield from ([k, *p] for p in all_paths(x))


def getpath(v: Any, path: list[Any]) -> Any:
    for key in path:
        v = index(v, key)
    return v


def setpath(v: Any, path: list[Any], new: Any) -> Any:
    if not path:
        return new
    key, rest = path[0], path[1:]
    if v is None:
        v = [] if isinstance(key, int) else {}
    if isinstance(v, dict) and isinstance(key, str):
        return {**v, key: setpath(v.get(key), rest, new)}
    if isinstance(v, list) and isinstance(key, int):
        items = list(v) + [None] * max(0, key + 1 - len(v))
        items[key] = setpath(items[key], rest, new)
        return items
    raise JqError(f"Cannot index {type_name(v)} with {type_name(key)}")


def delpath(v: Any, path: list[Any]) -> Any:
    if not path or v is None:
        return None if not path else v
    key, rest = path[0], path[1:]
    if isinstance(v, dict):
        if not rest:
            return {k: x for k, x in v.items() if k != key}
        return {**v, key: delpath(v.get(key), rest)} if key in v else v
    if isinstance(v, list) and isinstance(key, int):
        if not rest:
            return [x for k, x in enumerate(v) if k != key % max(len(v), 1)]
        items = list(v)
        items[key] = delpath(items[key], rest)
        return items
    raise JqError(f"Cannot delete field at index {key}")


def binop(op: str, a: Any, b: Any) -> Any:
    if op in ("==", "!="):
        return (a == b and type_name(a) == type_name(b)) == (op == "==")
    if op in ("<", "<=", ">", ">="):
        x, y = _order(a), _order(b)
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
    num = (int, float)
    if op == "+":
        if a is None:
            return b
        if b is None:
            return a
        if isinstance(a, num) and isinstance(b, num) or type_name(a) == type_name(b) in (
                "string", "array"):
            return a + b
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **b}
    elif op == "-":
        if isinstance(a, num) and isinstance(b, num):
            return a - b
        if isinstance(a, list) and isinstance(b, list):
            return [x for x in a if x not in b]
    elif op == "*":
        if isinstance(a, num) and isinstance(b, num):
            return a * b
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **b}
    elif op in ("/", "%"):
        if isinstance(a, num) and isinstance(b, num):
            if b == 0:
                raise JqError(f"{type_name(a)} ({dump(a, None)}) and {type_name(b)} "
                              f"({dump(b, None)}) cannot be divided because the divisor is zero")
            if op == "%":
                return int(a) % int(b) if int(a) >= 0 else -(-int(a) % int(b))
            result = a / b
            return int(result) if result.is_integer() else result
        if isinstance(a, str) and isinstance(b, str) and op == "/":
            return a.split(b)
    verb = {"+": "added", "-": "subtracted", "*": "multiplied", "/": "divided", "%": "divided"}
    raise JqError(f"{type_name(a)} ({dump(a, None)}) and {type_name(b)} ({dump(b, None)}) "
                  f"cannot be {verb[op]}")


def contains(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in a and contains(a[k], x) for k, x in b.items())
    if isinstance(a, list) and isinstance(b, list):
        return all(any(contains(x, y) for x in a) for y in b)
    if isinstance(a, str) and isinstance(b, str):
        return b in a
    return a == b


def string_fn(name: str, v: Any, arg: Any, extra: Any) -> Any:
    if name == "join":
        return arg.join("" if x is None else x if isinstance(x, str) else dump(x, None)
                        for x in iterate(v))
    if not isinstance(v, str):
        verb = {"test": "matched, as it is not a string", "split": "split"}.get(name,
                                                                                "searched from")
        raise JqError(f"{type_name(v)} ({dump(v, None)}) cannot be {verb}")
    if name == "startswith":
        return v.startswith(arg)
    if name == "endswith":
        return v.endswith(arg)
    if name == "ltrimstr":
        return v[len(arg):] if isinstance(arg, str) and v.startswith(arg) else v
    if name == "rtrimstr":
        return v[:-len(arg)] if isinstance(arg, str) and arg and v.endswith(arg) else v
    if name == "split":
        return v.split(arg) if arg else list(v)
    if name == "test":
        flags = re.I if extra and "i" in extra else 0
        try:
            return re.search(arg, v, flags) is not None
        except re.error as exc:
            raise JqError(f"{arg} (at offset 0) is not a valid regex: {exc}") from None
    positions = [m.start() for m in re.finditer(re.escape(arg), v)] if arg else []
    if name == "indices":
        return positions
    if not positions:
        return None
    return positions[0] if name == "index" else positions[-1]


def to_entries(v: Any) -> list[dict[str, Any]]:
    if isinstance(v, dict):
        return [{"key": k, "value": x} for k, x in v.items()]
    return [{"key": k, "value": x} for k, x in enumerate(iterate(v))]


def from_entries(entries: Any) -> dict[str, Any]:
    out = {}
    for e in iterate(entries):
        key = next((e[k] for k in ("key", "k", "name", "Name", "Key", "K") if k in e), None)
        value = next((e[k] for k in ("value", "v", "Value", "V") if k in e), None)
        out[key if isinstance(key, str) else dump(key, None)] = value
    return out


def length(v: Any) -> Any:
    if v is None:
        return 0
    if isinstance(v, bool):
        raise JqError(f"boolean ({dump(v, None)}) has no length")
    if isinstance(v, int | float):
        return abs(v)
    return len(v)


def keys(v: Any, sort: bool = True) -> list[Any]:
    if isinstance(v, dict):
        return sorted(v) if sort else list(v)
    if isinstance(v, list):
        return list(range(len(v)))
    raise JqError(f"{type_name(v)} ({dump(v, None)}) has no keys")


def tonumber(v: Any) -> Any:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return v
    try:
        number = float(v)
    except (TypeError, ValueError):
        raise JqError(f"Cannot parse '{v}' as JSON") from None
    return int(number) if number.is_integer() and "." not in str(v) else number


def fmt(how: str, v: Any) -> str:
    text = v if isinstance(v, str) else dump(v, None)
    if how in ("@text", "@json"):
        return dump(v, None) if how == "@json" else text
    if how == "@base64":
        return base64.b64encode(encode(text)).decode()
    if how == "@base64d":
        try:
            return decode(base64.b64decode(text + "=" * (-len(text) % 4)))
        except ValueError:
            raise JqError(f"string ({dump(v, None)}) is not valid base64 data") from None
    if how in ("@csv", "@tsv"):
        if not isinstance(v, list):
            raise JqError(f"{type_name(v)} ({dump(v, None)}) cannot be {how[1:]}-formatted, "
                          "only an array can be")
        if how == "@csv":
            return ",".join('"' + x.replace('"', '""') + '"' if isinstance(x, str) else
                            dump(x, None) for x in v)
        return "\t".join(x.replace("\\", "\\\\").replace("\t", "\\t") if isinstance(x, str)
                         else dump(x, None) for x in v)
    if how == "@sh":
        items = v if isinstance(v, list) else [v]
        return " ".join("'" + x.replace("'", "'\\''") + "'" if isinstance(x, str) else
                        dump(x, None) for x in items)
    if how == "@uri":
        from urllib.parse import quote
        return quote(text, safe="-_.~")
    if how == "@html":
        return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("'", "&#39;").replace('"', "&quot;"))
    raise CompileError(f"{how[1:]} is not a valid format")


SIMPLE: dict[str, Any] = {
    "length": length, "keys": keys, "keys_unsorted": lambda v: keys(v, False),
    "values": lambda v: v, "type": type_name, "to_entries": to_entries,
    "from_entries": from_entries, "add": lambda v: _add(v), "reverse": lambda v: v[::-1],
    "sort": lambda v: sorted(v, key=_order), "unique": lambda v: _unique(v),
    "min": lambda v: min(v, key=_order) if v else None,
    "max": lambda v: max(v, key=_order) if v else None,
    "first": lambda v: index(v, 0), "last": lambda v: index(v, -1),
    "flatten": lambda v: _flatten(v), "tostring": lambda v: v if isinstance(v, str) else
    dump(v, None), "tonumber": tonumber, "ascii_downcase": lambda v: v.lower(),
    "ascii_upcase": lambda v: v.upper(), "floor": lambda v: math.floor(v),
    "sqrt": lambda v: math.sqrt(v), "fromjson": lambda v: json.loads(v),
    "any": lambda v: any(truthy(x) for x in v), "all": lambda v: all(truthy(x) for x in v),
    "utf8bytelength": lambda v: len(encode(v)), "not": lambda v: not truthy(v),
    "tojson": lambda v: dump(v, None), "isnan": lambda v: v != v, "ceil": math.ceil,
    "round": lambda v: round(v), "abs": abs, "arrays": lambda v: v, "objects": lambda v: v,
}


def _add(v: Any) -> Any:
    result = None
    for x in iterate(v):
        result = binop("+", result, x)
    return result


def _unique(v: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in sorted(v, key=_order):
        if not out or out[-1] != x:
            out.append(x)
    return out


def _flatten(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in iterate(v):
        out.extend(_flatten(x) if isinstance(x, list) else [x])
    return out


def _values(text: str, name: str) -> Iterator[tuple[Any, str]]:
    """Each JSON value of an input with the `<file>:<line>` jq names in its errors."""
    decoder = json.JSONDecoder()
    i = 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            return
        try:
            value, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise JqError(f"parse error: Invalid numeric literal at line {exc.lineno}, column "
                          f"{exc.colno + 1}") from None
        line = text.count("\n", 0, i) + (text[i:i + 1] == "\n")
        yield value, f"{name}:{line}"


@command("jq")
def jq(inv: Invocation) -> Output:
    args = list(inv.args)
    flags: set[str] = set()
    variables: dict[str, Any] = {"ENV": dict(inv.env), "__loc__": {"file": "<stdin>"}}
    program: str | None = None
    files: list[str] = []
    indent: int | None = 2
    while args:
        arg = args.pop(0)
        if arg in ("--arg", "--argjson") and len(args) >= 2:
            name, value = args.pop(0), args.pop(0)
            try:
                variables[name] = value if arg == "--arg" else json.loads(value)
            except ValueError:
                return Output("", "jq: Invalid JSON text passed to --argjson\n", 2)
        elif arg == "--tab":
            indent = 1
        elif arg == "--indent" and args:
            indent = int(args.pop(0)) if args[0].isdigit() else 2
        elif arg.startswith("--"):
            long = {"--raw-output": "r", "--compact-output": "c", "--null-input": "n",
                    "--slurp": "s", "--exit-status": "e", "--sort-keys": "S", "--join-output": "j",
                    "--monochrome-output": "M", "--color-output": "C", "--ascii-output": "a"}
            if arg not in long:
                return Output("", f"jq: Unknown option: {arg}\nUse jq --help for help with "
                                  "command-line options,\nor see the jq manpage, or online docs  "
                                  "at https://stedolan.github.io/jq\n", 2)
            flags.add(long[arg])
        elif arg.startswith("-") and len(arg) > 1:
            flags.update(arg[1:])
        elif program is None:
            program = arg
        else:
            files.append(arg)
    if program is None:
        return Output("", "Usage:\tjq [OPTIONS] FILTER [FILES...]\n\tjq [OPTIONS] --args "
                          "FILTER [ARGUMENTS...]\n\tjq [OPTIONS] --jsonargs FILTER "
                          "[JSON_TEXTS...]\n\nUse jq --help for help with command-line "
                          "options,\nor see the jq manpage, or online docs  at "
                          "https://stedolan.github.io/jq\n", 2)
    if "c" in flags:
        indent = None
    try:
        machine = Jq(Parser(program).program(), variables,
                     (inv.session.executor.deadline if inv.session.executor else
                      time.monotonic() + 3))
    except CompileError as exc:
        return Output("", f"jq: error: {exc}\njq: 1 compile error\n", 3)
    except RecursionError:
        return Output("", "jq: error: program too deeply nested\njq: 1 compile error\n", 3)
    out: list[str] = []
    last: Any = None
    produced = False
    try:
        texts = []
        for name in files or ["-"]:
            try:
                texts.append(read_text(inv, name))
            except VFSError as exc:
                return Output("", f"jq: error: Could not open {name}: {exc}\n", 2)
        names = [("<stdin>" if n == "-" else n) for n in files or ["-"]]
        inputs: list[tuple[Any, str]] = [(None, "<unknown>")] if "n" in flags else [
            item for text, name in zip(texts, names, strict=True) for item in _values(text, name)]
        if "s" in flags and "n" not in flags:
            inputs = [([v for v, _ in inputs], inputs[-1][1] if inputs else "<stdin>:0")]
        end = "" if "j" in flags else "\n"
        where = "<stdin>:0"
        for value, location in inputs:
            where = location
            for result in machine.run(value):
                produced, last = True, result
                if isinstance(result, str) and ({"r", "j"} & flags):
                    out.append(result + end)
                else:
                    out.append(dump(result, indent, "S" in flags) + end)
                if len(out) > MAX_RESULTS:
                    raise JqError("jq: error: too many results")
    except JqError as exc:
        message = str(exc)
        if message.startswith("parse error"):
            return Output("".join(out), message + "\n", 2)
        if not message.startswith("jq: error"):
            message = f"jq: error (at {where}): {message}"
        return Output("".join(out), message + "\n", 5)
    except CompileError as exc:
        return Output("".join(out), f"jq: error: {exc}\njq: 1 compile error\n", 3)
    except (RecursionError, TypeError, AttributeError, ValueError, KeyError, IndexError,
            OverflowError) as exc:
        return Output("".join(out), f"jq: error (at <stdin>:0): {type(exc).__name__}\n", 5)
    status = 0
    if "e" in flags:
        status = 4 if not produced else (1 if not truthy(last) else 0)
    return Output("".join(out), "", status)
