"""`ctr` (containerd 2.1.1's debug client) basics: version, namespaces, containers, images, tasks.

The Kubernetes objects live in containerd's `k8s.io` namespace; without `-n k8s.io` (or
CONTAINERD_NAMESPACE) ctr looks at `default`, which is empty on a kind node: the classic
surprise, kept. Containers are every container record the runtime keeps (pod sandboxes with
the pause image, running and exited containers); tasks are the running ones with the PIDs
`ps` shows. Layouts: containerd `cmd/ctr/commands/{containers,images,tasks,namespaces,
version}` (text/tabwriter, tab-terminated cells, so every column is padded).
"""

from __future__ import annotations

from app.providers.sim import versions
from app.providers.sim.runtime import image_id
from app.providers.sim.shell.proctable import processes
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import node_of
from app.providers.sim.tables import tabwrite

REVISION = "cb1076646aa3740577fafbf3d914198b7fe8e3f7"  # containerd v2.1.1 (`containerd --version`)
SOCKET = "/run/containerd/containerd.sock"
USAGE = ("NAME:\n   ctr - \n        __\n  _____/ /______\n / ___/ __/ ___/\n/ /__/ /_/ /\n"
         "\\___/\\__/_/\n\ncontainerd CLI\n\n\nUSAGE:\n   ctr [global options] command [command "
         "options]\n\nVERSION:\n   v2.1.1\n\nCOMMANDS:\n   containers, c, container    Manage "
         "containers\n   images, image, i            Manage images\n   namespaces, namespace, ns"
         "   Manage namespaces\n   tasks, t, task              Manage tasks\n   version         "
         "            Print the client and server versions\n\nGLOBAL OPTIONS:\n   --address "
         "value, -a value    Address for containerd's GRPC server (default: \"/run/containerd/"
         "containerd.sock\")\n   --namespace value, -n value  Namespace to use with commands "
         "(default: \"default\")\n")


def _table(rows: list[list[str]], minwidth: int, padding: int) -> str:
    """tabwriter with every cell tab-terminated: the last column is padded too."""
    return tabwrite([[*r, ""] for r in rows], minwidth=minwidth, padding=padding)


def _size(text: str) -> str:
    """crictl's decimal size (44.4MB) as ctr's binary one (42.3 MiB)."""
    units = {"kB": 1e3, "MB": 1e6, "GB": 1e9, "B": 1}
    for suffix, mult in units.items():
        if text.endswith(suffix):
            n = float(text[: -len(suffix)]) * mult
            break
    else:
        return text
    for unit, div in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if n >= div:
            return f"{n / div:.1f} {unit}"
    return f"{int(n)} B"


def _dial_error() -> Output:
    return Output("", f'ctr: failed to dial "{SOCKET}": connection error: desc = "transport: '
                      f'error while dialing: dial unix://{SOCKET}: connect: connection '
                      'refused"\n', 1)


