"""Attempts and everything that happens in one, as stored in the database.

`AttemptPublic` is the only shape that leaves the server while an attempt runs: it cannot
carry the answer key because it has no field for it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class ScenarioRecord(SQLModel, table=True):
    """Which scenario versions attempts were played on (a scenario file may change later)."""

    id: str = Field(primary_key=True)
    title: str
    digest: str
    first_seen: datetime = Field(default_factory=utcnow)


class Attempt(SQLModel, table=True):
    id: str = Field(primary_key=True)
    token_hash: str = Field(index=True)
    browser_id: str = Field(default="", index=True)
    scenario_id: str = Field(index=True)
    seed: int = 0
    name: str = ""
    team: str = ""
    event_code: str | None = Field(default=None, index=True)
    rejoin_hash: str = ""  # events: a personal code to resume this attempt from another device
    paused_s: float = 0.0  # clock time stopped by a facilitator's pause (not counted)
    hold_since: datetime | None = None  # the clock is stopped (event paused) since then
    provider: str = "sim"
    # provisioning (kind: the cluster is being made) | active | solved | gave_up | expired |
    # failed (kind: the cluster could not be made; `progress` says why)
    status: str = Field(default="active", index=True)
    # kind: what provisioning is doing ("queued: 2 ahead of you", ...)
    progress: str = Field(default="", sa_column_kwargs={"server_default": ""})
    started_at: datetime
    deadline: datetime
    ended_at: datetime | None = None
    hints_taken: int = 0
    wrong_answers: int = 0
    consecutive_wrong: int = 0
    locked_until: datetime | None = None
    solved: bool = False
    fixed: bool = False
    score: int = 0
    score_breakdown: str = "{}"  # JSON
    cluster_state: str = ""  # the twin serialised, JSON
    state_version: int = 0
    terminal_state: str = "{}"  # the shell session (cwd, env, history), JSON


class ClusterRecord(SQLModel, table=True):
    """A real cluster the kind provider made: the reaper and start-up reconcile work from these.

    state: creating | warm (healthy, in the pool, no attempt) | assigned | deleting."""

    name: str = Field(primary_key=True)
    provider: str = "kind"
    topology: str = Field(index=True)  # "<control planes>cp-<workers>w"
    state: str = Field(default="creating", index=True)
    attempt_id: str | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    detail: str = ""


class CommandRecord(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: str = Field(index=True, foreign_key="attempt.id")
    at: datetime = Field(default_factory=utcnow)
    elapsed_s: float = 0.0
    node: str = ""
    command: str
    exit_code: int = 0


class AnswerRecord(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: str = Field(index=True, foreign_key="attempt.id")
    at: datetime = Field(default_factory=utcnow)
    component: str
    cause: str
    correct: bool
    feedback: str = ""


class HintRecord(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: str = Field(index=True, foreign_key="attempt.id")
    index: int
    at: datetime = Field(default_factory=utcnow)
    penalty: int = 0


class AttemptPublic(SQLModel):
    id: str
    scenario_id: str
    status: str
    paused: bool = False
    started_at: datetime
    deadline: datetime
    elapsed_s: float
    hints_taken: int
    score: int
    name: str = ""
    team: str = ""
    seed: int = 0
    progress: str = ""
