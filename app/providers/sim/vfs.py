"""A node's filesystem: copy-on-write over a shared, read-only template.

Every twin node starts from the same template (the kubeadm layout a kind node has), so a new
cluster costs only the handful of files that differ. Faults and trainees write through the
same methods, and only the node's own layer is serialised.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

DIR = "dir"
FILE = "file"
LINK = "link"
SOCK = "sock"  # a Unix socket's inode (containerd.sock): `ls -l` shows `s`, size 0


class VFSError(OSError):
    """An error worded like the C library's, so the shell can print `cat: x: <strerror>`."""

    strerror_text = "Input/output error"

    def __init__(self, path: str) -> None:
        super().__init__(self.strerror_text)
        self.path = path

    def __str__(self) -> str:
        return self.strerror_text


class NotFound(VFSError):
    strerror_text = "No such file or directory"


class IsADirectory(VFSError):
    strerror_text = "Is a directory"


class NotADirectory(VFSError):
    strerror_text = "Not a directory"


class DirectoryNotEmpty(VFSError):
    strerror_text = "Directory not empty"


class NoDevice(VFSError):
    """open(2) of a Unix socket: ENXIO."""

    strerror_text = "No such device or address"


class FileExists(VFSError):
    strerror_text = "File exists"


@dataclass(frozen=True)
class Inode:
    kind: str  # DIR | FILE | LINK
    data: bytes = b""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    mtime: float = 0.0
    target: str = ""  # symlink target
    # A kernel-generated file (/proc): stat and `ls -l` say size 0 whatever reading gives.
    virtual: bool = False
    # A file of the node image whose bytes the twin does not keep (a binary: imagebins.py):
    # its st_size. Only in the shared template; a copy or an edit keeps the real bytes.
    apparent: int = 0

    @property
    def size(self) -> int:
        if self.kind == DIR:
            return 0 if self.virtual else 4096
        if self.kind == LINK:
            return 0 if self.virtual else len(self.target)  # /proc/self, exe: size 0
        if self.virtual or self.kind == SOCK:
            return 0
        return self.apparent or len(self.data)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"k": self.kind, "m": self.mode, "t": self.mtime}
        if self.kind == FILE:
            out["d"] = self.data.decode("latin-1")
        if self.kind == LINK:
            out["l"] = self.target
        if self.uid or self.gid:
            out["o"] = [self.uid, self.gid]
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Inode:
        uid, gid = raw.get("o", [0, 0])
        return cls(kind=raw["k"], data=raw.get("d", "").encode("latin-1"), mode=raw["m"],
                   uid=uid, gid=gid, mtime=raw["t"], target=raw.get("l", ""))


def normpath(path: str, cwd: str = "/") -> str:
    if not path.startswith("/"):
        path = posixpath.join(cwd, path)
    norm = posixpath.normpath(path)
    # posixpath keeps a leading "//" as POSIX allows; Linux treats it as "/".
    return "/" + norm.lstrip("/")


