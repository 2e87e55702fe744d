"""How an attempt's twin is persisted: a snapshot every few commands, a journal in between.

Rewriting the whole twin (~200 KB of JSON) into the attempt's row after every command cost
more CPU than the command itself. The twin is deterministic (app/providers/sim/replay.py), so
a command is persisted as a `TwinCommand` row instead: the line, the shell session it ran in
and the host time the twin's clock was pinned to, committed before the answer as before (a
`kill -9` loses nothing). The snapshot (the attempt's `TwinSnapshot` row) is rewritten when

- `SNAPSHOT_EVERY` commands have accumulated since the last one (bounds the replay),
- the command drew randomness (a new key, a serial, `$RANDOM`: app/providers/sim/entropy.py),
- or the change did not come from a command line (start, verify, the browser editor).

A process whose cache holds the attempt's current version uses it as it is; one holding an
older version (another process served the last commands) replays only the commands it missed;
otherwise it restores the snapshot and replays the journal after it. Advancing the twin to
"now" is not persisted at all: the next command advances from the saved state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, insert
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session
from sqlmodel import Session, select

from app.providers.sim import entropy, replay
from app.providers.sim.cluster import SimCluster
from app.providers.sim.provider import SimProvider
from app.providers.sim.shell.session import ShellSession
from app.training import snapshots
from app.training.models import Attempt, CommandRow, TwinCommand, TwinSnapshot

SNAPSHOT_EVERY = 25
_INSERT_JOURNAL = insert(TwinCommand)  # built once: its cache key is then memoised


class JournalGap(RuntimeError):
    """The journal does not lead from the snapshot to the attempt's version."""


@dataclass
class Recorded:
    """One command line as it ran, ready to be journaled."""

    line: str
    via: str
    session: dict[str, Any]
    host_time: float = 0.0
    random: bool = False


@contextmanager
def recording(provider: SimProvider, attempt: Attempt | CommandRow, cluster: SimCluster,
              session: ShellSession, via: str, line: str) -> Iterator[Recorded]:
    """Run a line inside this block to journal it: pins the clock, watches for randomness.

    If the line fails with an exception the cached twin may be half-changed: it is dropped
    from the cache, and the next request rebuilds it from the database."""
    rec = Recorded(line=line, via=via, session=session.to_json())
    try:
        with replay.pinned(cluster) as at, entropy.watch() as drawn:
            rec.host_time = at
            yield rec
        rec.random = drawn.used
    except BaseException:
        provider.release(attempt.id)
        raise


def load(provider: SimProvider, attempt: Attempt) -> SimCluster:
    """The attempt's twin at `attempt.state_version` (or newer, for a reader that is behind)."""
    try:
        return _load(provider, attempt)
    except JournalGap:
        # A snapshot written meanwhile by another process removed the journal this read was
        # about to replay: read the row again and start from the new snapshot.
        db = object_session(attempt)
        if db is None:
            raise
        db.refresh(attempt)
        provider.release(attempt.id)
        return _load(provider, attempt)


def _load(provider: SimProvider, attempt: Attempt) -> SimCluster:
    head = attempt.state_version
    hit = provider.peek(attempt.id)
    if hit is not None and hit[0] >= head:
        return hit[1]
    if hit is not None and hit[0] >= attempt.snapshot_version:
        version, cluster = hit
    else:
        version = attempt.snapshot_version
        cluster = snapshots.decode(_snapshot(attempt))
    if version < head:
        db = object_session(attempt)
        if db is None:
            raise JournalGap(f"attempt {attempt.id} is detached: cannot read its journal")
        rows = db.exec(select(TwinCommand).where(  # type: ignore[call-overload]
            TwinCommand.attempt_id == attempt.id, TwinCommand.version > version,
            TwinCommand.version <= head).order_by(TwinCommand.version)).all()
        if [r.version for r in rows] != list(range(version + 1, head + 1)):
            raise JournalGap(f"attempt {attempt.id}: journal {version}..{head} incomplete")
        provider.release(attempt.id)  # half-replayed, it must not be served from the cache
        for row in rows:
            replay.run_again(cluster, row.line, json.loads(row.session), row.host_time)
    provider.remember(attempt.id, head, cluster)
    return cluster


def save(db: Session, provider: SimProvider, attempt: Attempt | CommandRow, cluster: SimCluster,
         recorded: Recorded | None = None, *, attach: bool = True) -> None:
    """Persist the twin's new version in `db`'s transaction: a journal row for a replayable
    command, else (or every SNAPSHOT_EVERY versions) a snapshot. The twin is taken out of the
    cache until the transaction commits, so a failed commit never leaves a version in memory
    that the database does not have. `attach=False`: the caller writes the attempt's new
    versions itself (a row read with Core, not through the session)."""
    attempt.state_version += 1
    version = attempt.state_version
    provider.release(attempt.id)
    if recorded is None or recorded.random \
            or version - attempt.snapshot_version >= SNAPSHOT_EVERY:
        write_snapshot(db, attempt, snapshots.encode(cluster), version)
        db.execute(delete(TwinCommand).where(TwinCommand.attempt_id == attempt.id,
                                             TwinCommand.version <= version))
    else:
        # Core: one per command, never read back in this session.
        db.connection().execute(_INSERT_JOURNAL, {
            "attempt_id": attempt.id, "version": version, "host_time": recorded.host_time,
            "via": recorded.via, "line": recorded.line,
            "session": json.dumps(recorded.session, separators=(",", ":"))})
    if attach:
        db.add(attempt)
    after_commit(db, lambda: provider.remember(attempt.id, version, cluster))


def write_snapshot(db: Session, attempt: Attempt | CommandRow, state: str, version: int, *,
                   new: bool = False) -> None:
    """The twin as of `version`, in the attempt's TwinSnapshot row (added or replaced; `new`:
    the attempt is being created, so there is no row to look for)."""
    row = None if new else db.get(TwinSnapshot, attempt.id)
    if row is None:
        row = TwinSnapshot(attempt_id=attempt.id, version=version, state=state)
    else:
        row.version, row.state = version, state
    db.add(row)
    attempt.snapshot_version = version


def _snapshot(attempt: Attempt) -> str:
    db = object_session(attempt)
    if db is None:
        raise JournalGap(f"attempt {attempt.id} is detached: cannot read its snapshot")
    row = db.get(TwinSnapshot, attempt.id)
    if row is None:
        raise JournalGap(f"attempt {attempt.id} has no saved twin")
    if row.version != attempt.snapshot_version:
        db.refresh(row)  # another process took a newer snapshot since this session read it
    return row.state


# --- after commit ---------------------------------------------------------------------------

_AFTER = "kubedrill_after_commit"


def after_commit(db: OrmSession, callback: Callable[[], None]) -> None:
    """Run `callback` once `db`'s current transaction has committed; never if it rolls back."""
    db.info.setdefault(_AFTER, []).append(callback)


@event.listens_for(OrmSession, "after_commit")
def _committed(db: OrmSession) -> None:
    for callback in db.info.pop(_AFTER, []):
        callback()


@event.listens_for(OrmSession, "after_rollback")
def _rolled_back(db: OrmSession) -> None:
    db.info.pop(_AFTER, None)
