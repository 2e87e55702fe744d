"""kubectl get --raw, get componentstatuses and explain against the twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal
from app.training.provisioning import provision

NOW = 1764118800.0
SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW))


def run(cluster: SimCluster, line: str):
    return SimTerminal(cluster, "kind-control-plane").run(line)


def broken(scenario: str) -> SimCluster:
    return provision(load_catalog("scenarios").get(scenario), seed=0,
                     clock=Clock(frozen_at=NOW))


def test_raw_readyz_and_verbose_livez(cluster: SimCluster) -> None:
    assert run(cluster, "kubectl get --raw /readyz").output == "ok"
    out = run(cluster, "kubectl get --raw='/livez?verbose'").output
    assert out.startswith("[+]ping ok\n[+]log ok\n[+]etcd ok\n")
    assert out.endswith("livez check passed\n")


def test_raw_objects_are_compact_json_from_the_store(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl get --raw /api/v1/namespaces/kube-system/pods").output
    doc = json.loads(out)
    assert doc["kind"] == "PodList" and "\n" not in out.rstrip("\n")
    names = {p["metadata"]["name"] for p in doc["items"]}
    assert "etcd-kind-control-plane" in names


def test_raw_missing_object_prints_not_found(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl get --raw /api/v1/namespaces/default/pods/nope")
    assert out.exit_code == 1
    assert out.output == 'Error from server (NotFound): pods "nope" not found\n'


def test_raw_discovery_documents(cluster: SimCluster) -> None:
    assert json.loads(run(cluster, "kubectl get --raw /api").output)["versions"] == ["v1"]
    groups = json.loads(run(cluster, "kubectl get --raw /apis").output)["groups"]
    assert "apps" in {g["name"] for g in groups}


# In the HA drill admin.conf goes through kind's load balancer, which has no healthy API
# server left (loadbalancer.py); the scheduler's kubeconfig asks the local one directly.
DIRECT = "KUBECONFIG=/etc/kubernetes/scheduler.conf "


def test_raw_readyz_when_etcd_lost_is_an_internal_error() -> None:
    c = broken("etcd-quorum-lost")
    out = run(c, DIRECT + "kubectl get --raw /readyz")
    assert out.exit_code == 1
    assert out.output.startswith('Error from server (InternalError): an error on the server '
                                 '("[+]ping ok\\n[+]log ok\\n[-]etcd failed: reason withheld\\n'
                                 '[-]etcd-readiness failed: reason withheld\\n')
    assert out.output.endswith('readyz check failed") has prevented the request from '
                               'succeeding\n')


def test_raw_error_shape_matches_real_kubectl() -> None:
    real = (SAMPLES / "kubectl-get-raw-readyz-500.txt").read_text()
    assert real.startswith("Error from server (InternalError): an error on the server (\"")
    from app.providers.sim.shell.kubectl_raw import _server_error

    body = ("[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]etcd-readiness ok\n"
            "readyz check failed\n")
    assert _server_error(500, body) + "\n" == real
    status = (SAMPLES / "kubectl-get-raw-403.txt").read_text()
    body403 = json.dumps({"kind": "Status", "reason": "Forbidden", "message":
                          'forbidden: User "system:anonymous" cannot get path "/forbidden"'})
    assert _server_error(403, body403) + "\n" == status


def test_raw_refused_prints_only_the_last_line() -> None:
    c = broken("etcd-manifest-typo")
    out = run(c, "kubectl get --raw /healthz")
    assert out.output == ("The connection to the server kind-control-plane:6443 was refused - "
                          "did you specify the right host or port?\n")


def test_componentstatuses_healthy(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl get cs")
    # The warning arrives with the reply, before the table (samples/kubectl-get-cs-*.txt).
    assert out.output.startswith("Warning: v1 ComponentStatus is deprecated in v1.19+\n"
                                 "NAME                 STATUS    MESSAGE   ERROR\n")
    assert "etcd-0               Healthy   ok" in out.output


def test_componentstatuses_with_scheduler_down_match_real_output() -> None:
    c = broken("scheduler-kubeconfig-wrong")
    out = SimTerminal(c, "kind-control-plane").run("kubectl get componentstatuses 2>/dev/null")
    real = (SAMPLES / "kubectl-get-cs-scheduler-down.txt").read_text().split("\n", 1)[1]
    assert out.output == real


def test_explain_pod_matches_real_template(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl explain pod")
    assert out.output == (SAMPLES / "kubectl-explain-pod.txt").read_text()


def test_explain_field_and_group_header(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl explain deploy.spec").output
    assert out.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
                          "FIELD: spec <DeploymentSpec>\n\n\nDESCRIPTION:\n")
    assert "  replicas\t<integer>\n" in out and "  selector\t<LabelSelector> -required-\n" in out


def test_explain_unknown_field_and_type(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl explain pod.spec.foo")
    assert (out.exit_code, out.output) == (1, 'error: field "foo" does not exist\n')
    out = run(cluster, "kubectl explain foo")
    assert out.output == 'error: the server doesn\'t have a resource type "foo"\n'


def test_explain_secret_lists_its_data_fields(cluster: SimCluster) -> None:
    out = run(cluster, "kubectl explain secret").output
    assert out.startswith("KIND:       Secret\nVERSION:    v1\n\nDESCRIPTION:\n    Secret holds")
    fields = [line.split("\t")[0].strip() for line in out.splitlines() if "\t<" in line]
    assert fields == ["apiVersion", "data", "immutable", "kind", "metadata", "stringData",
                      "type"]


def test_raw_single_check_path() -> None:
    c = broken("etcd-quorum-lost")
    out = run(c, DIRECT + "kubectl get --raw /readyz/ping")
    assert out.output == "ok"
    out = run(c, DIRECT + "kubectl get --raw /livez/etcd")
    assert out.exit_code == 1
    assert out.output == ('Error from server (InternalError): an error on the server ("internal '
                          'server error: error getting data from etcd: context deadline '
                          'exceeded") has prevented the request from succeeding\n')


def test_raw_through_a_load_balancer_with_no_healthy_backend_is_eof() -> None:
    out = run(broken("etcd-quorum-lost"), "kubectl get --raw /readyz")
    assert (out.exit_code, out.output) == (1, "Unable to connect to the server: EOF\n")
