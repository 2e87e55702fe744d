"""ps/top/free/vmstat/uptime/pgrep: procps-ng layouts over the twin's process table."""

from __future__ import annotations

import re

import pytest

from app.providers.sim.shell import procs
from app.providers.sim.shell.proctable import Proc
from tests.providers.sim.shell.nodetwin import run, sample, twin


def test_ps_aux_renders_the_real_kind_kubelet_row(monkeypatch: pytest.MonkeyPatch) -> None:
    header, row = sample("ps-aux-kind-kubelet.txt").splitlines()
    monkeypatch.setattr(procs, "MEM_TOTAL_KIB", 32_000_000)  # the sample host's RAM
    start = 1764163320.0  # 13:22 UTC
    args = row.split(" /usr/bin/kubelet ", 1)[1].split()
    p = Proc(231, 1, "root", ["/usr/bin/kubelet", *args], start, 96128, 2639936, 1.7, "Ssl")
    cols = [(k, procs.AUX_HEAD.get(k, procs.COLUMNS[k][0])) for k in procs.AUX]
    assert procs._render(cols, [p], start + 830, True) == f"{header}\n{row}\n"


def test_ps_aux_lists_the_control_plane_with_manifest_command_lines() -> None:
    c = twin()
    out, code = run(c, "ps aux")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"
    assert re.match(r"root +1 .* /sbin/init$", lines[1])
    etcd = next(x for x in lines if " etcd --" in x)
    assert "--listen-client-urls=https://127.0.0.1:2379,https://172.18.0.2:2379" in etcd
    kubelet = next(x for x in lines if "/usr/bin/kubelet " in x)
    assert re.match(r"root +231 ", kubelet)
    assert kubelet.endswith("--provider-id=kind://docker/kind/kind-control-plane "
                            "--runtime-cgroups=/system.slice/containerd.service")
    assert any(x.startswith("65535 ") and x.endswith(" /pause") for x in lines)
    assert lines[-1].endswith(" R+   01:00   0:00 ps aux")


def test_pids_are_stable_and_a_removed_static_pod_leaves_the_table() -> None:
    c = twin()
    first, _ = run(c, "pgrep -x etcd")
    again, _ = run(c, "pgrep -x etcd")
    assert first == again and first.strip().isdigit()
    run(c, "mv /etc/kubernetes/manifests/etcd.yaml /root/")
    out, code = run(c, "pgrep -x etcd")
    assert (out, code) == ("", 1)
    assert " etcd --" not in run(c, "ps -ef")[0]


def test_kubelet_command_line_follows_its_environment_files() -> None:
    c = twin()
    run(c, "echo 'KUBELET_EXTRA_ARGS=--v=4' > /etc/default/kubelet")
    out, _ = run(c, "ps -o args= -C kubelet")
    assert out.rstrip().endswith("--provider-id=kind://docker/kind/kind-control-plane --v=4")


def test_a_stopped_kubelet_is_gone_but_its_containers_keep_running() -> None:
    c = twin()
    run(c, "systemctl stop kubelet")
    out, _ = run(c, "ps -e -o comm")
    assert "kubelet" not in out.split() and "kube-apiserver" in out.split()


def test_ps_ef_and_o_layouts() -> None:
    c = twin()
    out, _ = run(c, "ps -ef")
    assert out.splitlines()[0] == "UID          PID    PPID  C STIME TTY          TIME CMD"
    assert re.search(r"^root {11}1 {7}0  0 00:49 \? {8}00:00:00 /sbin/init$", out, re.M)
    out, _ = run(c, "ps -o pid=,comm= -C kube-scheduler")
    assert re.fullmatch(r" +\d+ kube-scheduler\n", out)
    assert run(c, "ps")[0].splitlines()[0] == "    PID TTY          TIME CMD"


def test_ps_forest_puts_containers_under_their_shim() -> None:
    out, _ = run(twin(), "ps -eo pid,cmd --forest")
    lines = out.splitlines()
    i = next(k for k, x in enumerate(lines) if " etcd --" in x)
    assert " \\_ etcd --" in lines[i]
    assert any("containerd-shim-runc-v2" in x for x in lines[i - 2:i])


@pytest.mark.parametrize("line,err", [
    ("ps -Q", "error: unsupported SysV option\n"),
    ("ps auxq", "error: unsupported option (BSD syntax)\n"),
    ("ps -o nosuch", 'error: unknown user-defined format specifier "nosuch"\n'),
])
def test_ps_usage_errors(line: str, err: str) -> None:
    out, code = run(twin(), line)
    assert code == 1 and out.startswith(err) and "For more details see ps(1)." in out


def test_kill_ends_a_container_and_the_kubelet_restarts_it() -> None:
    c = twin()
    pid = run(c, "pgrep -x etcd")[0].strip()
    assert run(c, f"kill -9 {pid}") == ("", 0)
    out, _ = run(c, "crictl ps -a --name etcd")
    assert re.search(r" Running +etcd +1 ", out) and re.search(r" Exited +etcd +0 ", out)
    assert run(c, "pgrep -x etcd")[0].strip() != pid
    assert run(c, f"kill {pid}") == (f"bash: kill: ({pid}) - No such process\n", 1)


def test_killing_the_kubelet_lets_systemd_restart_it() -> None:
    c = twin()
    assert run(c, "kill -s KILL 231") == ("", 0)
    assert run(c, "pidof kubelet")[0].strip() not in ("", "231")
    journal, _ = run(c, "journalctl -u kubelet --no-pager")
    assert "kubelet.service: Main process exited, code=killed, status=9/KILL" in journal
    assert "kubelet.service: Scheduled restart job, restart counter is at 1." in journal


def test_kill_usage_and_signal_list() -> None:
    c = twin()
    assert run(c, "kill")[1] == 2
    assert run(c, "kill -FOO 1") == ("bash: kill: FOO: invalid signal specification\n", 1)
    assert run(c, "kill abc") == ("bash: kill: abc: arguments must be process or job IDs\n", 1)
    assert run(c, "kill -l 9") == ("KILL\n", 0)
    assert run(c, "kill -l")[0].startswith(" 1) SIGHUP\t 2) SIGINT\t")


def test_ps_in_a_pipeline_lists_the_other_commands_of_the_pipeline() -> None:
    # `ps aux | grep etcd` finds its own grep: the reason for `grep -v grep` and `grep [e]tcd`
    c = twin()
    out, code = run(c, "ps aux | grep etcd-nothing")
    assert code == 0 and out.rstrip().endswith(" S+   01:00   0:00 grep etcd-nothing")
    out, code = run(c, "ps aux | grep '[e]tcd-nothing'")
    assert (out, code) == ("", 1)
    last = run(c, "ps aux | tail -2")[0].splitlines()
    assert last[0].endswith(" R+   01:00   0:00 ps aux")
    assert last[1].endswith(" S+   01:00   0:00 tail -2")
    assert int(last[1].split()[1]) == int(last[0].split()[1]) + 1  # forked right after ps
    alone = run(c, "ps aux")[0].splitlines()
    assert alone[-1].endswith(" R+   01:00   0:00 ps aux")
