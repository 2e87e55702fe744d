"""`df` (coreutils 9.1), `mount`, `findmnt` and `lsblk` (util-linux 2.38) on a kind node.

The mount table is what Docker and kind give the node container (`docker inspect` of a kind
node: overlay root on the host's disk, the anonymous `/var` volume, `/lib/modules` read-only,
tmpfs `/tmp` and `/run`, Docker's bind-mounted /etc/hosts, hostname and resolv.conf), followed
by what containerd and the kubelet mount while pods run: a 64 MiB `shm` per sandbox, an
overlay `rootfs` per sandbox and running container, a tmpfs per projected service-account
token volume. Sizes of the host disk move with what was written on the node. kind's
entrypoint (v0.29.0 `images/base/files/usr/local/bin/entrypoint`) remounts /sys read-only and
bind-mounts its product_name/uuid files over the DMI ids. /proc/mounts (procself.py) and each
pod process's own table (containermounts.py) are written from this same list.

df: coreutils `df.c` field table (minimum widths Filesystem 14, Type 4, size/used/avail 5,
Use% 4; numbers right-aligned), pseudo filesystems (proc, sysfs, cgroup2, devpts, mqueue)
hidden, one line per device unless `-a`, preferring the shortest mount point.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import node_of

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

DISK_KIB = 263_174_212  # the Docker host's root partition (251G)
DISK_USED_KIB = 98_867_548
MEM_KIB = 24_562_888
DUMMY = {"proc", "sysfs", "cgroup2", "devpts", "mqueue"}
SNAPSHOTS = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"


@dataclass
class Mount:
    source: str
    target: str
    fstype: str
    options: str
    size: int = 0  # KiB
    used: int = 0
    dev: str = ""  # mounts sharing a device share a df line
    # the mounted directory within its filesystem (a bind mount's source), as mountinfo's
    # 4th field and findmnt's `SOURCE[root]` show it
    root: str = "/"

    @property
    def avail(self) -> int:
        return max(0, self.size - self.used) if self.fstype != "ext4" and \
            self.fstype != "overlay" else max(0, int(self.size * 0.95) - self.used)


def _h(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def _written_kib(node: SimNode) -> int:
    """What was written on this node beyond the image (files the trainee or a fault made)."""
    own = getattr(node.vfs, "_own", {})
    total = sum(i.size for i in own.values() if i is not None and i.kind == "file")
    return total // 1024


def _snap(n: int) -> str:
    return f"{SNAPSHOTS}/{n}/fs"


def mounts(node: SimNode) -> list[Mount]:
    from app.providers.sim.kubelet_journal import volumes

    used = DISK_USED_KIB + sum(_written_kib(n) for n in node.cluster.nodes) + \
        sum(len(n.runtime.containers) * 180 for n in node.cluster.nodes)
    root = _h("overlay2", node.name)
    layers = ":".join(f"/var/lib/docker/overlay2/l/{_h('l', node.name, i)[:26].upper()}"
                      for i in range(3))
    out = [
        Mount("overlay", "/", "overlay", f"rw,relatime,lowerdir={layers},upperdir=/var/lib/"
              f"docker/overlay2/{root}/diff,workdir=/var/lib/docker/overlay2/{root}/work",
              DISK_KIB, used, "overlay:" + root),
        Mount("proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime", dev="proc"),
        Mount("tmpfs", "/dev", "tmpfs", "rw,nosuid,size=65536k,mode=755,inode64", 65536, 0,
              "tmpfs:dev"),
        Mount("devpts", "/dev/pts", "devpts",
              "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666", dev="devpts"),
        Mount("mqueue", "/dev/mqueue", "mqueue", "rw,nosuid,nodev,noexec,relatime",
              dev="mqueue"),
        # kind's entrypoint `fix_mount`: `mount -o remount,ro /sys` (--privileged made it rw)
        Mount("sysfs", "/sys", "sysfs", "ro,nosuid,nodev,noexec,relatime", dev="sysfs"),
        Mount("cgroup", "/sys/fs/cgroup", "cgroup2",
              "rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot", dev="cgroup"),
        Mount("/dev/sda1", "/var", "ext4", "rw,relatime,discard,errors=remount-ro", DISK_KIB,
              used, "sda1"),
        Mount("tmpfs", "/tmp", "tmpfs", "rw,nosuid,nodev,inode64", MEM_KIB // 2, 0, "tmpfs:tmp"),
        Mount("tmpfs", "/run", "tmpfs", "rw,nosuid,nodev,inode64", MEM_KIB // 2,
              8_904 + 12 * len(node.runtime.sandboxes), "tmpfs:run"),
        Mount("/dev/sda1", "/lib/modules", "ext4", "ro,relatime,discard,errors=remount-ro",
              DISK_KIB, used, "sda1"),
        Mount("/dev/sda1", "/etc/resolv.conf", "ext4", "rw,relatime,discard,errors=remount-ro",
              DISK_KIB, used, "sda1"),
        Mount("/dev/sda1", "/etc/hostname", "ext4", "rw,relatime,discard,errors=remount-ro",
              DISK_KIB, used, "sda1"),
        Mount("/dev/sda1", "/etc/hosts", "ext4", "rw,relatime,discard,errors=remount-ro",
              DISK_KIB, used, "sda1"),
        Mount("shm", "/dev/shm", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=65536k,inode64",
              65536, 0, "shm:dev"),
    ]
    # kind's entrypoint `fix_product_name` / `fix_product_uuid`: files of the node's root
    # bind-mounted read-only over the host's DMI ids (mount(8) records the target with
    # /sys/class/dmi/id resolved; product_uuid is mounted twice, through both paths)
    dmi = "/sys/devices/virtual/dmi/id"
    out += [Mount("overlay", f"{dmi}/{name}", "overlay", "ro" + out[0].options[2:],
                  DISK_KIB, used, "overlay:" + root, f"/kind/{name}")
            for name in ("product_name", "product_uuid", "product_uuid")]
    # what Docker binds from the host's disk: the anonymous /var volume, /lib/modules, and
    # the container's own resolv.conf, hostname and hosts (ids made up per node)
    cid, volume = _h("container", node.name), _h("volume", node.name)
    roots = {"/var": f"/var/lib/docker/volumes/{volume}/_data", "/lib/modules": "/lib/modules",
             **{f"/etc/{f}": f"/var/lib/docker/containers/{cid}/{f}"
                for f in ("resolv.conf", "hostname", "hosts")}}
    for m in out:
        m.root = roots.get(m.target, m.root)
    out.append(Mount("tmpfs", "/run/lock", "tmpfs", "rw,nosuid,nodev,noexec,relatime,"
                     "size=5120k,inode64", 5120, 0, "tmpfs:lock"))
    if not node.powered:
        return out
    rt = node.runtime
    running = [c for c in rt.containers.values() if c.running()]
    for sb in sorted(rt.sandboxes.values(), key=lambda s: (s.created, s.id)):
        if sb.state != "ready":
            continue
        pod = node.kubelet.pods.get(sb.uid)
        if pod is not None:
            # the kubelet mounts a tmpfs per secret and projected volume (the service-account
            # token's too, as kubelet_journal.volumes names it) before the sandbox starts
            limit = _memory_limit_kib(pod.spec) or MEM_KIB
            for name, plugin in volumes(pod):
                if plugin in ("secret", "projected"):
                    out.append(Mount("tmpfs", f"/var/lib/kubelet/pods/{sb.uid}/volumes/"
                                     f"kubernetes.io~{plugin}/{name}", "tmpfs",
                                     f"rw,relatime,size={limit}k,inode64", limit, 12,
                                     f"{plugin}:{sb.uid}/{name}"))
        out.append(Mount("shm", f"/run/containerd/io.containerd.grpc.v1.cri/sandboxes/{sb.id}/shm",
                         "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=65536k,inode64", 65536, 0,
                         "shm:" + sb.id))
        out.append(container_rootfs(sb.id, used, sandbox=True))
        for c in sorted((c for c in running if c.sandbox_id == sb.id), key=lambda c: c.created):
            out.append(container_rootfs(c.id, used))
    return out


def container_rootfs(cid: str, used: int, sandbox: bool = False) -> Mount:
    """A task's overlay rootfs (also its `/` in its /proc/<pid>/mounts: containermounts.py)."""
    n = 2 + int(_h("snap", cid)[:4], 16) % 60 if sandbox else \
        70 + int(_h("snap", cid)[:4], 16) % 200
    return _rootfs(cid, n, used)


