"""Commands that change files (`cp`, `mv`, `rm`, `mkdir`, `rmdir`, `touch`, `chmod`, `chown`,
`ln`) and path helpers (`readlink`, `realpath`, `basename`, `dirname`), as GNU coreutils 9.1
prints them. Split out of files.py."""

from __future__ import annotations

import posixpath

from app.providers.sim.shell.builtins import (
    UsageError,
    fail,
    getopt,
    write_file,
)
from app.providers.sim.shell.files import ids
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import DIR, LINK, VFS, VFSError, normpath

# --- changing files ------------------------------------------------------------------------

def _copy_tree(vfs: VFS, src: str, dst: str, preserve: bool, now: float) -> None:
    node = vfs.lstat(src)
    if node.kind == DIR:
        if not vfs.is_dir(dst):
            vfs.mkdir(dst, mode=node.mode)
        for name in vfs.listdir(src):
            _copy_tree(vfs, posixpath.join(src, name), posixpath.join(dst, name), preserve, now)
    elif node.kind == LINK:
        if vfs.exists(dst) or vfs.is_dir(dst):
            vfs.remove(dst)
        vfs.symlink(node.target, dst)
    else:
        mode = node.mode if not vfs.is_file(dst) or preserve else None
        write_file(vfs, dst, node.data, mode=mode)
    if preserve and node.kind != LINK:
        vfs.chown(dst, node.uid, node.gid)
        _set_mtime(vfs, dst, node.mtime)


def _set_mtime(vfs: VFS, path: str, mtime: float) -> None:
    saved = vfs.now
    vfs.now = mtime
    try:
        vfs.touch(path)
    finally:
        vfs.now = saved


def _targets(prog: str, operands: list[str], vfs: VFS, cwd: str,
             ) -> tuple[list[tuple[str, str]], Output | None]:
    """(source, destination) pairs for cp/mv/ln, or the usage error GNU prints."""
    if not operands:
        return [], fail(prog, "missing file operand\nTry '" + prog + " --help' for more "
                                                                    "information.")
    if len(operands) == 1:
        return [], fail(prog, f"missing destination file operand after '{operands[0]}'\n"
                              f"Try '{prog} --help' for more information.")
    *sources, dest = operands
    if vfs.is_dir(dest, cwd):
        return [(s, posixpath.join(dest, posixpath.basename(s.rstrip("/")))) for s in sources], None
    if len(sources) > 1:
        return [], fail(prog, f"target '{dest}' is not a directory")
    return [(sources[0], dest)], None


