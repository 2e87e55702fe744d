"""Make a node's disk slow: every write and fsync waits `ms` milliseconds longer.

On kind the provider would use `tc`/`dm-delay`-style tooling; the twin's disk model feeds
etcd's WAL fsync timings, `fio` and `iostat`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.faults.registry import register
from app.providers.base import Cluster, Node


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = "sda"
    ms: float = Field(gt=0)


@register("disk-latency", Params, "add latency to a node's disk (slow fsync)")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    node.set_disk_latency(params.device, params.ms)