@command("ctr")
def ctr(inv: Invocation) -> Output:
    args = list(inv.args)
    namespace = inv.env.get("CONTAINERD_NAMESPACE", "default")
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        name, eq, value = opt.lstrip("-").partition("=")
        if name in ("n", "namespace", "a", "address", "timeout", "connect-timeout"):
            if not eq:
                if not args:
                    return Output("", f"Incorrect Usage: flag needs an argument: {opt}\n\n"
                                      + USAGE, 1)
                value = args.pop(0)
            if name in ("n", "namespace"):
                namespace = value
        elif name in ("h", "help"):
            return Output(USAGE)
        elif name in ("v", "version"):
            return Output("ctr github.com/containerd/containerd/v2 v2.1.1\n")
        elif name == "debug":
            continue
        else:
            return Output("", f"Incorrect Usage: flag provided but not defined: -{name}\n\n"
                              + USAGE, 1)
    if not args:
        return Output(USAGE)
    verb, rest = args[0], args[1:]
    node = node_of(inv)
    up = node.powered and node.runtime.active and bool(
        node.services.get("containerd", {}).get("active"))
    if verb == "version":
        out = (f"Client:\n  Version:  v{versions.CONTAINERD}\n  Revision: {REVISION}\n"
               f"  Go version: {versions.GO}\n\n")
        if not up:
            return Output(out, _dial_error().stderr, 1)
        uuid = image_id(node.name)[7:]
        uuid = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:32]}"
        return Output(out + f"Server:\n  Version:  v{versions.CONTAINERD}\n  Revision: "
                            f"{REVISION}\n  UUID: {uuid}\n")
    groups = {"containers": "c", "container": "c", "c": "c", "images": "i", "image": "i",
              "i": "i", "tasks": "t", "task": "t", "t": "t", "namespaces": "ns",
              "namespace": "ns", "ns": "ns"}
    group = groups.get(verb)
    if group is None:
        return Output("", f"ctr: No help topic for '{verb}'\n", 1)
    sub = rest[0] if rest else ""
    if sub not in ("ls", "list"):
        if not sub:
            return Output("", f"ctr {verb}: a subcommand is required (try `ctr {verb} ls`)\n", 1)
        return Output("", f"ctr: No help topic for '{sub}'\n", 1)
    quiet = "-q" in rest or "--quiet" in rest
    if not up:
        return _dial_error()
    k8s = namespace == "k8s.io"
    if group == "ns":
        return Output("NAME\nk8s.io\n" if quiet else _table([["NAME", "LABELS"], ["k8s.io", ""]],
                                                           1, 1))
    if group == "c":
        rows = []
        if k8s:
            for sb in sorted(node.runtime.sandboxes.values(), key=lambda s: s.id):
                rows.append([sb.id, f"registry.k8s.io/pause:{versions.PAUSE}",
                             "io.containerd.runc.v2"])
            for c in sorted(node.runtime.containers.values(), key=lambda c: c.id):
                rows.append([c.id, c.image, "io.containerd.runc.v2"])
            rows.sort()
        if quiet:
            return Output("".join(r[0] + "\n" for r in rows))
        return Output(_table([["CONTAINER", "IMAGE", "RUNTIME"], *rows], 4, 4))
    if group == "t":
        rows = []
        if k8s:
            by_args = {}
            for p in processes(node):
                if p.container is not None:
                    by_args[p.container.id] = p.pid
            pause = {p.ppid: p.pid for p in processes(node) if p.comm == "pause"}
            shims = {p.args[p.args.index("-id") + 1]: p.pid for p in processes(node)
                     if p.comm.startswith("containerd-shim")}
            for sb_id, shim in shims.items():
                if shim in pause:
                    rows.append([sb_id, str(pause[shim]), "RUNNING"])
            rows += [[cid, str(pid), "RUNNING"] for cid, pid in by_args.items()]
            rows.sort()
        if quiet:
            return Output("".join(r[0] + "\n" for r in rows))
        # tasks.go: the header's cells are tab-terminated, a row's STATUS is not.
        return Output(tabwrite([["TASK", "PID", "STATUS", ""], *rows], minwidth=4, padding=4))
    from app.providers.sim.images import node_images

    rows = []
    if k8s:
        for ref, size in sorted(node_images(node).items()):
            digest = image_id("manifest/" + ref)
            labels = "io.cri-containerd.image=managed" + (
                ",io.cri-containerd.pinned=pinned" if "/pause:" in ref else "")
            rows.append([ref, "application/vnd.docker.distribution.manifest.v2+json", digest,
                         _size(size), "linux/amd64", labels])
            cfg = image_id(ref.replace("-amd64:", ":"))
            rows.append([cfg, "application/vnd.docker.distribution.manifest.v2+json", digest,
                         _size(size), "linux/amd64", labels])
        rows = sorted({r[0]: r for r in rows}.values())
    if quiet:
        return Output("".join(r[0] + "\n" for r in rows))
    return Output(_table([["REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"], *rows], 1, 1))
