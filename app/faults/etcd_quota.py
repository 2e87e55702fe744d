"""Give etcd a small backend quota (`--quota-backend-bytes`), as a tight-disk setting would."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.faults.manifest_flag import Params as FlagParams
from app.faults.manifest_flag import edit, manifest_path
from app.faults.registry import register
from app.providers.base import Cluster, Node


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bytes: int = Field(gt=0)


@register("etcd-quota", Params, "set etcd's --quota-backend-bytes (NOSPACE once it fills)")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    path = manifest_path("etcd")
    text = node.read_file(path).decode()
    flag = FlagParams(manifest="etcd", set=f"--quota-backend-bytes={params.bytes}")
    node.write_file(path, edit(text, flag).encode(), 0o600)
