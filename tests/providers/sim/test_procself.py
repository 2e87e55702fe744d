"""/proc/self is the trainee's shell (the PID `echo $$` and `ps` give), /proc/mounts the table
`mount` and `df` print, and each process has `exe` and `fd/` links as the kernel shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.procself import _mangle
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"


@pytest.fixture(scope="module")
def kind() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_self_is_the_shell_echo_and_ps_show(kind: SimCluster) -> None:
    pid = sh(kind, "echo $$").strip()
    assert sh(kind, "readlink /proc/self") == f"{pid}\n"
    bash = [ln.split() for ln in sh(kind, "ps -ef").splitlines() if ln.split()[-1] == "bash"]
    assert [row[1] for row in bash] == [pid]
    row = sh(kind, "ls -l /proc/self")
    assert row.startswith("lrwxrwxrwx 1 root root 0 ") and row.endswith(f"/proc/self -> {pid}\n")
    status = dict(ln.split(":\t", 1) for ln in sh(kind, "cat /proc/self/status").splitlines()
                  if ":\t" in ln)
    assert (status["Name"], status["Pid"], status["PPid"], status["NSpid"]) == (
        "bash", pid, "0", pid)
    assert sh(kind, "readlink /proc/self/exe") == "/usr/bin/bash\n"
    assert sh(kind, "cat /proc/self/cmdline | tr '\\0' ' '") == "bash "
    assert sh(kind, "cat /proc/self/cgroup").startswith("0::/")
    # another node's shell is another process
    other = sh(kind, "echo $$; readlink /proc/self", node="kind-worker").split()
    assert other[0] == other[1] != pid


def test_proc_lists_self_thread_self_and_the_mounts_link(kind: SimCluster) -> None:
    rows = {ln.split()[-3]: ln.split() for ln in sh(kind, "ls -la /proc").splitlines()
            if " -> " in ln}
    pid = sh(kind, "echo $$").strip()
    assert rows["self"][4] == "0" and rows["self"][-1] == pid
    assert rows["thread-self"][4] == "0" and rows["thread-self"][-1] == f"{pid}/task/{pid}"
    assert rows["mounts"][4] == "11" and rows["mounts"][-1] == "self/mounts"
    assert sh(kind, "cat /proc/thread-self/comm") == "bash\n"
    assert sh(kind, "ls /proc/1").split() == ["cgroup", "cmdline", "comm", "exe", "fd",
                                              "mountinfo", "mounts", "status"]
    assert sh(kind, "stat -c %F /proc/1 /proc/self; stat -L -c %F /proc/self") == (
        "directory\nsymbolic link\ndirectory\n")


def test_exe_points_at_each_programs_binary(kind: SimCluster) -> None:
    def exe(name: str) -> str:
        return sh(kind, f"readlink /proc/$(pgrep -x {name} | head -1)/exe").strip()

    assert exe("kubelet") == "/usr/bin/kubelet"
    assert exe("containerd") == "/usr/local/bin/containerd"
    assert exe("containerd-shim") == "/usr/local/bin/containerd-shim-runc-v2"
    assert exe("systemd") == "/usr/lib/systemd/systemd"
    assert exe("etcd") == "/usr/local/bin/etcd"  # inside the etcd image
    assert exe("kube-apiserver") == "/usr/local/bin/kube-apiserver"
    assert exe("pause") == "/pause"
    row = sh(kind, "ls -l /proc/$(pgrep -x kubelet)/exe")
    assert row.startswith("lrwxrwxrwx 1 root root 0 ") and row.endswith(" -> /usr/bin/kubelet\n")


def test_fd_links_carry_their_open_mode(kind: SimCluster) -> None:
    kubelet = sh(kind, "ls -l /proc/$(pgrep -x kubelet)/fd").splitlines()
    assert kubelet[0] == "total 0"
    assert kubelet[1].startswith("lrwx------ 1 root root 0 ") and kubelet[1].endswith(
        " 0 -> /dev/null")
    assert kubelet[2].split(" -> ")[1].startswith("socket:[")  # journald's stream
    assert kubelet[2].split(" -> ")[1] == kubelet[3].split(" -> ")[1]
    etcd = sh(kind, "ls -l /proc/$(pgrep -x etcd)/fd").splitlines()
    assert etcd[2].startswith("l-wx------ ") and " 1 -> pipe:[" in etcd[2]
    assert sh(kind, "ls -ld /proc/self/fd").startswith("dr-x------ ")
    assert sh(kind, "readlink /proc/self/fd/0 /proc/self/fd/255") == "/dev/pts/1\n/dev/pts/1\n"


def test_proc_mounts_is_the_table_mount_prints(kind: SimCluster) -> None:
    table = sh(kind, "cat /proc/mounts")
    assert table == sh(kind, "cat /proc/self/mounts") == sh(kind, "cat /proc/1/mounts")
    from_mount = []
    for ln in sh(kind, "mount").splitlines():
        source, rest = ln.split(" on ", 1)
        target, rest = rest.split(" type ", 1)
        fstype, options = rest.split(" ", 1)
        from_mount.append(f"{source} {target} {fstype} {options[1:-1]} 0 0")
    assert table.splitlines() == from_mount
    targets = {ln.split()[1] for ln in table.splitlines()}
    assert {ln.split()[-1] for ln in sh(kind, "df").splitlines()[1:]} <= targets
    assert {"/", "/proc", "/sys", "/sys/fs/cgroup", "/dev", "/dev/shm", "/var", "/tmp", "/run",
            "/lib/modules", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"} <= targets
    assert any("/run/containerd/io.containerd.runtime.v2.task/k8s.io/" in t and
               t.endswith("/rootfs") for t in targets)
    assert any(t.startswith("/var/lib/kubelet/pods/") for t in targets)
    assert sh(kind, "ls -l /proc/self/mounts").startswith("-r--r--r-- 1 root root 0 ")


def test_dockers_own_mounts_read_as_in_a_real_containers_mountinfo(kind: SimCluster) -> None:
    """Real mountinfo lines of Docker containers (samples/proc-self-mountinfo-docker.txt),
    written as /proc/mounts writes them: per-mount flags, then the superblock's options
    without its rw/ro. kind also remounts /sys read-only."""
    table = sh(kind, "cat /proc/mounts").splitlines()
    for line in (SAMPLES / "proc-self-mountinfo-docker.txt").read_text().splitlines():
        left, right = line.split(" - ")
        target, flags = left.split()[4:6]
        fstype, source, super_opts = right.split()
        extra = [o for o in super_opts.split(",") if o not in ("rw", "ro")]
        assert f"{source} {target} {fstype} {','.join([flags, *extra])} 0 0" in table


def test_mangle_escapes_as_the_kernel() -> None:
    assert _mangle("/mnt/a b\\c\td") == "/mnt/a\\040b\\134c\\011d"


def test_nothing_of_it_is_stored(kind: SimCluster) -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=480)
    before = c.nodes[0].vfs.to_json()
    sh(c, "cat /proc/self/status /proc/mounts; ls -l /proc/*/fd /proc/*/exe")
    assert c.nodes[0].vfs.to_json() == before


def test_a_stopped_node_has_no_proc_self() -> None:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)
    node = c.nodes[1]
    node.power_off()
    assert not node.vfs.exists("/proc/self") and not node.vfs.exists("/proc/mounts")


def test_a_pod_process_sees_its_own_mount_namespace(kind: SimCluster) -> None:
    """containerd's defaults, then the CRI mounts by depth, then runc's masks
    (containermounts.py)."""
    table = [ln.split() for ln in sh(kind, "cat /proc/$(pgrep -x etcd)/mounts").splitlines()]
    targets = [t[1] for t in table]
    rootfs = next(ln.split() for ln in sh(kind, "cat /proc/mounts").splitlines()
                  if ln.split()[1].endswith("/rootfs") and ln.split()[3] == table[0][3])
    assert table[0][:3] == ["overlay", "/", "overlay"] and rootfs[0] == "overlay"
    assert targets[1:7] == ["/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]
    assert table[5][3].startswith("ro,") and table[6][3].startswith("ro,")  # not privileged
    etcd_data = table[targets.index("/var/lib/etcd")]
    assert etcd_data[0] == "/dev/sda1" and etcd_data[2] == "ext4"  # the node's /var volume
    certs = table[targets.index("/etc/kubernetes/pki/etcd")]
    assert certs[0] == "overlay"  # on the node's root
    depth = [t.count("/") for t in targets[7:targets.index("/proc/bus")]]
    assert depth == sorted(depth)
    assert targets.index("/etc/hosts") < targets.index("/etc/resolv.conf") < \
        targets.index("/var/lib/etcd")
    assert targets[-1] == "/sys/devices/virtual/powercap"
    assert table[targets.index("/proc/kcore")][0] == "tmpfs"
    api = sh(kind, "cat /proc/$(pgrep -x kube-apiserver)/mounts")
    assert " /etc/kubernetes/pki overlay ro,relatime," in api  # readOnly: true
    coredns = sh(kind, "cat /proc/$(pgrep -x coredns | head -1)/mounts")
    assert "tmpfs /var/run/secrets/kubernetes.io/serviceaccount tmpfs ro,relatime," in coredns


def test_mountinfo_is_the_same_table_split_as_the_kernel_splits_it(kind: SimCluster) -> None:
    info = sh(kind, "cat /proc/self/mountinfo").splitlines()
    mounts = sh(kind, "cat /proc/mounts").splitlines()
    assert len(info) == len(mounts)
    ids = set()
    for line, expected in zip(info, mounts, strict=True):
        left, right = line.split(" - ")
        mount_id, parent, _dev, root, target, flags, *optional = left.split()
        fstype, source, super_opts = right.split()
        extra = [o for o in super_opts.split(",") if o not in ("rw", "ro")]
        assert f"{source} {target} {fstype} {','.join([flags, *extra])} 0 0" == expected
        assert optional[0].startswith("shared:")  # kind: mount --make-rshared /
        assert parent in ids or not ids
        ids.add(mount_id)
    by_target = {ln.split(" - ")[0].split()[4]: ln for ln in info}
    assert " /var/lib/docker/volumes/" in by_target["/var"] and " 8:1 " in by_target["/var"]
    assert by_target["/sys"].endswith(" - sysfs sysfs ro")  # remounted, the superblock too
    for line in (SAMPLES / "proc-self-mountinfo-docker.txt").read_text().splitlines():
        fields = line.split()
        ours = by_target[fields[4]].split()
        assert ours[3:6] == fields[3:6]  # root, target, per-mount flags
        assert ours[-3:] == fields[-3:]  # fstype, source, superblock options
    assert sh(kind, "ls /proc/$(pgrep -x etcd)").split().count("mountinfo") == 0


WEB = """apiVersion: v1
kind: Secret
metadata: {name: web-tls, namespace: default}
data: {tls.crt: YQ==}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-conf, namespace: default}
data: {a: b}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers:
  - name: web
    image: nginx:1.27
    volumeMounts:
    - {name: tls, mountPath: /etc/tls, readOnly: true}
    - {name: conf, mountPath: /etc/nginx/conf.d}
  volumes:
  - {name: tls, secret: {secretName: web-tls}}
  - {name: conf, configMap: {name: web-conf}}
