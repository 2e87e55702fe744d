"""procps-ng 4.0.2 (Debian 12) `ps`, `pgrep`, `pidof`, and bash's `kill`, over the twin's
process table (the summaries `top`, `free`, `vmstat`, `uptime` are in sysinfo.py).

The table comes from `proctable.processes(node)`, so a crash-looping etcd shows up and goes
away in `ps` exactly as `crictl ps` sees it. Layouts: `ps aux` header and row from a real kind
node (tests/fidelity/samples/ps-aux-kind-kubelet.txt) and procps-ng 4.0.2 on the Debian 12
build host (ps-headers-*). Like every program here the output is not cut to the terminal
width (as when piped).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from app.providers.sim.shell.proctable import (
    MEM_TOTAL_KIB,
    Proc,
    processes,
    shell_proc,
)
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, node_of
from app.providers.sim.shell.usage_texts import (
    KILL_LIST,
    PGREP_USAGE,
    PS_USAGE,
)


def _session_procs(inv: Invocation, node_procs: list[Proc], now: float) -> list[Proc]:
    """The trainee's own shell (entered through `docker exec`, so its parent is outside the
    node's PID namespace) and the `ps` being run."""
    bash = shell_proc(node_of(inv))
    base = bash.pid
    first = base + 7 + int(now) % 90
    stages, mine = getattr(inv.session.executor, "pipeline", None) or ([list(inv.argv)], 0)
    me = Proc(first + mine, base, "root", list(inv.argv), now, 4224, 8084, 0.0,
              "R+", inv.argv[0][:15], tty="pts/1")
    # The other commands of its pipeline run beside it, forked by bash one after the other,
    # waiting on their pipe: `ps aux | grep etcd` finds its own grep (hence `grep -v grep`).
    # Their sizes are plausible coreutils/grep figures, not measured.
    others = [Proc(first + i, base, "root", words, now, 2176, 6332, 0.0, "S+",
                   words[0].rsplit("/", 1)[-1][:15], tty="pts/1")
              for i, words in enumerate(stages) if i != mine]
    return sorted([bash, me, *others], key=lambda p: p.pid)


def _all(inv: Invocation) -> tuple[list[Proc], float]:
    node = node_of(inv)
    now = node.cluster.t
    procs = processes(node)
    return procs + _session_procs(inv, procs, now), now


def _tty(p: Proc) -> str:
    return p.tty


def _start(p: Proc, now: float) -> str:
    d = datetime.fromtimestamp(p.start, UTC)
    if now - p.start < 86400:
        return f"{d:%H:%M}"
    if now - p.start < 365 * 86400:
        return f"{d:%b%d}"
    return f"{d:%Y}"


def _time_short(secs: float) -> str:
    s = int(secs)
    return f"{s // 60}:{s % 60:02d}"


def _time_long(secs: float) -> str:
    s = int(secs)
    days, s = divmod(s, 86400)
    out = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{days}-{out}" if days else out


def _etime(p: Proc, now: float) -> str:
    s = int(now - p.start)
    days, s = divmod(s, 86400)
    hh, rest = divmod(s, 3600)
    mm, ss = divmod(rest, 60)
    if days:
        return f"{days}-{hh:02d}:{mm:02d}:{ss:02d}"
    if hh:
        return f"{hh:02d}:{mm:02d}:{ss:02d}"
    return f"{mm:02d}:{ss:02d}"


def _pcpu(p: Proc, now: float) -> float:
    return p.cpu_pct if now > p.start else 0.0


Col = tuple[str, int, str, Callable[[Proc, float], str]]  # header, width, align L/R, value

