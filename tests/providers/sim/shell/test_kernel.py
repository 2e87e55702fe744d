"""dmesg: the host's ring buffer as a privileged kind node reads it."""

from __future__ import annotations

import re

from tests.providers.sim.shell.nodetwin import run, twin


def test_dmesg_starts_with_the_host_kernel_and_shows_node_veths() -> None:
    c = twin()
    out, code = run(c, "dmesg")
    assert code == 0
    assert out.startswith("[    0.000000] Linux version 6.8.0-63-generic ")
    assert re.search(r"^\[ *\d+\.\d{6}\] br-[0-9a-f]{12}: port 2\(veth[0-9a-f]{7}\) entered "
                     r"forwarding state$", out, re.M)
    assert run(c, "dmesg -x")[0].startswith("kern  :notice: [    0.000000] Linux version")
    assert re.match(r"\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] Linux", run(c, "dmesg -T")[0])


def test_a_powered_off_node_drops_off_the_bridge() -> None:
    c = twin()
    before = run(c, "dmesg")[0].count("entered disabled state")
    c.node("kind-worker").power_off()
    after = run(c, "dmesg")[0]
    assert after.count("entered disabled state") == before + 3
    assert "(unregistering): left promiscuous mode" in after
    assert run(c, "dmesg -z") == ("dmesg: invalid option -- 'z'\nTry 'dmesg --help' for more "
                                  "information.\n", 1)
