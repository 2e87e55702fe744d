"""Events: creation with a projector-friendly join code, and the leaderboard."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.catalog.loader import Catalog
from app.events.models import Event
from app.training import service as training
from app.training.models import Attempt

# No 0/O, 1/l/I: a code read off a projector must be typed right the first time.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


@dataclass
class Created:
    event: Event
    facilitator_token: str


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_event(*, db: Session, catalog: Catalog, name: str, scenario_ids: list[str],
                 mode: str = "individual", duration_s: int | None = None, hints: bool = True,
                 leaderboard: bool = True) -> Created:
    if not scenario_ids:
        raise training.TrainingError("an event needs at least one scenario")
    missing = [s for s in scenario_ids if s not in catalog]
    if missing:
        raise training.NotFound(f"unknown scenario(s): {', '.join(missing)}")
    if mode not in ("individual", "teams"):
        raise training.TrainingError("mode must be 'individual' or 'teams'")
    code = new_code()
    while db.get(Event, code) is not None:
        code = new_code()
    token = secrets.token_urlsafe(24)
    event = Event(code=code, name=name.strip()[:120] or "Game day",
                  scenario_ids=json.dumps(scenario_ids), mode=mode, duration_s=duration_s,
                  hints=hints, leaderboard=leaderboard,
                  facilitator_token_hash=training.hash_token(token))
    db.add(event)
    db.commit()
    db.refresh(event)
    return Created(event, token)


def get_event(*, db: Session, code: str) -> Event:
    event = db.get(Event, code.upper())
    if event is None:
        raise training.NotFound("event not found")
    return event


def leaderboard(*, db: Session, catalog: Catalog, event: Event) -> dict[str, Any]:
    attempts = db.exec(select(Attempt).where(Attempt.event_code == event.code)).all()
    rows: dict[str, dict[str, Any]] = {}
    for a in attempts:
        training.refresh(db=db, catalog=catalog, attempt=a)
        key = (a.team or a.name) if event.mode == "teams" else (a.name or a.id)
        row = rows.setdefault(key, {"name": a.name if event.mode != "teams" else key,
                                    "team": a.team, "score": 0, "solved": 0, "time_s": 0.0})
        row["score"] += a.score
        if a.solved:
            row["solved"] += 1
            row["time_s"] += round(training.elapsed_s(a), 1)
    db.commit()
    entries = sorted(rows.values(), key=lambda r: (-r["score"], r["time_s"]))
    return {"entries": entries}
