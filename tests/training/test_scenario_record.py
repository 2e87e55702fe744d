"""A room joining at once starts the same scenario many times in parallel: each start records
the scenario's first appearance, and none of them fails because another one did it first."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from app.catalog.loader import load_catalog
from app.db import get_engine, upgrade
from app.providers.sim.provider import SimProvider
from app.training import service
from app.training.models import ScenarioRecord
from tests.conftest import SCENARIOS


def test_parallel_first_starts_of_a_scenario_all_succeed(database_url: str) -> None:
    upgrade(database_url)
    engine = get_engine(database_url)
    catalog, provider = load_catalog(SCENARIOS), SimProvider()
    gate = threading.Barrier(4)
    errors: list[BaseException] = []

    def start() -> None:
        with Session(engine) as db:
            gate.wait()  # all four find the scenario unrecorded at the same moment
            try:
                service.start_attempt(db=db, catalog=catalog, provider=provider,
                                      scenario_id="readiness-wrong-port", seed=1)
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with Session(engine) as db:
        rows = db.exec(select(ScenarioRecord)).all()
    assert [r.id for r in rows] == ["readiness-wrong-port"]
    engine.dispose()
