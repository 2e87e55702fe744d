"""Set a scalar field of a static pod's container (image, imagePullPolicy...) in its manifest.

Edits the one line, so the rest of the file stays byte-for-byte what kubeadm wrote.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from app.faults.manifest_flag import manifest_path
from app.faults.registry import register
from app.providers.base import Cluster, Node


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    manifest: str  # etcd | kube-apiserver | kube-controller-manager | kube-scheduler
    field: str  # a scalar key of the container, e.g. image
    value: str


def edit(text: str, p: Params) -> str:
    """Replace the first `<field>: ...` line below `containers:`."""
    lines = text.split("\n")
    rx = re.compile(rf"^(\s*(?:- )?){re.escape(p.field)}: .*$")
    in_containers = False
    for i, line in enumerate(lines):
        if re.match(r"^\s*containers:\s*$", line):
            in_containers = True
            continue
        m = rx.match(line)
        if in_containers and m:
            lines[i] = f"{m.group(1)}{p.field}: {p.value}"
            return "\n".join(lines)
    raise ValueError(f"field {p.field} not found in the container of the manifest")


@register("manifest-field", Params, "set a container field (e.g. image) in a static-pod manifest")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    path = manifest_path(params.manifest)
    text = node.read_file(path).decode()
    node.write_file(path, edit(text, params).encode(), 0o600)
