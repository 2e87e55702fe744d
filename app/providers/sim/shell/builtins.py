"""Helpers shared by every command family and by the interpreter: GNU option parsing,
reading and writing twin files, bash arithmetic, brace expansion, parameter operators, echo
escapes, `test` evaluation and `type`'s lookup. The builtin commands themselves are in
shellcmds.py (cd, echo, export, …) and hostcmds.py (ssh, sudo, watch, hostname, …).
"""

from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.providers.sim.shell.registry import Invocation, Output, lookup
from app.providers.sim.vfs import VFS, VFSError

if TYPE_CHECKING:
    from app.providers.sim.shell.interpreter import Executor
    from app.providers.sim.shell.session import ShellSession

BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
LOCAL_BIN = {"crictl", "ctr", "etcdctl", "helm", "k9s"}  # kind: containerd's tools too
DEV_EMPTY = {"/dev/null"}
MAX_FILE = 8 << 20
BASH_KEYWORDS = ["if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while",
                 "until", "do", "done", "in", "function", "time", "{", "}", "!", "[[", "]]"]
BASH_BUILTINS = ["cd", "pwd", "export", "echo", "printf", "test", "[", "true", "false", ":",
                 "exit", "logout", "history", "help", "alias", "unalias", "unset", "type",
                 "read", "source", ".", "eval", "exec", "return", "break", "continue", "local",
                 "shift", "set", "declare", "typeset", "let", "command", "builtin", "wait",
                 "jobs", "fg", "bg", "disown", "trap", "ulimit", "umask", "hash", "shopt",
                 "complete", "times", "kill", "enable", "getopts", "dirs", "pushd", "popd"]


class ShellExit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class NoSpace(VFSError):
    strerror_text = "No space left on device"


class UsageError(Exception):
    def __init__(self, out: Output) -> None:
        super().__init__(out.stderr)
        self.out = out


# --- helpers for command families --------------------------------------------------------

def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def executor(inv: Invocation) -> Executor:
    ex = inv.session.executor
    assert ex is not None, "commands run only inside a line"
    return ex


def read_path(session: ShellSession, path: str) -> bytes:
    """File contents, with the few device files a trainee might read made safe and bounded."""
    if path in DEV_EMPTY:
        return b""
    if path == "/dev/zero":
        return b"\0" * 65536
    if path in ("/dev/urandom", "/dev/random"):
        return random.Random(session.host.now()).randbytes(65536)
    return session.vfs.read(path, session.cwd)


def read_text(inv: Invocation, path: str) -> str:
    """An operand's text: `-` is standard input."""
    return inv.stdin if path == "-" else decode(read_path(inv.session, path))


def write_file(vfs: VFS, path: str, data: bytes, append: bool = False,
               mode: int | None = None, cwd: str = "/") -> None:
    size = len(data) + (vfs.stat(path, cwd).size if append and vfs.is_file(path, cwd) else 0)
    if size > MAX_FILE:
        raise NoSpace(path)
    vfs.write(path, data, mode=mode, cwd=cwd, append=append)


def fail(prog: str, message: str, status: int = 1) -> Output:
    return Output("", f"{prog}: {message}\n", status)


def getopt(prog: str, args: list[str], short: str,
           longs: dict[str, tuple[str, bool | str]] | None = None,
           status: int = 1, usage: str = "", permute: bool = True,
           ) -> tuple[list[tuple[str, str]], list[str]]:
    """GNU getopt_long: ([(key, value)], operands); options may follow operands unless `--`."""
    longs = longs or {}
    opts: list[tuple[str, str]] = []
    operands: list[str] = []

    def bad(message: str) -> UsageError:
        return UsageError(Output("", f"{prog}: {message}\n{usage}Try '{prog} --help' for more "
                                     "information.\n", status))

    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            operands.extend(args[i + 1:])
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            matches = [n for n in longs if n.startswith(name)]
            if name in longs:
                matches = [name]
            if not matches:
                raise bad(f"unrecognized option '{arg}'")
            if len({longs[m] for m in matches}) > 1:
                raise bad(f"option '{arg}' is ambiguous; possibilities:"
                          + "".join(f" '--{m}'" for m in matches))
            key, takes = longs[matches[0]]
            if takes is True and not eq:
                if i + 1 >= len(args):
                    raise bad(f"option '--{matches[0]}' requires an argument")
                i += 1
                value = args[i]
            elif eq and not takes:
                raise bad(f"option '--{matches[0]}' doesn't allow an argument")
            opts.append((key, value))
        elif arg.startswith("-") and arg != "-":
            j = 1
            while j < len(arg):
                c = arg[j]
                at = short.find(c)
                if at < 0 or c == ":":
                    raise bad(f"invalid option -- '{c}'")
                if short[at + 1:at + 2] == ":":
                    value = arg[j + 1:]
                    if not value:
                        if i + 1 >= len(args):
                            raise bad(f"option requires an argument -- '{c}'")
                        i += 1
                        value = args[i]
                    opts.append((c, value))
                    break
                opts.append((c, ""))
                j += 1
        elif permute:
            operands.append(arg)
        else:
            operands.extend(args[i:])
            break
        i += 1
    return opts, operands


