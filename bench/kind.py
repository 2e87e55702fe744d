"""Attempt start on kind: what a trainee waits for between "Start" and a broken cluster.

Two figures: creating the drill's cluster (what a start costs with no warm pool) and breaking
it (workloads applied, faults injected: all a start costs when KUBEDRILL_KIND_WARM_POOL
holds a healthy cluster of that topology). Measured with the kind provider where Docker and
kind work (KUBEDRILL_KIND_BIN, KUBEDRILL_DOCKER_BIN, KUBEDRILL_KUBECTL_BIN as for the app);
elsewhere it measures nothing and prints the published figure, labelled as such.

    BENCH_RUNS=3 BENCH_SCENARIO=etcd-manifest-typo python bench/kind.py

Not a test: figures only. Clusters are named kd-bench-<pid>-<n> and deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.catalog.loader import load_catalog  # noqa: E402
from app.config import Settings  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "1"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "etcd-manifest-typo")

# Not measured here: what kind's own issue tracker reports for `kind create cluster` (one
# control-plane node, default image, no --wait: kind returns once the API server is healthy).
PUBLISHED = [
    ("kind v0.14.0, 1 node, Ubuntu 22.04", 17.1),
    ("kind v0.12.0, 1 node, Ubuntu 22.04", 12.5),
]
PUBLISHED_SOURCE = ("https://github.com/kubernetes-sigs/kind/issues/2893 (`time kind create "
                    "cluster`; a maintainer answers that a few seconds of skew between "
                    "Kubernetes versions is normal)")


def why_not(settings: Settings) -> str | None:
    """Why kind cannot run here, or None when it can."""
    for name, binary in (("kind", settings.kind_bin), ("docker", settings.docker_bin),
                         ("kubectl", settings.kubectl_bin)):
        if shutil.which(binary) is None:
            return f"{name} not found ({binary!r} is not on PATH)"
    try:
        info = subprocess.run([settings.docker_bin, "info", "--format", "{{.ServerVersion}}"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"`docker info` failed: {err}"
    if info.returncode != 0:
        return f"`docker info` failed: {info.stderr.strip()[:200]}"
    return None


def summary(name: str, values: list[float]) -> None:
    values = sorted(values)
    print(f"{name:34} min {values[0]:6.1f} s  median {statistics.median(values):6.1f} s"
          f"  max {values[-1]:6.1f} s  (n={len(values)})")


def print_published(reason: str) -> None:
    print(f"kind is not usable here ({reason}): nothing measured.")
    print("Published figure, NOT measured by this benchmark:")
    for what, seconds in PUBLISHED:
        print(f"  kind create cluster: {seconds:5.1f} s   {what}")
    print(f"  source: {PUBLISHED_SOURCE}")
    print("  A drill's start adds the worker nodes, node readiness and fault injection;")
    print("  with a warm pool (KUBEDRILL_KIND_WARM_POOL) a start is only the injection.")


def break_cluster(cluster, scenario) -> None:  # noqa: ANN001 - KindCluster, Scenario
    """What provisioning does to a fresh cluster: workloads, then every fault."""
    for rel in scenario.workloads:
        cluster.apply(scenario.read_workload(rel))
    for fault in scenario.faults:
        params = fault.typed_params()
        if hasattr(params, "resolve_files"):
            params = params.resolve_files(scenario.read_workload)
        fault.fault_type().inject(cluster, cluster.node(fault.node), params)


def measure(settings: Settings) -> None:
    # Imported only here: the kind provider is another helper's module and needs nothing
    # from a machine that cannot run it.
    from app.providers.kind.provider import KindProvider
    from app.providers.kind.tools import Tools

    scenario = load_catalog(ROOT / "scenarios").render(SCENARIO, 0)
    topo = scenario.topology
    provider = KindProvider(Tools(kind=settings.kind_bin, docker=settings.docker_bin,
                                  kubectl=settings.kubectl_bin),
                            ROOT / settings.kind_workdir,
                            internal_kubeconfig=settings.kind_internal_kubeconfig,
                            create_timeout_s=settings.kind_create_timeout_s)
    provider.check()
    created, broken, deleted = [], [], []
    for n in range(RUNS):
        name = f"kd-bench-{os.getpid()}-{n}"
        t0 = time.perf_counter()
        try:
            cluster = provider.create(name, control_planes=topo.control_planes,
                                      workers=topo.workers,
                                      progress=lambda s, name=name: print(f"  {name}: {s}",
                                                                        flush=True))
            t1 = time.perf_counter()
            break_cluster(cluster, scenario)
            t2 = time.perf_counter()
        finally:
            t3 = time.perf_counter()
            provider.delete(name)
            deleted.append(time.perf_counter() - t3)
        created.append(t1 - t0)
        broken.append(t2 - t1)
    print(f"{SCENARIO}: {topo.control_planes} control plane(s), {topo.workers} worker(s)")
    summary("create cluster (no warm pool)", created)
    summary("inject the drill (warm pool)", broken)
    summary("start without a warm pool", [c + b for c, b in zip(created, broken, strict=True)])
    summary("delete cluster", deleted)


def main() -> int:
    settings = Settings()
    reason = why_not(settings)
    if reason is not None:
        print_published(reason)
        return 0
    measure(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
