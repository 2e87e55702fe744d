"""/proc as a kind node shows it: size-0 kernel files, a directory per process `ps` lists with
its NUL-separated cmdline and kernel-format status, and nothing of the server's environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"


@pytest.fixture(scope="module")
def kind() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_proc_files_list_with_size_zero_but_read_their_text(kind: SimCluster) -> None:
    row = sh(kind, "ls -l /proc/loadavg")
    assert row.startswith("-r--r--r-- 1 root root 0 ")
    assert sh(kind, "test -s /proc/meminfo && echo nonempty || echo empty") == "empty\n"
    assert sh(kind, "stat -c %s /proc/uptime") == "0\n"
    assert sh(kind, "wc -c < /proc/loadavg").strip() != "0"
    assert sh(kind, "file /proc/cpuinfo") == "/proc/cpuinfo: empty\n"


def test_every_process_ps_lists_has_a_proc_directory(kind: SimCluster) -> None:
    rows = [ln.split() for ln in sh(kind, "ps -e -o pid=,tty=").splitlines()]
    node_pids = {int(pid) for pid, tty in rows if tty == "?"}
    shell = int(sh(kind, "echo $$"))  # the trainee's bash has one too (procself.py), not ps
    dirs = {int(x) for x in sh(kind, "ls /proc").split() if x.isdigit()}
    assert node_pids | {shell} == dirs
    assert sh(kind, "ls -1 /proc/1").split() == ["cgroup", "cmdline", "comm", "exe", "fd",
                                                 "mountinfo", "mounts", "status"]
    assert sh(kind, "ls -ld /proc/1").startswith("dr-xr-xr-x ")


def test_cmdline_is_nul_separated_argv_and_comm_the_short_name(kind: SimCluster) -> None:
    pid = sh(kind, "pgrep -x kubelet").strip()
    raw = kind.nodes[0].read_file(f"/proc/{pid}/cmdline")
    args = sh(kind, f"ps -o args= -p {pid}").strip()
    assert raw.endswith(b"\0") and raw.rstrip(b"\0").split(b"\0") == args.encode().split(b" ")
    assert sh(kind, f"cat /proc/{pid}/comm") == "kubelet\n"
    assert sh(kind, "cat /proc/1/comm") == "systemd\n"
    etcd = sh(kind, "pgrep -x etcd").strip()
    assert sh(kind, f"tr '\\0' '\\n' < /proc/{etcd}/cmdline | head -2") == \
        "etcd\n--advertise-client-urls=https://172.18.0.2:2379\n"


def test_status_has_the_kernels_fields_and_the_process_table_values(kind: SimCluster) -> None:
    pid = sh(kind, "pgrep -x kubelet").strip()
    status = sh(kind, f"cat /proc/{pid}/status")
    keys = [ln.split(":", 1)[0] for ln in status.splitlines()]
    real = [ln.split(":", 1)[0] for ln in
            (SAMPLES / "proc-pid-status-privileged.txt").read_text().splitlines()]
    assert keys == real
    fields = dict(ln.split(":\t", 1) for ln in status.splitlines() if ":\t" in ln)
    rss = sh(kind, f"ps -o rss= -p {pid}").strip()
    assert fields["Name"] == "kubelet" and fields["Pid"] == pid and fields["PPid"] == "1"
    assert fields["VmRSS"].split()[0] == rss and fields["State"] == "S (sleeping)"
    assert fields["CapEff"] == "000001ffffffffff" and fields["Seccomp"] == "0"
    assert fields["NSpid"] == pid and fields["Threads"] == "15"


def test_a_pod_containers_process_lives_in_its_own_pid_namespace(kind: SimCluster) -> None:
    pid = sh(kind, "pgrep -x etcd").strip()
    fields = dict(ln.split(":\t", 1) for ln in sh(kind, f"cat /proc/{pid}/status").splitlines()
                  if ":\t" in ln)
    assert fields["NSpid"] == f"{pid}\t1"
    assert fields["CapEff"] == "00000000a80425fb"
    assert fields["Seccomp"] == "2"  # kubeadm's static pods ask for RuntimeDefault


def test_no_environ_and_no_server_data(kind: SimCluster) -> None:
    out = sh(kind, "cat /proc/self/environ /proc/1/environ; ls /proc/1; cat /proc/*/status "
                   "/proc/*/cmdline")
    assert "No such file or directory" in out and "environ" not in sh(kind, "ls /proc/1")
    for key, value in os.environ.items():
        if len(value) >= 8:
            assert value not in out, key
    assert str(os.getpid()) not in sh(kind, "ls /proc").split()


def test_a_stopped_kubelet_leaves_no_proc_directory(kind: SimCluster) -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=480)
    pid = sh(c, "pgrep -x kubelet").strip()
    sh(c, "systemctl stop kubelet")
    assert sh(c, f"ls /proc/{pid} 2>&1").endswith("No such file or directory\n")


def test_cgroups_are_a_kind_nodes(kind: SimCluster) -> None:
    import re

    real = (SAMPLES / "proc-pid-cgroup-kind-pod.txt").read_text()
    shape = re.compile(r"0::/kubelet\.slice/kubelet-kubepods\.slice/kubelet-kubepods-(\w+)\.slice/"
                       r"kubelet-kubepods-\1-pod([0-9a-f_]+)\.slice/cri-containerd-([0-9a-f]{64})"
                       r"\.scope\n")
    assert shape.fullmatch(real)
    etcd = sh(kind, "pgrep -x etcd").strip()
    m = shape.fullmatch(sh(kind, f"cat /proc/{etcd}/cgroup"))
    assert m is not None and m.group(1) == "burstable"
    assert sh(kind, "crictl ps -q --name etcd").strip() == m.group(3)
    kubelet = sh(kind, "pgrep -x kubelet").strip()
    assert sh(kind, f"cat /proc/{kubelet}/cgroup") == "0::/kubelet.slice/kubelet.service\n"
    assert sh(kind, "cat /proc/1/cgroup") == "0::/init.scope\n"


def test_qos_classes() -> None:
    from app.providers.sim.procpid import qos_class

    both = {"cpu": "100m", "memory": "64Mi"}
    assert qos_class({"containers": [{"name": "a"}]}) == "BestEffort"
    assert qos_class({"containers": [{"resources": {"limits": both}}]}) == "Guaranteed"
    assert qos_class({"containers": [{"resources": {"requests": {"cpu": "250m"}}}]}) == \
        "Burstable"
