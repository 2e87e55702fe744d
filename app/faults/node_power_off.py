"""Power a node off, as a failed host or a `docker stop` of a kind node does.

Its containers stop with it; peers see it as unreachable (`no route to host`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from app.faults.registry import register
from app.providers.base import Cluster, Node


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


@register("node-power-off", Params, "power a node off (its containers stop with it)")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    node.power_off()
