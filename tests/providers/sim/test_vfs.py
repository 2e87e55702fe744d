"""The node filesystem: copy-on-write over a shared template, with C-library error wording."""

from __future__ import annotations

import pytest

from app.providers.sim.vfs import VFS, IsADirectory, NotFound, build_template

TEMPLATE = build_template({"/etc/hosts": (b"127.0.0.1 localhost\n", 0o644),
                           "/etc/kubernetes/manifests/etcd.yaml": (b"kind: Pod\n", 0o600)})


def test_writes_never_touch_the_shared_template() -> None:
    a, b = VFS(TEMPLATE), VFS(TEMPLATE)
    a.write("/etc/hosts", b"changed\n")
    assert a.read("/etc/hosts") == b"changed\n"
    assert b.read("/etc/hosts") == b"127.0.0.1 localhost\n"


def test_a_deleted_template_file_is_gone_only_for_that_node() -> None:
    a, b = VFS(TEMPLATE), VFS(TEMPLATE)
    a.remove("/etc/hosts")
    assert not a.exists("/etc/hosts")
    assert b.exists("/etc/hosts")
    assert "hosts" not in a.listdir("/etc")


def test_errors_read_like_strerror() -> None:
    v = VFS(TEMPLATE)
    with pytest.raises(NotFound) as err:
        v.read("/nope")
    assert str(err.value) == "No such file or directory"
    with pytest.raises(IsADirectory):
        v.read("/etc")


def test_rename_moves_a_manifest_out_of_the_watched_directory() -> None:
    v = VFS(TEMPLATE)
    v.mkdir("/root/backup", parents=True)
    v.rename("/etc/kubernetes/manifests/etcd.yaml", "/root/backup/")
    assert v.listdir("/etc/kubernetes/manifests") == []
    assert v.read("/root/backup/etcd.yaml") == b"kind: Pod\n"


def test_write_keeps_mode_and_sets_mtime_from_the_twin_clock() -> None:
    v = VFS(TEMPLATE)
    v.now = 1234.0
    v.write("/etc/kubernetes/manifests/etcd.yaml", b"kind: Pod # edited\n")
    node = v.stat("/etc/kubernetes/manifests/etcd.yaml")
    assert node.mode == 0o600 and node.mtime == 1234.0


def test_glob_matches_like_bash() -> None:
    v = VFS(TEMPLATE)
    assert v.glob("/etc/kubernetes/manifests/*.yaml") == ["/etc/kubernetes/manifests/etcd.yaml"]
    assert v.glob("/etc/*.conf") == []


def test_only_the_own_layer_is_serialised() -> None:
    v = VFS(TEMPLATE)
    v.write("/tmp-file", b"x")
    raw = v.to_json()
    assert list(raw) == ["/tmp-file"]
    assert VFS.from_json(raw, TEMPLATE).read("/tmp-file") == b"x"


def test_each_generated_tree_is_built_only_when_its_own_mount_is_read() -> None:
    from app.providers.sim.vfs import DIR, FILE, Inode

    tree = build_template({}, {"/proc": 0o555, "/run/containerd": 0o711})
    v = VFS(tree)
    built: list[str] = []

    def proc() -> dict[str, Inode]:
        built.append("proc")
        return {"/proc/1": Inode(DIR, mode=0o555, virtual=True)}

    def run() -> dict[str, Inode]:
        built.append("run")
        return {"/run/containerd/containerd.sock": Inode(FILE, mode=0o660)}

    v.mount(("/proc", "/run/containerd"), {"/proc": proc, "/run/containerd": run}, lambda: 1)
    assert v.exists("/run/containerd/containerd.sock") and built == ["run"]
    assert v.listdir("/proc") == ["1"] and v.listdir("/run/containerd") == ["containerd.sock"]
    assert built == ["run", "proc"]  # each once while the key holds


def test_a_link_through_another_link_resolves() -> None:
    """/proc/mounts -> self/mounts, /proc/self -> <pid>."""
    from app.providers.sim.vfs import LINK, Inode

    tree = build_template({"/proc/42/mounts": (b"proc /proc proc rw 0 0\n", 0o444)})
    tree["/proc/self"] = Inode(LINK, mode=0o777, target="42", virtual=True)
    tree["/proc/mounts"] = Inode(LINK, mode=0o777, target="self/mounts")
    v = VFS(tree)
    assert v.read("/proc/mounts") == b"proc /proc proc rw 0 0\n"
    assert v.lstat("/proc/self").size == 0 and v.lstat("/proc/mounts").size == 11
