"""Game days and workshops: an event groups attempts under a short join code."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.training.models import utcnow


class Event(SQLModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    scenario_ids: str  # JSON list, in order
    mode: str = "individual"  # individual | teams
    duration_s: int | None = None
    hints: bool = True
    leaderboard: bool = True
    facilitator_token_hash: str
    created_at: datetime = Field(default_factory=utcnow)
