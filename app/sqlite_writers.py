"""One writer at a time per SQLite database, queued in Python rather than by SQLite.

SQLite lets one connection write at a time. A second writer that finds the database locked
is put to sleep by SQLite's busy handler for 1, 2, 5, 10, 15, 20, 25… ms between retries
(sqliteDefaultBusyCallback), however soon the lock is released: under a workshop's load a
command that needed 8 ms of CPU waited 30–60 ms that way. Here every writer of the process
takes a Python lock before its first write and gives it back when its connection returns to
the pool (a Session does that at commit or rollback), so
the next one starts the moment the lock is free and SQLite never sees two writers of ours.

The lock is taken with the same 30 s patience as SQLite's busy timeout and fails the same
way (`database is locked`), so a lock-order mistake elsewhere is an error, never a hang.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_HOLDS = "kubedrill_sqlite_writer"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "CREATE", "DROP T", "DROP I", "ALTER ")


def serialise_writers(engine: Engine, timeout_s: float = 30.0) -> None:
    """Queue `engine`'s writing transactions on one lock (the engine must be SQLite)."""
    lock = threading.Lock()

    def release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS, False):
            lock.release()

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.info.get(_HOLDS) or not statement.lstrip()[:6].upper().startswith(_WRITES):
            return
        if not lock.acquire(timeout=timeout_s):
            raise sqlite3.OperationalError("database is locked")
        conn.info[_HOLDS] = True

    # Given back when the connection returns to the pool: after the DBAPI commit or rollback
    # (the Connection's own commit event fires before it, and another writer would then meet
    # SQLite's lock for the rest of the commit).
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi: Any, record: Any) -> None:
        release(record.info)

    @event.listens_for(engine, "invalidate")
    def _invalidated(_dbapi: Any, record: Any, _error: Any) -> None:
        release(record.info)
