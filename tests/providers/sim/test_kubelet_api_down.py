"""kubelet_api_down: what a running kubelet logs while its API server refuses connections
(shared/reference/real-output.md §1c; lease lines from component-helpers v0.33.1
apimachinery/lease/controller.go), derived when the journal is read."""

from __future__ import annotations

import json
import re

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster

MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml"
ASIDE = "/root/kube-apiserver.yaml"
REFUSED = "dial tcp 172.18.0.2:6443: connect: connection refused"


def twin() -> SimCluster:
    cluster = create_cluster("kind", 1, 1, seed=1, clock=Clock(frozen_at=1764118800.0))
    cluster.sync()
    return cluster


def journal(cluster: SimCluster, node: str, pattern: str = "") -> list[str]:
    out = cluster.open_terminal(node).run("journalctl -u kubelet --no-pager").output
    return [line for line in out.splitlines() if re.search(pattern, line)]


def api(cluster: SimCluster, up: bool) -> None:
    cp = cluster.node("kind-control-plane")
    cp.vfs.rename(ASIDE, MANIFEST) if up else cp.vfs.rename(MANIFEST, ASIDE)
    cluster.settle()


def intervals(lines: list[str]) -> list[str]:
    return [m.group(1) for line in lines if (m := re.search(r'interval="([^"]+)"', line))]


def test_a_healthy_twin_notes_no_refusal_and_logs_no_api_errors() -> None:
    cluster = twin()
    assert cluster.api_down == []
    for node in ("kind-control-plane", "kind-worker"):
        assert not journal(cluster, node, r"connection refused|Unable to update node status")


def test_node_status_fails_every_10s_once_its_5_minute_report_is_due() -> None:
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(240)
    # the first try reads the Node from the informer cache: nothing to send, nothing logged
    assert not journal(cluster, "kind-worker", "Error updating node status")
    cluster.advance(100)  # past the next 5-minute report
    status = journal(cluster, "kind-worker", "Error updating node status")
    assert status and len(status) % 5 == 0
    patch, get = status[0], status[1]
    assert patch.split()[5].startswith("E") and "kubelet_node_status.go:548]" in patch
    assert 'err="failed to patch status \\"{\\\\\\"status\\\\\\":{' \
        '\\\\\\"$setElementOrder/conditions' in patch
    assert patch.endswith('for node \\"kind-worker\\": Patch \\"https://kind-control-plane:6443/api/v1/'
                          f'nodes/kind-worker/status?timeout=10s\\": {REFUSED}"')
    assert get.endswith('err="error getting node \\"kind-worker\\": Get \\"https://kind-control-plane:'
                        f'6443/api/v1/nodes/kind-worker?timeout=10s\\": {REFUSED}"')
    assert not [x for x in status if "resourceVersion" in x]
    gave_up = journal(cluster, "kind-worker", "Unable to update node status")
    assert len(gave_up) == len(status) // 5 >= 3  # every 10 s once due
    assert 'err="update node status exceeds retry count"' in gave_up[0]


def test_the_lease_is_updated_five_times_then_ensured_with_a_back_off_to_7s() -> None:
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(60)
    lines = journal(cluster, "kind-control-plane", "controller.go")
    puts = [x for x in lines if "Failed to update lease" in x]
    assert len(puts) == 5 and all("controller.go:195]" in x for x in puts)
    assert 'err="Put \\"https://172.18.0.2:6443/apis/coordination.k8s.io/v1/namespaces/' \
           f'kube-node-lease/leases/kind-control-plane?timeout=10s\\": {REFUSED}"' in puts[0]
    fallback = lines[5]
    assert fallback.split()[5].startswith("I") and "controller.go:115]" in fallback
    assert fallback.endswith('"failed to update lease using latest lease, fallback to ensure '
                             'lease" err="failed 5 attempts to update lease"')
    ensure = [x for x in lines if "Failed to ensure lease exists, will retry" in x]
    assert intervals(ensure)[:8] == ["200ms", "400ms", "800ms", "1.6s", "3.2s", "6.4s", "7s",
                                     "7s"]
    assert 'err="Get \\"https://172.18.0.2:6443/apis/coordination.k8s.io/v1/namespaces/' \
           f'kube-node-lease/leases/kind-control-plane?timeout=10s\\": {REFUSED}"' in ensure[0]


