"""app/training/templates.py: a start copies a healthy twin booted for an earlier start and
brings it to its own time; the incident then unfolds exactly as on a twin booted for it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from app.catalog.loader import Catalog, load_catalog
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.provider import SimProvider
from app.training import snapshots, templates
from app.training.provisioning import break_cluster
from tests.conftest import SCENARIOS

AGE = 300.0


@pytest.fixture(autouse=True)
def no_templates() -> Iterator[None]:
    templates.forget()
    yield
    templates.forget()


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog(SCENARIOS)


def twin(provider: SimProvider, key: str, seed: int = 1) -> SimCluster:
    return templates.healthy_twin(provider, key, cluster_name="kind", control_planes=1,
                                  workers=1, seed=seed, age=AGE)


def sh(cluster: SimCluster, line: str) -> str:
    return cluster.open_terminal("kind-control-plane").run(line).output


def incident(cluster: SimCluster) -> list[str]:
    """What the broken control plane shows: etcd's attempts and their states."""
    rows = sh(cluster, "crictl ps -a --name etcd").splitlines()[1:]
    return sorted(" ".join(r.split()[4:7]) for r in rows)


def test_the_first_start_boots_the_template_later_ones_copy_it(catalog: Catalog) -> None:
    provider = SimProvider()
    first, second = twin(provider, "a"), twin(provider, "b", seed=2)
    assert first is not second
    assert provider.peek("b") == (0, second)
    assert second.seed == 2
    names = {o["metadata"]["uid"] for o in first.store.list("Pod")}
    assert {o["metadata"]["uid"] for o in second.store.list("Pod")} == names
    assert abs(second.t - first.t) < 5  # both brought to "now minus the incident"
    second.sync()
    assert "Ready" in sh(second, "kubectl get nodes")
    sh(second, "touch /root/mine")  # copies share nothing
    assert "No such file" in sh(first, "ls /root/mine 2>&1")


def test_an_old_template_is_brought_forward_and_the_incident_is_the_same(
        catalog: Catalog) -> None:
    scenario = catalog.get("etcd-manifest-typo")
    fresh = break_cluster(create_cluster("kind", 1, 1, seed=1, clock=Clock(), age=AGE),
                          scenario)
    # A template booted seven minutes before this start.
    old = create_cluster("kind", 1, 1, seed=1, clock=Clock(offset=-420), age=AGE)
    templates._templates[("kind", 1, 1, AGE)] = templates._Template(
        made=time.monotonic() - 420, twin_now=time.time() - 420, state=snapshots.encode(old),
        booted_after=old.t - (time.time() - 420 - AGE))
    copy = break_cluster(twin(SimProvider(), "c"), scenario)
    assert incident(copy) == incident(fresh)
    def kubectl(cluster: SimCluster) -> str:  # klog's header holds the wall-clock time
        return re.sub(r"E\d{4} [\d:.]+", "E", sh(cluster, "kubectl get pods -A 2>&1"))

    assert kubectl(copy) == kubectl(fresh)
    assert "connection refused" in kubectl(copy)


def test_an_expired_template_is_booted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = SimProvider()
    twin(provider, "a")
    made = templates._templates[("kind", 1, 1, AGE)].made
    monkeypatch.setattr(templates, "TEMPLATE_TTL_S", -1.0)
    twin(provider, "b")
    assert templates._templates[("kind", 1, 1, AGE)].made > made
