"""The whole app with KUBEDRILL_PROVIDER=kind against the fake kind/docker/kubectl: start-up
check and reconcile, a drill from the API through provisioning, commands, verify and the
fix, then the reaper deleting the cluster once the attempt ends."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import get_engine
from app.main import create_app
from tests.kind.conftest import Fake

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def kind_settings(tmp_path: Path, fake: Fake) -> Iterator[Settings]:
    url = f"sqlite:///{tmp_path / 'kind-app.db'}"
    yield Settings(database_url=url, scenarios_dir=SCENARIOS, secret_key="test",
                   provider="kind", kind_workdir=tmp_path / "kind", kind_max_clusters=2,
                   sweep_interval_s=0.2)
    get_engine(url).dispose()


def wait_for(predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def test_start_up_checks_docker_and_deletes_orphans_with_our_prefix(
        fake: Fake, kind_settings: Settings) -> None:
    from app.providers.kind.provider import KindProvider
    from app.providers.kind.tools import Tools

    work = Path(kind_settings.kind_workdir)
    KindProvider(Tools(), work).create("kd-orphan", control_planes=1, workers=0)
    KindProvider(Tools(), work, prefix="team-").create("team-dev", control_planes=1, workers=0)
    with TestClient(create_app(kind_settings)) as client:
        assert client.get("/healthz").status_code == 200
        wait_for(lambda: any(a[:2] == ["delete", "cluster"] and "kd-orphan" in a
                             for a in fake.argvs("kind")), timeout=30)
    assert any(a[:1] == ["info"] for a in fake.argvs("docker"))
    assert not any("team-dev" in a and "delete" in a for a in fake.argvs("kind"))


def test_a_drill_on_kind_from_start_to_reaper(fake: Fake, kind_settings: Settings) -> None:
    with TestClient(create_app(kind_settings)) as client:
        r = client.post("/api/attempts", json={"scenario_id": "readiness-wrong-port",
                                               "seed": 0})
        assert r.status_code == 201 and r.json()["status"] == "provisioning"
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        url = f"/api/attempts/{r.json()['id']}"
        wait_for(lambda: client.get(url, headers=headers).json()["status"] != "provisioning")
        body = client.get(url, headers=headers).json()
        assert body["status"] == "active", body["progress"]
        creates = [a for a in fake.argvs("kind") if a[:2] == ["create", "cluster"]]
        assert len(creates) == 1 and "--image" in creates[0]
        name = creates[0][creates[0].index("--name") + 1]
        assert name.startswith("kd-")

        out = client.post(url + "/exec", headers=headers,
                          json={"command": "kubectl get deploy"}).json()
        assert out["exit_code"] == 0 and "NAME" in out["output"]
        assert any(a[:1] == ["exec"] and name + "-control-plane" in a
                   for a in fake.argvs("docker"))
        assert client.post(url + "/verify", headers=headers).json()["fixed"] is False

        from app.catalog.loader import load_catalog

        for step in load_catalog(SCENARIOS).get("readiness-wrong-port").fix_path:
            done = client.post(url + "/exec", headers=headers, json={"command": step.run})
            assert done.json()["exit_code"] == 0, done.json()["output"]
        fake.advance(name, 330)
        wait_for(lambda: client.post(url + "/verify", headers=headers).json()["fixed"] or
                 fake.advance(name, 30) is not None and False, timeout=60)

        client.post(url + "/finish", headers=headers)
        wait_for(lambda: any(a[:2] == ["delete", "cluster"] and name in a
                             for a in fake.argvs("kind")), timeout=30)
        debrief = client.get(url + "/debrief", headers=headers).json()
        assert debrief["verdict"]["fixed"] is True
        assert [c["command"] for c in debrief["timeline"]][0] == "kubectl get deploy"