def test_the_lines_stop_once_the_api_answers_and_come_back_with_the_next_outage() -> None:
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(60)
    api(cluster, up=True)
    cluster.advance(120)
    before = journal(cluster, "kind-worker", "connection refused")
    cluster.advance(120)
    assert journal(cluster, "kind-worker", "connection refused") == before
    assert len(cluster.api_down) == 1 and cluster.api_down[0][1] is not None

    api(cluster, up=False)
    cluster.advance(30)
    assert len(cluster.api_down) == 2
    again = journal(cluster, "kind-worker", "Failed to ensure lease exists")
    # a second outage starts a new back-off, after a new try to update the held lease
    assert intervals(again).count("200ms") == 2
    assert len(journal(cluster, "kind-worker", "Failed to update lease")) == 10


def test_a_kubelet_restarted_while_the_api_is_down_retries_its_registration() -> None:
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(5)
    cluster.open_terminal("kind-worker").run("systemctl restart kubelet")
    cluster.advance(40)
    lines = journal(cluster, "kind-worker")
    start = max(i for i, x in enumerate(lines) if "Started kubelet.service" in x)
    run = lines[start:]
    unable = [x for x in run if "Unable to register node with API server" in x]
    assert len(unable) >= 6
    assert f'err="Post \\"https://kind-control-plane:6443/api/v1/nodes\\": {REFUSED}" ' \
           'node="kind-worker"' in unable[0]
    attempts = [x for x in run if "Attempting to register node" in x]
    assert len(attempts) == len(unable)
    # no lease was held in this run: straight to ensuring it; no status before registering
    assert not [x for x in run if "Failed to update lease" in x]
    assert intervals([x for x in run if "ensure lease" in x])[0] == "200ms"
    assert not [x for x in run if "Error updating node status" in x]
    assert not [x for x in run if "Successfully registered node" in x]
    assert "kubelet_node_status.go:107]" in unable[0]
    # its informers' first LISTs fail (client-go v0.33.1 reflector.go:200), with a back-off
    watch = [x for x in run if '"Failed to watch"' in x]
    kinds = {re.search(r'type="\*v1\.(\w+)"', x).group(1) for x in watch}  # type: ignore[union-attr]
    assert kinds == {"Node", "Service", "CSIDriver", "RuntimeClass"}
    node_lists = [x for x in watch if 'type="*v1.Node"' in x]
    assert 4 <= len(node_lists) <= 7  # at 0, [0.8, 1.6), [1.6, 3.2)... seconds: 40 s
    assert node_lists[0].endswith(
        '"Failed to watch" err="failed to list *v1.Node: Get \\"https://kind-control-plane:6443'
        '/api/v1/nodes?fieldSelector=metadata.name%3Dkind-worker&limit=500&resourceVersion=0'
        f'\\": {REFUSED}" logger="UnhandledError" '
        'reflector="k8s.io/client-go/informers/factory.go:160" type="*v1.Node"')
    assert "fieldSelector=spec.clusterIP%21%3DNone&limit=500" in \
        next(x for x in watch if 'type="*v1.Service"' in x)
    eviction = [x for x in run if "Eviction manager" in x]
    assert len(eviction) in (3, 4) and "eviction_manager.go:292]" in eviction[0]
    assert eviction[0].endswith('"Eviction manager: failed to get summary stats" err="failed '
                                'to get node info: node \\"kind-worker\\" not found"')

    api(cluster, up=True)
    cluster.advance(60)
    run = journal(cluster, "kind-worker")[start:]
    registered = [i for i, x in enumerate(run) if "Successfully registered node" in x]
    assert len(registered) == 1
    assert "Node was previously registered" in run[registered[0] - 1]
    assert "Attempting to register node" in run[registered[0] - 2]
    assert not [x for x in run[registered[0]:] if "connection refused" in x]
    # the eviction manager finds the node once the Node informer's next LIST succeeds
    evictions = len([x for x in run if "Eviction manager" in x])
    cluster.advance(120)
    assert len(journal(cluster, "kind-worker", "Eviction manager")) == evictions


def test_a_kubelet_that_had_listed_retries_its_watches_silently() -> None:
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(60)
    assert not journal(cluster, "kind-worker", "Failed to watch|Eviction manager")