def to_int(text: str, prog: str, message: str, status: int = 1) -> int:
    """int(text), or a UsageError printing `prog: message` (message may use {text})."""
    try:
        return int(text)
    except ValueError:
        raise UsageError(fail(prog, message.format(text=text), status)) from None


def shell_quote(value: str) -> str:
    if value and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def command_path(session: ShellSession, name: str) -> str | None:
    for directory in BIN_DIRS:
        if session.vfs.is_file(f"{directory}/{name}"):
            return f"{directory}/{name}"
    if lookup(name) is None or name in BASH_BUILTINS:
        return None
    return f"/usr/local/bin/{name}" if name in LOCAL_BIN else f"/usr/bin/{name}"


def human(n: float, si: bool = False) -> str:
    """GNU `-h` sizes: one decimal below 10, always rounded up (1025 -> 1.1K)."""
    base = 1000 if si else 1024
    if n < base:
        return str(int(n))
    for unit in "KMGTPEZY":
        n /= base
        tenths = -(-round(n * 10, 6) // 1) / 10
        if tenths < 10:
            return f"{tenths:.1f}{unit}"
        whole = -(-round(n, 6) // 1)
        if whole < base:
            return f"{int(whole)}{unit}"
    return f"{int(n)}Y"


# --- bash arithmetic ---------------------------------------------------------------------

class ArithError(Exception):
    pass


_ARITH_TOKEN = re.compile(
    r"\s*(?:(0[xX][0-9a-fA-F]+|[0-9]+#[0-9a-zA-Z@_]+|[0-9]+)|([A-Za-z_][A-Za-z0-9_]*)|"
    r"(\*\*=|<<=|>>=|&&|\|\||\+\+|--|\*\*|<<|>>|<=|>=|==|!=|[-+*/%&|^]=|[-+*/%<>=!~&|^?:(),]))")
_BINARY = {",": 1, "||": 4, "&&": 5, "|": 6, "^": 7, "&": 8, "==": 9, "!=": 9, "<": 10,
           ">": 10, "<=": 10, ">=": 10, "<<": 11, ">>": 11, "+": 12, "-": 12, "*": 13, "/": 13,
           "%": 13, "**": 14}
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="}


def _wrap(x: int) -> int:
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >= 1 << 63 else x


def arith(expr: str, getvar: Callable[[str], str | None],
          setvar: Callable[[str, str], None], depth: int = 0) -> int:
    toks: list[tuple[str, str, int]] = []  # (kind, text, offset)
    pos = 0
    while pos < len(expr) and expr[pos:].strip():
        m = _ARITH_TOKEN.match(expr, pos)
        if not m or not m.group(0).strip():
            raise ArithError(f"{expr}: syntax error: invalid arithmetic operator "
                             f"(error token is \"{expr[pos:].lstrip()}\")")
        kind = "num" if m.group(1) else "name" if m.group(2) else "op"
        toks.append((kind, m.group(m.lastindex or 0), m.start(m.lastindex or 0)))
        pos = m.end()
    i = 0

    def rest(k: int) -> str:
        return expr[toks[k][2]:] if k < len(toks) else ""

    def operand_error() -> ArithError:
        return ArithError(f"{expr}: syntax error: operand expected (error token is \"{rest(i)}\")")

    def value(name: str) -> int:
        raw = (getvar(name) or "").strip()
        if not raw:
            return 0
        if re.fullmatch(r"-?[0-9]+", raw):
            return _wrap(int(raw))
        if depth > 8:
            raise ArithError(f"{expr}: expression recursion level exceeded")
        return arith(raw, getvar, setvar, depth + 1)

    def number(text: str) -> int:
        try:
            if "#" in text:
                base, digits = text.split("#", 1)
                return _wrap(int(digits, int(base)))
            if text[:2].lower() == "0x":
                return _wrap(int(text, 16))
            return _wrap(int(text, 8) if text.startswith("0") and len(text) > 1 else int(text))
        except ValueError:
            raise ArithError(f"{expr}: value too great for base (error token is \"{text}\")"
                             ) from None

    def unary() -> int | str:
        nonlocal i
        if i >= len(toks):
            raise operand_error()
        kind, text, _ = toks[i]
        i += 1
        if kind == "num":
            return number(text)
        if kind == "name":
            if i < len(toks) and toks[i][1] in ("++", "--"):
                old = value(text)
                setvar(text, str(_wrap(old + (1 if toks[i][1] == "++" else -1))))
                i += 1
                return old
            return text
        if text in ("++", "--") and i < len(toks) and toks[i][0] == "name":
            name = toks[i][1]
            i += 1
            new = _wrap(value(name) + (1 if text == "++" else -1))
            setvar(name, str(new))
            return new
        if text in ("+", "-", "!", "~"):
            v = val(unary())
            return {"+": v, "-": _wrap(-v), "!": int(v == 0), "~": _wrap(~v)}[text]
        if text == "(":
            v = binary(1)
            if i >= len(toks) or toks[i][1] != ")":
                raise ArithError(f"{expr}: missing `)' (error token is \"{rest(i)}\")")
            i += 1
            return v
        i -= 1
        raise operand_error()

    def val(x: int | str) -> int:
        return value(x) if isinstance(x, str) else x

    def binary(minp: int) -> int | str:
        nonlocal i
        left = unary()
        while i < len(toks) and toks[i][0] == "op":
            op = toks[i][1]
            if op in _ASSIGN and minp <= 2:
                if not isinstance(left, str):
                    raise ArithError(f"{expr}: attempted assignment to non-variable "
                                     f"(error token is \"{rest(i)}\")")
                i += 1
                right = val(binary(2))
                new = right if op == "=" else _apply(op[:-1], value(left), right)
                setvar(left, str(new))
                left = new
            elif op == "?" and minp <= 3:
                i += 1
                a = val(binary(1))
                if i >= len(toks) or toks[i][1] != ":":
                    raise ArithError(f"{expr}: `:' expected for conditional expression "
                                     f"(error token is \"{rest(i)}\")")
                i += 1
                b = val(binary(3))
                left = a if val(left) else b
            elif op in _BINARY and _BINARY[op] >= minp:
                i += 1
                p = _BINARY[op]
                right = val(binary(p if op == "**" else p + 1))
                left = _apply(op, val(left), right)
            else:
                break
        return left

    def _apply(op: str, a: int, b: int) -> int:
        if op in ("/", "%") and b == 0:
            raise ArithError(f"{expr}: division by 0 (error token is \"{rest(i - 1)}\")")
        if op == "**" and b < 0:
            raise ArithError(f"{expr}: exponent less than 0 (error token is \"{rest(i - 1)}\")")
        q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1) if op in ("/", "%") else 0
        result = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: q,
                  "%": lambda: a - b * q, "**": lambda: pow(a, b, 1 << 64),
                  "<<": lambda: a << (b & 63), ">>": lambda: a >> (b & 63),
                  "<": lambda: int(a < b), ">": lambda: int(a > b), "<=": lambda: int(a <= b),
                  ">=": lambda: int(a >= b), "==": lambda: int(a == b),
                  "!=": lambda: int(a != b), "&": lambda: a & b, "|": lambda: a | b,
                  "^": lambda: a ^ b, "&&": lambda: int(bool(a and b)),
                  "||": lambda: int(bool(a or b)), ",": lambda: b}[op]()
        return _wrap(result)

    if not toks:
        return 0
    result = val(binary(1))
    if i < len(toks):
        raise ArithError(f"{expr}: syntax error in expression (error token is \"{rest(i)}\")")
    return result


