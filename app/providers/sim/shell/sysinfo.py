"""procps-ng 4.0.2 (Debian 12) system summaries over the twin: `uptime`, `top -b`, `free`,
`vmstat`. Memory and load are the Docker host's (kind does not run lxcfs), so they cover
every node's processes. Layouts checked against the real tools (tests/fidelity/samples:
free-*, vmstat-procps4.txt, top-b-summary-debian12-host.txt). `vmstat 1 N` prints N samples
at once: nothing here sleeps."""

from __future__ import annotations

from datetime import UTC, datetime

from app.providers.sim.shell.procs import _session_procs
from app.providers.sim.shell.proctable import (
    MEM_TOTAL_KIB,
    Memory,
    host_booted,
    load_average,
    memory,
    processes,
)
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, node_of
from app.providers.sim.shell.usage_texts import (
    FREE_USAGE,
    UPTIME_USAGE,
    VMSTAT_USAGE,
)

# --- uptime / top ---------------------------------------------------------------------------

def _uptime_text(inv: Invocation) -> str:
    cluster = cluster_of(inv)
    now = cluster.t
    up = int(now - host_booted(cluster))
    days, rest = divmod(up, 86400)
    hours, mins = rest // 3600, rest % 3600 // 60
    text = ""
    if days:
        text += f"{days} day{'s' if days != 1 else ''}, "
    text += f"{hours:2d}:{mins:02d}" if hours else f"{mins} min"
    one, five, fifteen = load_average(cluster)
    return (f"{datetime.fromtimestamp(now, UTC):%H:%M:%S} up {text},  0 user,  "
            f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}")


@command("uptime")
def uptime(inv: Invocation) -> Output:
    if "-p" in inv.args or "--pretty" in inv.args:
        cluster = cluster_of(inv)
        up = int(cluster.t - host_booted(cluster))
        days, rest = divmod(up, 86400)
        parts = []
        if days:
            parts.append(f"{days} day{'s' if days != 1 else ''}")
        if rest // 3600:
            parts.append(f"{rest // 3600} hour{'s' if rest // 3600 != 1 else ''}")
        parts.append(f"{rest % 3600 // 60} minute{'s' if rest % 3600 // 60 != 1 else ''}")
        return Output("up " + ", ".join(parts) + "\n")
    if "-s" in inv.args or "--since" in inv.args:
        since = host_booted(cluster_of(inv))
        return Output(f"{datetime.fromtimestamp(since, UTC):%Y-%m-%d %H:%M:%S}\n")
    for a in inv.args:
        return Output("", f"uptime: invalid option -- '{a.lstrip('-')[:1]}'\n{UPTIME_USAGE}", 1)
    return Output(" " + _uptime_text(inv) + "\n")


@command("top")
def top(inv: Invocation) -> Output:
    batch = False
    iterations = None
    show_args = False
    args = list(inv.args)
    i = 0
    while i < len(args):
        a = args[i]
        if not a.startswith("-"):
            return Output("", f"top: inappropriate '{a}'\nUsage:\n  top -hv | -bcEeHiOSs1 -d "
                              "secs -n max -u|U user -p pid(s) -o field -w [cols]\n", 1)
        body = a[1:]
        while body:
            ch, body = body[0], body[1:]
            if ch == "b":
                batch = True
            elif ch == "c":
                show_args = True
            elif ch in "nduUpoEw":
                value = body or (args[i + 1] if i + 1 < len(args) else "")
                if not body:
                    i += 1
                if ch == "n":
                    try:
                        iterations = int(value)
                    except ValueError:
                        return Output("", f"top: bad iterations argument '{value}'\n", 1)
                body = ""
            elif ch in "HiOSs1e":
                pass
            else:
                return Output("", f"top: invalid option -- '{ch}'\n", 0)
        i += 1
    del batch  # the web terminal has no curses screen: top always prints batch frames
    frames = max(1, min(iterations or 1, 5))
    out = "".join(_top_frame(inv, show_args, k) for k in range(frames))
    return Output(out)


