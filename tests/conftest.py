"""Shared fixtures: a real app on a temporary database, and a client for it.

`settings` is parametrised: every test that uses it (or `client`, `attempt`) runs once on
SQLite and once on a throwaway PostgreSQL server (tests/pg.py) with a fresh database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import get_engine
from app.main import create_app
from tests.pg import PgServer, pg_server

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    with pg_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def settings(database_url: str) -> Iterator[Settings]:
    yield Settings(database_url=database_url, scenarios_dir=SCENARIOS,
                   secret_key="test-secret", sweep_interval_s=0.2)
    get_engine(database_url).dispose()  # give the test's connections back to the server


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def attempt(client: TestClient) -> dict:
    """A fresh attempt on etcd-manifest-typo, with its auth header under `headers`."""
    r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo", "seed": 0})
    assert r.status_code == 201, r.text
    data = r.json()
    data["headers"] = {"Authorization": f"Bearer {data['token']}"}
    return data
