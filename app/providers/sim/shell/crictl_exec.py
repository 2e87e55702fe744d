"""`crictl exec [-i] [-t] [-s] ID CMD...`: the one exec an SRE needs on a kind node.

kind nodes ship no etcdctl; the documented way is `crictl exec -it <etcd container> etcdctl
...` (the etcd image carries etcdctl and etcdutl). etcd runs with hostNetwork and the pki
mounted at the same paths, so running the twin's etcdctl on the node is what the container
would see. Any other program in any container is not modelled: say so rather than pretend.
"""

from __future__ import annotations

from app.providers.sim.shell.builtins import executor
from app.providers.sim.shell.registry import Invocation, Output

BOOL_FLAGS = {"-i", "-t", "-it", "-ti", "-s", "--interactive", "--tty", "--sync"}
VALUE_FLAGS = {"--timeout", "-e", "--env"}
ETCD_TOOLS = ("etcdctl", "etcdutl")


def crictl_exec(inv: Invocation, args: list[str]) -> Output:
    from app.providers.sim.shell.crictl import _fatal, _find

    words = list(args)
    while words and words[0].startswith("-"):
        flag = words.pop(0)
        if flag in VALUE_FLAGS and words:
            words.pop(0)
    if len(words) < 2:
        return Output(stderr="crictl exec: a container ID and a command are required "
                             "(crictl exec -it ID CMD...)\n", exit_code=1)
    ref, cmd = words[0], words[1:]
    c = _find(inv, ref)
    if c is None:
        return _fatal(f'rpc error: code = NotFound desc = an error occurred when try to find '
                      f'container "{ref}": not found')
    if not c.running():
        # containerd CRI execInternal refuses non-running containers (wording unconfirmed)
        return _fatal("execing command in container: rpc error: code = Unknown desc = failed to "
                      "exec in container: container is in CONTAINER_EXITED state")
    program = cmd[0].rsplit("/", 1)[-1]
    if "etcd" in c.image and program == "etcdctl":
        return executor(inv).call(["etcdctl", *cmd[1:]], inv.stdin)
    inv.session.unknown_commands.append(f"crictl exec {program}")
    return Output(stderr=f'crictl exec: running "{program}" inside a container is not simulated '
                         "by this kubedrill twin; only etcdctl in the etcd container is. Use "
                         "crictl logs/inspect, or the node's own tools.\n", exit_code=1)


def kubectl_exec_etcdctl(inv: Invocation, flags: dict[str, str], pos: list[str]
                         ) -> Output | None:
    """`kubectl -n kube-system exec etcd-NODE -- etcdctl ...` (the kubeadm docs' way): the
    twin's etcdctl, when the etcd pod runs on the node this shell is on. None: not modelled."""
    from app.providers.sim.shell.kubectl import _namespace
    from app.providers.sim.shell.twin import cluster_of

    if "--" not in inv.args or not pos:
        return None
    cmd = inv.args[inv.args.index("--") + 1:]
    name = pos[0].split("/", 1)[-1]
    pod = cluster_of(inv).store.find("Pod", name, _namespace(flags))
    if pod is None:
        return Output(stderr=f'Error from server (NotFound): pods "{name}" not found\n',
                      exit_code=1)
    if not cmd or cmd[0].rsplit("/", 1)[-1] != "etcdctl":
        return None
    images = [c.get("image", "") for c in pod["spec"].get("containers") or []]
    if not any("etcd" in i for i in images) or pod["spec"].get("nodeName") != inv.session.node:
        return None
    return executor(inv).call(["etcdctl", *cmd[1:]], inv.stdin)
