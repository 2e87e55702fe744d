"""`crictl` against the node's containerd (cri-tools v1.33 `cmd/crictl/container.go`, `sandbox.go`).

Tables print through Go's tabwriter with minwidth 20 and padding 3, newest first, with
13-character ids, as in shared/reference/kind-node-files.md §6.4.
"""

from __future__ import annotations

import json

from app.providers.sim.clock import docker_human, rfc3339
from app.providers.sim.runtime import Container, image_id
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, node_of, split_flags
from app.providers.sim.tables import crictl_table

VALUE_FLAGS = {"name", "pod", "p", "state", "s", "tail", "label", "namespace", "o", "output",
               "image", "id", "template", "seconds", "creds", "auth", "username",
               "pod-config", "annotation", "pull-timeout"}  # the last six: crictl pull

STATE = {"running": "Running", "exited": "Exited", "created": "Created"}


def _fatal(msg: str) -> Output:
    # logrus' text formatter on a terminal: level and seconds since start.
    return Output(stderr=f"FATA[0000] {msg}\n", exit_code=1)


def _ps(inv: Invocation, flags: dict[str, str]) -> Output:
    node = node_of(inv)
    now = node.cluster.t
    show_all = "a" in flags or "all" in flags
    items = [c for c in node.runtime.containers.values()
             if c.created <= now and (show_all or c.running())]
    if "name" in flags:
        import re

        try:
            pattern = re.compile(flags["name"])
        except re.error:
            return _fatal(f"listing containers: invalid regexp {flags['name']!r}")
        items = [c for c in items if pattern.search(c.name)]
    if "pod" in flags or "p" in flags:
        prefix = flags.get("pod") or flags.get("p") or ""
        items = [c for c in items if c.sandbox_id.startswith(prefix)]
    state = (flags.get("state") or flags.get("s") or "").lower()
    if state:
        items = [c for c in items if c.state == state or STATE.get(c.state, "").lower() == state
                 or (state == "container_exited" and c.state == "exited")
                 or (state == "container_running" and c.state == "running")]
    items.sort(key=lambda c: c.created, reverse=True)
    if "q" in flags or "quiet" in flags:
        return Output(stdout="".join(c.id + "\n" for c in items))
    if flags.get("o") in ("json", "yaml") or flags.get("output") in ("json", "yaml"):
        return Output(stdout=json.dumps({"containers": [_container_json(c) for c in items]},
                                        indent=2) + "\n")
    rows = [["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD",
             "NAMESPACE"]]
    for c in items:
        rows.append([c.id[:13], image_id(c.image)[7:20], f"{docker_human(now - c.created)} ago",
                     STATE.get(c.state, "Unknown"), c.name, str(c.attempt), c.sandbox_id[:13],
                     c.pod_name, c.namespace])
    return Output(stdout=crictl_table(rows))


def _pods(inv: Invocation, flags: dict[str, str]) -> Output:
    node = node_of(inv)
    now = node.cluster.t
    items = sorted(node.runtime.sandboxes.values(), key=lambda s: s.created, reverse=True)
    if "name" in flags:
        items = [s for s in items if flags["name"] in s.name]
    if "q" in flags or "quiet" in flags:
        return Output(stdout="".join(s.id + "\n" for s in items))
    rows = [["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"]]
    for s in items:
        rows.append([s.id[:13], f"{docker_human(now - s.created)} ago",
                     "Ready" if s.state == "ready" else "NotReady", s.name, s.namespace,
                     str(s.attempt), "(default)"])
    return Output(stdout=crictl_table(rows))


def _find(inv: Invocation, ref: str) -> Container | None:
    node = node_of(inv)
    matches = [c for c in node.runtime.containers.values() if c.id.startswith(ref)]
    return matches[0] if len(matches) == 1 else None


def _logs(inv: Invocation, flags: dict[str, str], pos: list[str]) -> Output:
    if not pos:
        return _fatal("ID cannot be empty")
    c = _find(inv, pos[0])
    if c is None:
        return _fatal(f'rpc error: code = NotFound desc = an error occurred when try to find '
                      f'container "{pos[0]}": not found')
    now = node_of(inv).cluster.t
    lines = [(stream, text) for t, stream, text in c.logs if t <= now]
    if "tail" in flags:
        try:
            n = int(flags["tail"])
        except ValueError:
            return _fatal(f'invalid value "{flags["tail"]}" for flag -tail: parse error')
        if n >= 0:
            lines = lines[-n:] if n else []
    out = "".join(text + "\n" for stream, text in lines if stream == "stdout")
    err = "".join(text + "\n" for stream, text in lines if stream == "stderr")
    return Output(stdout=out, stderr=err)


def _container_json(c: Container) -> dict:
    return {"id": c.id, "podSandboxId": c.sandbox_id,
            "metadata": {"name": c.name, "attempt": c.attempt},
            "image": {"image": c.image}, "imageRef": image_id(c.image),
            "state": f"CONTAINER_{c.state.upper()}", "createdAt": str(int(c.created * 1e9)),
            "labels": {"io.kubernetes.container.name": c.name,
                       "io.kubernetes.pod.name": c.pod_name,
                       "io.kubernetes.pod.namespace": c.namespace,
                       "io.kubernetes.pod.uid": c.pod_uid}}


