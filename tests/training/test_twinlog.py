"""Commands are persisted as a journal and replayed: a rebuilt twin is the live one, exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.catalog.loader import Catalog, load_catalog
from app.db import get_engine, upgrade
from app.providers.sim import clock, replay
from app.providers.sim.provider import SimProvider
from app.training import service, snapshots, twinlog
from app.training.models import Attempt, TwinCommand, TwinSnapshot
from tests.conftest import SCENARIOS

POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\n  namespace: default\nspec:\n"
       "  containers:\n  - name: c\n    image: busybox:1.36\n    command: [sleep, '3600']\n")
FIX = "sed -i 's#--listen-client-url=#--listen-client-urls=#' manifests/etcd.yaml"
# (seconds of host time since the previous command, line)
SESSION = [
    (0, "cd /etc/kubernetes"),
    (5, "crictl ps -a"),
    (40, "journalctl -u kubelet --no-pager | tail -5"),
    (3, FIX),
    (2, "systemctl restart kubelet"),
    (95, "kubectl get pods -A"),
    (1, f"printf '{POD}' > /root/pod.yaml"),
    (1, "kubectl apply -f /root/pod.yaml"),
    (30, "ssh kind-worker"),
    (1, "touch /root/on-the-worker && systemctl stop kubelet"),
    (1, "exit"),
    (300, "kubectl get nodes"),
    (2, "kubectl delete pod probe"),
    (1, "grep -c listen-client-urls= manifests/etcd.yaml"),
]


class FakeHostTime:
    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog(SCENARIOS)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    upgrade(url)
    with Session(get_engine(url)) as session:
        yield session
    get_engine(url).dispose()


def start(db: Session, catalog: Catalog, provider: SimProvider) -> Attempt:
    return service.start_attempt(db=db, catalog=catalog, provider=provider,
                                 scenario_id="etcd-manifest-typo", seed=0).attempt


def run(db: Session, catalog: Catalog, provider: SimProvider, attempt: Attempt,
        line: str) -> str:
    return service.run_command(db=db, catalog=catalog, provider=provider, attempt=attempt,
                               command=line).output


def state(provider: SimProvider, attempt: Attempt) -> dict:
    return service.load_cluster(provider, attempt).to_json()


def test_a_rebuilt_twin_is_the_live_twin_after_a_mix_of_commands(
        db: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    live = SimProvider()
    attempt = start(db, catalog, live)
    host = FakeHostTime(service.load_cluster(live, attempt).clock.now() + 1)
    monkeypatch.setattr(clock, "time", host)
    outputs = []
    for wait, line in SESSION:
        host.now += wait
        outputs.append(run(db, catalog, live, attempt, line))
    assert outputs[-1] == "1\n"  # the fix went through
    db.refresh(attempt)
    assert attempt.snapshot_version == 1, "only journal rows were written"
    assert attempt.state_version == 1 + len(SESSION)
    rebuilt = SimProvider()  # another process, or this one after kill -9
    assert state(rebuilt, attempt) == state(live, attempt)
    # ...and they stay the same from there on, with time passing
    host.now += 600
    assert run(db, catalog, rebuilt, attempt, "crictl ps -a") \
        == run(db, catalog, live, attempt, "crictl ps -a")


def test_replaying_gives_the_outputs_the_trainee_saw(
        db: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = SimProvider()
    attempt = start(db, catalog, provider)
    host = FakeHostTime(service.load_cluster(provider, attempt).clock.now() + 1)
    monkeypatch.setattr(clock, "time", host)
    seen = []
    for wait, line in SESSION[:8]:
        host.now += wait
        seen.append(run(db, catalog, provider, attempt, line))
    twin = snapshots.decode(db.get(TwinSnapshot, attempt.id).state)
    rows = db.exec(select(TwinCommand).where(TwinCommand.attempt_id == attempt.id)
                   .order_by(TwinCommand.version)).all()
    again = [replay.run_again(twin, r.line, json.loads(r.session), r.host_time).output
             for r in rows]
    assert again == seen


def test_a_process_behind_replays_only_what_it_missed(
        db: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = SimProvider(), SimProvider()
    attempt = start(db, catalog, a)
    run(db, catalog, b, attempt, "mkdir /root/n")
    replayed: list[str] = []
    real = replay.run_again
    monkeypatch.setattr(replay, "run_again",
                        lambda c, line, s, t: replayed.append(line) or real(c, line, s, t))
    for i in range(6):
        run(db, catalog, a if i % 2 else b, attempt, f"touch /root/n/f{i}")
    # a catches up on what b ran before; then each replays only the other's last command
    assert replayed == ["mkdir /root/n", *(f"touch /root/n/f{i}" for i in range(5))]
    assert run(db, catalog, a, attempt, "ls /root/n").split() == [f"f{i}" for i in range(6)]
    assert state(a, attempt) == state(b, attempt)


def test_a_command_that_draws_randomness_is_saved_as_a_snapshot(
        db: Session, catalog: Catalog) -> None:
    provider = SimProvider()
    attempt = start(db, catalog, provider)
    run(db, catalog, provider, attempt, "ls /etc/kubernetes")
    assert (attempt.snapshot_version, attempt.state_version) == (1, 2)
    run(db, catalog, provider, attempt, "echo $RANDOM > /root/dice")
    assert attempt.snapshot_version == attempt.state_version == 3
    assert db.exec(select(TwinCommand)).all() == [], "the snapshot replaces the journal"
    run(db, catalog, provider, attempt, "kubeadm certs renew apiserver")
    assert attempt.snapshot_version == attempt.state_version == 4
    rebuilt = SimProvider()
    assert state(rebuilt, attempt) == state(provider, attempt)
    dice = run(db, catalog, rebuilt, attempt, "cat /root/dice")
    assert dice == run(db, catalog, provider, attempt, "cat /root/dice") and dice.strip()


def test_a_snapshot_every_so_many_commands_bounds_the_replay(
        db: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twinlog, "SNAPSHOT_EVERY", 4)
    provider = SimProvider()
    attempt = start(db, catalog, provider)
    for i in range(6):
        run(db, catalog, provider, attempt, f"touch /root/f{i}")
    assert (attempt.snapshot_version, attempt.state_version) == (5, 7)
    assert [r.version for r in db.exec(select(TwinCommand))] == [6, 7]
    assert state(SimProvider(), attempt) == state(provider, attempt)


def test_a_verify_saves_a_snapshot(db: Session, catalog: Catalog) -> None:
    provider = SimProvider()
    attempt = start(db, catalog, provider)
    run(db, catalog, provider, attempt, "cd /etc/kubernetes")
    run(db, catalog, provider, attempt, FIX)
    service.verify(db=db, catalog=catalog, provider=provider, attempt=attempt)
    assert attempt.snapshot_version == attempt.state_version == 4
    assert state(SimProvider(), attempt) == state(provider, attempt)


def test_a_command_that_crashes_leaves_no_half_changed_twin_in_the_cache(
        db: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = SimProvider()
    attempt = start(db, catalog, provider)

    def boom(self, line: str) -> None:  # noqa: ANN001
        self.cluster.node("control-plane").vfs.write("/root/half", b"x")
        raise RuntimeError("bug in a command")

    from app.providers.sim.terminal import SimTerminal

    with monkeypatch.context() as m:
        m.setattr(SimTerminal, "run", boom)
        with pytest.raises(RuntimeError):
            run(db, catalog, provider, attempt, "anything")
    db.rollback()
    assert provider.peek(attempt.id) is None
    assert "No such file" in run(db, catalog, provider, attempt, "ls /root/half")


def test_a_failed_commit_leaves_the_cache_without_the_new_version(
        db: Session, catalog: Catalog) -> None:
    provider = SimProvider()
    attempt = start(db, catalog, provider)
    cluster = service.load_cluster(provider, attempt)
    twinlog.save(db, provider, attempt, cluster)
    db.rollback()
    assert provider.peek(attempt.id) is None
    db.refresh(attempt)
    assert attempt.state_version == 1


REBUILD = """
import hashlib, json, sys
from sqlmodel import Session
from app.db import get_engine
from app.providers.sim.provider import SimProvider
from app.training import service
with Session(get_engine(sys.argv[1])) as db:
    attempt = service.get_attempt(db=db, attempt_id=sys.argv[2])
    twin = service.load_cluster(SimProvider(), attempt).to_json()
print(hashlib.sha256(json.dumps(twin, sort_keys=True).encode()).hexdigest())
"""


def test_another_process_with_other_hash_seeds_rebuilds_the_same_twin(
        db: Session, catalog: Catalog, tmp_path: Path) -> None:
    import hashlib
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    provider = SimProvider()
    attempt = start(db, catalog, provider)
    for _, line in SESSION:
        run(db, catalog, provider, attempt, line)
    assert attempt.snapshot_version == 1
    live = hashlib.sha256(json.dumps(state(provider, attempt), sort_keys=True).encode())
    url = str(db.get_bind().url)
    for seed in ("1", "4242"):  # set and dict-of-str orders differ between these processes
        out = subprocess.run([sys.executable, "-c", REBUILD, url, attempt.id], cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True,
                             capture_output=True, text=True).stdout.split()
        assert out[-1] == live.hexdigest()
