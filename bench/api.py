"""One server process over real HTTP: attempt start latency, exec latency with 50 and 300
concurrent trainees, and memory per live attempt. Not a test: prints figures.

    .venv/bin/python bench/api.py      # BENCH_TRAINEES=50,300 BENCH_COMMANDS=5 BENCH_THINK_S=10
    BENCH_THINK_S=1 .venv/bin/python bench/api.py   # a trainee who types a command a second
    BENCH_POSTGRES=1 .venv/bin/python bench/api.py  # on a throwaway PostgreSQL (tests/pg.py)
    BENCH_SCENARIO=readiness-wrong-port .venv/bin/python bench/api.py  # a healthy control plane
    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/api.py  # on yours

Each trainee has its own attempt and runs BENCH_COMMANDS commands from a realistic mix,
pausing a random 0..2×BENCH_THINK_S seconds between them (default mean 10 s: reading the
output, thinking, typing the next line). Besides latency it prints the server's CPU time per
request, which other load on the machine barely moves.
Rate limits are switched off for the run; everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STARTS = int(os.environ.get("BENCH_STARTS", "60"))
TRAINEES = [int(n) for n in os.environ.get("BENCH_TRAINEES", "50,300").split(",")]
COMMANDS = int(os.environ.get("BENCH_COMMANDS", "5"))
THINK_S = float(os.environ.get("BENCH_THINK_S", "10"))
# etcd-manifest-typo: the API server is down (what trainees see first); readiness-wrong-port:
# the control plane is healthy, so every step of the twin also runs the API-side controllers.
SCENARIO = os.environ.get("BENCH_SCENARIO", "etcd-manifest-typo")
MIX = ["kubectl get nodes", "kubectl get pods -A", "crictl ps -a",
       "journalctl -u kubelet --no-pager | tail -20", "cat /etc/kubernetes/manifests/etcd.yaml",
       "ls -la /etc/kubernetes/pki", "crictl logs $(crictl ps -a --name etcd -q | head -1)",
       "grep -n listen /etc/kubernetes/manifests/etcd.yaml", "systemctl status kubelet",
       "cd /etc/kubernetes && ls"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def line(name: str, values: list[float]) -> str:
    return (f"{name:38} median {statistics.median(values) * 1000:7.1f} ms   p99 "
            f"{pct(values, 0.99) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms   "
            f"(n={len(values)})")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of the server so far: unlike latency, barely moved by other
    load on the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


async def start(client: httpx.AsyncClient) -> tuple[float, dict]:
    t0 = time.perf_counter()
    r = await client.post("/api/attempts", json={"scenario_id": SCENARIO})
    took = time.perf_counter() - t0
    r.raise_for_status()
    return took, r.json()


async def trainee(client: httpx.AsyncClient, attempt: dict, rng: random.Random,
                  out: list[float], errors: list[str]) -> None:
    h = {"Authorization": f"Bearer {attempt['token']}"}
    url = f"/api/attempts/{attempt['id']}/exec"
    await asyncio.sleep(rng.uniform(0, 2 * THINK_S))  # trainees do not start in lock-step
    for _ in range(COMMANDS):
        t0 = time.perf_counter()
        try:
            r = await client.post(url, json={"command": rng.choice(MIX)}, headers=h)
        except httpx.HTTPError as err:
            errors.append(type(err).__name__)
            continue
        out.append(time.perf_counter() - t0)
        if r.status_code != 200:
            errors.append(str(r.status_code))
        await asyncio.sleep(rng.uniform(0, 2 * THINK_S))


async def main(url: str, pid: int) -> None:
    limits = httpx.Limits(max_connections=max(TRAINEES) + 10)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await start(client)  # warm-up: imports, first PKI, caches
        base_rss = rss_mib(pid)
        cpu0 = cpu_s(pid)
        starts = [(await start(client))[0] for _ in range(STARTS)]
        print(line("start: POST /api/attempts", starts)
              + f"   server CPU {(cpu_s(pid) - cpu0) / STARTS * 1000:5.1f} ms each")
        for n in TRAINEES:
            created = [(await start(client))[1] for _ in range(n)]
            latencies: list[float] = []
            errors: list[str] = []
            rng = random.Random(n)
            t0, cpu0 = time.perf_counter(), cpu_s(pid)
            await asyncio.gather(*(trainee(client, a, random.Random(rng.random()), latencies,
                                           errors) for a in created))
            wall, cpu = time.perf_counter() - t0, cpu_s(pid) - cpu0
            print(line(f"exec: {n} trainees, think {THINK_S:g} s", latencies)
                  + f"   {len(latencies) / wall:4.0f} cmd/s   server CPU "
                  f"{cpu / max(1, len(latencies)) * 1000:5.1f} ms/cmd   errors {len(errors)}"
                  + (f" {sorted(set(errors))}" if errors else ""))
        live = 1 + STARTS + sum(TRAINEES)
        grown = rss_mib(pid) - base_rss
        print(f"{'memory':38} {grown:7.1f} MiB for {live - 1} more live attempts = "
              f"{grown / (live - 1) * 1024:6.0f} KiB per attempt (RSS {rss_mib(pid):.0f} MiB)")


@contextmanager
def database(tmp: str) -> Iterator[str]:
    """BENCH_DATABASE_URL, else a throwaway PostgreSQL with BENCH_POSTGRES=1, else SQLite."""
    if os.environ.get("BENCH_DATABASE_URL"):
        yield os.environ["BENCH_DATABASE_URL"]
    elif os.environ.get("BENCH_POSTGRES") == "1":
        sys.path.insert(0, str(ROOT))
        from tests.pg import pg_server

        with pg_server() as pg:
            yield pg.new_database()
    else:
        yield f"sqlite:///{tmp}/bench.db"


if __name__ == "__main__":
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, database(tmp) as db_url:
        env = {**os.environ, "KUBEDRILL_DATABASE_URL": db_url,
               "KUBEDRILL_SECRET_KEY": "bench", "KUBEDRILL_COMMANDS_PER_S": "0",
               "KUBEDRILL_ATTEMPTS_PER_IP_PER_MIN": "0", "KUBEDRILL_ANSWERS_PER_MIN": "0"}
        server_log = Path(tmp) / "server.log"
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_app",
                                 "--factory", "--port", str(port), "--log-level", "warning",
                                 "--no-access-log"], cwd=ROOT, env=env,
                                stderr=server_log.open("w"))
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            print(f"one server process, {os.cpu_count()} CPUs, load average "
                  f"{os.getloadavg()[0]:.1f}, database {env['KUBEDRILL_DATABASE_URL'][:30]}, "
                  f"drill {SCENARIO}")
            asyncio.run(main(url, proc.pid))
        finally:
            proc.terminate()
            proc.wait()
            problems = [row for row in server_log.read_text().splitlines()
                        if '"level": "error"' in row or "Traceback" in row]
            print(f"server: {len(problems)} error log lines", *problems[:5], sep="\n  ")
