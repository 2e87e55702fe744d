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

TABLES = {"attempt", "commandrecord", "answerrecord", "hintrecord", "scenariorecord"}


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