COLUMNS: dict[str, Col] = {
    "pid": ("PID", 7, "R", lambda p, n: str(p.pid)),
    "ppid": ("PPID", 7, "R", lambda p, n: str(p.ppid)),
    "user": ("USER", 8, "L", lambda p, n: p.user),
    "euser": ("EUSER", 8, "L", lambda p, n: p.user),
    "uid": ("UID", 5, "R", lambda p, n: "0" if p.user == "root" else p.user),
    "%cpu": ("%CPU", 4, "R", lambda p, n: f"{_pcpu(p, n):.1f}"),
    "pcpu": ("%CPU", 4, "R", lambda p, n: f"{_pcpu(p, n):.1f}"),
    "c": ("C", 2, "R", lambda p, n: str(int(_pcpu(p, n)))),
    "%mem": ("%MEM", 4, "R", lambda p, n: f"{p.rss * 100 / MEM_TOTAL_KIB:.1f}"),
    "pmem": ("%MEM", 4, "R", lambda p, n: f"{p.rss * 100 / MEM_TOTAL_KIB:.1f}"),
    "rss": ("RSS", 5, "R", lambda p, n: str(p.rss)),
    "rssize": ("RSS", 5, "R", lambda p, n: str(p.rss)),
    "vsz": ("VSZ", 6, "R", lambda p, n: str(p.vsz)),
    "stat": ("STAT", 4, "L", lambda p, n: p.stat),
    "s": ("S", 1, "L", lambda p, n: p.stat[0]),
    "state": ("S", 1, "L", lambda p, n: p.stat[0]),
    "tty": ("TT", 8, "L", lambda p, n: _tty(p)),
    "tname": ("TTY", 8, "L", lambda p, n: _tty(p)),
    "time": ("TIME", 8, "R", lambda p, n: _time_long(p.cpu_seconds(n))),
    "cputime": ("TIME", 8, "R", lambda p, n: _time_long(p.cpu_seconds(n))),
    "bsdtime": ("TIME", 6, "R", lambda p, n: _time_short(p.cpu_seconds(n))),
    "etime": ("ELAPSED", 11, "R", _etime),
    "etimes": ("ELAPSED", 7, "R", lambda p, n: str(int(n - p.start))),
    "start": ("STARTED", 8, "R", lambda p, n: datetime.fromtimestamp(p.start, UTC).strftime(
        "%H:%M:%S") if n - p.start < 86400 else datetime.fromtimestamp(p.start, UTC).strftime(
        "%b %d")),
    "stime": ("STIME", 5, "L", _start),
    "start_time": ("START", 5, "L", _start),
    "bsdstart": ("START", 6, "R", _start),
    "lstart": ("STARTED", 24, "L", lambda p, n: time.strftime(
        "%a %b %e %H:%M:%S %Y", time.gmtime(p.start))),
    "nlwp": ("NLWP", 4, "R", lambda p, n: str(p.threads)),
    "thcount": ("THCNT", 5, "R", lambda p, n: str(p.threads)),
    "ni": ("NI", 3, "R", lambda p, n: "0"),
    "pri": ("PRI", 3, "R", lambda p, n: "19"),
    "comm": ("COMMAND", 15, "L", lambda p, n: p.comm),
    "ucmd": ("CMD", 15, "L", lambda p, n: p.comm),
    "ucomm": ("COMMAND", 15, "L", lambda p, n: p.comm),
    "args": ("COMMAND", 27, "L", lambda p, n: p.command),
    "cmd": ("CMD", 27, "L", lambda p, n: p.command),
    "command": ("COMMAND", 27, "L", lambda p, n: p.command),
}
AUX = ["user", "pid", "%cpu", "%mem", "vsz", "rss", "tname", "stat", "start_time", "bsdtime",
       "command"]
AUX_HEAD = {"tname": "TTY", "start_time": "START"}
EF = ["user", "pid", "ppid", "c", "stime", "tname", "time", "cmd"]
EF_HEAD = {"user": "UID"}
DEFAULT = ["pid", "tname", "time", "ucmd"]


