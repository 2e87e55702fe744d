"""`journalctl --list-boots` on a kind node: one boot (the host's ID), format-table layout."""

from __future__ import annotations

from pathlib import Path

from app.providers.sim import nodeids
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

SAMPLE = Path(__file__).parents[3] / "fidelity" / "samples" / "journalctl-list-boots-kind.txt"


def test_one_boot_with_the_hosts_id_in_the_real_layout() -> None:
    c = create_cluster("kind", 1, 1)
    out = SimTerminal(c, "kind-worker").run("journalctl --list-boots").output
    head, row = out.splitlines()
    want_head, want_row = SAMPLE.read_text().splitlines()
    assert head.rstrip() == want_head and len(head) == len(want_row)
    assert len(row) == len(want_row) and row[:4] == "  0 "
    assert row.split()[1] == nodeids.boot_id("kind").replace("-", "")
    assert row.endswith(" UTC") and row.split()[2] in ("Mon", "Tue", "Wed", "Thu", "Fri",
                                                      "Sat", "Sun")


def test_a_node_restart_stays_in_boot_zero() -> None:
    c = create_cluster("kind", 1, 1)
    node = c.node("kind-worker")
    c.advance(60)
    node.reboot()
    c.advance(30)
    out = SimTerminal(c, "kind-worker").run("journalctl --list-boots").output
    assert len(out.splitlines()) == 2
