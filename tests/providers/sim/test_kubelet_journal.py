"""After its start-up lines, a kubelet logs what it does at verbosity 0: registration, volume
verification, pod start-up durations, the pod CIDR, the node turning ready; nothing of V(2)."""

from __future__ import annotations

import json
import re

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


def twin() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_kubelet_registers_its_node_after_start_up() -> None:
    text = sh(twin(), "journalctl -u kubelet")
    attempt = text.index('kubelet_node_status.go:75] "Attempting to register node" '
                         'node="kind-control-plane"')
    done = text.index('kubelet_node_status.go:78] "Successfully registered node" '
                      'node="kind-control-plane"')
    assert text.index('"Desired state populator starts to run"') < attempt < done
    assert '"Updating Pod CIDR" originalPodCIDR="" newPodCIDR="10.244.0.0/24"' in text
    assert '"Fast updating node status as it just became ready"' in text


def test_each_static_pod_volume_is_verified_with_its_host_path_unique_name() -> None:
    c = twin()
    text = sh(c, "journalctl -u kubelet")
    uid = json.loads(sh(c, "kubectl get pod -n kube-system etcd-kind-control-plane -o json")
                     )["metadata"]["annotations"]["kubernetes.io/config.hash"]
    assert (f'reconciler_common.go:258] "operationExecutor.VerifyControllerAttachedVolume '
            f'started for volume \\"etcd-data\\" (UniqueName: \\"kubernetes.io/host-path/{uid}-'
            f'etcd-data\\") pod \\"etcd-kind-control-plane\\" (UID: \\"{uid}\\") " '
            f'pod="kube-system/etcd-kind-control-plane"') in text


def test_api_pods_get_their_service_account_token_volume_and_a_startup_duration() -> None:
    text = sh(twin(), "journalctl -u kubelet", "kind-worker")
    assert re.search(r'started for volume \\"kube-api-access-[a-z0-9]{5}\\" \(UniqueName: '
                     r'\\"kubernetes\.io/projected/[-0-9a-f]+-kube-api-access-', text)
    m = re.search(r'pod_startup_latency_tracker\.go:104\] "Observed pod startup duration" '
                  r'pod="kube-system/kube-proxy-\w+" podStartSLOduration=([0-9.]+) '
                  r'podStartE2EDuration="([0-9.]+)s" podCreationTimestamp="[-0-9]+ [:0-9]+ '
                  r'\+0000 UTC" firstStartedPulling="0001-01-01 00:00:00 \+0000 UTC" '
                  r'lastFinishedPulling="0001-01-01 00:00:00 \+0000 UTC" observedRunningTime='
                  r'"[-0-9]+ [:.0-9]+ \+0000 UTC m=\+[0-9]+\.[0-9]{9}"', text)
    assert m is not None and float(m.group(1)) > 0 and m.group(1).startswith(m.group(2)[:6])


def test_no_verbose_lines_and_no_repeats_at_default_verbosity() -> None:
    c = twin()
    text = sh(c, "journalctl -u kubelet")
    assert "Caches populated" not in text and "SyncLoop" not in text
    c.clock.advance(3600)
    later = sh(c, "journalctl -u kubelet")
    assert later.count('"Successfully registered node"') == 1
    assert later.count("Fast updating node status") == 1


def test_a_kubelet_restart_registers_again_as_previously_registered() -> None:
    c = twin()
    sh(c, "systemctl restart kubelet")
    c.clock.advance(30)
    pid = sh(c, "pgrep -x kubelet").strip()
    text = sh(c, "journalctl -u kubelet")
    assert re.search(rf'\[{pid}\]: I\S+ \S+ +{pid} kubelet_node_status\.go:124\] "Node was '
                     r'previously registered" node="kind-control-plane"', text)
    assert text.count('"Successfully registered node"') == 2


def test_a_stopped_kubelet_logs_nothing_after_its_stop() -> None:
    c = twin()
    sh(c, "systemctl stop kubelet")
    before = sh(c, "journalctl -u kubelet")
    c.clock.advance(600)
    assert sh(c, "journalctl -u kubelet") == before


def _shape(line: str) -> str:
    """A journal line's klog message with its values blanked: what must match a real one."""
    msg = line.split("] ", 1)[1]
    msg = re.sub(r'\\"[^"\\]*\\"', "Q", msg)
    return re.sub(r'=("(?:[^"\\]|\\.)*"|\S+)', "=V", msg)


def test_lines_have_the_shape_of_real_kubelet_journals() -> None:
    from pathlib import Path

    sample = (Path(__file__).parents[2] / "fidelity" / "samples" /
              "kubelet-journal-after-start.txt").read_text().splitlines()
    c = twin()
    text = (sh(c, "journalctl -u kubelet", "kind-worker") + sh(c, "journalctl -u kubelet")
            ).splitlines()
    for real in sample:
        source = real.split()[8].rstrip("]")
        ours = [ln for ln in text if f" {source}] " in ln and _shape(ln) == _shape(real)]
        assert ours, real


def test_a_restart_while_the_api_is_down_registers_nothing_but_keeps_trying() -> None:
    c = twin()
    c.node("control-plane").write_file(
        "/etc/kubernetes/manifests/kube-apiserver.yaml", b"not: a pod\n")
    c.clock.advance(30)
    sh(c, "systemctl restart kubelet")
    c.clock.advance(30)
    text = sh(c, "journalctl -u kubelet")
    unable = text.count('"Unable to register node with API server"')
    assert unable >= 6  # tried with a back-off (kubelet_api_down.py tells how)
    assert text.count('"Attempting to register node"') == 1 + unable
    assert text.count('"Successfully registered node"') == 1
