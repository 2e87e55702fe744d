"""Apply Kubernetes objects as part of the incident (a release, a scale-up, a new workload).

`manifest` names a file beside scenario.yaml (read at provisioning through `resolve_files`,
the hook `app.training.provisioning` calls on any fault's params that define it); `inline`
carries the YAML itself. The objects go through `Cluster.apply`, i.e. `kubectl apply`, so the
twin's controllers and a kind cluster react the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, model_validator

from app.faults.registry import register
from app.providers.base import Cluster, Node


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    manifest: str | None = None  # a file beside scenario.yaml, e.g. manifests/web-v2.yaml
    inline: str | None = None  # or the YAML itself

    @model_validator(mode="after")
    def _one_source(self) -> Params:
        if (self.manifest is None) == (self.inline is None):
            raise ValueError("give exactly one of manifest or inline")
        return self

    def resolve_files(self, read: Callable[[str], str]) -> Params:
        if self.manifest is None:
            return self
        return Params(inline=read(self.manifest))


@register("apply", Params, "apply Kubernetes objects (a release, a scale-up) during the incident")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    if params.inline is None:
        raise ValueError("the manifest file was not resolved; provisioning reads it first")
    cluster.apply(params.inline)
