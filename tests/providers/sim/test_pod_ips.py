"""Pod addresses as host-local IPAM hands them out: never one still in use on the node."""

from __future__ import annotations

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from tests.providers.sim.test_workloads import NOW, web


def test_a_rollout_never_gives_a_new_pod_the_address_of_a_running_one() -> None:
    cluster = create_cluster("kind", 1, 2, clock=Clock(frozen_at=NOW), age=300)
    cluster.apply(web().replace("replicas: 2", "replicas: 3"))
    cluster.advance(30)
    first = {p["status"]["podIP"] for p in cluster.store.list("Pod", "default", "app=web")}
    dep = cluster.store.get("Deployment", "web", "default")
    dep["spec"]["template"]["metadata"]["annotations"][
        "kubectl.kubernetes.io/restartedAt"] = "2025-11-26T01:00:00Z"
    cluster.store.update(dep)
    cluster.settle()
    cluster.advance(60)
    pods = cluster.store.list("Pod", "default", "app=web")
    ips = [p["status"]["podIP"] for p in pods]
    assert len(pods) == 3 and len(set(ips)) == 3, ips
    # host-local allocates upwards from its last reservation: the replacements get new ones
    assert not first & set(ips)
    slices = cluster.open_terminal("kind-control-plane").run("kubectl get endpointslices")
    row = next(x for x in slices.output.splitlines() if x.startswith("web-"))
    assert len(set(row.split()[3].split(","))) == 3
