"""A node's /proc files agree with what `uptime`, `free`, `nproc` and `uname` print."""

from __future__ import annotations

import json
import re

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


@pytest.fixture(scope="module")
def kind() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_loadavg_and_uptime_are_the_numbers_uptime_prints(kind: SimCluster) -> None:
    up = sh(kind, "uptime")
    loads = re.search(r"load average: ([\d.]+), ([\d.]+), ([\d.]+)", up).groups()
    fields = sh(kind, "cat /proc/loadavg").split()
    assert tuple(fields[:3]) == loads
    running, total = map(int, fields[3].split("/"))
    assert 1 <= running <= total and int(fields[4]) > 0
    seconds, idle = map(float, sh(kind, "cat /proc/uptime").split())
    days, hours, mins = re.search(r"up (\d+) days?, +(\d+):(\d+)", up).groups()
    assert int(seconds) // 60 == int(days) * 1440 + int(hours) * 60 + int(mins)
    assert 0 < idle <= 2 * seconds


def test_meminfo_holds_what_free_computes_from_it(kind: SimCluster) -> None:
    info = {}
    for line in sh(kind, "cat /proc/meminfo").splitlines():
        key, _, rest = line.partition(":")
        info[key] = int(rest.split()[0])
    total, used, free, shared, cache, available = map(
        int, sh(kind, "free").splitlines()[1].split()[1:])
    assert info["MemTotal"] == total and info["MemFree"] == free
    assert info["MemAvailable"] == available and info["Shmem"] == shared
    assert info["Buffers"] + info["Cached"] + info["SReclaimable"] == cache
    assert total - free - cache == used


def test_meminfo_lines_are_aligned_like_the_kernels(kind: SimCluster) -> None:
    text = sh(kind, "cat /proc/meminfo")
    assert text.startswith("MemTotal:       24562888 kB\n")
    assert "\nHardwareCorrupted:     0 kB\n" in text
    assert "\nHugePages_Total:       0\n" in text
    assert "\nVmallocTotal:   34359738367 kB\n" in text


def test_cpuinfo_and_version_agree_with_nproc_and_uname(kind: SimCluster) -> None:
    cpuinfo = sh(kind, "cat /proc/cpuinfo")
    assert cpuinfo.count("processor\t: ") == int(sh(kind, "nproc"))
    assert "\nmodel\t\t: 85\n" in cpuinfo and "\npower management:\n\n" in cpuinfo
    version = sh(kind, "cat /proc/version")
    release, kversion = sh(kind, "uname -r").strip(), sh(kind, "uname -v").strip()
    assert version.startswith(f"Linux version {release} (buildd@")
    assert version.endswith(f") {kversion}\n")


def test_proc_files_are_generated_not_stored(kind: SimCluster) -> None:
    assert "MemTotal" not in json.dumps(kind.to_json())
    before = sh(kind, "cat /proc/uptime").split()[0]
    kind.advance(30)
    assert float(sh(kind, "cat /proc/uptime").split()[0]) == float(before) + 30


def test_kind_base_image_files(kind: SimCluster) -> None:
    assert sh(kind, "head -1 /etc/passwd") == "root:x:0:0:root:/root:/bin/bash\n"
    assert "statd:x:101:65534::/var/lib/nfs:/usr/sbin/nologin" in sh(kind, "cat /etc/passwd")
    toml = sh(kind, "cat /etc/containerd/config.toml", node="kind-worker")
    assert 'sandbox_image = "registry.k8s.io/pause:3.10"' in toml
    assert "SystemdCgroup = true" in toml
    assert "net.ipv4.conf.all.route_localnet=1" in sh(
        kind, "cat /etc/sysctl.d/10-network-magic.conf")
