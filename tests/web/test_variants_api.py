"""Variants over the API: a seed reproduces a drill exactly; another seed moves the evidence."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from app.catalog.loader import load_catalog
from app.providers.sim import clock
from tests.conftest import SCENARIOS
from tests.web.test_pages import csrf_token

DRILL = "etcd-manifest-typo"
CATALOG = load_catalog(SCENARIOS)
COMMANDS = ["crictl ps -a", "crictl logs $(crictl ps -a --name etcd -q | head -1)",
            "cat /etc/kubernetes/manifests/etcd.yaml", "journalctl -u kubelet --no-pager"]


def _seed_for(bad: str) -> int:
    return next(n for n in range(1, 500) if CATALOG.values(DRILL, n)["flag"]["bad"] == bad)


def _play(client: TestClient, seed: int | None) -> dict:
    body = {"scenario_id": DRILL} | ({"seed": seed} if seed is not None else {})
    a = client.post("/api/attempts", json=body).json()
    headers = {"Authorization": f"Bearer {a['token']}"}
    outputs = [client.post(f"/api/attempts/{a['id']}/exec", json={"command": c},
                           headers=headers).json() for c in COMMANDS]
    hints = [client.post(f"/api/attempts/{a['id']}/hints", headers=headers).json()["text"]
             for _ in range(3)]
    wrong = client.post(f"/api/attempts/{a['id']}/answer", headers=headers, json={
        "component": "etcd", "cause": "the static pod manifest misspells "
        "--listen-client-urls as --listen-client-url"}).json()
    client.post(f"/api/attempts/{a['id']}/finish", headers=headers)
    debrief = client.get(f"/api/attempts/{a['id']}/debrief", headers=headers).json()
    return {"seed": a["seed"], "outputs": outputs, "hints": hints, "answer": wrong,
            "debrief": {k: debrief[k] for k in ("root_cause", "fix", "explanation",
                                                "expert_path", "seed")}}


def test_the_same_seed_gives_the_same_cluster_texts_and_key(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both attempts start at the same instant of the twin's clock, as if played side by side.
    monkeypatch.setattr(clock, "time", SimpleNamespace(time=lambda: 1764118800.0))
    seed = _seed_for("initial-cluster-members")
    first, second = _play(client, seed), _play(client, seed)
    assert first == second
    assert first["seed"] == seed and first["debrief"]["seed"] == seed
    assert "flag provided but not defined: -initial-cluster-members" in \
        first["outputs"][1]["output"]
    assert "--initial-cluster-members=kind-control-plane=" in first["outputs"][2]["output"]


def test_another_seed_moves_the_evidence_and_the_key(client: TestClient) -> None:
    canonical = _play(client, 0)
    other = _play(client, _seed_for("data-directory"))
    assert "flag provided but not defined: -listen-client-url" in canonical["outputs"][1]["output"]
    assert "flag provided but not defined: -data-directory" in other["outputs"][1]["output"]
    assert "--data-directory=/var/lib/etcd" in other["outputs"][2]["output"]
    assert "--data-directory" in other["debrief"]["root_cause"]
    assert "s#--data-directory=#--data-dir=#" in other["debrief"]["expert_path"][0]["run"] or \
        any("data-directory" in f for f in other["debrief"]["fix"])
    # The canonical variant's flag is right for seed 0 only.
    assert canonical["answer"]["correct"] is True


def test_an_answer_naming_another_variants_flag_is_not_right_for_that_flag(
        client: TestClient) -> None:
    seed = _seed_for("data-directory")
    a = client.post("/api/attempts", json={"scenario_id": DRILL, "seed": seed}).json()
    headers = {"Authorization": f"Bearer {a['token']}"}
    answer = client.post(f"/api/attempts/{a['id']}/answer", headers=headers, json={
        "component": "etcd", "cause": "listen-client-url in etcd.yaml"}).json()
    assert answer["correct"] is False
    right = client.post(f"/api/attempts/{a['id']}/answer", headers=headers, json={
        "component": "etcd", "cause": "data-directory in etcd.yaml"}).json()
    assert right["correct"] is True


def test_without_a_seed_the_server_picks_one_and_reports_it(client: TestClient) -> None:
    seeds = {client.post("/api/attempts", json={"scenario_id": DRILL}).json()["seed"]
             for _ in range(3)}
    assert len(seeds) > 1


def test_the_briefing_page_offers_a_new_variant_and_a_replay(client: TestClient) -> None:
    page = client.get(f"/scenarios/{DRILL}?seed=42").text
    assert 'name="seed" value="42"' in page and "new variant" in page
    token = csrf_token(client, f"/scenarios/{DRILL}")
    client.headers["X-CSRF-Token"] = token
    r = client.post(f"/scenarios/{DRILL}/start", data={"seed": "42", "csrf_token": token},
                    follow_redirects=False)
    attempt_id = r.headers["location"].rsplit("/", 1)[-1]
    assert client.get(f"/api/attempts/{attempt_id}",
                      cookies=r.cookies).json()["seed"] == 42
    client.post(f"/attempts/{attempt_id}/finish", cookies=r.cookies)
    debrief = client.get(f"/attempts/{attempt_id}/debrief").text
    assert f'href="/scenarios/{DRILL}?seed=42"' in debrief
    fresh = client.get(f"/scenarios/{DRILL}").text
    assert "replay this one" in fresh


def test_a_shared_seed_event_gives_everybody_the_same_variant(client: TestClient) -> None:
    r = client.post("/api/events", json={"name": "gd", "scenario_ids": [DRILL], "seed": 77})
    code = r.json()["code"]
    seeds = [client.post("/api/attempts", json={"scenario_id": DRILL, "event_code": code,
                                                "name": n, "seed": 5}).json()["seed"]
             for n in ("ana", "bo")]
    assert seeds == [77, 77]
    r = client.post("/api/events", json={"name": "gd2", "scenario_ids": [DRILL],
                                         "seed_mode": "per-participant"})
    code = r.json()["code"]
    token = r.json()["facilitator_token"]
    seeds = [client.post("/api/attempts", json={"scenario_id": DRILL, "event_code": code,
                                                "name": n}).json()["seed"]
             for n in ("ana", "bo", "cy")]
    assert len(set(seeds)) > 1
    report = client.get(f"/api/events/{code}/report",
                        headers={"Authorization": f"Bearer {token}"}).json()
    rows = report["scenarios"][0]["seeds"]
    assert sorted(r["seed"] for r in rows) == sorted(seeds)
    assert all(r["variant"].startswith("flag=") for r in rows)
