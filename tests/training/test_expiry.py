"""A deadline found passed by a request ends the attempt once, under the attempt's row lock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlmodel import Session

from app.catalog.loader import load_catalog
from app.config import Settings
from app.db import get_engine
from app.training import service
from app.training.models import Attempt, HintRecord
from tests.conftest import SCENARIOS


def test_two_requests_finding_the_deadline_passed_end_the_attempt_once(
        settings: Settings, attempt: dict) -> None:
    engine = get_engine(settings.database_url)
    catalog = load_catalog(SCENARIOS)
    with Session(engine) as db:
        a = db.get(Attempt, attempt["id"])
        a.deadline = service.now() - timedelta(seconds=5)
        db.add(a)
        db.commit()
    with Session(engine) as first, Session(engine) as second:
        seen_by_first = service.get_attempt(db=first, attempt_id=attempt["id"])
        seen_by_second = service.get_attempt(db=second, attempt_id=attempt["id"])
        service.expire_if_due(db=first, catalog=catalog, attempt=seen_by_first)
        ended_at = seen_by_first.ended_at
        # a hint recorded meanwhile changes the score an ending would compute
        first.add(HintRecord(attempt_id=attempt["id"], index=0, penalty=10))
        first.commit()
        service.expire_if_due(db=second, catalog=catalog, attempt=seen_by_second)
        assert seen_by_second.status == "expired"
        assert seen_by_second.ended_at == ended_at
        assert seen_by_second.score == seen_by_first.score, "ended twice"


def test_a_request_before_the_deadline_writes_nothing(settings: Settings, attempt: dict) -> None:
    engine = get_engine(settings.database_url)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with Session(engine) as db:
            a = service.get_attempt(db=db, attempt_id=attempt["id"])
            service.expire_if_due(db=db, catalog=load_catalog(SCENARIOS), attempt=a)
            assert a.status == "active"
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [s for s in statements if s != "SELECT"] == []  # (the sweeper may read meanwhile)
