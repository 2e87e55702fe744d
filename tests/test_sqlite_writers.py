"""app/sqlite_writers.py: writers of one SQLite database queue on a Python lock."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app.sqlite_writers import serialise_writers


def engine_at(tmp_path: Path, timeout_s: float = 30.0):  # noqa: ANN201
    # SQLite's own busy wait is off: a writer that met SQLite's lock would fail at once, so
    # these tests pass only if writers queue on the Python lock instead.
    engine = create_engine(f"sqlite:///{tmp_path}/w.db",
                           connect_args={"check_same_thread": False, "timeout": 0})
    serialise_writers(engine, timeout_s=timeout_s)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    wrote = threading.Event()
    order: list[str] = []

    def second() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            order.append("second wrote")
        wrote.set()

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        assert not wrote.wait(0.3)  # queued behind our open transaction
        order.append("first commits")
    thread.join(10)
    assert order == ["first commits", "second wrote"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


def test_readers_do_not_queue_behind_a_writer(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    seen: list[int] = []
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))

        def read() -> None:
            with engine.connect() as other:
                seen.append(other.execute(text("SELECT count(*) FROM t")).scalar_one())

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(5)
        assert seen == [0]  # read at once, the uncommitted row unseen


def test_a_rolled_back_writer_gives_the_lock_back(tmp_path: Path) -> None:
    engine = engine_at(tmp_path, timeout_s=0.5)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        raise RuntimeError("the request failed")
    with engine.begin() as conn:  # would time out if the lock were still held
        conn.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [2]


def test_a_writer_that_cannot_get_the_lock_fails_as_sqlite_would(tmp_path: Path) -> None:
    engine = engine_at(tmp_path, timeout_s=0.2)
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except (OperationalError, sqlite3.OperationalError) as err:
            errors.append(err)

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(5)
    assert len(errors) == 1 and "database is locked" in str(errors[0])
