"""Every route of the JSON API of DESIGN.md: the happy path and its error codes."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient


def test_it_lists_scenarios_without_answers(client: TestClient) -> None:
    r = client.get("/api/scenarios")
    assert r.status_code == 200
    body = r.json()
    ids = [s["id"] for s in body]
    assert "etcd-manifest-typo" in ids
    text = r.text
    for secret in ("root_cause", "runbook", "listen-client-url", "expert_path", "fix_path",
                   "checks"):
        assert secret not in text


def test_it_creates_an_attempt_with_id_token_and_deadline(client: TestClient) -> None:
    r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo", "name": "ana"})
    assert r.status_code == 201
    body = r.json()
    assert {"id", "token", "deadline", "started_at", "status"} <= set(body)
    assert body["status"] == "active"


def test_it_rejects_an_unknown_scenario_with_404(client: TestClient) -> None:
    r = client.post("/api/attempts", json={"scenario_id": "nope"})
    assert r.status_code == 404
    assert "nope" in r.json()["detail"]


def test_it_rejects_a_malformed_body_with_422_detail(client: TestClient) -> None:
    r = client.post("/api/attempts", json={"scenario": "etcd-manifest-typo"})
    assert r.status_code == 422
    assert isinstance(r.json()["detail"], str)


@pytest.mark.parametrize(("body", "detail"), [
    (b"{}", "command: Field required"),
    (b'{"command": "ls", "cmd": "ls"}', "cmd: Extra inputs are not permitted"),
    (b'{"command": 7}', "command: Input should be a valid string"),
    (b"ls -la", "Invalid JSON"),
    (b"", "Invalid JSON"),
])
def test_exec_rejects_a_malformed_body_with_422_detail(client: TestClient, attempt: dict,
                                                       body: bytes, detail: str) -> None:
    r = client.post(f"/api/attempts/{attempt['id']}/exec", content=body,
                    headers={**attempt["headers"], "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith(detail)


def test_exec_checks_the_token_before_the_command(client: TestClient, attempt: dict) -> None:
    url = f"/api/attempts/{attempt['id']}/exec"
    assert client.post(url, json={"command": "ls"}).status_code == 403
    assert client.post("/api/attempts/nope/exec", json={"command": "ls"},
                       headers=attempt["headers"]).status_code == 404
    r = client.post(url, json={"command": "hostname"}, headers=attempt["headers"])
    assert r.json() == {"output": "kind-control-plane\n", "exit_code": 0}


def test_the_api_document_describes_the_exec_body(client: TestClient) -> None:
    op = client.get("/api/openapi.json").json()["paths"]["/api/attempts/{attempt_id}/exec"]
    schema = op["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["command"]
    assert set(op["post"]["responses"]["200"]["content"]["application/json"]["schema"]
               ["$ref"].rsplit("/", 1)[1:]) == {"ExecResponse"}


def test_it_reads_an_attempt_with_its_token(client: TestClient, attempt: dict) -> None:
    r = client.get(f"/api/attempts/{attempt['id']}", headers=attempt["headers"])
    assert r.status_code == 200
    body = r.json()
    for key in ("id", "scenario_id", "status", "started_at", "deadline", "elapsed_s",
                "hints_taken", "score"):
        assert key in body
    assert "token" not in body


def test_it_refuses_a_missing_or_wrong_token(client: TestClient, attempt: dict) -> None:
    assert client.get(f"/api/attempts/{attempt['id']}").status_code == 403
    bad = {"Authorization": "Bearer nope"}
    assert client.get(f"/api/attempts/{attempt['id']}", headers=bad).status_code == 403
    other = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"}).json()
    crossed = {"Authorization": f"Bearer {other['token']}"}
    assert client.get(f"/api/attempts/{attempt['id']}", headers=crossed).status_code == 403


def test_it_answers_404_for_an_unknown_attempt(client: TestClient) -> None:
    r = client.get("/api/attempts/doesnotexist", headers={"Authorization": "Bearer x"})
    assert r.status_code == 404
    assert r.json() == {"detail": "attempt not found"}


def test_exec_shows_the_real_symptom(client: TestClient, attempt: dict) -> None:
    r = client.post(f"/api/attempts/{attempt['id']}/exec", json={"command": "kubectl get nodes"},
                    headers=attempt["headers"])
    assert r.status_code == 200
    body = r.json()
    assert body["exit_code"] == 1
    assert ("The connection to the server kind-control-plane:6443 was refused - did you "
            "specify the right host or port?") in body["output"]


def test_exec_of_an_unknown_command_is_bash_like(client: TestClient, attempt: dict) -> None:
    r = client.post(f"/api/attempts/{attempt['id']}/exec", json={"command": "frobnicate"},
                    headers=attempt["headers"])
    assert r.json() == {"output": "bash: frobnicate: command not found\n", "exit_code": 127}


def test_exec_refuses_an_overlong_command(client: TestClient, attempt: dict) -> None:
    r = client.post(f"/api/attempts/{attempt['id']}/exec", json={"command": "x" * 5000},
                    headers=attempt["headers"])
    assert r.status_code == 400
    assert "too long" in r.json()["detail"]


def test_hints_come_in_order_then_run_out(client: TestClient, attempt: dict) -> None:
    url = f"/api/attempts/{attempt['id']}/hints"
    first = client.post(url, headers=attempt["headers"]).json()
    assert first["index"] == 0 and first["penalty"] == 10
    client.post(url, headers=attempt["headers"])
    client.post(url, headers=attempt["headers"])
    r = client.post(url, headers=attempt["headers"])
    assert r.status_code == 409
    status = client.get(f"/api/attempts/{attempt['id']}", headers=attempt["headers"]).json()
    assert status["hints_taken"] == 3


def test_a_symptom_is_rejected_and_the_cause_accepted(client: TestClient, attempt: dict) -> None:
    url = f"/api/attempts/{attempt['id']}/answer"
    wrong = client.post(url, json={"component": "etcd", "cause": "etcd is down"},
                        headers=attempt["headers"]).json()
    assert wrong["correct"] is False
    assert "symptom" in wrong["feedback"]
    right = client.post(url, json={"component": "etcd",
                                   "cause": "the etcd manifest has a typo in the "
                                            "--listen-client-urls flag"},
                        headers=attempt["headers"]).json()
    assert right["correct"] is True
    assert right["score"] > 0
    status = client.get(f"/api/attempts/{attempt['id']}", headers=attempt["headers"]).json()
    assert status["status"] == "solved"


def test_answer_with_an_unknown_component_is_400(client: TestClient, attempt: dict) -> None:
    r = client.post(f"/api/attempts/{attempt['id']}/answer",
                    json={"component": "dns", "cause": "x"}, headers=attempt["headers"])
    assert r.status_code == 400


def test_three_wrong_answers_lock_the_form(client: TestClient, attempt: dict) -> None:
    url = f"/api/attempts/{attempt['id']}/answer"
    for _ in range(3):
        client.post(url, json={"component": "kubelet", "cause": "kubelet broke"},
                    headers=attempt["headers"])
    r = client.post(url, json={"component": "etcd", "cause": "manifest flag typo"},
                    headers=attempt["headers"])
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_verify_fails_then_passes_after_the_fix(client: TestClient, attempt: dict) -> None:
    h = attempt["headers"]
    before = client.post(f"/api/attempts/{attempt['id']}/verify", headers=h).json()
    assert before["fixed"] is False
    assert any(not c["ok"] for c in before["checks"])
    fix = ("sed -i 's#--listen-client-url=#--listen-client-urls=#' "
           "/etc/kubernetes/manifests/etcd.yaml")
    assert client.post(f"/api/attempts/{attempt['id']}/exec", json={"command": fix},
                       headers=h).json()["exit_code"] == 0
    client.post(f"/api/attempts/{attempt['id']}/exec",
                json={"command": "systemctl restart kubelet"}, headers=h)
    # etcd needs about a second of (real) twin time to serve; the apiserver a few more.
    deadline = time.monotonic() + 10
    etcd_ok = False
    while not etcd_ok and time.monotonic() < deadline:
        time.sleep(0.25)
        after = client.post(f"/api/attempts/{attempt['id']}/verify", headers=h).json()
        etcd_ok = [c for c in after["checks"] if c["probe"] == "static-pod-running"][0]["ok"]
    assert etcd_ok


def test_finish_ends_it_and_opens_the_debrief(client: TestClient, attempt: dict) -> None:
    h = attempt["headers"]
    url = f"/api/attempts/{attempt['id']}"
    assert client.get(url + "/debrief", headers=h).status_code == 409
    client.post(url + "/exec", json={"command": "crictl ps -a"}, headers=h)
    r = client.post(url + "/finish", headers=h)
    assert r.json()["status"] == "gave_up"
    debrief = client.get(url + "/debrief", headers=h).json()
    assert "listen-client-url" in debrief["root_cause"]
    assert debrief["timeline"][0]["command"] == "crictl ps -a"
    assert debrief["expert_path"]
    assert client.post(url + "/exec", json={"command": "ls"}, headers=h).status_code == 409


def test_events_are_created_and_rank_their_participants(client: TestClient) -> None:
    r = client.post("/api/events", json={"name": "Game day",
                                         "scenario_ids": ["etcd-manifest-typo"]})
    assert r.status_code == 201
    code = r.json()["code"]
    assert r.json()["facilitator_token"]
    assert not set(code) & set("0O1lI")
    a = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo",
                                           "event_code": code, "name": "ana"}).json()
    client.post(f"/api/attempts/{a['id']}/answer",
                json={"component": "etcd", "cause": "typo in the etcd manifest flag "
                                                    "listen-client-urls"},
                headers={"Authorization": f"Bearer {a['token']}"})
    client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo",
                                       "event_code": code, "name": "bo"})
    board = client.get(f"/api/events/{code}/leaderboard").json()
    assert [e["name"] for e in board["entries"]] == ["ana", "bo"]
    assert board["entries"][0]["solved"] == 1
    assert set(board["entries"][0]) == {"name", "team", "score", "solved", "time_s"}


def test_an_unknown_event_is_404(client: TestClient) -> None:
    assert client.get("/api/events/ZZZZZZ/leaderboard").status_code == 404
    r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo",
                                           "event_code": "ZZZZZZ"})
    assert r.status_code == 404


def test_an_event_needs_known_scenarios(client: TestClient) -> None:
    r = client.post("/api/events", json={"name": "x", "scenario_ids": ["nope"]})
    assert r.status_code == 404