@command("cp")
def cp(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("cp", inv.args, "rRapfivnTdPLu", {
            "recursive": ("r", False), "archive": ("a", False), "force": ("f", False),
            "verbose": ("v", False), "preserve": ("p", "optional"), "no-clobber": ("n", False),
            "interactive": ("i", False), "backup": ("b", "optional")})
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts}
    recursive, preserve = bool(keys & {"r", "R", "a"}), bool(keys & {"a", "p"})
    vfs, cwd = inv.session.vfs, inv.session.cwd
    pairs, error = _targets("cp", operands, vfs, cwd)
    if error:
        return error
    out, err = [], []
    for src, dst in pairs:
        try:
            node = vfs.stat(src, cwd)
        except VFSError as exc:
            err.append(f"cp: cannot stat '{src}': {exc}\n")
            continue
        if node.kind == DIR and not recursive:
            err.append(f"cp: -r not specified; omitting directory '{src}'\n")
            continue
        real_src, real_dst = normpath(src, cwd), normpath(dst, cwd)
        if real_src == real_dst:
            err.append(f"cp: '{src}' and '{dst}' are the same file\n")
            continue
        if node.kind == DIR and (real_dst + "/").startswith(real_src + "/"):
            err.append(f"cp: cannot copy a directory, '{src}', into itself, '{dst}'\n")
            continue
        if "n" in keys and vfs.exists(real_dst):
            continue
        try:
            _copy_tree(vfs, vfs.resolve(real_src), real_dst, preserve, inv.session.host.now())
        except VFSError as exc:
            err.append(f"cp: cannot create regular file '{dst}': {exc}\n")
            continue
        if "v" in keys:
            out.append(f"'{src}' -> '{dst}'\n")
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("mv")
def mv(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("mv", inv.args, "fivnTu", {
            "force": ("f", False), "verbose": ("v", False), "no-clobber": ("n", False),
            "interactive": ("i", False)})
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts}
    vfs, cwd = inv.session.vfs, inv.session.cwd
    pairs, error = _targets("mv", operands, vfs, cwd)
    if error:
        return error
    out, err = [], []
    for src, dst in pairs:
        try:
            node = vfs.lstat(src, cwd)
        except VFSError as exc:
            err.append(f"mv: cannot stat '{src}': {exc}\n")
            continue
        real_src, real_dst = normpath(src, cwd), normpath(dst, cwd)
        if real_src == real_dst:
            err.append(f"mv: '{src}' and '{dst}' are the same file\n")
            continue
        if node.kind == DIR and real_dst.startswith(real_src + "/"):
            err.append(f"mv: cannot move '{src}' to a subdirectory of itself, '{dst}'\n")
            continue
        if "n" in keys and vfs.exists(real_dst):
            continue
        try:
            if vfs.exists(real_dst) and not vfs.is_dir(real_dst):
                vfs.remove(real_dst)
            vfs.rename(real_src, real_dst)
        except VFSError as exc:
            err.append(f"mv: cannot move '{src}' to '{dst}': {exc}\n")
            continue
        if "v" in keys:
            out.append(f"renamed '{src}' -> '{dst}'\n")
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("rm")
def rm(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("rm", inv.args, "rRfivdI", {
            "recursive": ("r", False), "force": ("f", False), "verbose": ("v", False),
            "dir": ("d", False), "interactive": ("i", "optional"),
            "no-preserve-root": ("npr", False), "preserve-root": ("pr", "optional")})
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts}
    if not operands:
        if "f" in keys:
            return Output()
        return fail("rm", "missing operand\nTry 'rm --help' for more information.")
    vfs, cwd = inv.session.vfs, inv.session.cwd
    out, err = [], []
    recursive = bool(keys & {"r", "R"})
    for arg in operands:
        real = normpath(arg, cwd)
        if real == "/" and recursive and "npr" not in keys:
            err.append("rm: it is dangerous to operate recursively on '/'\n"
                       "rm: use --no-preserve-root to override this failsafe\n")
            continue
        if posixpath.basename(arg.rstrip("/")) in (".", ".."):
            err.append(f"rm: refusing to remove '.' or '..' directory: skipping '{arg}'\n")
            continue
        try:
            node = vfs.lstat(arg, cwd)
        except VFSError as exc:
            if "f" not in keys:
                err.append(f"rm: cannot remove '{arg}': {exc}\n")
            continue
        if node.kind == DIR and not recursive:
            if "d" in keys and not vfs.listdir(real):
                vfs.remove(real)
                continue
            err.append(f"rm: cannot remove '{arg}': Is a directory\n")
            continue
        removed = _postorder(vfs, real)
        vfs.remove(real, recursive=True)
        if "v" in keys:
            for path, kind in removed:
                shown = arg.rstrip("/") + path[len(real):]
                out.append(f"removed {'directory ' if kind == DIR else ''}'{shown}'\n")
    return Output("".join(out), "".join(err), 1 if err else 0)


def _postorder(vfs: VFS, path: str) -> list[tuple[str, str]]:
    node = vfs.lstat(path)
    out: list[tuple[str, str]] = []
    if node.kind == DIR:
        for name in vfs.listdir(path):
            out += _postorder(vfs, posixpath.join(path, name))
    return [*out, (path, node.kind)]


