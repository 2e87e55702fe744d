"""The server owns time and truth: deadlines end attempts, restarts lose nothing."""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.db import get_engine
from app.main import create_app
from app.training import service
from app.training.models import Attempt


def _expire(settings: Settings, attempt_id: str) -> None:
    with Session(get_engine(settings.database_url)) as db:
        a = db.get(Attempt, attempt_id)
        assert a is not None
        a.deadline = service.now() - timedelta(seconds=1)
        db.add(a)
        db.commit()


def test_the_sweeper_ends_an_attempt_nobody_is_watching(client: TestClient, settings: Settings,
                                                        attempt: dict) -> None:
    _expire(settings, attempt["id"])
    deadline = time.monotonic() + 5
    status = "active"
    while time.monotonic() < deadline and status == "active":
        time.sleep(0.1)
        with Session(get_engine(settings.database_url)) as db:
            status = db.get(Attempt, attempt["id"]).status  # type: ignore[union-attr]
    assert status == "expired"


def test_a_passed_deadline_ends_the_attempt_on_the_next_request(
        client: TestClient, settings: Settings, attempt: dict) -> None:
    _expire(settings, attempt["id"])
    r = client.post(f"/api/attempts/{attempt['id']}/exec", json={"command": "ls"},
                    headers=attempt["headers"])
    assert r.status_code == 409
    body = client.get(f"/api/attempts/{attempt['id']}", headers=attempt["headers"]).json()
    assert body["status"] == "expired"


def test_a_restart_mid_attempt_loses_nothing(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        a = c.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
        h = {"Authorization": f"Bearer {a['token']}"}
        c.post(f"/api/attempts/{a['id']}/hints", headers=h)
        c.post(f"/api/attempts/{a['id']}/exec", json={"command": "cd /etc/kubernetes"},
               headers=h)
        c.post(f"/api/attempts/{a['id']}/exec",
               json={"command": "sed -i 's#--listen-client-url=#--listen-client-urls=#' "
                                "manifests/etcd.yaml"}, headers=h)
        c.post(f"/api/attempts/{a['id']}/answer", json={"component": "kubelet", "cause": "x"},
               headers=h)
    with TestClient(create_app(settings)) as c:  # a new process: nothing cached
        status = c.get(f"/api/attempts/{a['id']}", headers=h).json()
        assert status["status"] == "active"
        assert status["hints_taken"] == 1
        assert status["deadline"] == a["deadline"]
        pwd = c.post(f"/api/attempts/{a['id']}/exec", json={"command": "pwd"}, headers=h).json()
        assert pwd["output"] == "/etc/kubernetes\n"
        grep = c.post(f"/api/attempts/{a['id']}/exec",
                      json={"command": "grep -c listen-client-urls= manifests/etcd.yaml"},
                      headers=h).json()
        assert grep["output"] == "1\n"
        c.post(f"/api/attempts/{a['id']}/finish", headers=h)
        debrief = c.get(f"/api/attempts/{a['id']}/debrief", headers=h).json()
        assert [t["command"] for t in debrief["timeline"]][:2] == [
            "cd /etc/kubernetes",
            "sed -i 's#--listen-client-url=#--listen-client-urls=#' manifests/etcd.yaml"]
        assert debrief["answers"][0]["component"] == "kubelet"
