"""bash's own builtin commands as bash 5.2 answers them: test/[, cd, pwd, echo, printf,
true/false, sleep, export, unset, env, alias, unalias, type, which, history, help, clear, exit.
Split out of builtins.py (which keeps the helpers every family shares)."""

from __future__ import annotations

import re

from app.providers.sim.shell.builtins import (
    BASH_BUILTINS,
    ShellExit,
    command_path,
    describe,
    escapes,
    executor,
    fail,
    shell_quote,
    test_eval,
)
from app.providers.sim.shell.registry import Invocation, Output, command, lookup
from app.providers.sim.vfs import VFSError, normpath


@command("test", "[")
def test_cmd(inv: Invocation) -> Output:
    args = inv.args
    prog = inv.argv[0]
    if prog == "[":
        if not args or args[-1] != "]":
            return Output("", "bash: [: missing `]'\n", 2)
        args = args[:-1]
    status, message = test_eval(args, inv.session)
    if message:
        message = message.replace("test:", f"{prog}:", 1)
        return Output("", f"bash: {message}\n", status)
    return Output(exit_code=status)

# --- builtin commands --------------------------------------------------------------------

def _dir_arg(inv: Invocation, target: str) -> Output | None:
    vfs = inv.session.vfs
    try:
        node = vfs.stat(target, inv.session.cwd)
    except VFSError as exc:
        return Output("", f"bash: cd: {target}: {exc}\n", 1)
    if node.kind != "dir":
        return Output("", f"bash: cd: {target}: Not a directory\n", 1)
    return None


@command("cd")
def cd(inv: Invocation) -> Output:
    args = [a for a in inv.args if a not in ("-L", "-P", "--")]
    if len(args) > 1:
        return Output("", "bash: cd: too many arguments\n", 1)
    session = inv.session
    target = args[0] if args else session.get_var("HOME") or "/root"
    shown = ""
    if target == "-":
        target = session.get_var("OLDPWD") or ""
        if not target:
            return Output("", "bash: cd: OLDPWD not set\n", 1)
        shown = target + "\n"
    if target == "":
        return Output()
    error = _dir_arg(inv, target)
    if error:
        return error
    session.set_var("OLDPWD", session.cwd, export=True)
    session.cwd = normpath(target, session.cwd)
    session.env["PWD"] = session.cwd
    return Output(shown)


@command("pwd")
def pwd(inv: Invocation) -> Output:
    return Output(inv.session.cwd + "\n")


@command("echo")
def echo(inv: Invocation) -> Output:
    args, newline, interpret = inv.args, True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for flag in args[0][1:]:
            newline = newline and flag != "n"
            interpret = flag == "e" if flag in "eE" else interpret
        args = args[1:]
    text = " ".join(args)
    if interpret:
        text, stop = escapes(text)
        if stop:
            return Output(text)
    return Output(text + ("\n" if newline else ""))


_PRINTF_SPEC = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([diouxXeEfFgGcsbq%])")


@command("printf")
def printf(inv: Invocation) -> Output:
    args = inv.args
    if args[:1] == ["-v"]:
        return Output("", "bash: printf: -v: not supported here\n", 2)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        return Output("", "printf: usage: printf [-v var] format [arguments]\n", 2)
    fmt, values = args[0], args[1:]
    out: list[str] = []
    errors: list[str] = []
    first = True
    while first or values:
        first = False
        consumed = 0

        def take() -> str:
            nonlocal consumed
            consumed += 1
            return values.pop(0) if values else ""

        pos = 0
        for m in _PRINTF_SPEC.finditer(fmt):
            out.append(escapes(fmt[pos:m.start()], echo_style=False)[0])
            pos = m.end()
            flags, width, prec, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue
            width = take() if width == "*" else width
            prec = take() if prec == "*" else prec
            spec = "%" + flags + str(min(int(width or 0), 1 << 16) or "") + (
                "." + str(min(int(prec or 0), 1 << 16)) if prec is not None else "")
            arg = take()
            out.append(_printf_one(spec, conv, arg, errors))
        out.append(escapes(fmt[pos:], echo_style=False)[0])
        if consumed == 0:
            break
    return Output("".join(out), "".join(f"bash: printf: {e}: invalid number\n" for e in errors),
                  1 if errors else 0)


