"""The pages: catalog, briefing, start, play, hint/answer fragments, debrief, history, 404."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def csrf_token(client: TestClient, url: str = "/scenarios/etcd-manifest-typo") -> str:
    """The token a page puts in its forms; htmx sends it as X-CSRF-Token from <body>."""
    page = client.get(url).text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert token, "the page has no CSRF token"
    assert f'"X-CSRF-Token": "{token[1]}"' in page
    return token[1]


def start(client: TestClient) -> str:
    """Start from the briefing's form, then send the token with every later post, as htmx does."""
    token = csrf_token(client)
    r = client.post("/scenarios/etcd-manifest-typo/start",
                    data={"name": "Ana", "seed": "0", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    client.headers["X-CSRF-Token"] = token
    return r.headers["location"]


def test_the_catalog_lists_drills_without_spoilers(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "API server down after an etcd maintenance window" in r.text
    assert "listen-client-url" not in r.text


def test_the_briefing_shows_the_page_and_a_start_button(client: TestClient) -> None:
    r = client.get("/scenarios/etcd-manifest-typo")
    assert "PagerDuty" in r.text and "Start the drill" in r.text
    assert "misspell" not in r.text


def test_start_sets_an_httponly_cookie_and_opens_the_play_page(client: TestClient) -> None:
    r = client.post("/scenarios/etcd-manifest-typo/start",
                    data={"name": "Ana", "seed": "0", "csrf_token": csrf_token(client)},
                    follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    play = client.get(r.headers["location"])
    assert 'id="terminal"' in play.text and "data-deadline" in play.text
    for secret in ("listen-client-url", "root cause is", "runbook"):
        assert secret not in play.text


def test_another_browser_cannot_open_the_play_page(client: TestClient, settings) -> None:  # noqa: ANN001
    url = start(client)
    from app.main import create_app

    with TestClient(create_app(settings)) as stranger:
        assert stranger.get(url).status_code == 403


def test_htmx_hint_returns_the_fragment(client: TestClient) -> None:
    url = start(client)
    r = client.post(url + "/hints", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and "hint-list" in r.text


def test_a_wrong_answer_gives_feedback_and_a_right_one_redirects(client: TestClient) -> None:
    url = start(client)
    wrong = client.post(url + "/answer", data={"component": "etcd", "cause": "etcd is down"},
                        headers={"HX-Request": "true"})
    assert "symptom" in wrong.text
    right = client.post(url + "/answer",
                        data={"component": "etcd",
                              "cause": "typo in the listen-client-urls flag of the etcd manifest"},
                        headers={"HX-Request": "true"})
    assert right.headers["HX-Redirect"] == url + "/debrief"
    debrief = client.get(url + "/debrief")
    assert "Root cause found" in debrief.text
    assert re.search(r"Total</th><td>\d+", debrief.text)


def test_give_up_shows_the_debrief_and_history_lists_it(client: TestClient) -> None:
    url = start(client)
    client.post(url + "/finish")
    assert "Not solved" in client.get(url + "/debrief").text
    history = client.get("/me").text
    assert "gave up" in history and url + "/debrief" in history


def test_the_debrief_of_a_running_attempt_is_not_shown_to_strangers(
        client: TestClient, settings) -> None:  # noqa: ANN001
    url = start(client)
    from app.main import create_app

    with TestClient(create_app(settings)) as stranger:
        r = stranger.get(url + "/debrief")
        assert r.status_code == 409
        assert "listen-client-url" not in r.text


def test_an_unknown_page_is_a_404_page(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "Not found" in r.text


def test_the_terminal_websocket_runs_commands(client: TestClient) -> None:
    url = start(client)
    attempt_id = url.rsplit("/", 1)[-1]
    with client.websocket_connect(f"/api/attempts/{attempt_id}/terminal") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and hello["prompt"] == "root@kind-control-plane:~# "
        ws.send_json({"type": "exec", "command": "kubectl get pods"})
        out = ws.receive_json()
        assert out["type"] == "output" and "was refused" in out["data"]
        done = ws.receive_json()
        assert done == {"type": "done", "exit_code": 1, "prompt": "root@kind-control-plane:~# "}
        ws.send_json({"type": "complete", "line": "crict", "cursor": 5})
        assert ws.receive_json()["line"] == "crictl "


def test_the_terminal_refuses_a_stranger(client: TestClient, settings) -> None:  # noqa: ANN001
    url = start(client)
    attempt_id = url.rsplit("/", 1)[-1]
    from starlette.websockets import WebSocketDisconnect

    from app.main import create_app

    with TestClient(create_app(settings)) as stranger:
        try:
            with stranger.websocket_connect(f"/api/attempts/{attempt_id}/terminal") as ws:
                ws.receive_json()
            raise AssertionError("a stranger got a terminal")
        except WebSocketDisconnect as err:
            assert err.code == 4403


def test_pages_carry_security_headers(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script() -> None:
    from pathlib import Path

    for path in Path("templates").rglob("*.html"):
        for tag in re.findall(r"<script[^>]*>", path.read_text()):
            assert "src=" in tag, f"{path}: inline <script> breaks the CSP"


def test_readyz_reports_database_and_scenarios(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["scenarios"] >= 1


def test_the_editor_opens_a_file_and_saving_writes_it(client: TestClient) -> None:
    url = start(client)
    attempt_id = url.rsplit("/", 1)[-1]
    path = "/etc/kubernetes/manifests/etcd.yaml"
    with client.websocket_connect(f"/api/attempts/{attempt_id}/terminal") as ws:
        ws.receive_json()
        ws.send_json({"type": "exec", "command": f"vi {path}"})
        edit = ws.receive_json()
        assert edit["type"] == "edit" and edit["path"] == path
        assert "--listen-client-url=" in edit["content"]
        fixed = edit["content"].replace("--listen-client-url=", "--listen-client-urls=")
        ws.send_json({"type": "save", "path": path, "content": fixed})
        out = ws.receive_json()
        assert out["type"] == "output" and "written" in out["data"]
        assert ws.receive_json()["type"] == "done"
        ws.send_json({"type": "exec", "command": f"grep -c listen-client-urls= {path}"})
        assert ws.receive_json()["data"] == "1\n"
        ws.receive_json()
    client.post(url + "/finish")
    timeline = client.get(f"/api/attempts/{attempt_id}/debrief").json()["timeline"]
    assert f"vi {path}" in [t["command"] for t in timeline]


def test_the_editor_over_the_plain_api_says_where_it_works(client: TestClient,
                                                           attempt: dict) -> None:
    r = client.post(f"/api/attempts/{attempt['id']}/exec", json={"command": "vi /etc/hosts"},
                    headers=attempt["headers"]).json()
    assert r["exit_code"] == 1 and "browser terminal" in r["output"]


def test_the_catalog_groups_by_difficulty_and_filters_by_tag(client: TestClient) -> None:
    page = client.get("/").text
    assert "Core" in page and 'href="/?tag=etcd"' in page
    etcd_only = client.get("/?tag=certificates").text
    assert "etcd maintenance window" not in etcd_only
