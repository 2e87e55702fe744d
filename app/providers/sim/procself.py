"""/proc/self, /proc/thread-self, /proc/mounts and each process's `exe`, `fd/`, `mounts` and
`mountinfo`, made when /proc is read (procfiles.tree), never stored.

- `/proc/self` is the kernel's magic link to the reader's PID (fs/proc/self.c: readlink gives
  the bare number, `ls -l` size 0) and `/proc/thread-self` to `<pid>/task/<pid>`
  (fs/proc/thread_self.c). Every command here runs in the trainee's bash, so the reader is
  that shell: the PID `echo $$` and `ps` give (proctable.shell_pid), whose /proc directory
  is made here as procpid.py makes the others (cmdline `bash`, status, cgroup). A real `ls -l
  /proc/self` would name ls's own PID, a child of the shell: the twin has no such process.
- `/proc/mounts` is a plain symlink to `self/mounts` (fs/proc/root.c proc_symlink: its size is
  the target's length, 11). `mounts` follows fs/proc_namespace.c show_vfsmnt: `<source>
  <target> <fstype> <options> 0 0`, spaces, tabs, newlines and backslashes octal-escaped,
  from the same table `mount`, `findmnt` and `df` print (shell/disks.py `mounts`), so they
  agree. A pod's process has its own mount namespace: its `mounts` is containermounts.py's.
  `mountinfo` (mountinfo_text) is made for the node's processes only.
- `exe` (fs/proc/base.c proc_exe_link, `lrwxrwxrwx`, size 0) is the binary as the process's
  mount namespace sees it: the node's systemd units their ExecStart paths (Debian 12's
  usrmerge puts /sbin/init's target at /usr/lib/systemd/systemd), a container's process the
  path inside its image (registry.k8s.io control-plane images keep their binaries in
  /usr/local/bin; kindnetd `/bin/kindnetd`; local-path-provisioner's image /usr/bin).
- `fd/` (`dr-x------`): **reconstructed**, only the first descriptors: a systemd service's
  stdin /dev/null and stdout/stderr one journald stream socket, a Go daemon's epoll and
  eventfd, a container's /dev/null and the shim's stdout/stderr pipes, the trainee's bash its
  terminal (and 255, bash's copy). Link modes follow the open flags (`lrwx------` read-write,
  `l-wx------` write-only). Socket and pipe inode numbers are made up, stable per process.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from app.providers.sim.vfs import DIR, FILE, LINK, Inode

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.shell.disks import Mount
    from app.providers.sim.shell.proctable import Proc

# in-image paths of programs a manifest starts by bare name (`command: [etcd, ...]`)
IN_IMAGE = {"etcd": "/usr/local/bin/etcd", "local-path-provisioner":
            "/usr/bin/local-path-provisioner", "init": "/usr/lib/systemd/systemd",
            "systemd-journald": "/usr/lib/systemd/systemd-journald", "bash": "/usr/bin/bash",
            "sh": "/bin/sh"}
GO_DAEMONS = {"containerd", "kubelet", "containerd-shim-runc-v2"}


def exe_path(p: Proc) -> str:
    from app.providers.sim.shell.proctable import program

    first = p.args[0] if p.args else ""
    name = program(p.args)
    if name in IN_IMAGE:
        return IN_IMAGE[name]
    if first.startswith("/"):
        return first
    if name.startswith("kube-"):
        return f"/usr/local/bin/{name}"
    return f"/usr/bin/{name}"


def _inode(*parts: object) -> int:
    return 20_000 + zlib.crc32("/".join(map(str, parts)).encode()) % 900_000


def fds(node: SimNode, p: Proc) -> list[tuple[str, str, int]]:
    """(fd, target, mode) of the process's first descriptors (reconstructed, see above)."""
    from app.providers.sim.shell.proctable import program

    rw, wo = 0o700, 0o300
    name = program(p.args)
    if p.tty != "?":
        tty = f"/dev/{p.tty}"
        return [("0", tty, rw), ("1", tty, rw), ("2", tty, rw), ("255", tty, rw)]
    if name == "init" or name == "pause":
        return [("0", "/dev/null", rw), ("1", "/dev/null", rw), ("2", "/dev/null", rw)]
    if p.container is not None:
        pipe_out, pipe_err = _inode("out", p.pid, p.start), _inode("err", p.pid, p.start)
        out = [("0", "/dev/null", rw), ("1", f"pipe:[{pipe_out}]", wo),
               ("2", f"pipe:[{pipe_err}]", wo)]
    elif name == "containerd-shim-runc-v2":
        out = [("0", "/dev/null", rw), ("1", "/dev/null", rw), ("2", "/dev/null", rw)]
    else:  # a systemd unit: StandardOutput=journal
        sock = f"socket:[{_inode('journal', node.name, p.pid, p.start)}]"
        out = [("0", "/dev/null", rw), ("1", sock, rw), ("2", sock, rw)]
    if name in GO_DAEMONS or p.container is not None:
        out += [("3", "anon_inode:[eventpoll]", rw), ("4", "anon_inode:[eventfd]", rw)]
    return out


def _mangle(text: str) -> str:
    """fs/proc_namespace.c mangle(): seq_escape of " \\t\\n\\\\" as octal."""
    if " " in text or "\\" in text or "\t" in text or "\n" in text:
        for ch in "\\ \t\n":
            text = text.replace(ch, f"\\{ord(ch):03o}")
    return text


PER_MOUNT = {"rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime", "nodiratime",
             "strictatime"}