def _inspect(inv: Invocation, pos: list[str]) -> Output:
    if not pos:
        return _fatal("ID cannot be empty")
    c = _find(inv, pos[0])
    if c is None:
        return _fatal(f'getting the status of the container "{pos[0]}": rpc error: code = '
                      f'NotFound desc = an error occurred when try to find container '
                      f'"{pos[0]}": not found')
    status = {
        "id": c.id, "metadata": {"attempt": c.attempt, "name": c.name},
        "state": f"CONTAINER_{c.state.upper()}",
        "createdAt": rfc3339(c.created), "startedAt": rfc3339(c.started or c.created),
        "finishedAt": rfc3339(c.finished) if c.finished else "0001-01-01T00:00:00Z",
        "exitCode": c.exit_code or 0, "image": {"image": c.image},
        "imageRef": image_id(c.image), "reason": c.reason, "message": "",
        "labels": _container_json(c)["labels"],
        "logPath": f"/var/log/pods/{c.namespace}_{c.pod_name}_{c.pod_uid}/{c.name}/"
                   f"{c.attempt}.log",
    }
    info = {"config": {"args": c.command}, "pid": 0 if not c.running() else 1000 + c.attempt,
            "sandboxID": c.sandbox_id}
    from app.providers.sim.shell.crictl_more import go_json

    # util.go outputStatusData re-marshals status and info as Go maps: every key sorted.
    return Output(stdout=go_json({"status": status, "info": info}, indent=2) + "\n")


def _stop(inv: Invocation, pos: list[str]) -> Output:
    """`crictl stop ID...`: containerd's StopContainer with crictl's default timeout of 0, i.e.
    SIGKILL at once (exit 137); the kubelet then restarts the container as after any exit."""
    if not pos:
        return _fatal("ID cannot be empty")
    out = ""
    for ref in pos:
        c = _find(inv, ref)
        if c is None:
            return Output(stdout=out, stderr=f'FATA[0000] stopping the container "{ref}": rpc '
                          f'error: code = NotFound desc = an error occurred when try to find '
                          f'container "{ref}": not found\n', exit_code=1)
        if c.running():  # the process dies now; the kubelet's next sync sees the exit
            c.exit_at, c.planned_exit_code, c.planned_reason = cluster_of(inv).t, 137, "Error"
            c.notes["cri_stop"] = [cluster_of(inv).t, 0]  # containerd's journal (StopContainer)
        out += f"{ref}\n"
    return Output(stdout=out)


def _images(inv: Invocation) -> Output:
    from app.providers.sim.images import listed_id, node_images

    node = node_of(inv)
    rows = [["IMAGE", "TAG", "IMAGE ID", "SIZE"]]
    for ref, size in sorted(node_images(node).items()):
        repo, _, tag = ref.rpartition(":")
        rows.append([repo, tag, listed_id(ref)[7:20], size])
    from app.providers.sim.tables import tabwrite

    return Output(stdout=tabwrite(rows, minwidth=20, padding=3))


@command("crictl")
def crictl(inv: Invocation) -> Output:
    flags, pos = split_flags(inv.args, VALUE_FLAGS)
    if not pos and ("version" in flags or "v" in flags):
        from app.providers.sim import versions

        return Output(stdout=f"crictl version {versions.CRICTL}\n")  # urfave/cli --version
    if not pos:
        return Output(stdout="NAME:\n   crictl - client for CRI\n\nUSAGE:\n   crictl [global "
                             "options] command [command options]\n")
    verb, rest = pos[0], pos[1:]
    if not node_of(inv).runtime.active:
        return _fatal('validate service connection: validate CRI v1 runtime API for endpoint '
                      '"unix:///run/containerd/containerd.sock": rpc error: code = Unavailable '
                      'desc = connection error: desc = "transport: Error while dialing: dial unix '
                      '/run/containerd/containerd.sock: connect: connection refused"')
    if verb == "ps":
        return _ps(inv, flags)
    if verb == "pods":
        return _pods(inv, flags)
    if verb == "logs":
        return _logs(inv, flags, rest)
    if verb == "inspect":
        return _inspect(inv, rest)
    if verb in ("images", "img"):
        return _images(inv)
    if verb == "stop":
        return _stop(inv, rest)
    if verb in ("rm", "rmp", "stopp", "inspectp", "stats", "statsp", "version"):  # crictl_more
        from app.providers.sim.shell import crictl_more

        return getattr(crictl_more, verb)(inv, flags, rest)
    if verb == "pull":  # crictl_pull.py: nothing can be pulled on an airgapped node
        from app.providers.sim.shell.crictl_pull import pull

        return pull(inv, flags, rest)
    if verb == "info":  # crictl_info.py
        from app.providers.sim.shell.crictl_info import info

        return info(inv, flags, rest)
    if verb == "exec":
        from app.providers.sim.shell.crictl_exec import crictl_exec

        return crictl_exec(inv, inv.args[inv.args.index("exec") + 1:])
    if verb in REAL_VERBS:  # crictl has it; the twin does not model it
        inv.session.unknown_commands.append(f"crictl {verb}")
        return _fatal(f'"crictl {verb}" is not simulated by this kubedrill twin yet; use crictl '
                      "ps/pods/logs/inspect/stats")
    return Output(stderr=f"No help topic for '{verb}'\n", exit_code=3)


# cri-tools v1.33 commands the twin does not model (not "No help topic" to crictl)
REAL_VERBS = {"attach", "create", "inspecti", "imagefsinfo", "port-forward", "run",
              "runp", "rmi", "start", "update", "config", "checkpoint", "events",
              "update-runtime-config", "completion", "metricsp"}
