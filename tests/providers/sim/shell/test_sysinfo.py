"""uptime/top/free/vmstat: procps-ng 4.0.2 layouts over the host-wide view of the twin."""

from __future__ import annotations

import re
import time

from app.providers.sim.shell import sysinfo
from app.providers.sim.shell.proctable import Memory
from tests.providers.sim.shell.nodetwin import run, sample, twin


def test_top_batch_frame() -> None:
    out, code = run(twin(), "top -b -n 1")
    lines = out.splitlines()
    assert code == 0
    assert re.fullmatch(r"top - 01:00:00 up 2 days, +\d+:\d\d,  0 user,  load average: "
                        r"\d\.\d\d, \d\.\d\d, \d\.\d\d", lines[0])
    assert re.fullmatch(r"Tasks: +\d+ total, +1 running, +\d+ sleeping, +0 stopped, +0 zombie",
                        lines[1])
    assert lines[3].startswith("MiB Mem :  23987.2 total,")
    assert lines[6] == ("    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ "
                        "COMMAND")
    assert lines[7].endswith(" kube-apiserver")  # the busiest process first
    out, code = run(twin(), "top -Z")
    assert (out, code) == ("top: invalid option -- 'Z'\n", 0)  # procps 4.0.2 exits 0


def test_free_matches_procps4_layout() -> None:
    gib, mib = 1024 * 1024, 1024
    m = Memory(total=8132608, free=7 * gib, used=631 * mib, shared=3891, buffers=100_000,
               cache=381952 - 100_000, available=7444889)
    assert sysinfo.render_free(m, "h") == sample("free-h-procps4.txt")
    m2 = Memory(total=7942 * mib + 10, free=6593 * mib, used=714 * mib, shared=3 * mib + 5,
                buffers=0, cache=925 * mib, available=7227 * mib)
    assert sysinfo.render_free(m2, "m") == sample("free-m-procps4.txt")


def test_free_on_the_twin_and_its_usage_error() -> None:
    out, _ = run(twin(), "free")
    assert out.splitlines()[1].startswith("Mem:        24562888 ")
    out, code = run(twin(), "free -q")
    assert code == 1 and out.startswith("free: invalid option -- 'q'\n\nUsage:\n free [options]")


def test_vmstat_rows_match_procps_and_samples_do_not_sleep() -> None:
    head1, head2, row1, row2 = sample("vmstat-procps4.txt").splitlines()
    assert f"{head1}\n{head2}\n" == sysinfo.VMSTAT_HEAD
    assert sysinfo.vmstat_row([0, 0, 0, 4996868, 1537492, 18966428, 0, 0, 18, 61, 23, 1, 4, 2,
                             95, 0, 0]) == row1
    assert sysinfo.vmstat_row([0, 0, 0, 5006424, 1537504, 18956112, 0, 0, 0, 61, 6112, 7490, 4,
                             4, 92, 0, 0]) == row2
    started = time.monotonic()
    out, code = run(twin(), "vmstat 1 5")
    assert code == 0 and len(out.splitlines()) == 7
    assert time.monotonic() - started < 5


def test_uptime_and_registered_commands_are_known() -> None:
    c = twin()
    out, _ = run(c, "uptime")
    assert re.fullmatch(r" 01:00:00 up 2 days, +\d+:\d\d,  0 user,  load average: [\d., ]+\n",
                        out)
    for line in ("ps aux", "top -b -n1", "free -m", "vmstat", "pgrep kubelet", "pidof etcd"):
        run(c, line)
    assert c.unknown_commands == []


def test_free_repeats_with_count() -> None:
    out, _ = run(twin(), "free -m -c 2")
    assert out.count("Mem:") == 2 and out.endswith("\n\n")
    assert run(twin(), "free -c x") == ("free: failed to parse count argument: 'x'\n", 1)
