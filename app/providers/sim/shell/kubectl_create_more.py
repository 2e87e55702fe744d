"""`kubectl create namespace NAME` and `kubectl create deployment NAME --image=IMG`.

Objects and messages as k8s.io/kubectl `pkg/cmd/create/create_namespace.go` and
`create_deployment.go` (v1.33) build them: labels `app: NAME`, one container per --image
named after the image's last path element without tag or digest.
"""

from __future__ import annotations

from app.providers.sim.shell.registry import Invocation
from app.providers.sim.shell.twin import cluster_of


def _image_name(image: str) -> str:
    """create_deployment.go buildPodSpec: keep the last path element, drop `:tag` / `@digest`."""
    return image.split("/")[-1].split(":")[0].split("@")[0]


def create_namespace(inv: Invocation, pos: list[str]) -> str:
    from app.providers.sim.shell import kubectl_more as more

    k = more._k()
    if len(pos) != 1:
        raise k.KubectlError(f"error: exactly one NAME is required, got {len(pos)}\nSee "
                             "'kubectl create namespace -h' for help and examples")
    cluster = cluster_of(inv)
    existing = cluster.store.find("Namespace", pos[0], "")
    if existing is not None:
        # the registry's Create: an object still being deleted says so
        being = "object is being deleted: " if existing["metadata"].get("deletionTimestamp") \
            else ""
        raise k.KubectlError(f'Error from server (AlreadyExists): {being}namespaces "{pos[0]}" '
                             'already exists')
    from app.providers.sim import nslifecycle

    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": pos[0]}, "spec": {}}
    nslifecycle.prepare_create(ns)
    cluster.store.create(ns, cluster.t)
    cluster.settle()
    return f"namespace/{pos[0]} created\n"


def create_deployment(inv: Invocation, flags: dict[str, str], pos: list[str]) -> str:
    from app.providers.sim.shell import kubectl_more as more

    k = more._k()
    images = [a.split("=", 1)[1] for a in inv.args if a.startswith("--image=")]
    images += [inv.args[i + 1] for i, a in enumerate(inv.args)
               if a == "--image" and i + 1 < len(inv.args)]
    names = [p for p in pos if p not in images]
    if len(names) != 1:
        raise k.KubectlError(f"error: exactly one NAME is required, got {len(names)}\nSee "
                             "'kubectl create deployment -h' for help and examples")
    if not images:
        raise k.KubectlError('error: required flag(s) "image" not set')
    name, ns = names[0], more._ns(flags)
    try:
        replicas = int(flags.get("replicas") or 1)
    except ValueError:
        raise k.KubectlError(f'error: invalid argument "{flags["replicas"]}" for "-r, '
                             '--replicas" flag: strconv.ParseInt: parsing '
                             f'"{flags["replicas"]}": invalid syntax') from None
    cluster = cluster_of(inv)
    if cluster.store.find("Deployment", name, ns) is not None:
        raise k.KubectlError(f'error: failed to create deployment: deployments.apps "{name}" '
                             'already exists')
    from app.providers.sim import nslifecycle

    try:
        nslifecycle.admit_create(cluster.store, "Deployment", name, ns)
    except nslifecycle.Forbidden as err:
        raise k.KubectlError(f"error: failed to create deployment: {err}") from None
    labels = {"app": name}
    containers = [{"name": _image_name(img), "image": img} for img in images]
    cluster.store.create({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"containers": containers}}},
    }, cluster.t)
    cluster.settle()
    return f"deployment.apps/{name} created\n"
