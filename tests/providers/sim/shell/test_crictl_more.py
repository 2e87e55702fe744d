"""`crictl rm`, `rmp`, `inspectp`, `stats`, `statsp`: wording from cri-tools v1.33 sources, the
stats layout from real `crictl stats` output (samples/crictl-stats-kubeadm.txt), and the
kubelet reacting to removals as the real one does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.shell.crictl_more import human_size, rfc3339nano
from app.providers.sim.shell.gotemplate import TemplateError, render
from app.providers.sim.terminal import SimTerminal

SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"


@pytest.fixture
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0, seed=3, clock=Clock(frozen_at=1764118800.0), age=300)


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    out = SimTerminal(cluster, "kind-control-plane").run(line)
    return out.output, out.exit_code


def ids(cluster: SimCluster, line: str) -> list[str]:
    return sh(cluster, line)[0].split()


# --- rm ------------------------------------------------------------------------------------

def test_rm_refuses_a_running_container_with_crictls_error(cluster: SimCluster) -> None:
    cid = ids(cluster, "crictl ps -q --name kube-scheduler")[0]
    assert sh(cluster, f"crictl rm {cid[:13]}") == (
        f'FATA[0000] container "{cid[:13]}" is running, please stop it first\n', 1)
    assert ids(cluster, "crictl ps -q --name kube-scheduler") == [cid]


def test_rm_force_prints_the_id_twice_and_the_kubelet_starts_a_new_attempt_0(
        cluster: SimCluster) -> None:
    cid = ids(cluster, "crictl ps -q --name kube-scheduler")[0]
    # StopContainer prints the id, RemoveContainer prints it again (container.go).
    assert sh(cluster, f"crictl rm -f {cid[:13]}") == (f"{cid[:13]}\n{cid[:13]}\n", 0)
    cluster.advance(2)
    left = ids(cluster, "crictl ps -a -q --name kube-scheduler")
    assert len(left) == 1 and left[0] != cid
    # crictl deleted the log file too, so the kubelet counts from 0 again.
    assert '"attempt": 0' in sh(cluster, f"crictl inspect {left[0]}")[0]


def test_removed_exited_container_disappears_from_ps_a(cluster: SimCluster) -> None:
    cid = ids(cluster, "crictl ps -q --name kube-scheduler")[0]
    sh(cluster, f"crictl stop {cid}")
    cluster.advance(2)
    assert cid in ids(cluster, "crictl ps -a -q --name kube-scheduler")
    assert sh(cluster, f"crictl rm {cid}") == (f"{cid}\n", 0)
    cluster.advance(30)
    assert cid not in ids(cluster, "crictl ps -a -q --name kube-scheduler")
    assert len(ids(cluster, "crictl ps -q --name kube-scheduler")) == 1


def test_rm_all_removes_exited_and_aggregates_the_refusals(cluster: SimCluster) -> None:
    running = sorted(ids(cluster, "crictl ps -q"))
    out, code = sh(cluster, "crictl rm -a")
    assert code == 1 and out.startswith("FATA[0000] [container ")
    assert out.count("is running, please stop it first") == len(running)


def test_rm_of_an_unknown_id_is_the_status_error(cluster: SimCluster) -> None:
    assert sh(cluster, "crictl rm deadbeef") == (
        'FATA[0000] getting container status "deadbeef": rpc error: code = NotFound desc = an '
        'error occurred when try to find container "deadbeef": not found\n', 1)


# --- rmp -----------------------------------------------------------------------------------

def test_rmp_refuses_a_ready_sandbox(cluster: SimCluster) -> None:
    pod = ids(cluster, "crictl pods -q --name etcd")[0]
    assert sh(cluster, f"crictl rmp {pod[:13]}") == (
        f'FATA[0000] pod sandbox "{pod[:13]}" is running, please stop it first\n', 1)


def test_rmp_force_of_a_static_pod_makes_the_kubelet_recreate_it(cluster: SimCluster) -> None:
    pod = ids(cluster, "crictl pods -q --name etcd")[0]
    old = ids(cluster, "crictl ps -a -q --name etcd")
    assert sh(cluster, f"crictl rmp -f {pod[:13]}") == (
        f"Stopped sandbox {pod[:13]}\nRemoved sandbox {pod[:13]}\n", 0)
    cluster.advance(2)
    new_pod = ids(cluster, "crictl pods -q --name etcd")
    assert len(new_pod) == 1 and new_pod != [pod]
    new = ids(cluster, "crictl ps -a -q --name etcd")
    assert len(new) == 1 and new[0] not in old
    inspected = sh(cluster, f"crictl inspect {new[0]}")[0]
    # The pod's log files outlive the sandbox: the kubelet counts on from them.
    assert '"attempt": 1' in inspected and new_pod[0] in inspected
    assert sh(cluster, "kubectl get pods -n kube-system etcd-kind-control-plane "
                       "-o jsonpath='{.status.containerStatuses[0].restartCount}'")[0] == "1"


def test_rmp_unknown_and_rmp_all_with_nothing(cluster: SimCluster) -> None:
    assert sh(cluster, "crictl rmp nope") == (
        'FATA[0000] getting sandbox status of pod "nope": rpc error: code = NotFound desc = an '
        'error occurred when try to find sandbox: not found\n', 1)
    sh(cluster, "systemctl stop kubelet")  # else it recreates what is removed
    out, code = sh(cluster, "crictl rmp -af")
    assert code == 0 and out.count("Removed sandbox ") == out.count("Stopped sandbox ") > 5
    assert sh(cluster, "crictl ps -a -q") == ("", 0)
    assert sh(cluster, "crictl rmp -a") == ("INFO[0000] No pods to remove\n", 0)
    assert sh(cluster, "crictl rm -a") == ("INFO[0000] No containers to remove\n", 0)


def test_removals_survive_a_save_and_load(cluster: SimCluster) -> None:
    pod = ids(cluster, "crictl pods -q --name etcd")[0]
    sh(cluster, f"crictl rmp -f {pod}")
    again = SimCluster.from_json(json.loads(json.dumps(cluster.to_json())))
    assert ids(again, "crictl pods -q --name etcd") == ids(cluster, "crictl pods -q --name etcd")
    assert again.node("kind-control-plane").runtime.kept_logs == \
        cluster.node("kind-control-plane").runtime.kept_logs != {}


# --- inspectp ------------------------------------------------------------------------------

def test_inspectp_prints_status_and_info_with_sorted_keys(cluster: SimCluster) -> None:
    pod = ids(cluster, "crictl pods -q --name etcd")[0]
    out, code = sh(cluster, f"crictl inspectp {pod[:13]}")
    doc = json.loads(out)
    assert code == 0 and list(doc) == ["info", "status"]
    status = doc["status"]
    assert list(status) == sorted(status)  # Go's json.Marshal of a map sorts its keys
    assert status["id"] == pod and status["state"] == "SANDBOX_READY"
    assert status["metadata"] == {"attempt": 0, "name": "etcd-kind-control-plane",
                                  "namespace": "kube-system", "uid": status["metadata"]["uid"]}
    assert status["linux"]["namespaces"]["options"]["network"] == "NODE"
    assert status["network"] == {"additionalIps": [], "ip": ""}
    assert status["createdAt"] == "2025-11-26T00:55:00Z"
    assert doc["info"]["processStatus"] == "running" and doc["info"]["pid"] > 0
    assert out.startswith('{\n  "info": {\n')


def test_inspectp_yaml_template_and_errors(cluster: SimCluster) -> None:
    pod = ids(cluster, "crictl pods -q --name etcd")[0]
    assert "state: SANDBOX_READY" in sh(cluster, f"crictl inspectp -o yaml {pod}")[0]
    assert sh(cluster, f"crictl inspectp -o go-template --template '{{{{.status.state}}}}' "
                       f"{pod}") == ("SANDBOX_READY\n", 0)
    out, code = sh(cluster, f"crictl inspectp -o go-template --template '{{{{.status.x}}}}' "
                            f"{pod}")
    assert code == 1 and out == (
        'FATA[0000] get the status of pod sandboxes: execute template: failed to template data: '
        'template: tmplExecuteRawJSON:1:2: executing "tmplExecuteRawJSON" at <.status.x>: map '
        'has no entry for key "x"\n')
    assert sh(cluster, "crictl inspectp 0000") == (
        "FATA[0000] get the status of pod sandboxes: get pod sandbox status: rpc error: code = "
        "NotFound desc = an error occurred when try to find sandbox: not found\n", 1)


def test_rfc3339nano_drops_trailing_zeros() -> None:
    assert rfc3339nano(1764118500.0) == "2025-11-26T00:55:00Z"
    assert rfc3339nano(1764118500.25) == "2025-11-26T00:55:00.25Z"


def test_gotemplate_prints_maps_like_go() -> None:
    assert render("{{.a}} {{json .b}}", {"a": {"y": 1, "x": True}, "b": [1]}, "t") == \
        "map[x:true y:1] [1]\n"
    with pytest.raises(TemplateError, match='function "len" not defined'):
        render("{{len .a}}", {"a": []}, "t")


# --- stats / statsp ------------------------------------------------------------------------

def test_human_size_matches_real_cells() -> None:
    # go-units HumanSize (decimal, %.4g), as in samples/crictl-stats-kubeadm.txt.
    assert [human_size(x) for x in (305_600_000, 36_864, 12_288, 335_872, 0, 155_400_000)] == \
        ["305.6MB", "36.86kB", "12.29kB", "335.9kB", "0B", "155.4MB"]


def test_stats_table_has_the_real_layout(cluster: SimCluster) -> None:
    real = (SAMPLES / "crictl-stats-kubeadm.txt").read_text().splitlines()
    out, code = sh(cluster, "crictl stats")
    assert code == 0 and out.startswith("\x1b[2J\x1b[H")  # display.go ClearScreen
    lines = out[len("\x1b[2J\x1b[H"):].splitlines()
    assert lines[0] == real[0]  # same column widths: no name here is longer than the sample's
    row = re.compile(r"^[0-9a-f]{13} {7}\S+ +\d+\.\d\d +[\d.]+[kMG]?B +[\d.]+[kMG]?B +\d+ +0B$")
    assert all(row.match(x) for x in real[1:])
    assert len(lines) > 5 and all(row.match(x) for x in lines[1:])
    assert [x.split()[0] for x in lines[1:]] == sorted(x.split()[0] for x in lines[1:])


def test_stats_is_the_same_on_repeated_calls_and_filters_by_id(cluster: SimCluster) -> None:
    assert sh(cluster, "crictl stats")[0] == sh(cluster, "crictl stats")[0]
    cid = ids(cluster, "crictl ps -q --name etcd")[0]
    for line in (f"crictl stats --id {cid[:6]}", f"crictl stats {cid[:6]}"):
        rows = sh(cluster, line)[0].splitlines()[1:]
        assert len(rows) == 1 and rows[0].split()[:2] == [cid[:13], "etcd"]


def test_stats_skips_exited_containers_unless_all(cluster: SimCluster) -> None:
    cid = ids(cluster, "crictl ps -q --name kube-scheduler")[0]
    sh(cluster, f"crictl stop {cid}")
    cluster.advance(1)
    assert cid[:13] not in sh(cluster, "crictl stats")[0]
    row = next(x for x in sh(cluster, "crictl stats -a")[0].splitlines() if cid[:13] in x)
    assert row.split()[2:4] == ["0.00", "0B"]


def test_stats_json_is_the_list_response(cluster: SimCluster) -> None:
    doc = json.loads(sh(cluster, "crictl stats -o json")[0])
    first = doc["stats"][0]
    assert list(first) == ["attributes", "cpu", "memory", "writableLayer", "swap"]
    assert first["memory"]["workingSetBytes"]["value"].isdigit()


def test_statsp_lists_pods_with_their_containers_usage(cluster: SimCluster) -> None:
    out = sh(cluster, "crictl statsp")[0]
    lines = out[len("\x1b[2J\x1b[H"):].splitlines()
    assert lines[0].split() == ["POD", "POD", "ID", "CPU", "%", "MEM"]
    etcd = next(x for x in lines if x.startswith("etcd-kind-control-plane "))
    pod = ids(cluster, "crictl pods -q --name etcd")[0]
    assert etcd.split()[1] == pod[:13]
    doc = json.loads(sh(cluster, f"crictl statsp -o json --id {pod[:8]}")[0])
    assert [s["attributes"]["id"] for s in doc["stats"]] == [pod]


def test_rm_rmp_and_stats_replay_to_the_same_twin(cluster: SimCluster) -> None:
    """twinlog journals command lines: running them again on the saved state must agree."""
    from app.providers.sim import replay
    from app.providers.sim.shell.session import ShellSession
    from app.providers.sim.terminal import TwinHost

    saved = json.dumps(cluster.to_json())
    session = ShellSession(TwinHost(cluster), "kind-control-plane").to_json()
    lines = ["crictl rm -f $(crictl ps -q --name kube-scheduler)",
             "crictl rmp -f $(crictl pods -q --name etcd)", "crictl stats -a", "crictl statsp"]
    first = [replay.run_again(cluster, line, session, 1764118800.0 + i).output
             for i, line in enumerate(lines)]
    again = SimCluster.from_json(json.loads(saved))
    second = [replay.run_again(again, line, session, 1764118800.0 + i).output
              for i, line in enumerate(lines)]
    assert first == second
    assert json.dumps(again.to_json(), sort_keys=True) == \
        json.dumps(cluster.to_json(), sort_keys=True)


def test_stopp_makes_the_kubelet_start_the_pod_in_a_new_sandbox(cluster: SimCluster) -> None:
    pod = ids(cluster, "crictl pods -q --name kube-scheduler")[0]
    old = ids(cluster, "crictl ps -q --name kube-scheduler")[0]
    assert sh(cluster, f"crictl stopp {pod[:13]}") == (f"Stopped sandbox {pod[:13]}\n", 0)
    cluster.advance(1)
    rows = sh(cluster, "crictl pods --name kube-scheduler")[0].splitlines()[1:]
    # podSandboxChanged: a NotReady sandbox is replaced by a new one with attempt + 1; the old
    # one stays listed until the kubelet's garbage collection.
    assert [(r.split()[0], r.split()[4], r.split()[-2]) for r in rows] == [
        (rows[0].split()[0], "Ready", "1"), (pod[:13], "NotReady", "0")]
    running = ids(cluster, "crictl ps -q --name kube-scheduler")
    assert len(running) == 1 and running != [old]
    assert '"attempt": 1' in sh(cluster, f"crictl inspect {running[0]}")[0]
    assert sh(cluster, "crictl stopp nope") == (
        'FATA[0000] stopping the pod sandbox "nope": rpc error: code = NotFound desc = an error '
        'occurred when try to find sandbox "nope": not found\n', 1)


def test_version_is_containerds_cri_answer(cluster: SimCluster) -> None:
    # Same layout as containerd's docs/cri/crictl.md sample; containerd 2.1.1 in kind v0.29.
    assert sh(cluster, "crictl version") == (
        "Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  v2.1.1\n"
        "RuntimeApiVersion:  v1\n", 0)
    assert sh(cluster, "crictl --version") == ("crictl version v1.33.0\n", 0)


def test_moving_the_manifest_away_removes_every_sandbox_of_the_pod(cluster: SimCluster) -> None:
    pod = ids(cluster, "crictl pods -q --name kube-scheduler")[0]
    sh(cluster, f"crictl stopp {pod}")
    cluster.advance(1)
    assert len(ids(cluster, "crictl pods -q --name kube-scheduler")) == 2
    sh(cluster, "mv /etc/kubernetes/manifests/kube-scheduler.yaml /root/")
    cluster.advance(1)
    assert ids(cluster, "crictl pods -q --name kube-scheduler") == []
    assert ids(cluster, "crictl ps -a -q --name kube-scheduler") == []
