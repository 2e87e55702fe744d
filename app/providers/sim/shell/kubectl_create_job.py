"""`kubectl create job NAME --from=cronjob/CRONJOB` and `kubectl create job NAME --image=IMAGE
[-- COMMAND [ARGS...]]` (k8s.io/kubectl `pkg/cmd/create/create_job.go`).

From a CronJob: the job template's spec and labels, its annotations plus
`cronjob.kubernetes.io/instantiate: manual`, and an owner reference to the CronJob with
`controller: true` but no `blockOwnerDeletion` (kubectl avoids needing the cronjobs/finalizers
permission). From an image: one container named after the Job, `restartPolicy: Never`. Prints
`job.batch/NAME created`; the Job controller then runs it.
"""

from __future__ import annotations

import copy

from app.providers.sim.shell.registry import Invocation
from app.providers.sim.shell.twin import cluster_of


def _value(args: list[str], flag: str) -> str:
    """`--flag=value` or `--flag value` (before any `--`)."""
    for i, a in enumerate(args):
        if a == "--":
            break
        if a.startswith(f"--{flag}="):
            return a.split("=", 1)[1]
        if a == f"--{flag}" and i + 1 < len(args):
            return args[i + 1]
    return ""


def create_job(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    from app.providers.sim.shell import kubectl_more as more

    k = more._k()
    args = list(inv.args)
    command = args[args.index("--") + 1:] if "--" in args else []
    names = [p for p in pos if p not in command]
    source, image = _value(args, "from"), _value(args, "image")
    consumed = {source, image} - {""}
    names = [n for n in names if n not in consumed]
    if len(names) != 1:
        raise k.KubectlError(f"error: exactly one NAME is required, got {len(names)}\nSee "
                             "'kubectl create job -h' for help and examples")
    name, ns = names[0], more._ns(flags)
    if not source and not image:
        raise k.KubectlError("error: either --image or --from must be specified")
    if source and image:
        raise k.KubectlError("error: either --image or --from must be specified")
    cluster = cluster_of(inv)
    store = cluster.store
    if source:
        kind, _, cj_name = source.partition("/")
        if kind not in ("cronjob", "cronjobs", "cj", "cronjob.batch") or not cj_name:
            raise k.KubectlError(f"error: from must be an existing cronjob: {source}")
        cj = store.find("CronJob", cj_name, ns)
        if cj is None:
            raise k.KubectlError(f'Error from server (NotFound): cronjobs.batch "{cj_name}" not '
                                 "found")
        tmpl = (cj.get("spec") or {}).get("jobTemplate") or {}
        tmeta = tmpl.get("metadata") or {}
        meta = {"name": name, "namespace": ns,
                "annotations": {"cronjob.kubernetes.io/instantiate": "manual",
                                **(tmeta.get("annotations") or {})},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                     "name": cj_name, "uid": cj["metadata"]["uid"],
                                     "controller": True}]}
        if tmeta.get("labels"):
            meta["labels"] = dict(tmeta["labels"])
        spec = copy.deepcopy(tmpl.get("spec") or {})
    else:
        container: dict = {"name": name, "image": image}
        if command:
            container["command"] = command
        meta = {"name": name, "namespace": ns}
        spec = {"template": {"spec": {"containers": [container], "restartPolicy": "Never"}}}
    if store.find("Job", name, ns) is not None:
        raise k.KubectlError(f'error: failed to create job: jobs.batch "{name}" already exists')
    from app.providers.sim import nslifecycle

    try:
        nslifecycle.admit_create(store, "Job", name, ns)
    except nslifecycle.Forbidden as err:
        raise k.KubectlError(f"error: failed to create job: {err}") from None
    store.create({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec},
                 cluster.t)
    cluster.settle()
    return f"job.batch/{name} created\n"
