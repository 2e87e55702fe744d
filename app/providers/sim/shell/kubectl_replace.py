"""`kubectl replace -f FILE|-`: PUT each object back whole (k8s.io/kubectl `pkg/cmd/replace`).

The object must exist (`Error from server (NotFound): error when replacing "FILE": ...`); a
`metadata.resourceVersion` that is no longer current is a Conflict. The apiserver skips the
etcd write when nothing changed, unless the storage layer reports the stored bytes stale (e.g.
a Secret written before encryption at rest was configured): that is why
`kubectl get secrets -A -o json | kubectl replace -f -` re-encrypts every Secret.
"""

from __future__ import annotations

import copy

from app.providers.sim import encryption
from app.providers.sim.shell.registry import Invocation
from app.providers.sim.shell.twin import cluster_of


def check_readable(cluster: object, objs: list[dict]) -> None:
    """A Secret the serving apiserver cannot decrypt fails the whole read, as an InternalError
    (`unable to transform key "<etcd key>": <transformer error>`)."""
    from app.providers.sim import etcd_cluster as ec
    from app.providers.sim.shell import kubectl_more as more

    for obj in objs:
        err = encryption.read_error(cluster, obj)  # type: ignore[arg-type]
        if err is not None:
            raise more._k().KubectlError(
                "Error from server (InternalError): Internal error occurred: unable to "
                f'transform key "{ec.key_of(obj)}": {err}')


SERVER_FIELDS = ("uid", "creationTimestamp", "resourceVersion", "generation", "managedFields")


def replace(inv: Invocation, flags: dict[str, str]) -> str:
    from app.providers.sim.shell import kubectl_more as more

    k = more._k()
    path = flags.get("f") or flags.get("filename")
    if not path:
        raise k.KubectlError("error: Must specify --filename to replace\nSee 'kubectl replace "
                             "-h' for help and examples")
    path, docs = more._read_manifest(inv, path)
    if not docs:
        raise k.KubectlError("error: no objects passed to replace")
    source = "STDIN" if path == "-" else path
    cluster = cluster_of(inv)
    store = cluster.store
    lines = []
    for doc in docs:
        kind, meta, name, existing = more.locate(store, doc, flags)
        if existing is not None:
            check_readable(cluster, [existing])
        if existing is None:
            raise k.KubectlError(f'Error from server (NotFound): error when replacing '
                                 f'"{source}": {more._plural(kind)} "{name}" not found')
        rv = meta.get("resourceVersion")
        if rv and rv != existing["metadata"].get("resourceVersion"):
            raise k.KubectlError(
                f'Error from server (Conflict): error when replacing "{source}": Operation '
                f'cannot be fulfilled on {more._plural(kind)} "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again")
        new = copy.deepcopy(doc)
        new.setdefault("apiVersion", existing.get("apiVersion"))
        for field in SERVER_FIELDS:
            if field in existing["metadata"]:
                new["metadata"][field] = existing["metadata"][field]
        if "status" in existing and kind != "Secret":
            new["status"] = copy.deepcopy(existing["status"])
        if new != existing or encryption.stale(cluster, existing):
            store.update(new)
        lines.append(f"{more._ref(kind, name)} replaced")
    cluster.settle()
    return "".join(line + "\n" for line in lines)
