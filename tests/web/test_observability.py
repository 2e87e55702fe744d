"""Request ids, JSON log lines and the Prometheus /metrics endpoint."""

from __future__ import annotations

import json
import logging
import re

from fastapi.testclient import TestClient

from app.web.observability import JsonFormatter, request_id


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    first, second = client.get("/"), client.get("/api/scenarios")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced(
        client: TestClient) -> None:
    assert client.get("/", headers={"X-Request-ID": "lb-42.a_b"}).headers["x-request-id"] \
        == "lb-42.a_b"
    evil = client.get("/", headers={"X-Request-ID": "x\"}, {\"level\": \"fake"})
    assert re.fullmatch(r"[0-9a-f]{32}", evil.headers["x-request-id"])


def test_each_request_is_logged_as_one_json_line_with_its_id(client: TestClient) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("kubedrill.http")
    logger.addHandler(handler)
    try:
        r = client.get("/api/scenarios", headers={"X-Request-ID": "trace-1"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["msg"] == "request" and line["request_id"] == "trace-1"
    assert line["path"] == "/api/scenarios" and line["status"] == r.status_code == 200
    assert line["duration_ms"] >= 0


def test_log_lines_made_during_a_request_name_it() -> None:
    token = request_id.set("abc")
    try:
        record = logging.LogRecord("app.x", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
        out = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert out == {**out, "level": "error", "msg": "boom x", "request_id": "abc"}


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, flags=re.M)
    assert found, f"{name} not in /metrics"
    return float(found[1])


def test_metrics_count_attempts_commands_and_their_latency(client: TestClient,
                                                           attempt: dict) -> None:
    url = f"/api/attempts/{attempt['id']}"
    for cmd in ("hostname", "kubectl get nodes"):
        client.post(url + "/exec", json={"command": cmd}, headers=attempt["headers"])
    with client.websocket_connect(f"{url}/terminal?token={attempt['token']}") as ws:
        ws.receive_json()
        ws.send_json({"type": "exec", "command": "pwd"})
        while ws.receive_json()["type"] != "done":
            pass
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert "# TYPE kubedrill_command_duration_seconds histogram" in text
    assert metric(text, "kubedrill_attempts_active") == 1
    assert metric(text, "kubedrill_attempts_started_total") == 1
    assert metric(text, 'kubedrill_commands_total{via="api"}') == 2
    assert metric(text, 'kubedrill_commands_total{via="terminal"}') == 1
    assert metric(text, 'kubedrill_command_duration_seconds_count{via="api"}') == 2
    assert metric(text, 'kubedrill_command_duration_seconds_bucket{via="api",le="+Inf"}') == 2
    assert metric(text, 'kubedrill_command_duration_seconds_sum{via="api"}') > 0
    assert metric(text, "kubedrill_provider_errors_total") == 0
    client.post(url + "/finish", headers=attempt["headers"])
    assert metric(client.get("/metrics").text, "kubedrill_attempts_active") == 0
