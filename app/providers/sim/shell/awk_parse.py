"""The awk language front end: mawk's value rules (strnum, number/string conversion), the
lexer and the parser that turns a program into tuples for `awk.Awk` to walk.
Split out of awk.py."""

from __future__ import annotations

import math
import re
from typing import Any

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


