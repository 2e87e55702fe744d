"""KindProvider: create, attach, list and delete kind clusters named `<prefix>...`.

Commands (kind v0.29.0, `kind <cmd> --help` and kind's `pkg/cmd/kind/...` sources):
- `kind create cluster --name N --config FILE --image IMAGE --wait 5m0s --kubeconfig FILE`.
  kind logs its steps on stderr (" ✓ Preparing nodes 📦", "Starting control-plane 🕹️", ...)
  which we relay as progress. `--wait` does NOT fail the command when the control plane is not
  Ready in time: kind prints " • WARNING: Timed out waiting for Ready ⚠️" and exits 0
  (`pkg/cluster/internal/create/actions/waitforready/waitforready.go`). We treat that warning
  as a failure, delete the half-made cluster and raise. Other failures print
  "ERROR: failed to create cluster: ..." and exit 1; kind deletes the nodes itself then.
- `kind get nodes --name N` (node container names, one per line on stdout);
  `kind get clusters` (names on stdout; "No kind clusters found." on stderr);
  `kind get kubeconfig --name N [--internal]` (`--internal` points at the control plane's
  address on the `kind` Docker network, for a server that runs in a container on that network);
  `kind delete cluster --name N --kubeconfig FILE` (deleting a cluster that does not exist is
  not an error: kind finds no nodes and returns).
- `docker info` answers only when the daemon is reachable (docs.docker.com `docker info`).
- `kubectl version --client` needs no cluster.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from app.providers.base import ProviderError
from app.providers.kind.cluster import KindCluster
from app.providers.kind.config import NODE_IMAGE, PREFIX, check_cluster_name, cluster_config
from app.providers.kind.tools import BIN_SETTINGS, Tools, check_argv, docker_down, run

WAIT = "5m0s"
WAIT_WARNING = "Timed out waiting for Ready"
# kind's status lines -> what the trainee's page says
STEPS = [
    ("Ensuring node image", "pulling the node image"),
    ("Preparing nodes", "creating nodes"),
    ("Writing configuration", "writing the kubeadm configuration"),
    ("Starting control-plane", "waiting for the control plane"),
    ("Installing CNI", "installing the pod network"),
    ("Installing StorageClass", "installing storage"),
    ("Joining more control-plane nodes", "joining control-plane nodes"),
    ("Joining worker nodes", "joining worker nodes"),
    ("Waiting ≤", "waiting for the control plane to be Ready"),
]


def _role(node: str, cluster: str) -> str | None:
    rest = node[len(cluster) + 1:] if node.startswith(f"{cluster}-") else ""
    if re.fullmatch(r"control-plane\d*", rest):
        return "control-plane"
    if re.fullmatch(r"worker\d*", rest):
        return "worker"
    return None  # external-load-balancer and anything else


def _order(node: str) -> tuple[int, int]:
    m = re.search(r"(control-plane|worker)(\d*)$", node)
    if not m:
        return (2, 0)
    return (0 if m.group(1) == "control-plane" else 1, int(m.group(2) or 1))


class KindProvider:
    name = "kind"

    def __init__(self, tools: Tools, workdir: Path, *, prefix: str = PREFIX,
                 node_image: str = NODE_IMAGE, internal_kubeconfig: bool = False,
                 create_timeout_s: float = 600) -> None:
        self.tools = tools
        self.workdir = Path(workdir)
        self.prefix = prefix
        self.node_image = node_image
        self.internal_kubeconfig = internal_kubeconfig
        self.create_timeout_s = create_timeout_s

    # --- start-up -----------------------------------------------------------------------------

    def check(self) -> None:
        """Every binary runs and Docker answers; else a ProviderError that says what to do."""
        run([self.tools.kind, "version"], timeout=30)
        run([self.tools.kubectl, "version", "--client"], timeout=30)
        run([self.tools.docker, "info", "--format", "{{.ServerVersion}}"], timeout=30)
        self.workdir.mkdir(parents=True, exist_ok=True)

    # --- clusters -----------------------------------------------------------------------------

    def kubeconfig_path(self, name: str) -> Path:
        return self.workdir / f"{name}.kubeconfig"

    def create(self, name: str, *, control_planes: int, workers: int,
               progress: Callable[[str], None] = lambda s: None) -> KindCluster:
        check_cluster_name(name, self.prefix)
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / f"{name}.kind.yaml"
        config.write_text(cluster_config(control_planes, workers, node_image=self.node_image))
        kubeconfig = self.kubeconfig_path(name)
        argv = [self.tools.kind, "create", "cluster", "--name", name, "--config", str(config),
                "--image", self.node_image, "--wait", WAIT, "--kubeconfig", str(kubeconfig)]
        progress(f"creating cluster: {control_planes + workers} nodes")
        started = time.monotonic()
        stderr = self._stream(argv, progress, self.create_timeout_s)
        if WAIT_WARNING in stderr:
            self._delete_quietly(name)
            raise ProviderError(f"the control plane of {name} did not become Ready within "
                                f"{WAIT}; the cluster was deleted", command=argv, exit_code=0,
                                stderr=stderr)
        if self.internal_kubeconfig:
            self._write_kubeconfig(name, internal=True)
        cluster = self.attach(name)
        progress("waiting for the nodes to be Ready")
        deadline = started + self.create_timeout_s
        while not self.healthy(name):
            if time.monotonic() > deadline:
                self._delete_quietly(name)
                raise ProviderError(f"the nodes of {name} were not all Ready within "
                                    f"{self.create_timeout_s:g}s; the cluster was deleted")
            time.sleep(2)
        progress("cluster ready")
        return cluster

    def _stream(self, argv: list[str], progress: Callable[[str], None], timeout: float) -> str:
        """Run `kind create`, relaying its status lines; the whole stderr."""
        check_argv(argv)
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise ProviderError(f"kind not found on PATH (set {BIN_SETTINGS['kind']})",
                                command=argv) from None
        deadline = time.monotonic() + timeout
        err = bytearray()
        out = bytearray()
        pending = b""
        streams = {proc.stderr.fileno(): "err", proc.stdout.fileno(): "out"}
        open_fds = set(streams)
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                raise ProviderError(f"timed out after {timeout:g}s", command=argv,
                                    stderr=err.decode(errors="replace"))
            ready, _, _ = select.select(list(open_fds), [], [], min(left, 1.0))
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    open_fds.discard(fd)
                    continue
                if streams[fd] == "out":
                    out += chunk
                    continue
                err += chunk
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self._relay(line.decode(errors="replace"), progress)
        code = proc.wait()
        text = err.decode(errors="replace")
        if code != 0:
            if docker_down(text):
                raise ProviderError("Docker not reachable: is the Docker daemon running?",
                                    command=argv, exit_code=code, stderr=text)
            raise ProviderError("kind create cluster failed", command=argv, exit_code=code,
                                stderr=text)
        return text

    @staticmethod
    def _relay(line: str, progress: Callable[[str], None]) -> None:
        for marker, message in STEPS:
            if marker in line and "✓" not in line and "✗" not in line:
                progress(message)
                return

    def attach(self, name: str) -> KindCluster:
        check_cluster_name(name, self.prefix)
        proc = run([self.tools.kind, "get", "nodes", "--name", name], timeout=60)
        names = sorted((n for n in proc.stdout.decode().split() if _role(n, name)), key=_order)
        if not names:
            raise ProviderError(f"no kind cluster named {name}",
                                command=[self.tools.kind, "get", "nodes", "--name", name],
                                stderr=proc.stderr.decode(errors="replace"))
        kubeconfig = self.kubeconfig_path(name)
        if not kubeconfig.exists():
            self._write_kubeconfig(name, internal=self.internal_kubeconfig)
        return KindCluster(name, self.tools, kubeconfig,
                           [(n, _role(n, name) or "worker") for n in names],
                           on_destroy=self.delete)

    def _write_kubeconfig(self, name: str, *, internal: bool) -> None:
        argv = [self.tools.kind, "get", "kubeconfig", "--name", name]
        if internal:
            argv.append("--internal")
        data = run(argv, timeout=60).stdout
        path = self.kubeconfig_path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    def clusters(self) -> list[str]:
        proc = run([self.tools.kind, "get", "clusters"], timeout=60)
        return [n for n in proc.stdout.decode().split() if n.startswith(self.prefix)]

    def delete(self, name: str) -> None:
        check_cluster_name(name, self.prefix)
        kubeconfig = self.kubeconfig_path(name)
        run([self.tools.kind, "delete", "cluster", "--name", name, "--kubeconfig",
             str(kubeconfig)], timeout=300)
        for path in (kubeconfig, self.workdir / f"{name}.kind.yaml"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def _delete_quietly(self, name: str) -> None:
        with contextlib.suppress(ProviderError):
            self.delete(name)

    def healthy(self, name: str) -> bool:
        """Every node Ready and every kube-system pod Running and Ready (warm-pool check)."""
        try:
            check_cluster_name(name, self.prefix)
            kubeconfig = self.kubeconfig_path(name)
            if not kubeconfig.exists():
                self._write_kubeconfig(name, internal=self.internal_kubeconfig)
            base = [self.tools.kubectl, "--kubeconfig", str(kubeconfig), "get"]
            nodes = json.loads(run([*base, "nodes", "-o", "json"], timeout=30).stdout)["items"]
            pods = json.loads(run([*base, "pods", "-n", "kube-system", "-o", "json"],
                                  timeout=30).stdout)["items"]
        except (ProviderError, ValueError, KeyError):
            return False

        def ready(o: dict) -> bool:
            return any(c.get("type") == "Ready" and c.get("status") == "True"
                       for c in (o.get("status") or {}).get("conditions") or [])

        return (bool(nodes) and all(ready(n) for n in nodes) and bool(pods)
                and all((p.get("status") or {}).get("phase") == "Running" and ready(p)
                        for p in pods))