def _render(cols: list[tuple[str, str]], procs: list[Proc], now: float, headers: bool,
            forest: dict[int, str] | None = None) -> str:
    lines = []
    rows = []
    if headers and any(h for _, h in cols):  # `-o pid=`: no header line at all
        rows.append([h for _, h in cols])
    for p in procs:
        cells = [COLUMNS[k][3](p, now) for k, _ in cols]
        if forest is not None and cols and COLUMNS[cols[-1][0]][2] == "L":
            cells[-1] = forest.get(p.pid, "") + cells[-1]
        rows.append(cells)
    for cells in rows:
        out = ""
        debt = 0  # procps lets a wide value borrow the padding of the columns after it
        for i, ((key, _), cell) in enumerate(zip(cols, cells, strict=True)):
            _, width, align, _ = COLUMNS[key]
            last = i == len(cols) - 1
            pad = max(0, width - len(cell))
            debt += max(0, len(cell) - width)
            if last and align == "L":
                pad = 0
            take = min(pad, debt)
            pad -= take
            debt -= take
            piece = " " * pad + cell if align == "R" else cell + " " * pad
            out += ("" if i == 0 else " ") + piece
        lines.append(out.rstrip() if cells and COLUMNS[cols[-1][0]][2] == "L" else out)
    return "".join(line + "\n" for line in lines)


def _forest(procs: list[Proc]) -> tuple[list[Proc], dict[int, str]]:
    """`--forest`: children under their parent, with procps's ` \\_ ` art."""
    kids: dict[int, list[Proc]] = {}
    pids = {p.pid for p in procs}
    for p in procs:
        kids.setdefault(p.ppid if p.ppid in pids else 0, []).append(p)
    order: list[Proc] = []
    art: dict[int, str] = {}

    def walk(p: Proc, depth: int) -> None:
        order.append(p)
        art[p.pid] = "" if depth == 0 else "    " * (depth - 1) + " \\_ "
        for child in kids.get(p.pid, []):
            walk(child, depth + 1)

    for root in kids.get(0, []):
        walk(root, 0)
    return order, art


@command("ps")
def ps(inv: Invocation) -> Output:
    args = list(inv.args)
    cols: list[tuple[str, str]] = []
    select_all = False
    full = False
    forest = False
    headers = True
    pids: set[int] = set()
    names: set[str] = set()
    users: set[str] = set()
    sort_keys: list[str] = []
    bsd = ""
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a in ("--forest", "-H"):
            forest = True
        elif a in ("--no-headers", "--no-heading", "--no-header"):
            headers = False
        elif a.startswith("--sort"):
            value = a.partition("=")[2] or (nxt or "")
            if "=" not in a:
                i += 1
            sort_keys = value.split(",")
        elif a.startswith("--") and a[2:].split("=")[0] in ("format", "pid", "ppid", "user"):
            key, eq, value = a[2:].partition("=")
            if not eq:
                value, i = nxt or "", i + 1
            if key == "format":
                try:
                    cols.extend(_parse_format(value))
                except KeyError as err:
                    return Output("", f"error: unknown user-defined format specifier "
                                      f"\"{err.args[0]}\"\n{PS_USAGE}", 1)
            elif key == "pid":
                pids |= {int(x) for x in value.replace(",", " ").split() if x.isdigit()}
            elif key == "user":
                users |= set(value.split(","))
        elif a.startswith("--"):
            return Output("", f"error: unknown gnu long option\n{PS_USAGE}", 1)
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                ch = a[j]
                if ch in "eA":
                    select_all = True
                elif ch == "f":
                    full = True
                elif ch in "wlyjmLTMZ":
                    pass
                elif ch in "opCuU":
                    value = a[j + 1:] or (nxt or "")
                    if not a[j + 1:]:
                        i += 1
                    if not value:
                        what = {"p": "list of process IDs", "C": "list of command names",
                                "o": "format specification"}.get(ch, "list of users")
                        return Output("", f"error: {what} must follow -{ch}\n{PS_USAGE}", 1)
                    if ch == "o":
                        try:
                            cols.extend(_parse_format(value))
                        except KeyError as err:
                            return Output("", f"error: unknown user-defined format specifier "
                                              f"\"{err.args[0]}\"\n{PS_USAGE}", 1)
                    elif ch == "p":
                        pids |= {int(x) for x in value.replace(",", " ").split() if x.isdigit()}
                    elif ch == "C":
                        names |= set(value.split(","))
                    else:
                        users |= set(value.split(","))
                    break
                elif ch == "H":
                    forest = True
                else:
                    return Output("", f"error: unsupported SysV option\n{PS_USAGE}", 1)
                j += 1
        else:
            if bsd or any(c not in "auxwfecrhgT" for c in a):
                if a.isdigit():
                    pids.add(int(a))
                else:
                    return Output("", f"error: unsupported option (BSD syntax)\n{PS_USAGE}", 1)
            else:
                bsd = a
        i += 1
    procs, now = _all(inv)
    if "f" in bsd:
        forest = True
    if "h" in bsd:
        headers = False
    if not cols:
        if "u" in bsd:
            cols = [(k, AUX_HEAD.get(k, COLUMNS[k][0])) for k in AUX]
        elif full:
            cols = [(k, EF_HEAD.get(k, COLUMNS[k][0])) for k in EF]
        elif bsd:
            cols = [("pid", "PID"), ("tname", "TTY"), ("stat", "STAT"), ("bsdtime", "TIME"),
                    ("command", "COMMAND")]
        else:
            cols = [(k, "TTY" if k == "tname" else COLUMNS[k][0]) for k in DEFAULT]
    if pids or names or users:
        procs = [p for p in procs if p.pid in pids or p.comm in names or p.user in users]
    elif not (select_all or "a" in bsd and "x" in bsd):
        if "x" in bsd:
            procs = [p for p in procs if p.user == "root"]
        else:
            procs = [p for p in procs if _tty(p) != "?"]
    for key in reversed(sort_keys):
        name = key.lstrip("+-")
        if name not in COLUMNS:
            continue
        rev = key.startswith("-")
        numeric = COLUMNS[name][2] == "R"

        def sort_value(p: Proc, name: str = name, numeric: bool = numeric) -> object:
            raw = COLUMNS[name][3](p, now)
            if numeric:
                try:
                    return float(raw.replace(":", "").replace("-", ""))
                except ValueError:
                    return 0.0
            return raw

        procs = sorted(procs, key=sort_value, reverse=rev)
    art = None
    if forest:
        procs, art = _forest(procs)
    out = _render(cols, procs, now, headers, art)
    return Output(out, "", 0 if procs else 1)


