"""A small, bounded awk that behaves like mawk 1.3.4 (Debian's default awk).

Programs are parsed into tuples and walked; nothing is compiled or evaluated by Python. Strings
hold bytes as latin-1 characters, as mawk sees them (length("é") is 2). Steps, time and string
sizes are bounded so `while (1)` or `x = x x` end with an error instead of a stuck server.
"""

from __future__ import annotations

import math
import random
import re
import time
from typing import Any

from app.providers.sim import entropy
from app.providers.sim.shell.awk_builtins import (
    AwkBuiltins,
    latin,
    unlatin,
)
from app.providers.sim.shell.awk_parse import (
    UNINIT,
    AwkError,
    Parser,
    StrNum,
    is_numeric,
    to_num,
    to_str,
    truthy,
    unescape,
)
from app.providers.sim.shell.builtins import decode, encode, executor, read_path, write_file
from app.providers.sim.shell.posix_regex import RegexError, compile_posix
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import VFSError, normpath

MAX_STEPS = 1_000_000
MAX_STRING = 4 << 20
MAX_CALL_DEPTH = 40

# --- interpreter -----------------------------------------------------------------------------

class _Next(Exception):
    pass


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


class Awk(AwkBuiltins):
    def __init__(self, inv: Invocation, prog: dict[str, Any]) -> None:
        self.inv, self.prog = inv, prog
        self.vars: dict[str, Any] = {
            "FS": " ", "OFS": " ", "ORS": "\n", "RS": "\n", "NR": 0.0, "NF": 0.0, "FNR": 0.0,
            "SUBSEP": "\x1c", "CONVFMT": "%.6g", "OFMT": "%.6g", "RSTART": 0.0,
            "RLENGTH": -1.0, "FILENAME": "", "ENVIRON": {k: StrNum(latin(v)) for k, v in
                                                         inv.env.items()}}
        self.frames: list[dict[str, Any]] = []
        self.record = ""
        self.fields: list[str] | None = []
        self.out: list[str] = []
        self.err: list[str] = []
        self.files: dict[str, list[str]] = {}
        self.append_files: set[str] = set()
        self.pipes: dict[str, list[str]] = {}
        self.steps = 0
        ex = inv.session.executor
        self.deadline = ex.deadline if ex is not None else time.monotonic() + 5
        self.regex_cache: dict[str, re.Pattern[str]] = {}
        self.reader: Any = iter(())
        self.rng = random.Random(0)

    # records and fields
    def set_record(self, text: str) -> None:
        self.record, self.fields = text, None
        self.vars["NF"] = float(len(self.split_fields()))

    def split_fields(self) -> list[str]:
        if self.fields is None:
            self.fields = self.split(self.record, to_str(self.vars["FS"]))
        return self.fields

    def split(self, text: str, fs: str) -> list[str]:
        if fs == " ":
            text = text.strip(" \t\n")
            return re.split(r"[ \t\n]+", text) if text else []
        if not text:
            return []
        if len(fs) == 1 and fs != "\\":
            return text.split(fs)
        return self.regex(fs).split(text)

    def get_field(self, i: int) -> Any:
        if i < 0:
            raise AwkError(f"awk: run time error: negative field index ${i}")
        if i == 0:
            return StrNum(self.record)
        fields = self.split_fields()
        return StrNum(fields[i - 1]) if i <= len(fields) else UNINIT

    def set_field(self, i: int, value: str) -> None:
        if i == 0:
            self.set_record(value)
            return
        fields = list(self.split_fields())
        if i > 100000:
            raise AwkError("awk: program limit exceeded: maximum number of fields")
        while len(fields) < i:
            fields.append("")
        fields[i - 1] = value
        self.rebuild(fields)

    def rebuild(self, fields: list[str]) -> None:
        self.fields = fields
        self.record = to_str(self.vars["OFS"]).join(fields)
        self.vars["NF"] = float(len(fields))

    def regex(self, source: str) -> re.Pattern[str]:
        rx = self.regex_cache.get(source)
        if rx is None:
            try:
                rx = compile_posix(source, extended=True)
            except RegexError as exc:
                raise AwkError(f"awk: regular expression compile failed ({exc})\n{source}") \
                    from None
            self.regex_cache[source] = rx
        return rx

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS or (self.steps % 256 == 0 and
                                      time.monotonic() > self.deadline):
            entropy.note()  # stopped by the clock: not replayable
            raise AwkError("awk: run time error: program ran too long; stopped")

    # variables
    def scope(self, name: str) -> dict[str, Any]:
        if self.frames and name in self.frames[-1]:
            return self.frames[-1]
        return self.vars

    def get_var(self, name: str) -> Any:
        if name == "NF":
            self.split_fields()
        value = self.scope(name).get(name, UNINIT)
        if isinstance(value, dict):
            raise AwkError(f"awk: run time error: can't use array {name} in scalar context")
        return value

    def array(self, name: str) -> dict[str, Any]:
        scope = self.scope(name)
        value = scope.get(name)
        if not isinstance(value, dict):
            value = {}
            scope[name] = value
        return value

    def subscript(self, items: list[Any]) -> str:
        fmt = to_str(self.vars["CONVFMT"])
        return to_str(self.vars["SUBSEP"]).join(to_str(self.eval(e), fmt) for e in items)

    def assign(self, target: Any, value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_STRING:
            raise AwkError("awk: run time error: out of memory")
        kind = target[0]
        if kind == "var":
            name = target[1]
            if name == "NF":
                n = int(to_num(value))
                fields = list(self.split_fields())[:n]
                self.rebuild(fields + [""] * (n - len(fields)))
                return float(n)
            self.scope(name)[name] = value
        elif kind == "field":
            self.set_field(int(to_num(self.eval(target[1]))), to_str(value,
                                                                     self.vars["CONVFMT"]))
        elif kind == "index":
            self.array(target[1])[self.subscript(target[2])] = value
        elif kind == "group":
            return self.assign(target[1], value)
        return value

    # evaluation
    def eval(self, node: Any) -> Any:
        self.tick()
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "str":
            return node[1]
        if kind == "regex":
            return 1.0 if self.regex(node[1]).search(self.record) else 0.0
        if kind == "var":
            return self.get_var(node[1])
        if kind == "field":
            return self.get_field(int(to_num(self.eval(node[1]))))
        if kind == "index":
            arr = self.array(node[1])
            key = self.subscript(node[2])
            if key not in arr:
                arr[key] = UNINIT
            return arr[key]
        if kind == "group":
            return self.eval(node[1])
        if kind == "assign":
            return self.eval_assign(node)
        if kind == "cond":
            return self.eval(node[2]) if truthy(self.eval(node[1])) else self.eval(node[3])
        if kind == "or":
            return 1.0 if truthy(self.eval(node[1])) or truthy(self.eval(node[2])) else 0.0
        if kind == "and":
            return 1.0 if truthy(self.eval(node[1])) and truthy(self.eval(node[2])) else 0.0
        if kind == "not":
            return 0.0 if truthy(self.eval(node[1])) else 1.0
        if kind == "in":
            return 1.0 if self.subscript(node[1]) in self.array(node[2]) else 0.0
        if kind == "match":
            text = to_str(self.eval(node[2]), self.vars["CONVFMT"])
            pattern = node[3][1] if node[3][0] == "regex" else to_str(self.eval(node[3]))
            found = self.regex(pattern).search(text) is not None
            return 1.0 if found != node[1] else 0.0
        if kind == "cmp":
            return self.compare(node[1], self.eval(node[2]), self.eval(node[3]))
        if kind == "concat":
            fmt = self.vars["CONVFMT"]
            value = to_str(self.eval(node[1]), fmt) + to_str(self.eval(node[2]), fmt)
            if len(value) > MAX_STRING:
                raise AwkError("awk: run time error: out of memory")
            return value
        if kind == "bin":
            return self.arith(node[1], to_num(self.eval(node[2])), to_num(self.eval(node[3])))
        if kind == "neg":
            return -to_num(self.eval(node[1]))
        if kind == "plus":
            return to_num(self.eval(node[1]))
        if kind in ("preinc", "postinc"):
            old = to_num(self.eval(node[2]))
            new = old + (1 if node[1] == "++" else -1)
            self.assign(node[2], new)
            return new if kind == "preinc" else old
        if kind == "builtin":
            return self.builtin(node[1], node[2])
        if kind == "call":
            return self.call(node[1], node[2])
        if kind == "getline":
            return self.getline(node[1], node[2])
        raise AwkError(f"awk: internal: unknown node {kind}")

    def eval_assign(self, node: Any) -> Any:
        op, target, expr = node[1], node[2], node[3]
        value = self.eval(expr)
        if op != "=":
            value = self.arith(op[0], to_num(self.eval(target)), to_num(value))
        elif isinstance(value, StrNum) and value is not UNINIT:
            value = StrNum(str(value))
        return self.assign(target, value)

    def compare(self, op: str, a: Any, b: Any) -> float:
        if is_numeric(a) and is_numeric(b):
            x: Any = to_num(a)
            y: Any = to_num(b)
        else:
            fmt = self.vars["CONVFMT"]
            x, y = to_str(a, fmt), to_str(b, fmt)
        result = {"<": x < y, "<=": x <= y, "==": x == y, "!=": x != y, ">": x > y,
                  ">=": x >= y}[op]
        return 1.0 if result else 0.0

    def arith(self, op: str, a: float, b: float) -> float:
        try:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b if b else (math.inf if a > 0 else -math.inf if a < 0 else math.nan)
            if op == "%":
                return math.fmod(a, b) if b else math.nan
            if op == "^":
                if a < 0 and b != int(b):
                    return math.nan
                return float(a ** b) if abs(b) < 4096 else (math.inf if abs(a) > 1 else 0.0)
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.inf
        raise AwkError(f"awk: internal: unknown operator {op}")

    def call(self, name: str, args: list[Any]) -> Any:
        if name not in self.prog["funcs"]:
            raise AwkError(f"awk: function {name} never defined")
        params, body = self.prog["funcs"][name]
        if len(self.frames) >= MAX_CALL_DEPTH:
            raise AwkError("awk: run time error: function call nesting too deep")
        frame: dict[str, Any] = {}
        for k, param in enumerate(params):
            if k < len(args):
                node = args[k]
                if node[0] == "var" and isinstance(self.scope(node[1]).get(node[1]), dict):
                    frame[param] = self.array(node[1])
                else:
                    frame[param] = self.eval(node)
            else:
                frame[param] = UNINIT
        self.frames.append(frame)
        try:
            self.execute(body)
        except _Return as ret:
            return ret.value
        finally:
            self.frames.pop()
        return UNINIT

    def getline(self, var: Any, source: Any) -> float:
        if source is not None:
            name = to_str(self.eval(source))
            try:
                text = latin(decode(read_path(self.inv.session, unlatin(name))))
            except VFSError:
                return -1.0
            readers = self.vars.setdefault("\0readers", {})
            if name not in readers:
                readers[name] = iter(self.records(text))
            line = next(readers[name], None)
            if line is None:
                return 0.0
            if var is None:
                self.set_record(line)
            else:
                self.assign(var, StrNum(line))
            return 1.0
        line = next(self.reader, None)
        if line is None:
            return 0.0
        self.vars["NR"] = to_num(self.vars["NR"]) + 1
        self.vars["FNR"] = to_num(self.vars["FNR"]) + 1
        if var is None:
            self.set_record(line)
        else:
            self.assign(var, StrNum(line))
        return 1.0

    # statements
    def execute(self, node: Any) -> None:
        self.tick()
        kind = node[0]
        if kind == "block":
            for stmt in node[1]:
                self.execute(stmt)
        elif kind == "expr":
            self.eval(node[1])
        elif kind in ("print", "printf"):
            self.print_(node)
        elif kind == "if":
            if truthy(self.eval(node[1])):
                self.execute(node[2])
            elif node[3] is not None:
                self.execute(node[3])
        elif kind in ("while", "do", "for"):
            self.loop(node)
        elif kind == "forin":
            for key in list(self.array(node[2])):
                self.assign(("var", node[1]), StrNum(key))
                try:
                    self.execute(node[3])
                except _Break:
                    break
                except _Continue:
                    continue
        elif kind == "break":
            raise _Break()
        elif kind == "continue":
            raise _Continue()
        elif kind in ("next", "nextfile"):
            raise _Next()
        elif kind == "exit":
            raise _Exit(int(to_num(self.eval(node[1]))) if node[1] is not None else 0)
        elif kind == "return":
            raise _Return(self.eval(node[1]) if node[1] is not None else UNINIT)
        elif kind == "delete":
            arr = self.array(node[1])
            if node[2] is None:
                arr.clear()
            else:
                arr.pop(self.subscript(node[2]), None)

    def loop(self, node: Any) -> None:
        kind = node[0]
        if kind == "for" and node[1] is not None:
            self.eval(node[1])
        first = kind == "do"
        while True:
            self.tick()
            if not first:
                cond = node[2] if kind == "for" else node[1] if kind == "while" else node[2]
                if cond is not None and not truthy(self.eval(cond)):
                    break
            first = False
            try:
                self.execute(node[4] if kind == "for" else node[2] if kind == "while" else node[1])
            except _Break:
                break
            except _Continue:
                pass
            if kind == "for" and node[3] is not None:
                self.eval(node[3])

    def print_(self, node: Any) -> None:
        which, args, redirect = node
        if which == "print":
            ofmt = self.vars["OFMT"]
            values = [self.eval(a) for a in args] if args else [StrNum(self.record)]
            text = to_str(self.vars["OFS"]).join(to_str(v, ofmt) for v in values) + to_str(
                self.vars["ORS"])
        else:
            if not args:
                raise AwkError("awk: line 1: syntax error at or near printf")
            text = self.format([self.eval(a) for a in args])
        if redirect is None:
            self.out.append(text)
            return
        how, target = redirect[0], unlatin(to_str(self.eval(redirect[1])))
        if how == "|":
            self.pipes.setdefault(target, []).append(text)
        elif target in ("/dev/stdout", "-"):
            self.out.append(text)
        elif target == "/dev/stderr":
            self.err.append(text)
        else:
            if how == ">>":
                self.append_files.add(target)
            self.files.setdefault(target, []).append(text)

    def flush_pipes(self, only: str | None = None) -> None:
        for cmd in list(self.pipes):
            if only is not None and cmd != only:
                continue
            data = unlatin("".join(self.pipes.pop(cmd)))
            result = executor(self.inv).run_text(cmd, data)
            self.out.append(latin(result.stdout))
            self.err.append(latin(result.stderr))

    def records(self, text: str) -> list[str]:
        rs = to_str(self.vars["RS"])
        if rs == "\n":
            lines = text.split("\n")
            return lines[:-1] if lines and lines[-1] == "" else lines
        if rs == "":
            return [p.strip("\n") for p in re.split(r"\n\n+", text.strip("\n")) if p]
        parts = text.split(rs) if len(rs) == 1 else self.regex(rs).split(text)
        return parts[:-1] if parts and parts[-1] in ("", "\n") else parts

    def run(self, operands: list[str]) -> int:
        status = 0
        try:
            try:
                for action in self.prog["begin"]:
                    self.execute(action)
                if self.prog["rules"] or self.prog["end"]:
                    self.reader = self.input_records(operands)
                    for record in self.reader:
                        self.vars["NR"] = to_num(self.vars["NR"]) + 1
                        self.vars["FNR"] = to_num(self.vars["FNR"]) + 1
                        self.set_record(record)
                        self.rules()
            except _Exit as exc:
                status = exc.code
            try:
                for action in self.prog["end"]:
                    self.execute(action)
            except _Exit as exc:
                status = exc.code
        finally:
            self.flush_pipes()
            self.write_files()
        return status

    def rules(self) -> None:
        try:
            for rule in self.prog["rules"]:
                pattern, pattern2, action, _ = rule
                if pattern2 is not None:
                    if not rule[3]:
                        if not truthy(self.eval(pattern)):
                            continue
                        rule[3] = True
                    if truthy(self.eval(pattern2)):
                        rule[3] = False
                elif pattern is not None and not truthy(self.eval(pattern)):
                    continue
                if action is None:
                    self.out.append(self.record + to_str(self.vars["ORS"]))
                else:
                    self.execute(action)
        except _Next:
            pass

    def input_records(self, operands: list[str]) -> Any:
        files = [o for o in operands if not re.fullmatch(r"[A-Za-z_]\w*=.*", o)]
        for operand in operands if files else [*operands, "-"]:
            m = re.fullmatch(r"([A-Za-z_]\w*)=(.*)", operand, re.S)
            if m:
                self.vars[m.group(1)] = StrNum(unescape(latin(m.group(2))))
                continue
            try:
                text = self.inv.stdin if operand == "-" else decode(
                    read_path(self.inv.session, operand))
            except VFSError as exc:
                raise AwkError(f"awk: cannot open {operand} ({exc})") from None
            self.vars["FILENAME"] = StrNum(latin(operand if operand != "-" else ""))
            self.vars["FNR"] = 0.0
            yield from self.records(latin(text))

    def write_files(self) -> None:
        vfs, cwd = self.inv.session.vfs, self.inv.session.cwd
        for name, chunks in self.files.items():
            data = unlatin("".join(chunks))
            try:
                write_file(vfs, normpath(name, cwd), encode(data),
                           append=name in self.append_files)
            except VFSError as exc:
                self.err.append(latin(f"awk: cannot open \"{name}\" for output ({exc})\n"))


USAGE = "usage: awk [-F value] [-v var=value] [--] 'program text' [file ...]\n" \
        "usage: awk [-F value] [-v var=value] [-f program-file] [--] [file ...]\n"


@command("awk", "mawk", "gawk", "nawk")
def awk(inv: Invocation) -> Output:
    args = list(inv.args)
    fs: str | None = None
    assigns: list[str] = []
    sources: list[str] = []
    while args and args[0].startswith("-") and args[0] != "-":
        arg = args.pop(0)
        if arg == "--":
            break
        flag, value = arg[:2], arg[2:]
        if flag in ("-F", "-v", "-f") and not value:
            if not args:
                return Output("", f"awk: option requires an argument -- {flag[1]}\n{USAGE}", 2)
            value = args.pop(0)
        if flag == "-F":
            fs = "\t" if value == "t" else unescape(value)
        elif flag == "-v":
            assigns.append(value)
        elif flag == "-f":
            try:
                sources.append(decode(read_path(inv.session, value)))
            except VFSError as exc:
                return Output("", f"awk: couldn't open file {value} ({exc})\n", 2)
        elif flag == "-W" or arg.startswith("--"):
            if "version" in arg or (flag == "-W" and (value or (args and args[0] == "version"))):
                return Output("mawk 1.3.4 20200120\nCopyright 2008-2019,2020, Thomas E. Dickey\n"
                              "Copyright 1991-1996,2014, Michael D. Brennan\n\n")
        else:
            return Output("", f"awk: not an option: {arg}\n", 2)
    if not sources:
        if not args:
            return Output("", USAGE, 2)
        sources.append(args.pop(0))
    machine: Awk | None = None
    try:
        prog = Parser(latin("\n".join(sources))).program()
        machine = Awk(inv, prog)
        if fs is not None:
            machine.vars["FS"] = latin(fs)
        for assign in assigns:
            name, eq, value = assign.partition("=")
            if not eq or not re.fullmatch(r"[A-Za-z_]\w*", name):
                return Output("", f"awk: improper assignment: -v {assign}\n", 2)
            machine.vars[name] = StrNum(unescape(latin(value)))
        status = machine.run(args)
        return Output(unlatin("".join(machine.out)), unlatin("".join(machine.err)), status)
    except AwkError as exc:
        partial = "".join(machine.out) if machine is not None else ""
        return Output(unlatin(partial), unlatin(str(exc)) + "\n", 2)
    except RecursionError:
        return Output("", "awk: program too deeply nested\n", 2)
