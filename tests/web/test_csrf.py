"""Form posts from the pages need this browser's CSRF token; the JSON API does not."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.web.test_pages import csrf_token, start


def test_a_form_post_without_the_token_is_refused(client: TestClient) -> None:
    client.get("/")  # the browser has its cookie, but the post does not carry the token
    r = client.post("/scenarios/etcd-manifest-typo/start", data={"name": "Eve"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert "Reload the page" in r.text


def test_a_token_from_another_browser_is_refused(client: TestClient, settings: Settings) -> None:
    with TestClient(create_app(settings)) as other:
        theirs = csrf_token(other)
    csrf_token(client)
    r = client.post("/scenarios/etcd-manifest-typo/start",
                    data={"name": "Eve", "csrf_token": theirs}, follow_redirects=False)
    assert r.status_code == 403


def test_every_page_post_checks_the_token(client: TestClient) -> None:
    url = start(client)
    good = client.headers.pop("X-CSRF-Token")
    for action in ("hints", "answer", "verify", "finish"):
        r = client.post(f"{url}/{action}", data={"component": "etcd", "cause": "x"},
                        headers={"HX-Request": "true"})
        assert r.status_code == 403, action
        r = client.post(f"{url}/{action}", data={"component": "etcd", "cause": "x"},
                        headers={"HX-Request": "true", "X-CSRF-Token": "0" * 64})
        assert r.status_code == 403, action
    r = client.post(f"{url}/hints", headers={"HX-Request": "true", "X-CSRF-Token": good})
    assert r.status_code == 200 and "hint-list" in r.text


def test_every_form_on_the_play_page_carries_the_token(client: TestClient) -> None:
    url = start(client)
    page = client.get(url).text
    forms = re.findall(r"<form\b.*?</form>", page, flags=re.S)
    assert len(forms) >= 3
    for form in forms:
        assert 'name="csrf_token"' in form, form[:80]


def test_the_json_api_needs_no_csrf_token(client: TestClient) -> None:
    r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo"})
    assert r.status_code == 201
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.post(f"/api/attempts/{r.json()['id']}/hints", headers=h).status_code == 200


@pytest.fixture
def https_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        yield c


def test_cookies_are_httponly_lax_and_secure_over_https(https_client: TestClient) -> None:
    first = https_client.get("/")
    browser = first.headers["set-cookie"]
    token = csrf_token(https_client)
    r = https_client.post("/scenarios/etcd-manifest-typo/start", data={"csrf_token": token},
                          follow_redirects=False)
    assert r.status_code == 303
    attempt = [c for c in r.headers.get_list("set-cookie") if c.startswith("kd_attempt_")][0]
    for cookie in (browser, attempt):
        lowered = cookie.lower()
        assert "httponly" in lowered and "samesite=lax" in lowered and "secure" in lowered
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cookies_are_not_marked_secure_over_plain_http(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" not in cookie
