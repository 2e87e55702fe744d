"""Secrets not encrypted at rest: kube-apiserver runs without `--encryption-provider-config`.

That is what kubeadm and kind set up by default, so on a fresh kind cluster this fault changes
nothing but makes sure of it: any `--encryption-provider-config` line is dropped from the
kube-apiserver manifest (the kubelet then restarts the apiserver, which writes Secrets through
the identity transformer from then on). The Secrets themselves come with the scenario's
workloads.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from app.faults.registry import register
from app.providers.base import Cluster, Node

MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml"
FLAG_LINE = re.compile(r"^\s*- --encryption-provider-config(=.*)?$")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


def without_encryption(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not FLAG_LINE.match(line))


@register("encryption-off", Params, "kube-apiserver without encryption at rest for Secrets")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    text = node.read_file(MANIFEST).decode()
    edited = without_encryption(text)
    if edited != text:
        node.write_file(MANIFEST, edited.encode(), 0o600)
