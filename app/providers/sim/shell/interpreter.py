"""Runs parsed command lines against a ShellSession with bash's semantics and hard bounds.

Output is written into `Streams` rather than returned, so `break`, `return` and `exit` can
unwind through loops and redirections without losing what was already printed. Every limit
(commands per line, nesting, time, bytes) ends the line with a message instead of hurting
the server.
"""

from __future__ import annotations

import fnmatch
import logging
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.providers.sim import entropy
from app.providers.sim.shell import builtins as bi
from app.providers.sim.shell import registry
from app.providers.sim.shell.expansion import Expansion
from app.providers.sim.shell.interp_base import (
    MAX_COMMANDS,
    MAX_FUNC_DEPTH,
    MAX_LINE,
    MAX_OUTPUT,
    MAX_PRODUCED,
    MAX_SUBST_DEPTH,
    MAX_VALUE,
    SPECIAL_BUILTINS,
    STD,
    TIME_BUDGET,
    Abort,
    ExpansionError,
    Flow,
    FuncReturn,
    RedirectError,
    Stdin,
    Streams,
    Target,
)
from app.providers.sim.shell.parser import (
    AndOr,
    Case,
    Command,
    For,
    FuncDef,
    Group,
    If,
    Loop,
    ParseError,
    Pipeline,
    Redirect,
    Script,
    Simple,
    parse,
    tokenize,
)
from app.providers.sim.shell.proctable import shell_pid
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.session import ShellSession
from app.providers.sim.shell.specials import SpecialBuiltins
from app.providers.sim.shell.words import Lit, parse_dquoted
from app.providers.sim.vfs import VFSError, normpath

log = logging.getLogger(__name__)


def run_line(session: ShellSession, line: str) -> Output:
    ex = Executor(session)
    previous, session.executor = session.executor, ex
    try:
        session.vfs.now = session.host.now()
    except Exception:  # a host without a clock must not stop the shell
        log.debug("host clock unavailable", exc_info=True)
    status = 0
    try:
        if len(line) > MAX_LINE:
            raise Abort("bash: line too long\n", 2)
        status = ex.run_script(parse(line), Stdin())
    except ParseError as exc:
        ex.io.err.append(f"bash: {exc.message}\n")
        status = 2
    except Abort as exc:
        ex.io.err.append(exc.message)
        status = exc.status
    except bi.ShellExit as exc:
        status = exc.status
    except (Flow, FuncReturn):
        status = session.last_status
    except RecursionError:
        ex.io.err.append("bash: maximum nesting level exceeded\n")
        status = 2
    except Exception:  # a shell bug must cost the trainee one line, not the server a request
        log.exception("shell line %r failed", line[:200])
        ex.io.err.append("bash: internal error\n")
        status = 1
    finally:
        session.executor = previous
    return _finish("".join(ex.io.out), "".join(ex.io.err), status, ex.io.seq)