def test_a_stopped_control_plane_node_no_longer_resolves_for_the_worker() -> None:
    # a real kind worker's journal once its control-plane container stopped: "dial tcp: lookup
    # <cp> on <docker dns>:53: no such host" (public notes on a kind API-server failure)
    cluster = twin()
    cluster.node("kind-control-plane").power_off()
    cluster.advance(330)  # past the worker's next 5-minute status report
    status = journal(cluster, "kind-worker", "Error updating node status")
    assert status and all(
        "dial tcp: lookup kind-control-plane on 127.0.0.11:53: no such host" in x
        for x in status)


def test_an_outage_of_hours_shows_its_last_hour() -> None:
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(3 * 3600)
    lease = journal(cluster, "kind-worker", "Failed to ensure lease exists")
    status = journal(cluster, "kind-worker", "Unable to update node status")
    assert 360 <= len(status) <= 361
    assert 510 <= len(lease) <= 520


def test_the_noted_outages_survive_a_snapshot() -> None:
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(30)
    raw = json.loads(json.dumps(cluster.to_json()))
    assert raw["api_down"] == cluster.api_down  # JSON-stable: lists, no tuples
    restored = SimCluster.from_json(raw)
    assert journal(restored, "kind-worker") == journal(cluster, "kind-worker")


def _normal(line: str) -> tuple[str, str]:
    """(source file, message) with what differs between clusters blanked: servers, addresses,
    node names, the dial's cause and the back-off interval."""
    head, msg = line.split("] ", 1)
    source = head.rsplit(" ", 1)[1].split(":")[0]
    for pattern, value in (
            (r"https://[^/\\\"]+", "https://SERVER"), (r"dial tcp [0-9.]+:\d+", "dial tcp ADDR"),
            (r"connect: [a-z ]+", "connect: CAUSE"),
            (r"(nodes|leases)/[^?\\\"]+", r"\1/NODE"), (r"metadata.name%3D[^&]+", "NODE"),
            (r'node \\"[^\\]+\\"', "node NODE"), (r'node="[^"]+"', 'node="NODE"'),
            (r'interval="[^"]+"', 'interval="I"'), (r'podUID="[^"]+"', 'podUID="U"'),
            (r'pod="[^"]+"', 'pod="P"'), (r"pods/[^\\\"]+", "pods/P"),
            (r'failed to patch status \\".*?\\" for node', "failed to patch status J for node")):
        msg = re.sub(pattern, value, msg)
    return source, msg


def test_every_line_matches_a_real_kubelet_journal_line() -> None:
    from pathlib import Path

    sample = (Path(__file__).parents[2] / "fidelity" / "samples" /
              "kubelet-journal-api-refused.txt").read_text().splitlines()
    cluster = twin()
    api(cluster, up=False)
    cluster.advance(5)
    cluster.open_terminal("kind-worker").run("systemctl restart kubelet")
    cluster.advance(330)  # past the control plane's next 5-minute status report
    ours = {_normal(x) for node in ("kind-control-plane", "kind-worker")
            for x in journal(cluster, node, r"^\S+ \S+ \S+ \S+ kubelet\[\d+\]: [EI]\d")}
    for real in sample:
        assert _normal(real) in ours, real


def test_pods_whose_status_changed_are_retried_by_the_status_manager_every_10s() -> None:
    cluster = twin()
    api(cluster, up=False)  # the scheduler loses its lease and exits: its status changes
    cluster.advance(60)
    lines = journal(cluster, "kind-control-plane",
                    "Failed to get status for pod.*kube-scheduler-kind-control-plane")
    assert 5 <= len(lines) <= 7  # when it changed, then every batch sync
    assert lines[0].split()[5].startswith("I") and "status_manager.go:890]" in lines[0]
    assert lines[0].endswith(
        'pod="kube-system/kube-scheduler-kind-control-plane" err="Get \\"https://172.18.0.2:6443'
        f'/api/v1/namespaces/kube-system/pods/kube-scheduler-kind-control-plane\\": {REFUSED}"')
    # a static pod removed from the manifests has no status left to write
    assert not journal(cluster, "kind-control-plane",
                       "Failed to get status for pod.*kube-apiserver-kind-control-plane")
    assert not journal(cluster, "kind-worker", "Failed to get status for pod")  # no change there
