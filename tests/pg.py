"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary directory, on a
free port, as the `postgres` user when the tests run as root (PostgreSQL refuses root).

`make test` installs Debian's `postgresql` package when it is missing; without it these
fixtures fail with a clear message rather than skip, so a green run always covered both
databases.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

USER = "kubedrill"


@dataclass
class PgServer:
    port: int
    datadir: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} dbname={database}"

    _counter = itertools.count()

    def new_database(self) -> str:
        """A fresh empty database; its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make test` (it installs Debian's "
                           "postgresql) or `apt-get install postgresql`")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], as_user: str | None) -> None:
    if as_user:
        args = ["runuser", "-u", as_user, "--", *args]
    subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   timeout=120)


@contextmanager
def pg_server() -> Iterator[PgServer]:
    bindir = _bindir()
    as_user = "postgres" if os.geteuid() == 0 else None
    tmp = tempfile.mkdtemp(prefix="kubedrill-pg-")
    datadir = os.path.join(tmp, "data")
    if as_user:
        entry = pwd.getpwnam(as_user)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    try:
        _run([f"{bindir}/initdb", "-D", datadir, "-U", USER, "-A", "trust", "-E", "UTF8",
              "--no-sync", "--no-instructions"], as_user)
        _run([f"{bindir}/pg_ctl", "-D", datadir, "-l", os.path.join(tmp, "log"), "-w", "-t",
              "60", "-o", f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
              "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
              "start"], as_user)
        yield PgServer(port, datadir)
    finally:
        if os.path.exists(os.path.join(datadir, "postmaster.pid")):
            _run([f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "-w", "stop"],
                 as_user)
        shutil.rmtree(tmp, ignore_errors=True)
