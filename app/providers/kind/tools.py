"""Run `kind`, `docker` and `kubectl` safely: argument lists, a timeout on every call, and a
ProviderError that names the failing command, its exit code and its stderr.

Nothing here ever goes through a shell on the server's host (`subprocess.run(argv)`, never
`shell=True`). Values that come from scenarios or the web (node names, paths, command lines)
are checked by the `check_*` helpers before they become arguments: a name cannot start with
`-` (no option injection), a path is absolute and normalised, nothing carries a NUL byte, and a
command line is capped in length.

Where the messages come from:
- docker CLI, when the daemon is down: "Cannot connect to the Docker daemon at
  unix:///var/run/docker.sock. Is the docker daemon running?" (docs.docker.com, "Troubleshooting
  the Docker daemon"); we turn it into "Docker not reachable" with what to check.
- kind prints its errors as `ERROR: <message>` on stderr and exits 1 (kind v0.29.0
  `cmd/kind/app/main.go`).
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
from dataclasses import dataclass

from app.providers.base import ProviderError

BIN_SETTINGS = {"kind": "KUBEDRILL_KIND_BIN", "docker": "KUBEDRILL_DOCKER_BIN",
                "kubectl": "KUBEDRILL_KUBECTL_BIN"}
DOCKER_DOWN = "Cannot connect to the Docker daemon"
MAX_COMMAND = 64 * 1024  # a command line sent to `bash -lc` on a node
MAX_PATH = 4096  # PATH_MAX on Linux
# kind cluster names: `^[a-z0-9.-]+$` (kind v0.29.0 pkg/internal/apis/config/validate.go);
# node names are `<cluster>-control-plane2`, `<cluster>-worker`... We also refuse a leading `-`.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}$")
UNIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}$")


@dataclass
class Tools:
    """Where the three binaries are (KUBEDRILL_KIND_BIN, _DOCKER_BIN, _KUBECTL_BIN)."""

    kind: str = "kind"
    docker: str = "docker"
    kubectl: str = "kubectl"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Tools:
        env = os.environ if environ is None else environ
        return cls(**{tool: env.get(var) or tool for tool, var in BIN_SETTINGS.items()})


def _tool_name(argv0: str) -> str:
    base = os.path.basename(argv0)
    for tool in BIN_SETTINGS:
        if base == tool or base.startswith(tool):
            return tool
    return base


def check_argv(argv: list[str]) -> None:
    if not argv:
        raise ProviderError("empty command")
    for arg in argv:
        if not isinstance(arg, str):
            raise ProviderError(f"argument {arg!r} is not a string", command=[str(a) for a in argv])
        if "\x00" in arg:
            raise ProviderError("an argument contains a NUL byte", command=argv[:2])


def check_name(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ProviderError(f"invalid {what} {name!r}: use lower-case letters, digits, '.' and "
                            "'-', starting with a letter or digit, at most 63 characters")
    return name


def check_path(path: str) -> str:
    """An absolute, normalised path on a node (no NUL, no newline, no `..`)."""
    if (not isinstance(path, str) or not path.startswith("/") or len(path) > MAX_PATH
            or "\x00" in path or "\n" in path or posixpath.normpath(path) != path):
        raise ProviderError(f"invalid path {path!r}: give an absolute, normalised path")
    return path


def check_command(command: str) -> str:
    if not isinstance(command, str) or "\x00" in command:
        raise ProviderError("a command line must be text without NUL bytes")
    if len(command.encode()) > MAX_COMMAND:
        raise ProviderError(f"command line longer than {MAX_COMMAND} bytes")
    return command


def check_unit(name: str) -> str:
    if not isinstance(name, str) or not UNIT_RE.match(name):
        raise ProviderError(f"invalid systemd unit name {name!r}")
    return name


def docker_down(stderr: str) -> bool:
    return DOCKER_DOWN in stderr


def run(argv: list[str], *, input: bytes | None = None, timeout: float,  # noqa: A002
        env: dict[str, str] | None = None, check: bool = True
        ) -> subprocess.CompletedProcess[bytes]:
    """Run argv (never through a shell); raise ProviderError on a missing binary, a timeout,
    an unreachable Docker daemon, or (with `check`) a non-zero exit."""
    check_argv(argv)
    full_env = {**os.environ, **env} if env else None
    tool = _tool_name(argv[0])
    try:
        proc = subprocess.run(argv, input=input, capture_output=True, timeout=timeout,
                              env=full_env, check=False,
                              stdin=None if input is not None else subprocess.DEVNULL)
    except FileNotFoundError:
        setting = BIN_SETTINGS.get(tool, "the binary's path")
        raise ProviderError(f"{tool} not found on PATH (set {setting})", command=argv) from None
    except PermissionError as e:
        raise ProviderError(f"{argv[0]} is not executable: {e}", command=argv) from None
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else ""
        raise ProviderError(f"timed out after {timeout:g}s", command=argv, stderr=err) from None
    stderr = proc.stderr.decode(errors="replace")
    if proc.returncode != 0 and docker_down(stderr):
        raise ProviderError("Docker not reachable: is the Docker daemon running, and may this "
                            "user use its socket (DOCKER_HOST, the docker group)?", command=argv,
                            exit_code=proc.returncode, stderr=stderr)
    if check and proc.returncode != 0:
        raise ProviderError(f"{tool} failed", command=argv, exit_code=proc.returncode,
                            stderr=stderr)
    return proc
