"""Game days and workshops: an event groups attempts under a short join code."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.training.models import utcnow


class Event(SQLModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    scenario_ids: str  # JSON list, in order
    choice: str = "order"  # order: everybody plays them in order | pick: participant picks
    mode: str = "individual"  # individual | teams
    duration_s: int | None = None  # overrides each scenario's time limit
    hints: bool = True
    leaderboard: bool = True  # visible to participants during the event (else only at the end)
    # shared: everybody plays the same variant (`seed`), a fair race | per-participant: each
    # attempt draws its own seed, so answers cannot be passed along.
    seed_mode: str = Field(default="shared", sa_column_kwargs={"server_default": "shared"})
    seed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    status: str = "waiting"  # waiting | running | paused | ended
    starts_at: datetime | None = None  # scheduled start; None = when the facilitator starts it
    started_at: datetime | None = None
    paused_since: datetime | None = None
    ended_at: datetime | None = None
    facilitator_token_hash: str
    created_at: datetime = Field(default_factory=utcnow)


class Broadcast(SQLModel, table=True):
    """A message from the facilitator to every participant's page (or a hint revealed to all)."""

    id: int | None = Field(default=None, primary_key=True)
    event_code: str = Field(index=True, foreign_key="event.code")
    at: datetime = Field(default_factory=utcnow)
    kind: str = "message"  # message | hint
    text: str
