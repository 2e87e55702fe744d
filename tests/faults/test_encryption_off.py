"""encryption-off: kube-apiserver runs without --encryption-provider-config."""

from __future__ import annotations

from app.faults import registry
from app.faults.encryption_off import MANIFEST, without_encryption
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster

NOW = 1764118800.0


def test_the_flag_line_is_dropped_and_nothing_else() -> None:
    text = ("    - --tls-cert-file=/a\n"
            "    - --encryption-provider-config=/etc/kubernetes/enc/e.yaml\n    image: x\n")
    assert without_encryption(text) == "    - --tls-cert-file=/a\n    image: x\n"


def test_a_kind_manifest_is_left_byte_for_byte_alone() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    cp = c.node("control-plane")
    before = cp.read_file(MANIFEST)
    ft = registry.get("encryption-off")
    ft.inject(c, cp, ft.params())
    assert cp.read_file(MANIFEST) == before
    assert b"encryption-provider-config" not in before


def test_an_encrypting_apiserver_loses_its_flag() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    cp = c.node("control-plane")
    text = cp.read_file(MANIFEST).decode().replace(
        "    - --tls-cert-file=", "    - --encryption-provider-config=/etc/k/e.yaml\n"
                                 "    - --tls-cert-file=")
    cp.write_file(MANIFEST, text.encode(), 0o600)
    ft = registry.get("encryption-off")
    ft.inject(c, cp, ft.params())
    assert b"encryption-provider-config" not in cp.read_file(MANIFEST)