def _rootfs(cid: str, n: int, used: int) -> Mount:
    lower = ":".join(_snap(n - k) for k in range(1, 3))
    return Mount("overlay", f"/run/containerd/io.containerd.runtime.v2.task/k8s.io/{cid}/rootfs",
                 "overlay", f"rw,relatime,lowerdir={lower},upperdir={SNAPSHOTS}/{n}/fs,"
                 f"workdir={SNAPSHOTS}/{n}/work", DISK_KIB, used, "overlay:" + cid)


def _memory_limit_kib(spec: dict) -> int:
    total = 0
    for c in spec.get("containers") or []:
        mem = ((c.get("resources") or {}).get("limits") or {}).get("memory")
        if not mem:
            return 0
        units = {"Ki": 1, "Mi": 1024, "Gi": 1024 ** 2}
        for suffix, mult in units.items():
            if str(mem).endswith(suffix):
                total += int(float(str(mem)[:-2]) * mult)
                break
        else:
            total += int(mem) // 1024
    return total


# --- mount / findmnt ------------------------------------------------------------------------

@command("mount")
def mount(inv: Invocation) -> Output:
    args = inv.args
    fstype = None
    if args and args[0] == "-t" and len(args) > 1:
        fstype, args = args[1], args[2:]
    elif args and args[0] == "-l":
        args = args[1:]
    if args:
        if args[0].startswith("-"):
            return Output("", f"mount: invalid option -- '{args[0][1:2]}'\nTry 'mount --help' "
                              "for more information.\n", 1)
        target = args[-1]
        if not inv.session.vfs.is_dir(target, inv.session.cwd):
            return Output("", f"mount: {target}: mount point does not exist.\n", 32)
        return Output("", f"mount: {target}: special device {args[0]} does not exist.\n", 32)
    rows = [m for m in mounts(node_of(inv)) if fstype is None or m.fstype in fstype.split(",")]
    return Output("".join(f"{m.source} on {m.target} type {m.fstype} ({m.options})\n"
                          for m in rows))


