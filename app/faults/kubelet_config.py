"""Set one top-level field of the kubelet's /var/lib/kubelet/config.yaml (KubeletConfiguration).

A text edit: the field's line is replaced (or inserted where the alphabetically sorted file,
as kubeadm writes it, would have it); every other byte stays as it was. The kubelet reads the
file at start, so the fault restarts it unless told not to.
"""

from __future__ import annotations

import re

import yaml
from pydantic import BaseModel, ConfigDict

from app.faults.registry import register
from app.providers.base import Cluster, Node

CONFIG = "/var/lib/kubelet/config.yaml"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str                          # a top-level key, e.g. rotateCertificates
    value: str | int | float | bool     # written as YAML (false, 10s, 110...)
    restart: bool = True


def render(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("\n...").strip()


def edit(text: str, field: str, value: object) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", field):
        raise ValueError(f"not a KubeletConfiguration field name: {field!r}")
    line = f"{field}: {render(value)}"
    lines = text.split("\n")
    top = re.compile(r"^([A-Za-z][A-Za-z0-9]*):")
    for i, old in enumerate(lines):
        m = top.match(old)
        if m and m.group(1) == field:
            end = i + 1  # drop an old nested block under the key
            while end < len(lines) and lines[end].startswith((" ", "- ")):
                end += 1
            return "\n".join([*lines[:i], line, *lines[end:]])
    for i, old in enumerate(lines):
        m = top.match(old)
        if m and m.group(1) > field:
            return "\n".join([*lines[:i], line, *lines[i:]])
    body = text.rstrip("\n")
    return f"{body}\n{line}\n"


@register("kubelet-config", Params, "set a field of the kubelet's config.yaml")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    text = node.read_file(CONFIG).decode()
    node.write_file(CONFIG, edit(text, params.field, params.value).encode(), 0o644)
    if params.restart:
        node.service("kubelet", "restart")
