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
from app.providers.sim.shell.builtins import decode, encode, executor, read_path, write_file
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.sed import RegexError, compile_posix
from app.providers.sim.vfs import VFSError, normpath

MAX_STEPS = 1_000_000
MAX_STRING = 4 << 20
MAX_CALL_DEPTH = 40
INT_MAX = 2147483647

TOKEN = re.compile(r"""
    (?P<ws>[ \t\r]+|\\\n)
  | (?P<comment>\#[^\n]*)
  | (?P<nl>\n)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<func>[A-Za-z_][A-Za-z0-9_]*\()
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\+\+|--|\+=|-=|\*=|/=|%=|\^=|==|<=|>=|!=|!~|&&|\|\||>>|[-+*/%^!<>=~?:;,(){}\[\]$|])
""", re.X)
KEYWORDS = {"BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break",
            "continue", "next", "nextfile", "exit", "return", "delete", "in", "getline", "print",
            "printf"}
BUILTINS = {"length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "tolower",
            "toupper", "int", "sqrt", "exp", "log", "sin", "cos", "atan2", "rand", "srand",
            "system", "close", "fflush"}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "/": "/", "a": "\a",
           "b": "\b", "f": "\f", "v": "\v"}


class AwkError(Exception):
    pass


class StrNum(str):
    """A string from input: compares as a number when it looks like one (POSIX strnum)."""

    num: float | None

    def __new__(cls, text: str, num: float | None = None, uninit: bool = False) -> StrNum:
        obj = super().__new__(cls, text)
        if uninit:
            obj.num = 0.0
        else:
            m = re.fullmatch(r"[ \t\n]*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[ \t\n]*", text)
            obj.num = float(text) if m else None
        return obj


UNINIT = StrNum("", uninit=True)


def to_num(v: Any) -> float:
    if isinstance(v, float):
        return v
    if isinstance(v, StrNum) and v.num is not None:
        return v.num
    m = re.match(r"[ \t\n]*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", v)
    return float(m.group(1)) if m else 0.0


def num_str(d: float, fmt: str = "%.6g") -> str:
    if d != d:
        return "nan" if math.copysign(1, d) > 0 else "-nan"
    if d in (math.inf, -math.inf):
        return "inf" if d > 0 else "-inf"
    if d == int(d) and -INT_MAX <= d <= INT_MAX:
        return str(int(d))
    try:
        return fmt % d
    except (TypeError, ValueError):
        return f"{d:.6g}"


def to_str(v: Any, fmt: str = "%.6g") -> str:
    return num_str(v, fmt) if isinstance(v, float) else str(v)


def truthy(v: Any) -> bool:
    if isinstance(v, float):
        return v != 0
    if isinstance(v, StrNum) and v.num is not None:
        return v.num != 0 if v else False
    return v != ""


def is_numeric(v: Any) -> bool:
    return isinstance(v, float) or (isinstance(v, StrNum) and v.num is not None)


# --- lexer and parser ------------------------------------------------------------------------

def tokenize(src: str) -> list[tuple[str, str, int]]:
    toks: list[tuple[str, str, int]] = []
    i, line = 0, 1
    while i < len(src):
        prev = toks[-1] if toks else ("nl", "\n", line)
        if src[i] == "/" and not (prev[0] in ("num", "str", "name", "regex") or prev[1] in (
                ")", "]", "$", "++", "--") or (prev[0] == "kw" and prev[1] == "getline")):
            j, in_bracket = i + 1, False
            while j < len(src) and (src[j] != "/" or in_bracket):
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    in_bracket = True
                elif src[j] == "]":
                    in_bracket = False
                elif src[j] == "\n":
                    raise AwkError(f"awk: line {line}: runaway regular expression /{src[i + 1:j]} "
                                   "...")
                j += 1
            if j >= len(src):
                raise AwkError(f"awk: line {line}: runaway regular expression /{src[i + 1:j]} ...")
            toks.append(("regex", src[i + 1:j].replace("\\/", "/"), line))
            i = j + 1
            continue
        m = TOKEN.match(src, i)
        if not m:
            raise AwkError(f"awk: line {line}: syntax error at or near {src[i]}")
        kind = m.lastgroup or ""
        text = m.group()
        i = m.end()
        if kind in ("ws", "comment"):
            line += text.count("\n")
            continue
        if kind == "nl":
            line += 1
        if kind == "name" and text in KEYWORDS:
            kind = "kw"
        elif kind == "name" and text in BUILTINS:
            kind = "builtin"
        elif kind == "func":
            name = text[:-1]
            if name in BUILTINS:
                toks.append(("builtin", name, line))
                toks.append(("op", "(", line))
                continue
            if name in KEYWORDS:
                toks.append(("kw", name, line))
                toks.append(("op", "(", line))
                continue
        toks.append((kind, text, line))
    toks.append(("eof", "", line))
    return toks


def unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        c = m.group(1)
        if c[0] in "01234567":
            return chr(int(c, 8) & 0xFF)
        return ESCAPES.get(c, "\\" + c)
    return re.sub(r"\\([0-7]{1,3}|.)", one, body, flags=re.S)


class Parser:
    def __init__(self, src: str) -> None:
        self.toks = tokenize(src)
        self.i = 0
        self.no_gt = 0
        self.no_in = 0

    def peek(self, k: int = 0) -> tuple[str, str, int]:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def at(self, *values: str) -> bool:
        kind, text, _ = self.peek()
        return kind in ("op", "kw", "nl") and text in values

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        self.i += 1
        return tok

    def error(self) -> AwkError:
        kind, text, line = self.peek()
        shown = {"eof": "end of file", "nl": "end of line"}.get(kind, text)
        return AwkError(f"awk: line {line}: syntax error at or near {shown}")

    def expect(self, value: str) -> None:
        if not self.at(value):
            raise self.error()
        self.take()

    def newlines(self) -> None:
        while self.at("\n"):
            self.take()

    def terminators(self) -> None:
        while self.at("\n", ";"):
            self.take()

    def program(self) -> dict[str, Any]:
        prog: dict[str, Any] = {"begin": [], "end": [], "rules": [], "funcs": {}}
        self.terminators()
        while self.peek()[0] != "eof":
            if self.at("BEGIN", "END"):
                which = self.take()[1].lower()
                self.newlines()
                prog[which].append(self.block())
            elif self.at("function", "func"):
                self.take()
                kind, name, _ = self.take()
                name = name.rstrip("(")
                if kind != "func":  # `function f (` with a space before the parenthesis
                    self.expect("(")
                params = []
                while not self.at(")"):
                    params.append(self.take()[1])
                    if self.at(","):
                        self.take()
                        self.newlines()
                self.expect(")")
                self.newlines()
                prog["funcs"][name] = (params, self.block())
            else:
                pattern = None if self.at("{") else self.expr()
                pattern2 = None
                if self.at(","):
                    self.take()
                    self.newlines()
                    pattern2 = self.expr()
                action = self.block() if self.at("{") else None
                prog["rules"].append([pattern, pattern2, action, False])
            self.terminators()
        return prog

    def block(self) -> tuple[Any, ...]:
        self.expect("{")
        stmts = []
        self.terminators()
        while not self.at("}"):
            if self.peek()[0] == "eof":
                raise AwkError(f"awk: line {self.peek()[2]}: missing }} near end of file")
            stmts.append(self.statement())
            self.terminators()
        self.take()
        return ("block", stmts)

    def simple_end(self) -> None:
        if self.at(";", "\n"):
            self.take()
        elif not self.at("}") and self.peek()[0] != "eof":
            raise self.error()

    def statement(self) -> tuple[Any, ...]:
        kind, text, _ = self.peek()
        if self.at("{"):
            return self.block()
        if kind == "kw" and text == "if":
            self.take()
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            self.newlines()
            then = self.statement()
            save = self.i
            self.terminators()
            if self.at("else"):
                self.take()
                self.newlines()
                return ("if", cond, then, self.statement())
            self.i = save
            return ("if", cond, then, None)
        if kind == "kw" and text == "while":
            self.take()
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            if self.at(";"):
                self.take()
                return ("while", cond, ("block", []))
            self.newlines()
            return ("while", cond, self.statement())
        if kind == "kw" and text == "do":
            self.take()
            self.newlines()
            body = self.statement()
            self.terminators()
            self.expect("while")
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            self.simple_end()
            return ("do", body, cond)
        if kind == "kw" and text == "for":
            return self.for_statement()
        if kind == "kw" and text in ("break", "continue", "next", "nextfile"):
            self.take()
            self.simple_end()
            return (text,)
        if kind == "kw" and text in ("exit", "return"):
            self.take()
            value = None if self.at(";", "\n", "}") else self.expr()
            self.simple_end()
            return (text, value)
        if kind == "kw" and text == "delete":
            self.take()
            name = self.take()[1]
            index = None
            if self.at("["):
                self.take()
                index = self.expr_list("]")
            self.simple_end()
            return ("delete", name, index)
        if kind == "kw" and text in ("print", "printf"):
            return self.print_statement()
        if self.at(";"):
            self.take()
            return ("block", [])
        node = ("expr", self.expr())
        self.simple_end()
        return node

    def for_statement(self) -> tuple[Any, ...]:
        self.take()
        self.expect("(")
        if self.peek()[0] == "name" and self.peek(1)[1] == "in" and self.peek(3)[1] == ")":
            var = self.take()[1]
            self.take()
            arr = self.take()[1]
            self.expect(")")
            self.newlines()
            return ("forin", var, arr, self.statement())
        init = None if self.at(";") else self.expr()
        self.expect(";")
        self.newlines()
        cond = None if self.at(";") else self.expr()
        self.expect(";")
        self.newlines()
        step = None if self.at(")") else self.expr()
        self.expect(")")
        if self.at(";"):
            self.take()
            return ("for", init, cond, step, ("block", []))
        self.newlines()
        return ("for", init, cond, step, self.statement())

    def print_statement(self) -> tuple[Any, ...]:
        which = self.take()[1]
        self.no_gt += 1
        args: list[Any] = []
        if self.at("(") and self._paren_list_then_end():
            self.take()
            self.no_gt -= 1
            args = self.expr_list(")")
            self.no_gt += 1
        elif not self.at(";", "\n", "}", ">", ">>", "|") and self.peek()[0] != "eof":
            args = [self.expr()]
            while self.at(","):
                self.take()
                self.newlines()
                args.append(self.expr())
        self.no_gt -= 1
        redirect = None
        if self.at(">", ">>", "|"):
            redirect = (self.take()[1], self.concat())
        self.simple_end()
        return (which, args, redirect)

    def _paren_list_then_end(self) -> bool:
        depth, j = 0, self.i
        while j < len(self.toks):
            text = self.toks[j][1]
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth == 0:
                    nxt = self.toks[j + 1]
                    return nxt[1] in (";", "\n", "}", ">", ">>", "|") or nxt[0] == "eof"
            j += 1
        return False

    def expr_list(self, close: str) -> list[Any]:
        items = []
        self.newlines()
        while not self.at(close):
            items.append(self.expr())
            self.newlines()
            if self.at(","):
                self.take()
                self.newlines()
            elif not self.at(close):
                raise self.error()
        self.take()
        return items

    # expressions, lowest precedence first
    def expr(self) -> Any:
        left = self.ternary()
        if self.at("=", "+=", "-=", "*=", "/=", "%=", "^="):
            if left[0] not in ("var", "field", "index"):
                raise self.error()
            op = self.take()[1]
            self.newlines()
            return ("assign", op, left, self.expr())
        return left

    def ternary(self) -> Any:
        cond = self.or_()
        if self.at("?"):
            self.take()
            self.newlines()
            a = self.expr()
            self.newlines()
            self.expect(":")
            self.newlines()
            return ("cond", cond, a, self.expr())
        return cond

    def or_(self) -> Any:
        left = self.and_()
        while self.at("||"):
            self.take()
            self.newlines()
            left = ("or", left, self.and_())
        return left

    def and_(self) -> Any:
        left = self.in_()
        while self.at("&&"):
            self.take()
            self.newlines()
            left = ("and", left, self.in_())
        return left

    def in_(self) -> Any:
        left = self.match()
        while self.at("in") and not self.no_in:
            self.take()
            left = ("in", [left], self.take()[1])
        return left

    def match(self) -> Any:
        left = self.compare()
        while self.at("~", "!~"):
            neg = self.take()[1] == "!~"
            left = ("match", neg, left, self.compare())
        return left

    def compare(self) -> Any:
        left = self.concat()
        ops = ("<", "<=", "!=", "==", ">=") + (() if self.no_gt else (">",))
        if self.at(*ops):
            op = self.take()[1]
            return ("cmp", op, left, self.concat())
        return left

    def concat(self) -> Any:
        left = self.additive()
        while True:
            kind, text, _ = self.peek()
            starts = kind in ("num", "str", "name", "func", "builtin") or (
                kind == "op" and text in ("$", "("))
            if not starts:
                break
            left = ("concat", left, self.additive())
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
        if self.at("!"):
            self.take()
            return ("not", self.unary())
        if self.at("-", "+"):
            op = self.take()[1]
            return ("neg" if op == "-" else "plus", self.unary())
        return self.power()

    def power(self) -> Any:
        base = self.postfix()
        if self.at("^"):
            self.take()
            return ("bin", "^", base, self.unary())
        return base

    def postfix(self) -> Any:
        if self.at("++", "--"):
            op = self.take()[1]
            return ("preinc", op, self.postfix())
        node = self.primary()
        if self.at("++", "--") and node[0] in ("var", "field", "index"):
            return ("postinc", self.take()[1], node)
        return node

    def primary(self) -> Any:
        kind, text, _ = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", unescape(text[1:-1]))
        if kind == "regex":
            return ("regex", text)
        if text == "$" and kind == "op":
            if self.at("++", "--"):
                return ("field", self.postfix())
            return ("field", self.primary())
        if text == "(" and kind == "op":
            saved, self.no_gt, self.no_in = self.no_gt, 0, 0
            items = self.expr_list(")")
            self.no_gt = saved
            if len(items) > 1:
                if not self.at("in"):
                    raise self.error()
                self.take()
                return ("in", items, self.take()[1])
            if not items:
                raise self.error()
            return ("group", items[0])
        if kind == "builtin":
            args: list[Any] = []
            if self.at("("):
                self.take()
                args = self.expr_list(")")
            return ("builtin", text, args)
        if kind == "func":
            return ("call", text[:-1], self.expr_list(")"))
        if kind == "kw" and text == "getline":
            var = None
            if self.peek()[0] == "name" or self.at("$"):
                var = self.postfix()
            source = None
            if self.at("<"):
                self.take()
                source = self.primary()
            return ("getline", var, source)
        if kind == "name":
            if self.at("["):
                self.take()
                return ("index", text, self.expr_list("]"))
            return ("var", text)
        self.i -= 1
        raise self.error()


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


def latin(text: str) -> str:
    return encode(text).decode("latin-1")


def unlatin(text: str) -> str:
    return decode(text.encode("latin-1", "replace"))


class Awk:
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


def _awk_replacement(repl: str, matched: str) -> str:
    """`&` is the match, `\\&` a literal ampersand, `\\\\&` a backslash and the match."""
    return re.sub(r"\\\\&|\\&|&", lambda r: {"\\\\&": "\\" + matched, "\\&": "&"}.get(
        r.group(), matched), repl)


def round_half(x: float) -> int:
    if not math.isfinite(x):
        return 0 if x != x else (1 << 30 if x > 0 else -(1 << 30))
    return int(math.floor(x + 0.5))


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
