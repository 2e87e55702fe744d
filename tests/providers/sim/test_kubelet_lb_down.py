"""kubelet_lb_down: what a worker's kubelet, which dials kind's HA load balancer, logs while
no API server behind it is healthy (client-go v0.33.1 rest/request.go + rest/with_retry.go:
GETs retried on EOF until the heartbeat client's 10 s timeout; component-helpers v0.33.1
lease controller), derived when the journal is read."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from app.providers.sim import kubelet_api_down, kubelet_lb_down
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster

LB = "https://kind-external-load-balancer:6443"
LEASE = f"{LB}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kind-worker"
SAMPLE = Path(__file__).parents[2] / "fidelity" / "samples" / "kubelet-journal-lb-eof.txt"


def ha() -> SimCluster:
    cluster = create_cluster("kind", 3, 1, seed=2, clock=Clock(frozen_at=1764118800.0))
    cluster.sync()
    return cluster


def no_backend(cluster: SimCluster) -> None:
    """As test_loadbalancer.py: the last etcd member has no quorum, its API server fails
    /healthz, the others are off."""
    cluster.node("control-plane2").power_off()
    cluster.node("control-plane3").power_off()


def journal(cluster: SimCluster, node: str, pattern: str = "") -> list[str]:
    out = cluster.open_terminal(node).run("journalctl -u kubelet --no-pager").output
    return [line for line in out.splitlines() if re.search(pattern, line)]


def at(line: str) -> float:
    """The klog time of a journal line (the twin's clock is in 2025, UTC)."""
    month, day, _, _, _, _, clock = line.split()[:7]
    stamp = datetime.strptime(f"2025 {month} {day} {clock}", "%Y %b %d %H:%M:%S.%f")
    return stamp.replace(tzinfo=UTC).timestamp()


def gaps(lines: list[str]) -> list[float]:
    times = [at(x) for x in lines]
    return [round(b - a, 1) for a, b in zip(times, times[1:], strict=False)]


def test_a_healthy_ha_twin_logs_no_balancer_errors() -> None:
    cluster = ha()
    cluster.advance(120)
    assert kubelet_lb_down.windows_of(cluster) == []
    assert not journal(cluster, "kind-worker", "EOF| lease|Failed to get status")


def test_the_lease_put_fails_at_once_then_each_get_gives_up_after_10s() -> None:
    cluster = ha()
    no_backend(cluster)
    cluster.advance(120)
    puts = journal(cluster, "kind-worker", "Failed to update lease")
    assert len(puts) == 5 and gaps(puts) == [0.0] * 4
    assert puts[0].split()[5].startswith("E") and "controller.go:195]" in puts[0]
    assert puts[0].endswith(f'"Failed to update lease" err="Put \\"{LEASE}?timeout=10s\\": EOF"')
    fallback = journal(cluster, "kind-worker", "fallback to ensure lease")
    assert len(fallback) == 1 and fallback[0].endswith(
        'err="failed 5 attempts to update lease"')
    gets = journal(cluster, "kind-worker", "Failed to ensure lease exists")
    assert gets[0].endswith(
        f'err="Get \\"{LEASE}?timeout=10s\\": context deadline exceeded - error from a previous '
        'attempt: EOF" interval="200ms"')
    intervals = [re.search(r'interval="([^"]+)"', x).group(1) for x in gets]  # type: ignore
    assert intervals[:7] == ["200ms", "400ms", "800ms", "1.6s", "3.2s", "6.4s", "7s"]
    # each GET takes the 10 s of its 11 attempts, then the back-off before the next one
    assert gaps(gets)[:3] == [10.2, 10.4, 10.8] and gaps(gets)[6:] == [17.0]
    assert round(at(gets[0]) - at(puts[-1]), 1) == 10.0


def test_the_control_planes_kubelets_do_not_log_balancer_lines() -> None:
    cluster = ha()
    no_backend(cluster)
    cluster.advance(60)
    assert not journal(cluster, "kind-control-plane", "EOF")
    # the one still powered has its own API server accepting: not a refusal either
    assert kubelet_api_down.windows_of(cluster) == []


def test_pods_whose_status_changed_are_fetched_one_at_a_time_each_failing_after_10s() -> None:
    cluster = ha()
    no_backend(cluster)
    cluster.advance(5)
    sh = cluster.open_terminal("kind-worker")
    ids = sh.run("crictl ps -q --name kube-proxy").output.split()
    sh.run(f"crictl stop {ids[0]}")
    cluster.advance(60)
    lines = journal(cluster, "kind-worker", "Failed to get status for pod")
    assert lines and all("kube-proxy-" in x for x in lines)
    assert lines[0].split()[5].startswith("I") and "status_manager.go:890]" in lines[0]
    pod = re.search(r'pod="kube-system/(kube-proxy-[^"]+)"', lines[0]).group(1)  # type: ignore
    assert lines[0].endswith(
        f'err="Get \\"{LB}/api/v1/namespaces/kube-system/pods/{pod}\\": EOF"')
    assert all(9.9 < g < 10.2 for g in gaps(lines))  # back to back, ~10 s each
    assert not journal(cluster, "kind-worker", "Failed to get status for pod.*kindnet")


def test_the_lines_stop_once_a_backend_is_healthy_again() -> None:
    cluster = ha()
    no_backend(cluster)
    cluster.advance(120)
    cluster.node("control-plane2").power_on()
    cluster.advance(120)
    windows = kubelet_lb_down.windows_of(cluster)
    assert len(windows) == 1 and windows[0][1] < cluster.t
    back = windows[0][1]
    lines = journal(cluster, "kind-worker", "EOF")
    assert lines and max(at(x) for x in lines) <= back + 10
    count = len(lines)
    cluster.advance(120)
    assert len(journal(cluster, "kind-worker", "EOF")) == count


def test_an_outage_of_hours_shows_its_last_hour() -> None:
    cluster = ha()
    no_backend(cluster)
    cluster.advance(3 * 3600)
    gets = journal(cluster, "kind-worker", "Failed to ensure lease exists")
    assert 3600 / 17 - 2 <= len(gets) <= 3600 / 17 + 2
    assert cluster.t - 3600 - 17 <= at(gets[0])


def test_the_noted_windows_survive_a_snapshot() -> None:
    cluster = ha()
    no_backend(cluster)
    cluster.advance(60)
    raw = json.loads(json.dumps(cluster.to_json()))
    assert raw["api_down"] == cluster.api_down and cluster.api_down[0][2] == "lb"
    restored = SimCluster.from_json(raw)
    assert journal(restored, "kind-worker") == journal(cluster, "kind-worker")


def _error(line: str) -> str:
    """The error after the URL, with the Go client's wrapping: what a real line shows too."""
    return re.split(r'(?:https://\S+?(?:\\"|"|: ))', line)[-1].strip('"\\ :')


def test_the_errors_have_the_wording_real_go_clients_log() -> None:
    real = {_error(x) for x in SAMPLE.read_text().splitlines()}
    assert "EOF" in real and "context deadline exceeded - error from a previous attempt: EOF" \
        in real
    cluster = ha()
    no_backend(cluster)
    cluster.advance(5)
    sh = cluster.open_terminal("kind-worker")
    sh.run(f"crictl stop {sh.run('crictl ps -q --name kube-proxy').output.split()[0]}")
    cluster.advance(60)
    ours = {re.sub(r'" interval="[^"]+"$', "", x).rsplit('\\": ', 1)[1].rstrip('"')
            for x in journal(cluster, "kind-worker", "EOF")}
    assert ours == {"EOF", "context deadline exceeded - error from a previous attempt: EOF"}
    assert ours <= real


def test_node_status_patches_at_the_next_5_min_report_then_gets_take_10s_each() -> None:
    cluster = ha()
    no_backend(cluster)
    cluster.advance(420)
    lines = journal(cluster, "kind-worker", "node_status.go:5(48|35)")
    assert lines and "failed to patch status" in lines[0]  # nothing before the 5-min report
    assert 0 < at(lines[0]) - cluster.t + 420 <= 300 + 10
    patch = lines[0].split(" err=", 1)[1]
    stamp = lines[0].split()[2]
    assert patch == (
        '"failed to patch status \\"{\\\\\\"status\\\\\\":{\\\\\\"$setElementOrder/conditions'
        '\\\\\\":[{\\\\\\"type\\\\\\":\\\\\\"MemoryPressure\\\\\\"},{\\\\\\"type\\\\\\":\\\\\\"'
        'DiskPressure\\\\\\"},{\\\\\\"type\\\\\\":\\\\\\"PIDPressure\\\\\\"},{\\\\\\"type\\\\\\":'
        '\\\\\\"Ready\\\\\\"}],\\\\\\"conditions\\\\\\":['
        + ",".join(f'{{\\\\\\"lastHeartbeatTime\\\\\\":\\\\\\"2025-11-26T{stamp}Z\\\\\\",'
                   f'\\\\\\"type\\\\\\":\\\\\\"{t}\\\\\\"}}'
                   for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready"))
        + ']}}\\" for node \\"kind-worker\\": Patch \\"' + LB
        + '/api/v1/nodes/kind-worker/status?timeout=10s\\": EOF"')
    assert lines[1].endswith(
        'err="error getting node \\"kind-worker\\": Get \\"' + LB + '/api/v1/nodes/kind-worker'
        '?timeout=10s\\": context deadline exceeded - error from a previous attempt: EOF"')
    assert lines[5].endswith('"Unable to update node status" err="update node status exceeds '
                             'retry count"')
    assert gaps(lines[:7]) == [10.0, 10.0, 10.0, 10.0, 0.0, 10.0]  # then 10 s until the next


def test_the_patch_line_has_the_shape_of_a_real_v1_32_kubelets() -> None:
    real = [x for x in SAMPLE.read_text().splitlines() if "failed to patch status" in x][0]
    cluster = ha()
    no_backend(cluster)
    cluster.advance(420)
    ours = journal(cluster, "kind-worker", "failed to patch status")[0]

    def shape(line: str) -> str:
        # a kind node has no NetworkUnavailable condition (kindnet does not set one)
        msg = line.split("] ", 1)[1].replace(
            '{\\\\\\"type\\\\\\":\\\\\\"NetworkUnavailable\\\\\\"},', "")
        for pattern, value in ((r"https://[^/\\]+", "S"), (r"\d{4}-\d\d-\d\dT[\d:]+Z", "T"),
                               (r'(node |nodes/)(\\"|)[a-z-]+', r"\1\2N"),
                               (r": (dial tcp|EOF).*$", ": ERR")):
            msg = re.sub(pattern, value, msg)
        return msg

    assert shape(ours) == shape(real)
