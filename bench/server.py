"""Start one `kubedrill` server process on a free loopback port for a benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(**env_overrides: str) -> Iterator[str]:
    """Yields the server's base URL; a fresh SQLite database lives for the duration."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KUBEDRILL_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "KUBEDRILL_SECRET_KEY": "bench", **env_overrides}
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_app",
                                 "--factory", "--port", str(port), "--log-level", "warning"],
                                cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(url + "/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait()