# --- word helpers used by the interpreter ------------------------------------------------

def brace_expand(word: str, budget: int = 100_000) -> list[str]:
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        if c == "\\":
            i += 2
            continue
        if c in "'\"":
            end = word.find(c, i + 1)
            i = n if end < 0 else end + 1
            continue
        if c == "$" and word[i + 1:i + 2] in ("{", "("):
            open_, close = word[i + 1], "}" if word[i + 1] == "{" else ")"
            depth, i = 0, i + 1
            while i < n:
                depth += (word[i] == open_) - (word[i] == close)
                i += 1
                if depth == 0:
                    break
            continue
        if c == "{":
            j, depth, commas = i + 1, 1, []
            while j < n and depth:
                if word[j] == "\\":
                    j += 1
                elif word[j] == "{":
                    depth += 1
                elif word[j] == "}":
                    depth -= 1
                elif word[j] == "," and depth == 1:
                    commas.append(j)
                j += 1
            if depth == 0:
                cuts = [i, *commas, j - 1]
                alts = ([word[cuts[k] + 1:cuts[k + 1]] for k in range(len(cuts) - 1)]
                        if commas else _brace_seq(word[i + 1:j - 1]))
                if alts is not None:
                    if len(alts) > budget:
                        raise ArithError(f"brace expansion: failed to allocate memory for "
                                         f"{len(alts)} elements")
                    out: list[str] = []
                    for alt in alts:
                        out.extend(brace_expand(word[:i] + alt + word[j:], budget))
                        if len(out) > budget:
                            raise ArithError("brace expansion: failed to allocate memory")
                    return out
        i += 1
    return [word]


