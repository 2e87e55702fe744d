"""Turn a scenario into a broken cluster: topology, workloads, then faults, then time passes."""

from __future__ import annotations

from app.catalog.schema import Scenario
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster


def break_cluster(cluster: SimCluster, scenario: Scenario) -> SimCluster:
    for rel in scenario.workloads:
        cluster.apply(scenario.read_workload(rel))
    for fault in scenario.faults:
        params = fault.typed_params()
        if hasattr(params, "resolve_files"):  # faults that ship files beside scenario.yaml
            params = params.resolve_files(scenario.read_workload)
        fault.fault_type().inject(cluster, cluster.node(fault.node), params)
    getattr(cluster, "sync", lambda: None)()  # the twin catches up with its clock; kind is live
    return cluster


def provision(scenario: Scenario, *, seed: int, clock: Clock | None = None,
              incident_age_s: float = 240.0) -> SimCluster:
    """A twin whose fault happened `incident_age_s` before the clock's now."""
    topo = scenario.topology
    cluster = create_cluster(topo.cluster_name, topo.control_planes, topo.workers, seed=seed,
                             clock=clock or Clock(), age=incident_age_s + 60)
    return break_cluster(cluster, scenario)