@command("findmnt")
def findmnt(inv: Invocation) -> Output:
    """util-linux findmnt: the mount tree (children under the mount they sit on), or the
    matching lines without tree art when a mount point or source is named."""
    ms = mounts(node_of(inv))
    targets = [a for a in inv.args if not a.startswith("-")]
    rows: list[tuple[str, Mount]] = []
    if targets:
        rows = [(m.target, m) for m in ms if m.target in targets or m.source in targets]
        if not rows:
            return Output("", "", 1)
    else:
        parent: dict[int, int] = {}
        for i, m in enumerate(ms):
            best = -1
            for j, other in enumerate(ms[:i]):
                base = other.target.rstrip("/") + "/"
                if m.target.startswith(base) and m.target != other.target and \
                        (best < 0 or len(other.target) > len(ms[best].target)):
                    best = j
            parent[i] = best if i else -2
        kids: dict[int, list[int]] = {}
        for i, p in parent.items():
            kids.setdefault(p, []).append(i)

        def walk(i: int, prefix: str, last: bool, depth: int) -> None:
            art = "" if depth == 0 else prefix + ("└─" if last else "├─")
            rows.append((art + ms[i].target, ms[i]))
            below = kids.get(i, [])
            child_prefix = "" if depth == 0 else prefix + ("  " if last else "│ ")
            for k, c in enumerate(below):
                walk(c, child_prefix, k == len(below) - 1, depth + 1)

        walk(0, "", True, 0)
    w_target = max(len("TARGET"), *(len(t) for t, _ in rows))
    rows = [(t, replace(m, source=m.source if m.root == "/" else f"{m.source}[{m.root}]"))
            for t, m in rows]  # util-linux shows a bind mount's root in brackets
    w_source = max(len("SOURCE"), *(len(m.source) for _, m in rows))
    w_type = max(len("FSTYPE"), *(len(m.fstype) for _, m in rows))
    lines = [f"{'TARGET':<{w_target}} {'SOURCE':<{w_source}} {'FSTYPE':<{w_type}} OPTIONS"]
    lines += [f"{t:<{w_target}} {m.source:<{w_source}} {m.fstype:<{w_type}} {m.options}"
              for t, m in rows]
    return Output("".join(x + "\n" for x in lines))


