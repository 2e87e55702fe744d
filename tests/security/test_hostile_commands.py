"""Hostile lines through the exec API and the terminal WebSocket: the host is never touched,
the server survives, and every answer comes back in bounded time and size."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import SCENARIOS

MAX_SECONDS = 10.0  # generous: the suite may share a loaded machine
MAX_OUTPUT = (1 << 20) + 200  # the twin's output cap (1 MiB) plus its truncation notice
MAX_BYTES = 6 * MAX_OUTPUT  # JSON escaping can at worst make six bytes of one (\u0000)


def hostile_lines(canary: Path) -> list[str]:
    c = str(canary)
    return [
        f"rm -rf {c}",
        f"rm -rf {c}/*",
        f"bash -c 'rm -rf {c}'",
        f"sh -c \"rm -rf {c}\"",
        f"python3 -c 'import shutil; shutil.rmtree(\"{c}\")'",
        f"python3 -c \"__import__('os').system('rm -rf {c}')\"",
        f"perl -e 'system(\"rm -rf {c}\")'",
        f"echo $(rm -rf {c})",
        f"echo `rm -rf {c}`",
        f"eval 'rm -rf {c}'",
        f"exec rm -rf {c}",
        f"true && rm -rf {c}; false || rm -rf {c}",
        f"for d in {c}; do rm -rf $d; done",
        f"find {c} -delete",
        f"find {c} -exec rm -rf {{}} \\;",
        f"echo {c} | xargs rm -rf",
        f"echo pwned > {c}/keep.txt",
        f"sed -i 's/keep/gone/' {c}/keep.txt",
        f"truncate -s 0 {c}/keep.txt",
        f"dd if=/dev/zero of={c}/keep.txt bs=1 count=1",
        f"cp /dev/null {c}/keep.txt",
        f"mv {c} /tmp/moved",
        "kubectl apply -f /etc/passwd",
        "kubectl apply -f /proc/self/environ",
        f"kubectl apply -f {c}/keep.txt",
        "cat /proc/self/environ",
        "cat /etc/shadow",
        "cat /proc/1/cmdline",
        f"cat {c}/keep.txt",
        "env",
        "yes | head -c 100000000",
        "yes",
        "cat /dev/urandom | head -c 100000000 | wc -c",
        "seq 1 100000000",
        "while true; do echo x; done",
        ":(){ :|:& };:",
        "x(){ x; }; x",
        "kill -9 1",
        "kill -9 $$",
        "shutdown -h now",
        "curl http://169.254.169.254/latest/meta-data/",
        "nc -e /bin/sh 127.0.0.1 4444",
        "$(printf 'r''m') -rf /",
        "a=$(yes | head -c 5000000); echo ${#a}",
    ]


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    d = tmp_path / "canary"
    d.mkdir()
    (d / "keep.txt").write_text("keep me")
    return d


@pytest.fixture
def roomy_client(tmp_path: Path) -> TestClient:
    # Rate limits off: this test is about what a line can do, not how many lines.
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'hostile.db'}",
                        scenarios_dir=SCENARIOS, secret_key="test-secret", commands_per_s=0)
    with TestClient(create_app(settings)) as c:
        yield c


def assert_untouched(canary: Path) -> None:
    assert canary.is_dir(), "the host canary directory is gone"
    assert (canary / "keep.txt").read_text() == "keep me", "the host canary file changed"
    assert sorted(p.name for p in canary.iterdir()) == ["keep.txt"]
    assert not Path("/tmp/moved").exists()


def test_hostile_lines_through_exec_never_touch_the_host(roomy_client: TestClient,
                                                          canary: Path) -> None:
    a = roomy_client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
    h = {"Authorization": f"Bearer {a['token']}"}
    pid, environ = os.getpid(), dict(os.environ)
    secret = roomy_client.app.state.settings.secret_key
    for line in hostile_lines(canary):
        t0 = time.perf_counter()
        r = roomy_client.post(f"/api/attempts/{a['id']}/exec", json={"command": line},
                              headers=h)
        took = time.perf_counter() - t0
        assert r.status_code == 200, (line, r.status_code, r.text[:200])
        assert took < MAX_SECONDS, (line, took)
        assert len(r.content) <= MAX_BYTES, (line, len(r.content))
        body = r.json()
        assert len(body["output"]) <= MAX_OUTPUT, (line, len(body["output"]))
        assert isinstance(body["exit_code"], int)
        assert secret not in body["output"] and "keep me" not in body["output"], line
        assert_untouched(canary)
    assert os.getpid() == pid and dict(os.environ) == environ
    assert roomy_client.get("/healthz").json() == {"status": "ok"}
    # and the twin still works afterwards
    r = roomy_client.post(f"/api/attempts/{a['id']}/exec", json={"command": "echo alive"},
                          headers=h)
    assert r.json()["output"] == "alive\n"


def test_hostile_lines_through_the_terminal_never_touch_the_host(roomy_client: TestClient,
                                                                  canary: Path) -> None:
    a = roomy_client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
    url = f"/api/attempts/{a['id']}/terminal?token={a['token']}"
    with roomy_client.websocket_connect(url) as ws:
        assert ws.receive_json()["type"] == "hello"
        for line in hostile_lines(canary):
            t0 = time.perf_counter()
            ws.send_json({"type": "exec", "command": line})
            size = 0
            while True:
                frame = ws.receive_json()
                size += len(frame.get("data", ""))
                if frame["type"] in ("done", "ended"):
                    break
            assert frame["type"] == "done", (line, frame)
            assert time.perf_counter() - t0 < MAX_SECONDS, line
            assert size <= MAX_OUTPUT, (line, size)
            assert_untouched(canary)
        ws.send_json({"type": "exec", "command": "echo alive"})
        assert "alive" in ws.receive_json()["data"]
    assert roomy_client.get("/healthz").status_code == 200


def test_an_oversized_terminal_message_is_refused_without_running(roomy_client: TestClient,
                                                                   canary: Path) -> None:
    a = roomy_client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
    url = f"/api/attempts/{a['id']}/terminal?token={a['token']}"
    with roomy_client.websocket_connect(url) as ws:
        ws.receive_json()
        ws.send_text('{"type": "exec", "command": "' + "x" * 70_000 + '"}')
        assert ws.receive_json() == {"type": "error", "detail": "message too large"}
        ws.send_json({"type": "exec", "command": "x" * 5000})  # over the command length
        frames = [ws.receive_json(), ws.receive_json()]
        assert frames[0]["type"] == "error" and "too long" in frames[0]["detail"]
