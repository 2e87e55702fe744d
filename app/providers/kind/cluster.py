"""A kind cluster behind the `Cluster` protocol: its nodes (Docker containers), its own
kubeconfig (written by `kind create cluster --kubeconfig`, or `kind get kubeconfig`), probes,
`kubectl apply` and real terminals.

Scenarios name nodes as the twin does (`control-plane`, `worker`, `kind-control-plane2`,
`kind-worker`): `node()` maps them onto `<cluster>-control-plane2`, `<cluster>-worker`..., the
names kind gives its node containers (kind `pkg/cluster/internal/create/actions/config`, the
same rule as the twin's `plan_nodes`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from app.providers.base import Check, ProbeResult, ProviderError
from app.providers.kind.node import ADMIN_CONF, KindNode
from app.providers.kind.tools import Tools, check_name, run

TWIN_NAME = "kind"  # the cluster name scenarios were written against


class KindCluster:
    def __init__(self, name: str, tools: Tools, kubeconfig: Path,
                 nodes: list[tuple[str, str]], *, on_destroy=None,  # noqa: ANN001
                 fsync_window_s: float = 5.0) -> None:
        self.name = check_name(name, "cluster name")
        self.tools = tools
        self.kubeconfig = Path(kubeconfig)
        self.nodes: list[KindNode] = [KindNode(self, n, role) for n, role in nodes]
        self._on_destroy = on_destroy
        self.fsync_window_s = fsync_window_s

    def __repr__(self) -> str:
        return f"KindCluster({self.name!r}, nodes={[n.name for n in self.nodes]})"

    # --- the Cluster protocol --------------------------------------------------------------

    def node(self, name_or_role: str) -> KindNode:
        for n in self.nodes:
            if n.name == name_or_role:
                return n
        by_role = [n for n in self.nodes if n.role == name_or_role]
        if by_role:
            return by_role[0]
        suffix = name_or_role
        if suffix.startswith(f"{TWIN_NAME}-"):
            suffix = suffix[len(TWIN_NAME) + 1:]
        for n in self.nodes:
            if n.name == f"{self.name}-{suffix}":
                return n
        raise ProviderError(f"no node {name_or_role!r} in cluster {self.name}")

    def default_node(self) -> KindNode:
        return self.node("control-plane")

    def kubectl(self, args: list[str], *, input: bytes | None = None,  # noqa: A002
                timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return run([self.tools.kubectl, "--kubeconfig", str(self.kubeconfig), *args],
                   input=input, timeout=timeout, check=check)

    def apply(self, manifest: str) -> None:
        from app.providers.kind.standin import rewrite

        self.kubectl(["apply", "-f", "-"], input=rewrite(manifest).encode(), timeout=120)

    def probe(self, check: Check) -> ProbeResult:
        from app.providers.kind.probes import run_probe

        return run_probe(self, check)

    def open_terminal(self, node: str):  # noqa: ANN201 - PtyTerminal (RawTerminal)
        from app.providers.kind.terminal import PtyTerminal

        n = self.node(node)
        argv = [self.tools.docker, "exec", "-i", "-t"]
        if n.role == "control-plane":
            argv += ["-e", f"KUBECONFIG={ADMIN_CONF}"]
        argv += ["-w", "/root", n.name, "bash", "-l"]
        return PtyTerminal(n.name, argv)

    def destroy(self) -> None:
        if self._on_destroy is not None:
            self._on_destroy(self.name)
        self.nodes = []
