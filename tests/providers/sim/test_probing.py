"""Probe timing worked out at container start, and events counted lazily."""

from __future__ import annotations

from app.providers.sim.events import series, series_count
from app.providers.sim.probing import plan, serves
from app.providers.sim.runtime import Container

ANN = {"kubedrill.io/behaviour": '{"listen": [8080], "warmup_s": 45}'}


def container() -> Container:
    return Container(id="c1", name="web", pod_uid="u1", pod_name="web-1", namespace="default",
                     sandbox_id="s1", image="img", attempt=0, created=0.0, started=0.0)


def probe(**kw: object) -> dict:
    return {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5,
            "failureThreshold": 3, **kw}


def test_liveness_gives_up_at_the_third_failure_after_the_initial_delay() -> None:
    c = container()
    plan(c, {"name": "web", "livenessProbe": probe(initialDelaySeconds=5)}, ANN, "10.244.1.2",
         0.0)
    assert c.exit_at == 15.0 and c.planned_exit_code == 137
    kinds = {s["reason"]: s for s in c.notes["event_series"]}
    assert series_count(kinds["Unhealthy"], 100.0)[0] == 3
    assert kinds["Killing"]["message"] == "Container web failed liveness probe, will be restarted"


def test_a_startup_probe_holds_liveness_back_until_the_app_listens() -> None:
    c = container()
    spec = {"name": "web", "startupProbe": probe(failureThreshold=30),
            "livenessProbe": probe(), "readinessProbe": probe()}
    plan(c, spec, ANN, "10.244.1.2", 0.0)
    assert c.exit_at is None
    assert c.ready_at == 45.0


def test_readiness_on_a_closed_port_never_succeeds_and_keeps_failing() -> None:
    c = container()
    plan(c, {"name": "web", "readinessProbe": probe(httpGet={"path": "/ready", "port": 8081})},
         ANN, "10.244.1.2", 0.0)
    assert c.ready_at is None and c.exit_at is None
    s = c.notes["event_series"][0]
    assert s["end"] is None
    assert s["message"] == ('Readiness probe failed: Get "http://10.244.1.2:8081/ready": dial '
                           'tcp 10.244.1.2:8081: connect: connection refused')
    assert series_count(s, 60.0) == (13, 60.0)


def test_a_listening_app_answers_503_until_the_path_is_warm() -> None:
    b = {"listen": [8080], "warmup_s": 1, "ok_paths": {"/ready": 30}}
    assert serves(b, 8080, "/ready", 0.5) == (False, None)
    assert serves(b, 8080, "/ready", 10) == (True, 503)
    assert serves(b, 8080, "/ready", 30) == (True, 200)
    assert serves(b, 8080, "/healthz", 2) == (True, 200)


def test_a_series_stops_counting_at_its_end() -> None:
    s = series(10.0, 5.0, 22.0, "Warning", "Unhealthy", "x", "f")
    assert series_count(s, 5.0) == (0, 0.0)
    assert series_count(s, 100.0) == (3, 20.0)


def test_now_in_a_declared_log_line_is_the_time_it_is_printed() -> None:
    c = container()
    ann = {"kubedrill.io/behaviour":
           '{"listen": [8080], "logs": [[1.6, "{now} INFO  loading index"]]}'}
    plan(c, {"name": "web", "readinessProbe": probe()}, ann, "10.244.1.2", 1764118800.0)
    assert c.logs == [(1764118801.6, "stdout", "2025-11-26T01:00:01Z INFO  loading index")]


def test_a_tick_falling_exactly_on_the_end_of_a_series_is_not_counted_at_epoch_times() -> None:
    t0 = 1764118845.0  # a float cannot hold t0 - 1e-9: the end must still be exclusive
    s = series(t0, 5.0, t0 + 45.0, "Warning", "Unhealthy", "Startup probe failed: x", "f")
    assert series_count(s, t0 + 90.0) == (9, t0 + 40.0)
    once = series(t0, 0, t0 + 1e-6, "Normal", "Killing", "k", "f")
    assert series_count(once, t0 + 1.0) == (1, t0)
