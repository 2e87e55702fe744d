"""Game days: a facilitator creates an event, participants join, the room stays in sync."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.web.test_pages import csrf_token

CAUSE = "typo in the etcd manifest: the listen-client-urls flag is misspelled"


def create(client: TestClient, **extra) -> tuple[str, dict]:  # noqa: ANN003
    r = client.post("/api/events", json={"name": "Game day",
                                         "scenario_ids": ["etcd-manifest-typo"], **extra})
    assert r.status_code == 201, r.text
    body = r.json()
    return body["code"], {"Authorization": f"Bearer {body['facilitator_token']}"}


def join(client: TestClient, code: str, name: str, team: str = "") -> dict:
    r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo",
                                           "event_code": code, "name": name, "team": team})
    assert r.status_code == 201, r.text
    body = r.json()
    body["headers"] = {"Authorization": f"Bearer {body['token']}"}
    return body


def test_names_are_unique_within_an_event(client: TestClient) -> None:
    code, _ = create(client)
    join(client, code, "ana")
    r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo",
                                           "event_code": code, "name": "ana"})
    assert r.status_code == 409
    assert "rejoin" in r.json()["detail"]


def test_facilitator_actions_need_the_facilitator_token(client: TestClient) -> None:
    code, facilitator = create(client)
    ana = join(client, code, "ana")
    assert client.post(f"/api/events/{code}/pause").status_code == 403
    assert client.post(f"/api/events/{code}/pause", headers=ana["headers"]).status_code == 403
    assert client.post(f"/api/events/{code}/pause", headers=facilitator).status_code == 200


def test_pause_stops_every_clock_and_resume_moves_deadlines(client: TestClient) -> None:
    code, facilitator = create(client)
    ana, bo = join(client, code, "ana"), join(client, code, "bo")
    client.post(f"/api/events/{code}/pause", headers=facilitator)
    for p in (ana, bo):
        r = client.post(f"/api/attempts/{p['id']}/exec", json={"command": "ls"},
                        headers=p["headers"])
        assert r.status_code == 409 and "paused" in r.json()["detail"]
        assert client.get(f"/api/attempts/{p['id']}", headers=p["headers"]).json()["paused"]
    client.post(f"/api/events/{code}/resume", headers=facilitator)
    after = client.get(f"/api/attempts/{ana['id']}", headers=ana["headers"]).json()
    assert not after["paused"]
    assert after["deadline"] > ana["deadline"]
    r = client.post(f"/api/attempts/{ana['id']}/exec", json={"command": "ls"},
                    headers=ana["headers"])
    assert r.status_code == 200


def test_extend_moves_every_deadline(client: TestClient) -> None:
    code, facilitator = create(client)
    ana = join(client, code, "ana")
    client.post(f"/api/events/{code}/extend", json={"minutes": 10}, headers=facilitator)
    after = client.get(f"/api/attempts/{ana['id']}", headers=ana["headers"]).json()
    assert after["deadline"] > ana["deadline"]


def test_rejoin_with_the_personal_code_keeps_progress(client: TestClient) -> None:
    code, _ = create(client)
    ana = join(client, code, "ana")
    client.post(f"/api/attempts/{ana['id']}/exec", json={"command": "cd /etc/kubernetes"},
                headers=ana["headers"])
    client.headers["X-CSRF-Token"] = csrf_token(client, f"/join/{code}")
    r = client.post("/join", data={"code": code, "name": "ana", "rejoin_code": "wrong"})
    assert r.status_code == 403
    r = client.post("/join", data={"code": code, "name": "ana",
                                   "rejoin_code": ana["rejoin_code"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/attempts/{ana['id']}"
    pwd = client.post(f"/api/attempts/{ana['id']}/exec", json={"command": "pwd"}).json()
    assert pwd["output"] == "/etc/kubernetes\n"  # the cookie of the new device works


def test_teams_aggregate_on_the_leaderboard(client: TestClient) -> None:
    code, _ = create(client, mode="teams")
    a = join(client, code, "ana", "blue")
    join(client, code, "bo", "blue")
    join(client, code, "cy", "red")
    client.post(f"/api/attempts/{a['id']}/answer", json={"component": "etcd", "cause": CAUSE},
                headers=a["headers"])
    board = client.get(f"/api/events/{code}/leaderboard").json()["entries"]
    assert [e["name"] for e in board] == ["blue", "red"]
    assert board[0]["solved"] == 1


def test_a_hidden_leaderboard_is_only_for_the_facilitator(client: TestClient) -> None:
    code, facilitator = create(client, leaderboard=False)
    assert client.get(f"/api/events/{code}/leaderboard").status_code == 403
    assert client.get(f"/api/events/{code}/leaderboard", headers=facilitator).status_code == 200


def test_hints_can_be_turned_off(client: TestClient) -> None:
    code, _ = create(client, hints=False)
    ana = join(client, code, "ana")
    r = client.post(f"/api/attempts/{ana['id']}/hints", headers=ana["headers"])
    assert r.status_code == 409


def test_a_scheduled_event_waits_for_its_start(client: TestClient) -> None:
    code, facilitator = create(client, start="later")
    r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo",
                                           "event_code": code, "name": "ana"})
    assert r.status_code == 409 and "not started" in r.json()["detail"]
    client.post(f"/api/events/{code}/start", headers=facilitator)
    join(client, code, "ana")


def test_the_export_contains_every_participant(client: TestClient) -> None:
    code, facilitator = create(client)
    for name in ("ana", "bo", "cy"):
        join(client, code, name)
    r = client.get(f"/events/{code}/report.csv", headers=facilitator)
    names = [row["name"] for row in csv.DictReader(io.StringIO(r.text))]
    assert sorted(names) == ["ana", "bo", "cy"]
    report = client.get(f"/api/events/{code}/report", headers=facilitator).json()
    assert report["scenarios"][0]["attempts"] == 3


def test_broadcasts_and_revealed_hints_reach_participants(client: TestClient) -> None:
    code, facilitator = create(client)
    join(client, code, "ana")
    client.post(f"/api/events/{code}/broadcast", json={"text": "10 minutes left"},
                headers=facilitator)
    client.post(f"/api/events/{code}/reveal-hint", json={"index": 0}, headers=facilitator)
    with client.stream("GET", f"/events/{code}/feed/broadcasts") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = ""
        for chunk in r.iter_text():
            body += chunk
            if "event: broadcasts" in body and "10 minutes left" in body:
                break
    assert "Hint for everyone" in body


def test_the_control_room_page_shows_code_qr_and_participants(client: TestClient) -> None:
    client.headers["X-CSRF-Token"] = csrf_token(client, "/events/new")
    r = client.post("/events/new", data={"name": "Workshop", "scenario_ids": ["etcd-manifest-typo"],
                                         "hints": "1", "leaderboard": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    control = r.headers["location"]
    code = control.split("/")[2]
    join(client, code, "ana")
    page = client.get(control)
    assert code in page.text and "<svg" in page.text and "ana" in page.text
    projector = client.get(f"/events/{code}/projector")
    assert projector.status_code == 200 and "feed/leaderboard" in projector.text


def test_the_end_ends_every_attempt(client: TestClient) -> None:
    code, facilitator = create(client)
    ana = join(client, code, "ana")
    client.post(f"/api/events/{code}/end", headers=facilitator)
    status = client.get(f"/api/attempts/{ana['id']}", headers=ana["headers"]).json()["status"]
    assert status == "gave_up"
    assert client.get(f"/api/events/{code}/leaderboard").status_code == 200


def test_event_forms_need_the_csrf_token(client: TestClient) -> None:
    r = client.post("/events/new", data={"name": "x", "scenario_ids": ["etcd-manifest-typo"]})
    assert r.status_code == 403
    code, _ = create(client)
    assert client.post("/join", data={"code": code, "name": "ana"}).status_code == 403