def _brace_seq(inner: str) -> list[str] | None:
    m = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?", inner)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        step = abs(int(m.group(3) or 1)) or 1
        if abs(b - a) // step > 100_000:
            raise ArithError(f"brace expansion: failed to allocate memory for "
                             f"{abs(b - a) // step + 1} elements")
        width = max(len(m.group(1)), len(m.group(2))) if re.match(
            r"-?0\d", m.group(1)) or re.match(r"-?0\d", m.group(2)) else 0
        seq = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [f"{v:0{width}d}" for v in seq]
    m = re.fullmatch(r"([A-Za-z])\.\.([A-Za-z])", inner)
    if m:
        a, b = ord(m.group(1)), ord(m.group(2))
        return [chr(v) for v in (range(a, b + 1) if a <= b else range(a, b - 1, -1))]
    return None


def glob_regex(pattern: str, greedy: bool = True) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*" if greedy else ".*?")
        elif c == "?":
            out.append(".")
        elif c == "[" and "]" in pattern[i + 2:]:
            j = pattern.index("]", i + 2)
            body = pattern[i + 1:j]
            body = "^" + body[1:] if body[:1] in "!^" else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def param_op(value: str, op: str, arg: str, arith_fn: Callable[[str], int]) -> str:
    if op in ("#", "##"):
        m = re.match("(?s)" + glob_regex(arg, op == "##"), value)
        return value[m.end():] if m else value
    if op in ("%", "%%"):
        rx = re.compile("(?s)" + glob_regex(arg))
        starts = range(len(value) + 1) if op == "%%" else range(len(value), -1, -1)
        for k in list(starts)[:4096]:
            if rx.fullmatch(value, k):
                return value[:k]
        return value
    if op in ("/", "//", "/#", "/%"):
        pat, _, rep = arg.partition("/")
        rx = glob_regex(pat)
        if not pat:
            return value
        if op == "/#":
            rx = "^" + rx
        elif op == "/%":
            rx = rx + "$"
        return re.sub("(?s)" + rx, lambda m: rep, value, count=0 if op == "//" else 1)
    if op == ":":
        off_text, _, len_text = arg.partition(":")
        off = arith_fn(off_text) if off_text.strip() else 0
        off = max(0, len(value) + off) if off < 0 else off
        if not _:
            return value[off:]
        length = arith_fn(len_text) if len_text.strip() else 0
        return value[off:off + length] if length >= 0 else value[off:len(value) + length]
    return {"^^": value.upper(), ",,": value.lower(), "^": value[:1].upper() + value[1:],
            ",": value[:1].lower() + value[1:]}.get(op, value)


# --- test / [ / [[ -----------------------------------------------------------------------

_UNARY = set("efdLhsrwxzbcpStOGNavun")
_BINOPS = {"=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot",
           "-ef", "=~"}


