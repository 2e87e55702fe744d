"""`stat` and `file` on the twin's VFS, as GNU coreutils 9.1 and file 5.44 (Debian 12) print
them. Split out of files.py."""

from __future__ import annotations

import posixpath
import time

from app.providers.sim.shell.builtins import (
    UsageError,
    escapes,
    fail,
    getopt,
)
from app.providers.sim.shell.files import blocks_1k, ids, inode_number, mode_string, nlink
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import DIR, LINK, SOCK, VFS, Inode, VFSError, normpath

# --- stat / file ---------------------------------------------------------------------------

def file_type(node: Inode) -> str:
    if node.kind == DIR:
        return "directory"
    if node.kind == LINK:
        return "symbolic link"
    if node.kind == SOCK:
        return "socket"
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
    return {DIR: 0o040000, LINK: 0o120000, SOCK: 0o140000}.get(node.kind, 0o100000) | \
        (node.mode & 0o7777)


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
    if node.kind == SOCK:
        return "socket"
    data = node.data
    if not data or node.virtual:  # file(1) trusts st_size, which /proc files give as 0
        return "empty"
    if data.startswith(b"\x7fELF") and b'Go BuildID="' in data[:128]:
        # a CGO_ENABLED=0 Go build (the CNI plugins: app/providers/sim/imagebins.py)
        build_id = data.split(b'Go BuildID="', 1)[1].split(b'"', 1)[0].decode()
        return "ELF 64-bit LSB executable, x86-64, version 1 (SYSV), statically linked, " \
               f"Go BuildID={build_id}, with debug_info, not stripped"
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


