"""bash's special builtins, which need the interpreter itself (`read`, `source`, `eval`,
`exec`, `command`, `return`, `break`/`continue`, `local`, `declare`, `let`, `shift`, `set`,
`[[ ]]`); `Executor` mixes this in. Split out of interpreter.py."""

from __future__ import annotations

import re

from app.providers.sim.shell import builtins as bi
from app.providers.sim.shell.interp_base import (
    MAX_SUBST_DEPTH,
    Abort,
    Flow,
    FuncReturn,
    Stdin,
    _ifs_split,
    _int,
)
from app.providers.sim.shell.parser import (
    ParseError,
    parse,
)
from app.providers.sim.vfs import VFSError


class SpecialBuiltins:
    """Methods of `interpreter.Executor` named `b_<builtin>`."""

    def b_read(self, argv: list[str], stdin: Stdin) -> int:
        names = [a for a in argv[1:] if not a.startswith("-")]
        raw = any(a.startswith("-") and "r" in a for a in argv[1:])
        for flag in ("-p", "-t", "-d", "-n", "-u"):
            if flag in argv[1:]:
                i = argv.index(flag)
                if i + 1 < len(argv) and argv[i + 1] in names:
                    names.remove(argv[i + 1])
        line = stdin.readline()
        if line is None:
            return 1
        line = line.rstrip("\n")
        if not raw:
            line = re.sub(r"\\(.)", r"\1", line)
        names = names or ["REPLY"]
        ifs = self.getvar("IFS")
        ifs = " \t\n" if ifs is None else ifs
        if names == ["REPLY"]:
            self.setvar("REPLY", line)
            return 0
        pieces = _ifs_split(line, ifs, limit=len(names))
        pieces = [p for p in pieces if p != ""] if ifs.strip(" \t\n") == "" else pieces
        for i, name in enumerate(names):
            self.setvar(name, pieces[i] if i < len(pieces) else "")
        return 0

    def b_source(self, argv: list[str], stdin: Stdin) -> int:
        if len(argv) < 2:
            self.io.err.append(f"bash: {argv[0]}: filename argument required\n")
            return 2
        try:
            text = bi.decode(self.session.vfs.read(argv[1], self.session.cwd))
        except VFSError as exc:
            self.io.err.append(f"bash: {argv[1]}: {exc}\n")
            return 1
        return self._eval(text, stdin, argv[0])

    def b_eval(self, argv: list[str], stdin: Stdin) -> int:
        return self._eval(" ".join(argv[1:]), stdin, "eval")

    def _eval(self, text: str, stdin: Stdin, who: str) -> int:
        try:
            script = parse(text)
        except ParseError as exc:
            self.io.err.append(f"bash: {who}: line 1: {exc.message}\n")
            return 2
        self.subst_depth += 1
        try:
            if self.subst_depth > MAX_SUBST_DEPTH:
                raise Abort("bash: maximum nesting level exceeded\n")
            return self.run_script(script, stdin)
        finally:
            self.subst_depth -= 1

    def b_exec(self, argv: list[str], stdin: Stdin) -> int:
        return self.invoke(argv[1:], stdin, {}) if len(argv) > 1 else 0

    def b_command(self, argv: list[str], stdin: Stdin) -> int:
        args = argv[1:]
        if args and args[0] in ("-v", "-V"):
            found = []
            for name in args[1:]:
                kind = bi.describe(self.session, name)
                if kind and args[0] == "-V":
                    found.append(kind[1])
                elif kind:
                    found.append(bi.command_path(self.session, name) or name)
            self.io.out.append("".join(f"{line}\n" for line in found))
            return 0 if len(found) == len(args) - 1 else 1
        saved = self.session.functions
        self.session.functions = {}
        try:
            return self.invoke(args, stdin, {}) if args else 0
        finally:
            self.session.functions = saved

    b_builtin = b_command

    def b_return(self, argv: list[str], stdin: Stdin) -> int:
        if self.func_depth == 0:
            self.io.err.append("bash: return: can only `return' from a function or sourced "
                               "script\n")
            return 1
        raise FuncReturn(_int(argv[1], self.session.last_status) if len(argv) > 1
                         else self.session.last_status)

    def b_break(self, argv: list[str], stdin: Stdin) -> int:
        if self.loop_depth == 0:
            self.io.err.append(f"bash: {argv[0]}: only meaningful in a `for', `while', or "
                               "`until' loop\n")
            return 0
        raise Flow(argv[0], max(1, _int(argv[1], 1)) if len(argv) > 1 else 1)

    b_continue = b_break

    def b_local(self, argv: list[str], stdin: Stdin) -> int:
        if not self.locals:
            self.io.err.append("bash: local: can only be used in a function\n")
            return 1
        for arg in argv[1:]:
            name, eq, value = arg.partition("=")
            if name.startswith("-"):
                continue
            self.locals[-1].setdefault(name, self.session.get_var(name))
            self.setvar(name, value if eq else (self.session.get_var(name) or ""))
        return 0

    def b_declare(self, argv: list[str], stdin: Stdin) -> int:
        export = any(a.startswith("-") and "x" in a for a in argv[1:])
        for arg in argv[1:]:
            if arg.startswith(("-", "+")):
                continue
            name, eq, value = arg.partition("=")
            self.setvar(name, value if eq else (self.session.get_var(name) or ""), export)
        return 0

    b_typeset = b_declare

    def b_let(self, argv: list[str], stdin: Stdin) -> int:
        result = 0
        for expr in argv[1:]:
            try:
                result = bi.arith(expr, self.getvar, self.setvar)
            except bi.ArithError as exc:
                self.io.err.append(f"bash: let: {exc}\n")
                return 1
        return int(result == 0)

    def b_shift(self, argv: list[str], stdin: Stdin) -> int:
        n = _int(argv[1], 1) if len(argv) > 1 else 1
        if n > len(self.positional):
            return 1
        self.positional = self.positional[n:]
        return 0

    def b_set(self, argv: list[str], stdin: Stdin) -> int:
        if len(argv) == 1:
            merged = self.session.env | self.session.vars
            self.io.out.append("".join(f"{k}={bi.shell_quote(v)}\n"
                                       for k, v in sorted(merged.items())))
        elif "--" in argv:
            self.positional = argv[argv.index("--") + 1:]
        return 0

    def b_cond(self, argv: list[str], stdin: Stdin) -> int:
        status, message = bi.test_eval(argv[1:-1], self.session, extended=True)
        if message:
            self.io.err.append(f"bash: {message}\n")
        return status