def test_eval(args: list[str], session: ShellSession, extended: bool = False,
              ) -> tuple[int, str]:
    """(status, error message without the `bash: [: ` prefix)."""
    prog = "[[" if extended else "test"
    andop, orop = ("&&", "||") if extended else ("-a", "-o")
    pos = 0

    class TestError(Exception):
        pass

    def integer(text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise TestError(f"{text}: integer expression expected") from None

    def unary_test(op: str, arg: str) -> bool:
        vfs, cwd = session.vfs, session.cwd
        if op == "z":
            return arg == ""
        if op == "n":
            return arg != ""
        if op == "v":
            return session.get_var(arg) is not None
        if op == "t":
            return False
        try:
            node = vfs.lstat(arg, cwd) if op in "Lh" else vfs.stat(arg, cwd)
        except VFSError:
            return False
        kinds = {"f": node.kind == "file", "d": node.kind == "dir", "L": node.kind == "link",
                 "h": node.kind == "link", "s": node.size > 0, "x": bool(node.mode & 0o111)
                 or node.kind == "dir", "S": node.kind == "sock"}
        return kinds.get(op, op in "eaOGrwN")

    def binary_test(a: str, op: str, b: str) -> bool:
        if op in ("=", "=="):
            return fnmatch.fnmatchcase(a, b) if extended else a == b
        if op == "!=":
            return not fnmatch.fnmatchcase(a, b) if extended else a != b
        if op == "=~":
            try:
                return re.search(b, a) is not None
            except re.error:
                raise TestError("invalid regular expression") from None
        if op in ("<", ">"):
            return a < b if op == "<" else a > b
        if op in ("-nt", "-ot", "-ef"):
            try:
                ta, tb = session.vfs.stat(a, session.cwd).mtime, session.vfs.stat(b,
                                                                               session.cwd).mtime
            except VFSError:
                return False
            return {"-nt": ta > tb, "-ot": ta < tb, "-ef": a == b}[op]
        x, y = integer(a), integer(b)
        return {"-eq": x == y, "-ne": x != y, "-lt": x < y, "-le": x <= y, "-gt": x > y,
                "-ge": x >= y}[op]

    def primary() -> bool:
        nonlocal pos
        left = len(args) - pos
        tok = args[pos]
        if tok == "!" and left > 1:
            pos += 1
            return not primary()
        if tok == "(" and left > 1:
            pos += 1
            result = disjunction()
            if pos >= len(args) or args[pos] != ")":
                raise TestError("`)' expected")
            pos += 1
            return result
        if left >= 3 and args[pos + 1] in _BINOPS:
            pos += 3
            return binary_test(tok, args[pos - 2], args[pos - 1])
        if len(tok) == 2 and tok[0] == "-" and tok[1] in _UNARY and left >= 2:
            pos += 2
            return unary_test(tok[1], args[pos - 1])
        if len(tok) == 2 and tok[0] == "-" and tok[1] in _UNARY and left == 1 and extended:
            raise TestError("unexpected argument to conditional unary operator")
        pos += 1
        return tok != ""

    def conjunction() -> bool:
        nonlocal pos
        result = primary()
        while pos < len(args) and args[pos] == andop:
            pos += 1
            result = primary() and result
        return result

    def disjunction() -> bool:
        nonlocal pos
        result = conjunction()
        while pos < len(args) and args[pos] == orop:
            pos += 1
            result = conjunction() or result
        return result

    if not args:
        return 1, ""
    try:
        if len(args) == 3 and args[1] in _BINOPS:
            return int(not binary_test(*args)), ""
        result = disjunction()
        if pos < len(args):
            if len(args) > 3 or pos > 1:
                raise TestError("too many arguments")
            raise TestError(f"{args[pos]}: binary operator expected")
        return int(not result), ""
    except TestError as exc:
        return 2, f"{prog}: {exc}" if not extended else str(exc)
    except IndexError:
        return 2, f"{prog}: argument expected"


_ECHO_ESC = {"\\": "\\", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
             "r": "\r", "t": "\t", "v": "\v"}


def escapes(text: str, echo_style: bool = True) -> tuple[str, bool]:
    """Backslash escapes of `echo -e` / `printf %b`; the flag says `\\c` stopped output."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "c":
            return "".join(out), True
        if nxt in _ECHO_ESC:
            out.append(_ECHO_ESC[nxt])
            i += 2
            continue
        rest = text[i + 1:]
        m = re.match(r"0([0-7]{0,3})" if echo_style else r"([0-7]{1,3})", rest)
        if m:
            out.append(_byte(int(m.group(1) or "0", 8) & 0xFF))
            i += 1 + m.end()
            continue
        m = re.match(r"x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})", rest)
        if m:
            out.append(_byte(int(m.group(1), 16)) if m.group(1) else chr(int(m.group(2), 16)))
            i += 1 + m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out), False


def _byte(value: int) -> str:
    # Bytes above 127 travel as surrogate escapes so they reach files unchanged.
    return chr(value) if value < 128 else chr(0xDC00 + value)


def describe(session: ShellSession, name: str) -> tuple[str, str] | None:
    """(kind, text) as `type` reports it: alias, keyword, function, builtin or file."""
    if name in session.aliases:
        return "alias", f"{name} is aliased to `{session.aliases[name]}'"
    if name in BASH_KEYWORDS:
        return "keyword", f"{name} is a shell keyword"
    if name in session.functions:
        return "function", f"{name} is a function"
    if name in BASH_BUILTINS:
        return "builtin", f"{name} is a shell builtin"
    path = command_path(session, name)
    if path:
        return "file", f"{name} is {path}"
    if "/" in name and session.vfs.is_file(name, session.cwd):
        return "file", f"{name} is {name}"
    return None