def _printf_one(spec: str, conv: str, arg: str, errors: list[str]) -> str:
    if conv in "sbq":
        if conv == "b":
            arg = escapes(arg, echo_style=True)[0]
        elif conv == "q":
            arg = shell_quote(arg) if arg else "''"
        return (spec + "s") % arg
    if conv == "c":
        return (spec + "s") % arg[:1]
    if conv in "eEfFgG":
        try:
            number: float = float(arg or 0)
        except ValueError:
            errors.append(arg)
            number = 0.0
        return (spec + conv) % number
    try:
        if arg[:1] in ("'", '"'):
            value = ord(arg[1]) if len(arg) > 1 else 0
        else:
            value = int(arg or "0", 0) if not re.fullmatch(r"[-+]?0\d+", arg) else int(arg, 8)
    except ValueError:
        errors.append(arg)
        value = 0
    if conv in "ouxX" and value < 0:
        value &= (1 << 64) - 1
    return (spec + {"i": "d", "u": "d"}.get(conv, conv)) % value


@command("true", ":")
def true(inv: Invocation) -> Output:
    return Output()


@command("false")
def false(inv: Invocation) -> Output:
    return Output(exit_code=1)


@command("sleep")
def sleep(inv: Invocation) -> Output:
    """Returns at once: over the API a line never waits; the terminal paces real waits."""
    if not inv.args:
        return fail("sleep", "missing operand\nTry 'sleep --help' for more information.")
    for arg in inv.args:
        if not re.fullmatch(r"(\d+\.?\d*|\.\d+)[smhd]?|inf(inity)?", arg):
            return fail("sleep", f"invalid time interval '{arg}'\n"
                                 "Try 'sleep --help' for more information.")
    return Output()


