"""A small twin for the node-command tests: one control plane and one worker, frozen clock."""

from __future__ import annotations

from pathlib import Path

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
SAMPLES = Path(__file__).resolve().parents[3] / "fidelity" / "samples"


def twin(workers: int = 1) -> SimCluster:
    return create_cluster("kind", 1, workers, clock=Clock(frozen_at=NOW))


def run(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> tuple[str, int]:
    r = SimTerminal(cluster, node).run(line)
    return r.output, r.exit_code


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()
