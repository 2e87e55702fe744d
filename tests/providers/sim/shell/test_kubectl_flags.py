"""kubectl flag forms and verbs SREs type in drills (issue 4 audit): pflag short-flag bundles,
`logs -f/-l/--prefix/--timestamps`, `--show-labels`/`-L`, `get all`, empty API types,
`config use-context`, `create namespace|deployment`, real verbs the twin does not model."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.shell.kubectl import rfc3339nano
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web, tier: front}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.8.2}]
"""


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=300)
    c.apply(WEB)
    c.advance(30)
    return c


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def test_attached_short_values_are_unbundled_as_pflag_does(cluster: SimCluster) -> None:
    wide, _ = sh(cluster, "kubectl get po -A -owide")
    assert wide.splitlines()[0].split()[-6:] == ["IP", "NODE", "NOMINATED", "NODE",
                                                 "READINESS", "GATES"]
    out, code = sh(cluster, "kubectl get po -nkube-system -oname")
    assert code == 0 and "pod/etcd-kind-control-plane" in out.splitlines()


def test_logs_follow_flag_does_not_swallow_the_next_flag(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl logs -f -n kube-system etcd-kind-control-plane --tail=1")
    assert code == 0 and len(out.splitlines()) == 1 and '"level"' in out


def test_logs_by_selector_default_to_ten_lines_per_pod(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl logs -n kube-system -l component=etcd")
    assert code == 0 and len(out.splitlines()) == 10
    out, _ = sh(cluster, "kubectl logs -n kube-system -l tier=control-plane --prefix --tail=1")
    assert "[pod/etcd-kind-control-plane/etcd] {" in out
    assert "[pod/kube-apiserver-kind-control-plane/kube-apiserver] " in out
    out, code = sh(cluster, "kubectl logs -l app=nope")
    assert (out, code) == ("No resources found in default namespace.\n", 0)
    out, code = sh(cluster, "kubectl logs web -l app=web")
    assert code == 1 and out.startswith("error: only a selector (-l) or a POD name is allowed")


def test_logs_timestamps_prefix_rfc3339nano() -> None:
    assert rfc3339nano(1764118500.6) == "2025-11-26T00:55:00.6Z"
    assert rfc3339nano(1764118500.0) == "2025-11-26T00:55:00Z"


def test_show_labels_and_label_columns(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl get deploy web --show-labels")
    head, row = out.splitlines()
    assert head.split()[-1] == "LABELS" and row.split()[-1] == "app=web,tier=front"
    out, _ = sh(cluster, "kubectl get po -n kube-system -L component,app.kubernetes.io/tier")
    assert out.splitlines()[0].split()[-2:] == ["COMPONENT", "TIER"]
    etcd = next(ln for ln in out.splitlines() if ln.startswith("etcd-"))
    assert etcd.split()[-1] == "etcd"


def test_get_all_lists_the_all_category_with_kind_prefixes(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl get all -n kube-system")
    assert code == 0
    firsts = [b.splitlines()[1].split()[0].split("/")[0] for b in out.split("\n\n")]
    assert firsts == ["pod", "service", "daemonset.apps", "deployment.apps", "replicaset.apps"]


def test_types_the_api_serves_but_kind_leaves_empty(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl get pv") == ("No resources found\n", 0)
    assert sh(cluster, "kubectl get pvc") == ("No resources found in default namespace.\n", 0)
    out, code = sh(cluster, "kubectl get crd foo")
    assert code == 1 and out == ('Error from server (NotFound): customresourcedefinitions.'
                                 'apiextensions.k8s.io "foo" not found\n')
    out, _ = sh(cluster, "kubectl get ing -A -o json")
    assert '"items": []' in out
    assert sh(cluster, "kubectl get foo")[0] == \
        'error: the server doesn\'t have a resource type "foo"\n'


def test_config_use_context(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl config use-context kubernetes-admin@kind") == \
        ('Switched to context "kubernetes-admin@kind".\n', 0)
    assert sh(cluster, "kubectl config use-context nope") == \
        ('error: no context exists with the name: "nope"\n', 1)


def test_create_namespace_and_deployment(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl create ns drill") == ("namespace/drill created\n", 0)
    assert sh(cluster, "kubectl create namespace drill") == \
        ('Error from server (AlreadyExists): namespaces "drill" already exists\n', 1)
    assert sh(cluster, "kubectl create deployment pause -n drill "
                       "--image=registry.k8s.io/pause:3.10") == \
        ("deployment.apps/pause created\n", 0)
    out, _ = sh(cluster, "kubectl get deploy pause -n drill -o jsonpath="
                         "'{.spec.template.spec.containers[0].name} {.spec.selector}'")
    assert out == 'pause {"matchLabels":{"app":"pause"}}'
    assert sh(cluster, "kubectl create deployment x")[0] == \
        'error: required flag(s) "image" not set\n'


def test_real_verbs_the_twin_lacks_are_not_called_unknown(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl taint nodes kind-worker a=b:NoSchedule")
    assert code == 1 and "not simulated" in out and "unknown command" not in out
    out, _ = sh(cluster, "kubectl auth reconcile -f x.yaml")
    assert "not simulated" in out
    assert sh(cluster, "kubectl getx") == ('error: unknown command "getx" for "kubectl"\n', 1)


def test_sort_by_orders_on_the_field(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl get pods -A --sort-by=.metadata.creationTimestamp "
                         "-o custom-columns=T:.metadata.creationTimestamp --no-headers")
    stamps = out.split()
    assert stamps == sorted(stamps) and len(set(stamps)) > 1
    out, _ = sh(cluster, "kubectl get pods -A --sort-by=.metadata.name --no-headers")
    names = [ln.split()[1] for ln in out.splitlines()]
    assert names == sorted(names)


def test_nproc_matches_iostat(cluster: SimCluster) -> None:
    assert sh(cluster, "nproc") == ("2\n", 0)
    assert "(2 CPU)" in sh(cluster, "iostat")[0]


def test_config_view_minify_with_jsonpath(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl config view --minify -o "
                            "jsonpath='{.clusters[0].cluster.server}'")
    assert (out, code) == ("https://kind-control-plane:6443", 0)
    out, _ = sh(cluster, "kubectl config view --minify")
    assert "certificate-authority-data: DATA+OMITTED" in out and "REDACTED" in out