@command("mkdir")
def mkdir(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("mkdir", inv.args, "pvm:", {
            "parents": ("p", False), "verbose": ("v", False), "mode": ("m", True)})
    except UsageError as exc:
        return exc.out
    keys = dict(opts)
    if not operands:
        return fail("mkdir", "missing operand\nTry 'mkdir --help' for more information.")
    mode = parse_mode(keys["m"], 0o777, True) if "m" in keys else 0o755
    if mode is None:
        return fail("mkdir", f"invalid mode '{keys['m']}'")
    vfs, cwd = inv.session.vfs, inv.session.cwd
    out, err = [], []
    for arg in operands:
        real = normpath(arg, cwd)
        missing = []
        probe = real
        while probe != "/" and not vfs.exists(probe):
            missing.append(probe)
            probe = posixpath.dirname(probe)
        try:
            vfs.mkdir(real, parents="p" in keys, mode=mode)
        except VFSError as exc:
            err.append(f"mkdir: cannot create directory '{arg}': {exc}\n")
            continue
        if "v" in keys:
            for path in reversed(missing):
                shown = arg.rstrip("/")[:len(arg.rstrip("/")) - (len(real) - len(path))]
                out.append(f"mkdir: created directory '{shown}'\n")
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("rmdir")
def rmdir(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not a.startswith("-")]
    if not operands:
        return fail("rmdir", "missing operand\nTry 'rmdir --help' for more information.")
    vfs, cwd = inv.session.vfs, inv.session.cwd
    err = []
    for arg in operands:
        try:
            if not vfs.is_dir(arg, cwd):
                vfs.lstat(arg, cwd)
                err.append(f"rmdir: failed to remove '{arg}': Not a directory\n")
                continue
            vfs.remove(arg, cwd)
        except VFSError as exc:
            err.append(f"rmdir: failed to remove '{arg}': {exc}\n")
    return Output("", "".join(err), 1 if err else 0)


@command("touch")
def touch(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("touch", inv.args, "acmd:r:t:h", {
            "no-create": ("c", False), "date": ("d", True), "reference": ("r", True)})
    except UsageError as exc:
        return exc.out
    if not operands:
        return fail("touch", "missing file operand\nTry 'touch --help' for more information.")
    keys = dict(opts)
    vfs, cwd = inv.session.vfs, inv.session.cwd
    err = []
    for arg in operands:
        if "c" in keys and not vfs.exists(arg, cwd):
            continue
        try:
            vfs.touch(arg, cwd)
            if "r" in keys:
                _set_mtime(vfs, normpath(arg, cwd), vfs.stat(keys["r"], cwd).mtime)
        except VFSError as exc:
            err.append(f"touch: cannot touch '{arg}': {exc}\n")
    return Output("", "".join(err), 1 if err else 0)


def parse_mode(text: str, old: int, is_dir: bool) -> int | None:
    """An octal or symbolic chmod mode applied to `old`; None if it is not valid."""
    import re
    if re.fullmatch(r"[0-7]{1,4}", text):
        return int(text, 8)
    mode = old
    for clause in text.split(","):
        m = re.fullmatch(r"([ugoa]*)([-+=])([rwxXst]*|[ugo])", clause)
        if not m:
            return None
        who, op, perms = m.groups()
        mask = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
        targets = [mask[c] for c in (who.replace("a", "ugo") or "ugo")]
        bits = 0
        for p in perms:
            if p in "ugo":
                source = (old >> {"u": 6, "g": 3, "o": 0}[p]) & 7
                bits |= source << 6 | source << 3 | source
            else:
                value = {"r": 0o444, "w": 0o222, "x": 0o111, "s": 0o6000, "t": 0o1000,
                         "X": 0o111 if is_dir or old & 0o111 else 0}[p]
                bits |= value
        affected = 0
        for t in targets:
            affected |= t
        if not who:
            bits &= ~0o022 if op != "-" and "w" in perms else ~0
        change = bits & affected
        if op == "+":
            mode |= change
        elif op == "-":
            mode &= ~change
        else:
            mode = (mode & ~(affected & 0o777)) | change
    return mode


@command("chmod")
def chmod(inv: Invocation) -> Output:
    args = [a for a in inv.args if a not in ("-R", "-v", "-c", "-f", "--recursive")]
    recursive = "-R" in inv.args or "--recursive" in inv.args
    if len(args) < 2:
        if args:
            return fail("chmod", f"missing operand after '{args[0]}'\n"
                                 "Try 'chmod --help' for more information.")
        return fail("chmod", "missing operand\nTry 'chmod --help' for more information.")
    mode_text, operands = args[0], args[1:]
    vfs, cwd = inv.session.vfs, inv.session.cwd
    if parse_mode(mode_text, 0o644, False) is None:
        return fail("chmod", f"invalid mode: '{mode_text}'\n"
                             "Try 'chmod --help' for more information.")
    err = []
    for arg in operands:
        try:
            paths = list(vfs.walk(arg, cwd)) if recursive and vfs.is_dir(arg, cwd) else [arg]
            for path in paths:
                node = vfs.stat(path, cwd)
                new = parse_mode(mode_text, node.mode & 0o7777, node.kind == DIR)
                vfs.chmod(path, new if new is not None else node.mode, cwd)
        except VFSError as exc:
            err.append(f"chmod: cannot access '{arg}': {exc}\n")
    return Output("", "".join(err), 1 if err else 0)


@command("chown", "chgrp")
def chown(inv: Invocation) -> Output:
    prog = inv.argv[0]
    args = [a for a in inv.args if not a.startswith("-")]
    recursive = "-R" in inv.args
    if len(args) < 2:
        return fail(prog, "missing operand\nTry '" + prog + " --help' for more information.")
    spec, operands = args[0], args[1:]
    vfs, cwd = inv.session.vfs, inv.session.cwd
    users = {v: k for k, v in ids(vfs, "passwd").items()}
    groups = {v: k for k, v in ids(vfs, "group").items()}
    user, _, group = spec.partition(":") if prog == "chown" else ("", "", spec)
    uid = gid = None
    if user:
        uid = int(user) if user.isdigit() else users.get(user)
        if uid is None:
            return fail(prog, f"invalid user: '{spec}'")
    if group:
        gid = int(group) if group.isdigit() else groups.get(group)
        if gid is None:
            return fail(prog, f"invalid group: '{spec}'")
    err = []
    for arg in operands:
        try:
            paths = list(vfs.walk(arg, cwd)) if recursive and vfs.is_dir(arg, cwd) else [arg]
            for path in paths:
                node = vfs.stat(path, cwd)
                vfs.chown(path, node.uid if uid is None else uid,
                          node.gid if gid is None else gid, cwd)
        except VFSError as exc:
            err.append(f"{prog}: cannot access '{arg}': {exc}\n")
    return Output("", "".join(err), 1 if err else 0)


@command("ln")
def ln(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("ln", inv.args, "sfnvTr", {
            "symbolic": ("s", False), "force": ("f", False), "verbose": ("v", False),
            "no-dereference": ("n", False)})
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts}
    vfs, cwd = inv.session.vfs, inv.session.cwd
    if len(operands) == 1:
        operands.append(".")
    pairs, error = _targets("ln", operands, vfs, cwd)
    if error:
        return error
    out, err = [], []
    for src, dst in pairs:
        kind = "symbolic link" if "s" in keys else "hard link"
        try:
            if "f" in keys and (vfs.exists(dst, cwd) or _is_link(vfs, dst, cwd)):
                vfs.remove(dst, cwd)
            if "s" in keys:
                vfs.symlink(src, dst, cwd)
            else:
                node = vfs.stat(src, cwd)
                if node.kind == DIR:
                    err.append(f"ln: {src}: hard link not allowed for directory\n")
                    continue
                if vfs.exists(dst, cwd):
                    raise FileExistsError_(dst)
                write_file(vfs, dst, node.data, mode=node.mode, cwd=cwd)
        except FileExistsError_:
            err.append(f"ln: failed to create {kind} '{dst}': File exists\n")
            continue
        except VFSError as exc:
            if not vfs.exists(src, cwd) and "s" not in keys:
                err.append(f"ln: failed to access '{src}': {exc}\n")
            else:
                err.append(f"ln: failed to create {kind} '{dst}': {exc}\n")
            continue
        if "v" in keys:
            out.append(f"'{dst}' -> '{src}'\n")
    return Output("".join(out), "".join(err), 1 if err else 0)


class FileExistsError_(Exception):
    pass


def _is_link(vfs: VFS, path: str, cwd: str) -> bool:
    try:
        return vfs.lstat(path, cwd).kind == LINK
    except VFSError:
        return False


@command("readlink", "realpath")
def readlink(inv: Invocation) -> Output:
    prog = inv.argv[0]
    flags = "".join(a[1:] for a in inv.args if a.startswith("-") and not a.startswith("--"))
    operands = [a for a in inv.args if not a.startswith("-")]
    if not operands:
        return fail(prog, "missing operand\nTry '" + prog + " --help' for more information.")
    vfs, cwd = inv.session.vfs, inv.session.cwd
    out, status = [], 0
    for arg in operands:
        if prog == "realpath" or "f" in flags or "e" in flags or "m" in flags:
            real = vfs.resolve(arg, cwd)
            if ("e" in flags or prog == "realpath") and not vfs.exists(real) and "m" not in flags:
                if prog == "realpath":
                    out.append("")
                    return Output("".join(out), f"realpath: {arg}: No such file or directory\n",
                                  1)
                status = 1
                continue
            out.append(real + "\n")
            continue
        try:
            node = vfs.lstat(arg, cwd)
        except VFSError:
            status = 1
            continue
        if node.kind == LINK:
            out.append(node.target + "\n")
        else:
            status = 1
    return Output("".join(out), "", status)


@command("basename")
def basename(inv: Invocation) -> Output:
    args = [a for a in inv.args if a not in ("-a", "--")]
    if not args:
        return fail("basename", "missing operand\nTry 'basename --help' for more information.")
    names = args if "-a" in inv.args else args[:1]
    suffix = args[1] if len(args) == 2 and "-a" not in inv.args else ""
    out = []
    for name in names:
        base = posixpath.basename(name.rstrip("/")) or ("/" if name.startswith("/") else "")
        if suffix and base.endswith(suffix) and base != suffix:
            base = base[:-len(suffix)]
        out.append(base + "\n")
    return Output("".join(out))


@command("dirname")
def dirname(inv: Invocation) -> Output:
    if not inv.args:
        return fail("dirname", "missing operand\nTry 'dirname --help' for more information.")
    out = []
    for name in inv.args:
        stripped = name.rstrip("/") or "/"
        parent = posixpath.dirname(stripped).rstrip("/") or ("/" if "/" in stripped else ".")
        out.append(parent + "\n")
    return Output("".join(out))

