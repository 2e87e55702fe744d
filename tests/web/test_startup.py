"""Start-up: what lives as long as the process is kept out of the garbage collector's scans."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import SCENARIOS


def test_the_first_start_freezes_the_long_lived_objects(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'gc.db'}",
                              scenarios_dir=SCENARIOS, secret_key="k"))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000, "modules and the catalog are frozen"
        frozen = gc.get_freeze_count()
    with TestClient(create_app(app.state.settings)):
        assert gc.get_freeze_count() <= frozen, "only once per process (frozen objects may die)"
