"""File commands on the twin's VFS, printing what GNU coreutils 9.1 (Debian 12) prints.

The node runs in the POSIX locale like a kind node: byte-order sorting, ASCII quotes, UTC.
"""

from __future__ import annotations

import posixpath
import time
import zlib
from dataclasses import dataclass

from app.providers.sim.shell.builtins import (
    UsageError,
    decode,
    escapes,
    executor,
    fail,
    getopt,
    human,
    write_file,
)
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import DIR, FILE, LINK, VFS, Inode, VFSError, normpath

SIX_MONTHS = 31556952 // 2


def isatty(inv: Invocation) -> bool:
    ex = inv.session.executor
    return ex is not None and ex.io.tty


def ids(vfs: VFS, which: str) -> dict[int, str]:
    """uid or gid -> name from the node's own /etc/passwd or /etc/group."""
    names = {0: "root"}
    try:
        for line in decode(vfs.read(f"/etc/{which}")).splitlines():
            fields = line.split(":")
            if len(fields) > 2 and fields[2].isdigit():
                names.setdefault(int(fields[2]), fields[0])
    except VFSError:
        pass
    return names


def mode_string(node: Inode) -> str:
    kind = {DIR: "d", LINK: "l"}.get(node.kind, "-")
    if node.kind == LINK:
        return "lrwxrwxrwx"
    bits = ""
    for shift, special, char in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        r, w, x = (node.mode >> shift) & 4, (node.mode >> shift) & 2, (node.mode >> shift) & 1
        x_char = "x" if x else "-"
        if node.mode & special:
            x_char = char if x else char.upper()
        bits += ("r" if r else "-") + ("w" if w else "-") + x_char
    return kind + bits


