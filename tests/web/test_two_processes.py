"""Two `kubedrill serve` processes on one PostgreSQL database: one attempt's requests
alternate between them, or hit both at once, and nothing is lost or done twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SCENARIOS
from tests.pg import PgServer, _free_port

FIX = "sed -i 's#--listen-client-url=#--listen-client-urls=#' /etc/kubernetes/manifests/etcd.yaml"


def serve(url: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "KUBEDRILL_DATABASE_URL": url, "KUBEDRILL_SCENARIOS_DIR": str(SCENARIOS),
           "KUBEDRILL_SECRET_KEY": "two-processes", "KUBEDRILL_COMMANDS_PER_S": "0"}
    return subprocess.Popen([sys.executable, "-c", "from app.cli import main; main()", "serve",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


@pytest.fixture
def twins(postgres: PgServer, tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    url = postgres.new_database()
    ports = [_free_port(), _free_port()]
    procs = [serve(url, p, tmp_path / f"server{i}.log") for i, p in enumerate(ports)]
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=30) for p in ports]
    try:
        deadline = time.monotonic() + 60
        for c, proc in zip(clients, procs, strict=True):
            while True:
                assert proc.poll() is None, (tmp_path / "server0.log").read_text()[-2000:]
                try:
                    if c.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "a server did not come up"
                time.sleep(0.1)
        yield clients[0], clients[1]
    finally:
        for c in clients:
            c.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_alternating_processes_lose_and_duplicate_nothing(twins) -> None:  # noqa: ANN001
    a, b = twins
    created = a.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
    path = f"/api/attempts/{created['id']}"
    h = {"Authorization": f"Bearer {created['token']}"}

    def run(client: httpx.Client, command: str) -> dict:
        r = client.post(path + "/exec", json={"command": command}, headers=h)
        assert r.status_code == 200, r.text
        return r.json()

    run(b, "cd /etc/kubernetes")
    assert run(a, "pwd")["output"] == "/etc/kubernetes\n"
    run(a, "touch /root/from-a")
    run(b, "touch /root/from-b")
    run(a, FIX)
    assert "listen-client-urls=" in run(b, "grep listen-client manifests/etcd.yaml")["output"]
    assert run(a, "ls /root")["output"].split() == ["from-a", "from-b"]
    hints = [c.post(path + "/hints", headers=h).json()["index"] for c in (b, a, b)]
    assert hints == [0, 1, 2]
    wrong = b.post(path + "/answer", json={"component": "kubelet", "cause": "kubelet broke"},
                   headers=h).json()
    assert wrong["correct"] is False
    right = a.post(path + "/answer", headers=h, json={
        "component": "etcd", "cause": "typo in the listen-client-urls flag of the etcd manifest"})
    assert right.json()["correct"] is True
    state = b.get(path, headers=h).json()
    assert state["status"] == "solved" and state["hints_taken"] == 3
    debrief = b.get(path + "/debrief", headers=h).json()
    assert [t["command"] for t in debrief["timeline"]] == [
        "cd /etc/kubernetes", "pwd", "touch /root/from-a", "touch /root/from-b", FIX,
        "grep listen-client manifests/etcd.yaml", "ls /root"]
    assert len(debrief["answers"]) == 2
    assert debrief["score"]["total"] == state["score"]


def test_simultaneous_commands_in_two_processes_keep_every_update(twins) -> None:  # noqa: ANN001
    a, b = twins
    created = a.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
    path = f"/api/attempts/{created['id']}"
    h = {"Authorization": f"Bearer {created['token']}"}
    b.post(path + "/exec", json={"command": "mkdir /root/n"}, headers=h)  # warm both caches
    a.post(path + "/exec", json={"command": "ls /root/n"}, headers=h)
    n = 40

    def touch(i: int) -> int:
        client = a if i % 2 else b
        return client.post(path + "/exec", json={"command": f"touch /root/n/f{i}"},
                           headers=h).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(touch, range(n))) == {200}
    for client in (a, b):
        listed = client.post(path + "/exec", json={"command": "ls /root/n"}, headers=h).json()
        assert sorted(listed["output"].split()) == sorted(f"f{i}" for i in range(n))
    client.post(path + "/finish", headers=h)
    timeline = a.get(path + "/debrief", headers=h).json()["timeline"]
    touched = [t["command"] for t in timeline if t["command"].startswith("touch")]
    assert sorted(touched) == sorted(f"touch /root/n/f{i}" for i in range(n))
