"""`dmesg` (util-linux 2.38): the Docker host's kernel ring buffer, which a kind node (a
privileged container, CAP_SYSLOG) reads in full.

Lines: the start of the host's boot, then the bridge of the `kind` Docker network taking each
node container's veth when it started and dropping it when a node was powered off (the
container stopped); timestamps are seconds since the host booted (`[%5d.%06d]`, `-T` as
`[Wed Nov 26 00:49:30 2025]`). The kernel is the host's (versions.KERNEL).
"""

from __future__ import annotations

import hashlib
import time

from app.providers.sim import versions
from app.providers.sim.shell.proctable import host_booted
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of

BOOT = [
    (0.0, f"Linux version {versions.KERNEL} (buildd@lcy02-amd64-100) (x86_64-linux-gnu-gcc-13 "
          "(Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0, GNU ld (GNU Binutils for Ubuntu) 2.42) "
          "#66-Ubuntu SMP PREEMPT_DYNAMIC Fri Jun 13 20:25:30 UTC 2025 (Ubuntu "
          "6.8.0-63.66-generic 6.8.12)"),
    (0.0, f"Command line: BOOT_IMAGE=/boot/vmlinuz-{versions.KERNEL} root=UUID=4c1e2d0b-"
          "5b9e-4d4f-9a59-0f3e8e1b6c21 ro"),
    (0.0, "KERNEL supported cpus:"),
    (0.0, "  Intel GenuineIntel"),
    (0.0, "  AMD AuthenticAMD"),
    (0.012431, "Memory: 24316252K/25165280K available (20480K kernel code, 4432K rwdata, "
               "14444K rodata, 4972K init, 4292K bss, 848768K reserved, 0K cma-reserved)"),
    (0.289815, "smpboot: Allowing 2 CPUs, 0 hotplug CPUs"),
    (1.102338, "EXT4-fs (sda1): mounted filesystem 4c1e2d0b-5b9e-4d4f-9a59-0f3e8e1b6c21 ro "
               "with ordered data mode. Quota mode: none."),
    (3.417520, "EXT4-fs (sda1): re-mounted 4c1e2d0b-5b9e-4d4f-9a59-0f3e8e1b6c21 r/w. "
               "Quota mode: none."),
    (9.873104, "bridge: filtering via arp/ip/ip6tables is no longer available by default. "
               "Update your scripts to load br_netfilter if you need this."),
    (10.204771, "Initializing XFRM netlink socket"),
]


def _h(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def ring(inv: Invocation) -> list[tuple[float, str]]:
    cluster = cluster_of(inv)
    booted = host_booted(cluster)
    bridge = f"br-{_h('network', cluster.name)[:12]}"
    lines = list(BOOT)
    for port, node in enumerate(cluster.nodes, start=1):
        veth = f"veth{_h('veth', node.name)[:7]}"
        t = node.booted - booted - 0.4 + port * 0.01
        lines += [(t, f"{bridge}: port {port}({veth}) entered blocking state"),
                  (t, f"{bridge}: port {port}({veth}) entered disabled state"),
                  (t, f"{veth}: entered allmulticast mode"),
                  (t, f"{veth}: entered promiscuous mode"),
                  (t + 0.09, f"eth0: renamed from veth{_h('peer', node.name)[:7]}"),
                  (t + 0.11, f"{bridge}: port {port}({veth}) entered blocking state"),
                  (t + 0.11, f"{bridge}: port {port}({veth}) entered forwarding state")]
        if not node.powered:
            finished = [c.finished or 0.0 for c in node.runtime.containers.values()]
            stopped = max(finished) if finished else cluster.t
            s = stopped - booted - 0.1  # the bridge notices as the container goes
            lines += [(s, f"{bridge}: port {port}({veth}) entered disabled state"),
                      (s + 0.02, f"veth{_h('peer', node.name)[:7]}: renamed from eth0"),
                      (s + 0.05, f"{bridge}: port {port}({veth}) entered disabled state"),
                      (s + 0.05, f"{veth} (unregistering): left allmulticast mode"),
                      (s + 0.05, f"{veth} (unregistering): left promiscuous mode"),
                      (s + 0.05, f"{bridge}: port {port}({veth}) entered disabled state")]
    now = cluster.t - booted
    return sorted((x for x in lines if x[0] <= now), key=lambda x: x[0])


@command("dmesg")
def dmesg(inv: Invocation) -> Output:
    human_time = decode = False
    for a in inv.args:
        if a in ("-T", "--ctime"):
            human_time = True
        elif a in ("-x", "--decode"):
            decode = True
        elif a in ("-H", "--human", "-L", "--color", "-k", "--kernel",
                   "-P", "--nopager", "-w", "--follow", "-l", "--level") or \
                a.startswith(("--level=", "-l")):
            continue
        else:
            ch = a.lstrip("-")[:1]
            return Output("", f"dmesg: invalid option -- '{ch}'\nTry 'dmesg --help' for more "
                              "information.\n", 1)
    booted = host_booted(cluster_of(inv))
    out = []
    for t, msg in ring(inv):
        prefix = "" if not decode else "kern  :notice: " if msg.startswith(
            ("Linux version", "Command line")) else "kern  :info  : "
        if human_time:
            stamp = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(booted + t))
            out.append(f"{prefix}[{stamp}] {msg}")
        else:
            secs = int(t)
            out.append(f"{prefix}[{secs:5d}.{int(round((t - secs) * 1e6)) % 1000000:06d}] {msg}")
    return Output("".join(x + "\n" for x in out))
