"""kubectl's writes while etcd holds its NOSPACE alarm.

With the alarm raised, etcd applies requests through `applierV3Capped`
(server/etcdserver/apply.go): every Put and every Txn that puts something fails with
`etcdserver: mvcc: database space exceeded`; reads and deletes still work. The apiserver hands
the message back in a Status, so kubectl prints `Error from server: <message>` and exits 1
(shared/reference/real-output.md §10). kubectl create/apply from a file adds its source
(`cmdutil.AddSourceToErr`: `error when creating "<file>": ...`), as the twin's AlreadyExists
error already does; `create job` and `create secret` wrap it as `error: failed to create job:
<message>` / `error: failed to create secret <message>`. An apply that changes nothing sends
no request and still prints `unchanged`; a `--dry-run` never reaches etcd.
"""

from __future__ import annotations

import copy
from typing import Any

from app.providers.sim.shell.registry import Invocation
from app.providers.sim.shell.twin import cluster_of

NOSPACE = "etcdserver: mvcc: database space exceeded"
# Verbs that write; `rollout` only for the sub-commands that change the object.
WRITES = {"apply", "create", "replace", "patch", "scale", "label", "annotate", "cordon",
          "uncordon", "drain", "rollout"}
_ROLLOUT_WRITES = {"restart", "undo", "pause", "resume"}


def rejected(cluster: Any) -> str | None:
    """etcd's error for a write right now, or None when writes are accepted."""
    alarms = (getattr(cluster, "etcd_state", None) or {}).get("alarms") or []
    return NOSPACE if any(a.get("alarm") == "NOSPACE" for a in alarms) else None


def _unchanged(existing: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether `kubectl apply` of `doc` onto `existing` would compute an empty patch (the
    same merge as kubectl_more._apply)."""
    after = copy.deepcopy(existing)
    for key, value in doc.items():
        if key not in ("metadata", "status", "apiVersion", "kind"):
            after[key] = copy.deepcopy(value)
    meta = doc.get("metadata") or {}
    for key in ("labels", "annotations"):
        if key in meta:
            after["metadata"].setdefault(key, {}).update(meta[key] or {})
    return after == existing


def check(inv: Invocation, verb: str, flags: dict[str, str], pos: list[str]) -> None:
    """Raise kubectl's error when this command would write while etcd refuses writes."""
    from app.providers.sim.shell import kubectl_more

    k = kubectl_more._k()
    if verb not in WRITES or flags.get("dry-run", "none") not in ("none", "false"):
        return
    if verb == "rollout" and pos[:1] and pos[0] not in _ROLLOUT_WRITES:
        return
    cluster = cluster_of(inv)
    err = rejected(cluster)
    if err is None:
        return
    if verb == "create" and pos[:1] in (["job"], ["secret"]):
        # create_job.go / create_secret.go wrap the API error in their own message.
        what = "job:" if pos[0] == "job" else "secret"
        raise k.KubectlError(f"error: failed to create {what} {err}")
    path = flags.get("f") or flags.get("filename")
    if verb in ("apply", "create") and path and pos[:1] != ["secret"]:
        path, docs = kubectl_more._read_manifest(inv, path)
        for doc in copy.deepcopy(docs):
            _, _, _, existing = kubectl_more.locate(cluster.store, doc, flags)
            if existing is None or verb == "create":
                raise k.KubectlError(f'Error from server: error when creating "{path}": {err}')
            if not _unchanged(existing, doc):
                raise k.KubectlError(f"Error from server: {err}")
        return
    raise k.KubectlError(f"Error from server: {err}")
