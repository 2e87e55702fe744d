"""service.exec_line: the cached-twin path (Core reads and writes of the attempt's row) and the
general path give the same results and the same refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from app.catalog.loader import Catalog, load_catalog
from app.db import get_engine, upgrade
from app.providers.sim.provider import SimProvider
from app.training import service
from app.training.models import Attempt, CommandRecord, TwinCommand
from tests.conftest import SCENARIOS

LINES = ["cd /etc/kubernetes", "ls manifests", "export DRILL=on", "echo $DRILL $PWD"]


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog(SCENARIOS)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'exec.db'}"
    upgrade(url)
    return url


@pytest.fixture
def started(url: str, catalog: Catalog) -> Iterator[tuple[SimProvider, service.Started]]:
    provider = SimProvider()
    with Session(get_engine(url)) as db:
        yield provider, service.start_attempt(db=db, catalog=catalog, provider=provider,
                                              scenario_id="etcd-manifest-typo", seed=3)


def run(url: str, catalog: Catalog, provider: SimProvider, started: service.Started,
        line: str, token: str | None = None) -> tuple[str, bool]:
    """(output, whether the attempt's row was loaded through the session)."""
    loaded: list[Attempt] = []

    def on_load(target: Attempt, _context: object) -> None:
        loaded.append(target)

    event.listen(Attempt, "load", on_load)
    try:
        with Session(get_engine(url), expire_on_commit=False) as db:
            result = service.exec_line(db=db, catalog=catalog, provider=provider,
                                       attempt_id=started.attempt.id,
                                       token=token or started.token, command=line)
    finally:
        event.remove(Attempt, "load", on_load)
    return result.output, bool(loaded)


def row(url: str, attempt_id: str) -> tuple[Attempt, list[CommandRecord], list[TwinCommand]]:
    with Session(get_engine(url)) as db:
        attempt = db.get(Attempt, attempt_id)
        assert attempt is not None
        cmds = db.exec(select(CommandRecord).where(CommandRecord.attempt_id == attempt_id)
                       .order_by(CommandRecord.id)).all()  # type: ignore[arg-type]
        journal = db.exec(select(TwinCommand).where(TwinCommand.attempt_id == attempt_id)
                          .order_by(TwinCommand.version)).all()  # type: ignore[arg-type]
        db.expunge_all()
        return attempt, list(cmds), list(journal)


def test_a_command_on_the_cached_twin_never_loads_the_row_into_the_session(
        url: str, catalog: Catalog, started: tuple[SimProvider, service.Started]) -> None:
    provider, st = started
    outputs = [run(url, catalog, provider, st, line) for line in LINES]
    assert [through for _, through in outputs] == [False] * len(LINES)
    assert outputs[-1][0] == "on /etc/kubernetes\n"
    attempt, cmds, journal = row(url, st.attempt.id)
    assert attempt.state_version == 1 + len(LINES)
    assert [c.command for c in cmds] == LINES
    assert [j.version for j in journal] == [2, 3, 4, 5]
    assert json.loads(attempt.terminal_state)["api"]["cwd"] == "/etc/kubernetes"


def test_the_cached_path_and_the_general_path_leave_the_same_row(
        url: str, catalog: Catalog, tmp_path: Path) -> None:
    rows = []
    for general in (False, True):
        provider = SimProvider()
        with Session(get_engine(url)) as db:
            st = service.start_attempt(db=db, catalog=catalog, provider=provider,
                                       scenario_id="etcd-manifest-typo", seed=3)
        for line in LINES:
            if general:  # as if another process had served the last command
                provider.release(st.attempt.id)
            assert run(url, catalog, provider, st, line)[1] is general
        attempt, cmds, journal = row(url, st.attempt.id)
        rows.append((attempt.state_version, attempt.snapshot_version, attempt.terminal_state,
                     [(c.command, c.exit_code, c.node) for c in cmds],
                     [(j.version, j.line, j.session) for j in journal]))
    assert rows[0] == rows[1]


def test_refusals_are_the_same_on_the_cached_path(
        url: str, catalog: Catalog, started: tuple[SimProvider, service.Started]) -> None:
    provider, st = started
    with pytest.raises(service.Forbidden):
        run(url, catalog, provider, st, "true", token="not-the-token")
    with Session(get_engine(url)) as db, pytest.raises(service.NotFound):
        service.exec_line(db=db, catalog=catalog, provider=provider, attempt_id="nope",
                          token=st.token, command="true")
    with Session(get_engine(url)) as db:
        attempt = db.get(Attempt, st.attempt.id)
        assert attempt is not None
        attempt.hold_since = datetime.now(UTC)
        db.commit()
    with pytest.raises(service.Conflict, match="paused"):
        run(url, catalog, provider, st, "true")
    with Session(get_engine(url)) as db:
        attempt = db.get(Attempt, st.attempt.id)
        assert attempt is not None
        attempt.hold_since = None
        attempt.deadline = datetime.now(UTC) - timedelta(seconds=1)
        db.commit()
    with pytest.raises(service.Conflict, match="expired"):
        run(url, catalog, provider, st, "true")
    assert row(url, st.attempt.id)[0].status == "expired"
    assert row(url, st.attempt.id)[1] == []  # no refused line reached the timeline
