"""systemctl cat/show/list-units --failed and journalctl -p/-o cat/bundled flags on a twin node."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.shell.journal_more import parse_priority, priority_of
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=300)


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def test_cat_prints_fragment_then_dropins_with_path_headers(cluster: SimCluster) -> None:
    out, code = sh(cluster, "systemctl cat kubelet")
    assert code == 0
    headers = [ln for ln in out.splitlines() if ln.startswith("# /")]
    assert headers == ["# /etc/systemd/system/kubelet.service",
                       "# /etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                       "# /etc/systemd/system/kubelet.service.d/11-kind.conf"]
    assert "\n\n# /etc/systemd/system/kubelet.service.d/10-kubeadm.conf\n" in out
    assert "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS" in out
    out, _ = sh(cluster, "systemctl cat containerd.service")
    assert out.startswith("# /etc/systemd/system/containerd.service\n# derived containerd")
    assert sh(cluster, "systemctl cat foo") == ("No files found for foo.service.\n", 1)


def test_show_property_and_value(cluster: SimCluster) -> None:
    assert sh(cluster, "systemctl show kubelet -p ActiveState") == ("ActiveState=active\n", 0)
    assert sh(cluster, "systemctl show -p ActiveState,SubState --value kubelet") == \
        ("active\nrunning\n", 0)
    out, _ = sh(cluster, "systemctl show containerd --property=UnitFileState")
    assert out == "UnitFileState=enabled\n"


def test_list_units_failed_is_empty_on_a_healthy_node(cluster: SimCluster) -> None:
    assert sh(cluster, "systemctl list-units --failed") == \
        ("  UNIT LOAD ACTIVE SUB DESCRIPTION\n0 loaded units listed.\n", 0)
    out, _ = sh(cluster, "systemctl list-units --state=running")
    assert "kubelet.service" in out and "2 loaded units listed." in out


def test_journalctl_bundled_short_flags(cluster: SimCluster) -> None:
    out, code = sh(cluster, "journalctl -xeu containerd")
    assert code == 0 and "kubelet" not in out
    out, _ = sh(cluster, "journalctl -u kubelet -n1")
    assert len(out.splitlines()) == 1


def test_journalctl_output_cat_prints_the_message_only(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "journalctl -u kubelet -o cat -n 1")
    full, _ = sh(cluster, "journalctl -u kubelet -n 1")
    assert full.endswith(": " + out)
    assert not out.startswith("Nov ")


def test_journalctl_priority_keeps_service_output_at_info(cluster: SimCluster) -> None:
    assert sh(cluster, "journalctl -u kubelet -p err") == ("-- No entries --\n", 0)
    assert sh(cluster, "journalctl -u kubelet -p bogus") == \
        ("Failed to parse priority value: bogus\n", 1)
    assert priority_of(231, 'E1126 00:56:00 ... "Error syncing pod"') == 6
    assert priority_of(1, "kubelet.service: Failed with result 'exit-code'.") == 4
    assert [parse_priority(v) for v in ("err", "3", "0..warning", "info")] == [3, 3, 4, 6]


def test_journalctl_since_absolute_timestamps() -> None:
    from app.providers.sim.shell.journal_more import absolute_since

    assert absolute_since(NOW, "2025-11-26 00:55:00") == 1764118500.0
    assert absolute_since(NOW, "2025-11-26 00:55") == 1764118500.0
    assert absolute_since(NOW, "00:55") == 1764118500.0
    assert absolute_since(NOW, "today") == 1764115200.0
    assert absolute_since(NOW, "soon") is None


def test_journalctl_since_filters_by_absolute_time(cluster: SimCluster) -> None:
    assert sh(cluster, 'journalctl -u kubelet --since "2030-01-01 00:00:00"') == \
        ("-- No entries --\n", 0)
