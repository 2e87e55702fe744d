"""`systemctl` and `journalctl` over the node's units and journal (systemd 252, Debian 12)."""

from __future__ import annotations

import re

from app.providers.base import ProviderError
from app.providers.sim.clock import second_text, split_micro, utc
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import (
    cluster_of,
    expand_short_flags,
    node_of,
    split_flags,
)

UNITS = {
    "kubelet": ("kubelet: The Kubernetes Node Agent", "/etc/systemd/system/kubelet.service",
                "http://kubernetes.io/docs/"),
    "containerd": ("containerd container runtime", "/etc/systemd/system/containerd.service",
                   "https://containerd.io"),
}
KUBELET_CMD = ("/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf "
               "--kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml "
               "--container-runtime-endpoint=unix:///run/containerd/containerd.sock")


def _unit(name: str) -> str:
    return name[:-len(".service")] if name.endswith(".service") else name


def _since(t: float, now: float) -> str:
    d = utc(t)
    ago = int(now - t)
    if ago < 60:
        rel = f"{ago}s ago"
    elif ago < 3600:
        rel = f"{ago // 60}min {ago % 60}s ago" if ago < 600 else f"{ago // 60}min ago"
    else:
        rel = f"{ago // 3600}h {ago % 3600 // 60}min ago"
    return f"{d:%a %Y-%m-%d %H:%M:%S} UTC; {rel}"


def journal_lines(inv: Invocation, unit: str | None, since: float | None = None,
                  max_priority: int = 7) -> list[str]:
    from app.providers.sim.shell.journal_more import priority_of

    node = node_of(inv)
    now = node.cluster.t
    out = []
    from app.providers.sim import containerd_journal, kubelet_journal

    # The derived lines cost more to build than the rest of the command: only the units asked for.
    every = list(node.journal)
    if unit in (None, "kubelet"):
        every += kubelet_journal.entries(node)
    if unit in (None, "containerd"):
        every += containerd_journal.entries(node)
    for t, u, pid, msg in sorted(every, key=lambda e: e[0]):
        if t > now or (unit and u != unit) or (since is not None and t < since):
            continue
        if max_priority < 7 and priority_of(pid, msg) > max_priority:
            continue
        source = "systemd" if pid == 1 else u
        stamp = second_text(split_micro(t)[0], "%b %d %H:%M:%S")
        out.append(f"{stamp} {node.name} {source}[{pid}]: {msg}")
    return out


def _status(inv: Invocation, name: str) -> Output:
    node = node_of(inv)
    now = node.cluster.t
    svc = node.services.get(name)
    if svc is None:
        return Output(stderr=f"Unit {name}.service could not be found.\n", exit_code=4)
    desc, path, docs = UNITS[name]
    enabled = "enabled" if svc["enabled"] else "disabled"
    lines = [f"{'●' if svc['active'] else '○'} {name}.service - {desc}",
             f"     Loaded: loaded ({path}; {enabled}; preset: enabled)"]
    if name == "kubelet":
        lines += ["    Drop-In: /etc/systemd/system/kubelet.service.d",
                  "             └─10-kubeadm.conf, 11-kind.conf"]
    if svc["active"]:
        lines += [f"     Active: active (running) since {_since(svc['since'], now)}",
                  f"       Docs: {docs}",
                  f"   Main PID: {node.kubelet_pid if name == 'kubelet' else 105} ({name})",
                  "      Tasks: 17 (limit: 28789)", "     Memory: 52.4M", "        CPU: 14.312s",
                  f"     CGroup: /{'kubelet.slice/' if name == 'kubelet' else 'system.slice/'}"
                  f"{name}.service",
                  f"             └─{node.kubelet_pid if name == 'kubelet' else 105} "
                  f"{KUBELET_CMD if name == 'kubelet' else '/usr/local/bin/containerd'}"]
    else:
        lines += [f"     Active: inactive (dead) since {_since(svc['since'], now)}",
                  f"       Docs: {docs}",
                  f"   Main PID: {node.kubelet_pid} (code=exited, status=0/SUCCESS)"]
    tail = journal_lines(inv, name)[-10:]
    if tail:
        lines += [""] + tail
    return Output(stdout="\n".join(lines) + "\n", exit_code=0 if svc["active"] else 3)


