"""`disk-latency` on a kind node: cgroup v2 `io.max` IOPS limits on the node's pods.

Mechanism. `set_disk_latency(device, ms)` turns the wanted extra latency into an IOPS cap,
iops = max(1, round(1000 / ms)), and sets it for reads and writes on the block device that holds
`/var/lib/etcd` for every pod on the node:

    docker exec <node> systemctl set-property --runtime kubelet-kubepods.slice \
        "IOReadIOPSMax=/var/lib/etcd <iops>" "IOWriteIOPSMax=/var/lib/etcd <iops>"

systemd (the node's PID 1) then writes `<MAJ>:<MIN> riops=<iops> wiops=<iops>` into
`/sys/fs/cgroup/kubelet.slice/kubelet-kubepods.slice/io.max` and enables the `io` controller in
every parent's `cgroup.subtree_control`. We go through systemd rather than writing io.max
ourselves because systemd owns that tree (the kubelet runs with the systemd cgroup driver and
`cgroupRoot: /kubelet` in kind, kind v0.29.0 `pkg/cluster/internal/kubeadm/config.go`) and would
otherwise drop a controller it did not enable the next time it realises the slice.
`kubelet-kubepods.slice` is the parent of every pod's slice, so the cap outlives a restart of
the etcd container or a new etcd pod after a manifest edit, as a slow disk would.

Sources: Linux `Documentation/admin-guide/cgroup-v2.rst` ("io.max ... BPS and IOPS based IO
limit. Lines are keyed by $MAJ:$MIN device numbers ... riops, wiops"); systemd.resource-control(5)
(`IOReadIOPSMax=`, `IOWriteIOPSMax=` take a device node or a path whose backing block device is
used; `systemctl set-property --runtime` applies at once, until reboot); Red Hat, "Configuring
I/O bandwidth with systemd" (RHEL 8: "systemd automatically handles file-system-to-device
translation"). kind runs nodes with `--cgroupns=private` and `/var` as a volume
(`provision.go`), so `/var/lib/etcd` sits on the Docker host's own block device.

What the host must give:
- cgroup v2 (unified hierarchy): `/sys/fs/cgroup/cgroup.controllers` exists in the node;
- the `io` controller delegated to the node container (listed in that file): Docker with the
  systemd cgroup driver delegates it when the host enables it for `system.slice`;
- Docker's data root (`/var/lib/docker/volumes`) on a real block device (ext4/xfs on a disk,
  partition or device-mapper volume). On btrfs, zfs or tmpfs the filesystem has no block
  device of its own and systemd cannot resolve one: set_disk_latency then fails with a
  ProviderError that says so.

How faithful. The twin adds `ms` to every write and fsync. io.max does not add a fixed delay: it
lets a cgroup issue at most `iops` requests per second, so once the small burst allowance of a
throttle slice is spent each request waits about 1000/iops ms. One etcd WAL fsync is one or two
write requests plus a flush, so `etcd_disk_wal_fsync_duration_seconds` rises to roughly one to
two times `ms`, and `etcd-fsync-fast` fails for any `ms` above its limit, as on the twin. Other
pods on the node are slowed too (as with a slow disk); containerd, the kubelet and journald are
not (they live outside kubelet-kubepods.slice), nor is ext4's journal thread, which writes for
the whole filesystem. `fio`/`dd` run in the trainee's shell (outside the slice) see a fast disk;
run them inside a pod to see it. The `device` name of the scenario (the twin's `sda`) is not
used: the device is always the one behind /var/lib/etcd. `--runtime` keeps the setting in
/run/systemd/system.control, and kind mounts /run as tmpfs (`provision.go`): a node reboot
(`docker restart`) clears the cap, where a physically slow disk would stay slow.
"""

from __future__ import annotations

import math

from app.providers.base import ProviderError

SLICE = "kubelet-kubepods.slice"
DATA_PATH = "/var/lib/etcd"


def iops_for(ms: float) -> int:
    if not math.isfinite(ms) or ms <= 0:
        raise ProviderError(f"disk latency must be a positive number of milliseconds, not {ms!r}")
    return max(1, round(1000.0 / ms))


def set_property_argv(ms: float) -> list[str]:
    """`systemctl set-property` arguments; ms == 0 removes the caps (an empty assignment
    resets the list, systemd.resource-control(5))."""
    if ms == 0:
        return ["systemctl", "set-property", "--runtime", SLICE,
                "IOReadIOPSMax=", "IOWriteIOPSMax="]
    n = iops_for(ms)
    return ["systemctl", "set-property", "--runtime", SLICE,
            f"IOReadIOPSMax={DATA_PATH} {n}", f"IOWriteIOPSMax={DATA_PATH} {n}"]


PRECHECK = ["cat", "/sys/fs/cgroup/cgroup.controllers"]
SHOW_CGROUP = ["systemctl", "show", "-p", "ControlGroup", "--value", SLICE]


def check_controllers(controllers: str) -> None:
    names = controllers.split()
    if not names:
        raise ProviderError("this node has no cgroup v2 controllers (/sys/fs/cgroup/"
                            "cgroup.controllers is empty or missing): disk-latency needs a "
                            "cgroup v2 host")
    if "io" not in names:
        raise ProviderError("the io cgroup controller is not delegated to the kind node "
                            f"(it has: {' '.join(names)}); disk-latency needs cgroup v2 with the "
                            "io controller enabled for Docker's containers")


def check_io_max(io_max: str, ms: float) -> None:
    if ms == 0:
        return
    n = iops_for(ms)
    if f"riops={n}" not in io_max or f"wiops={n}" not in io_max:
        raise ProviderError(f"systemd accepted the IOPS limit but io.max shows {io_max.strip()!r}; "
                            f"is {DATA_PATH} on a block device (not btrfs/zfs/tmpfs)?")
