"""The kind runtime's scheduling: background provisioning, cap and queue, warm pool, reaper,
reconcile, failures — against an in-process cluster maker whose clusters are twins.

The subprocess side (kind/docker/kubectl) is tested in tests/kind/ with fake binaries; here
only the training layer's decisions are under test, so the maker is a Python object.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import undefer
from sqlmodel import Session, select

from app.catalog.loader import Catalog, load_catalog
from app.db import get_engine, upgrade
from app.training import service
from app.training.kind_runtime import KindRuntime, parse_topology, topology_key
from app.training.models import Attempt, ClusterRecord, CommandRecord
from tests.training.fake_maker import FakeMaker

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SCENARIOS)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Any]:
    url = f"sqlite:///{tmp_path / 'kind.db'}"
    upgrade(url)
    yield get_engine(url)
    get_engine(url).dispose()


@pytest.fixture
def maker() -> FakeMaker:
    return FakeMaker()


@pytest.fixture
def make_runtime(engine: Any, catalog: Catalog,
                 maker: FakeMaker) -> Iterator[Callable[..., KindRuntime]]:
    made: list[KindRuntime] = []

    def make(**kw: Any) -> KindRuntime:
        runtime = KindRuntime(maker, engine, catalog, poll_s=0.05, **kw)
        made.append(runtime)
        return runtime

    yield make
    maker.gate.set()
    for r in made:
        r.close()


def start(engine: Any, catalog: Catalog, runtime: KindRuntime,
          scenario_id: str = "etcd-manifest-typo") -> str:
    with Session(engine) as db:
        return service.start_attempt(db=db, catalog=catalog, provider=runtime,
                                     scenario_id=scenario_id, seed=0).attempt.id


def attempt(engine: Any, attempt_id: str) -> Attempt:
    with Session(engine) as db:  # cluster_state is deferred: load it before detaching
        return db.get(Attempt, attempt_id,  # type: ignore[return-value]
                      options=[undefer(Attempt.cluster_state)])


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"condition not reached in time: {predicate.__code__.co_firstlineno}")


def records(engine: Any) -> dict[str, ClusterRecord]:
    with Session(engine) as db:
        return {r.name: r for r in db.exec(select(ClusterRecord)).all()}


def test_a_kind_attempt_waits_in_provisioning_then_starts_its_clock_with_the_fault_in(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime()
    maker.gate.clear()
    aid = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, aid).progress.startswith("creating cluster: 2 nodes"))
    first = attempt(engine, aid)
    assert first.status == "provisioning" and first.provider == "kind"
    time.sleep(0.05)
    maker.gate.set()
    wait_for(lambda: attempt(engine, aid).status == "active")
    a = attempt(engine, aid)
    assert service.aware(a.started_at) > service.aware(first.started_at)  # clock starts now
    limit = catalog.get("etcd-manifest-typo").time_limit
    assert (service.aware(a.deadline) - service.aware(a.started_at)).total_seconds() == limit
    [name] = maker.created()
    assert name.startswith("kd-") and a.cluster_state == name
    assert records(engine)[name].state == "assigned"
    # the scenario's fault went in through the same fault module as on the twin
    etcd = maker.made[name].default_node().read_file("/etc/kubernetes/manifests/etcd.yaml")
    assert b"--listen-client-url=" in etcd


def test_commands_and_verify_run_on_the_attempts_cluster_and_are_recorded(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime()
    aid = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, aid).status == "active")
    with Session(engine) as db:
        a = db.get(Attempt, aid)
        result = service.run_command(db=db, catalog=catalog, provider=runtime, attempt=a,
                                     command="hostname")
        assert result.output.strip() == "kind-control-plane" and result.exit_code == 0
        verdict = service.verify(db=db, catalog=catalog, provider=runtime, attempt=a)
        assert verdict["fixed"] is False
        fix = catalog.get("etcd-manifest-typo").fix_path[0].run
        service.run_command(db=db, catalog=catalog, provider=runtime, attempt=a, command=fix)
        maker.made[a.cluster_state].advance(330)
        assert service.verify(db=db, catalog=catalog, provider=runtime, attempt=a)["fixed"]
        cmds = db.exec(select(CommandRecord).where(CommandRecord.attempt_id == aid)).all()
        assert [c.command for c in cmds] == ["hostname", fix]
        assert cmds[0].node == "kind-control-plane"


def test_a_provisioning_attempt_refuses_commands_with_its_progress(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime()
    maker.gate.clear()
    aid = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, aid).progress.startswith("creating"))
    with Session(engine) as db, pytest.raises(service.Conflict, match="not ready yet"):
        service.run_command(db=db, catalog=catalog, provider=runtime,
                            attempt=db.get(Attempt, aid), command="kubectl get nodes")
    with Session(engine) as db, pytest.raises(service.Conflict):
        service.debrief(db=db, catalog=catalog, attempt=db.get(Attempt, aid))  # no key leaks


def test_the_cap_queues_attempts_with_their_position_and_the_reaper_frees_the_slot(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime(max_clusters=1)
    first = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, first).status == "active")
    second = start(engine, catalog, runtime)
    third = start(engine, catalog, runtime)
    wait_for(lambda: "number 2 in the queue" in attempt(engine, third).progress)
    assert "number 1 in the queue (1 of 1 clusters in use)" in attempt(engine, second).progress
    assert len(maker.created()) == 1
    with Session(engine) as db:
        service.finish(db=db, catalog=catalog, attempt=db.get(Attempt, first))
    runtime.maintain()  # the sweeper's beat: the ended attempt's cluster goes
    wait_for(lambda: attempt(engine, second).status == "active")
    assert ("delete", attempt(engine, first).cluster_state) in maker.calls
    assert attempt(engine, third).status == "provisioning"
    assert len(maker.created()) == 2


def test_giving_up_while_queued_stops_the_job_without_making_a_cluster(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime(max_clusters=1)
    first = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, first).status == "active")
    queued = start(engine, catalog, runtime)
    wait_for(lambda: "queue" in attempt(engine, queued).progress)
    with Session(engine) as db:
        service.finish(db=db, catalog=catalog, attempt=db.get(Attempt, queued))
    assert attempt(engine, queued).status == "gave_up"
    time.sleep(0.2)
    assert len(maker.created()) == 1


def test_a_failed_create_fails_the_attempt_with_the_command_and_its_stderr(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime()
    maker.fail_create = "ERROR: failed to create cluster: node(s) already exist"
    aid = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, aid).status == "failed")
    a = attempt(engine, aid)
    assert "kind create cluster --name kd-" in a.progress
    assert "node(s) already exist" in a.progress
    wait_for(lambda: ("delete", a.cluster_state) in maker.calls)
    wait_for(lambda: a.cluster_state not in records(engine))
    with Session(engine) as db:
        assert service.public(db.get(Attempt, aid)).elapsed_s == 0.0


def test_the_warm_pool_makes_clusters_per_topology_and_a_start_only_injects_the_fault(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime(max_clusters=20, warm_pool=1)
    runtime.maintain()
    keys = runtime.topologies()
    assert "1cp-1w" in keys
    wait_for(lambda: sum(r.state == "warm" for r in records(engine).values()) == len(keys))
    runtime.maintain()  # already full: nothing more
    time.sleep(0.1)
    assert len(maker.created()) == len(keys)
    before = len(maker.created())
    aid = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, aid).status == "active")
    assert len(maker.created()) == before  # no new cluster for the trainee
    rec = records(engine)[attempt(engine, aid).cluster_state]
    assert rec.state == "assigned" and rec.attempt_id == aid
    runtime.maintain()  # the pool is topped up again
    wait_for(lambda: len(maker.created()) == before + 1)


def test_an_unhealthy_warm_cluster_is_replaced_not_handed_out(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime(max_clusters=20, warm_pool=1)
    runtime.maintain()
    wait_for(lambda: sum(r.state == "warm" for r in records(engine).values())
             == len(runtime.topologies()))
    [bad] = [n for n, r in records(engine).items() if r.topology == "1cp-1w"]
    maker.unhealthy.add(bad)
    aid = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, aid).status == "active")
    assert attempt(engine, aid).cluster_state != bad
    wait_for(lambda: ("delete", bad) in maker.calls)


def test_reconcile_deletes_orphans_with_our_prefix_and_fails_attempts_whose_cluster_vanished(
        engine: Any, catalog: Catalog, maker: FakeMaker,
        make_runtime: Callable[..., KindRuntime]) -> None:
    runtime = make_runtime()
    aid = start(engine, catalog, runtime)
    wait_for(lambda: attempt(engine, aid).status == "active")
    name = attempt(engine, aid).cluster_state
    runtime.close()
    maker.made["kd-orphan1"] = object()
    maker.foreign = ["team-dev"]  # somebody else's kind cluster: never touched
    maker.made.pop(name)  # deleted behind our back (docker rm -f)
    with Session(engine) as db:  # and one attempt was still waiting when the server died
        queued = Attempt(id="queued1", token_hash="x", scenario_id="etcd-manifest-typo",
                         provider="kind", status="provisioning", started_at=service.now(),
                         deadline=service.now())
        db.add(queued)
        db.commit()
    report = make_runtime().reconcile()
    assert report == {"orphans": ["kd-orphan1"], "vanished": [name], "resumed": ["queued1"]}
    wait_for(lambda: ("delete", "kd-orphan1") in maker.calls)
    assert ("delete", "team-dev") not in maker.calls
    a = attempt(engine, aid)
    assert a.status == "failed" and "no longer exists" in a.progress
    wait_for(lambda: attempt(engine, "queued1").status == "active")


def test_topology_keys_round_trip() -> None:
    assert topology_key(3, 2) == "3cp-2w"
    assert parse_topology("3cp-2w") == (3, 2)