def _parse_format(spec: str) -> list[tuple[str, str]]:
    """`-o pid,comm=NAME,user`: a header given with `=` runs to the next comma."""
    cols = []
    for part in spec.replace(" ", ",").split(","):
        if not part:
            continue
        key, eq, head = part.partition("=")
        if key.lower() not in COLUMNS:
            raise KeyError(key)
        cols.append((key.lower(), head if eq else COLUMNS[key.lower()][0]))
    return cols


# --- pgrep / pidof ------------------------------------------------------------------------

@command("pgrep")
def pgrep(inv: Invocation) -> Output:
    import re

    full = list_name = list_full = False
    exact = False
    patterns: list[str] = []
    for a in inv.args:
        if a.startswith("-") and len(a) > 1 and not a.startswith("--"):
            for ch in a[1:]:
                if ch == "f":
                    full = True
                elif ch == "l":
                    list_name = True
                elif ch == "a":
                    list_full = True
                elif ch == "x":
                    exact = True
                else:
                    return Output("", f"pgrep: invalid option -- '{ch}'\n{PGREP_USAGE}", 2)
        elif a.startswith("--"):
            return Output("", f"pgrep: unrecognized option '{a}'\n", 2)
        else:
            patterns.append(a)
    if not patterns:
        return Output("", "pgrep: no matching criteria specified\nTry `pgrep --help' for more "
                          "information.\n", 2)
    try:
        rx = re.compile(patterns[0])
    except re.error:
        return Output("", f"pgrep: cannot compile regular expression '{patterns[0]}'\n", 2)
    procs = processes(node_of(inv))
    found = []
    for p in procs:
        text = p.command if full else p.comm
        if (rx.fullmatch(text) if exact else rx.search(text)):
            found.append(p)
    out = "".join(f"{p.pid} {p.command}\n" if list_full else f"{p.pid} {p.comm}\n" if list_name
                  else f"{p.pid}\n" for p in found)
    return Output(out, "", 0 if found else 1)


