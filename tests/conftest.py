"""Shared fixtures: a real app on a temporary SQLite database, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", scenarios_dir=SCENARIOS,
                    secret_key="test-secret", sweep_interval_s=0.2)


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
