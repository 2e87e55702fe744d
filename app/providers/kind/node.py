"""A kind node (a Docker container running systemd, containerd and the kubelet) behind the
`Node` protocol of app/providers/base.py.

Every operation is one `docker` command with argument lists (tools.run):
- read_file:  `docker exec <node> cat -- <path>` (docs.docker.com `docker container exec`);
- write_file: `docker exec -i <node> sh -c '<fixed script>' sh <path> <mode>` with the bytes on
  stdin. The script writes a dot-file beside the target, sets its mode and renames it over the
  target. Why not `docker cp - <node>:<dir>` (a tar stream on stdin, docs.docker.com `docker
  container cp`)? It extracts in place, so the kubelet, which watches
  /etc/kubernetes/manifests with inotify, could read a half-written manifest; a rename within
  the directory is atomic. The kubelet skips files whose names start with "." in its manifest
  directory (kubernetes `pkg/kubelet/config/file.go`), so the temporary file is never taken for
  a pod. The path and mode reach the script as positional parameters ("$1", "$2"), never spliced
  into its text.
- exec:       `docker exec [-e KUBECONFIG=/etc/kubernetes/admin.conf] <node> bash -lc <command>`
  (control planes get KUBECONFIG, as the trainee's terminal does);
- service:    `docker exec <node> systemctl <action> <unit>`;
- power_off:  `docker stop <node>` (SIGTERM to systemd, then SIGKILL after the grace period);
- reboot:     `docker restart <node>`. kind supports restarting node containers: they run with
  `--restart=on-failure:1` so they come back after a host reboot, and the node entrypoint
  rewrites the node's old IP in the kubeadm files when Docker gave it a new one (kind v0.29.0
  `pkg/cluster/internal/providers/docker/provision.go`, `images/base/files/usr/local/bin/
  entrypoint`). systemd in the node then starts only enabled units, like a rebooted host.
- set_disk_latency: see app/providers/kind/disk.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.base import ExecResult, ProviderError
from app.providers.kind import disk
from app.providers.kind.tools import check_command, check_name, check_path, check_unit, run

if TYPE_CHECKING:
    from app.providers.kind.cluster import KindCluster

ADMIN_CONF = "/etc/kubernetes/admin.conf"
WRITE_SCRIPT = ('set -e; d=$(dirname -- "$1"); b=$(basename -- "$1"); t="$d/.kubedrill-$b.tmp"; '
                'mkdir -p -- "$d"; cat > "$t"; chmod "$2" "$t"; mv -f -- "$t" "$1"')
ACTIONS = {"start", "stop", "restart", "reload", "enable", "disable", "enable --now",
           "disable --now", "mask", "unmask"}
DOCKER_ERROR = "Error response from daemon"


class KindNode:
    def __init__(self, cluster: KindCluster, name: str, role: str) -> None:
        self.cluster = cluster
        self.name = check_name(name, "node name")
        if role not in ("control-plane", "worker"):
            raise ProviderError(f"unknown node role {role!r}")
        self.role = role

    def __repr__(self) -> str:
        return f"KindNode({self.name!r}, {self.role!r})"

    @property
    def docker(self) -> str:
        return self.cluster.tools.docker

    def env_flags(self) -> list[str]:
        return ["-e", f"KUBECONFIG={ADMIN_CONF}"] if self.role == "control-plane" else []

    def docker_exec(self, args: list[str], *, input: bytes | None = None,  # noqa: A002
                    timeout: float = 30, check: bool = True, env: bool = False):  # noqa: ANN201
        argv = [self.docker, "exec"]
        if input is not None:
            argv.append("-i")
        if env:
            argv += self.env_flags()
        return run([*argv, self.name, *args], input=input, timeout=timeout, check=check)

    # --- the Node protocol -----------------------------------------------------------------

    def read_file(self, path: str) -> bytes:
        check_path(path)
        proc = self.docker_exec(["cat", "--", path], check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode(errors="replace")
            if "No such file" in err:
                raise FileNotFoundError(f"{self.name}:{path}: {err.strip()}")
            raise ProviderError(f"cannot read {path} on {self.name}",
                                command=[self.docker, "exec", self.name, "cat", "--", path],
                                exit_code=proc.returncode, stderr=err)
        return proc.stdout

    def write_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        check_path(path)
        if not isinstance(mode, int) or not 0 <= mode <= 0o7777:
            raise ProviderError(f"invalid file mode {mode!r}")
        self.docker_exec(["sh", "-c", WRITE_SCRIPT, "sh", path, f"{mode:04o}"], input=data)

    def exec(self, command: str, timeout: float = 30) -> ExecResult:
        check_command(command)
        proc = self.docker_exec(["bash", "-lc", command], timeout=timeout, check=False,
                                env=True)
        err = proc.stderr.decode(errors="replace")
        if proc.returncode != 0 and err.startswith(DOCKER_ERROR):
            raise ProviderError(f"cannot run a command on {self.name}", command=[
                self.docker, "exec", self.name, "bash", "-lc", "..."],
                exit_code=proc.returncode, stderr=err)
        return ExecResult(proc.stdout.decode(errors="replace") + err, proc.returncode)

    def service(self, name: str, action: str) -> None:
        check_unit(name)
        if action not in ACTIONS:
            raise ProviderError(f"unsupported service action {action!r}")
        self.docker_exec(["systemctl", *action.split(), name], timeout=90)

    def set_disk_latency(self, device: str, ms: float) -> None:
        controllers = self.docker_exec(disk.PRECHECK, check=False).stdout.decode()
        disk.check_controllers(controllers)
        self.docker_exec(disk.set_property_argv(ms))
        group = self.docker_exec(disk.SHOW_CGROUP).stdout.decode().strip()
        check_path(group)
        io_max = self.read_file(f"/sys/fs/cgroup{group}/io.max").decode(errors="replace")
        disk.check_io_max(io_max, ms)

    def power_off(self) -> None:
        run([self.docker, "stop", self.name], timeout=120)

    def reboot(self) -> None:
        run([self.docker, "restart", self.name], timeout=180)

    def power_on(self) -> None:
        """`docker start` of a stopped node (the twin's SimNode.power_on)."""
        run([self.docker, "start", self.name], timeout=180)

    # --- helpers ----------------------------------------------------------------------------

    def running(self) -> bool:
        proc = run([self.docker, "inspect", "-f", "{{.State.Running}}", self.name],
                   timeout=30, check=False)
        return proc.returncode == 0 and proc.stdout.strip() == b"true"

    def container_id(self, name: str) -> str | None:
        """The running container of a pod's container `name` (crictl ps --name is a regex)."""
        check_name(name, "container name")
        proc = self.docker_exec(["crictl", "ps", "--name", f"^{name}$", "--state", "Running",
                                 "-q"], check=False)
        ids = proc.stdout.decode().split()
        return ids[0] if proc.returncode == 0 and ids else None
