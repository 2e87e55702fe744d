"""kube-apiserver identity Leases in kube-system: one per apiserver, named from its hostname."""

from __future__ import annotations

import re
from pathlib import Path

from app.providers.sim import apiserver_identity as ai
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.components.leader import parse_micro_time
from app.providers.sim.terminal import SimTerminal

SAMPLE = Path(__file__).resolve().parents[2] / "fidelity" / "samples" / \
    "kubectl-get-lease-A-apiserver-identity.txt"
NAME = re.compile(r"apiserver-[a-z2-7]{26}")
HOLDER = re.compile(r"(apiserver-[a-z2-7]{26})_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}"
                    r"-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_the_real_sample_has_the_shape_the_twin_produces() -> None:
    row = SAMPLE.read_text().splitlines()[-1].split()
    assert NAME.fullmatch(row[1])
    m = HOLDER.fullmatch(row[2])
    assert m is not None and m.group(1) == row[1]


def test_the_name_hashes_hostname_and_component_length_prefixed() -> None:
    import base64
    import hashlib

    data = b"\x00\x12kind-control-plane\x00\x0ekube-apiserver"
    expected = base64.b32encode(hashlib.sha256(data).digest()[:16]).decode().rstrip("=").lower()
    assert ai.apiserver_id("kind-control-plane") == "apiserver-" + expected
    assert NAME.fullmatch(ai.apiserver_id("kind-control-plane"))
    assert ai.apiserver_id("kind-control-plane2") != ai.apiserver_id("kind-control-plane")


def test_each_apiserver_publishes_and_renews_its_lease() -> None:
    c = create_cluster("kind", 3, 1, clock=Clock(frozen_at=1764118800.0), age=300)
    c.sync()
    leases = c.store.list("Lease", "kube-system", "apiserver.kubernetes.io/identity=kube-apiserver")
    assert sorted(x["metadata"]["labels"]["kubernetes.io/hostname"] for x in leases) == [
        "kind-control-plane", "kind-control-plane2", "kind-control-plane3"]
    lease = c.store.get("Lease", ai.apiserver_id("kind-control-plane"), "kube-system")
    m = HOLDER.fullmatch(lease["spec"]["holderIdentity"])
    assert m is not None and m.group(1) == lease["metadata"]["name"]
    assert lease["spec"]["leaseDurationSeconds"] == 3600
    assert "acquireTime" not in lease["spec"]
    before = parse_micro_time(lease["spec"]["renewTime"])
    assert c.t - 10 < before <= c.t
    c.advance(25)
    after = parse_micro_time(c.store.get("Lease", lease["metadata"]["name"],
                                         "kube-system")["spec"]["renewTime"])
    assert (after - before) % 10 == 0 and c.t - 10 < after <= c.t  # every 10 s


def test_a_restarted_apiserver_takes_its_lease_with_a_new_holder() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0), age=300)
    c.sync()
    name = ai.apiserver_id("kind-control-plane")
    first = c.store.get("Lease", name, "kube-system")["spec"]["holderIdentity"]
    api = c.node("control-plane").running_container("kube-apiserver")
    assert api is not None
    api.exit_at, api.planned_exit_code = c.t, 137
    c.advance(60)
    assert c.store.get("Lease", name, "kube-system")["spec"]["holderIdentity"] != first


def test_kubectl_lists_identity_leases_before_the_leader_election_ones() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0), age=300)
    rows = SimTerminal(c, "kind-control-plane").run("kubectl get lease -n kube-system").output
    names = [r.split()[0] for r in rows.splitlines()[1:]]
    assert names == [ai.apiserver_id("kind-control-plane"), "kube-controller-manager",
                     "kube-scheduler"]
