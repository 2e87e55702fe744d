"""`kubectl describe` of ConfigMaps, Secrets, ServiceAccounts, RBAC objects, StorageClasses,
CSRs and Namespaces, in kubectl v1.33's layout (pkg/describe/describe.go)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.shell import kubectl_describe_config as d
from app.providers.sim.terminal import SimTerminal

SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 1)


def sh(cluster: SimCluster, cmd: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(cmd)
    return r.output, r.exit_code


def _strip(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def test_clusterroles_with_non_resource_urls_match_a_real_cluster(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl describe clusterrole system:discovery "
                            "system:service-account-issuer-discovery system:monitoring")
    assert code == 0
    assert _strip(out) == _strip((SAMPLES / "kubectl-describe-clusterrole-nonresource.txt")
                                 .read_text())


def test_clusterrolebinding_and_role_match_a_real_cluster(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe clusterrolebinding system:discovery")
    assert _strip(out) == _strip(
        (SAMPLES / "kubectl-describe-clusterrolebinding-system-discovery.txt").read_text())
    out, _ = sh(cluster, "kubectl describe role -n kube-system kubeadm:nodes-kubeadm-config")
    assert _strip(out) == _strip(
        (SAMPLES / "kubectl-describe-role-kubeadm-nodes-kubeadm-config.txt").read_text())


def test_cluster_admin_shows_both_wildcard_rules(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe clusterrole cluster-admin")
    assert "  *.*        []                 []              [*]\n" in out
    assert "             [*]                []              [*]\n" in out


def test_view_is_aggregated_and_rules_are_compacted_per_resource(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe clusterrole view")
    rows = [line.split() for line in out.splitlines()[7:]]
    assert rows[0] == ["bindings", "[]", "[]", "[get", "list", "watch]"]
    assert ["deployments.apps/scale", "[]", "[]", "[get", "list", "watch]"] in rows
    assert not any(r[0] == "secrets" for r in rows)  # view never reads secrets
    out, _ = sh(cluster, "kubectl describe clusterrole edit")
    rows = [line.split() for line in out.splitlines()[7:]]
    assert ["secrets", "[]", "[]", "[get", "list", "watch", "create", "delete",
            "deletecollection", "patch", "update]"] in rows


def test_compact_merges_verbs_of_one_resource_and_keeps_url_rules_apart() -> None:
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
             {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]},
             {"nonResourceURLs": ["/a", "/b"], "verbs": ["get"]}]
    rows = d.policy_rows(rules)
    assert rows == ["  pods\t[]\t[]\t[get delete]", "  \t[/a]\t[]\t[get]",
                    "  \t[/b]\t[]\t[get]"]


def test_configmap_lists_data_binarydata_and_events(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl describe configmap -n kube-system kube-proxy")
    assert code == 0
    assert out.startswith("Name:         kube-proxy\nNamespace:    kube-system\n"
                          "Labels:       app=kube-proxy\n")
    assert "\n\nData\n====\nconfig.conf:\n----\napiVersion: kubeproxy.config.k8s.io" in out
    assert "\n\nBinaryData\n====\n\nEvents:  <none>\n" in out
    assert out.index("config.conf:") < out.index("kubeconfig.conf:")


def test_long_annotation_goes_below_its_key_shortened(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe cm kube-root-ca.crt")
    assert "Annotations:  kubernetes.io/description:\n                Contains a CA bundle" in out
    line = next(x for x in out.splitlines() if "Contains a CA bundle" in x)
    assert line.endswith("...") and len(line.strip()) == 138 + 3


def test_secret_prints_sizes_not_values(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl describe secret -n kube-system bootstrap-token-abcdef")
    assert code == 0
    assert "\nType:  bootstrap.kubernetes.io/token\n\nData\n====\n" in out
    assert "token-secret:                    16 bytes\n" in out
    assert "0123456789abcdef" not in out


def test_serviceaccount_has_three_secret_headers(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe sa default")
    assert out.endswith("Image pull secrets:  <none>\nMountable secrets:   <none>\n"
                        "Tokens:              <none>\nEvents:              <none>\n")


def test_storageclass_marks_the_default(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe sc standard")
    assert out == ("Name:                  standard\nIsDefaultClass:        Yes\n"
                   "Annotations:           storageclass.kubernetes.io/is-default-class=true\n"
                   "Provisioner:           rancher.io/local-path\n"
                   "Parameters:            <none>\nAllowVolumeExpansion:  <unset>\n"
                   "MountOptions:          <none>\nReclaimPolicy:         Delete\n"
                   "VolumeBindingMode:     WaitForFirstConsumer\nEvents:                <none>\n")


def test_csr_shows_requester_status_and_subject(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl describe csr")
    assert code == 0
    assert "Requesting User:    system:bootstrap:abcdef\n" in out
    assert "Status:             Approved,Issued\nSubject:\n" in out
    assert "         Common Name:    system:node:kind-worker\n" in out
    assert "         Organization:   system:nodes\n" in out


def test_namespace_shows_status_and_no_quota(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe ns kube-public")
    assert out == ("Name:         kube-public\n"
                   "Labels:       kubernetes.io/metadata.name=kube-public\n"
                   "Annotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\n"
                   "No LimitRange resource.\n")


def test_priorityclasses_exist_and_print_like_the_apiserver_table(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl get pc")
    assert out.splitlines()[0].split() == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE",
                                           "PREEMPTIONPOLICY"]
    assert out.splitlines()[2].split()[:3] == ["system-node-critical", "2000001000", "false"]
    out, _ = sh(cluster, "kubectl describe priorityclass system-cluster-critical")
    assert out == ("Name:              system-cluster-critical\nValue:             2000000000\n"
                   "GlobalDefault:     false\nPreemptionPolicy:  PreemptLowerPriority\n"
                   "Description:       Used for system critical pods that must run in the "
                   "cluster, but can be moved to another node if necessary.\n"
                   "Annotations:       <none>\nEvents:            <none>\n")


def test_endpoints_list_each_subset_and_its_ports(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe endpoints kubernetes")
    assert "Subsets:\n  Addresses:          172.18.0.2\n  NotReadyAddresses:  <none>\n" \
           "  Ports:\n    Name   Port  Protocol\n    ----   ----  --------\n" \
           "    https  6443  TCP\n\nEvents:  <none>\n" in out


def test_daemonset_counts_nodes_and_its_pods(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe ds -n kube-system kindnet")
    assert "Desired Number of Nodes Scheduled: 2\n" in out
    assert "Pods Status:  2 Running / 0 Waiting / 0 Succeeded / 0 Failed\nPod Template:\n" in out


def test_binary_data_sizes_and_service_account_token_value(cluster: SimCluster) -> None:
    store = cluster.store
    store.create({"kind": "ConfigMap", "metadata": {"name": "bin", "namespace": "default"},
                  "binaryData": {"blob": "AAECAw=="}}, cluster.t)
    sa = store.get("ServiceAccount", "default", "default")
    store.create({"kind": "Secret", "type": "kubernetes.io/service-account-token",
                  "metadata": {"name": "default-token", "namespace": "default", "annotations": {
                      "kubernetes.io/service-account.name": "default",
                      "kubernetes.io/service-account.uid": sa["metadata"]["uid"]}},
                  "data": {"ca.crt": "QUJD", "token": "ZXlKaGJHY2lPaUpT"}}, cluster.t)
    out, _ = sh(cluster, "kubectl describe cm bin")
    assert "\nData\n====\n\nBinaryData\n====\nblob: 4 bytes\n\nEvents:  <none>\n" in out
    out, _ = sh(cluster, "kubectl describe secret default-token")
    assert out.endswith("Data\n====\nca.crt:  3 bytes\ntoken:   eyJhbGciOiJS\n")
    out, _ = sh(cluster, "kubectl describe sa default")
    assert "Tokens:              default-token\n" in out
    store.delete("ConfigMap", "bin", "default")
    store.delete("Secret", "default-token", "default")


def test_smart_labels_split_camel_case_like_fatih_camelcase() -> None:
    from app.providers.sim.shell.kubectl_describe_generic import camel_split, smart_label

    assert camel_split("PDFLoader") == ["PDF", "Loader"]
    assert smart_label("apiVersion") == "API Version"
    assert smart_label("leaseDurationSeconds") == "Lease Duration Seconds"
    assert smart_label("uid") == "UID"
    assert smart_label("kubernetes.io/x") == "kubernetes.io/x"


def test_lease_uses_the_generic_describer(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl describe lease -n kube-node-lease kind-worker")
    assert code == 0
    assert "\nAPI Version:  coordination.k8s.io/v1\nKind:         Lease\nMetadata:\n" in out
    assert "\n  Owner References:\n    API Version:     v1\n    Kind:            Node\n" in out
    assert "\nSpec:\n  Holder Identity:         kind-worker\n" \
           "  Lease Duration Seconds:  40\n" in out
    assert out.endswith("Events:                    <none>\n")


def test_endpointslice_lists_ports_and_endpoints(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl describe endpointslice -n kube-system -l k8s-app=kube-dns")
    assert "AddressType:  IPv4\nPorts:\n  Name     Port  Protocol\n" in out
    assert "\n    Conditions:\n      Ready:    true\n    Hostname:   <unset>\n" \
           "    TargetRef:  Pod/coredns-" in out


STS = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: pg, image: postgres:16}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""


def test_statefulset_shows_strategy_and_volume_claims(cluster: SimCluster) -> None:
    _, code = sh(cluster, f"cat > /root/sts.yaml <<'EOF'\n{STS}EOF\n"
                          "kubectl apply -f /root/sts.yaml")
    assert code == 0
    out, _ = sh(cluster, "kubectl describe statefulset db")
    assert "Replicas:           1 desired | 0 total\nUpdate Strategy:    RollingUpdate\n" \
           "  Partition:        0\n" in out
    assert "\nVolume Claims:\n  Name:          data\n" in out
    assert "  Capacity:      1Gi\n  Access Modes:  [ReadWriteOnce]\n" in out
    sh(cluster, "kubectl delete -f /root/sts.yaml")
