"""The controller-manager's log lines have the real lines' shape (samples/SOURCES.md)."""

from __future__ import annotations

import re
from pathlib import Path

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

SAMPLES = Path(__file__).parent / "samples"
HEADER = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ ")


def _messages(text: str) -> list[str]:
    """`source] message` of each klog line, with what differs between clusters normalised."""
    out = []
    for line in text.splitlines():
        body = HEADER.sub("", line)
        body = re.sub(r'version="v[\d.]+"', 'version="V"', body)
        body = re.sub(r'message="[^"_]+_[0-9a-f-]{36} became leader"',
                      'message="ID became leader"', body)
        body = body.replace("/etc/kubernetes/ssl/", "/etc/kubernetes/pki/")
        body = re.sub(r"secure_serving\.go:\d+\] Serving securely on \S+",
                      "secure_serving.go:N] Serving securely on ADDR", body)
        out.append(body)
    return out


def test_start_and_election_lines_match_a_real_controller_manager_log() -> None:
    cluster = create_cluster("kind", 1, 1, seed=2, clock=Clock(frozen_at=1764118800.0))
    twin = _messages(SimTerminal(cluster, "kind-control-plane").run(
        "kubectl logs -n kube-system kube-controller-manager-kind-control-plane").output)
    real = _messages((SAMPLES / "kube-controller-manager-log-v1.32.txt").read_text())
    missing = [line for line in real if line not in twin]
    assert missing == []
    # And in the same order.
    assert [line for line in twin if line in real] == real
