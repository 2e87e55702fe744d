"""etcdctl v3.5 `endpoint health -w json`: ep_command.go's epHealth list (endpoint, health,
took, error only when set), json.Marshal on one line."""

from __future__ import annotations

import json

from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

TLS = ("--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt "
       "--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key")


def test_a_healthy_endpoint_as_json() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0))
    r = SimTerminal(c, "kind-control-plane").run(f"etcdctl {TLS} endpoint health -w json")
    doc = json.loads(r.output)
    assert r.exit_code == 0 and r.output.count("\n") == 1
    assert list(doc[0]) == ["endpoint", "health", "took"]
    assert doc[0]["endpoint"] == "https://127.0.0.1:2379" and doc[0]["health"] is True
    assert doc[0]["took"].endswith("ms")


def test_an_alarm_makes_it_unhealthy_with_the_error_field() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0))
    term = SimTerminal(c, "kind-control-plane")
    ec.state(c)["alarms"].append({"member": 1, "alarm": "NOSPACE"})
    r = term.run(f"etcdctl {TLS} endpoint health -w json")
    doc = json.loads(r.output.splitlines()[0])
    assert doc[0]["health"] is False and doc[0]["error"] == "Active Alarm(s): NOSPACE "
    assert r.exit_code == 1 and r.output.endswith("Error: unhealthy cluster\n")
