"""Set, rename, misspell or remove a flag in a static-pod manifest.

Works on the manifest's text, line by line, so the rest of the file stays byte-for-byte what
kubeadm wrote: a trainee's `diff` against a backup shows exactly one changed line.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, model_validator

from app.faults.registry import register
from app.providers.base import Cluster, Node

MANIFEST_DIR = "/etc/kubernetes/manifests"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    manifest: str  # etcd | kube-apiserver | kube-controller-manager | kube-scheduler
    set: str | None = None  # "--flag=value": replace the value, or add the flag
    rename: str | None = None  # "--flag" whose name becomes `to`
    to: str | None = None
    remove: str | None = None  # "--flag" to drop

    @model_validator(mode="after")
    def _one_action(self) -> Params:
        actions = [a for a in (self.set, self.rename, self.remove) if a]
        if len(actions) != 1:
            raise ValueError("give exactly one of set, rename (with to) or remove")
        if self.rename and not self.to:
            raise ValueError("rename needs `to`")
        return self


def manifest_path(name: str) -> str:
    return f"{MANIFEST_DIR}/{name.removesuffix('.yaml')}.yaml"


def edit(text: str, p: Params) -> str:
    lines = text.split("\n")
    flag_line = re.compile(r"^(\s*- )(--[A-Za-z0-9-]+)(=.*)?$")
    out: list[str] = []
    done = False
    last_flag = -1
    for line in lines:
        m = flag_line.match(line)
        if m:
            last_flag = len(out)
            indent, name, value = m.group(1), m.group(2), m.group(3) or ""
            if p.rename and name == p.rename:
                line, done = f"{indent}{p.to}{value}", True
            elif p.remove and name == p.remove:
                done = True
                continue
            elif p.set and name == p.set.split("=", 1)[0]:
                line, done = f"{indent}{p.set}", True
        out.append(line)
    if p.set and not done and last_flag >= 0:
        indent = flag_line.match(out[last_flag]).group(1)  # type: ignore[union-attr]
        out.insert(last_flag + 1, f"{indent}{p.set}")
        done = True
    if not done:
        wanted = p.rename or p.remove
        raise ValueError(f"flag {wanted} not found in the manifest")
    return "\n".join(out)


@register("manifest-flag", Params, "set, rename, misspell or remove a static-pod flag")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    path = manifest_path(params.manifest)
    text = node.read_file(path).decode()
    node.write_file(path, edit(text, params).encode(), 0o600)
