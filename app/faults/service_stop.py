"""Stop (and optionally disable) a systemd unit, optionally followed by a reboot.

Stopping the kubelet alone leaves every container running (containerd owns them), so a
static pod survives it; after a reboot only enabled units start, so a kubelet left disabled
by `systemctl disable --now kubelet` brings no static pod back on that node.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from app.faults.registry import register
from app.providers.base import Cluster, Node


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = "kubelet"
    disable: bool = False  # `systemctl disable --now` rather than `systemctl stop`
    reboot: bool = False  # reboot the node afterwards


@register("service-stop", Params, "stop or disable a systemd unit, optionally then reboot")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    node.service(params.unit, "disable --now" if params.disable else "stop")
    if params.reboot:
        node.reboot()