def mountinfo_text(node_mounts: list[Mount], seed: str) -> str:
    """fs/proc_namespace.c show_mountinfo: `<id> <parent> <major>:<minor> <root> <target>
    <per-mount options> <optional fields> - <fstype> <source> <superblock options>`. The
    per-mount flags and the superblock's rw/ro (ro only for /sys, which kind remounted
    read-only) split from the one option list the table keeps; every mount `shared:<n>`
    because kind's entrypoint runs `mount --make-rshared /` (and what is mounted later under
    a shared mount is shared too). **Reconstructed**: mount IDs, peer group numbers and the
    anonymous devices' minor numbers (made up, stable per node); /dev/sda1 is 8:1."""
    base = 1200 + zlib.crc32(seed.encode()) % 600
    minors: dict[str, int] = {}
    ids: list[int] = []
    lines = []
    for i, m in enumerate(node_mounts):
        ids.append(base + i)
        parent = base - 37
        best = ""
        for j, other in enumerate(node_mounts[:i]):
            prefix = other.target.rstrip("/") + "/"
            if m.target.startswith(prefix) and m.target != other.target and \
                    len(other.target) >= len(best):
                best, parent = other.target, ids[j]
        if m.source.startswith("/dev/sd"):
            dev = "8:1"
        else:
            dev = f"0:{minors.setdefault(m.dev or m.target, 40 + len(minors))}"
        opts = m.options.split(",")
        mnt = [o for o in opts if o in PER_MOUNT]
        sb = [o for o in opts if o not in PER_MOUNT]
        sb_rw = "ro" if m.fstype == "sysfs" and opts[0] == "ro" else "rw"
        # a bind of the (already shared) root joins its peer group
        peer = 1 if i and m.dev and m.dev == node_mounts[0].dev else i + 1
        lines.append(f"{base + i} {parent} {dev} {_mangle(m.root)} {_mangle(m.target)} "
                     f"{','.join(mnt)} shared:{peer} - {m.fstype} {_mangle(m.source)} "
                     f"{','.join([sb_rw, *sb])}\n")
    return "".join(lines)


def mounts_text(node: SimNode) -> str:
    from app.providers.sim.shell.disks import mounts

    return "".join(f"{_mangle(m.source)} {_mangle(m.target)} {m.fstype} {m.options} 0 0\n"
                   for m in mounts(node))


def tree(node: SimNode, procs: list[Proc], now: float) -> dict[str, Inode]:
    """Entries for `procs` (the node's table, as procpid.tree got it) and for the shell."""
    from app.providers.sim import containermounts, procpid
    from app.providers.sim.shell.proctable import shell_proc

    out: dict[str, Inode] = {}
    if not procs:
        return out  # a stopped node: no /proc to read
    shell = shell_proc(node)
    shell.start = min(shell.start, now)
    pid = shell.pid
    since = node.booted  # proc's own links date from the mount
    out["/proc/self"] = Inode(LINK, mode=0o777, mtime=since, target=str(pid), virtual=True)
    out["/proc/thread-self"] = Inode(LINK, mode=0o777, mtime=since,
                                     target=f"{pid}/task/{pid}", virtual=True)
    out["/proc/mounts"] = Inode(LINK, mode=0o777, mtime=since, target="self/mounts")
    base = f"/proc/{pid}"
    out[base] = Inode(DIR, mode=0o555, mtime=shell.start, virtual=True)
    # thread-self's target: the shell's one thread, task/<pid>, with the same files
    out[f"{base}/task"] = Inode(DIR, mode=0o555, mtime=shell.start, virtual=True)
    out[f"{base}/task/{pid}"] = Inode(DIR, mode=0o555, mtime=shell.start, virtual=True)
    for name, text in (("cgroup", procpid.cgroup(node, shell)), ("cmdline", "bash\0"),
                       ("comm", "bash\n"), ("status", procpid.status(node, shell, 0))):
        for at in (base, f"{base}/task/{pid}"):
            out[f"{at}/{name}"] = Inode(FILE, data=text.encode(), mode=0o444,
                                        mtime=shell.start, virtual=True)
    from app.providers.sim.shell.disks import mounts

    node_mounts = mounts(node)
    table = "".join(f"{_mangle(m.source)} {_mangle(m.target)} {m.fstype} {m.options} 0 0\n"
                    for m in node_mounts).encode()
    info = mountinfo_text(node_mounts, node.name).encode()
    # a pause's sandbox: its parent shim's `-id`
    sandbox_of = {q.pid: q.args[q.args.index("-id") + 1] for q in procs if "-id" in q.args}
    for p in [*procs, shell]:
        uid = 0 if p.user == "root" else int(p.user) if p.user.isdigit() else 0
        base = f"/proc/{p.pid}"
        out[f"{base}/exe"] = Inode(LINK, mode=0o777, uid=uid, gid=uid, mtime=p.start,
                                   target=exe_path(p), virtual=True)
        out[f"{base}/fd"] = Inode(DIR, mode=0o500, uid=uid, gid=uid, mtime=p.start,
                                  virtual=True)
        for fd, target, mode in fds(node, p):
            out[f"{base}/fd/{fd}"] = Inode(LINK, mode=mode, uid=uid, gid=uid, mtime=p.start,
                                           target=target, virtual=True)
        own = table if p.container is None and not _in_pod(p) else \
            (containermounts.table(node, p, node_mounts, sandbox_of.get(p.ppid, ""))
             or "").encode()
        if own:
            out[f"{base}/mounts"] = Inode(FILE, data=own, mode=0o444, uid=uid, gid=uid,
                                          mtime=p.start, virtual=True)
        if own is table:  # the node's namespace (a pod's mountinfo is not made)
            out[f"{base}/mountinfo"] = Inode(FILE, data=info, mode=0o444, uid=uid, gid=uid,
                                             mtime=p.start, virtual=True)
    return out


def _in_pod(p: Proc) -> bool:
    from app.providers.sim.shell.proctable import program

    return program(p.args) == "pause"
