"""One trainee's shell: node, working directory, variables, history, completion.

The session holds only state; `interpreter.Executor` runs lines against it. Command families are
imported here so that creating a session is enough to have every command registered.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from app.providers.sim.shell import registry
from app.providers.sim.shell.registry import Output
from app.providers.sim.vfs import VFS, VFSError, normpath

if TYPE_CHECKING:
    from app.providers.sim.shell.interpreter import Executor

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
KUBECTL_VERBS = ["annotate", "api-resources", "api-versions", "apply", "attach", "auth",
                 "autoscale", "certificate", "cluster-info", "completion", "config", "cordon",
                 "cp", "create", "debug", "delete", "describe", "diff", "drain", "edit",
                 "events", "exec", "explain", "expose", "get", "kustomize", "label", "logs",
                 "patch", "plugin", "port-forward", "proxy", "replace", "rollout", "run",
                 "scale", "set", "taint", "top", "uncordon", "version", "wait"]
KUBECTL_RESOURCES = ["all", "configmaps", "cronjobs", "daemonsets", "deployments", "endpoints",
                     "events", "jobs", "leases", "namespaces", "nodes", "pods", "replicasets",
                     "secrets", "services", "statefulsets"]
Completer = Callable[["ShellSession", list[str], str], list[str]]


class ShellHost(Protocol):
    def node_names(self) -> list[str]: ...
    def vfs(self, node: str) -> VFS: ...
    def now(self) -> float: ...
    def default_node(self) -> str: ...
    def on_command(self, node: str, line: str, exit_code: int) -> None: ...


def default_env(node: str) -> dict[str, str]:
    env = {"HOME": "/root", "USER": "root", "LOGNAME": "root", "PATH": PATH,
           "HOSTNAME": node, "SHELL": "/bin/bash", "TERM": "xterm-256color", "PWD": "/root",
           "SHLVL": "1"}
    if "control-plane" in node:
        env["KUBECONFIG"] = "/etc/kubernetes/admin.conf"
    return env


class ShellSession:
    def __init__(self, host: ShellHost, node: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.host = host
        self.node = node or host.default_node()
        self.cwd = "/root"
        self.env = default_env(self.node) | (env or {})
        self.vars: dict[str, str] = {}  # shell variables that are not exported
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, Any] = {}  # name -> parser.Command
        self.history: list[str] = []
        self.unknown_commands: list[str] = []
        self.last_status = 0
        self.hops: list[tuple[str, str, str]] = []  # (node, cwd, how) to return to on `exit`
        self.exited = False  # the login shell ran `exit`; the terminal should close
        self.completers: dict[str, Completer] = {}
        self.executor: Executor | None = None  # set while a line runs

    @property
    def vfs(self) -> VFS:
        return self.host.vfs(self.node)

    # --- variables -------------------------------------------------------------------------

    def get_var(self, name: str) -> str | None:
        if name in self.vars:
            return self.vars[name]
        return self.env.get(name)

    def set_var(self, name: str, value: str, export: bool = False) -> None:
        if export or name in self.env:
            self.vars.pop(name, None)
            self.env[name] = value
        else:
            self.vars[name] = value

    def unset_var(self, name: str) -> None:
        self.vars.pop(name, None)
        self.env.pop(name, None)

    # --- running ---------------------------------------------------------------------------

    def prompt(self) -> str:
        shown = self.cwd
        if shown == "/root" or shown.startswith("/root/"):
            shown = "~" + shown[len("/root"):]
        return f"root@{self.node}:{shown}# "

    def run(self, line: str) -> Output:
        from app.providers.sim.shell.interpreter import run_line

        node = self.node
        if line.strip():
            self.history.append(line.rstrip("\n"))
            del self.history[:-1000]
        out = run_line(self, line)
        self.last_status = out.exit_code
        self.host.on_command(node, line, out.exit_code)
        return out

    def switch_node(self, name: str, how: str = "ssh") -> None:
        self.hops.append((self.node, self.cwd, how))
        self._enter(name, "/root")

    def hop_back(self) -> tuple[str, str] | None:
        """Leave the node entered last; returns (left node, how) or None on the login node."""
        if not self.hops:
            return None
        left = self.node
        node, cwd, how = self.hops.pop()
        self._enter(node, cwd)
        return left, how

    def _enter(self, node: str, cwd: str) -> None:
        self.node = node
        self.cwd = cwd
        # Writes on the new node get the twin's time; a host without a clock still hops.
        with contextlib.suppress(Exception):
            self.vfs.now = self.host.now()
        self.env["HOSTNAME"] = node
        self.env["PWD"] = cwd
        if "control-plane" in node:
            self.env["KUBECONFIG"] = "/etc/kubernetes/admin.conf"
        else:
            self.env.pop("KUBECONFIG", None)

    # --- completion ------------------------------------------------------------------------

    def complete(self, line: str, cursor: int) -> tuple[str | None, list[str]]:
        head = line[:cursor]
        start = len(head)
        while start > 0 and head[start - 1] not in " \t|;&<>(":
            start -= 1
        word = head[start:]
        before = head[:start]
        words = before.replace("|", " | ").replace(";", " ; ").replace("&", " & ").split()
        seg: list[str] = []
        for w in words:
            seg = [] if w in ("|", ";", "&", "&&", "||") else [*seg, w]
        if seg and seg[0] in ("sudo", "time", "watch", "xargs"):
            seg = seg[1:]
        candidates, is_path = self._candidates(seg, word)
        candidates = sorted(set(candidates))
        if not candidates:
            return None, []
        if len(candidates) == 1:
            done = candidates[0]
            insert = done if done.endswith("/") else done + " "
        else:
            insert = posixpath.commonprefix(candidates)
        if is_path:
            insert = word[:word.rfind("/") + 1] + insert
        if len(insert) <= len(word):
            return None, candidates
        return before + insert + line[cursor:], candidates

    def _candidates(self, seg: list[str], word: str) -> tuple[list[str], bool]:
        if seg and seg[0] in self.completers:
            return self.completers[seg[0]](self, seg, word), False
        if not seg and "/" not in word:
            from app.providers.sim.shell.interpreter import SPECIAL_BUILTINS

            pool = [*registry.names(), *SPECIAL_BUILTINS, *self.functions, *self.aliases]
            return [n for n in pool if n.startswith(word)], False
        if seg and seg[0] == "kubectl" and not word.startswith("-"):
            positional = [w for w in seg[1:] if not w.startswith("-")]
            if not positional:
                return [v for v in KUBECTL_VERBS if v.startswith(word)], False
            if len(positional) == 1 and positional[0] in ("get", "describe", "delete", "edit"):
                return [r for r in KUBECTL_RESOURCES if r.startswith(word)], False
        return self._paths(word), True

    def _paths(self, word: str) -> list[str]:
        directory, _, base = word.rpartition("/")
        if word.startswith("/") and not directory:
            directory = "/"
        shown = directory
        if shown.startswith("~"):
            shown = "/root" + shown[1:]
        real = normpath(shown or ".", self.cwd)
        try:
            names = self.vfs.listdir(real)
        except VFSError:
            return []
        out = []
        for name in names:
            if not name.startswith(base) or (name.startswith(".") and not base.startswith(".")):
                continue
            out.append(name + "/" if self.vfs.is_dir(posixpath.join(real, name)) else name)
        return out

    # --- persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "cwd": self.cwd, "env": dict(self.env),
                "vars": dict(self.vars), "aliases": dict(self.aliases),
                "history": list(self.history), "status": self.last_status,
                "hops": [list(h) for h in self.hops],
                "unknown": list(self.unknown_commands)}

    @classmethod
    def from_json(cls, host: ShellHost, raw: dict[str, Any]) -> ShellSession:
        session = cls(host, raw["node"])
        session.cwd = raw.get("cwd", "/root")
        session.env = dict(raw.get("env", session.env))
        session.vars = dict(raw.get("vars", {}))
        session.aliases = dict(raw.get("aliases", {}))
        session.history = list(raw.get("history", []))
        session.last_status = int(raw.get("status", 0))
        session.hops = [(h[0], h[1], h[2]) for h in raw.get("hops", [])]
        session.unknown_commands = list(raw.get("unknown", []))
        return session


def _register_commands() -> None:
    # Imported for their @command side effects; the lead's families register themselves.
    from app.providers.sim.shell import awk, builtins, files, jq, sed, text  # noqa: F401


_register_commands()
