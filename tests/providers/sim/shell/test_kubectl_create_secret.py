"""kubectl create secret generic: literals and files become base64 data of an Opaque Secret."""

from __future__ import annotations

import base64

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


def test_literals_and_files_are_stored_base64_encoded() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    c.node("control-plane").vfs.write("/root/token.txt", b"abc\n")
    t = SimTerminal(c, "kind-control-plane")
    out = t.run("kubectl create secret generic secret1 -n default --from-literal=mykey=mydata "
                "--from-literal pw=s3cr=t --from-file=/root/token.txt")
    assert (out.output, out.exit_code) == ("secret/secret1 created\n", 0)
    s = c.store.get("Secret", "secret1", "default")
    assert s["type"] == "Opaque"
    assert {k: base64.b64decode(v) for k, v in s["data"].items()} == {
        "mykey": b"mydata", "pw": b"s3cr=t", "token.txt": b"abc\n"}
    again = t.run("kubectl create secret generic secret1 --from-literal=a=b")
    assert again.exit_code == 1
    assert again.output == 'error: failed to create secret secrets "secret1" already exists\n'


def test_a_name_is_required() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    out = SimTerminal(c, "kind-control-plane").run("kubectl create secret generic")
    assert out.exit_code == 1
    assert out.output.startswith("error: exactly one NAME is required, got 0\n")