class VFS:
    """Files of one node: `template` is shared and never mutated, `own` holds its changes."""

    def __init__(self, template: dict[str, Inode] | None = None,
                 own: dict[str, Inode | None] | None = None) -> None:
        self._template = template if template is not None else {"/": Inode(DIR, mode=0o755)}
        # None marks a deletion that hides a template entry.
        self._own: dict[str, Inode | None] = own if own is not None else {}
        self.now: float = 0.0  # set by the twin's clock before writes so mtimes follow it
        # Bumped by every change, so the twin can tell a read-only command line from one that
        # wrote (only a write makes the kubelets react at once). Not persisted: only a
        # difference within one process matters.
        self.changes = 0
        # resolve() is called thousands of times per step (the kubelet reads manifests, certs
        # and configs); its answers hold until a change (a new or removed symlink).
        self._resolved: dict[tuple[str, str, bool], str] = {}
        self._resolved_at = 0
        # Directories whose contents are generated when read (the node's CRI log files,
        # app/providers/sim/podlogs.py): (their paths, the builder, a key that changes when
        # the contents may have). Set up by the node; never serialised.
        self._mounts: tuple[str, ...] = ()
        self._mount_prefixes: tuple[str, ...] = ()
        self._builders: dict[str, Callable[[], dict[str, Inode]]] = {}
        self._build_key: Callable[[], Any] | None = None
        self._built: dict[int, tuple[Any, dict[str, Inode]]] = {}

    def mount(self, paths: tuple[str, ...],
              build: Callable[[], dict[str, Inode]] | dict[str, Callable[[], dict[str, Inode]]],
              key: Callable[[], Any]) -> None:
        """Serve the entries under `paths` from `build()`, rebuilt only when `key()` changes.
        `build` may instead map each mount point to its own builder, so that reading one
        (/run/containerd) does not build another (/proc). The mount points themselves are
        ordinary directories; a write or delete there goes to this node's own layer as
        anywhere else, over what is generated."""
        self._mounts, self._build_key, self._built = paths, key, {}
        self._builders = build if isinstance(build, dict) else {m: build for m in paths}
        self._mount_prefixes = tuple(m + "/" for m in paths)

    def _mounted(self, path: str) -> bool:
        return path.startswith(self._mount_prefixes)

    def _generated(self, path: str) -> dict[str, Inode]:
        """What the builder of the mount holding `path` (below its mount point) gives."""
        assert self._build_key is not None
        build = next(self._builders[m] for m, prefix in zip(self._mounts, self._mount_prefixes,
                                                             strict=True)
                     if path.startswith(prefix))
        key = self._build_key()
        built = self._built.get(id(build))
        if built is None or built[0] != key:
            built = self._built[id(build)] = (key, build())
        return built[1]

    # --- lookups ---------------------------------------------------------------------------

    def _get(self, path: str) -> Inode | None:
        if path in self._own:
            return self._own[path]
        if self._mounts and self._mounted(path):
            return self._generated(path).get(path)
        return self._template.get(path)

    def resolve(self, path: str, cwd: str = "/", follow: bool = True) -> str:
        """Absolute path, symlinks resolved in the directories (and the last part if follow)."""
        if self._resolved_at != self.changes or len(self._resolved) > 4096:
            self._resolved.clear()
            self._resolved_at = self.changes
        key = (path, cwd, follow)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolve(path, cwd, follow)
            if not (self._mounts and self._mounted(found)):  # generated links come and go
                self._resolved[key] = found
        return found

    def _resolve(self, path: str, cwd: str, follow: bool, depth: int = 0) -> str:
        path = normpath(path, cwd)
        parts = [p for p in path.split("/") if p]
        current = "/"
        for i, part in enumerate(parts):
            nxt = current + part if current == "/" else current + "/" + part
            node = self._get(nxt)
            last = i == len(parts) - 1
            hops = 0
            while node is not None and node.kind == LINK and (follow or not last) and hops < 40:
                target = node.target
                nxt = normpath(target, current)
                node = self._get(nxt)
                if node is None and "/" in target.strip("/") and depth < 8:
                    # a target through another link (/proc/mounts -> self/mounts)
                    nxt = self._resolve(nxt, "/", True, depth + 1)
                    node = self._get(nxt)
                hops += 1
            current = nxt
        return current

    def lstat(self, path: str, cwd: str = "/") -> Inode:
        real = self.resolve(path, cwd, follow=False)
        node = self._get(real)
        if node is None:
            self._check_parents(real)
            raise NotFound(path)
        return node

    def stat(self, path: str, cwd: str = "/") -> Inode:
        real = self.resolve(path, cwd)
        node = self._get(real)
        if node is None:
            self._check_parents(real)
            raise NotFound(path)
        return node

    def _check_parents(self, real: str) -> None:
        parent = posixpath.dirname(real)
        while parent != "/":
            node = self._get(parent)
            if node is not None and node.kind != DIR:
                raise NotADirectory(real)
            parent = posixpath.dirname(parent)

    def exists(self, path: str, cwd: str = "/") -> bool:
        try:
            self.stat(path, cwd)
        except VFSError:
            return False
        return True

    def is_dir(self, path: str, cwd: str = "/") -> bool:
        try:
            return self.stat(path, cwd).kind == DIR
        except VFSError:
            return False

    def is_file(self, path: str, cwd: str = "/") -> bool:
        try:
            return self.stat(path, cwd).kind == FILE
        except VFSError:
            return False

    def read(self, path: str, cwd: str = "/") -> bytes:
        node = self.stat(path, cwd)
        if node.kind == DIR:
            raise IsADirectory(path)
        if node.kind == SOCK:
            raise NoDevice(path)
        return node.data

    def read_text(self, path: str, cwd: str = "/") -> str:
        return self.read(path, cwd).decode("utf-8", errors="replace")

    def listdir(self, path: str, cwd: str = "/") -> list[str]:
        real = self.resolve(path, cwd)
        node = self._get(real)
        if node is None:
            raise NotFound(path)
        if node.kind != DIR:
            raise NotADirectory(path)
        prefix = real.rstrip("/") + "/"
        names: set[str] = set(self._template_children(prefix))
        if self._mounts and self._mounted(prefix):
            names.update(p[len(prefix):] for p in self._generated(prefix)
                         if p.startswith(prefix) and "/" not in p[len(prefix):])
        for p in self._own:
            if p.startswith(prefix) and "/" not in p[len(prefix):] and p != prefix:
                names.add(p[len(prefix):])
        return sorted(n for n in names if self._get(prefix + n) is not None)

    def _template_children(self, prefix: str) -> tuple[str, ...]:
        """Names directly under `prefix` in the template, indexed once per VFS: the template
        never changes, and the kubelet lists its manifests directory at every step."""
        index: dict[str, tuple[str, ...]] = self.__dict__.setdefault("_children", {})
        found = index.get(prefix)
        if found is None:
            found = index[prefix] = tuple(
                p[len(prefix):] for p in self._template
                if p.startswith(prefix) and "/" not in p[len(prefix):] and p != prefix)
        return found

    def walk(self, path: str = "/", cwd: str = "/") -> Iterator[str]:
        """Every path at or under `path`, depth first, sorted, without following symlinks."""
        real = self.resolve(path, cwd)
        yield real
        node = self._get(real)
        if node is not None and node.kind == DIR:
            for name in self.listdir(real):
                child = posixpath.join(real, name)
                child_node = self._get(child)
                if child_node is not None and child_node.kind == DIR:
                    yield from self.walk(child)
                else:
                    yield child

    def glob(self, pattern: str, cwd: str = "/") -> list[str]:
        """Shell-style glob; matches are spelled as the pattern was (relative stays relative)."""
        absolute = pattern.startswith("/")
        parts = [p for p in pattern.split("/") if p]
        bases = ["/" if absolute else ""]
        for part in parts:
            nxt: list[str] = []
            for base in bases:
                real_base = normpath(base or ".", cwd)
                if any(c in part for c in "*?["):
                    try:
                        names = self.listdir(real_base)
                    except VFSError:
                        continue
                    for name in names:
                        if name.startswith(".") and not part.startswith("."):
                            continue
                        if fnmatch.fnmatchcase(name, part):
                            nxt.append(posixpath.join(base, name) if base else name)
                else:
                    candidate = posixpath.join(base, part) if base else part
                    if part in (".", "..") or self.exists(candidate, cwd):
                        nxt.append(candidate)
            bases = nxt
        return sorted(bases)

    # --- changes ---------------------------------------------------------------------------

    def _parent_must_be_dir(self, real: str, shown: str) -> None:
        parent = self._get(posixpath.dirname(real))
        if parent is None:
            raise NotFound(shown)
        if parent.kind != DIR:
            raise NotADirectory(shown)

    def write(self, path: str, data: bytes, mode: int | None = None, cwd: str = "/",
              append: bool = False) -> None:
        real = self.resolve(path, cwd)
        old = self._get(real)
        if old is not None and old.kind == DIR:
            raise IsADirectory(path)
        self._parent_must_be_dir(real, path)
        if append and old is not None:
            data = old.data + data
        if old is not None:
            node = replace(old, data=data, mtime=self.now, apparent=0,
                           mode=old.mode if mode is None else mode)
        else:
            node = Inode(FILE, data=data, mode=0o644 if mode is None else mode, mtime=self.now)
        self._own[real] = node
        self.changes += 1

    def write_text(self, path: str, text: str, mode: int | None = None) -> None:
        self.write(path, text.encode(), mode)

    def mkdir(self, path: str, cwd: str = "/", parents: bool = False, mode: int = 0o755) -> None:
        real = normpath(path, cwd)
        existing = self._get(real)
        if existing is not None:
            if parents and existing.kind == DIR:
                return
            raise FileExists(path)
        parent = posixpath.dirname(real)
        if self._get(parent) is None:
            if not parents:
                raise NotFound(path)
            self.mkdir(parent, parents=True, mode=mode)
        self._parent_must_be_dir(real, path)
        self._own[real] = Inode(DIR, mode=mode, mtime=self.now)
        self.changes += 1

    def symlink(self, target: str, path: str, cwd: str = "/") -> None:
        real = normpath(path, cwd)
        if self._get(real) is not None:
            raise FileExists(path)
        self._parent_must_be_dir(real, path)
        self._own[real] = Inode(LINK, target=target, mode=0o777, mtime=self.now)
        self.changes += 1

    def remove(self, path: str, cwd: str = "/", recursive: bool = False) -> None:
        real = self.resolve(path, cwd, follow=False)
        node = self._get(real)
        if node is None:
            raise NotFound(path)
        if node.kind == DIR:
            children = self.listdir(real)
            if children and not recursive:
                raise DirectoryNotEmpty(path)
            for child in children:
                self.remove(posixpath.join(real, child), recursive=True)
        self._delete(real)

    def _delete(self, real: str) -> None:
        self.changes += 1
        if real in self._template or (self._mounts and self._mounted(real)):
            self._own[real] = None
        else:
            self._own.pop(real, None)

    def rename(self, src: str, dst: str, cwd: str = "/") -> None:
        real_src = self.resolve(src, cwd, follow=False)
        node = self._get(real_src)
        if node is None:
            raise NotFound(src)
        real_dst = normpath(dst, cwd)
        if self.is_dir(real_dst):
            real_dst = posixpath.join(real_dst, posixpath.basename(real_src))
        self._parent_must_be_dir(real_dst, dst)
        moves = [p for p in self.walk(real_src)] if node.kind == DIR else [real_src]
        for p in moves:
            moved = self._get(p)
            if moved is not None:
                self._own[real_dst + p[len(real_src):]] = moved
                self.changes += 1
        for p in reversed(moves):
            self._delete(p)

    def chmod(self, path: str, mode: int, cwd: str = "/") -> None:
        real = self.resolve(path, cwd)
        node = self.stat(real)
        self._own[real] = replace(node, mode=mode, mtime=node.mtime)
        self.changes += 1

    def chown(self, path: str, uid: int, gid: int, cwd: str = "/") -> None:
        real = self.resolve(path, cwd)
        node = self.stat(real)
        self._own[real] = replace(node, uid=uid, gid=gid)
        self.changes += 1

    def touch(self, path: str, cwd: str = "/") -> None:
        real = self.resolve(path, cwd)
        node = self._get(real)
        if node is None:
            self.write(real, b"")
        else:
            self._own[real] = replace(node, mtime=self.now)
            self.changes += 1

    # --- persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {p: (n.to_json() if n is not None else None) for p, n in self._own.items()}

    @classmethod
    def from_json(cls, raw: dict[str, Any], template: dict[str, Inode]) -> VFS:
        own = {p: (Inode.from_json(n) if n is not None else None) for p, n in raw.items()}
        return cls(template, own)


def build_template(files: dict[str, tuple[bytes, int]], dirs: dict[str, int] | None = None,
                   mtime: float = 0.0) -> dict[str, Inode]:
    """A template from `{path: (data, mode)}`; parent directories are created as 0755."""
    tree: dict[str, Inode] = {"/": Inode(DIR, mode=0o755, mtime=mtime)}
    for d, mode in (dirs or {}).items():
        _add_parents(tree, d, mtime)
        tree[d] = Inode(DIR, mode=mode, mtime=mtime)
    for path, (data, mode) in files.items():
        _add_parents(tree, path, mtime)
        tree[path] = Inode(FILE, data=data, mode=mode, mtime=mtime)
    return tree


def _add_parents(tree: dict[str, Inode], path: str, mtime: float) -> None:
    parent = posixpath.dirname(path)
    while parent not in tree:
        tree[parent] = Inode(DIR, mode=0o755, mtime=mtime)
        parent = posixpath.dirname(parent)
