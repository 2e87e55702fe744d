"""Healthy twins booted once per process and topology, copied for each start.

Booting a twin (kubeadm's control plane coming up through the kubelet, the ~250 objects
`kind create cluster` leaves) was half of a start's CPU; decoding a snapshot of one costs a
third of that. So a start takes a copy of a template booted at most TEMPLATE_TTL_S ago and
brings it forward to the moment a fresh boot would have reached ("the incident minus a
minute"). A healthy twin has nothing to do in between (no container exits, no back-off, no
lease to take over), so that is one step; the fault then goes in exactly as before.

What an SRE can tell: the cluster is up to TEMPLATE_TTL_S older than one made for the
start (the system pods' AGE, the certificates' notBefore, the nodes' uptime), as any cluster
is older than its incident. Twins copied from one template share their objects' uids and
container ids; attempts never meet each other's.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.provider import SimProvider
from app.training import snapshots

TEMPLATE_TTL_S = 600.0


@dataclass(frozen=True)
class _Template:
    made: float  # host's monotonic clock when it was booted
    twin_now: float  # the twins' clock then: a copy is never taken back in time
    state: str  # its snapshot
    booted_after: float  # twin seconds from "created" to the end of its boot


_templates: dict[tuple[str, int, int, float], _Template] = {}
_lock = threading.Lock()


def healthy_twin(provider: SimProvider, key: str, *, cluster_name: str, control_planes: int,
                 workers: int, seed: int, age: float) -> SimCluster:
    """A healthy twin of this topology whose boot ended `age` seconds ago, less its boot time
    (what `create_cluster(..., age=age)` returns), cached in `provider` under `key`."""
    made, clock = time.monotonic(), Clock()
    now = clock.now()  # the twins' time (tests freeze it), not the host's
    which = (cluster_name, control_planes, workers, age)
    with _lock:
        template = _templates.get(which)
    if template is None or made - template.made > TEMPLATE_TTL_S or now < template.twin_now:
        cluster = create_cluster(cluster_name, control_planes, workers, seed=seed,
                                 clock=clock, age=age)
        with _lock:
            _templates[which] = _Template(made=made, twin_now=now,
                                          state=snapshots.encode(cluster),
                                          booted_after=cluster.t - (now - age))
    else:
        cluster = snapshots.decode(template.state)
        cluster.clock = clock
        cluster.seed = seed  # what the twin draws from now on differs per attempt
        cluster.advance_to(now - age + template.booted_after)
    provider.remember(key, 0, cluster)
    return cluster


def forget() -> None:
    """Drop every template (tests that need a twin booted for them)."""
    with _lock:
        _templates.clear()
