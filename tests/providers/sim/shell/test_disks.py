"""df/mount/findmnt/lsblk: coreutils and util-linux layouts over the kind node's mounts."""

from __future__ import annotations

import re

from app.providers.sim.shell.disks import render_df
from tests.providers.sim.shell.nodetwin import run, sample, twin


def test_df_layout_matches_real_coreutils() -> None:
    real = sample("df-ih-coreutils.txt")
    rows = []
    for line in real.splitlines():
        head, _, target = line.rpartition(" ")
        parts = head.split()
        rows.append(parts + [target] if line.startswith("Filesystem") is False else
                    ["Filesystem", "Inodes", "IUsed", "IFree", "IUse%", "Mounted on"])
    assert render_df(rows) == real
    host = sample("df-debian12-host.txt").splitlines()
    assert render_df([host[0].replace("Mounted on", "Mounted_on").split(), host[1].split()],
                     show_type=True).replace("Mounted_on", "Mounted on") == "\n".join(
        host[:2]) + "\n"


def test_df_shows_the_kind_node_filesystems() -> None:
    c = twin()
    out, _ = run(c, "df -h")
    lines = out.splitlines()
    assert lines[0] == "Filesystem      Size  Used Avail Use% Mounted on"
    assert re.match(r"overlay +251G +\d+G +\d+G +\d+% /$", lines[1])
    assert re.search(r"^/dev/sda1 +251G .* /var$", out, re.M)
    assert "/etc/hosts" not in out  # same device as /var: df keeps the shortest mount point
    assert re.search(r"^shm +64M +0 +64M +0% /dev/shm$", out, re.M)
    assert run(c, "df -hT /var/lib/etcd")[0].splitlines()[1].startswith("/dev/sda1      ext4 ")
    out, code = run(c, "df -z")
    assert (out, code) == ("df: invalid option -- 'z'\nTry 'df --help' for more information.\n",
                           1)


def test_mount_lists_container_rootfs_while_the_container_runs() -> None:
    c = twin()
    etcd = c.node("kind-control-plane").running_container("etcd")
    assert etcd is not None
    out, _ = run(c, "mount")
    assert out.startswith("overlay on / type overlay (rw,relatime,lowerdir=")
    assert "/dev/sda1 on /var type ext4 (rw,relatime,discard,errors=remount-ro)\n" in out
    assert f"/run/containerd/io.containerd.runtime.v2.task/k8s.io/{etcd.id}/rootfs" in out
    run(c, "mv /etc/kubernetes/manifests/etcd.yaml /root/")
    assert etcd.id not in run(c, "mount")[0]


def test_lsblk_lists_the_mount_points_of_the_host_partition() -> None:
    out, _ = run(twin(), "lsblk")
    lines = out.splitlines()
    assert lines[0] == "NAME    MAJ:MIN RM   SIZE RO TYPE MOUNTPOINTS"
    assert lines[1] == "sda       8:0    0   256G  0 disk "
    col = lines[0].index("MOUNTPOINTS")
    assert lines[2][col:] == "/etc/hosts" and lines[3][col:] == "/etc/hostname"
    assert lines[3].startswith("│ ")


def test_findmnt_draws_the_mount_tree_and_df_filters_by_type() -> None:
    c = twin()
    out, _ = run(c, "findmnt")
    lines = out.splitlines()
    assert lines[0].split() == ["TARGET", "SOURCE", "FSTYPE", "OPTIONS"]
    assert lines[1].startswith("/ ") and lines[2].startswith("├─/proc ")
    assert any(x.startswith("│ └─/dev/shm ") for x in lines)
    # the anonymous Docker volume behind /var, as util-linux shows a bind's root
    assert re.fullmatch(r"TARGET SOURCE {100}FSTYPE OPTIONS\n/var   /dev/sda1\[/var/lib/docker/"
                        r"volumes/[0-9a-f]{64}/_data\] ext4   rw,relatime,discard,"
                        r"errors=remount-ro\n", run(c, "findmnt /var")[0])
    out, _ = run(c, "df -hx overlay -x tmpfs -x shm")
    assert [x.split()[-1] for x in out.splitlines()[1:]] == ["/var"]
    assert run(c, "df -t nfs") == ("df: no file systems processed\n", 1)
