"""`kubectl create secret generic NAME --from-literal=k=v --from-file=[k=]path`
(k8s.io/kubectl `pkg/cmd/create/create_secret.go`): an Opaque Secret, values base64-encoded."""

from __future__ import annotations

import base64
import posixpath

from app.providers.sim.shell.registry import Invocation
from app.providers.sim.shell.twin import cluster_of


def create_secret(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    from app.providers.sim.shell import kubectl_more as more

    k = more._k()
    if pos[:1] != ["generic"]:
        raise k.KubectlError(f'error: unknown command "{" ".join(pos[:1])}" for "kubectl create '
                             'secret"' if pos else "error: must specify a secret type")
    data: dict[str, str] = {}
    args = list(inv.args)
    consumed: list[str] = []  # values given as the next word: not positional
    for i, a in enumerate(args):
        for flag in ("--from-literal", "--from-file"):
            if a == flag and i + 1 < len(args):
                value = args[i + 1]
                consumed.append(value)
            elif a.startswith(flag + "="):
                value = a[len(flag) + 1:]
            else:
                continue
            if flag == "--from-literal":
                key, eq, v = value.partition("=")
                if not eq or not key:
                    raise k.KubectlError(f'error: invalid literal source {value}, expected '
                                         'key=value')
                data[key] = base64.b64encode(v.encode()).decode()
            else:
                key, eq, path = value.partition("=")
                if not eq:
                    key, path = posixpath.basename(value), value
                full = path if path.startswith("/") else posixpath.join(inv.session.cwd, path)
                try:
                    raw = inv.session.vfs.read(full)
                except Exception:  # noqa: BLE001 - kubectl reports any unreadable source alike
                    raise k.KubectlError(f"error: error reading {path}: no such file or "
                                         "directory") from None
                data[key] = base64.b64encode(raw).decode()
    names = list(pos[1:])
    for value in consumed:
        if value in names:
            names.remove(value)
    if len(names) != 1:
        raise k.KubectlError(f"error: exactly one NAME is required, got {len(names)}\nSee "
                             "'kubectl create secret generic -h' for help and examples")
    name, ns = names[0], more._ns(flags)
    cluster = cluster_of(inv)
    if cluster.store.find("Secret", name, ns) is not None:
        raise k.KubectlError(f'error: failed to create secret secrets "{name}" already exists')
    from app.providers.sim import nslifecycle

    try:
        nslifecycle.admit_create(cluster.store, "Secret", name, ns)
    except nslifecycle.Forbidden as err:
        raise k.KubectlError(f"error: failed to create secret {err}") from None
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns},
           "type": "Opaque", "data": data}
    cluster.store.create(obj, cluster.t)
    cluster.settle()
    return f"secret/{name} created\n"
