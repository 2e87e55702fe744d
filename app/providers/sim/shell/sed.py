"""GNU sed 4.9 on the twin's files (the POSIX regex translator it shares with grep and awk is
posix_regex.py)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from app.providers.sim import entropy
from app.providers.sim.shell.builtins import (
    decode,
    encode,
    read_path,
    write_file,
)
from app.providers.sim.shell.posix_regex import RegexError, compile_posix
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import VFSError, normpath

MAX_STEPS = 1_000_000
TIME_CHECK = 256  # steps between looks at the clock
MAX_SPACE = 4 << 20
# --- sed -----------------------------------------------------------------------------------

class SedError(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Addr:
    kind: str  # line | last | re | step | zero
    value: int = 0
    step: int = 0
    regex: re.Pattern[str] | None = None


@dataclass
class Cmd:
    name: str
    a1: Addr | None = None
    a2: Addr | None = None
    a2_mode: str = ""  # "" | "+" | "~"
    negate: bool = False
    text: str = ""  # a/i/c text, label, file name, exit code
    regex: re.Pattern[str] | None = None
    empty_regex: bool = False
    repl: list[tuple[str, str]] = field(default_factory=list)
    global_: bool = False
    nth: int = 0
    print_: bool = False
    wfile: str = ""
    ymap: dict[int, str] = field(default_factory=dict)
    block_end: int = 0
    active: bool = False
    end_line: int = 0
    started: bool = False


class _Script:
    def __init__(self, text: str, number: int, extended: bool) -> None:
        self.s, self.i, self.no, self.ext = text, 0, number, extended

    def error(self, message: str, at: int | None = None) -> SedError:
        return SedError(f"sed: -e expression #{self.no}, char {self.i if at is None else at}: "
                        f"{message}")

    def peek(self) -> str:
        return self.s[self.i:self.i + 1]

    def skip_space(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.i += 1

    def parse(self) -> list[Cmd]:
        cmds: list[Cmd] = []
        while True:
            while self.peek() and self.peek() in " \t\n;":
                self.i += 1
            if not self.peek():
                return cmds
            if self.peek() == "#":
                while self.peek() and self.peek() != "\n":
                    self.i += 1
                continue
            cmd = Cmd("")
            cmd.a1 = self.address()
            if cmd.a1 is not None and self.peek() == ",":
                self.i += 1
                self.skip_space()
                if self.peek() in ("+", "~"):
                    cmd.a2_mode = self.peek()
                    self.i += 1
                    cmd.a2 = Addr("line", self.number())
                else:
                    cmd.a2 = self.address()
                    if cmd.a2 is None:
                        raise self.error("unexpected `,'")
            if cmd.a1 is not None and cmd.a1.kind == "zero" and (
                    cmd.a2 is None or cmd.a2.kind != "re"):
                raise self.error("invalid usage of line address 0")
            self.skip_space()
            while self.peek() == "!":
                cmd.negate = True
                self.i += 1
                self.skip_space()
            if not self.peek():
                raise self.error("missing command")
            cmd.name = self.s[self.i]
            self.i += 1
            self.command(cmd)
            cmds.append(cmd)

    def number(self) -> int:
        m = re.match(r"\d+", self.s[self.i:])
        if not m:
            raise self.error("expected newer version of sed")
        self.i += m.end()
        return int(m.group())

    def address(self) -> Addr | None:
        c = self.peek()
        if c.isdigit():
            first = self.number()
            if self.peek() == "~":
                self.i += 1
                return Addr("step", first, self.number())
            return Addr("zero" if first == 0 else "line", first)
        if c == "$":
            self.i += 1
            return Addr("last")
        if c == "/" or c == "\\":
            if c == "\\":
                self.i += 1
            if self.i >= len(self.s) or self.s[self.i] in "\n\\":
                raise self.error("unterminated address regex")
            delim = self.s[self.i]
            self.i += 1
            body = self.delimited(delim, "unterminated address regex")
            icase = multi = False
            while self.peek() in ("I", "M") and self.peek():
                icase |= self.peek() == "I"
                multi |= self.peek() == "M"
                self.i += 1
            return Addr("re", regex=self.regex(body, icase, multi))
        return None

    def delimited(self, delim: str, message: str) -> str:
        out = []
        while True:
            c = self.peek()
            if not c or (c == "\n" and delim != "\n"):
                raise self.error(message)
            self.i += 1
            if c == "\\":
                nxt = self.peek()
                self.i += 1
                if nxt == delim:
                    out.append(delim if delim not in ".*[]^$\\+?(){}|" else "\\" + delim)
                elif nxt == "n":
                    out.append("\\n")
                else:
                    out.append("\\" + nxt)
            elif c == delim:
                return "".join(out)
            else:
                out.append(c)

    def regex(self, body: str, icase: bool, multi: bool) -> re.Pattern[str] | None:
        if body == "":
            return None
        try:
            return compile_posix(body, self.ext, icase, multi)
        except RegexError as exc:
            raise self.error(str(exc)) from None

    def rest_of_line(self) -> str:
        end = self.s.find("\n", self.i)
        end = len(self.s) if end < 0 else end
        text, self.i = self.s[self.i:end], end
        return text

    def label(self) -> str:
        self.skip_space()
        m = re.match(r"[^;\n]*", self.s[self.i:])
        assert m is not None
        self.i += m.end()
        return m.group().strip()

    def command(self, cmd: Cmd) -> None:
        name = cmd.name
        if name in "{}=dDgGhHxnNpPzFl":
            if name == "}" and cmd.a1 is not None:
                raise self.error("} doesn't want any addresses")
            return
        if name in "qQ":
            self.skip_space()
            m = re.match(r"\d*", self.s[self.i:])
            cmd.text = m.group() if m else ""
            self.i += len(cmd.text)
            return
        if name in "aic":
            self.skip_space()
            if self.peek() == "\\":
                self.i += 1
                if self.peek() == "\n":
                    self.i += 1
            text = []
            while self.peek() and self.peek() != "\n":
                c = self.s[self.i]
                if c == "\\" and self.i + 1 < len(self.s):
                    text.append(self.s[self.i + 1])
                    self.i += 2
                    continue
                text.append(c)
                self.i += 1
            cmd.text = "".join(text)
            if not cmd.text and not self.s[:self.i].rstrip().endswith("\\"):
                raise self.error("expected \\ after `a', `c' or `i'")
            return
        if name in "btT:":
            cmd.text = self.label()
            if name == ":" and not cmd.text:
                raise self.error("\":\" lacks a label")
            return
        if name in "rRwW":
            self.skip_space()
            cmd.text = self.rest_of_line()
            return
        if name == "s":
            self.substitute(cmd)
            return
        if name == "y":
            delim = self.peek()
            self.i += 1
            src = self.delimited(delim, "unterminated `y' command")
            dst = self.delimited(delim, "unterminated `y' command")
            src, dst = (re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), x)
                        for x in (src, dst))
            if len(src) != len(dst):
                raise self.error("strings for `y' command are different lengths")
            cmd.ymap = {ord(a): b for a, b in zip(src, dst, strict=True)}
            return
        if name == "#":
            self.rest_of_line()
            return
        raise self.error(f"unknown command: `{name}'")

    def substitute(self, cmd: Cmd) -> None:
        delim = self.peek()
        if not delim or delim in "\n\\":
            raise self.error("unterminated `s' command")
        self.i += 1
        body = self.delimited(delim, "unterminated `s' command")
        repl = self.replacement(delim)
        icase = multi = False
        while self.peek() and self.peek() not in ";\n}#":
            c = self.s[self.i]
            self.i += 1
            if c == "g":
                cmd.global_ = True
            elif c == "p":
                cmd.print_ = True
            elif c in "iI":
                icase = True
            elif c in "mM":
                multi = True
            elif c.isdigit():
                self.i -= 1
                cmd.nth = self.number()
                if cmd.nth == 0:
                    raise self.error("number option to `s' command may not be zero")
            elif c == "w":
                self.skip_space()
                cmd.wfile = self.rest_of_line()
            elif c in " \t":
                continue
            else:
                raise self.error("unknown option to `s'")
        cmd.regex = self.regex(body, icase, multi)
        cmd.empty_regex = body == ""
        cmd.repl = repl

    def replacement(self, delim: str) -> list[tuple[str, str]]:
        parts: list[tuple[str, str]] = []
        while True:
            c = self.peek()
            if not c:
                raise self.error("unterminated `s' command")
            self.i += 1
            if c == delim:
                return parts
            if c == "\\":
                nxt = self.peek()
                self.i += 1
                if nxt.isdigit():
                    parts.append(("group", nxt))
                elif nxt in "ULEul":
                    parts.append(("case", nxt))
                elif nxt == "n":
                    parts.append(("lit", "\n"))
                elif nxt == "t":
                    parts.append(("lit", "\t"))
                else:
                    parts.append(("lit", nxt))
            elif c == "&":
                parts.append(("group", "0"))
            else:
                parts.append(("lit", c))


def expand_replacement(parts: list[tuple[str, str]], m: re.Match[str]) -> str:
    out: list[str] = []
    mode, once = "", ""
    for kind, value in parts:
        if kind == "case":
            if value in "ul":
                once = value
            else:
                mode = "" if value == "E" else value
            continue
        text = value if kind == "lit" else (m.group(int(value)) or "")
        if mode:
            text = text.upper() if mode == "U" else text.lower()
        if once and text:
            text = (text[0].upper() if once == "u" else text[0].lower()) + text[1:]
            once = ""
        out.append(text)
    return "".join(out)


class _Quit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Sed:
    def __init__(self, inv: Invocation, cmds: list[Cmd], quiet: bool) -> None:
        self.inv, self.cmds, self.quiet = inv, cmds, quiet
        self.labels = {c.text: k for k, c in enumerate(cmds) if c.name == ":"}
        self.hold = ""
        self.last_regex: re.Pattern[str] | None = None
        self.lineno = self.steps = 0
        self.wfiles: dict[str, list[str]] = {}
        self.filename = "-"
        self.out: list[str] = []
        self.appends: list[tuple[bool, str]] = []
        self.missing = self.owed = self.at_last = False
        ex = inv.session.executor
        self.deadline = ex.deadline if ex is not None else time.monotonic() + 5
        stack: list[int] = []
        for k, c in enumerate(cmds):
            if c.name == "{":
                stack.append(k)
            elif c.name == "}":
                if not stack:
                    raise SedError("sed: -e expression #1, char 0: unexpected `}'")
                cmds[stack.pop()].block_end = k
            elif c.name in "btT" and c.text and c.text not in self.labels:
                raise SedError(f"sed: can't find label for jump to `{c.text}'")
        if stack:
            raise SedError("sed: -e expression #1, char 0: unmatched `{'")

    def match_addr(self, a: Addr, ps: str, last: bool) -> bool:
        if a.kind == "line":
            return self.lineno == a.value
        if a.kind == "last":
            return last
        if a.kind == "step":
            return self.lineno == a.value if a.step <= 0 else (
                self.lineno >= a.value and (self.lineno - a.value) % a.step == 0)
        if a.kind == "re":
            rx = a.regex or self.last_regex
            if rx is None:
                raise SedError("sed: no previous regular expression")
            self.last_regex = rx
            return rx.search(ps) is not None
        return False

    def selected(self, c: Cmd, ps: str, last: bool) -> bool:
        if c.a1 is None:
            return not c.negate
        if c.a2 is None:
            return self.match_addr(c.a1, ps, last) != c.negate
        if c.a1.kind == "zero" and not c.started:
            c.started = c.active = True
            if self.match_addr(c.a2, ps, last):
                c.active = False
            return not c.negate
        if c.active:
            if c.a2_mode == "+":
                c.active = self.lineno < c.end_line
            elif c.a2_mode == "~":
                c.active = c.a2.value > 0 and self.lineno % c.a2.value != 0
            elif c.a2.kind == "line":
                c.active = self.lineno < c.a2.value
            else:
                c.active = not self.match_addr(c.a2, ps, last)
            return not c.negate
        if not self.match_addr(c.a1, ps, last):
            return c.negate
        if c.a2_mode == "+":
            c.end_line = self.lineno + c.a2.value
            c.active = c.a2.value > 0
        elif c.a2_mode == "~":
            c.active = c.a2.value > 0 and self.lineno % c.a2.value != 0
        elif c.a2.kind == "line":
            c.active = c.a2.value > self.lineno
        else:
            c.active = not last
        return not c.negate

    def emit(self, text: str, pattern_space: bool = False) -> None:
        """GNU keeps a missing final newline missing, unless more output follows it."""
        if self.owed:
            self.out.append("\n")
            self.owed = False
        self.out.append(text)
        if pattern_space and self.at_last and self.missing:
            self.owed = True
        else:
            self.out.append("\n")

    def run(self, lines: list[str], missing: bool) -> int:
        """Runs the script over `lines`; returns an exit status (q/Q) or -1 to go on."""
        idx = 0
        ps: str | None = None
        self.missing, self.owed = missing, False
        while idx < len(lines) or ps is not None:
            if ps is None:
                ps = lines[idx]
                idx += 1
                self.lineno += 1
            self.appends = []
            pc, tflag, keep = 0, False, False
            autoprint = not self.quiet
            try:
                while pc < len(self.cmds):
                    self.steps += 1
                    if self.steps > MAX_STEPS or len(ps) > MAX_SPACE or (
                            self.steps % TIME_CHECK == 0 and time.monotonic() > self.deadline):
                        entropy.note()  # maybe stopped by the clock: not replayable
                        raise SedError("sed: couldn't re-allocate memory", 4)
                    c = self.cmds[pc]
                    self.at_last = last = idx >= len(lines)
                    if not self.selected(c, ps, last):
                        pc = c.block_end + 1 if c.name == "{" else pc + 1
                        continue
                    pc += 1
                    name = c.name
                    if name == "s":
                        ps, done = self.substitute(c, ps)
                        tflag = tflag or done
                    elif name in "pP":
                        self.emit(ps if name == "p" else ps.split("\n")[0], name == "p")
                    elif name == "d" or (name == "D" and "\n" not in ps):
                        autoprint = False
                        break
                    elif name == "D":
                        ps = ps.split("\n", 1)[1]
                        keep, autoprint = True, False
                        break
                    elif name in "nN":
                        if idx >= len(lines):
                            raise _Quit(-1)
                        if name == "n":
                            if not self.quiet:
                                self.emit(ps, True)
                            ps = lines[idx]
                        else:
                            ps += "\n" + lines[idx]
                        idx += 1
                        self.lineno += 1
                    elif name in "btT":
                        if name == "b":
                            jump = True
                        else:
                            jump = tflag if name == "t" else not tflag
                            tflag = False
                        if jump:
                            pc = self.labels[c.text] if c.text else len(self.cmds)
                    elif name in "aiclrRwW=F":
                        if not self.text_command(c, ps):
                            autoprint = False
                            break
                    elif name in "hHgGxz":
                        ps = self.hold_command(name, ps)
                    elif name == "y":
                        ps = ps.translate(c.ymap)
                    elif name in "qQ":
                        if name == "q" and autoprint:
                            self.emit(ps, True)
                        self.flush_appends()
                        return int(c.text or 0)
            except _Quit:
                if autoprint:
                    self.emit(ps, True)
                self.flush_appends()
                return -1
            if autoprint:
                self.emit(ps, True)
            self.flush_appends()
            if not keep:
                ps = None
        return -1

    def flush_appends(self) -> None:
        for raw, text in self.appends:
            if raw:
                if self.owed and text:
                    self.out.append("\n")
                    self.owed = False
                self.out.append(text)
            else:
                self.emit(text)

    def substitute(self, c: Cmd, ps: str) -> tuple[str, bool]:
        rx = c.regex or self.last_regex
        if rx is None:
            raise SedError("sed: -e expression #1, char 0: no previous regular expression")
        self.last_regex = rx
        pieces, pos, count, done, prev_end = [], 0, 0, False, -1
        for m in rx.finditer(ps):
            if m.start() == m.end() == prev_end:
                continue
            prev_end = m.end()
            count += 1
            if count < c.nth:
                continue
            pieces.append(ps[pos:m.start()])
            pieces.append(expand_replacement(c.repl, m))
            pos, done = m.end(), True
            if not c.global_:
                break
        if not done:
            return ps, False
        pieces.append(ps[pos:])
        ps = "".join(pieces)
        if c.print_:
            self.emit(ps, True)
        if c.wfile:
            self.wfiles.setdefault(c.wfile, []).append(ps + "\n")
        return ps, True

    def text_command(self, c: Cmd, ps: str) -> bool:
        """a/i/c/r/w/=/F; returns False when the cycle ends without printing."""
        name = c.name
        if name == "a":
            self.appends.append((False, c.text))
        elif name == "i":
            self.emit(c.text)
        elif name == "c":
            if not c.active or c.negate:
                self.emit(c.text)
            return False
        elif name == "=":
            self.emit(str(self.lineno))
        elif name == "F":
            self.emit(self.filename)
        elif name in "rR":
            try:
                data = decode(read_path(self.inv.session, c.text))
                self.appends.append((name == "r", data if name == "r" else data.split("\n")[0]))
            except VFSError:
                pass
        elif name in "wW":
            self.wfiles.setdefault(c.text, []).append(
                (ps if name == "w" else ps.split("\n")[0]) + "\n")
        return True

    def hold_command(self, name: str, ps: str) -> str:
        if name == "h":
            self.hold = ps
        elif name == "H":
            self.hold += "\n" + ps
        elif name == "g":
            return self.hold
        elif name == "G":
            return ps + "\n" + self.hold
        elif name == "x":
            ps, self.hold = self.hold, ps
        elif name == "z":
            return ""
        return ps


def split_lines(text: str) -> tuple[list[str], bool]:
    """Lines without their newlines, and whether the last one lacked a newline."""
    if not text:
        return [], False
    lines = text.split("\n")
    if lines[-1] == "":
        return lines[:-1], False
    return lines, True


USAGE = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n"


@command("sed")
def sed(inv: Invocation) -> Output:
    scripts: list[str] = []
    files: list[str] = []
    quiet = extended = separate = False
    in_place: str | None = None
    args = list(inv.args)
    while args:
        arg = args.pop(0)
        if arg == "--":
            files.extend(args)
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if name in ("quiet", "silent"):
                quiet = True
            elif name == "regexp-extended":
                extended = True
            elif name == "in-place":
                in_place = value
            elif name == "separate":
                separate = True
            elif name in ("expression", "file") and (eq or args):
                value = value if eq else args.pop(0)
                scripts.append(value if name == "expression" else _script_file(inv, value))
            elif name in ("posix", "debug", "unbuffered", "follow-symlinks", "sandbox"):
                continue
            else:
                return Output("", f"sed: unrecognized option '{arg}'\n{USAGE}", 1)
        elif arg.startswith("-") and arg != "-":
            j = 1
            while j < len(arg):
                c = arg[j]
                if c in "ef":
                    value = arg[j + 1:] or (args.pop(0) if args else "")
                    try:
                        scripts.append(value if c == "e" else _script_file(inv, value))
                    except SedError as exc:
                        return Output("", exc.message + "\n", 1)
                    break
                if c == "i":
                    in_place = arg[j + 1:]
                    break
                if c == "n":
                    quiet = True
                elif c in "Er":
                    extended = True
                elif c == "s":
                    separate = True
                elif c in "uz":
                    pass
                else:
                    return Output("", f"sed: invalid option -- '{c}'\n{USAGE}", 1)
                j += 1
        else:
            files.append(arg)
    if not scripts:
        if not files:
            return Output("", USAGE, 1)
        scripts.append(files.pop(0))
    try:
        cmds: list[Cmd] = []
        for number, text in enumerate(scripts, 1):
            cmds += _Script(text, number, extended).parse()
        engine = Sed(inv, cmds, quiet)
        return _run(inv, engine, files, in_place, separate)
    except SedError as exc:
        return Output("", exc.message + "\n", exc.status)


def _script_file(inv: Invocation, path: str) -> str:
    try:
        return decode(read_path(inv.session, path))
    except VFSError as exc:
        raise SedError(f"sed: couldn't open file {path}: {exc}") from None


def _run(inv: Invocation, engine: Sed, files: list[str], in_place: str | None,
         separate: bool) -> Output:
    vfs, cwd = inv.session.vfs, inv.session.cwd
    out: list[str] = []
    err: list[str] = []
    status = 0
    if in_place is not None and not files:
        return Output("", "sed: no input files\n", 4)
    inputs: list[tuple[str, str]] = []
    for name in files or ["-"]:
        try:
            if name != "-" and vfs.is_dir(name, cwd):
                err.append(f"sed: couldn't edit {name}: not a regular file\n" if in_place
                           is not None else f"sed: read error on {name}: Is a directory\n")
                status = 2 if in_place is None else 4
                continue
            text = inv.stdin if name == "-" else decode(read_path(inv.session, name))
            inputs.append((name, text))
        except VFSError as exc:
            err.append(f"sed: can't read {name}: {exc}\n")
            status = 2
    if in_place is None and not separate:
        inputs = [(inputs[0][0] if len(inputs) == 1 else "-", "".join(t for _, t in inputs))]
    for name, text in inputs:
        engine.filename, engine.out = name, []
        if in_place is not None:
            engine.lineno = 0
        code = engine.run(*split_lines(text))
        if engine.owed and in_place is None and name != inputs[-1][0]:
            engine.out.append("\n")
        body = "".join(engine.out)
        if in_place is not None:
            if in_place:
                backup = in_place.replace("*", name) if "*" in in_place else name + in_place
                write_file(vfs, backup, encode(text), cwd=cwd)
            write_file(vfs, normpath(name, cwd), encode(body), cwd=cwd)
        else:
            out.append(body)
        if code >= 0:
            status = code
            break
    for path, chunks in engine.wfiles.items():
        if path in ("/dev/stdout", "/dev/stderr"):
            (out if path == "/dev/stdout" else err).append("".join(chunks))
            continue
        try:
            write_file(vfs, normpath(path, cwd), encode("".join(chunks)), cwd=cwd)
        except VFSError as exc:
            err.append(f"sed: couldn't open file {path}: {exc}\n")
            status = 4
    return Output("".join(out), "".join(err), status)