def blocks_1k(node: Inode) -> int:
    if node.kind == DIR:
        return 4
    if node.kind == LINK:
        return 0
    return -(-node.size // 4096) * 4


def nlink(vfs: VFS, path: str, node: Inode) -> int:
    if node.kind != DIR:
        return 1
    try:
        return 2 + sum(1 for n in vfs.listdir(path)
                       if vfs.lstat(posixpath.join(path, n)).kind == DIR)
    except VFSError:
        return 2


def inode_number(path: str) -> int:
    return 1000 + zlib.crc32(path.encode()) % 9000000


def ls_date(mtime: float, now: float, full: bool = False) -> str:
    t = time.gmtime(mtime)
    if full:
        frac = f"{mtime % 1:.9f}"[2:]
        return time.strftime("%Y-%m-%d %H:%M:%S", t) + f".{frac} +0000"
    if now - SIX_MONTHS <= mtime <= now:
        return time.strftime("%b %e %H:%M", t)
    return time.strftime("%b %e  %Y", t)


def quote_name(name: str, tty: bool) -> str:
    """GNU's shell-escape quoting, used only when printing to a terminal."""
    if not tty or all(c.isalnum() or c in "-_./+,:@%=^~" for c in name):
        return name
    if "'" not in name:
        return f"'{name}'"
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


@dataclass
class Entry:
    name: str  # as shown
    path: str  # absolute, for lookups
    node: Inode


def _gnu_columns(names: list[str], width: int = 80) -> str:
    """Exactly GNU's calculate_columns (by columns), including its minimum widths of 3."""
    count = len(names)
    if count == 0:
        return ""
    lengths = [len(n) for n in names]
    max_cols = max(1, min(width // 3, count))
    info = []
    for i in range(max_cols):
        cols = i + 1
        arr = [3] * cols
        line_len = 3 * cols
        valid = True
        per_col = -(-count // cols)
        for f, length in enumerate(lengths):
            idx = f // per_col
            real = length + (0 if idx == i else 2)
            if idx < cols and arr[idx] < real:
                line_len += real - arr[idx]
                arr[idx] = real
                valid = line_len < width
            if not valid:
                break
        info.append((valid, arr))
    cols = next((c for c in range(max_cols, 0, -1) if info[c - 1][0]), 1)
    arr = info[cols - 1][1]
    rows = -(-count // cols)
    lines = []
    for r in range(rows):
        parts, pos, col, f = [], 0, 0, r
        while True:
            parts.append(names[f])
            here, end = pos + lengths[f], pos + arr[col]
            col += 1
            f += rows
            if f >= count:
                break
            while here < end:
                if end // 8 > (here + 1) // 8:
                    parts.append("\t")
                    here += 8 - here % 8
                else:
                    parts.append(" ")
                    here += 1
            pos = end
        lines.append("".join(parts) + "\n")
    return "".join(lines)


LS_LONG = {"all": ("a", False), "almost-all": ("A", False), "human-readable": ("h", False),
           "directory": ("d", False), "recursive": ("R", False), "reverse": ("r", False),
           "classify": ("F", False), "color": ("color", "optional"), "full-time": ("full", False),
           "inode": ("i", False), "numeric-uid-gid": ("n", False), "size": ("s", False),
           "dereference": ("L", False), "sort": ("sort", True), "time-style": ("ts", True),
           "indicator-style": ("is", True), "si": ("si", False), "literal": ("N", False)}


@command("ls")
def ls(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("ls", inv.args, "aAlhdRrtSU1CFpinogsLNQX", LS_LONG, status=2)
    except UsageError as exc:
        return exc.out
    flags = {k for k, _ in opts}
    for key, value in opts:
        if key == "sort":
            flags.add({"time": "t", "size": "S", "none": "U", "extension": "X"}.get(value, ""))
        if key == "full":
            flags.update({"l", "full"})
        if key in ("o", "g", "n"):
            flags.add("l")
    tty = isatty(inv)
    lister = _Lister(inv, flags, tty)
    files, dirs, errors = [], [], []
    vfs, cwd = inv.session.vfs, inv.session.cwd
    for arg in operands or ["."]:
        try:
            follow = not ("l" in flags or "d" in flags or "F" in flags) or arg.endswith("/") \
                or "L" in flags
            node = vfs.stat(arg, cwd) if follow else vfs.lstat(arg, cwd)
            if node.kind == LINK and vfs.is_dir(arg, cwd) and "d" not in flags and "l" not in flags:
                node = vfs.stat(arg, cwd)
        except VFSError as exc:
            errors.append(f"ls: cannot access '{arg}': {exc}\n")
            continue
        entry = Entry(arg, normpath(arg, cwd), node)
        (dirs if node.kind == DIR and "d" not in flags else files).append(entry)
    out: list[str] = []
    if files:
        out.append(lister.block(lister.sort(files), total=False))
    many = len(files) + len(dirs) + len(errors) > 1 or "R" in flags
    for entry in lister.sort(dirs):
        lister.listing(entry, out, header=many)
    text = "\n".join(part for part in out if part is not None)
    status = 2 if errors else (1 if lister.errors else 0)
    return Output(text, "".join(errors) + "".join(lister.errors), status)


class _Lister:
    def __init__(self, inv: Invocation, flags: set[str], tty: bool) -> None:
        self.inv, self.flags, self.tty = inv, flags, tty
        self.vfs = inv.session.vfs
        self.now = inv.session.host.now()
        self.users, self.groups = ids(self.vfs, "passwd"), ids(self.vfs, "group")
        self.errors: list[str] = []

    def sort(self, entries: list[Entry]) -> list[Entry]:
        f = self.flags
        if "U" in f:
            return entries
        entries = sorted(entries, key=lambda e: e.name)
        if "t" in f:
            entries.sort(key=lambda e: -e.node.mtime)
        elif "S" in f:
            entries.sort(key=lambda e: -e.node.size)
        elif "X" in f:
            entries.sort(key=lambda e: posixpath.splitext(e.name)[1])
        return entries[::-1] if "r" in f else entries

    def listing(self, entry: Entry, out: list[str], header: bool) -> None:
        try:
            names = self.vfs.listdir(entry.path)
        except VFSError as exc:
            self.errors.append(f"ls: cannot open directory '{entry.name}': {exc}\n")
            return
        show_all, almost = "a" in self.flags, "A" in self.flags
        children = []
        if show_all:
            parent = posixpath.dirname(entry.path)
            children += [Entry(".", entry.path, self.vfs.stat(entry.path)),
                         Entry("..", parent, self.vfs.stat(parent))]
        for name in names:
            if name.startswith(".") and not (show_all or almost):
                continue
            path = posixpath.join(entry.path, name)
            children.append(Entry(name, path, self.vfs.lstat(path)))
        children = self.sort(children)
        body = self.block(children, total=True)
        out.append((f"{quote_name(entry.name, self.tty)}:\n" if header else "") + body)
        if "R" in self.flags:
            for child in children:
                if child.node.kind == DIR and child.name not in (".", ".."):
                    shown = posixpath.join(entry.name, child.name)
                    self.listing(Entry(shown, child.path, child.node), out, header=True)

    def name(self, e: Entry) -> str:
        text = quote_name(e.name, self.tty)
        kind = e.node.kind
        if "F" in self.flags or "p" in self.flags:
            if kind == DIR:
                text += "/"
            elif "F" in self.flags and kind == LINK and "l" not in self.flags:
                text += "@"
            elif "F" in self.flags and kind == FILE and e.node.mode & 0o111:
                text += "*"
        return text

    def block(self, entries: list[Entry], total: bool) -> str:
        f = self.flags
        prefix = [""] * len(entries)
        if "i" in f:
            prefix = [f"{inode_number(e.path)} " for e in entries]
        if "s" in f and "l" not in f:
            sizes = [self.size_text(blocks_1k(e.node) * 1024, blocks=True) for e in entries]
            width = max((len(s) for s in sizes), default=0)
            prefix = [p + s.rjust(width) + " " for p, s in zip(prefix, sizes, strict=True)]
        if "l" not in f:
            names = [p + self.name(e) for p, e in zip(prefix, entries, strict=True)]
            head = ""
            if "s" in f and total:
                count = sum(blocks_1k(e.node) for e in entries)
                head = f"total {self.size_text(count * 1024, blocks=True)}\n"
            if ("1" in f or not self.tty) and "C" not in f:
                return head + "".join(n + "\n" for n in names)
            return head + _gnu_columns(names)
        rows = [self.long_row(e) for e in entries]
        widths = [max((len(r[k]) for r in rows), default=0) for k in range(5)]
        lines = []
        if total:
            count = sum(blocks_1k(e.node) for e in entries)
            lines.append(f"total {self.size_text(count * 1024, blocks=True)}\n")
        for p, r in zip(prefix, rows, strict=True):
            cells = [r[0], r[1].rjust(widths[1])]
            if "g" not in f:
                cells.append(r[2].ljust(widths[2]))
            if "o" not in f:
                cells.append(r[3].ljust(widths[3]))
            cells += [r[4].rjust(widths[4]), r[5], r[6]]
            lines.append(p + " ".join(cells) + "\n")
        return "".join(lines)

    def size_text(self, size: int, blocks: bool = False) -> str:
        if "h" in self.flags or "si" in self.flags:
            return human(size, si="si" in self.flags) if size else "0"
        return str(size // 1024 if blocks else size)

    def long_row(self, e: Entry) -> list[str]:
        node = e.node
        numeric = "n" in self.flags
        user = str(node.uid) if numeric else self.users.get(node.uid, str(node.uid))
        group = str(node.gid) if numeric else self.groups.get(node.gid, str(node.gid))
        name = self.name(e)
        if node.kind == LINK:
            name += f" -> {node.target}"
        size = self.size_text(node.size)
        return [mode_string(node), str(nlink(self.vfs, e.path, node)), user, group, size,
                ls_date(node.mtime, self.now, "full" in self.flags), name]


# --- stat / file ---------------------------------------------------------------------------

def file_type(node: Inode) -> str:
    if node.kind == DIR:
        return "directory"
    if node.kind == LINK:
        return "symbolic link"
    return "regular file" if node.size else "regular empty file"


def _stat_time(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + f".{f'{t % 1:.9f}'[2:]} +0000"


def _stat_field(spec: str, arg: str, path: str, node: Inode, vfs: VFS) -> str:
    users, groups = ids(vfs, "passwd"), ids(vfs, "group")
    shown = f"'{arg}' -> '{node.target}'" if node.kind == LINK else f"'{arg}'"
    values = {
        "n": arg, "N": shown, "s": str(node.size), "a": f"{node.mode & 0o7777:o}",
        "A": mode_string(node), "f": f"{_st_mode(node):x}", "F": file_type(node),
        "u": str(node.uid), "U": users.get(node.uid, "UNKNOWN"), "g": str(node.gid),
        "G": groups.get(node.gid, "UNKNOWN"), "i": str(inode_number(path)),
        "h": str(nlink(vfs, path, node)), "b": str(blocks_1k(node) * 2), "B": "512",
        "o": "4096", "d": "52", "D": "34", "t": "0", "T": "0", "m": "/",
        "x": _stat_time(node.mtime), "y": _stat_time(node.mtime), "z": _stat_time(node.mtime),
        "w": "-", "X": str(int(node.mtime)), "Y": str(int(node.mtime)), "Z": str(int(node.mtime)),
        "W": "0", "%": "%"}
    return values.get(spec, "?")


def _st_mode(node: Inode) -> int:
    return {DIR: 0o040000, LINK: 0o120000}.get(node.kind, 0o100000) | (node.mode & 0o7777)


STAT_DEFAULT = ("  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n"
                "Device: 0,52\tInode: %-11i Links: %h\n"
                "Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n"
                "Access: %x\nModify: %y\nChange: %z\n Birth: %w\n")


def stat_format(fmt: str, arg: str, path: str, node: Inode, vfs: VFS) -> str:
    import re

    def one(m: re.Match[str]) -> str:
        flags, width, spec = m.group(1), m.group(2), m.group(3)
        value = _stat_field(spec, arg, path, node, vfs)
        if spec == "N" and arg.isprintable() and all(c.isalnum() or c in "-_./" for c in arg) \
                and node.kind != LINK:
            value = arg
        if width:
            size, _, prec = width.partition(".")
            if prec:
                value = value[:int(prec)]
            if "0" in flags and value.isdigit():
                value = value.rjust(int(size or 0), "0")
            elif "-" in flags:
                value = value.ljust(int(size or 0))
            else:
                value = value.rjust(int(size or 0))
        return value
    return re.sub(r"%([-0#+ ]*)(\d*(?:\.\d+)?)([a-zA-Z%])", one, fmt)


@command("stat")
def stat(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("stat", inv.args, "c:Lft", {
            "format": ("c", True), "printf": ("printf", True), "dereference": ("L", False),
            "terse": ("t", False), "file-system": ("f", False)})
    except UsageError as exc:
        return exc.out
    if not operands:
        return fail("stat", "missing operand\nTry 'stat --help' for more information.")
    fmt, follow = STAT_DEFAULT, False
    for key, value in opts:
        if key == "c":
            fmt = value + "\n"
        elif key == "printf":
            fmt = escapes(value, echo_style=False)[0]
        elif key == "L":
            follow = True
    vfs, cwd = inv.session.vfs, inv.session.cwd
    out, err = [], []
    for arg in operands:
        try:
            node = vfs.stat(arg, cwd) if follow else vfs.lstat(arg, cwd)
        except VFSError as exc:
            err.append(f"stat: cannot statx '{arg}': {exc}\n")
            continue
        out.append(stat_format(fmt, arg, normpath(arg, cwd), node, vfs))
    return Output("".join(out), "".join(err), 1 if err else 0)


def magic(node: Inode, vfs: VFS, path: str) -> str:
    if node.kind == DIR:
        return "directory"
    if node.kind == LINK:
        return f"symbolic link to {node.target}"
    data = node.data
    if not data:
        return "empty"
    if data.startswith(b"\x7fELF"):
        return "ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, " \
               "interpreter /lib64/ld-linux-x86-64.so.2, for GNU/Linux 3.2.0, stripped"
    if data.startswith(b"\x1f\x8b"):
        return "gzip compressed data"
    head = data[:64]
    if b"-----BEGIN CERTIFICATE-----" in head:
        return "PEM certificate"
    if b"-----BEGIN CERTIFICATE REQUEST-----" in head:
        return "PEM certificate request"
    for kind in (b"RSA PRIVATE KEY", b"EC PRIVATE KEY", b"PRIVATE KEY"):
        if b"-----BEGIN " + kind in head:
            return {b"RSA PRIVATE KEY": "PEM RSA private key",
                    b"EC PRIVATE KEY": "PEM EC private key"}.get(kind, "OpenSSH private key (no "
                                                              "password)" if b"OPENSSH" in head
                                                              else "ASCII text")
    if b"\0" in data[:4096]:
        return "data"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "ISO-8859 text" if all(b >= 9 for b in data[:4096]) else "data"
    charset = "ASCII text" if text.isascii() else "Unicode text, UTF-8 text"
    if text.startswith("#!"):
        interp = text[2:].split("\n", 1)[0].split()
        prog = posixpath.basename(interp[-1] if interp and interp[0].endswith("env")
                                  else interp[0] if interp else "")
        kind = {"bash": "Bourne-Again shell script", "sh": "POSIX shell script",
                "python3": "Python script", "python": "Python script"}.get(prog,
                                                                          f"a {prog} script")
        return f"{kind}, {charset} executable"
    stripped = text.lstrip()
    if stripped[:1] in "{[" and stripped.rstrip()[-1:] in "}]":
        import json
        try:
            json.loads(text)
            return "JSON text data"
        except ValueError:
            pass
    longest = max(len(line) for line in text.split("\n"))
    extra = []
    if longest > 300:
        extra.append(f"with very long lines ({longest})")
    if "\r\n" in text:
        extra.append("with CRLF line terminators")
    if not text.endswith("\n") and "\n" not in text:
        extra.append("with no line terminators")
    return ", ".join([charset, *extra])


@command("file")
def file_(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not a.startswith("-")]
    follow = "-L" in inv.args
    if not operands:
        return Output("", "Usage: file [-bcdEhikLlNnprsSvzZ0] [--apple] [--extension] "
                          "[--mime-encoding]\n            [--mime-type] [-e <testname>] "
                          "[-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] "
                          "[-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n"
                          "       file -C [-m <magicfiles>]\n       file [--help]\n", 1)
    width = max(len(a) for a in operands) + 1
    vfs, cwd = inv.session.vfs, inv.session.cwd
    lines = []
    for arg in operands:
        try:
            node = vfs.stat(arg, cwd) if follow else vfs.lstat(arg, cwd)
            kind = magic(node, vfs, arg)
        except VFSError as exc:
            kind = f"cannot open `{arg}' ({exc})"
        label = "" if "-b" in inv.args else (arg + ":").ljust(width) + " "
        lines.append(label + kind + "\n")
    return Output("".join(lines))


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
        self.out: list[str] = []
        self.err: list[str] = []
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
            self.out.append(out.stdout)
            self.err.append(out.stderr)
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
                self.out.append(out.stdout)
                self.err.append(out.stderr)


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
    return Output("".join(finder.out), err, 1 if status or err else 0)


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
