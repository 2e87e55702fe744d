"""kind's external load balancer, in front of the API servers of a cluster with several
control planes (kind v0.29.0 `pkg/cluster/internal/loadbalancer/config.go`).

It is haproxy in TCP mode: `frontend control-plane` binds the API port (6443) and hands every
connection to `backend kube-apiservers`, whose servers are the control planes' :6443, each
health-checked with `option httpchk GET /healthz` (`check check-ssl verify none`). A backend is
used only while its kube-apiserver answers /healthz with 200: one that cannot reach etcd
answers 500, one that does not listen refuses the check. With no backend left haproxy still
accepts the connection, then closes it: Go clients (kubectl, the kubelet) see `EOF` during the
TLS handshake (`Unable to connect to the server: EOF`, as HA kubeadm clusters behind a TCP
load balancer show when every API server fails: kubernetes/kubernetes#95116, kubeadm#1083),
curl sees OpenSSL's `SSL_ERROR_SYSCALL`, and a plain-HTTP request an empty reply.

Not modelled: haproxy's check timing (`inter 2s`, `fall 3`, `rise 2`: a backend goes down ~6 s
after it fails and comes back ~4 s after it heals; here at once); its own logs. The container
gets the address after the nodes' (kind creates all containers at once, so Docker's order
varies): reconstructed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

PORT = 6443
EOF = "EOF"


def name(cluster: SimCluster) -> str | None:
    """The load balancer's container name, None for a cluster with one control plane."""
    cps = [n for n in cluster.nodes if n.role == "control-plane"]
    return f"{cluster.name}-external-load-balancer" if len(cps) > 1 else None


def ip(cluster: SimCluster) -> str:
    last = max(int(n.ip.rsplit(".", 1)[1]) for n in cluster.nodes)
    return f"172.18.0.{last + 1}"


def is_it(cluster: SimCluster, host: str) -> bool:
    lb = name(cluster)
    return lb is not None and host in (lb, f"{lb}.kind", ip(cluster))


def backend(cluster: SimCluster) -> SimNode | None:
    """The control plane haproxy forwards a new connection to: one whose kube-apiserver
    passes its /healthz check (ready, reaching etcd), None when none does."""
    return cluster.apiserver_node()
