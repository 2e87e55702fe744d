"""The identifiers a kind node reports in `status.nodeInfo`.

A kind node is a container: `/etc/machine-id` is its own (kind's entrypoint writes a fresh
one per node container), while the kubelet's `systemUUID` (`/sys/class/dmi/id/product_uuid`)
and `bootID` (`/proc/sys/kernel/random/boot_id`) are not namespaced and are the docker host's,
so every node of a kind cluster shows the same two values, and restarting a node container
does not change its bootID.
"""

from __future__ import annotations

import uuid

from app.providers.sim.runtime import make_id


def machine_id(cluster: str, node: str) -> str:
    """32 lowercase hex digits, as systemd writes /etc/machine-id."""
    return make_id("machine-id", cluster, node)[:32]


def _host_uuid(cluster: str, what: str) -> str:
    return str(uuid.UUID(hex=make_id("host", what, cluster)[:32], version=4))


def system_uuid(cluster: str) -> str:
    return _host_uuid(cluster, "product_uuid")


def boot_id(cluster: str) -> str:
    return _host_uuid(cluster, "boot_id")
