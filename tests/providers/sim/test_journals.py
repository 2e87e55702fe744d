"""A healthy node's kubelet and containerd journals hold what the programs log as they start."""

from __future__ import annotations

import re
from pathlib import Path

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"


def twin() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_kubelet_journal_shows_kinds_skip_then_a_full_start() -> None:
    c = twin()
    lines = sh(c, "journalctl -u kubelet").splitlines()
    assert lines[0].endswith("systemd[1]: kubelet.service - kubelet: The Kubernetes Node Agent "
                             "was skipped because of an unmet condition check "
                             "(ConditionPathExists=/var/lib/kubelet/config.yaml).")
    assert lines[1].endswith("Started kubelet.service - kubelet: The Kubernetes Node Agent.")
    pid = sh(c, "pgrep -x kubelet").strip()
    text = "\n".join(lines)
    assert f'kubelet[{pid}]: I1126 ' in text
    assert re.search(rf' {pid} server\.go:\d+\] "Kubelet version" kubeletVersion="v1\.33\.1"',
                     text)
    assert '"Container runtime initialized" containerRuntime="containerd" version="2.1.1"' in text
    assert '"Starting to listen" address="0.0.0.0" port=10250' in text


def test_containerd_journal_is_a_containerd_2_start() -> None:
    c = twin()
    every = sh(c, "journalctl -u containerd", node="kind-worker").splitlines()
    end = next(i for i, line in enumerate(every)
               if line.endswith("Started containerd.service - containerd container runtime."))
    lines = every[:end + 1]  # the start; the CRI calls that follow: test_containerd_journal.py
    assert lines[0].endswith("Starting containerd.service - containerd container runtime...")
    revision = (SAMPLES / "containerd-version-2.1.1.txt").read_text().split()[-1]
    pid = sh(c, "pgrep -x containerd", node="kind-worker").strip()
    assert f'containerd[{pid}]: time="' in lines[1]
    assert lines[1].endswith(f'msg="starting containerd" revision={revision} version=v2.1.1')
    stamps = [m.group(1) for line in lines
              if (m := re.search(r'time="[\dT:-]+\.(\d{9})Z"', line))]
    assert len(stamps) == len(lines) - 2
    assert any("address=/run/containerd/containerd.sock" in line for line in lines)


def test_a_restart_logs_a_new_start_at_once() -> None:
    c = twin()
    before = sh(c, "journalctl -u kubelet | wc -l")
    sh(c, "systemctl restart kubelet")
    pid = sh(c, "pgrep -x kubelet").strip()
    tail = sh(c, "journalctl -u kubelet | tail -30")
    assert f'kubelet[{pid}]: ' in tail and '"Kubelet version"' in tail
    assert int(sh(c, "journalctl -u kubelet | wc -l")) > int(before) + 20
    sh(c, "systemctl restart containerd")
    new_pid = sh(c, "pgrep -x containerd").strip()
    assert f'containerd[{new_pid}]: ' in sh(c, "journalctl -u containerd | tail -3")
