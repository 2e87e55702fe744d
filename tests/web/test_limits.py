"""Limits answer with clear errors: 413 for big bodies, 429 + Retry-After for rates."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.web.limits import Bucket, Limiter
from tests.conftest import SCENARIOS


def limited(tmp_path: Path, **limits) -> TestClient:  # noqa: ANN003
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'limits.db'}",
                        scenarios_dir=SCENARIOS, secret_key="test-secret", **limits)
    return TestClient(create_app(settings))


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    bucket = Bucket(rate=2.0, capacity=3, stamp=100.0)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.5)
    assert bucket.take(100.5) == 0.0  # refilled by rate x elapsed


def test_a_limit_of_zero_turns_the_limit_off(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", scenarios_dir=SCENARIOS, secret_key="x",
                        answers_per_min=0)
    limiter = Limiter(settings)
    assert all(limiter.retry_after("answer", "a") == 0 for _ in range(100))


def test_a_body_over_the_limit_is_413_with_a_json_detail(tmp_path: Path) -> None:
    with limited(tmp_path, max_body_bytes=64 * 1024) as client:
        r = client.post("/api/attempts", content=b"{" + b" " * 70_000 + b"}",
                        headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert "too large" in r.json()["detail"]


def test_a_chunked_body_over_the_limit_is_413_too(tmp_path: Path) -> None:
    def chunks():  # noqa: ANN202 - no content-length: the middleware must count
        yield b'{"scenario_id": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    with limited(tmp_path, max_body_bytes=64 * 1024) as client:
        r = client.post("/api/attempts", content=chunks(),
                        headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert "too large" in r.json()["detail"]


def test_too_many_commands_per_second_are_429_with_retry_after(tmp_path: Path) -> None:
    with limited(tmp_path, commands_per_s=1, commands_burst=3) as client:
        a = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
        h = {"Authorization": f"Bearer {a['token']}"}
        codes = [client.post(f"/api/attempts/{a['id']}/exec", json={"command": "true"},
                             headers=h).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.post(f"/api/attempts/{a['id']}/exec", json={"command": "true"}, headers=h)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert "too many commands" in r.json()["detail"]


def test_a_stranger_cannot_use_up_an_attempts_command_allowance(tmp_path: Path) -> None:
    with limited(tmp_path, commands_per_s=0.01, commands_burst=2) as client:
        a = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
        url = f"/api/attempts/{a['id']}/exec"
        for _ in range(5):
            client.post(url, json={"command": "ls"}, headers={"Authorization": "Bearer evil"})
        r = client.post(url, json={"command": "ls"},
                        headers={"Authorization": f"Bearer {a['token']}"})
        assert r.status_code == 200


def test_too_many_answers_per_minute_are_429(tmp_path: Path) -> None:
    with limited(tmp_path, answers_per_min=2, lockout_after_wrong=100) as client:
        a = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
        h = {"Authorization": f"Bearer {a['token']}"}
        body = {"component": "kubelet", "cause": "no idea"}
        codes = [client.post(f"/api/attempts/{a['id']}/answer", json=body,
                             headers=h).status_code for _ in range(3)]
        assert codes == [200, 200, 429]


def test_too_many_attempts_from_one_address_are_429(tmp_path: Path) -> None:
    with limited(tmp_path, attempts_per_ip_per_min=2) as client:
        codes = [client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"})
                 .status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        page = client.post("/scenarios/etcd-manifest-typo/start", follow_redirects=False)
        assert page.status_code == 429
        assert "Retry-After" in page.headers


def test_terminal_commands_share_the_command_limit(tmp_path: Path) -> None:
    with limited(tmp_path, commands_per_s=0.01, commands_burst=2) as client:
        a = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
        url = f"/api/attempts/{a['id']}/terminal?token={a['token']}"
        with client.websocket_connect(url) as ws:
            assert ws.receive_json()["type"] == "hello"
            frames = []
            for _ in range(3):
                ws.send_json({"type": "exec", "command": "true"})
                while (frame := ws.receive_json())["type"] != "done":
                    frames.append(frame)
            errors = [f for f in frames if f["type"] == "error"]
            assert len(errors) == 1 and "too many commands" in errors[0]["detail"]
            assert errors[0]["retry_after"] >= 1