def _top_frame(inv: Invocation, show_args: bool, k: int) -> str:
    node = node_of(inv)
    cluster = cluster_of(inv)
    now = cluster.t + 3 * k
    procs = processes(node) + _session_procs(inv, processes(node), now)
    me = next(p for p in procs if p.stat == "R+")  # top itself, not a pipeline neighbour
    me.args = ["top"]
    me.comm = "top"
    mem = memory(cluster)
    running = 1
    busy = sum(p.cpu_pct for p in procs)
    us = min(99.0, busy / 2 * 0.66)
    sy = min(99.0 - us, busy / 2 * 0.34)
    from app.providers.sim.etcd_cluster import disk_ms

    # procps reads iowait from /proc/stat, as vmstat's `wa` and iostat's %iowait do: the same
    # disk model, so a slow disk does not show 0.0 wa here while those show it waiting.
    wa = min(40.0, disk_ms(node) / 20)
    idle = max(0.0, 100.0 - us - sy - wa)
    mib = 1024.0
    lines = [
        f"top - {_uptime_text(inv)}",
        f"Tasks: {len(procs):3d} total, {running:3d} running, {len(procs) - running:3d} sleeping,"
        f"   0 stopped,   0 zombie",
        f"%Cpu(s):{us:5.1f} us,{sy:5.1f} sy,  0.0 ni,{idle:5.1f} id,{wa:5.1f} wa,  0.0 hi,"
        f"  0.0 si,  0.0 st ",
        f"MiB Mem : {mem.total / mib:8.1f} total, {mem.free / mib:8.1f} free, "
        f"{mem.used / mib:8.1f} used, {(mem.buffers + mem.cache) / mib:8.1f} buff/cache     ",
        f"MiB Swap: {0.0:8.1f} total, {0.0:8.1f} free, {0.0:8.1f} used. "
        f"{mem.available / mib:8.1f} avail Mem ",
        "",
        "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND",
    ]
    order = sorted(procs, key=lambda p: (-p.cpu_pct, p.pid))
    for p in order:
        secs = p.cpu_seconds(now)
        mins, rest = divmod(secs, 60)
        tplus = f"{int(mins)}:{rest:05.2f}"
        cpu = p.cpu_pct * (1.0 + 0.1 * ((p.pid + k) % 3 - 1)) if p.cpu_pct else 0.0
        shr = int(p.rss * 0.62)
        lines.append(f"{p.pid:7d} {p.user:<8s} {20:3d} {0:3d} {p.vsz:7d} {p.rss:6d} {shr:6d} "
                     f"{p.stat[0]} {cpu:5.1f} {p.rss * 100 / MEM_TOTAL_KIB:5.1f} {tplus:>9s} "
                     f"{p.command if show_args else p.comm}")
    return "\n".join(lines) + "\n\n"


# --- free / vmstat ------------------------------------------------------------------------

def _scale(size: float, si: bool) -> str:
    """procps `scale_size`: bytes below 1 KiB as `NB`, else one decimal below 10 units."""
    base = 1000 if si else 1024
    if size < base:
        return f"{int(size)}B"
    for unit in "KMGTPE":
        size /= base
        if size < 10:
            return f"{size:.1f}{unit}{'' if si else 'i'}"
        if size < base:
            return f"{round(size)}{unit}{'' if si else 'i'}"
    return f"{int(size)}E"





def _free_unit(kib: int, unit: str, si: bool) -> str:
    if unit == "h":
        return _scale(kib * 1024, si)
    div = {"b": 1 / 1024, "k": 1, "m": 1024, "g": 1024 ** 2}[unit]
    return str(int(kib / div))


def render_free(m: Memory, unit: str = "k", si: bool = False, wide: bool = False,
                total: bool = False) -> str:
    """procps-ng 4 `free`: labels in 8 columns, values right-aligned in 12."""
    def f(v: int) -> str:
        return _free_unit(v, unit, si)

    if wide:
        head = ("               total        used        free      shared     buffers       cache"
                "   available")
        mem = [m.total, m.used, m.free, m.shared, m.buffers, m.cache, m.available]
    else:
        head = "               total        used        free      shared  buff/cache   available"
        mem = [m.total, m.used, m.free, m.shared, m.buffers + m.cache, m.available]
    swap = (m.swap_total, m.swap_total - m.swap_free, m.swap_free)
    lines = [head, f"{'Mem:':<8s}" + "".join(f"{f(v):>12s}" for v in mem),
             f"{'Swap:':<8s}" + "".join(f"{f(v):>12s}" for v in swap)]
    if total:
        lines.append(f"{'Total:':<8s}" + "".join(f"{f(v):>12s}" for v in (
            m.total + m.swap_total, m.used + swap[1], m.free + m.swap_free)))
    return "\n".join(lines) + "\n"