def _valid_name(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None


@command("export")
def export(inv: Invocation) -> Output:
    args = [a for a in inv.args if a not in ("-p", "--")]
    session = inv.session
    if not args:
        return Output("".join(f'declare -x {k}="{v}"\n' for k, v in sorted(session.env.items())))
    unexport = "-n" in args
    errors = []
    for arg in args:
        if arg in ("-n", "-f"):
            continue
        name, eq, value = arg.partition("=")
        if not _valid_name(name):
            errors.append(f"bash: export: `{arg}': not a valid identifier\n")
        elif unexport:
            if name in session.env:
                session.vars[name] = session.env.pop(name)
        else:
            session.set_var(name, value if eq else session.get_var(name) or "", export=True)
            if not eq and name not in session.env:
                session.env[name] = ""
    return Output("", "".join(errors), 1 if errors else 0)


@command("unset")
def unset(inv: Invocation) -> Output:
    functions = "-f" in inv.args
    for name in inv.args:
        if name.startswith("-"):
            continue
        if functions or (name in inv.session.functions and inv.session.get_var(name) is None):
            inv.session.functions.pop(name, None)
        else:
            inv.session.unset_var(name)
    return Output()


@command("env", "printenv")
def env(inv: Invocation) -> Output:
    variables = dict(inv.env)
    if inv.argv[0] == "printenv":
        if not inv.args:
            return Output("".join(f"{k}={v}\n" for k, v in variables.items()))
        found = [variables[a] for a in inv.args if a in variables]
        return Output("".join(f"{v}\n" for v in found), "",
                      0 if len(found) == len(inv.args) else 1)
    args = list(inv.args)
    while args and args[0].startswith("-") and args[0] != "-":
        flag = args.pop(0)
        if flag in ("-i", "--ignore-environment"):
            variables = {}
        elif flag == "-u" and args:
            variables.pop(args.pop(0), None)
        elif flag.startswith("-u"):
            variables.pop(flag[2:], None)
        else:
            return fail("env", f"invalid option -- '{flag[1:2]}'\n"
                               "Try 'env --help' for more information.", 125)
    while args and "=" in args[0] and not args[0].startswith("="):
        name, _, value = args.pop(0).partition("=")
        variables[name] = value
    if not args:
        return Output("".join(f"{k}={v}\n" for k, v in variables.items()))
    if lookup(args[0]) is None:
        return fail("env", f"'{args[0]}': No such file or directory", 127)
    return executor(inv).call(args, inv.stdin, {k: v for k, v in variables.items()
                                                if inv.session.env.get(k) != v})


@command("alias")
def alias(inv: Invocation) -> Output:
    aliases = inv.session.aliases
    if not inv.args or inv.args == ["-p"]:
        return Output("".join(f"alias {k}={shell_quote(v)}\n" for k, v in sorted(aliases.items())))
    out, err = [], []
    for arg in inv.args:
        name, eq, value = arg.partition("=")
        if eq:
            aliases[name] = value
        elif name in aliases:
            out.append(f"alias {name}={shell_quote(aliases[name])}\n")
        else:
            err.append(f"bash: alias: {name}: not found\n")
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("unalias")
def unalias(inv: Invocation) -> Output:
    if "-a" in inv.args:
        inv.session.aliases.clear()
        return Output()
    err = [f"bash: unalias: {a}: not found\n" for a in inv.args if a not in inv.session.aliases]
    for a in inv.args:
        inv.session.aliases.pop(a, None)
    return Output("", "".join(err), 1 if err else 0)


@command("type")
def type_(inv: Invocation) -> Output:
    flags = "".join(a[1:] for a in inv.args if a.startswith("-"))
    out, err = [], []
    for name in (a for a in inv.args if not a.startswith("-")):
        found = describe(inv.session, name)
        if "P" in flags or "p" in flags:
            path = command_path(inv.session, name)
            if path and (found is None or found[0] == "file" or "P" in flags):
                out.append(path + "\n")
            elif found is None:
                err.append(name)
        elif found is None:
            err.append(name)
        else:
            out.append((found[0] if "t" in flags else found[1]) + "\n")
    stderr = "".join(f"bash: type: {n}: not found\n" for n in err) if "t" not in flags else ""
    return Output("".join(out), stderr, 1 if err else 0)


@command("which")
def which(inv: Invocation) -> Output:
    names = [a for a in inv.args if not a.startswith("-")]
    paths = [command_path(inv.session, n) for n in names]
    return Output("".join(p + "\n" for p in paths if p), "", 0 if all(paths) else 1)


@command("history")
def history(inv: Invocation) -> Output:
    hist = inv.session.history
    if "-c" in inv.args:
        hist.clear()
        return Output()
    start = 0
    if inv.args and inv.args[0].isdigit():
        start = max(0, len(hist) - int(inv.args[0]))
    return Output("".join(f"{i + 1:5d}  {line}\n" for i, line in enumerate(hist) if i >= start))


HELP = """GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)
These shell commands are defined internally.  Type `help' to see this list.
Type `help name' to find out more about the function `name'.
Use `info bash' to find out more about the shell in general.
Use `man -k' or `info' to find out more about commands not in this list.

A star (*) next to a name means that the command is disabled.

"""


@command("help")
def help_(inv: Invocation) -> Output:
    names = sorted(set(BASH_BUILTINS) | {"if", "for", "while", "case", "function"})
    return Output(HELP + "".join(f" {n}\n" for n in names))


@command("clear")
def clear(inv: Invocation) -> Output:
    return Output("\x1b[H\x1b[2J\x1b[3J")


@command("exit", "logout")
def exit_(inv: Invocation) -> Output:
    ex = executor(inv)
    status = inv.session.last_status
    if inv.args:
        try:
            status = int(inv.args[0]) & 255
        except ValueError:
            ex.io.err.append(f"bash: exit: {inv.args[0]}: numeric argument required\n")
            status = 2
    if ex.subst_depth == 0 and not ex.in_subshell:
        back = inv.session.hop_back()
        if back is None:
            inv.session.exited = True
            ex.io.err.append(f"{inv.argv[0]}\n")
        elif back[1] == "ssh":
            ex.io.err.append(f"logout\nConnection to {back[0]} closed.\n")
        else:
            if back[1] == "bash":
                level = int(inv.session.env.get("SHLVL", "2") or 2)
                inv.session.env["SHLVL"] = str(max(1, level - 1))
            ex.io.err.append("exit\n")
    raise ShellExit(status)
