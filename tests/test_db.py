"""Migrations: up from an empty database, down to nothing and up again, and the result
matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.events.models  # noqa: F401  (tables on the metadata)
import app.training.models  # noqa: F401
from app.db import get_engine, upgrade

TABLES = {"attempt", "commandrecord", "answerrecord", "hintrecord", "scenariorecord",
          "twincommand", "twinsnapshot"}


def tables(url: str) -> set[str]:
    return set(inspect(get_engine(url)).get_table_names())


def schema_drift(url: str) -> list:
    with get_engine(url).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def test_migrations_build_the_schema_from_an_empty_database(database_url: str) -> None:
    assert not tables(database_url) - {"alembic_version"}
    upgrade(database_url)
    assert tables(database_url) >= TABLES
    assert schema_drift(database_url) == []
    get_engine(database_url).dispose()


def test_migrations_go_down_to_nothing_and_back_up(database_url: str) -> None:
    upgrade(database_url)
    upgrade_down(database_url)
    assert not tables(database_url) - {"alembic_version"}
    upgrade(database_url)
    assert tables(database_url) >= TABLES
    assert schema_drift(database_url) == []
    get_engine(database_url).dispose()


def upgrade_down(url: str) -> None:
    from alembic import command

    from app.db import alembic_config

    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")


def test_an_attempt_saved_before_the_journal_carries_on_from_its_snapshot(
        database_url: str) -> None:
    """Revisions 0005 (the command journal) and 0006 (snapshots in their own table) on a
    database at 0003 with a live attempt: the attempt's saved twin becomes its snapshot at its
    current version, and it loads as before."""
    import json
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import MetaData, Table
    from sqlmodel import Session

    from app.providers.sim.clock import Clock
    from app.providers.sim.cluster import create_cluster
    from app.providers.sim.provider import SimProvider
    from app.training import service

    upgrade(database_url, "0003")
    engine = get_engine(database_url)
    twin = create_cluster("kind", 1, 1, seed=3, clock=Clock(), age=300)
    twin.node("control-plane").write_file("/root/before-0004", b"kept\n")
    table = Table("attempt", MetaData(), autoload_with=engine)
    now = datetime.now(UTC).replace(tzinfo=None)
    defaults = {int: 0, bool: False, float: 0.0, datetime: now}

    def value(column):  # noqa: ANN001, ANN202 - a plain value of the column's type
        try:
            return defaults.get(column.type.python_type, "")
        except NotImplementedError:
            return ""

    row = {c.name: value(c) for c in table.columns if not c.nullable}
    row |= {"id": "pre0004", "scenario_id": "etcd-manifest-typo", "status": "active",
            "deadline": now + timedelta(minutes=20), "state_version": 7, "score_breakdown": "{}",
            "terminal_state": "{}", "cluster_state": json.dumps(twin.to_json())}
    with engine.begin() as conn:
        conn.execute(table.insert().values(**row))
    upgrade(database_url)
    with Session(engine) as db:
        attempt = service.get_attempt(db=db, attempt_id="pre0004")
        assert (attempt.snapshot_version, attempt.state_version) == (7, 7)
        loaded = service.load_cluster(SimProvider(), attempt)
        assert loaded.node("control-plane").read_file("/root/before-0004") == b"kept\n"
        assert attempt.cluster_state == "", "the snapshot left the attempt's row"
    engine.dispose()