# --- df ---------------------------------------------------------------------------------------

DF_USAGE = "Try 'df --help' for more information.\n"


def _human(kib: float, si: bool) -> str:
    """coreutils -h: one decimal below 10, rounded up (ceiling); `k` for --si, `K` for -h."""
    if kib == 0:
        return "0"
    base = 1000 if si else 1024
    n = float(kib) * 1024.0
    for unit in "KMGTPE":
        n /= base
        shown = "k" if si and unit == "K" else unit
        if n < 10:
            tenths = -(-round(n * 10, 6) // 1) / 10
            if tenths < 10:
                return f"{tenths:.1f}{shown}"
            return f"10{shown}"
        whole = int(-(-round(n, 6) // 1))
        if whole < base:
            return f"{whole}{shown}"
    return f"{int(n)}E"


def _human_count(n: int) -> str:
    """`df -ih`: inode counts in powers of 1024 (323, 1.6K, 3.9M)."""
    return str(n) if n < 1024 else _human(n // 1024 if n % 1024 == 0 else n / 1024, False)


@command("df")
def df(inv: Invocation) -> Output:
    human = si = show_type = show_all = False
    inodes = False
    operands = []
    only: set[str] = set()
    exclude: set[str] = set()
    args = list(inv.args)
    while args:
        a = args.pop(0)
        if a in ("-t", "-x", "--type", "--exclude-type") or \
                a.startswith(("--type=", "--exclude-type=")) or \
                (len(a) > 2 and a[:2] in ("-t", "-x") and not a.startswith("--")):
            key = "x" if a.startswith(("-x", "--exclude")) else "t"
            value = a.partition("=")[2] if a.startswith("--") and "=" in a else \
                a[2:] if not a.startswith("--") and len(a) > 2 else (args.pop(0) if args else "")
            if not value:
                return Output("", f"df: option requires an argument -- '{key}'\n{DF_USAGE}", 1)
            (exclude if key == "x" else only).update(value.split(","))
            continue
        if a in ("--human-readable",):
            human = True
        elif a == "--si":
            si = True
        elif a in ("--print-type",):
            show_type = True
        elif a == "--all":
            show_all = True
        elif a == "--inodes":
            inodes = True
        elif a.startswith("--"):
            return Output("", f"df: unrecognized option '{a}'\n{DF_USAGE}", 1)
        elif a.startswith("-") and len(a) > 1:
            for k, ch in enumerate(a[1:], start=1):
                if ch in "tx":  # `-hx overlay`, `-htext4`: the rest (or next word) is the type
                    value = a[k + 1:] or (args.pop(0) if args else "")
                    if not value:
                        return Output("", f"df: option requires an argument -- '{ch}'\n"
                                          f"{DF_USAGE}", 1)
                    (exclude if ch == "x" else only).update(value.split(","))
                    break
                if ch == "h":
                    human = True
                elif ch == "H":
                    si = True
                elif ch == "T":
                    show_type = True
                elif ch == "a":
                    show_all = True
                elif ch == "i":
                    inodes = True
                elif ch in "klP":
                    pass
                else:
                    return Output("", f"df: invalid option -- '{ch}'\n{DF_USAGE}", 1)
        else:
            operands.append(a)
    ms = mounts(node_of(inv))
    if operands:
        chosen = []
        for op in operands:
            path = op if op.startswith("/") else inv.session.cwd.rstrip("/") + "/" + op
            if not inv.session.vfs.exists(path):
                return Output("", f"df: {op}: No such file or directory\n", 1)
            best = max((m for m in ms if m.fstype not in DUMMY and (
                path == m.target or path.startswith(m.target.rstrip("/") + "/"))),
                key=lambda m: len(m.target))
            chosen.append(best)
        rows_m = chosen
    else:
        rows_m = []
        seen: dict[str, int] = {}
        for m in ms:
            if m.fstype in DUMMY and not show_all:
                continue
            if not show_all and m.dev in seen:
                prev = seen[m.dev]
                if len(m.target) < len(rows_m[prev].target):
                    rows_m[prev] = m
                continue
            seen[m.dev] = len(rows_m)
            rows_m.append(m)
    rows_m = [m for m in rows_m if (not only or m.fstype in only) and m.fstype not in exclude]
    if not rows_m:
        return Output("", "df: no file systems processed\n", 1)
    if inodes:
        head = ["Filesystem", "Inodes", "IUsed", "IFree", "IUse%", "Mounted on"]
    else:
        head = ["Filesystem", "Size" if human or si else "1K-blocks", "Used",
                "Avail" if human or si else "Available", "Use%", "Mounted on"]
    if show_type:
        head.insert(1, "Type")
    rows = [head]
    for m in rows_m:
        if inodes:
            total = m.size // 16 if m.size else 0
            iused = min(total, m.used // 32) if total else 0
            cnt = _human_count if human or si else str
            vals = [cnt(total), cnt(iused), cnt(total - iused),
                    f"{-(-iused * 100 // total)}%" if total else "-"]
        else:
            fmt = (lambda k: _human(k, si)) if human or si else str
            pct = f"{-(-m.used * 100 // (m.used + m.avail))}%" if m.size else "-"
            vals = [fmt(m.size), fmt(m.used), fmt(m.avail), pct]
        row = [m.source, *vals, m.target]
        if show_type:
            row.insert(1, m.fstype)
        rows.append(row)
    return Output(render_df(rows, show_type))


def render_df(rows: list[list[str]], show_type: bool = False) -> str:
    """coreutils df: minimum widths 14/4/5/5/5/4, source (and type) left, numbers right."""
    mins = [14, 4, 5, 5, 5, 4, 0] if show_type else [14, 5, 5, 5, 4, 0]
    widths = [max(mins[i], *(len(r[i]) for r in rows)) for i in range(len(rows[0]))]
    left = {0, 1} if show_type else {0}
    lines = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            if i == len(r) - 1:
                cells.append(cell)
            elif i in left:
                cells.append(cell.ljust(widths[i]))
            else:
                cells.append(cell.rjust(widths[i]))
        lines.append(" ".join(cells))
    return "".join(x + "\n" for x in lines)


# --- lsblk ----------------------------------------------------------------------------------

@command("lsblk")
def lsblk(inv: Invocation) -> Output:
    for a in inv.args:
        if a.startswith("-") and a not in ("-a", "-f", "--fs", "-l", "-p", "--list"):
            return Output("", f"lsblk: invalid option -- '{a.lstrip('-')[:1]}'\nTry 'lsblk "
                              "--help' for more information.\n", 1)
    ms = [m.target for m in mounts(node_of(inv)) if m.source == "/dev/sda1"]
    points = list(reversed(ms)) or [""]
    # util-linux: MAJ:MIN as "%3u:%-3u", RM/SIZE/RO right-aligned, one space between columns.
    devs = [("sda", 8, 0, "256G", "disk", [""]),
            ("├─sda1", 8, 1, "255.9G", "part", points),
            ("├─sda14", 8, 14, "4M", "part", [""]),
            ("└─sda15", 8, 15, "106M", "part", [""])]
    w_name = max(4, *(len(d[0]) for d in devs))
    w_size = max(4, *(len(d[3]) for d in devs))
    lines = [f"{'NAME':<{w_name}} MAJ:MIN RM {'SIZE':>{w_size}} RO TYPE MOUNTPOINTS"]
    for name, major, minor, size, kind, mps in devs:
        lines.append(f"{name:<{w_name}} {major:3d}:{minor:<3d}  0 {size:>{w_size}}  0 {kind:<4s} "
                     f"{mps[0]}")
        cont = "│" if name.startswith("├") else " "
        for mp in mps[1:]:
            lines.append(f"{cont:<{w_name}} {'':7s} {'':2s} {'':>{w_size}} {'':2s} {'':4s} {mp}")
    return Output("".join(x + "\n" for x in lines))
