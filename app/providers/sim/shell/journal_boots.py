"""`journalctl --list-boots` (systemd 252, Debian 12's, in the kind node image).

journald stamps every entry with the boot ID from /proc/sys/kernel/random/boot_id, which is
not namespaced: a kind node reads the Docker host's (the same value the kubelet reports as the
Node's `bootID`, app/providers/sim/nodeids.py), so a node container's restarts stay in boot 0
and the list has one row: index 0, the ID as 32 hex digits, the node journal's first and last
entries. systemd >= 251 prints it with format-table: upper-case header, columns one space
apart and padded to their widths (the header's last cell too), the index right-aligned,
timestamps as `Thu 2026-09-17 13:28:23 UTC` (a kind node's transcript, tests/fidelity/samples).
"""

from __future__ import annotations

from app.providers.sim import nodeids
from app.providers.sim.clock import utc
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import node_of


def _stamp(t: float) -> str:
    return f"{utc(t):%a %Y-%m-%d %H:%M:%S} UTC"


def list_boots(inv: Invocation) -> Output:
    node = node_of(inv)
    now = node.cluster.t
    times = sorted(t for t, *_ in node.journal if t <= now)
    if not times:
        return Output()
    row = ["0", nodeids.boot_id(node.cluster.name).replace("-", ""), _stamp(times[0]),
           _stamp(times[-1])]
    header = ["IDX", "BOOT ID", "FIRST ENTRY", "LAST ENTRY"]
    widths = [max(len(h), len(c)) for h, c in zip(header, row, strict=True)]
    head = " ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    line = " ".join([row[0].rjust(widths[0]),
                     *(c.ljust(w) for c, w in zip(row[1:], widths[1:], strict=True))])
    return Output(stdout=f"{head}\n{line}\n")
