"""/proc/{loadavg,uptime,meminfo,cpuinfo,version} of a kind node, made from the twin when read.

A kind node is a Docker container without lxcfs, so these are the Docker host's files: the
same numbers `uptime`, `free`, `top`, `nproc` and `uname` print in the twin's shell (they come
from the same functions of app/providers/sim/shell/proctable.py and hostcmds.UNAME), generated
when read like the CRI log files (podlogs.py) and never stored.

Formats are the kernel's (fs/proc/loadavg.c `"%lu.%02lu %lu.%02lu %lu.%02lu %u/%d %d\\n"`,
fs/proc/uptime.c `"%lu.%02lu %lu.%02lu\\n"`, fs/proc/meminfo.c `show_val_kb`: a 16-column
label, the value right-aligned in 8, " kB"), with the field list of a 6.8 kernel (Zswap,
SecPageTables, Unaccepted). /proc/version is the banner of the Ubuntu kernel the nodes report
(versions.KERNEL), as its dmesg shows it. The CPU model is not sourced from a real kind host:
any x86_64 VM's would do, this one is a common cloud instance type's.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from app.providers.sim.vfs import FILE, Inode

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

MOUNTS = ("/proc",)
TAB = "\t"
NCPU = 2  # the nodes' capacity.cpu and `nproc`

VERSION = ("Linux version 6.8.0-63-generic (buildd@lcy02-amd64-047) (x86_64-linux-gnu-gcc-13 "
           "(Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0, GNU ld (GNU Binutils for Ubuntu) 2.42) "
           "#66-Ubuntu SMP PREEMPT_DYNAMIC Fri Jun 13 20:25:30 UTC 2025\n")

CPU_FLAGS = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
    "sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc "
    "cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt "
    "tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch "
    "invpcid_single pti fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid mpx avx512f "
    "avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec "
    "xgetbv1 xsaves ida arat pku ospke")
CPU_BUGS = ("cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs itlb_multihit "
            "mmio_stale_data retbleed gds bhi its")


def _col(label: str, value: int) -> str:
    """The label padded to 16 columns and the value right-aligned to column 24, as every
    real meminfo shows (`HardwareCorrupted:     0 kB`, `HugePages_Total:       0`)."""
    text = f"{label + ':':<16}"
    return f"{text}{value:>{max(1, 24 - len(text))}}"


def _kb(label: str, value: int) -> str:
    return _col(label, value) + " kB\n"


def meminfo(node: SimNode) -> str:
    """fs/proc/meminfo.c over proctable.memory(): MemFree, MemAvailable, Buffers and Shmem as
    `free` prints them; its buff/cache is Buffers + Cached + SReclaimable."""
    from app.providers.sim.shell.proctable import memory

    m = memory(node.cluster)
    sreclaimable = m.cache // 9
    cached = m.cache - sreclaimable
    anon = m.used - 180_000
    sunreclaim = 96_412 + 9_000 * len(node.cluster.nodes)
    rows = [
        ("MemTotal", m.total), ("MemFree", m.free), ("MemAvailable", m.available),
        ("Buffers", m.buffers), ("Cached", cached), ("SwapCached", 0),
        ("Active", anon // 3 + cached // 2), ("Inactive", anon - anon // 3 + cached // 2),
        ("Active(anon)", anon // 3), ("Inactive(anon)", anon - anon // 3),
        ("Active(file)", cached // 2), ("Inactive(file)", cached - cached // 2),
        ("Unevictable", 30_720), ("Mlocked", 27_648), ("SwapTotal", m.swap_total),
        ("SwapFree", m.swap_free), ("Zswap", 0), ("Zswapped", 0), ("Dirty", 1_284),
        ("Writeback", 0), ("AnonPages", anon), ("Mapped", 412_880), ("Shmem", m.shared),
        ("KReclaimable", sreclaimable), ("Slab", sreclaimable + sunreclaim),
        ("SReclaimable", sreclaimable), ("SUnreclaim", sunreclaim), ("KernelStack", 11_472),
        ("PageTables", 18_904), ("SecPageTables", 0), ("NFS_Unstable", 0), ("Bounce", 0),
        ("WritebackTmp", 0), ("CommitLimit", m.total // 2), ("Committed_AS", anon * 3),
        ("VmallocTotal", 34359738367), ("VmallocUsed", 61_740), ("VmallocChunk", 0),
        ("Percpu", 3_264), ("HardwareCorrupted", 0), ("AnonHugePages", 0),
        ("ShmemHugePages", 0), ("ShmemPmdMapped", 0), ("FileHugePages", 0),
        ("FilePmdMapped", 0), ("Unaccepted", 0),
    ]
    out = "".join(_kb(label, value) for label, value in rows)
    out += "".join(_col(label, 0) + "\n" for label in (
        "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"))
    out += _kb("Hugepagesize", 2048) + _kb("Hugetlb", 0)
    out += _kb("DirectMap4k", 210_924) + _kb("DirectMap2M", 8_177_664)
    out += _kb("DirectMap1G", m.total - m.total % 1_048_576 - 7_340_032)
    return out


def _processes(node: SimNode) -> list:  # noqa: ANN401 - proctable.Proc
    from app.providers.sim.shell.proctable import processes

    return [p for n in node.cluster.nodes for p in processes(n)]


def loadavg(node: SimNode) -> str:
    from app.providers.sim.shell.proctable import load_average

    one, five, fifteen = load_average(node.cluster)
    procs = _processes(node)
    threads = 287 + sum(getattr(p, "threads", 1) for p in procs)
    running = 1 + (1 if one >= 1 else 0)
    last = 100_000 + max((p.pid for p in procs), default=0) * 7 % 90_000
    return f"{one:.2f} {five:.2f} {fifteen:.2f} {running}/{threads} {last}\n"


def uptime(node: SimNode) -> str:
    from app.providers.sim.shell.proctable import host_booted, load_average

    up = max(0.0, node.cluster.t - host_booted(node.cluster))
    busy = min(load_average(node.cluster)[2], NCPU * 0.95)
    idle = up * (NCPU - busy)
    return f"{up:.2f} {idle:.2f}\n"


@functools.cache
def cpuinfo() -> str:
    blocks = []
    for i in range(NCPU):
        fields = [
            ("processor", str(i)), ("vendor_id", "GenuineIntel"), ("cpu family", "6"),
            ("model", "85"), ("model name", "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"),
            ("stepping", "7"), ("microcode", "0x5003901"), ("cpu MHz", "2499.998"),
            ("cache size", "36608 KB"), ("physical id", "0"), ("siblings", str(NCPU)),
            ("core id", str(i // 2)), ("cpu cores", str(max(1, NCPU // 2))), ("apicid", str(i)),
            ("initial apicid", str(i)), ("fpu", "yes"), ("fpu_exception", "yes"),
            ("cpuid level", "13"), ("wp", "yes"), ("flags", CPU_FLAGS), ("bugs", CPU_BUGS),
            ("bogomips", "4999.99"), ("clflush size", "64"), ("cache_alignment", "64"),
            ("address sizes", "46 bits physical, 48 bits virtual"),
        ]
        # arch/x86/kernel/cpu/proc.c: "model\t\t: ", "model name\t: " (names padded by tabs
        # to the 8-column stop), and a bare "power management:" line ending each block
        lines = [k + (TAB if len(k) >= 8 else TAB * 2) + ": " + v + "\n" for k, v in fields]
        blocks.append("".join(lines) + "power management:\n")
    return "\n".join(blocks) + "\n"


def tree(node: SimNode) -> dict[str, Inode]:
    now = node.cluster.t
    files = {"loadavg": loadavg(node), "uptime": uptime(node), "meminfo": meminfo(node),
             "cpuinfo": cpuinfo(), "version": VERSION}
    from app.providers.sim import procpid

    # Kernel-generated: `ls -l` and stat say size 0 (virtual), reading gives the text.
    out = {f"/proc/{name}": Inode(FILE, data=text.encode(), mode=0o444, mtime=now,
                                  virtual=True) for name, text in files.items()}
    out.update(procpid.tree(node, now))
    return out
