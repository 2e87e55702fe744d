"""`find` (findutils 4.9: tests, actions, -exec) and `du` over the twin's VFS.
Split out of files.py."""

from __future__ import annotations

import posixpath
import time
from dataclasses import dataclass

from app.providers.sim.shell.builtins import (
    UsageError,
    escapes,
    executor,
    getopt,
    human,
)
from app.providers.sim.shell.fileops import parse_mode
from app.providers.sim.shell.files import (
    blocks_1k,
    ids,
    inode_number,
    ls_date,
    mode_string,
    nlink,
)
from app.providers.sim.shell.interp_base import Streams
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import DIR, FILE, LINK, Inode, VFSError, normpath

# --- find / du -----------------------------------------------------------------------------

class FindError(Exception):
    pass


@dataclass
class _Visit:
    shown: str
    real: str
    node: Inode
    depth: int
    start: str


_FIND_ACTIONS = {"-print", "-print0", "-printf", "-ls", "-delete", "-exec", "-execdir", "-ok",
                 "-fprint", "-quit"}
_FIND_UNARY = {"-name", "-iname", "-path", "-ipath", "-wholename", "-type", "-mtime", "-mmin",
               "-newer", "-size", "-perm", "-user", "-group", "-regex", "-iregex", "-links",
               "-printf", "-maxdepth", "-mindepth", "-cmin", "-ctime", "-amin", "-atime",
               "-uid", "-gid", "-lname", "-xtype"}


