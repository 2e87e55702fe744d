"""Moving between nodes and running commands under other commands (`ssh`, `docker exec`,
`sudo`, `timeout`, `watch`, `bash -c`), the node's identity (`hostname`, `whoami`, `id`,
`uname`) and the job-control builtins a web terminal has no use for.
Split out of builtins.py."""

from __future__ import annotations

import posixpath

from app.providers.sim.shell.builtins import UsageError, decode, executor, fail, getopt, read_path
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import VFSError


def _on_node(inv: Invocation, node: str, argv: list[str] | None, text: str | None) -> Output:
    """Run a command on another node (ssh host cmd, docker exec node cmd) and come back."""
    session = inv.session
    session.switch_node(node)
    try:
        if text is not None:
            return executor(inv).run_text(text, inv.stdin)
        return executor(inv).call(argv or [], inv.stdin)
    finally:
        session.hop_back()


@command("ssh")
def ssh(inv: Invocation) -> Output:
    try:
        opts, rest = getopt("ssh", inv.args, "46AaCfGgKkMNnqsTtVvXxYyB:b:c:D:E:e:F:I:i:J:L:l:m:"
                            "O:o:p:Q:R:S:W:w:", permute=False)
    except UsageError as exc:
        return Output("", exc.out.stderr.split("\n")[0] + "\n", 255)
    if not rest:
        return Output("", "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n"
                          "           [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n"
                          "           destination [command [argument ...]]\n", 255)
    host = rest[0].rsplit("@", 1)[-1]
    if host not in inv.session.host.node_names():
        from app.providers.sim.shell.dns import lookup_error

        return Output("", f"ssh: Could not resolve hostname {host}: "
                          f"{lookup_error(inv, host)}\n", 255)
    if not getattr(inv.session.host, "node_up", lambda _n: True)(host):
        return Output("", f"ssh: connect to host {host} port 22: No route to host\n", 255)
    if len(rest) > 1:
        return _on_node(inv, host, None, " ".join(rest[1:]))
    inv.session.switch_node(host, "ssh")
    return Output()


@command("docker")
def docker(inv: Invocation) -> Output:
    args = inv.args
    if not args or args[0] != "exec":
        if args and args[0] in ("-v", "--version", "version"):
            return Output("Docker version 24.0.7, build afdd53b\n")
        return Output("", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                          "Is the docker daemon running?\n", 1)
    try:
        opts, rest = getopt("docker exec", args[1:], "ditu:e:w:", {
            "interactive": ("i", False), "tty": ("t", False), "detach": ("d", False),
            "user": ("u", True), "env": ("e", True), "workdir": ("w", True),
            "privileged": ("privileged", False)}, permute=False)
    except UsageError as exc:
        return Output("", exc.out.stderr, 125)
    if len(rest) < 2:
        return Output("", "\"docker exec\" requires at least 2 arguments.\nSee 'docker exec "
                          "--help'.\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]"
                          "\n\nExecute a command in a running container\n", 1)
    node, cmd = rest[0], rest[1:]
    if node not in inv.session.host.node_names():
        return Output("", f"Error response from daemon: No such container: {node}\n", 1)
    keys = {k for k, _ in opts}
    if posixpath.basename(cmd[0]) in ("bash", "sh") and len(cmd) == 1:
        if "i" in keys and "t" in keys:
            inv.session.switch_node(node, "docker")
            return Output()
        return _on_node(inv, node, None, inv.stdin) if "i" in keys else Output()
    return _on_node(inv, node, cmd, None)


@command("sudo", "nohup", "nice", "time")
def passthrough(inv: Invocation) -> Output:
    args = list(inv.args)
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag in ("-u", "-g", "-n") and inv.argv[0] in ("sudo", "nice") and args:
            args.pop(0)
    if not args or (inv.argv[0] == "sudo" and args in (["su"], ["su", "-"], ["bash"])):
        if inv.argv[0] == "sudo" and (any(a in ("-i", "-s") for a in inv.args) or args):
            _nested_shell(inv)
            if "-i" in inv.args or args[-1:] == ["-"]:
                inv.session.cwd = "/root"
            return Output()
        return fail(inv.argv[0], "missing operand" if inv.argv[0] != "sudo" else
                    "a command is required")
    if inv.argv[0] == "nohup":
        out = executor(inv).call(args, inv.stdin)
        return Output.ordered([(2, "nohup: ignoring input\n"), *out.chunks()], out.exit_code)
    return executor(inv).call(args, inv.stdin)


