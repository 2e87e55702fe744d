"""`fio` and `iostat -x`: figures from the node's disk model (base fsync latency plus any
latency a fault added), so a slow etcd disk shows where an SRE would look.

Shapes: fio 3.33 (Debian 12) normal output as in the IBM etcd/fio guide (real-output §6:
`sync (usec): min=..., max=..., avg=..., stdev=...`, `sync percentiles (usec):` rows of four,
units switching to msec for slow disks); sysstat 12.6 `iostat -x` extended columns. Neither
tool ships in the kind node image; the twin answers as if the SRE had installed them.
"""

from __future__ import annotations

import re

from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import utc
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import node_of

PCTS = [1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0, 99.0, 99.5,
        99.9, 99.95, 99.99]
SIZES = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


def _size(text: str) -> int:
    m = re.fullmatch(r"(\d+)([kmgKMG])?i?[bB]?", text)
    if not m:
        raise ValueError(text)
    return int(m.group(1)) * SIZES.get((m.group(2) or "").lower(), 1)


def _percentiles(base_us: float) -> list[int]:
    """A latency distribution with a long tail: p50 ~1.2x base, p99.9 ~12x."""
    shape = [0.45, 0.47, 0.49, 0.51, 0.54, 0.59, 0.73, 0.85, 0.92, 1.05, 1.9, 2.1, 2.4, 7.9,
             12.9, 12.9, 12.9]
    return [max(1, round(base_us * 1.22 * s)) for s in shape]


def _pct_block(label: str, values_us: list[int]) -> list[str]:
    """fio shows percentiles in msec once the smallest is over a millisecond."""
    msec = values_us[0] > 1000
    values = [round(v / 1000) if msec else v for v in values_us]
    entries = [f"{p:5.2f}th=[{v:5d}]" for p, v in zip(PCTS, values, strict=True)]
    rows = [entries[i:i + 4] for i in range(0, len(entries), 4)]
    out = [f"    {label} percentiles ({'msec' if msec else 'usec'}):"]
    for i, row in enumerate(rows):
        out.append("     | " + ", ".join(row) + ("," if i < len(rows) - 1 else ""))
    return out


def _stats(label: str, lo: float, hi: float, avg: float, dev: float) -> str:
    if lo > 1000:
        return (f"    {label} (msec): min={lo / 1000:.0f}, max={hi / 1000:.0f}, "
                f"avg={avg / 1000:.2f}, stdev={dev / 1000:.2f}")
    return f"    {label} (usec): min={lo:.0f}, max={hi:.0f}, avg={avg:.2f}, stdev={dev:.2f}"


