"""Fake `kind`, `docker` and `kubectl` for the kind provider's tests, backed by the twin.

Each fake is a tiny executable (written by the `fake_bin` fixture, first on PATH) that calls
`main(tool, argv)` here. Every call is appended to `<state>/calls.jsonl` (argv, stdin size, the
environment's variable names that were added) and answered as the real tool answers, from a
twin (app.providers.sim) kept as JSON in `<state>/clusters/<name>.json`:
- `kind create cluster` makes a twin with the topology of `--config`, writes the kubeconfig;
  `kind get clusters|nodes|kubeconfig`, `kind delete cluster` as kind v0.29.0 prints them;
- `docker exec <node> bash -lc CMD` (and any other command) runs through the twin's shell on
  that node; `cat -- PATH`, the write script, `docker cp -`, `docker stop|start|restart`
  (power off, power on, reboot), `docker inspect`, `docker info`;
- node-level things the twin's shell does not model are answered from the twin's state:
  `crictl ps --name ^X$ --state Running -q`, etcd's :2381 `/health` and `/metrics`,
  `crictl exec <etcd> etcdctl get /registry/secrets/ --prefix -w json`, the cgroup files and
  `systemctl set-property` of disk.py (which set the twin's disk latency);
- `kubectl --kubeconfig K ...` runs the twin's kubectl on the first control plane.
Failures to inject (`<state>/failures.json`): `docker_down`, `not_ready` (the control plane's
kubelet never starts: `kind create --wait` prints kind's warning and exits 0), `create_hang`
(kind create sleeps), `no_io` (the io controller is not delegated).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import re
import shlex
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

DOCKER_DOWN = ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
               "Is the docker daemon running?")
CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc"


def state_dir() -> Path:
    return Path(os.environ["KD_FAKE_STATE"])


def failures() -> dict[str, Any]:
    p = state_dir() / "failures.json"
    return json.loads(p.read_text()) if p.exists() else {}


def record(tool: str, argv: list[str], stdin: bytes) -> None:
    base = set(json.loads(os.environ.get("KD_FAKE_BASE_ENV", "[]")))
    entry = {"tool": tool, "argv": argv, "stdin_bytes": len(stdin),
             "env_keys": sorted(k for k in os.environ if k not in base)}
    with open(state_dir() / "calls.jsonl", "a") as f:
        f.write(json.dumps(entry) + "\n")


@contextlib.contextmanager
def locked():
    with open(state_dir() / "lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def cluster_path(name: str) -> Path:
    return state_dir() / "clusters" / f"{name}.json"


def load(name: str) -> tuple[Any, dict[str, Any]]:
    from app.providers.sim.cluster import SimCluster

    raw = json.loads(cluster_path(name).read_text())
    return SimCluster.from_json(raw["twin"]), raw["meta"]


def save(cluster: Any, meta: dict[str, Any]) -> None:
    cluster_path(cluster.name).write_text(json.dumps({"twin": cluster.to_json(), "meta": meta}))


def names() -> list[str]:
    d = state_dir() / "clusters"
    return sorted(p.stem for p in d.glob("*.json")) if d.exists() else []


def find_node(node: str) -> str | None:
    for name in names():
        if node.startswith(f"{name}-"):
            return name
    return None


def out(text: str | bytes, stream: Any = None) -> None:
    stream = stream or sys.stdout
    data = text.encode() if isinstance(text, str) else text
    stream.buffer.write(data)
    stream.flush()


# --- kind ---------------------------------------------------------------------------------------

def flag(argv: list[str], name: str, default: str | None = None) -> str | None:
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def kubeconfig_for(cluster: Any, meta: dict[str, Any], internal: bool) -> str:
    data = cluster.node("control-plane").read_file("/etc/kubernetes/admin.conf").decode()
    server = (f"https://{cluster.name}-control-plane:6443" if internal
              else f"https://127.0.0.1:{meta['port']}")
    data = re.sub(r"server: \S+", f"server: {server}", data)
    # kind renames cluster, user and context to `kind-<name>` when it exports a kubeconfig
    n = cluster.name
    data = data.replace(f"kubernetes-admin@{n}", f"kind-{n}")
    data = re.sub(rf"(name|cluster): {re.escape(n)}\n", rf"\1: kind-{n}\n", data)
    return re.sub(r"(name|user): kubernetes-admin\n", rf"\1: kind-{n}\n", data)


def kind(argv: list[str], stdin: bytes) -> int:
    fails = failures()
    if argv[:1] == ["version"]:
        out("kind v0.29.0 go1.24.2 linux/amd64\n")
        return 0
    if fails.get("docker_down") and argv[:1] != ["version"]:
        out("ERROR: failed to list clusters: command \"docker ps -a --filter "
            "label=io.x-k8s.kind.cluster --format '{{.Label \"io.x-k8s.kind.cluster\"}}'\" "
            f"failed with error: exit status 1\n\nCommand Output: {DOCKER_DOWN}\n", sys.stderr)
        return 1
    if argv[:2] == ["create", "cluster"]:
        return kind_create(argv[2:], fails)
    if argv[:2] == ["get", "clusters"]:
        if not names():
            out("No kind clusters found.\n", sys.stderr)
        for n in names():
            out(n + "\n")
        return 0
    if argv[:2] == ["get", "nodes"]:
        name = flag(argv, "--name", "kind")
        if name not in names():
            out(f"No kind nodes found for cluster \"{name}\".\n", sys.stderr)
            return 0
        cluster, meta = load(name)
        nodes = [n.name for n in cluster.nodes]
        if sum(n.role == "control-plane" for n in cluster.nodes) > 1:
            nodes.append(f"{name}-external-load-balancer")
        for n in nodes:
            out(n + "\n")
        return 0
    if argv[:2] == ["get", "kubeconfig"]:
        name = flag(argv, "--name", "kind")
        if name not in names():
            out(f"ERROR: could not locate any control plane nodes for cluster named '{name}'. "
                "Use the --name option to select a different cluster\n", sys.stderr)
            return 1
        cluster, meta = load(name)
        out(kubeconfig_for(cluster, meta, "--internal" in argv))
        return 0
    if argv[:2] == ["delete", "cluster"]:
        name = flag(argv, "--name", "kind")
        out(f"Deleting cluster \"{name}\" ...\n", sys.stderr)
        if name in names():
            cluster, _ = load(name)
            out("Deleted nodes: " + json.dumps([n.name for n in cluster.nodes]).replace(
                ", ", " ") + "\n", sys.stderr)
            cluster_path(name).unlink()
        return 0
    out(f"ERROR: unknown command \"{' '.join(argv)}\" for \"kind\"\n", sys.stderr)
    return 1


def kind_create(argv: list[str], fails: dict[str, Any]) -> int:
    import yaml

    from app.providers.sim.cluster import create_cluster

    name = flag(argv, "--name", "kind")
    config = yaml.safe_load(Path(flag(argv, "--config")).read_text())
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4" and config["kind"] == "Cluster"
    roles = [n["role"] for n in config["nodes"]]
    out(f"Creating cluster \"{name}\" ...\n", sys.stderr)
    if name in names():
        out(f"ERROR: failed to create cluster: node(s) already exist for a cluster with the name "
            f"\"{name}\"\n", sys.stderr)
        return 1
    image = (flag(argv, "--image") or "").split("@")[0]
    steps = [f"Ensuring node image ({image}) 🖼", "Preparing nodes " + "📦 " * len(roles),
             "Writing configuration 📜", "Starting control-plane 🕹️", "Installing CNI 🔌",
             "Installing StorageClass 💾"]
    if roles.count("worker"):
        steps.append("Joining worker nodes 🚜")
    for s in steps:
        out(f" • {s.strip()}  ...\n", sys.stderr)
        if fails.get("create_hang") and s.startswith("Starting"):
            time.sleep(float(fails["create_hang"]))
        out(f" ✓ {s.strip()}\n", sys.stderr)
    cluster = create_cluster(name, roles.count("control-plane"), roles.count("worker"), age=30)
    meta = {"port": 40000 + len(names()), "config": config, "argv": argv, "io": {}}
    wait = flag(argv, "--wait")
    if fails.get("not_ready"):
        cp = cluster.node("control-plane")
        cluster.service_action(cp, "kubelet", "stop")
        cluster.clock.advance(60)
        cluster.sync()
    (state_dir() / "clusters").mkdir(exist_ok=True)
    save(cluster, meta)
    if wait:
        out(f" • Waiting ≤ {wait} for control-plane = Ready ⏳  ...\n", sys.stderr)
        if fails.get("not_ready"):
            out(f" ✗ Waiting ≤ {wait} for control-plane = Ready ⏳\n", sys.stderr)
            out(" • WARNING: Timed out waiting for Ready ⚠️\n", sys.stderr)
        else:
            out(f" ✓ Waiting ≤ {wait} for control-plane = Ready ⏳\n • Ready after 15s 💚\n",
                sys.stderr)
    kubeconfig = flag(argv, "--kubeconfig")
    if kubeconfig:
        Path(kubeconfig).write_text(kubeconfig_for(cluster, meta, False))
    out(f"Set kubectl context to \"kind-{name}\"\n", sys.stderr)
    return 0


# --- docker ---------------------------------------------------------------------------------

def docker(argv: list[str], stdin: bytes) -> int:
    if failures().get("docker_down"):
        out(DOCKER_DOWN + "\n", sys.stderr)
        return 1
    cmd, rest = argv[0], argv[1:]
    if cmd == "info":
        out("28.1.1\n")
        return 0
    if cmd in ("stop", "start", "restart", "inspect", "exec", "cp"):
        return docker_node_cmd(cmd, rest, stdin)
    out(f"docker: unknown command: docker {cmd}\n", sys.stderr)
    return 1


def parse_exec(rest: list[str]) -> tuple[dict[str, Any], str, list[str]]:
    opts: dict[str, Any] = {"env": {}, "i": False, "t": False, "w": None}
    i = 0
    while i < len(rest) and rest[i].startswith("-"):
        a = rest[i]
        if a in ("-e", "--env"):
            k, _, v = rest[i + 1].partition("=")
            opts["env"][k] = v
            i += 2
        elif a in ("-w", "--workdir"):
            opts["w"] = rest[i + 1]
            i += 2
        else:
            for ch in a.lstrip("-"):
                opts[ch] = True
            i += 1
    return opts, rest[i], rest[i + 1:]


def docker_node_cmd(cmd: str, rest: list[str], stdin: bytes) -> int:
    if cmd == "exec":
        opts, node, args = parse_exec(rest)
    elif cmd == "inspect":
        node, args, opts = rest[-1], rest[:-1], {}
    elif cmd == "cp":
        node, args, opts = rest[1].split(":", 1)[0], rest, {}
    else:
        node, args, opts = rest[-1], [], {}
    name = find_node(node)
    if cmd == "exec" and opts.get("t") and opts.get("i"):
        return interactive(name, node, opts)
    with locked():
        if name is None:
            what = "object" if cmd == "inspect" else "container"
            prefix = "Error" if cmd == "inspect" else "Error response from daemon"
            out(f"{prefix}: No such {what}: {node}\n", sys.stderr)
            return 1
        cluster, meta = load(name)
        cluster.sync()
        n = cluster.node(node)
        code = node_cmd(cluster, meta, n, cmd, args, opts, stdin)
        save(cluster, meta)
        return code


def node_cmd(cluster: Any, meta: dict[str, Any], n: Any, cmd: str, args: list[str],
             opts: dict[str, Any], stdin: bytes) -> int:
    if cmd == "inspect":
        out(("true" if n.powered else "false") + "\n")
        return 0
    if cmd == "stop":
        n.power_off()
        out(n.name + "\n")
        return 0
    if cmd == "start":
        n.power_on()
        out(n.name + "\n")
        return 0
    if cmd == "restart":
        n.reboot()
        out(n.name + "\n")
        return 0
    if cmd == "cp":
        dest = args[1].split(":", 1)[1]
        with tarfile.open(fileobj=io.BytesIO(stdin)) as tar:
            for m in tar.getmembers():
                if m.isfile():
                    data = tar.extractfile(m).read()  # type: ignore[union-attr]
                    n.write_file(f"{dest.rstrip('/')}/{m.name}", data, m.mode)
        return 0
    if not n.powered:
        out(f"Error response from daemon: container {'3f' * 32} is not running\n", sys.stderr)
        return 1
    return node_exec(cluster, meta, n, args, opts, stdin)


def node_exec(cluster: Any, meta: dict[str, Any], n: Any, args: list[str],
              opts: dict[str, Any], stdin: bytes) -> int:
    from app.providers.sim import etcd_cluster as ec

    fails = failures()
    if args[:2] == ["cat", "--"] or args == ["cat", "/sys/fs/cgroup/cgroup.controllers"]:
        path = args[-1]
        if path == "/sys/fs/cgroup/cgroup.controllers":
            out(CONTROLLERS.replace(" io", "") if fails.get("no_io") else CONTROLLERS)
            out("\n")
            return 0
        if path.startswith("/sys/fs/cgroup/") and path.endswith("/io.max"):
            iops = meta["io"].get(n.name)
            out(f"8:0 rbps=max wbps=max riops={iops} wiops={iops}\n" if iops else "")
            return 0
        try:
            out(n.read_file(path))
        except Exception:  # noqa: BLE001 - the twin's vfs raises its own errors
            out(f"cat: {path}: No such file or directory\n", sys.stderr)
            return 1
        return 0
    if args[:2] == ["sh", "-c"] and "mv -f" in args[2]:
        n.write_file(args[4], stdin, int(args[5], 8))
        return 0
    if args[:3] == ["systemctl", "set-property", "--runtime"]:
        m = re.search(r"IOWriteIOPSMax=\S+ (\d+)", " ".join(args))
        if m:
            meta["io"][n.name] = int(m.group(1))
            n.set_disk_latency("sda", 1000.0 / int(m.group(1)))
        else:
            meta["io"].pop(n.name, None)
            n.set_disk_latency("sda", 0.0)
        return 0
    if args[:2] == ["systemctl", "show"]:
        out("/kubelet.slice/kubelet-kubepods.slice\n")
        return 0
    if args[:2] == ["crictl", "ps"] and "--name" in args:
        program = flag(args, "--name").strip("^$")
        c = n.running_container(program)
        if c is not None:
            out(c.id + "\n")
        return 0
    if args[:2] == ["crictl", "exec"] and "etcdctl" in args:
        kvs = [{"key": base64.b64encode(k.encode()).decode(),
                "value": base64.b64encode(v).decode()}
               for k, v in ec.keyspace(cluster).items() if k.startswith("/registry/secrets/")]
        out(json.dumps({"header": {}, "kvs": kvs, "count": len(kvs)}) + "\n")
        return 0
    if args[:1] == ["curl"] and any("127.0.0.1:2381" in a for a in args):
        return etcd_http(cluster, n, args)
    line = args[2] if args[:2] == ["bash", "-lc"] else shlex.join(args)
    return shell(cluster, n.name, line, opts.get("env") or {})


def etcd_http(cluster: Any, n: Any, args: list[str]) -> int:
    from app.providers.sim import etcd_cluster as ec

    url = next(a for a in args if "127.0.0.1:2381" in a)
    if n.running_container("etcd") is None:
        out("", sys.stdout)
        return 7  # curl: (7) Failed to connect
    if url.endswith("/health"):
        err = cluster.etcd_reachable(n, "https://127.0.0.1:2379", cluster.t)
        alarms = (getattr(cluster, "etcd_state", None) or {}).get("alarms") or []
        reason = err or ("ALARM " + alarms[0]["alarm"] if alarms else "")
        out(json.dumps({"health": "false" if reason else "true", "reason": reason}))
        return 0
    ms = ec.disk_ms(n) * 2.4 or 2.0
    count = int(cluster.t) % 100000 + 1000
    lines = []
    for le in (0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024,
               2.048, 4.096, 8.192):
        lines.append(f'etcd_disk_wal_fsync_duration_seconds_bucket{{le="{le}"}} '
                     f"{count if ms / 1000 <= le else 0}")
    lines.append(f'etcd_disk_wal_fsync_duration_seconds_bucket{{le="+Inf"}} {count}')
    out("\n".join(lines) + "\n")
    return 0


def shell(cluster: Any, node: str, line: str, env: dict[str, str]) -> int:
    from app.providers.sim.shell.session import ShellSession
    from app.providers.sim.terminal import TwinHost

    session = ShellSession(TwinHost(cluster), node)
    for k, v in env.items():
        session.set_var(k, v, export=True)
    result = session.run(line)
    cluster.settle()
    out(result.stdout)
    out(result.stderr, sys.stderr)
    return result.exit_code


def interactive(name: str | None, node: str, opts: dict[str, Any]) -> int:
    """`docker exec -it <node> bash -l`: a prompt, one command per line, until `exit`."""
    from app.providers.sim.shell.session import ShellSession
    from app.providers.sim.terminal import TwinHost

    if name is None:
        out(f"Error response from daemon: No such container: {node}\n", sys.stderr)
        return 1
    with locked():
        cluster, meta = load(name)
        session = ShellSession(TwinHost(cluster), node)
        for k, v in (opts.get("env") or {}).items():
            session.set_var(k, v, export=True)
    out(session.prompt())
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        if line.strip() == "exit":
            return 0
        with locked():
            cluster, meta = load(name)
            cluster.sync()
            session.host = TwinHost(cluster)
            result = session.run(line)
            cluster.settle()
            save(cluster, meta)
        out(result.stdout)
        out(result.stderr)
        out(session.prompt())
    return 0


# --- kubectl --------------------------------------------------------------------------------

def kubectl(argv: list[str], stdin: bytes) -> int:
    if argv[:2] == ["version", "--client"]:
        out("Client Version: v1.33.1\nKustomize Version: v5.6.0\n")
        return 0
    kubeconfig = flag(argv, "--kubeconfig")
    args = list(argv)
    if kubeconfig:
        i = args.index("--kubeconfig")
        del args[i:i + 2]
    text = Path(kubeconfig).read_text() if kubeconfig else ""
    m = re.search(r"current-context: kind-(\S+)", text)
    name = m.group(1) if m else None
    with locked():
        if name not in names():
            port = re.search(r"server: https://[^:]+:(\d+)", text)
            out(f"The connection to the server 127.0.0.1:{port.group(1) if port else 6443} was "
                "refused - did you specify the right host or port?\n", sys.stderr)
            return 1
        cluster, meta = load(name)
        cluster.sync()
        cp = cluster.node("control-plane")
        if args[:2] == ["get", "--raw"]:  # the twin's kubectl has no --raw: /readyz here
            if cluster.api_error(None) is None:
                out("ok")
                return 0
            code = shell(cluster, cp.name, "kubectl get nodes >/dev/null",
                         {"KUBECONFIG": "/etc/kubernetes/admin.conf"})
            save(cluster, meta)
            return code
        if args[:3] == ["apply", "-f", "-"]:
            from app.providers.sim import images

            # The provider's apply: a kind cluster whose nodes can get these images (online,
            # or loaded by the host); the twin's own nodes are airgapped (images.py).
            images.load(cluster, images.manifest_images(stdin.decode("utf-8", "replace")))
            path = f"/tmp/.kubectl-apply-{os.getpid()}.yaml"
            cp.vfs.write(path, stdin, 0o600)
            line = f"kubectl apply -f {path}"
        else:
            line = shlex.join(["kubectl", *args])
        code = shell(cluster, cp.name, line, {"KUBECONFIG": "/etc/kubernetes/admin.conf"})
        save(cluster, meta)
        return code


def main(tool: str, argv: list[str]) -> int:
    stdin = b""
    interactive_tty = tool == "docker" and argv[:1] == ["exec"] and "-t" in argv
    if not interactive_tty and not sys.stdin.isatty():
        with contextlib.suppress(OSError, ValueError):
            stdin = sys.stdin.buffer.read()
    record(tool, argv, stdin)
    handler = {"kind": kind, "docker": docker, "kubectl": kubectl}[tool]
    return handler(argv, stdin)
