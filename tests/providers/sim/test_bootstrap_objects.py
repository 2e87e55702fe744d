"""The objects kubeadm, kind and the controllers leave in a fresh cluster's API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
import yaml
from cryptography import x509

from app.providers.sim import bootstrap_objects as bo
from app.providers.sim import pki
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.shell.kubectl_printers import csrs, storageclasses
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


@pytest.fixture(scope="module")
def kind() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=600)


def _ca(cluster: SimCluster) -> str:
    return cluster.node("kind-control-plane").read_file("/etc/kubernetes/pki/ca.crt").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_cluster_info_is_signed_with_the_bootstrap_token(kind: SimCluster) -> None:
    data = kind.store.get("ConfigMap", "cluster-info", "kube-public")["data"]
    header, empty, sig = data["jws-kubeconfig-abcdef"].split(".")
    assert empty == ""  # detached: the payload is the kubeconfig itself
    assert json.loads(_unb64url(header)) == {"alg": "HS256", "kid": "abcdef"}
    payload = base64.urlsafe_b64encode(data["kubeconfig"].encode()).rstrip(b"=").decode()
    signing_input = f"{header}.{payload}"
    good = hmac.new(b"0123456789abcdef", signing_input.encode(), hashlib.sha256).digest()
    assert _unb64url(sig) == good
    bad = hmac.new(b"0123456789abcdeg", signing_input.encode(), hashlib.sha256).digest()
    assert _unb64url(sig) != bad
    cfg = yaml.safe_load(data["kubeconfig"])
    cluster = cfg["clusters"][0]
    assert cluster["name"] == "" and cluster["cluster"]["server"] == (
        "https://kind-control-plane:6443")
    assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]).decode() == _ca(kind)


def test_every_namespace_has_the_root_ca_and_a_default_service_account(kind: SimCluster) -> None:
    ca = _ca(kind)
    for ns in kind.store.list("Namespace"):
        name = ns["metadata"]["name"]
        cm = kind.store.get("ConfigMap", "kube-root-ca.crt", name)
        assert cm["data"] == {"ca.crt": ca}
        assert kind.store.find("ServiceAccount", "default", name) is not None


def test_a_namespace_created_later_gets_them_from_the_controllers() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=600)
    out = SimTerminal(c, "kind-control-plane").run("kubectl create ns team-a").output
    assert out == "namespace/team-a created\n"
    c.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n")
    c.advance(5)
    for ns in ("team-a", "team-b"):
        assert c.store.find("ServiceAccount", "default", ns) is not None
        assert c.store.get("ConfigMap", "kube-root-ca.crt", ns)["data"]["ca.crt"] == _ca(c)


def test_each_nodes_csr_asks_for_the_key_its_issued_certificate_holds(kind: SimCluster) -> None:
    objs = kind.store.list("CertificateSigningRequest")
    assert len(objs) == len(kind.nodes)
    for csr in objs:
        request = x509.load_pem_x509_csr(base64.b64decode(csr["spec"]["request"]))
        issued = x509.load_pem_x509_certificate(base64.b64decode(csr["status"]["certificate"]))
        assert request.is_signature_valid
        assert request.public_key().public_numbers() == issued.public_key().public_numbers()
        cn = issued.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        node = kind.node(str(cn).removeprefix("system:node:"))
        pem = node.read_file("/var/lib/kubelet/pki/kubelet-client-current.pem")
        assert pki.load_cert(pem) == issued


def test_the_bootstrap_token_is_gone_from_a_cluster_older_than_its_ttl() -> None:
    old = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=2 * 86400)
    assert old.store.list("Secret") == []
    young = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=600)
    secret = young.store.get("Secret", "bootstrap-token-abcdef", "kube-system")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data["token-id"] + "." + data["token-secret"] == "abcdef.0123456789abcdef"


def test_kubeadm_config_names_the_cluster_and_its_endpoint() -> None:
    ha = create_cluster("dev", 3, 1, clock=Clock(frozen_at=NOW), age=600)
    cfg = yaml.safe_load(ha.store.get("ConfigMap", "kubeadm-config",
                                      "kube-system")["data"]["ClusterConfiguration"])
    assert (cfg["apiVersion"], cfg["clusterName"], cfg["controlPlaneEndpoint"]) == (
        "kubeadm.k8s.io/v1beta4", "dev", "dev-external-load-balancer:6443")
    assert cfg["networking"] == {"dnsDomain": "cluster.local", "podSubnet": "10.244.0.0/16",
                                 "serviceSubnet": "10.96.0.0/16"}


def test_kubelet_config_map_holds_the_nodes_kubelet_configuration(kind: SimCluster) -> None:
    cm = kind.store.get("ConfigMap", "kubelet-config", "kube-system")
    on_node = kind.node("kind-worker").read_file("/var/lib/kubelet/config.yaml").decode()
    assert cm["data"]["kubelet"] == on_node


def test_twins_share_no_mutable_metadata() -> None:
    a = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=600)
    b = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW), age=600)
    a.store.get("ClusterRole", "admin")["metadata"]["labels"]["x"] = "y"
    a.store.get("ConfigMap", "coredns", "kube-system")["data"]["Corefile"] = ""
    assert "x" not in b.store.get("ClusterRole", "admin")["metadata"]["labels"]
    assert b.store.get("ConfigMap", "coredns", "kube-system")["data"]["Corefile"] == bo.COREFILE


def test_printers_name_the_default_class_and_pending_requests() -> None:
    sc = {"metadata": {"name": "fast", "creationTimestamp": "2025-11-26T00:00:00Z"},
          "provisioner": "x.io/y"}
    assert storageclasses([sc], NOW, False, set())[1] == [
        ["fast", "x.io/y", "Delete", "Immediate", "false", "60m"]]
    csr = {"metadata": {"name": "csr-1", "creationTimestamp": "2025-11-26T00:59:00Z"},
           "spec": {"signerName": "s", "username": "u", "expirationSeconds": 3600}}
    assert csrs([csr], NOW, False, set())[1] == [["csr-1", "60s", "s", "u", "60m", "Pending"]]


def test_cluster_admin_is_bound_to_system_masters_and_allows_everything(kind: SimCluster) -> None:
    role = kind.store.get("ClusterRole", "cluster-admin")
    assert {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]} in role["rules"]
    binding = kind.store.get("ClusterRoleBinding", "cluster-admin")
    assert binding["subjects"] == [{"kind": "Group", "name": "system:masters",
                                    "apiGroup": "rbac.authorization.k8s.io"}]
    kubeadm = kind.store.get("ClusterRoleBinding", "kubeadm:cluster-admins")
    assert kubeadm["roleRef"]["name"] == "cluster-admin"