@command("fio")
def fio(inv: Invocation) -> Output:
    opts: dict[str, str] = {}
    for a in inv.args:
        if a.startswith("--"):
            k, _, v = a[2:].partition("=")
            opts[k] = v or "1"
    if "name" not in opts:
        return Output(stderr="fio: need a job name (--name=)\n", exit_code=1)
    if "size" not in opts:
        return Output(stderr=f"{opts['name']}: you need to specify size=\n"
                             "fio: pid=0, err=22/file:filesetup.c:1033, func=total_file_size, "
                             "error=Invalid argument\n", exit_code=1)
    try:
        size, bs = _size(opts["size"]), _size(opts.get("bs", "4k"))
    except ValueError as err:
        return Output(stderr=f"fio: failed parsing {err}\n", exit_code=1)
    node = node_of(inv)
    sync_us = ec.disk_ms(node) * 1000 * 1.6
    n = max(1, size // bs)
    if "runtime" in opts:
        n = min(n, max(1, int(float(opts["runtime"].rstrip("s")) * 1e6 / (sync_us + 14))))
    run_ms = max(1, int(n * (sync_us + 14) / 1000))
    iops = int(n * 1000 / run_ms)
    bw_kib = iops * bs / 1024
    name, rw = opts["name"], opts.get("rw", "read")
    pct = _percentiles(sync_us)
    d = utc(node.cluster.t)
    mib = n * bs / 1024 / 1024
    lines = [
        f"{name}: (g=0): rw={rw}, bs=(R) {bs}B-{bs}B, (W) {bs}B-{bs}B, (T) {bs}B-{bs}B, "
        f"ioengine={opts.get('ioengine', 'psync')}, iodepth=1",
        "fio-3.33", "Starting 1 process",
        f"{name}: Laying out IO file (1 file / {size // 1024 // 1024}MiB)", "",
        f"{name}: (groupid=0, jobs=1): err= 0: pid=4817: {d:%a %b %d %H:%M:%S %Y}",
        f"  write: IOPS={iops}, BW={bw_kib:.0f}KiB/s ({bw_kib * 1.024:.0f}kB/s)"
        f"({mib:.1f}MiB/{run_ms}msec); 0 zone resets",
        "    clat (usec): min=4, max=812, avg=12.91, stdev=9.88",
        "     lat (usec): min=5, max=814, avg=13.24, stdev=9.93",
        f"   bw (  KiB/s): min={bw_kib * 0.8:5.0f}, max={bw_kib * 1.15:5.0f}, per=100.00%, "
        f"avg={bw_kib:.2f}, stdev={bw_kib * 0.06:.2f}, samples={max(1, run_ms // 500)}",
        f"   iops        : min={iops * 0.8:5.0f}, max={iops * 1.15:5.0f}, avg={iops:.2f}, "
        f"stdev={iops * 0.06:.2f}, samples={max(1, run_ms // 500)}",
        "  fsync/fdatasync/sync_file_range:",
        _stats("sync", pct[0], pct[-1], sync_us, sync_us * 0.85),
        *_pct_block("sync", pct),
        "  cpu          : usr=0.51%, sys=5.87%, ctx=21983, majf=0, minf=12",
        "  IO depths    : 1=200.0%, 2=0.0%, 4=0.0%, 8=0.0%, 16=0.0%, 32=0.0%, >=64=0.0%",
        f"     issued rwts: total=0,{n},0,0 short={n},0,0,0 dropped=0,0,0,0", "",
        "Run status group 0 (all jobs):",
        f"  WRITE: bw={bw_kib:.0f}KiB/s ({bw_kib * 1.024:.0f}kB/s), {bw_kib:.0f}KiB/s-"
        f"{bw_kib:.0f}KiB/s ({bw_kib * 1.024:.0f}kB/s-{bw_kib * 1.024:.0f}kB/s), "
        f"io={mib:.1f}MiB ({n * bs / 1e6:.1f}MB), run={run_ms}-{run_ms}msec", "",
        "Disk stats (read/write):",
        f"  sda: ios=0/{n * 2}, merge=0/{n}, ticks=0/{int(n * sync_us / 1000)}, "
        f"in_queue={int(n * sync_us / 900)}, util=98.71%",
    ]
    return Output(stdout="\n".join(lines) + "\n")


IOSTAT_HEADER = ("Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     "
                 "wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await "
                 "dareq-sz     f/s f_await  aqu-sz  %util")


@command("iostat")
def iostat(inv: Invocation) -> Output:
    node = node_of(inv)
    ms = ec.disk_ms(node)
    d = utc(node.cluster.t)
    head = (f"Linux 6.8.0-63-generic ({node.name}) \t{d:%m/%d/%y} \t_x86_64_\t(2 CPU)\n\n"
            "avg-cpu:  %user   %nice %system %iowait  %steal   %idle\n"
            f"{4.21:15.2f}{0.0:8.2f}{2.13:8.2f}{min(40.0, 0.35 + ms / 20):8.2f}{0.0:8.2f}"
            f"{93.31 - min(40.0, ms / 20):8.2f}\n\n")
    if "-x" not in inv.args and not any(a.startswith("-") and "x" in a for a in inv.args):
        return Output(stdout=head + "Device             tps    kB_read/s    kB_wrtn/s    "
                                    "kB_dscd/s    kB_read    kB_wrtn    kB_dscd\n"
                                    "sda              15.44        21.37       233.82         "
                                    "0.00     812346    8889104          0\n\n")
    values = [0.52, 21.37, 0.05, 8.77, 0.61, 41.10, 14.92, 233.82, 6.32, 29.75, ms * 1.3 + 0.5,
              15.67, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.55, ms * 1.1 + 0.2,
              min(24.0, 0.02 + ms * 0.02), min(100.0, 1.21 + ms * 0.22)]
    ends = [m.end() for m in re.finditer(r"\S+", IOSTAT_HEADER)][1:]
    row, pos = "sda", 3
    for v, end in zip(values, ends, strict=True):
        cell = f"{v:.2f}"
        row += " " * max(1, end - pos - len(cell)) + cell
        pos = len(row)
    return Output(stdout=head + IOSTAT_HEADER + "\n" + row + "\n\n")
