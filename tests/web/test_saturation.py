"""Past the cap on requests in progress the server answers 503 with Retry-After at once."""

from __future__ import annotations

import asyncio
import concurrent.futures

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from app.config import Settings
from app.main import create_app
from app.web.observability import RequestContext, new_metrics
from app.web.saturation import ConcurrencyCap
from tests.conftest import SCENARIOS


class Gate:
    """An app whose requests wait until the gate opens."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.waiting += 1
        await self.open.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def run_isolated(coro) -> None:  # noqa: ANN001
    """asyncio.run in a thread of its own: Playwright's sync API (the browser tests, earlier in
    the same session) leaves an event loop marked running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _until(cond) -> None:  # noqa: ANN001
    for _ in range(200):
        if cond():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


def client(app) -> httpx.AsyncClient:  # noqa: ANN001
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def _saturate() -> None:
    gate = Gate()
    metrics = new_metrics()
    app = RequestContext(ConcurrencyCap(gate, limit=2), metrics)
    async with client(app) as c:
        held = [asyncio.create_task(c.post("/api/attempts/a1/exec", json={})) for _ in range(2)]
        await _until(lambda: gate.waiting == 2)
        refused = await c.post("/api/attempts/a1/exec", json={"command": "ls"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {"detail": "the server is busy: try again in 1s"}
        health = asyncio.create_task(c.get("/healthz"))  # never refused (nor counted)
        await _until(lambda: gate.waiting == 3)
        gate.open.set()
        assert [r.status_code for r in await asyncio.gather(*held, health)] == [200] * 3
        assert (await c.post("/api/attempts/a1/exec", json={})).status_code == 200
    text = metrics.render({})
    assert 'kubedrill_rate_limited_total{status="503"} 1' in text
    assert 'kubedrill_commands_total{via="api"} 3' in text  # the refused one is no command
    assert "kubedrill_provider_errors_total 0" in text


def test_requests_past_the_cap_get_503_with_retry_after_and_are_not_commands() -> None:
    run_isolated(_saturate())


async def _uncapped() -> None:
    gate = Gate()
    async with client(ConcurrencyCap(gate, limit=0)) as c:
        held = [asyncio.create_task(c.get("/x")) for _ in range(5)]
        await _until(lambda: gate.waiting == 5)
        gate.open.set()
        assert {r.status_code for r in await asyncio.gather(*held)} == {200}


def test_a_cap_of_zero_turns_it_off() -> None:
    run_isolated(_uncapped())


@pytest.mark.parametrize("limit", [0, 7])
def test_the_cap_comes_from_the_settings(limit: int, tmp_path) -> None:  # noqa: ANN001
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}",
                              scenarios_dir=SCENARIOS, secret_key="k",
                              max_concurrent_requests=limit))
    caps = [m for m in app.user_middleware if m.cls is ConcurrencyCap]
    assert [m.kwargs["limit"] for m in caps] == [limit]


def test_terminal_commands_take_a_place_under_the_same_cap(tmp_path) -> None:  # noqa: ANN001
    """A command typed in the terminal counts like an API request: with every place taken
    (here, by requests still in progress) it is refused at once with the busy message and
    the shell stays usable; once a place frees up the same line runs."""
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cap.db'}",
                              scenarios_dir=SCENARIOS, secret_key="k",
                              max_concurrent_requests=3))
    with TestClient(app) as client:
        a = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
        url = f"/api/attempts/{a['id']}/terminal?token={a['token']}"
        with client.websocket_connect(url) as ws:
            assert ws.receive_json()["type"] == "hello"
            app.state.capacity.active = 3  # three requests in progress elsewhere
            ws.send_json({"type": "exec", "command": "echo hi"})
            refused = [ws.receive_json(), ws.receive_json()]
            assert refused[0]["type"] == "error" and "busy" in refused[0]["detail"]
            assert refused[0]["retry_after"] == 1 and refused[1]["type"] == "done"
            app.state.capacity.active = 0
            ws.send_json({"type": "exec", "command": "echo hi"})
            frames = []
            while (frame := ws.receive_json())["type"] != "done":
                frames.append(frame)
            assert {"type": "output", "data": "hi\n"} in frames
            assert app.state.capacity.active == 0, "the place is given back"