"""


def test_a_pods_secret_is_a_tmpfs_on_the_node_and_in_its_container() -> None:
    clock = Clock(frozen_at=NOW)
    c = create_cluster("kind", 1, 1, clock=clock, age=480)
    c.apply(WEB)
    clock.advance(60)
    c.sync()
    uid = next(p.uid for p in c.nodes[1].kubelet.pods.values() if p.name == "web")
    node = sh(c, "grep kubelet/pods/ /proc/mounts", node="kind-worker").splitlines()
    secret = f"tmpfs /var/lib/kubelet/pods/{uid}/volumes/kubernetes.io~secret/tls tmpfs rw,"
    assert any(ln.startswith(secret) for ln in node)
    assert any(f"/pods/{uid}/volumes/kubernetes.io~projected/kube-api-access-" in ln
               for ln in node)
    assert not any("~configmap" in ln for ln in node)  # a directory on /var, not a mount
    inside = sh(c, "cat /proc/$(pgrep -x nginx)/mounts", node="kind-worker").splitlines()
    targets = [ln.split()[1] for ln in inside]
    assert inside[targets.index("/etc/tls")].startswith("tmpfs /etc/tls tmpfs ro,relatime,")
    assert inside[targets.index("/etc/nginx/conf.d")].startswith("/dev/sda1 /etc/nginx/conf.d ")
    assert targets.count("/var/run/secrets/kubernetes.io/serviceaccount") == 1
