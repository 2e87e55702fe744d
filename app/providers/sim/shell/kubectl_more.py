"""kubectl verbs beyond get/logs: describe, events, apply/create/delete, patch, scale, rollout,
label/annotate, cordon/uncordon/drain, edit, exec, top, auth, config, api-resources.

Messages follow k8s.io/kubectl (`pkg/cmd/*`): `deployment.apps/web patched`, `pod "x" deleted`,
`error: Metrics API not available`... Writes go through the twin's store and then
`cluster.settle()`, so controllers and kubelets react at once, as their watches would.
"""

from __future__ import annotations

import copy
import json
import posixpath

import yaml

from app.providers.sim.clock import rfc3339
from app.providers.sim.shell import goyaml, kubectl_describe
from app.providers.sim.shell.gotabwriter import tabwriter
from app.providers.sim.shell.kubectl_printers import events as events_printer
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import cluster_of
from app.providers.sim.store import KINDS, Conflict, NotFoundError
from app.providers.sim.tables import kubectl_table

Obj = dict


def _k():  # noqa: ANN202 - the kubectl module, imported late (it imports this one lazily)
    from app.providers.sim.shell import kubectl

    return kubectl


def _ns(flags: dict[str, str]) -> str:
    return flags.get("n") or flags.get("namespace") or "default"


def _ref(kind: str, name: str) -> str:
    return f"{_k()._resource_name(kind)}/{name}"


def _target(flags: dict[str, str], pos: list[str]) -> tuple[str, list[str]]:
    if not pos:
        raise _k().KubectlError("error: you must specify the type of resource")
    if "/" in pos[0]:
        word, name = pos[0].split("/", 1)
        return _k()._kind(word), [name, *pos[1:]]
    return _k()._kind(pos[0]), pos[1:]


def _get_obj(store, kind: str, name: str, ns: str) -> Obj:  # noqa: ANN001
    try:
        return store.get(kind, name, ns if KINDS[kind][2] else "")
    except NotFoundError:
        raise _k().KubectlError(f'Error from server (NotFound): {_plural(kind)} "{name}" not '
                                "found") from None


def _plural(kind: str) -> str:
    api = KINDS[kind][0]
    group = api.split("/")[0] if "/" in api else ""
    return KINDS[kind][1] + (f".{group}" if group else "")


# --- describe / events -------------------------------------------------------------------------

