"""Streaming lines on the terminal WebSocket: the command keeps running, beats send what
changed, Ctrl-C (an `interrupt` frame) ends it with bash's 130, `sleep` ends by itself."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

PROMPT = "root@kind-control-plane:~# "


def open_attempt(client: TestClient, scenario: str = "readiness-wrong-port") -> tuple[str, dict]:
    r = client.post("/api/attempts", json={"scenario_id": scenario, "seed": 0})
    assert r.status_code == 201, r.text
    body = r.json()
    return body["id"], {"Authorization": f"Bearer {body['token']}", "token": body["token"]}


def test_sleep_streams_nothing_and_ends_by_itself(client: TestClient) -> None:
    attempt_id, auth = open_attempt(client)
    url = f"/api/attempts/{attempt_id}/terminal?token={auth['token']}"
    with client.websocket_connect(url) as ws:
        assert ws.receive_json()["type"] == "hello"
        began = time.monotonic()
        ws.send_json({"type": "exec", "command": "sleep 1"})
        assert ws.receive_json() == {"type": "done", "exit_code": 0, "prompt": PROMPT}
        assert time.monotonic() - began >= 0.9


def test_get_watch_streams_changed_rows_until_ctrl_c(client: TestClient) -> None:
    attempt_id, auth = open_attempt(client)
    headers = {"Authorization": auth["Authorization"]}
    url = f"/api/attempts/{attempt_id}/terminal?token={auth['token']}"
    with client.websocket_connect(url) as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_json({"type": "exec", "command": "kubectl get deploy -w"})
        first = ws.receive_json()
        assert first["type"] == "output" and first["data"].startswith("NAME")
        name = first["data"].splitlines()[1].split()[0]
        # meanwhile, somebody scales the deployment (here: the exec API of the same attempt)
        r = client.post(f"/api/attempts/{attempt_id}/exec", headers=headers,
                        json={"command": f"kubectl scale deploy/{name} --replicas=5"})
        assert r.status_code == 200 and "scaled" in r.json()["output"], r.text
        frame = ws.receive_json()
        while frame["type"] == "output" and "/5" not in frame["data"]:
            frame = ws.receive_json()
        assert frame["type"] == "output" and frame["data"].startswith(name)
        assert "NAME" not in frame["data"]  # -w prints the rows, not the header again
        ws.send_json({"type": "interrupt"})
        while frame["type"] != "done":
            frame = ws.receive_json()
        assert frame == {"type": "done", "exit_code": 130, "prompt": PROMPT}
        ws.send_json({"type": "exec", "command": "echo still here"})
        assert ws.receive_json() == {"type": "output", "data": "still here\n"}


def test_a_stream_is_recorded_once_as_the_line_typed(client: TestClient) -> None:
    attempt_id, auth = open_attempt(client)
    url = f"/api/attempts/{attempt_id}/terminal?token={auth['token']}"
    with client.websocket_connect(url) as ws:
        ws.receive_json()
        ws.send_json({"type": "exec", "command": "journalctl -fu kubelet"})
        assert ws.receive_json()["type"] == "output"
        time.sleep(1.2)
        ws.send_json({"type": "interrupt"})
        frame = ws.receive_json()
        while frame["type"] != "done":
            frame = ws.receive_json()
    client.post(f"/api/attempts/{attempt_id}/finish",
                headers={"Authorization": auth["Authorization"]})
    debrief = client.get(f"/api/attempts/{attempt_id}/debrief",
                         headers={"Authorization": auth["Authorization"]}).json()
    assert [c["command"] for c in debrief["timeline"]] == ["journalctl -fu kubelet"]


def test_kubectl_edit_opens_the_object_and_saving_replaces_it(client: TestClient) -> None:
    attempt_id, auth = open_attempt(client)
    headers = {"Authorization": auth["Authorization"]}
    url = f"/api/attempts/{attempt_id}/terminal?token={auth['token']}"
    name = client.post(f"/api/attempts/{attempt_id}/exec", headers=headers, json={
        "command": "kubectl get deploy -o name"}).json()["output"].split("/")[1].strip()
    with client.websocket_connect(url) as ws:
        ws.receive_json()
        ws.send_json({"type": "exec", "command": f"kubectl edit deploy {name}"})
        edit = ws.receive_json()
        assert edit["type"] == "edit" and edit["path"].startswith("/tmp/kubectl-edit-")
        assert edit["content"].startswith("# Please edit the object below.")
        assert "kind: Deployment" in edit["content"]
        ws.send_json({"type": "cancel", "path": edit["path"]})
        assert ws.receive_json() == {"type": "output",
                                     "data": "Edit cancelled, no changes made.\n"}
        assert ws.receive_json()["type"] == "done"
        ws.send_json({"type": "exec", "command": f"kubectl edit deploy {name}"})
        edit = ws.receive_json()
        changed = edit["content"].replace("  replicas: 2\n", "  replicas: 4\n", 1)
        assert changed != edit["content"]
        ws.send_json({"type": "save", "path": edit["path"], "content": changed})
        assert ws.receive_json() == {"type": "output",
                                     "data": f"deployment.apps/{name} edited\n"}
        assert ws.receive_json()["exit_code"] == 0
        ws.send_json({"type": "exec", "command": "kubectl edit deploy nope"})
        out = ws.receive_json()
        assert out["type"] == "output" and "NotFound" in out["data"]
        assert ws.receive_json()["exit_code"] == 1
    spec = client.post(f"/api/attempts/{attempt_id}/exec", headers=headers, json={
        "command": f"kubectl get deploy {name} -o jsonpath='{{.spec.replicas}}'"}).json()
    assert spec["output"] == "4"
