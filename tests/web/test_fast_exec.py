"""app/web/fast_exec.py: the exec route answered before FastAPI's router gives the same
answers, errors included, as the FastAPI route it stands in for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.web import fast_exec
from app.web.fast_exec import ExecFastPath


def requests(attempt: dict) -> list[tuple[str, str, dict, bytes]]:
    url = f"/api/attempts/{attempt['id']}/exec"
    json = {"Content-Type": "application/json"}
    auth = {**attempt["headers"], **json}
    return [
        ("POST", url, auth, b'{"command": "crictl ps -a --name etcd | wc -l"}'),
        ("POST", url, auth, b'{"command": "false"}'),
        ("POST", url, auth, b'{"cmd": "ls"}'),
        ("POST", url, auth, b"not json"),
        ("POST", url, json, b'{"command": "ls"}'),
        ("POST", url, {**json, "Authorization": "Bearer nope"}, b'{"command": "ls"}'),
        ("POST", "/api/attempts/nope/exec", auth, b'{"command": "ls"}'),
        ("POST", url, auth, b'{"command": "' + b"x" * 5000 + b'"}'),
        ("GET", url, auth, b""),
        ("POST", url + "/", auth, b'{"command": "ls"}'),
    ]


def answers(client: TestClient, attempt: dict) -> list[tuple[int, str]]:
    out = []
    for method, url, headers, body in requests(attempt):
        r = client.request(method, url, headers=headers, content=body, follow_redirects=False)
        out.append((r.status_code, r.text))
    return out


@pytest.fixture
def two_apps(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    plain = create_app(settings)
    plain.user_middleware = [m for m in plain.user_middleware if m.cls is not ExecFastPath]
    with TestClient(create_app(settings)) as fast, TestClient(plain) as slow:
        yield fast, slow


def test_both_ways_give_the_same_answers(two_apps: tuple[TestClient, TestClient],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = two_apps
    seen: list[str] = []
    real = fast_exec.exec_response

    async def counting(request, attempt_id):  # noqa: ANN001, ANN202
        seen.append(attempt_id)
        return await real(request, attempt_id)

    attempts = []
    for client in (fast, slow):
        r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo", "seed": 0})
        data = r.json()
        attempts.append({**data, "headers": {"Authorization": f"Bearer {data['token']}"}})
    monkeypatch.setattr(fast_exec, "exec_response", counting)
    got_fast = answers(fast, attempts[0])
    got_slow = answers(slow, attempts[1])
    assert [s for s, _ in got_fast] == [200, 200, 422, 422, 403, 403, 404, 400, 405, 307]
    assert got_fast == got_slow
    assert len(seen) == 8  # every POST to the exact path, nothing else
