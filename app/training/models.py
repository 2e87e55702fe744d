"""Attempts and everything that happens in one, as stored in the database.

`AttemptPublic` is the only shape that leaves the server while an attempt runs: it cannot
carry the answer key because it has no field for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy.orm import deferred
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import AutoString


def utcnow() -> datetime:
    return datetime.now(UTC)


class ScenarioRecord(SQLModel, table=True):
    """Which scenario versions attempts were played on (a scenario file may change later)."""

    id: str = Field(primary_key=True)
    title: str
    digest: str
    first_seen: datetime = Field(default_factory=utcnow)


# kind: the name of the attempt's cluster (sim attempts keep their twin in TwinSnapshot).
# Deferred: columns a row read does not need stay out of it.
_CLUSTER_STATE = Column("cluster_state", AutoString(), nullable=False, default="")


class Attempt(SQLModel, table=True):
    __mapper_args__ = {"properties": {"cluster_state": deferred(_CLUSTER_STATE)}}

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
    cluster_state: str = Field(default="", sa_column=_CLUSTER_STATE)
    # sim: the twin as of `snapshot_version` is the attempt's TwinSnapshot row; the commands
    # that took it from there to `state_version` are its TwinCommand rows (training/twinlog.py).
    state_version: int = 0
    snapshot_version: int = 0
    terminal_state: str = "{}"  # the shell session (cwd, env, history), JSON


@dataclass
class CommandRow:
    """The columns of an attempt's row a sim command reads and writes, read without the ORM
    (training/service.py `_exec_on_cached_twin`); the helpers a command goes through accept
    it wherever they accept an `Attempt`."""

    id: str
    token_hash: str
    provider: str
    status: str
    hold_since: datetime | None
    deadline: datetime
    started_at: datetime
    ended_at: datetime | None
    paused_s: float
    state_version: int
    snapshot_version: int
    terminal_state: str


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


class TwinSnapshot(SQLModel, table=True):
    """A sim attempt's whole twin (~200 KB of JSON), rewritten every few commands.

    A row of its own, not a column of `attempt`: SQLite rewrites a whole row on every UPDATE,
    and the attempt's row is updated by every command (its versions, its shell session)."""

    attempt_id: str = Field(primary_key=True, foreign_key="attempt.id")
    version: int
    state: str


class TwinCommand(SQLModel, table=True):
    """One command line as the twin ran it, enough to run it again and reach the same state:
    the twin is deterministic given its state, the line, the shell session and the time."""

    __table_args__ = (UniqueConstraint("attempt_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: str = Field(index=True, foreign_key="attempt.id")
    version: int  # the twin's state_version this command produced
    host_time: float  # the server's clock (time.time()) the twin's clock was pinned to
    via: str  # which shell session: api | terminal
    line: str
    session: str  # the shell session before the line (ShellSession.to_json), JSON


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
