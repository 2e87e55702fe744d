"""kube-apiserver identity Leases (APIServerIdentity, on by default since 1.26).

Each kube-apiserver publishes a Lease in kube-system (pkg/controlplane/apiserver/server.go,
post-start hook `start-kube-apiserver-identity-lease-controller`):

- name: its APIServerID, `apiserver-` + lower-case unpadded base32 of the first 16 bytes of
  SHA-256 over the hostname and the component name `kube-apiserver`, each prefixed with its
  16-bit big-endian length (a cryptobyte builder; test/integration/apiserver identity test
  `expectedAPIServerIdentity`). A kind apiserver runs with hostNetwork: the hostname is the
  node's name;
- holderIdentity `<name>_<uuid>`, a new UUID per process;
- labels `apiserver.kubernetes.io/identity: kube-apiserver` and `kubernetes.io/hostname`;
- `leaseDurationSeconds: 3600`, `renewTime` every 10 s (IdentityLeaseRenewIntervalPeriod)
  while the apiserver runs; the lease controller of component-helpers sets no acquireTime.

A stopped apiserver's lease stays until another apiserver's garbage collector removes it an
hour after it expired (not modelled). Under etcd's NOSPACE alarm the renewals fail.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid
from typing import TYPE_CHECKING

from app.providers.sim.runtime import make_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

NAMESPACE = "kube-system"
IDENTITY_LABEL = "apiserver.kubernetes.io/identity"
HOSTNAME_LABEL = "kubernetes.io/hostname"
DURATION = 3600
RENEW_INTERVAL = 10.0


def apiserver_id(hostname: str, component: str = "kube-apiserver") -> str:
    data = b"".join(struct.pack(">H", len(part)) + part
                    for part in (hostname.encode(), component.encode()))
    digest = hashlib.sha256(data).digest()[:16]
    return "apiserver-" + base64.b32encode(digest).decode().rstrip("=").lower()


def renew(cluster: SimCluster, t: float) -> None:
    """Each running, ready kube-apiserver creates or renews its identity Lease."""
    from app.providers.sim.components.leader import micro_time, parse_micro_time, write_refused

    if write_refused(cluster) is not None:
        return
    store = cluster.store
    for node in cluster.nodes:
        if node.role != "control-plane" or not node.powered:
            continue
        c = node.running_container("kube-apiserver")
        if c is None or not c.ready(t):
            continue
        name = apiserver_id(node.name)
        holder = f"{name}_{uuid.UUID(hex=make_id('apiserver-identity', c.id)[:32], version=4)}"
        started = c.ready_at or t
        tick = started + int((t - started) // RENEW_INTERVAL) * RENEW_INTERVAL
        lease = store.find("Lease", name, NAMESPACE)
        if lease is None:
            store.create({"kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
                          "metadata": {"name": name, "namespace": NAMESPACE,
                                       "labels": {IDENTITY_LABEL: "kube-apiserver",
                                                  HOSTNAME_LABEL: node.name}},
                          "spec": {"holderIdentity": holder, "leaseDurationSeconds": DURATION,
                                   "renewTime": micro_time(tick)}}, tick)
            continue
        spec = lease.setdefault("spec", {})
        if spec.get("holderIdentity") != holder or \
                parse_micro_time(spec.get("renewTime")) < tick - 1e-6:
            spec.update(holderIdentity=holder, leaseDurationSeconds=DURATION,
                        renewTime=micro_time(tick))
            store.update(lease)