@command("timeout")
def timeout(inv: Invocation) -> Output:
    try:
        _opts, rest = getopt("timeout", inv.args, "k:s:v", {"signal": ("s", True),
                             "kill-after": ("k", True), "preserve-status": ("p", False),
                             "foreground": ("f", False), "verbose": ("v", False)},
                             status=125, permute=False)
    except UsageError as exc:
        return exc.out
    if len(rest) < 2:
        return fail("timeout", "missing operand\nTry 'timeout --help' for more information.", 125)
    return executor(inv).call(rest[1:], inv.stdin)


@command("watch")
def watch(inv: Invocation) -> Output:
    args = list(inv.args)
    interval = "2.0"
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag in ("-n", "--interval") and args:
            interval = args.pop(0)
        elif flag.startswith("-n"):
            interval = flag[2:]
    if not args:
        return fail("watch", "no command specified\nUsage:\n watch [options] command", 1)
    text = " ".join(args)
    try:
        seconds = float(interval or 2)
    except ValueError:
        return fail("watch", f"failed to parse argument: '{interval}'")
    out = executor(inv).run_text(text)
    return Output(f"Every {seconds:.1f}s: {text}\n\n" + out.stdout, out.stderr, out.exit_code)


@command("bash", "sh")
def bash(inv: Invocation) -> Output:
    args = list(inv.args)
    while args and args[0].startswith(("-", "+")) and args[0] not in ("-c", "--"):
        args.pop(0)
    if args[:1] == ["--"]:
        args.pop(0)
    if args[:1] == ["-c"]:
        if len(args) < 2:
            return Output("", f"{inv.argv[0]}: -c: option requires an argument\n", 2)
        return executor(inv).run_text(args[1], inv.stdin, args[3:],
                                      args[2] if len(args) > 2 else inv.argv[0])
    if args:
        try:
            text = decode(read_path(inv.session, args[0]))
        except VFSError as exc:
            return Output("", f"{inv.argv[0]}: {args[0]}: {exc}\n", 127)
        return executor(inv).run_text(text, inv.stdin, args[1:], args[0])
    if inv.stdin:
        return executor(inv).run_text(inv.stdin, arg0=inv.argv[0])
    _nested_shell(inv)
    return Output()


def _nested_shell(inv: Invocation) -> None:
    """`bash`, `sudo -i`: a shell inside the shell, which `exit` leaves without logging out."""
    session = inv.session
    session.hops.append((session.node, session.cwd, "bash"))
    session.env["SHLVL"] = str(int(session.env.get("SHLVL", "1") or 1) + 1)


@command("hostname")
def hostname(inv: Invocation) -> Output:
    if any(a in ("-i", "-I", "--ip-address", "--all-ip-addresses") for a in inv.args):
        ip_of = getattr(inv.session.host, "node_ip", None)
        return Output((ip_of(inv.session.node) if ip_of else "127.0.1.1") + "\n")
    return Output(inv.session.node + "\n")


@command("whoami")
def whoami(inv: Invocation) -> Output:
    return Output("root\n")


@command("id")
def id_(inv: Invocation) -> Output:
    if any(a in ("-u", "-g", "-G") for a in inv.args):
        return Output("root\n" if "-n" in inv.args else "0\n")
    return Output("uid=0(root) gid=0(root) groups=0(root)\n")


# A kind node runs the Docker host's kernel (the nodes' kernelVersion, versions.KERNEL).
UNAME = {"s": "Linux", "r": "6.8.0-63-generic",
         "v": "#66-Ubuntu SMP PREEMPT_DYNAMIC Fri Jun 13 20:25:30 UTC 2025", "m": "x86_64",
         "p": "unknown", "i": "unknown", "o": "GNU/Linux"}


@command("uname")
def uname(inv: Invocation) -> Output:
    try:
        opts, _ = getopt("uname", inv.args, "asnrvmpio", {
            "all": ("a", False), "kernel-name": ("s", False), "nodename": ("n", False),
            "kernel-release": ("r", False), "machine": ("m", False)})
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts} or {"s"}
    info = UNAME | {"n": inv.session.node}
    order = "snrvmo" if "a" in keys else "".join(k for k in "snrvmpio" if k in keys)
    return Output(" ".join(info[k] for k in order) + "\n")


@command("wait", "jobs", "fg", "bg", "disown", "trap", "ulimit", "hash", "shopt", "complete",
         "times", "enable", "getopts")
def noop(inv: Invocation) -> Output:
    if inv.argv[0] == "ulimit":
        return Output("unlimited\n")
    if inv.argv[0] == "times":
        return Output("0m0.010s 0m0.004s\n0m0.120s 0m0.050s\n")
    if inv.argv[0] in ("fg", "bg"):
        return Output("", f"bash: {inv.argv[0]}: current: no such job\n", 1)
    return Output()


@command("umask")
def umask(inv: Invocation) -> Output:
    return Output("0022\n" if not inv.args else "")
