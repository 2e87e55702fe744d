"""`ls` and the file-metadata helpers (modes, owners, dates, inodes) the other file families
share (fileinfo.py, fileops.py, find.py), printing what GNU coreutils 9.1 (Debian 12) prints.

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
    getopt,
    human,
)
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import DIR, FILE, LINK, SOCK, VFS, Inode, VFSError, normpath

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
    kind = {DIR: "d", LINK: "l", SOCK: "s"}.get(node.kind, "-")
    if node.kind == LINK and not node.virtual:
        return "lrwxrwxrwx"
    bits = ""  # a /proc link has its own (fd/N: lrwx------, l-wx------ as opened)
    for shift, special, char in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        r, w, x = (node.mode >> shift) & 4, (node.mode >> shift) & 2, (node.mode >> shift) & 1
        x_char = "x" if x else "-"
        if node.mode & special:
            x_char = char if x else char.upper()
        bits += ("r" if r else "-") + ("w" if w else "-") + x_char
    return kind + bits


def blocks_1k(node: Inode) -> int:
    if node.virtual:
        return 0  # /proc: nothing on disk
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
