"""A useful, bounded subset of jq 1.6: paths, pipes, construction, select/map and friends.

Filters are parsed into tuples and evaluated as Python generators over decoded JSON values;
nothing of the program reaches Python's own evaluation. Output is jq's (2-space indent, `-c`,
`-r`) without colours.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from app.providers.sim import entropy
from app.providers.sim.shell.builtins import read_text
from app.providers.sim.shell.jq_funcs import (
    SIMPLE,
    _order,
    all_paths,
    binop,
    contains,
    delpath,
    dump,
    fmt,
    from_entries,
    getpath,
    index,
    iterate,
    recurse,
    setpath,
    slice_,
    string_fn,
    to_entries,
    truthy,
    type_name,
)
from app.providers.sim.shell.jq_parse import CompileError, JqError, Parser
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import VFSError

MAX_RESULTS = 200_000
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