def _describe(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    kind, names = _target(flags, pos)
    cluster = cluster_of(inv)
    store = cluster.store
    from app.providers.sim.shell import kubectl_describe_batch, kubectl_describe_config

    fn = kubectl_describe.DESCRIBERS.get(kind) or {
        "Job": kubectl_describe_batch.job, "CronJob": kubectl_describe_batch.cronjob}.get(kind) \
        or kubectl_describe_config.describer(kind)
    if fn is None:
        raise _k().KubectlError(f'error: "kubectl describe {pos[0]}" is not simulated by this '
                                "kubedrill twin yet; use kubectl get -o yaml")
    all_ns = "A" in flags or "all-namespaces" in flags
    ns = None if all_ns or not KINDS[kind][2] else _ns(flags)
    objs = store.list(kind, ns, flags.get("l") or flags.get("selector") or "")
    if names:
        chosen = []
        for name in names:
            exact = [o for o in objs if o["metadata"]["name"] == name]
            prefix = [o for o in objs if o["metadata"]["name"].startswith(name)]
            if not (exact or prefix):
                raise _k().KubectlError(f'Error from server (NotFound): {_plural(kind)} "{name}"'
                                        " not found")
            chosen.extend(exact or prefix)
        objs = chosen
    elif not objs:
        where = f" in {ns} namespace" if ns else ""
        raise _k().KubectlError(f"No resources found{where}." if where else "No resources found",
                                code=0)
    return "\n\n".join(fn(store, o, cluster.t).rstrip("\n") for o in objs) + "\n"


def _events(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    cluster = cluster_of(inv)
    all_ns = "A" in flags or "all-namespaces" in flags
    ns = None if all_ns else _ns(flags)
    evs = cluster.store.list("Event", ns)
    want = flags.get("for")
    if want:
        kind, name = want.split("/", 1) if "/" in want else ("pod", want)
        kind = _k()._kind(kind)
        evs = [e for e in evs if e["involvedObject"].get("kind") == kind
               and e["involvedObject"].get("name") == name]
    if flags.get("types"):
        types = {t.strip().lower() for t in flags["types"].split(",")}
        evs = [e for e in evs if e.get("type", "").lower() in types]
    if not evs:
        where = f" in {ns} namespace" if ns else ""
        raise _k().KubectlError(f"No events found{where}.", code=0)
    evs.sort(key=lambda e: e.get("lastTimestamp") or "")
    head, rows = events_printer(evs, cluster.t, False, set())
    if all_ns:
        head = ["NAMESPACE", *head]
        rows = [[e["metadata"]["namespace"], *r] for e, r in zip(evs, rows, strict=True)]
    return kubectl_table([head, *rows])


# --- writes ------------------------------------------------------------------------------------

def _read_manifest(inv: Invocation, path: str) -> tuple[str, list[Obj]]:
    if path == "-":
        text = inv.stdin
    else:
        full = path if path.startswith("/") else posixpath.join(inv.session.cwd, path)
        try:
            text = inv.session.vfs.read(full).decode()
        except Exception:  # noqa: BLE001 - any unreadable path answers like kubectl
            raise _k().KubectlError(f'error: the path "{path}" does not exist') from None
    try:
        docs = [d for d in yaml.safe_load_all(text) if d]
    except yaml.YAMLError as err:
        raise _k().KubectlError(f'error: error parsing {path}: error converting YAML to JSON: '
                                f'yaml: {str(err).splitlines()[0]}') from None
    out = []
    for d in docs:
        if d.get("kind") == "List":
            out.extend(d.get("items") or [])
        else:
            out.append(d)
    for d in out:
        if d.get("kind") not in KINDS:
            raise _k().KubectlError(f'error: resource mapping not found for name: '
                                    f'"{(d.get("metadata") or {}).get("name", "")}" namespace: "'
                                    f'" from "{path}": no matches for kind "{d.get("kind")}" in '
                                    f'version "{d.get("apiVersion", "")}"\nensure CRDs are '
                                    "installed first")
    return path, out


def locate(store, doc: Obj, flags: dict[str, str]  # noqa: ANN001
           ) -> tuple[str, dict, str, Obj | None]:
    """(kind, metadata, name, the stored object or None) for a manifest document; a
    namespaced object without a namespace gets the one from -n, as kubectl does."""
    kind = doc["kind"]
    meta = doc.setdefault("metadata", {})
    if KINDS[kind][2]:
        meta.setdefault("namespace", _ns(flags))
    name = meta.get("name", "")
    return kind, meta, name, store.find(kind, name, meta.get("namespace", ""))


def _apply(inv: Invocation, flags: dict[str, str], create: bool) -> str:
    path = flags.get("f") or flags.get("filename")
    if not path:
        verb = "create" if create else "apply"
        raise _k().KubectlError("error: must specify one of -f and -k" if not create else
                                f"error: must specify one of -f and -k\n\nSee 'kubectl {verb}"
                                " -h' for help and examples")
    path, docs = _read_manifest(inv, path)
    cluster = cluster_of(inv)
    store = cluster.store
    lines = []
    for doc in docs:
        kind, meta, name, existing = locate(store, doc, flags)
        if existing is None:
            from app.providers.sim import nslifecycle

            try:
                nslifecycle.admit_create(store, kind, name, meta.get("namespace", ""))
            except nslifecycle.Forbidden as err:
                raise _k().KubectlError(f'Error from server (Forbidden): error when creating '
                                        f'"{path}": {err}') from None
            nslifecycle.prepare_create(doc)
            store.create(doc, cluster.t)
            lines.append(f"{_ref(kind, name)} created")
            continue
        if create:
            raise _k().KubectlError(f'Error from server (AlreadyExists): error when creating '
                                    f'"{path}": {_plural(kind)} "{name}" already exists')
        before = copy.deepcopy(existing)
        for key, value in doc.items():
            if key in ("metadata", "status", "apiVersion", "kind"):
                continue
            existing[key] = copy.deepcopy(value)
        for key in ("labels", "annotations"):
            if key in meta:
                existing["metadata"].setdefault(key, {}).update(meta[key] or {})
        if existing == before:
            lines.append(f"{_ref(kind, name)} unchanged")
        else:
            store.update(existing)
            lines.append(f"{_ref(kind, name)} configured")
    cluster.settle()
    return "".join(line + "\n" for line in lines)


def _cascade(store, obj: Obj) -> None:  # noqa: ANN001
    uid = obj["metadata"].get("uid")
    for (kind, ns, name), o in list(store.objects.items()):
        if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or []):
            store.delete(kind, name, ns)
            _cascade(store, o)


def _delete(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    cluster = cluster_of(inv)
    store = cluster.store
    targets: list[tuple[str, str, str]] = []
    if flags.get("f") or flags.get("filename"):
        _, docs = _read_manifest(inv, flags.get("f") or flags["filename"])
        for d in docs:
            targets.append((d["kind"], d["metadata"]["name"],
                            d["metadata"].get("namespace") or _ns(flags)))
    else:
        kind, names = _target(flags, pos)
        if not names and "all" not in flags and not (flags.get("l") or flags.get("selector")):
            raise _k().KubectlError('error: resource(s) were provided, but no name was '
                                    'specified')
        if not names:
            names = [o["metadata"]["name"] for o in store.list(
                kind, _ns(flags) if KINDS[kind][2] else None,
                flags.get("l") or flags.get("selector") or "")]
        targets = [(kind, n, _ns(flags)) for n in names]
    lines = []
    for kind, name, ns in targets:
        obj = _get_obj(store, kind, name, ns)
        if kind == "Namespace":  # graceful: Terminating until the namespace controller is done
            from app.providers.sim import nslifecycle

            try:
                nslifecycle.request_delete(cluster, name, cluster.t)
            except nslifecycle.Forbidden as err:
                raise _k().KubectlError(f"Error from server ({err.reason}): {err}") from None
        else:
            store.delete(kind, name, ns if KINDS[kind][2] else "")
            _cascade(store, obj)
        lines.append(f'{kind.lower()} "{name}" deleted'
                     if "/" not in KINDS[kind][0] else
                     f'{_k()._resource_name(kind)} "{name}" deleted')
    cluster.settle()
    return "".join(line + "\n" for line in lines)


FORCE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running "
                 "resource has been terminated. The resource may continue to run on the cluster "
                 "indefinitely.\n")


def _delete_verb(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    """kubectl 1.33 delete.go: --force makes the grace period 0 (unless one is given); then the
    warning printer writes its warning before anything is deleted, and each object is
    `force deleted`."""
    force = flags.get("force", "false") not in ("false", "False", "0")
    grace = flags.get("grace-period", "-1")
    try:
        period = int(grace)
    except ValueError:
        period = -1
    if force and period > 0:
        raise _k().KubectlError("error: --force and --grace-period greater than 0 cannot be "
                                "specified together")
    if not (force and period <= 0):
        return Output(stdout=_delete(inv, flags, pos))
    try:
        text = _delete(inv, flags, pos).replace('" deleted\n', '" force deleted\n')
    except _k().KubectlError as err:  # the warning was printed already
        return Output.ordered([(2, FORCE_WARNING), (2, f"{err}\n")], err.code)
    return Output.ordered([(2, FORCE_WARNING), (1, text)])


def strategic_merge(target: object, patch: object, key: str = "") -> object:
    """Strategic merge for the common cases: maps merge, null deletes, lists of named things
    (containers, env, ports, volumes) merge by their merge key, other lists are replaced."""
    if isinstance(patch, dict) and isinstance(target, dict):
        out = dict(target)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = strategic_merge(out[k], v, k)
            else:
                out[k] = copy.deepcopy(v)
        return out
    merge_keys = {"containers": "name", "initContainers": "name", "env": "name",
                  "volumes": "name", "volumeMounts": "mountPath", "ports": "containerPort",
                  "tolerations": "key"}
    if isinstance(patch, list) and isinstance(target, list) and key in merge_keys:
        mk = merge_keys[key]
        out_list = [copy.deepcopy(x) for x in target]
        for item in patch:
            match = next((i for i, x in enumerate(out_list) if isinstance(x, dict)
                          and isinstance(item, dict) and x.get(mk) == item.get(mk)), None)
            if match is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[match] = strategic_merge(out_list[match], item, "")
        return out_list
    return copy.deepcopy(patch)


def merge_patch(target: object, patch: object) -> object:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def json_patch(doc: Obj, ops: list[Obj]) -> Obj:
    doc = copy.deepcopy(doc)
    for op in ops:
        parts = _pointer(op.get("path", ""))
        parent: object = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1] if parts else ""
        kind = op.get("op")
        if kind in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(op["value"])
                elif kind == "add":
                    parent.insert(int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                if kind == "replace" and last not in parent:
                    raise KeyError(op["path"])
                parent[last] = op["value"]
        elif kind == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        elif kind == "test":
            value = parent[int(last)] if isinstance(parent, list) else parent[last]
            if value != op.get("value"):
                raise ValueError("test failed")
    return doc


def _patch(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    kind, names = _target(flags, pos)
    if not names:
        raise _k().KubectlError("error: resource(s) were provided, but no name was specified")
    raw = flags.get("p") or flags.get("patch")
    if raw is None:
        raise _k().KubectlError("error: must specify --patch or --patch-file containing the "
                                "contents of the patch")
    try:
        patch = json.loads(raw)
    except ValueError:
        try:
            patch = yaml.safe_load(raw)
        except yaml.YAMLError:
            patch = None
        if patch is None or isinstance(patch, str):
            raise _k().KubectlError("error: unable to parse \"" + raw + "\": yaml: did not find "
                                    "expected node content") from None
    cluster = cluster_of(inv)
    store = cluster.store
    obj = _get_obj(store, kind, names[0], _ns(flags))
    ptype = flags.get("type", "strategic")
    try:
        if ptype == "json":
            new = json_patch(obj, patch)
        elif ptype == "merge":
            new = merge_patch(obj, patch)
        else:
            new = strategic_merge(obj, patch)
    except (KeyError, IndexError, ValueError, TypeError):
        raise _k().KubectlError('The request is invalid: the server rejected our request due to '
                                'an error in our request') from None
    ref = _ref(kind, names[0])
    if new == obj:
        return f"{ref} patched (no change)\n"
    new["metadata"] = obj["metadata"]
    obj.clear()
    obj.update(new)
    store.update(obj)
    cluster.settle()
    return f"{ref} patched\n"


def _scale(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    kind, names = _target(flags, pos)
    if "replicas" not in flags:
        raise _k().KubectlError("error: required flag(s) \"replicas\" not set")
    cluster = cluster_of(inv)
    obj = _get_obj(cluster.store, kind, names[0], _ns(flags))
    obj["spec"]["replicas"] = int(flags["replicas"])
    cluster.store.update(obj)
    cluster.settle()
    return f"{_ref(kind, names[0])} scaled\n"


def _rollout(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    if not pos:
        raise _k().KubectlError("error: Required resource not specified.")
    sub, rest = pos[0], pos[1:]
    kind, names = _target(flags, rest)
    if kind != "Deployment":
        raise _k().KubectlError(f'error: no {sub} for "{rest[0]}" (the twin rolls out '
                                "deployments only)")
    cluster = cluster_of(inv)
    store = cluster.store
    dep = _get_obj(store, kind, names[0], _ns(flags))
    ref = _ref(kind, names[0])
    name = names[0]
    if sub == "restart":
        tmeta = dep["spec"]["template"].setdefault("metadata", {})
        tmeta.setdefault("annotations", {})["kubectl.kubernetes.io/restartedAt"] = \
            rfc3339(cluster.t)
        store.update(dep)
        cluster.settle()
        return Output(stdout=f"{ref} restarted\n")
    if sub == "status":
        st, spec = dep.get("status") or {}, dep["spec"]
        want = spec.get("replicas", 1)
        updated, total = st.get("updatedReplicas", 0), st.get("replicas", 0)
        available = st.get("availableReplicas", 0)
        if updated < want:
            msg = (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} '
                   "new replicas have been updated...")
        elif total > updated:
            msg = (f'Waiting for deployment "{name}" rollout to finish: {total - updated} old '
                   "replicas are pending termination...")
        elif available < updated:
            msg = (f'Waiting for deployment "{name}" rollout to finish: {available} of '
                   f"{updated} updated replicas are available...")
        else:
            return Output(stdout=f'deployment "{name}" successfully rolled out\n')
        # The real command keeps watching; the twin answers for "now" and stops there.
        return Output(stdout=msg + "\n", stderr="error: timed out waiting for the condition\n",
                      exit_code=1)
    owned = [rs for rs in store.list("ReplicaSet", dep["metadata"]["namespace"])
             if any(r.get("uid") == dep["metadata"]["uid"]
                    for r in rs["metadata"].get("ownerReferences") or [])]
    revs = sorted((int((rs["metadata"].get("annotations") or {}).get(
        "deployment.kubernetes.io/revision", 0)), rs) for rs in owned)
    if sub == "history":
        rows = [["REVISION", "CHANGE-CAUSE"]] + [
            [str(r), (rs["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause",
                                                                  "<none>")]
            for r, rs in revs if r]
        # history.go prints through tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
        table = "\n".join("\t".join(r) for r in rows) + "\n"
        return Output(stdout=f"{ref} \n" + tabwriter(table) + "\n")
    if sub == "undo":
        want = int(flags.get("to-revision", 0) or 0)
        current = int((dep["metadata"].get("annotations") or {}).get(
            "deployment.kubernetes.io/revision", 0))
        candidates = [(r, rs) for r, rs in revs if r and r != current
                      and (not want or r == want)]
        if not candidates:
            if want:
                raise _k().KubectlError(f"error: unable to find specified revision {want} in "
                                        "history")
            raise _k().KubectlError(f'error: no rollout history found for deployment "{name}"')
        _, rs = candidates[-1]
        tmpl = copy.deepcopy(rs["spec"]["template"])
        tmpl.get("metadata", {}).get("labels", {}).pop("pod-template-hash", None)
        dep["spec"]["template"] = tmpl
        store.update(dep)
        cluster.settle()
        return Output(stdout=f"{ref} rolled back\n")
    raise _k().KubectlError(f'error: unknown command "{sub}" for "kubectl rollout"')


def _label(inv: Invocation, flags: dict[str, str], pos: list[str], field: str) -> str:
    kind, rest = _target(flags, pos)
    names = [w for w in rest if "=" not in w and not w.endswith("-")]
    changes = [w for w in rest if "=" in w or w.endswith("-")]
    if not names and ("all" in flags or flags.get("l") or flags.get("selector")):
        ns = _ns(flags) if KINDS[kind][2] else None
        names = [o["metadata"]["name"] for o in cluster_of(inv).store.list(
            kind, ns, flags.get("l") or flags.get("selector") or "")]
    if not changes:
        raise _k().KubectlError("error: at least one label update is required" if field ==
                                "labels" else "error: at least one annotation update is required")
    cluster = cluster_of(inv)
    out = []
    verb = "labeled" if field == "labels" else "annotated"
    for name in names:
        obj = _get_obj(cluster.store, kind, name, _ns(flags))
        m = obj["metadata"].setdefault(field, {})
        for ch in changes:
            if ch.endswith("-") and "=" not in ch:
                m.pop(ch[:-1], None)
                continue
            k, v = ch.split("=", 1)
            if k in m and m[k] != v and "overwrite" not in flags:
                raise _k().KubectlError(f"error: '{k}' already has a value ({m[k]}), and "
                                        "--overwrite is false")
            m[k] = v
        cluster.store.update(obj)
        out.append(f"{_ref(kind, name)} {verb}\n")
    cluster.settle()
    return "".join(out)


def _cordon(inv: Invocation, pos: list[str], value: bool, verb: str) -> str:
    if not pos:
        raise _k().KubectlError(f"error: USAGE: {verb} NODE [flags]\nSee 'kubectl {verb} -h' "
                                "for help and examples")
    cluster = cluster_of(inv)
    node = _get_obj(cluster.store, "Node", pos[0].split("/")[-1], "")
    name = node["metadata"]["name"]
    already = bool(node["spec"].get("unschedulable")) == value
    past = "cordoned" if value else "uncordoned"
    if already:
        return f"node/{name} already {past}\n"
    if value:
        node["spec"]["unschedulable"] = True
        node["spec"].setdefault("taints", []).append(
            {"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
             "timeAdded": rfc3339(cluster.t)})
    else:
        node["spec"].pop("unschedulable", None)
        node["spec"]["taints"] = [t for t in node["spec"].get("taints") or []
                                  if t["key"] != "node.kubernetes.io/unschedulable"]
        if not node["spec"]["taints"]:
            del node["spec"]["taints"]
    cluster.store.update(node)
    cluster.settle()
    return f"node/{name} {past}\n"


def _drain(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    out = _cordon(inv, pos, True, "drain")
    cluster = cluster_of(inv)
    name = pos[0].split("/")[-1]
    pods = [p for p in cluster.store.list("Pod") if p["spec"].get("nodeName") == name]
    ds = [p for p in pods if any(r.get("kind") == "DaemonSet"
                                 for r in p["metadata"].get("ownerReferences") or [])]
    mirror = [p for p in pods if "kubernetes.io/config.mirror" in
              (p["metadata"].get("annotations") or {})]
    evict = [p for p in pods if p not in ds and p not in mirror]

    def names(ps: list[Obj]) -> str:
        return ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in ps)

    if ds and "ignore-daemonsets" not in flags:
        return Output(stdout=out, stderr=f'error: unable to drain node "{name}" due to error: '
                      f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to "
                      f"ignore): {names(ds)}, continuing command...\nThere are pending nodes to "
                      f'be drained:\n {name}\ncannot delete DaemonSet-managed Pods (use '
                      f"--ignore-daemonsets to ignore): {names(ds)}\n", exit_code=1)
    err = f"Warning: ignoring DaemonSet-managed Pods: {names(ds)}\n" if ds else ""
    rest = ""  # after the warning, as kubectl drain writes them
    for p in evict:
        rest += f"evicting pod {p['metadata']['namespace']}/{p['metadata']['name']}\n"
    for p in evict:
        cluster.store.delete("Pod", p["metadata"]["name"], p["metadata"]["namespace"])
        rest += f"pod/{p['metadata']['name']} evicted\n"
    cluster.settle()
    return Output.ordered([(1, out), (2, err), (1, rest + f"node/{name} drained\n")])


def _config(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    k = _k()
    env = {**inv.session.env, **inv.env}
    path = (flags.get("kubeconfig") or env.get("KUBECONFIG")
            or f"{env.get('HOME', '/root')}/.kube/config").split(":")[0]
    try:
        cfg = yaml.safe_load(inv.session.vfs.read(path)) or {}
    except Exception:  # noqa: BLE001 - missing kubeconfig: kubectl shows an empty config
        cfg = {}
    sub = pos[0] if pos else ""
    current = cfg.get("current-context", "")
    if sub == "current-context":
        if not current:
            raise k.KubectlError("error: current-context is not set")
        return current + "\n"
    if sub == "get-contexts":
        rows = [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]]
        for c in cfg.get("contexts") or []:
            ctx = c.get("context") or {}
            rows.append(["*" if c["name"] == current else "", c["name"], ctx.get("cluster", ""),
                         ctx.get("user", ""), ctx.get("namespace", "")])
        return kubectl_table(rows)
    if sub == "view":
        shown = copy.deepcopy(cfg) or {"apiVersion": "v1", "clusters": None, "contexts": None,
                                       "current-context": "", "kind": "Config",
                                       "preferences": {}, "users": None}
        if "raw" not in flags:
            for c in shown.get("clusters") or []:
                if "certificate-authority-data" in (c.get("cluster") or {}):
                    c["cluster"]["certificate-authority-data"] = "DATA+OMITTED"
            for u in shown.get("users") or []:
                for key in ("client-certificate-data", "client-key-data", "token"):
                    if key in (u.get("user") or {}):
                        u["user"][key] = "DATA+OMITTED" if key.startswith("client-cert") \
                            else "REDACTED"
        if "minify" in flags:  # config/view.go: only what the current context uses
            ctx = next((c for c in shown.get("contexts") or [] if c.get("name") == current), {})
            want = ctx.get("context") or {}
            shown["contexts"] = [ctx] if ctx else []
            shown["clusters"] = [c for c in shown.get("clusters") or []
                                 if c.get("name") == want.get("cluster")]
            shown["users"] = [u for u in shown.get("users") or []
                              if u.get("name") == want.get("user")]
        fmt = flags.get("o") or flags.get("output") or "yaml"
        if fmt.startswith("jsonpath") or fmt == "json":
            return k._output([shown], fmt, single=True)
        return goyaml.dump(shown)
    if sub in ("use-context", "use"):
        return _use_context(inv, path, cfg, pos[1:])
    if sub in CONFIG_SUBCOMMANDS:
        inv.session.unknown_commands.append(f"kubectl config {sub}")
        raise k.KubectlError(f'error: "kubectl config {sub}" is not simulated by this kubedrill '
                             "twin yet")
    raise k.KubectlError(f'error: unknown command "{sub}" for "kubectl config"' if sub else
                         "Modify kubeconfig files using subcommands like \"kubectl config set "
                         "current-context my-context\"")


CONFIG_SUBCOMMANDS = ("delete-cluster", "delete-context", "delete-user", "get-clusters",
                      "get-users", "rename-context", "set", "set-cluster", "set-context",
                      "set-credentials", "unset")


def _use_context(inv: Invocation, path: str, cfg: Obj, args: list[str]) -> str:
    """config/use_context.go: the context must exist; then current-context is written."""
    k = _k()
    if len(args) != 1:
        raise k.KubectlError(f"error: Unexpected args: {args}\n\nSee 'kubectl config "
                             "use-context -h' for help and examples")
    name = args[0]
    if name not in {c.get("name") for c in cfg.get("contexts") or []}:
        raise k.KubectlError(f'error: no context exists with the name: "{name}"')
    if cfg.get("current-context") != name:
        cfg["current-context"] = name
        inv.session.vfs.write(path, yaml.safe_dump(cfg, default_flow_style=False).encode())
    return f'Switched to context "{name}".\n'


_SHORT = {"Pod": "po", "Node": "no", "Deployment": "deploy", "ReplicaSet": "rs",
          "DaemonSet": "ds", "StatefulSet": "sts", "Service": "svc", "Namespace": "ns",
          "Endpoints": "ep", "Event": "ev", "ConfigMap": "cm", "ServiceAccount": "sa",
          "CronJob": "cj", "CertificateSigningRequest": "csr", "StorageClass": "sc",
          "PriorityClass": "pc"}


def _api_resources() -> str:
    """api-resources.go sorts by API group (the core group first), stably: within a group
    the server's discovery order, which is by name."""
    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    for kind, (api, plural, namespaced) in sorted(
            KINDS.items(), key=lambda x: (x[1][0].rpartition("/")[0], x[1][1])):
        rows.append([plural, _SHORT.get(kind, ""), api, str(namespaced).lower(), kind])
    return kubectl_table(rows)


def dispatch(inv: Invocation, verb: str, flags: dict[str, str], pos: list[str]) -> Output:
    k = _k()
    if verb == "config":
        return Output(stdout=_config(inv, flags, pos))
    if verb == "edit":
        k._connect(inv)
        raise k.KubectlError("error: no editor is available in this terminal (EDITOR/KUBE_EDITOR"
                             " not usable here).\nChange the object with `kubectl patch "
                             "<type>/<name> -p '<json or yaml>'` (add --type=json or "
                             "--type=merge as needed), or save it with `kubectl get <type> "
                             "<name> -o yaml > x.yaml`, edit x.yaml with sed and run `kubectl "
                             "apply -f x.yaml`.")
    k._connect(inv)  # every verb below needs the API first, and fails the same way without it
    from app.providers.sim.shell.kubectl_nospace import check

    check(inv, verb, flags, pos)  # etcd's NOSPACE alarm: every write fails
    if verb == "describe":
        return Output(stdout=_describe(inv, flags, pos))
    if verb == "events":
        return Output(stdout=_events(inv, flags, pos))
    if verb == "create" and pos[:1] == ["secret"]:
        from app.providers.sim.shell.kubectl_create_secret import create_secret

        return Output(stdout=create_secret(inv, flags, pos[1:]))
    if verb == "create" and pos[:1] == ["job"]:
        from app.providers.sim.shell.kubectl_create_job import create_job

        return Output(stdout=create_job(inv, flags, pos[1:]))
    if verb == "create" and pos[:1] in (["namespace"], ["ns"], ["deployment"], ["deploy"]):
        from app.providers.sim.shell import kubectl_create_more as cm

        if pos[0] in ("namespace", "ns"):
            return Output(stdout=cm.create_namespace(inv, pos[1:]))
        return Output(stdout=cm.create_deployment(inv, flags, pos[1:]))
    if verb in ("apply", "create"):
        return Output(stdout=_apply(inv, flags, verb == "create"))
    if verb == "delete":
        return _delete_verb(inv, flags, pos)
    if verb == "replace":
        from app.providers.sim.shell.kubectl_replace import replace

        return Output(stdout=replace(inv, flags))
    if verb == "patch":
        # -p is --previous for logs but --patch here: split again with it taking a value.
        from app.providers.sim.shell.twin import split_flags

        flags, pos = split_flags(inv.args, k.VALUE_FLAGS | {"p"})
        return Output(stdout=_patch(inv, flags, pos[1:]))
    if verb == "scale":
        return Output(stdout=_scale(inv, flags, pos))
    if verb == "rollout":
        return _rollout(inv, flags, pos)
    if verb in ("label", "annotate"):
        return Output(stdout=_label(inv, flags, pos, "labels" if verb == "label"
                                    else "annotations"))
    if verb in ("cordon", "uncordon"):
        return Output(stdout=_cordon(inv, pos, verb == "cordon", verb))
    if verb == "drain":
        return _drain(inv, flags, pos)
    if verb == "top":
        raise k.KubectlError("error: Metrics API not available")
    if verb == "auth":
        if pos[:1] == ["can-i"]:  # RBAC from the store: kubectl_auth.py
            from app.providers.sim.shell.kubectl_auth import can_i

            return can_i(inv)
        if pos[:1] == ["whoami"]:  # kubectl_auth.py
            from app.providers.sim.shell.kubectl_auth import whoami

            return whoami(inv)
        if pos[:1] in (["whoami"], ["reconcile"]):  # real subcommands the twin lacks
            inv.session.unknown_commands.append(f"kubectl auth {pos[0]}")
            raise k.KubectlError(f'error: "kubectl auth {pos[0]}" is not simulated by this '
                                 "kubedrill twin yet")
        raise k.KubectlError(f'error: unknown command "{" ".join(pos[:1])}" for "kubectl auth"')
    if verb == "api-resources":
        return Output(stdout=_api_resources())
    if verb == "exec":
        from app.providers.sim.shell.crictl_exec import kubectl_exec_etcdctl

        out = kubectl_exec_etcdctl(inv, flags, pos)
        if out is not None:
            return out
    inv.session.unknown_commands.append(f"kubectl {verb}")
    if verb == "exec":
        raise k.KubectlError("error: kubectl exec is not simulated by this kubedrill twin: the "
                             "app containers have no shell here. Use kubectl logs/describe, or "
                             "curl the pod IP from a node.")
    raise k.KubectlError(f'error: "kubectl {verb}" is not simulated by this kubedrill twin yet; '
                         "use kubectl get/logs/describe, crictl, journalctl or the node's files")


_ = Conflict  # re-exported for callers that catch it