class _Find:
    def __init__(self, inv: Invocation, tokens: list[str]) -> None:
        self.inv, self.toks, self.i = inv, tokens, 0
        self.vfs, self.now = inv.session.vfs, inv.session.host.now()
        streams = Streams()  # stdout and stderr in write order (-exec output, errors)
        self.seq = streams.seq
        self.out: list[str] = streams.out
        self.err: list[str] = streams.err
        self.maxdepth, self.mindepth = 1 << 30, 0
        self.batches: dict[int, tuple[list[str], list[str]]] = {}
        self.pruned = self.quit = self.depth_first = False
        self.has_action = any(t in _FIND_ACTIONS for t in tokens)
        self.expr = self.parse_or() if tokens else (lambda v: True)
        if self.i < len(tokens):
            raise FindError(f"find: paths must precede expression: `{tokens[self.i]}'")

    def take(self, name: str) -> str:
        if self.i >= len(self.toks):
            raise FindError(f"find: missing argument to `{name}'")
        self.i += 1
        return self.toks[self.i - 1]

    def parse_or(self):  # type: ignore[no-untyped-def]
        left = self.parse_and()
        while self.i < len(self.toks) and self.toks[self.i] in ("-o", "-or"):
            self.i += 1
            right = self.parse_and()
            left = (lambda a, b: lambda v: a(v) or b(v))(left, right)
        return left

    def parse_and(self):  # type: ignore[no-untyped-def]
        left = self.parse_not()
        while self.i < len(self.toks) and self.toks[self.i] not in ("-o", "-or", ")"):
            if self.toks[self.i] in ("-a", "-and"):
                self.i += 1
            right = self.parse_not()
            left = (lambda a, b: lambda v: a(v) and b(v))(left, right)
        return left

    def parse_not(self):  # type: ignore[no-untyped-def]
        tok = self.take("!")
        if tok in ("!", "-not"):
            inner = self.parse_not()
            return lambda v: not inner(v)
        if tok == "(":
            inner = self.parse_or()
            if self.i >= len(self.toks) or self.toks[self.i] != ")":
                raise FindError("find: invalid expression; I was expecting to find a ')' "
                                "somewhere but did not see one.")
            self.i += 1
            return inner
        return self.primary(tok)

    def primary(self, tok: str):  # type: ignore[no-untyped-def]
        import fnmatch
        import re
        arg = self.take(tok) if tok in _FIND_UNARY else ""
        if tok in ("-name", "-iname"):
            fold = tok == "-iname"
            pat = arg.lower() if fold else arg
            return lambda v: fnmatch.fnmatchcase(
                (posixpath.basename(v.shown) or v.shown).lower() if fold
                else posixpath.basename(v.shown.rstrip("/")) or v.shown, pat)
        if tok in ("-path", "-ipath", "-wholename"):
            return lambda v: fnmatch.fnmatchcase(v.shown, arg)
        if tok in ("-regex", "-iregex"):
            rx = re.compile(arg, re.I if tok == "-iregex" else 0)
            return lambda v: rx.fullmatch(v.shown) is not None
        if tok == "-type":
            kinds = {"f": FILE, "d": DIR, "l": LINK}
            wanted = {kinds.get(c, "?") for c in arg.split(",")}
            return lambda v: v.node.kind in wanted
        if tok in ("-mtime", "-ctime", "-atime", "-mmin", "-cmin", "-amin"):
            unit = 60 if tok.endswith("min") else 86400
            return self.compare(arg, lambda v: (self.now - v.node.mtime) / unit,
                                ceil=unit == 60)
        if tok == "-newer":
            try:
                ref = self.vfs.stat(arg, self.inv.session.cwd).mtime
            except VFSError as exc:
                raise FindError(f"find: '{arg}': {exc}") from None
            return lambda v: v.node.mtime > ref
        if tok == "-size":
            units = {"c": 1, "w": 2, "b": 512, "k": 1024, "M": 1 << 20, "G": 1 << 30}
            unit = units.get(arg[-1:], 512)
            number = arg[:-1] if arg[-1:] in units else arg
            return self.compare(number, lambda v: -(-v.node.size // unit), ceil=False)
        if tok == "-perm":
            mode = parse_mode(arg.lstrip("-/"), 0, False)
            if mode is None:
                raise FindError(f"find: invalid mode `{arg}'")
            if arg.startswith("-"):
                return lambda v: v.node.mode & mode == mode
            if arg.startswith("/"):
                return lambda v: bool(v.node.mode & mode) or mode == 0
            return lambda v: v.node.mode & 0o7777 == mode
        if tok in ("-user", "-group", "-uid", "-gid"):
            table = ids(self.vfs, "passwd" if tok in ("-user", "-uid") else "group")
            return lambda v: (str(v.node.uid) if tok in ("-user", "-uid") else str(v.node.gid)
                              ) == arg or table.get(v.node.uid if tok in ("-user", "-uid")
                                                    else v.node.gid) == arg
        if tok == "-links":
            return self.compare(arg, lambda v: nlink(self.vfs, v.real, v.node), ceil=False)
        if tok in ("-maxdepth", "-mindepth"):
            if not arg.isdigit():
                raise FindError(f"find: Expected a positive decimal integer argument to {tok}, "
                                f"but got `{arg}'")
            if tok == "-maxdepth":
                self.maxdepth = int(arg)
            else:
                self.mindepth = int(arg)
            return lambda v: True
        if tok == "-empty":
            return lambda v: (v.node.kind == FILE and v.node.size == 0) or (
                v.node.kind == DIR and not self.vfs.listdir(v.real))
        if tok in ("-true", "-false"):
            return lambda v: tok == "-true"
        if tok in ("-readable", "-writable", "-executable"):
            return lambda v: tok != "-executable" or bool(v.node.mode & 0o111)
        if tok == "-prune":
            def prune(v: _Visit) -> bool:
                self.pruned = True
                return True
            return prune
        if tok == "-quit":
            def quit_(v: _Visit) -> bool:
                self.quit = True
                return True
            return quit_
        if tok in ("-print", "-print0"):
            end = "\n" if tok == "-print" else "\0"
            return lambda v: bool(self.out.append(v.shown + end)) or True
        if tok == "-printf":
            return lambda v: bool(self.out.append(self.printf(arg, v))) or True
        if tok == "-ls":
            return lambda v: bool(self.out.append(self.ls_line(v))) or True
        if tok == "-delete":
            self.depth_first = True
            return self.delete
        if tok in ("-exec", "-execdir", "-ok"):
            return self.exec_(tok)
        if tok.startswith("-"):
            raise FindError(f"find: unknown predicate `{tok}'")
        raise FindError(f"find: paths must precede expression: `{tok}'")

    def compare(self, arg: str, measure, ceil: bool):  # type: ignore[no-untyped-def]
        import math
        try:
            n = float(arg.lstrip("+-"))
        except ValueError:
            raise FindError(f"find: invalid argument `{arg}' to predicate") from None
        if arg.startswith("+"):
            return lambda v: measure(v) > n if ceil else math.floor(measure(v)) > n
        if arg.startswith("-"):
            return lambda v: measure(v) < n if ceil else math.floor(measure(v)) < n
        return lambda v: (math.ceil(measure(v)) if ceil else math.floor(measure(v))) == n

    def exec_(self, tok: str):  # type: ignore[no-untyped-def]
        argv: list[str] = []
        while True:
            if self.i >= len(self.toks):
                raise FindError(f"find: missing argument to `{tok}'")
            word = self.toks[self.i]
            self.i += 1
            if word == ";" or (word == "+" and argv and argv[-1] == "{}"):
                break
            argv.append(word)
        if not argv:
            raise FindError(f"find: missing argument to `{tok}'")
        if word == "+":
            key = len(self.batches)
            self.batches[key] = (argv[:-1], [])
            return lambda v: bool(self.batches[key][1].append(v.shown)) or True

        def run(v: _Visit) -> bool:
            name = "./" + posixpath.basename(v.shown) if tok == "-execdir" else v.shown
            out = executor(self.inv).call([a.replace("{}", name) for a in argv])
            for fd, text in out.chunks():
                (self.out if fd == 1 else self.err).append(text)
            return out.exit_code == 0
        return run

    def delete(self, v: _Visit) -> bool:
        try:
            self.vfs.remove(v.real)
        except VFSError as exc:
            self.err.append(f"find: cannot delete '{v.shown}': {exc}\n")
            return False
        return True

    def printf(self, fmt: str, v: _Visit) -> str:
        import re
        users, groups = ids(self.vfs, "passwd"), ids(self.vfs, "group")
        rel = v.shown[len(v.start):].lstrip("/")
        table = {"p": v.shown, "f": posixpath.basename(v.shown) or v.shown,
                 "h": posixpath.dirname(v.shown) or ".", "P": rel, "s": str(v.node.size),
                 "m": f"{v.node.mode & 0o7777:o}", "M": mode_string(v.node),
                 "u": users.get(v.node.uid, str(v.node.uid)),
                 "g": groups.get(v.node.gid, str(v.node.gid)), "U": str(v.node.uid),
                 "G": str(v.node.gid), "d": str(v.depth), "l": v.node.target,
                 "y": {DIR: "d", LINK: "l"}.get(v.node.kind, "f"),
                 "t": time.strftime("%a %b %e %H:%M:%S.0000000000 %Y", time.gmtime(v.node.mtime)),
                 "T@": f"{v.node.mtime:.10f}", "%": "%"}
        text = re.sub(r"%(-?\d*)(T@|[a-zA-Z%])",
                      lambda m: table.get(m.group(2), "").ljust(int(m.group(1) or 0))
                      if m.group(1).startswith("-") else table.get(m.group(2), "").rjust(
                          int(m.group(1) or 0)), fmt)
        return escapes(text, echo_style=False)[0]

    def ls_line(self, v: _Visit) -> str:
        users, groups = ids(self.vfs, "passwd"), ids(self.vfs, "group")
        link = f" -> {v.node.target}" if v.node.kind == LINK else ""
        return (f"{inode_number(v.real):>9} {blocks_1k(v.node):>6} {mode_string(v.node)} "
                f"{nlink(self.vfs, v.real, v.node):>3} {users.get(v.node.uid, v.node.uid):<8} "
                f"{groups.get(v.node.gid, v.node.gid):<8} {v.node.size:>8} "
                f"{ls_date(v.node.mtime, self.now)} {v.shown}{link}\n")

    def walk(self, shown: str, real: str, node: Inode, depth: int, start: str) -> None:
        if self.quit:
            return
        visit = _Visit(shown, real, node, depth, start)
        self.pruned = False
        if not self.depth_first and depth >= self.mindepth:
            self.evaluate(visit)
        if node.kind == DIR and depth < self.maxdepth and not self.pruned:
            try:
                names = self.vfs.listdir(real)
            except VFSError as exc:
                self.err.append(f"find: '{shown}': {exc}\n")
                names = []
            for name in names:
                child = posixpath.join(real, name)
                try:
                    child_node = self.vfs.lstat(child)
                except VFSError:
                    continue
                sep = "" if shown.endswith("/") else "/"
                self.walk(shown + sep + name, child, child_node, depth + 1, start)
        if self.depth_first and depth >= self.mindepth:
            self.evaluate(visit)

    def evaluate(self, visit: _Visit) -> None:
        executor(self.inv).check_time()
        if self.expr(visit) and not self.has_action:
            self.out.append(visit.shown + "\n")

    def finish(self) -> None:
        for argv, paths in self.batches.values():
            if paths:
                out = executor(self.inv).call([*argv, *paths])
                for fd, text in out.chunks():
                    (self.out if fd == 1 else self.err).append(text)


@command("find")
def find(inv: Invocation) -> Output:
    args = [a for a in inv.args]
    while args and args[0] in ("-H", "-L", "-P"):
        args.pop(0)
    starts = []
    while args and not args[0].startswith("-") and args[0] not in ("!", "(", ")", ","):
        starts.append(args.pop(0))
    try:
        finder = _Find(inv, args)
    except FindError as exc:
        return Output("", f"{exc}\n", 1)
    vfs, cwd = inv.session.vfs, inv.session.cwd
    status = 0
    for start in starts or ["."]:
        try:
            node = vfs.lstat(start, cwd)
            if node.kind == LINK and vfs.is_dir(start, cwd) and start.endswith("/"):
                node = vfs.stat(start, cwd)
        except VFSError as exc:
            finder.err.append(f"find: '{start}': {exc}\n")
            status = 1
            continue
        finder.walk(start, normpath(start, cwd), node, 0, start)
    finder.finish()
    err = "".join(finder.err)
    return Output.ordered(list(finder.seq), 1 if status or err else 0)


@command("du")
def du(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("du", inv.args, "shacd:kmbxL", {
            "summarize": ("s", False), "human-readable": ("h", False), "all": ("a", False),
            "total": ("c", False), "max-depth": ("d", True), "apparent-size": ("A", False),
            "bytes": ("b", False)})
    except UsageError as exc:
        return exc.out
    keys = dict(opts)
    max_depth = 0 if "s" in keys else int(keys["d"]) if keys.get("d", "").isdigit() else 1 << 30
    vfs, cwd = inv.session.vfs, inv.session.cwd
    out, err = [], []
    grand = 0

    def show(size_kib: int, apparent: int, path: str) -> None:
        if "b" in keys:
            out.append(f"{apparent}\t{path}\n")
        elif "h" in keys:
            out.append(f"{human(size_kib * 1024) if size_kib else '0'}\t{path}\n")
        elif "m" in keys:
            out.append(f"{-(-size_kib // 1024)}\t{path}\n")
        else:
            out.append(f"{size_kib}\t{path}\n")

    def visit(shown: str, real: str, depth: int) -> tuple[int, int]:
        node = vfs.lstat(real)
        size, apparent = blocks_1k(node), node.size
        if node.kind == DIR:
            for name in vfs.listdir(real):
                s, a = visit(shown.rstrip("/") + "/" + name, posixpath.join(real, name), depth + 1)
                size, apparent = size + s, apparent + a
            if depth <= max_depth:
                show(size, apparent, shown)
        elif depth == 0 or ("a" in keys and depth <= max_depth):
            show(size, apparent, shown)
        return size, apparent

    for arg in operands or ["."]:
        try:
            vfs.lstat(arg, cwd)
        except VFSError as exc:
            err.append(f"du: cannot access '{arg}': {exc}\n")
            continue
        grand += visit(arg, normpath(arg, cwd), 0)[0]
    if "c" in keys:
        show(grand, grand * 1024, "total")
    return Output("".join(out), "".join(err), 1 if err else 0)
