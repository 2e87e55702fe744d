"""Shell figures: latency of a mix of common commands on a broken twin (p50/p99)."""

from __future__ import annotations

import statistics
import time

from app.catalog.loader import load_catalog
from app.providers.sim.clock import Clock
from app.providers.sim.terminal import SimTerminal
from app.training.provisioning import provision

MIX = [
    "kubectl get nodes", "kubectl get pods -A", "crictl ps -a", "crictl ps -a | grep etcd",
    "crictl logs $(crictl ps -a --name etcd -q | head -1)", "journalctl -u kubelet -n 20",
    "cat /etc/kubernetes/manifests/etcd.yaml", "grep -n listen /etc/kubernetes/manifests/etcd.yaml",
    "ls -la /etc/kubernetes/pki", "systemctl status kubelet", "ps aux | head", "echo $HOSTNAME",
]
ROUNDS = 30


def main() -> None:
    scenario = load_catalog("scenarios").get("etcd-manifest-typo")
    cluster = provision(scenario, seed=0, clock=Clock(frozen_at=1764118800.0))
    term = SimTerminal(cluster, cluster.default_node().name)
    per: dict[str, list[float]] = {c: [] for c in MIX}
    for _ in range(ROUNDS):
        for cmd in MIX:
            t = time.perf_counter()
            term.run(cmd)
            per[cmd].append(time.perf_counter() - t)
    every = sorted(x for v in per.values() for x in v)
    p = lambda q: every[min(len(every) - 1, int(len(every) * q))] * 1000  # noqa: E731
    print(f"{'all commands':52} p50 {p(0.5):7.2f} ms  p99 {p(0.99):7.2f} ms  (n={len(every)})")
    for cmd, values in per.items():
        print(f"  {cmd[:50]:50} median {statistics.median(values) * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
