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


# A benchmark is one client address sending what a room would: the per-address and
# per-attempt rate limits would refuse most of it (the cap on requests in progress stays on).
NO_RATE_LIMITS = {"KUBEDRILL_COMMANDS_PER_S": "0", "KUBEDRILL_ATTEMPTS_PER_IP_PER_MIN": "0",
                  "KUBEDRILL_ANSWERS_PER_MIN": "0"}


@contextmanager
def running_server(**env_overrides: str) -> Iterator[str]:
    """Yields the server's base URL; a fresh SQLite database lives for the duration. The
    server's log goes to a file; its error lines are counted and printed at the end."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KUBEDRILL_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "KUBEDRILL_SECRET_KEY": "bench", **NO_RATE_LIMITS, **env_overrides}
        log_path = Path(tmp) / "server.log"
        log = log_path.open("w")
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_app",
                                 "--factory", "--port", str(port), "--log-level", "warning"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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
            log.close()
            errors = [x for x in log_path.read_text().splitlines()
                      if '"level": "error"' in x or "Traceback" in x]
            print(f"server: {len(errors)} error log lines")
            for x in errors[:5]:
                print("  " + x[:300])