def _finish(stdout: str, stderr: str, status: int,
            seq: list[tuple[int, str]] | None = None) -> Output:
    if len(stdout) + len(stderr) > MAX_OUTPUT:
        stderr = stderr[:MAX_OUTPUT // 2]
        stdout = stdout[:MAX_OUTPUT - len(stderr)]
        stderr += "\nkubedrill: output truncated at 1 MiB\n"
        seq = None  # cut: stdout then stderr, as before
    writes = None if seq is None else [(fd, _clean(text)) for fd, text in seq]
    return Output(_clean(stdout), _clean(stderr), status, writes)


def _clean(text: str) -> str:
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")


def _stage_words(cmd: Command) -> list[str]:
    """A pipeline stage's command line as `ps` would show it, without expanding anything (an
    expansion may run commands): each word with its quotes removed."""
    if not isinstance(cmd, Simple):
        return ["bash"]  # a compound stage runs in a forked subshell
    words: list[str] = []
    for w in cmd.words:
        try:
            words += shlex.split(w) or [""]
        except ValueError:
            words.append(w)
    return words or ["bash"]


class Executor(Expansion, SpecialBuiltins):
    def __init__(self, session: ShellSession) -> None:
        self.session = session
        self.io = Streams(tty=True)
        self.commands = self.produced = self.subst_depth = self.func_depth = 0
        self.loop_depth = self.subst_status = self.in_subshell = 0
        self.positional: list[str] = []
        self.arg0 = "bash"  # $0: the shell's name, or `bash -c CMD NAME`'s NAME
        self.locals: list[dict[str, str | None]] = []
        self.deadline = time.monotonic() + TIME_BUDGET
        self.pid = shell_pid(session.node)  # the bash `ps` shows (proctable.shell_pid)
        # While a pipeline runs: each stage's words (quotes removed, nothing expanded) and the
        # index of the stage running now; `ps` lists the other stages, alive beside it.
        self.pipeline: tuple[list[list[str]], int] | None = None

    # --- API for command handlers ----------------------------------------------------------

    def call(self, argv: list[str], stdin: str = "", env: dict[str, str] | None = None) -> Output:
        """Run argv as one command (no expansion) and capture what it prints."""
        self.tick()
        return self._capture(lambda: self.invoke(argv, Stdin(stdin), env or {}))

    def run_text(self, text: str, stdin: str = "", args: list[str] | None = None,
                 arg0: str | None = None) -> Output:
        """Run a script (`bash -c`, a script file) in a subshell and capture what it prints;
        `arg0` is its $0 (bash: the name it was invoked by, the script, or -c's first arg)."""
        def body() -> int:
            try:
                script = parse(text)
            except ParseError as exc:
                self.io.err.append(f"bash: -c: line 1: {exc.message}\n")
                return 2
            saved0 = self.arg0
            with self.subshell():
                if args is not None:
                    self.positional = args
                if arg0 is not None:
                    self.arg0 = arg0
                try:
                    return self.run_script(script, Stdin(stdin))
                except bi.ShellExit as exc:
                    return exc.status
                finally:
                    self.arg0 = saved0
        return self._capture(body)

    def tick(self) -> None:
        self.commands += 1
        if self.commands > MAX_COMMANDS:
            raise Abort(f"bash: too many commands in one line (limit {MAX_COMMANDS}); stopped\n")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            entropy.note()  # where a line stops depends on the machine: not replayable
            raise Abort("bash: line took too long; stopped\n")

    def _capture(self, body: Callable[[], int]) -> Output:
        parent, self.io = self.io, Streams()
        cap = self.io
        self.subst_depth += 1
        try:
            if self.subst_depth > MAX_SUBST_DEPTH:
                raise Abort("bash: maximum nesting level exceeded\n")
            status = body()
        finally:
            self.subst_depth -= 1
            self.io = parent
        return Output("".join(cap.out), "".join(cap.err), status, list(cap.seq))

    # --- state -----------------------------------------------------------------------------

    @contextmanager
    def subshell(self) -> Iterator[None]:
        s = self.session
        saved = (s.cwd, dict(s.env), dict(s.vars), dict(s.functions), dict(s.aliases), s.node,
                 list(s.hops), self.positional, self.locals)
        self.locals = []
        self.in_subshell += 1
        try:
            yield
        finally:
            self.in_subshell -= 1
            (s.cwd, s.env, s.vars, s.functions, s.aliases, s.node, s.hops, self.positional,
             self.locals) = saved

    def set_status(self, status: int) -> int:
        self.session.last_status = status
        return status

    def getvar(self, name: str) -> str | None:
        special = {"?": lambda: str(self.session.last_status), "$": lambda: str(self.pid),
                   "#": lambda: str(len(self.positional)), "0": lambda: self.arg0,
                   "-": lambda: "hB",
                   "@": lambda: " ".join(self.positional), "*": lambda: " ".join(self.positional),
                   "RANDOM": lambda: str(entropy.randrange(32768)), "PWD": lambda: self.session.cwd,
                   "UID": lambda: "0", "EUID": lambda: "0", "LINENO": lambda: "1",
                   "BASH_VERSION": lambda: "5.2.15(1)-release", "PPID": lambda: "1"}
        if name in special:
            return special[name]()
        if name.isdigit():
            idx = int(name)
            return self.positional[idx - 1] if 0 < idx <= len(self.positional) else None
        return self.session.get_var(name)

    def setvar(self, name: str, value: str, export: bool = False) -> None:
        if len(value) > MAX_VALUE:
            raise Abort(f"bash: xmalloc: cannot allocate {len(value)} bytes\n")
        self.session.set_var(name, value, export)

    def emit(self, out: Output) -> None:
        self.produced += len(out.stdout) + len(out.stderr)
        if self.produced > MAX_PRODUCED:
            raise Abort("bash: output limit reached; stopped\n")
        if len(out.stdout) > MAX_VALUE:
            out.stdout, out.writes = out.stdout[:MAX_VALUE], None
        for fd, text in out.chunks():  # in the order the command wrote them
            (self.io.out if fd == 1 else self.io.err).append(text)

    # --- structure -------------------------------------------------------------------------

    def run_script(self, script: Script, stdin: Stdin) -> int:
        status = 0
        for item in script.items:
            status = self.run_andor(item, stdin)
        return status

    def run_andor(self, node: AndOr, stdin: Stdin) -> int:
        status = self.run_pipeline(node.first, stdin)
        for op, pipe in node.rest:
            if (op == "&&") == (status == 0):
                status = self.run_pipeline(pipe, stdin)
        return status

    def run_pipeline(self, pipe: Pipeline, stdin: Stdin) -> int:
        if len(pipe.commands) == 1:
            status = self.run_command(pipe.commands[0], stdin)
        else:
            data, status, parent = "", 0, self.io
            outer, stages = self.pipeline, [_stage_words(c) for c in pipe.commands]
            for idx, cmd in enumerate(pipe.commands):
                src = stdin if idx == 0 else Stdin(data)
                last = idx == len(pipe.commands) - 1
                cap = parent if last else Streams()
                self.io = cap
                self.pipeline = (stages, idx)
                try:
                    with self.subshell():
                        status = self._stage(cmd, src)
                finally:
                    self.io = parent
                    self.pipeline = outer
                if not last:
                    parent.err.extend(cap.err)
                    data = "".join(cap.out)
        if pipe.negate:
            status = int(status == 0)
        if pipe.timed:
            self.io.err.append("\nreal\t0m0.004s\nuser\t0m0.001s\nsys\t0m0.002s\n")
        return self.set_status(status)

    def _stage(self, cmd: Command, stdin: Stdin) -> int:
        try:
            return self.run_command(cmd, stdin)
        except bi.ShellExit as exc:
            return exc.status
        except FuncReturn as exc:
            return exc.status
        except Flow:
            return 0

    def run_command(self, cmd: Command, stdin: Stdin) -> int:
        if isinstance(cmd, Simple):
            return self.run_simple(cmd, stdin)
        if isinstance(cmd, FuncDef):
            self.session.functions[cmd.name] = cmd.body
            return self.set_status(0)
        self.tick()
        return self.redirected(cmd.redirects, stdin, lambda s: self._compound(cmd, s))

    def _compound(self, cmd: Command, stdin: Stdin) -> int:
        if isinstance(cmd, Group):
            if not cmd.subshell:
                return self.run_script(cmd.body, stdin)
            with self.subshell():
                return self._stage(Group(cmd.body, False), stdin)
        if isinstance(cmd, If):
            for cond, body in cmd.clauses:
                if self.run_script(cond, stdin) == 0:
                    return self.run_script(body, stdin)
            return self.run_script(cmd.orelse, stdin) if cmd.orelse else 0
        if isinstance(cmd, Case):
            word = self.expand_one(cmd.word)
            for patterns, body in cmd.arms:
                if any(fnmatch.fnmatchcase(word, self.expand_one(p)) for p in patterns):
                    return self.run_script(body, stdin)
            return 0
        if isinstance(cmd, For):
            items = self.positional if cmd.words is None else self.expand_words(cmd.words)
            return self._loop(iter(items), cmd, stdin)
        assert isinstance(cmd, Loop)
        return self._loop(None, cmd, stdin)

    def _loop(self, items: Iterator[str] | None, cmd: For | Loop, stdin: Stdin) -> int:
        status = 0
        self.loop_depth += 1
        try:
            while True:
                self.tick()
                if isinstance(cmd, For):
                    item = next(items, None) if items is not None else None
                    if item is None:
                        break
                    self.setvar(cmd.var, item)
                else:
                    ok = self.run_script(cmd.cond, stdin) == 0
                    if ok == cmd.until:
                        break
                try:
                    status = self.run_script(cmd.body, stdin)
                except Flow as flow:
                    if flow.count > 1:
                        flow.count -= 1
                        raise
                    if flow.kind == "break":
                        break
        finally:
            self.loop_depth -= 1
        return status

    # --- simple commands -------------------------------------------------------------------

    def run_simple(self, cmd: Simple, stdin: Stdin) -> int:
        self.tick()
        self.subst_status = 0
        words = cmd.words
        if words and words[0] in self.session.aliases:
            alias = [t.value for t in tokenize(self.session.aliases[words[0]]) if t.kind == "word"]
            words = alias + words[1:]
        try:
            argv = self.expand_words(words, cond=cmd.cond)
            assigns = [self.expand_assign(a) for a in cmd.assigns]
        except ExpansionError as exc:
            self.io.err.append(f"bash: {exc}\n")
            return self.set_status(1)
        if not argv:
            for name, value in assigns:
                self.setvar(name, value)
            return self.set_status(self.redirected(cmd.redirects, stdin,
                                                   lambda s: self.subst_status))
        env = dict(assigns)
        return self.set_status(self.redirected(cmd.redirects, stdin,
                                               lambda s: self.invoke(argv, s, env)))

    def invoke(self, argv: list[str], stdin: Stdin, env: dict[str, str]) -> int:
        name = argv[0]
        if name in self.session.functions:
            return self.call_function(argv, stdin)
        try:
            if name in SPECIAL_BUILTINS or name == "[[":
                return self._special(argv, stdin, env)
            fn = registry.lookup(name)
            if fn is None and "/" in name:
                return self.run_path(argv, stdin)
            if fn is None:
                self.io.err.append(f"bash: {name}: command not found\n")
                self.session.unknown_commands.append(name)
                return 127
            out = fn(Invocation(argv, stdin.rest(), self.session, self.session.env | env))
        except (bi.ShellExit, Abort, Flow, FuncReturn, RecursionError):
            raise
        except Exception:
            log.exception("shell command %r failed", name)
            self.io.err.append(f"bash: {name}: internal error\n")
            return 1
        self.emit(out)
        return out.exit_code

    def _special(self, argv: list[str], stdin: Stdin, env: dict[str, str]) -> int:
        special = getattr(self, "b_" + {".": "source", "[[": "cond"}.get(argv[0], argv[0]))
        saved = {k: self.session.get_var(k) for k in env}
        for k, v in env.items():  # `IFS=: read a b` sees its own IFS
            self.session.set_var(k, v)
        try:
            return special(argv, stdin)
        finally:
            for k, old in saved.items():
                if old is None:
                    self.session.unset_var(k)
                else:
                    self.session.set_var(k, old)

    def call_function(self, argv: list[str], stdin: Stdin) -> int:
        if self.func_depth >= MAX_FUNC_DEPTH:
            raise Abort(f"bash: {argv[0]}: maximum function nesting level exceeded "
                        f"({MAX_FUNC_DEPTH})\n")
        saved = self.positional
        self.positional, self.func_depth = argv[1:], self.func_depth + 1
        self.locals.append({})
        try:
            return self.run_command(self.session.functions[argv[0]], stdin)
        except FuncReturn as ret:
            return ret.status
        finally:
            for name, old in self.locals.pop().items():
                if old is None:
                    self.session.unset_var(name)
                else:
                    self.session.set_var(name, old)
            self.positional, self.func_depth = saved, self.func_depth - 1

    def run_path(self, argv: list[str], stdin: Stdin) -> int:
        path = argv[0]
        base = path.rsplit("/", 1)[-1]
        vfs = self.session.vfs
        real = normpath(path, self.session.cwd)
        if real.rsplit("/", 1)[0] in bi.BIN_DIRS and registry.lookup(base):
            return self.invoke([base, *argv[1:]], stdin, {})
        try:
            node = vfs.stat(real)
        except VFSError as exc:
            self.io.err.append(f"bash: {path}: {exc}\n")
            return 127
        if node.kind == "dir":
            self.io.err.append(f"bash: {path}: Is a directory\n")
            return 126
        if not node.mode & 0o111:
            self.io.err.append(f"bash: {path}: Permission denied\n")
            return 126
        text = bi.decode(node.data)
        if text.startswith("\x7fELF") or "\0" in text[:512]:
            self.io.err.append(f"bash: {path}: cannot execute binary file: Exec format error\n")
            return 126
        out = self.run_text(text, stdin.rest(), argv[1:], path)  # $0 is the path as typed
        self.emit(out)
        return out.exit_code

    # --- redirections ----------------------------------------------------------------------

    def redirected(self, redirects: list[Redirect], stdin: Stdin,
                   body: Callable[[Stdin], int]) -> int:
        if not redirects:
            return body(stdin)
        try:
            fds, stdin = self.open_redirects(redirects, stdin)
        except (RedirectError, ExpansionError) as exc:
            self.io.err.append(f"bash: {exc}\n")
            return 1
        if fds == STD:
            return body(stdin)
        parent, cap = self.io, Streams(tty=self.io.tty and fds[1] == STD[1])
        self.io = cap
        try:
            return body(stdin)
        finally:
            self.io = parent
            self._route(cap, fds)

    def open_redirects(self, redirects: list[Redirect],
                       stdin: Stdin) -> tuple[dict[int, Target], Stdin]:
        fds = dict(STD)
        for r in redirects:
            reading = r.op in ("<", "<<", "<<-", "<<<", "<&", "<>")
            fd = r.fd if r.fd is not None else (0 if reading else 1)
            if r.op in ("<<", "<<-"):
                body = r.heredoc or ""
                if not r.heredoc_quoted:
                    body = "".join(self.expand_part(p)[0] if not isinstance(p, Lit) else p.text
                                   for p in parse_dquoted(body))
                stdin = Stdin(body) if fd == 0 else stdin
                continue
            if r.op == "<<<":  # a here-string is one word: no splitting, no globbing
                stdin = Stdin(self.expand_one(r.target) + "\n")
                continue
            target = self.expand_one(r.target, redirect=True)
            if r.op in (">&", "<&") and (target.isdigit() or target == "-"):
                if target == "-":
                    fds[fd] = ("null", "")
                elif int(target) in fds and fd in (1, 2):
                    fds[fd] = fds[int(target)]
                elif int(target) not in (0, 1, 2):
                    raise RedirectError(f"{target}: Bad file descriptor")
            elif reading:
                stdin = Stdin(self._read_redirect(target))
            else:
                append = r.op in (">>", "&>>")
                dest = self._open_target(target, append, fds)
                if r.op in ("&>", "&>>") or (r.op == ">&" and r.fd is None):
                    fds[1] = fds[2] = dest
                elif fd in (1, 2):
                    fds[fd] = dest
        return fds, stdin

    def _read_redirect(self, target: str) -> str:
        if target in bi.DEV_EMPTY:
            return ""
        try:
            return bi.decode(self.session.vfs.read(target, self.session.cwd))
        except VFSError as exc:
            raise RedirectError(f"{target}: {exc}") from None

    def _open_target(self, target: str, append: bool, fds: dict[int, Target]) -> Target:
        if target == "/dev/null":
            return ("null", "")
        if target in ("/dev/stdout", "/dev/fd/1"):
            return fds[1]
        if target in ("/dev/stderr", "/dev/fd/2", "/dev/tty"):
            return fds[2]
        real = normpath(target, self.session.cwd)
        vfs = self.session.vfs
        try:
            if not append or not vfs.exists(real):
                vfs.write(real, b"")
        except VFSError as exc:
            raise RedirectError(f"{target}: {exc}") from None
        return ("file", real)

    def _route(self, cap: Streams, fds: dict[int, Target]) -> None:
        """Send what the redirected command wrote on, write by write in its order (so `2>&1`
        interleaves like bash); consecutive writes to one file are written at once."""
        pending: dict[str, list[str]] = {}
        for fd, text in cap.seq:
            kind, path = fds[fd]
            if not text or kind == "null":
                continue
            if kind == "file":
                pending.setdefault(path, []).append(text)
            else:
                (self.io.out if kind == "out" else self.io.err).append(text)
        for path, chunks in pending.items():
            try:
                bi.write_file(self.session.vfs, path, bi.encode("".join(chunks)), append=True)
            except VFSError as exc:
                self.io.err.append(f"bash: {path}: {exc}\n")

    # --- expansion -------------------------------------------------------------------------