@command("pidof")
def pidof(inv: Invocation) -> Output:
    names = {a.rsplit("/", 1)[-1] for a in inv.args if not a.startswith("-")}
    found = [p for p in reversed(processes(node_of(inv))) if p.comm in names or
             (p.args and p.args[0].rsplit("/", 1)[-1] in names)]
    if not found:
        return Output("", "", 1)
    return Output(" ".join(str(p.pid) for p in found) + "\n")


# --- kill -----------------------------------------------------------------------------------

SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8,
           "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
           "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22}
KILL_USAGE = ("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill "
              "-l [sigspec]\n")
FATAL = {1, 2, 3, 6, 9, 11, 15}  # signals the components do not survive (no handler keeps them)


def _signal(spec: str) -> int | None:
    name = spec.upper().removeprefix("SIG")
    if name.isdigit():
        return int(name) if 0 <= int(name) <= 64 else None
    return SIGNALS.get(name)


def _kill_unit(inv: Invocation, unit: str, sig: int) -> None:
    """systemd's view of a unit whose main process died: kubelet and containerd have
    Restart=always (RestartSec=1s), so a new process starts; running containers stay."""
    node = node_of(inv)
    cluster = cluster_of(inv)
    t = cluster.t
    name = next(k for k, v in SIGNALS.items() if v == sig) if sig in SIGNALS.values() else str(sig)
    if sig == 15:
        node.journal_line(t, unit, f"{unit}.service: Deactivated successfully.", pid=1)
    else:
        node.journal_line(t, unit, f"{unit}.service: Main process exited, code=killed, "
                                   f"status={sig}/{name}", pid=1)
        node.journal_line(t, unit, f"{unit}.service: Failed with result 'signal'.", pid=1)
    node.journal_line(t, unit, f"{unit}.service: Scheduled restart job, restart counter is at 1.",
                      pid=1)
    node.services[unit]["active"] = False
    cluster.service_action(node, unit, "start")


@command("kill")
def kill(inv: Invocation) -> Output:
    """bash's `kill` against the node's processes: a container's main process ends its
    container (137 for KILL, 0 for TERM: the components shut down cleanly), and the kubelet
    restarts it as it would any exit; killing the kubelet or containerd restarts the unit."""
    args = list(inv.args)
    if not args:
        return Output("", KILL_USAGE, 2)
    sig = 15
    if args[0] == "-l":
        if len(args) > 1:
            n = _signal(args[1])
            name = next((k for k, v in SIGNALS.items() if v == n), None)
            if name is None:
                return Output("", f"bash: kill: {args[1]}: invalid signal specification\n", 1)
            return Output(f"{n}\n" if not args[1].isdigit() else f"{name}\n")
        return Output(KILL_LIST)
    if args[0] in ("-s", "-n"):
        if len(args) < 2:
            return Output("", f"bash: kill: {args[0]}: option requires an argument\n"
                              f"{KILL_USAGE}", 2)
        spec, args = args[1], args[2:]
    elif args[0].startswith("-") and args[0] != "--":
        spec, args = args[0][1:], args[1:]
    else:
        spec = "TERM"
    if args and args[0] == "--":
        args = args[1:]
    found = _signal(spec)
    if found is None:
        return Output("", f"bash: kill: {spec}: invalid signal specification\n", 1)
    sig = found
    node = node_of(inv)
    cluster = cluster_of(inv)
    procs = {p.pid: p for p in processes(node)}
    err, status = "", 0
    for a in args:
        if not a.lstrip("-").isdigit():
            err += f"bash: kill: {a}: arguments must be process or job IDs\n"
            status = 1
            continue
        p = procs.get(int(a))
        if p is None:
            err += f"bash: kill: ({a}) - No such process\n"
            status = 1
            continue
        if sig not in FATAL:
            continue  # HUP/USR1/STOP…: the twin's components carry on
        if p.container is not None:
            code, reason = (0, "Completed") if sig == 15 else (128 + sig, "Error")
            p.container.stop(cluster.t, code, reason)
        elif p.comm in ("kubelet", "containerd"):
            _kill_unit(inv, p.comm, sig)
    return Output("", err, status)
