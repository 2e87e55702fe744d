"""/etc/cni/net.d/10-kindnet.conflist: what kindnetd writes on a node once it runs there and
the node has a pod CIDR, made from the twin when read (never stored).

Source: kubernetes-sigs/kind v0.29.0 `images/kindnetd/cmd/kindnetd/cni.go` (the kindnetd
image kind v0.29.0 ships, `kindnetd:v20250512-df8de77b`, is built from that directory at
commit df8de77b, identical for this file): `cniConfigTemplate` executed by Go's text/template
with the node's `spec.podCIDR`, its default route (`0.0.0.0/0` for IPv4) and the MTU of the
node's eth0 (1500 on docker's `kind` network), written to a `.temp` file and renamed. The
rendering below reproduces text/template's output byte for byte: the `{{-` trims leave a
line of tabs before each list, the `{{if .Mtu}}` puts the comma on a line of its own.
Once written the file stays (kindnetd never removes it); a trainee's edit or removal goes
to the node's own files over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim.vfs import FILE, Inode

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

NET_D = "/etc/cni/net.d"
PATH = f"{NET_D}/10-kindnet.conflist"
MOUNTS = (NET_D,)
MTU = 1500  # eth0 on docker's kind network (its MTU is docker0's, 1500 by default)


def conflist(pod_cidrs: list[str], routes: list[str], mtu: int = MTU) -> str:
    """cniConfigTemplate rendered as text/template renders it."""
    t4, t3 = "\t" * 4, "\t" * 3

    def block(items: list[str]) -> str:
        out = t4
        for i, item in enumerate(items):
            out += "\n" + t4 + ("" if i == 0 else ",") + "\n" + t4 + item
        return out

    route_items = [f'{{ "dst": "{r}" }}' for r in routes]
    range_items = [f'[ {{ "subnet": "{c}" }} ]' for c in pod_cidrs]
    mtu_part = f",\n\t\t\"mtu\": {mtu}\n\t\t" if mtu else ""
    return ("\n{\n\t\"cniVersion\": \"0.3.1\",\n\t\"name\": \"kindnet\",\n\t\"plugins\": [\n\t{\n"
            "\t\t\"type\": \"ptp\",\n\t\t\"ipMasq\": false,\n\t\t\"ipam\": {\n"
            f"{t3}\"type\": \"host-local\",\n{t3}\"dataDir\": \"/run/cni-ipam-state\",\n"
            f"{t3}\"routes\": [\n{block(route_items)}\n{t3}],\n"
            f"{t3}\"ranges\": [\n{block(range_items)}\n{t3}]\n\t\t}}\n\t\t{mtu_part}\n\t}},\n"
            "\t{\n\t\t\"type\": \"portmap\",\n\t\t\"capabilities\": {\n"
            "\t\t\t\"portMappings\": true\n\t\t}\n\t}\n\t]\n}\n")


def inputs(node: SimNode) -> tuple[list[str], list[str]] | None:
    """ComputeCNIConfigInputs: the node's pod CIDRs and default routes, or None before the
    node has a pod CIDR (kindnetd then prints "Node ... has no CIDR, ignoring")."""
    obj: dict[str, Any] | None = node.cluster.store.find("Node", node.name)
    spec = (obj or {}).get("spec") or {}
    cidrs = spec.get("podCIDRs") or []
    if len(cidrs) > 1:
        return list(cidrs), ["0.0.0.0/0", "::/0"]
    cidr = spec.get("podCIDR")
    if not cidr:
        return None
    return [cidr], ["::/0"] if ":" in cidr else ["0.0.0.0/0"]


def written_at(node: SimNode) -> float | None:
    """When kindnetd first ran on this node (it writes the file as it starts)."""
    times = [c.started for c in node.runtime.containers.values()
             if c.name == "kindnet-cni" and c.started is not None]
    return min(times) + 0.35 if times else None


def tree(node: SimNode) -> dict[str, Inode]:
    at = written_at(node)
    found = inputs(node) if at is not None and at <= node.cluster.t else None
    if found is None:
        return {}
    return {PATH: Inode(FILE, data=conflist(*found).encode(), mode=0o644, mtime=at or 0.0)}
