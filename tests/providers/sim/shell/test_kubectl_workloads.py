"""kubectl verbs around workloads, against a twin with a small web Deployment."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {kubedrill.io/behaviour: '{"listen": [8080], "ok_paths": {"/": 30}}'}
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.8.2
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: 8081}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 10.96.0.50
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""


@pytest.fixture
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 2, clock=Clock(frozen_at=NOW), age=300)
    c.apply(WEB)
    c.advance(60)
    return c


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def test_describe_pod_shows_the_probe_and_aggregated_events(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl describe pods -l app=web")
    assert code == 0
    assert "Readiness:      http-get http://:8081/ready delay=0s timeout=1s period=5s " \
           "#success=1 #failure=3" in out
    assert "Warning  Unhealthy  0s (x" in out
    assert "Controlled By:  ReplicaSet/web-" in out


def test_get_endpoints_warns_and_shows_an_empty_cell(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl get endpoints web")
    # kubectl's warning handler prints the reply's Warning header before the table.
    assert out.splitlines()[0] == ("Warning: v1 Endpoints is deprecated in v1.33+; use "
                                   "discovery.k8s.io/v1 EndpointSlice")
    assert out.splitlines()[2].split() == ["web", "5m"]


def test_patching_the_probe_rolls_out_ready_pods(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl patch deploy web --type=json -p '[{\"op\":\"replace\","
                            "\"path\":\"/spec/template/spec/containers/0/readinessProbe/httpGet/"
                            "port\",\"value\":8080}]'")
    assert (out, code) == ("deployment.apps/web patched\n", 0)
    cluster.advance(60)
    assert sh(cluster, "kubectl rollout status deployment/web")[0] == \
        'deployment "web" successfully rolled out\n'
    out, _ = sh(cluster, "kubectl get endpoints web")
    assert ":8080," in out


def test_strategic_merge_patch_merges_containers_by_name(cluster: SimCluster) -> None:
    sh(cluster, "kubectl patch deployment web -p '{\"spec\":{\"template\":{\"spec\":"
                "{\"containers\":[{\"name\":\"web\",\"image\":\"ghcr.io/acme/web:1.8.3\"}]}}}}'")
    dep = cluster.store.get("Deployment", "web", "default")
    c = dep["spec"]["template"]["spec"]["containers"]
    assert len(c) == 1 and c[0]["image"].endswith("1.8.3") and "readinessProbe" in c[0]


def test_scale_and_rollout_restart(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl scale deployment web --replicas=3")[0] == \
        "deployment.apps/web scaled\n"
    assert len(cluster.store.list("Pod", "default", "app=web")) == 3
    assert sh(cluster, "kubectl rollout restart deploy/web")[0] == \
        "deployment.apps/web restarted\n"
    out, _ = sh(cluster, "kubectl rollout history deployment/web")
    assert out.startswith("deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n")


def test_cordoned_nodes_get_no_new_pods(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl cordon kind-worker")[0] == "node/kind-worker cordoned\n"
    sh(cluster, "kubectl scale deployment web --replicas=4")
    placed = [p["spec"]["nodeName"] for p in cluster.store.list("Pod", "default", "app=web")]
    assert placed.count("kind-worker2") == 3
    out, _ = sh(cluster, "kubectl get nodes")
    assert "Ready,SchedulingDisabled" in out


def test_curl_through_a_service_without_ready_endpoints_is_rejected(
        cluster: SimCluster) -> None:
    out, code = sh(cluster, "curl http://10.96.0.50/")
    assert code == 7
    assert out == "curl: (7) Failed to connect to 10.96.0.50 port 80 after 0 ms: Couldn't " \
                  "connect to server\n"


def test_curl_to_a_pod_ip_answers_from_the_app(cluster: SimCluster) -> None:
    ip = cluster.store.list("Pod", "default", "app=web")[0]["status"]["podIP"]
    assert sh(cluster, f"curl -s -o /dev/null -w '%{{http_code}}' http://{ip}:8080/")[0] == "200"
    assert sh(cluster, f"curl -s http://{ip}:8081/")[1] == 7


def test_top_and_exec_say_what_is_missing(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl top pods") == ("error: Metrics API not available\n", 1)
    assert sh(cluster, "kubectl auth can-i '*' '*'") == ("yes\n", 0)


def test_delete_a_deployment_removes_its_pods(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl delete deployment web")[0] == \
        'deployment.apps "web" deleted\n'
    cluster.advance(5)
    assert cluster.store.list("Pod", "default", "app=web") == []
    assert not any(p.namespace == "default" for n in cluster.nodes
                   for p in n.kubelet.pods.values())


def test_get_several_kinds_prefixes_names_with_their_kind(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl get deploy,rs")
    assert code == 0
    assert "\ndeployment.apps/web   0/2 " in "\n" + out
    assert "\n\nNAME " in out and "replicaset.apps/web-" in out


def test_field_selector_filters_events(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl get events --field-selector reason=Unhealthy")
    lines = out.splitlines()[1:]
    assert lines and all(" Unhealthy " in line for line in lines)


def test_logs_of_a_deployment_read_one_of_its_pods(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl logs deploy/web")[1] == 0


def test_applying_an_unchanged_export_reports_unchanged(cluster: SimCluster) -> None:
    sh(cluster, "kubectl get deploy web -o yaml > /tmp/w.yaml")
    assert sh(cluster, "kubectl apply -f /tmp/w.yaml")[0] == "deployment.apps/web unchanged\n"
    sh(cluster, "sed -i 's/port: 8081/port: 8080/' /tmp/w.yaml")
    assert sh(cluster, "kubectl apply -f /tmp/w.yaml")[0] == "deployment.apps/web configured\n"


def test_label_all_pods(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl label pods --all team=shop")
    assert out.count(" labeled\n") == 2


CRASHER = """
apiVersion: v1
kind: Pod
metadata:
  name: crasher
  namespace: default
  annotations: {kubedrill.io/behaviour: '{"runs_s": 3, "exit_code": 1}'}
spec:
  containers:
  - {name: app, image: ghcr.io/acme/web:1.8.2}
"""


def test_logs_previous_follows_the_pods_last_state(cluster: SimCluster) -> None:
    cluster.apply(CRASHER)
    cluster.advance(1)
    out, code = sh(cluster, "kubectl logs crasher --previous")
    assert (code, out) == (1, 'Error from server (BadRequest): previous terminated container '
                              '"app" in pod "crasher" not found\n')
    node = cluster.node(cluster.store.get("Pod", "crasher", "default")["spec"]["nodeName"])
    uid = cluster.store.get("Pod", "crasher", "default")["metadata"]["uid"]
    for _ in range(600):  # into a back-off after the container GC swept the older attempts
        cluster.advance(1)
        kept = node.runtime.containers_of(uid, "app")
        if len(kept) == 1 and kept[0].attempt >= 4 and not kept[0].running():
            break
    else:
        raise AssertionError("no back-off with a single kept attempt")
    # Waiting out the back-off: lastState is the attempt that just exited.
    assert sh(cluster, "kubectl logs crasher -p") == sh(cluster, "kubectl logs crasher")
    assert sh(cluster, "kubectl logs crasher -p")[1] == 0
    assert "CrashLoopBackOff" in sh(cluster, "kubectl get pod crasher")[0]