@command("free")
def free(inv: Invocation) -> Output:
    unit, wide, total, si = "k", False, False, False
    count = 1
    args = list(inv.args)
    while args:
        a = args.pop(0)
        if a in ("-s", "-c", "--seconds", "--count") or (a[:2] in ("-s", "-c") and
                                                           a[2:].replace(".", "").isdigit()):
            value = a[2:] if len(a) > 2 and not a.startswith("--") else (args.pop(0) if args
                                                                         else "")
            try:
                number = float(value)
            except ValueError:
                what = "count" if a.startswith(("-c", "--count")) else "seconds"
                return Output("", f"free: failed to parse {what} argument: '{value}'\n", 1)
            if a in ("-c", "--count") or a.startswith("-c"):
                count = max(1, min(int(number), 10))
            elif count == 1:
                count = 3  # `free -s N` repeats until Ctrl-C; over exec a few frames
            continue
        long = {"--bytes": "b", "--kibi": "k", "--mebi": "m", "--gibi": "g", "--human": "h",
                "--kilo": "k", "--mega": "m", "--giga": "g"}
        if a in long:
            unit = long[a]
        elif a == "--wide":
            wide = True
        elif a == "--total":
            total = True
        elif a == "--si":
            si = True
        elif a.startswith("--"):
            return Output("", f"free: unrecognized option '{a}'\n{FREE_USAGE}", 1)
        elif a.startswith("-"):
            for ch in a[1:]:
                if ch in "bkmgh":
                    unit = ch
                elif ch == "w":
                    wide = True
                elif ch == "t":
                    total = True
                elif ch == "l":
                    pass
                else:
                    return Output("", f"free: invalid option -- '{ch}'\n{FREE_USAGE}", 1)
        else:
            return Output("", f"free: extra operand '{a}'\n{FREE_USAGE}", 1)
    frame = render_free(memory(cluster_of(inv)), unit, si, wide, total)
    return Output(frame if count == 1 else "".join(frame + "\n" for _ in range(count)))


VMSTAT_HEAD = ("procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n"
               " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n")


def vmstat_row(v: list[int]) -> str:
    """procps vmstat's row format: fixed widths, a wider number pushes the rest right."""
    widths = [2, 2, 6, 6, 6, 6, 4, 4, 5, 5, 4, 4, 2, 2, 2, 2, 2]
    return " ".join(f"{x:{w}d}" for x, w in zip(v, widths, strict=True))


@command("vmstat")
def vmstat(inv: Invocation) -> Output:
    nums: list[int] = []
    unit = 1
    for a in inv.args:
        if a.isdigit():
            nums.append(int(a))
        elif a in ("-S", "-Sm", "-SM"):
            unit = 1024 if a != "-S" else unit
        elif a in ("-n", "-t", "-a", "-w"):
            continue
        elif a in ("m", "M", "k", "K"):
            unit = 1024 if a in ("m", "M") else 1
        else:
            ch = a.lstrip("-")[:1] or a
            return Output("", f"vmstat: invalid option -- '{ch}'\n{VMSTAT_USAGE}", 1)
    count = nums[1] if len(nums) > 1 else (None if nums else 1)
    if nums and nums[0] == 0:
        return Output("", "vmstat: delay must be positive integer\n", 1)
    samples = min(count if count is not None else 5, 60)
    cluster = cluster_of(inv)
    node = node_of(inv)
    from app.providers.sim.etcd_cluster import disk_ms

    wa = min(40, int(disk_ms(node) / 20))
    m = memory(cluster)
    busy = sum(p.cpu_pct for p in processes(node)) / 2
    rows = []
    for k in range(samples):
        us = int(busy * 0.66) + (k % 2)
        sy = int(busy * 0.34) + 1
        idle = max(0, 100 - us - sy - wa)
        bi, bo = (5, 61) if k == 0 else (0, 40 + 7 * (k % 3))
        rows.append(vmstat_row([1 if k else 2, 0, 0, m.free // unit - 123 * k, m.buffers // unit,
                                m.cache // unit + 4 * k, 0, 0, bi, bo, 1650 + 37 * (k % 4),
                                3010 + 91 * (k % 3), us, sy, idle, wa, 0]))
    return Output(VMSTAT_HEAD + "".join(r + "\n" for r in rows))
