"""Workload outputs against real samples and strings (see samples/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

from app.providers.sim.shell.kubectl_printers import endpoints
from app.providers.sim.tables import kubectl_table

SAMPLES = Path(__file__).parent / "samples"
NOW = 1764118800.0


def test_endpoints_of_unready_pods_print_an_empty_cell_like_kubectl() -> None:
    # 2 minutes old; the sample's "1m" came from a kubectl with a coarser age (same width).
    obj = {"metadata": {"name": "nginx-nonroot", "creationTimestamp": "2025-11-26T00:58:00Z"},
           "subsets": [{"notReadyAddresses": [{"ip": "10.244.1.5"}],
                        "ports": [{"port": 8080, "protocol": "TCP"}]}]}
    head, rows = endpoints([obj], NOW, False, set())
    sample = (SAMPLES / "kubectl-get-endpoints-notready.txt").read_text()
    assert kubectl_table([head, *rows]) == sample.replace(" 1m\n", " 2m\n")


def test_endpoints_without_subsets_print_none() -> None:
    obj = {"metadata": {"name": "web", "creationTimestamp": "2025-11-26T00:59:00Z"}}
    _, rows = endpoints([obj], NOW, False, set())
    assert rows[0][1] == "<none>"
