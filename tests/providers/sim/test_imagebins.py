"""/opt/cni/bin holds the four CNI plugins kind v0.29.0's base image builds, listed with their
sizes from one template every twin shares."""

from __future__ import annotations

import pytest

from app.providers.sim import imagebins
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


@pytest.fixture(scope="module")
def kind() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_opt_cni_bin_lists_kinds_four_plugins_as_root_owned_executables(kind: SimCluster) -> None:
    rows = sh(kind, "ls -la /opt/cni/bin").splitlines()
    files = [r.split() for r in rows if r.startswith("-")]
    assert [f[-1] for f in files] == ["host-local", "loopback", "portmap", "ptp"]
    for f in files:
        assert f[:4] == ["-rwxr-xr-x", "1", "root", "root"]
        assert int(f[4]) == imagebins.CNI_PLUGINS[f[-1]]
        assert f[5:8] == ["May", "21", "2025"]  # kindest/base:v20250521-31a79fd4
    assert sh(kind, "ls -1 /opt/cni/bin", node="kind-worker").split() == [f[-1] for f in files]


def test_file_says_a_static_go_binary(kind: SimCluster) -> None:
    out = sh(kind, "file /opt/cni/bin/ptp")
    assert out.startswith("/opt/cni/bin/ptp: ELF 64-bit LSB executable, x86-64, version 1 "
                          "(SYSV), statically linked, Go BuildID=")
    assert out.endswith(", with debug_info, not stripped\n")


def test_binaries_are_shared_not_stored_per_twin(kind: SimCluster) -> None:
    other = create_cluster("other", 1, 0, clock=Clock(frozen_at=NOW))
    a, b = kind.nodes[0].vfs, other.nodes[0].vfs
    assert a.lstat("/opt/cni/bin/ptp") is b.lstat("/opt/cni/bin/ptp")
    assert not any(p.startswith("/opt/cni") for p in b.to_json())


def test_an_edited_binary_shows_the_bytes_it_now_has() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    sh(c, "echo broken > /opt/cni/bin/portmap")
    assert sh(c, "stat -c %s /opt/cni/bin/portmap") == "7\n"
    sh(c, "rm /opt/cni/bin/loopback")
    assert sh(c, "ls /opt/cni/bin").split() == ["host-local", "portmap", "ptp"]
