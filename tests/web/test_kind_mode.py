"""A server on the kind provider: attempts start in `provisioning`, the API and the pages show
the progress, nothing runs (or leaks) before the cluster is ready, then the drill plays.

The cluster maker is the in-process fake (tests/training/fake_maker.py); the kind/docker
subprocess layer has its own tests in tests/kind/.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import get_engine
from app.main import create_app
from app.training.kind_runtime import KindRuntime
from tests.training.fake_maker import FakeMaker
from tests.web.test_pages import start as start_from_page


@pytest.fixture
def maker() -> FakeMaker:
    return FakeMaker()


@pytest.fixture
def kind_client(settings: Settings, maker: FakeMaker) -> Iterator[TestClient]:
    app = create_app(settings)
    app.state.provider = KindRuntime(maker, get_engine(settings.database_url),
                                     app.state.catalog, max_clusters=2, poll_s=0.05)
    with TestClient(app) as c:
        yield c
    maker.gate.set()


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_start_answers_provisioning_then_the_attempt_becomes_active(
        kind_client: TestClient, maker: FakeMaker) -> None:
    maker.gate.clear()
    r = kind_client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo", "seed": 0})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "provisioning" and body["elapsed_s"] == 0.0
    headers = {"Authorization": f"Bearer {body['token']}"}
    url = f"/api/attempts/{body['id']}"
    wait_for(lambda: kind_client.get(url, headers=headers).json()["progress"]
             .startswith("creating cluster"))
    r = kind_client.post(url + "/exec", json={"command": "kubectl get nodes"}, headers=headers)
    assert r.status_code == 409 and "not ready yet" in r.json()["detail"]
    assert kind_client.get(url + "/debrief", headers=headers).status_code == 409
    maker.gate.set()
    wait_for(lambda: kind_client.get(url, headers=headers).json()["status"] == "active")
    r = kind_client.post(url + "/exec", json={"command": "crictl ps -a --name etcd"},
                         headers=headers)
    assert r.status_code == 200 and "Exited" in r.json()["output"]
    r = kind_client.post(url + "/verify", headers=headers)
    assert r.status_code == 200 and r.json()["fixed"] is False


def test_the_play_page_shows_progress_until_the_cluster_is_ready(
        kind_client: TestClient, maker: FakeMaker) -> None:
    maker.gate.clear()
    play = start_from_page(kind_client)
    page = kind_client.get(play).text
    assert "Preparing a real cluster for you" in page
    assert 'hx-get="' + play + '/progress"' in page
    assert "id=\"terminal\"" not in page  # no terminal before there is a cluster
    fragment = kind_client.get(play + "/progress", headers={"HX-Request": "true"})
    assert "creating" in fragment.text or "queued" in fragment.text
    maker.gate.set()
    wait_for(lambda: "HX-Redirect" in kind_client.get(
        play + "/progress", headers={"HX-Request": "true"}).headers)
    assert 'id="terminal"' in kind_client.get(play).text


def test_a_failed_cluster_says_why_and_offers_to_try_again(
        kind_client: TestClient, maker: FakeMaker) -> None:
    maker.fail_create = "ERROR: failed to create cluster: could not find a log line"
    play = start_from_page(kind_client)
    wait_for(lambda: "could not be made" in kind_client.get(play + "/progress").text)
    page = kind_client.get(play).text
    assert "could not find a log line" in page and "Try again" in page
    assert "kind create cluster --name kd-" in page


def test_a_server_on_kind_refuses_to_start_when_docker_is_unreachable(
        settings: Settings, maker: FakeMaker) -> None:
    from app.providers.base import ProviderError

    def no_docker() -> None:
        raise ProviderError("Docker is not reachable", command=["docker", "info"], exit_code=1,
                            stderr="Cannot connect to the Docker daemon at "
                                   "unix:///var/run/docker.sock. Is the docker daemon running?")

    maker.check = no_docker  # type: ignore[method-assign]
    app = create_app(settings)
    app.state.provider = KindRuntime(maker, get_engine(settings.database_url),
                                     app.state.catalog)
    with pytest.raises(ProviderError, match="docker info.*Is the docker daemon running"), \
            TestClient(app):
        pass