@command("systemctl")
def systemctl(inv: Invocation) -> Output:
    flags, pos = split_flags(inv.args, set())
    if not pos:
        pos = ["list-units"]
    verb, units = pos[0], [_unit(u) for u in pos[1:]]
    node = node_of(inv)
    cluster = cluster_of(inv)
    if verb == "daemon-reload":
        return Output()
    if verb == "list-units":
        from app.providers.sim.shell import systemd_more

        states = systemd_more.state_filter(inv.args)
        shown = {u: s for u, s in node.services.items() if states is None or states & (
            {"active", "running"} if s["active"] else {"inactive", "dead"})}
        if not shown:
            return Output(stdout="  UNIT LOAD ACTIVE SUB DESCRIPTION\n0 loaded units listed.\n")
        rows = [f"  {u}.service{' ' * (20 - len(u))}loaded {'active   running' if s['active'] else 'inactive dead   '} {UNITS[u][0]}"  # noqa: E501
                for u, s in sorted(shown.items())]
        return Output(stdout="  UNIT                      LOAD   ACTIVE   SUB     DESCRIPTION\n"
                             + "\n".join(rows) + f"\n\n{len(rows)} loaded units listed.\n")
    if not units:
        return Output(stderr=f"Too few arguments.\n", exit_code=1)  # noqa: F541
    if verb in ("cat", "show"):
        from app.providers.sim.shell import systemd_more

        if verb == "cat":
            return systemd_more.cat(inv, units)
        return systemd_more.show(inv, inv.args)
    if verb == "status":
        outs = [_status(inv, u) for u in units]
        return Output(stdout="\n".join(o.stdout for o in outs if o.stdout),
                      stderr="".join(o.stderr for o in outs),
                      exit_code=max(o.exit_code for o in outs))
    for u in units:
        if u not in node.services:
            return Output(stderr=f"Failed to {verb} {u}.service: Unit {u}.service not found.\n",
                          exit_code=5)
    if verb in ("is-active", "is-enabled"):
        key = "active" if verb == "is-active" else "enabled"
        words = [("active" if node.services[u]["active"] else "inactive") if key == "active"
                 else ("enabled" if node.services[u]["enabled"] else "disabled") for u in units]
        ok = all(node.services[u][key] for u in units)
        return Output(stdout="\n".join(words) + "\n", exit_code=0 if ok else 3)
    action = verb
    if verb in ("enable", "disable") and "now" in flags:
        action = f"{verb} --now"
    if action not in ("start", "stop", "restart", "enable", "disable", "enable --now",
                      "disable --now", "reload-or-restart", "try-restart"):
        return Output(stderr=f'Unknown command verb {verb}.\n', exit_code=1)
    if action in ("reload-or-restart", "try-restart"):
        action = "restart"
    out = ""
    for u in units:
        try:
            cluster.service_action(node, u, action)
        except ProviderError as err:
            return Output(stderr=f"{err}\n", exit_code=1)
        if verb == "enable":
            out += ("Created symlink /etc/systemd/system/multi-user.target.wants/"
                    f"{u}.service → /etc/systemd/system/{u}.service.\n")
        if verb == "disable":
            out += f"Removed \"/etc/systemd/system/multi-user.target.wants/{u}.service\".\n"
    return Output(stderr=out)


@command("journalctl")
def journalctl(inv: Invocation) -> Output:
    from app.providers.sim.shell import journal_more

    args = expand_short_flags(inv.args, "unpogSU")  # getopt: `-xeu kubelet`, `-n20`, `-perr`
    flags, pos = split_flags(args, {"u", "unit", "n", "lines", "since", "p", "priority",
                                    "o", "output", "g", "grep", "S", "U", "until"})
    if "list-boots" in flags:  # journal_boots.py
        from app.providers.sim.shell.journal_boots import list_boots

        return list_boots(inv)
    unit = flags.get("u") or flags.get("unit")
    unit = _unit(unit) if unit else None
    since_arg = flags.get("since") or flags.get("S")
    since = _since_cutoff(node_of(inv).cluster.t, since_arg) if since_arg else None
    prio = flags.get("p") or flags.get("priority")
    max_priority = journal_more.parse_priority(prio) if prio else 7
    if max_priority is None:
        return Output(stderr=f"Failed to parse priority value: {prio}\n", exit_code=1)
    lines = journal_lines(inv, unit, since, max_priority)
    if "g" in flags or "grep" in flags:
        try:
            rx = re.compile(flags.get("g") or flags.get("grep") or "")
        except re.error as err:
            return Output(stderr=f"Bad pattern: {err}\n", exit_code=1)
        lines = [ln for ln in lines if rx.search(ln.split(": ", 1)[-1])]
    n = flags.get("n") or flags.get("lines")
    if n is None and ("f" in flags or "follow" in flags):
        n = ""  # -f starts from the last 10 lines, as journalctl does
    if n is not None:
        try:
            count = 10 if n in ("", "true") else int(n)
        except ValueError:
            return Output(stderr=f"Failed to parse lines '{n}'.\n", exit_code=1)
        lines = lines[-count:] if count else []
    elif "e" in flags or "pager-end" in flags:
        lines = lines[-1000:]
    if "r" in flags or "reverse" in flags:
        lines.reverse()
    if not lines:
        return Output(stdout="-- No entries --\n")
    if (flags.get("o") or flags.get("output")) == "cat":  # message only, no syslog prefix
        lines = [ln.split(": ", 1)[-1] for ln in lines]
    return Output(stdout="\n".join(lines) + "\n")


def _since_cutoff(now: float, since: str) -> float | None:
    """`--since "5 min ago"`, `--since -10m`: the relative forms people type at an incident."""
    m = re.fullmatch(r"-?(\d+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?)( ago)?", since.strip())
    if m is None:
        from app.providers.sim.shell.journal_more import absolute_since

        return absolute_since(now, since)
    return now - int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)[0]]
