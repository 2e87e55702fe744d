"""The twin's PKI must satisfy the real openssl the way a kind node's PKI does."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.providers.sim import kubeconfig, pki
from app.providers.sim.pki import ClusterPKI, NodeInfo, build_cluster_pki

OPENSSL = "/usr/bin/openssl"
# openssl checks dates against the real clock, so the cluster is built "now".
NOW = datetime.now(UTC)
CP, W1, W2 = "kind-control-plane", "kind-worker", "kind-worker2"
NODES = [NodeInfo(CP, "control-plane", "172.18.0.2"), NodeInfo(W1, "worker", "172.18.0.3"),
         NodeInfo(W2, "worker", "172.18.0.4")]
PKI_DIR = "/etc/kubernetes/pki"
KUBELET_DIR = "/var/lib/kubelet/pki"
CURRENT = f"{KUBELET_DIR}/kubelet-client-current.pem"


@pytest.fixture(scope="module")
def cluster() -> ClusterPKI:
    return build_cluster_pki("kind", NODES, NOW)


@pytest.fixture(scope="module")
def ha() -> ClusterPKI:
    nodes = [NodeInfo("ha-control-plane", "control-plane", "172.19.0.3"),
             NodeInfo("ha-control-plane2", "control-plane", "172.19.0.4"),
             NodeInfo("ha-worker", "worker", "172.19.0.5")]
    return build_cluster_pki("ha", nodes, NOW)


Root = Callable[[str], Path]


@pytest.fixture
def on_disk(cluster: ClusterPKI, tmp_path: Path) -> Root:
    """Writes a node's files (symlink included) under tmp_path/<node> and returns that root."""

    def write(node: str, source: ClusterPKI = cluster) -> Path:
        root = tmp_path / source.cluster_name / node
        if root.exists():
            return root
        for path, (data, mode) in source.files_for(node).items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(mode)
        for link, dest in source.symlinks_for(node).items():
            (root / link.lstrip("/")).symlink_to(root / dest.lstrip("/"))
        return root

    return write


def openssl(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=30)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines()]


def openssl_date(output: str) -> datetime:
    value = output.strip().split("=", 1)[1]
    return datetime.strptime(value, "%b %d %H:%M:%S %Y GMT").replace(tzinfo=UTC)


CONTROL_PLANE_FILES = {
    *(f"{PKI_DIR}/{base}.{ext}" for base in (
        "ca", "apiserver", "apiserver-kubelet-client", "apiserver-etcd-client", "front-proxy-ca",
        "front-proxy-client", "etcd/ca", "etcd/server", "etcd/peer", "etcd/healthcheck-client")
      for ext in ("crt", "key")),
    f"{PKI_DIR}/sa.key", f"{PKI_DIR}/sa.pub",
    *(f"/etc/kubernetes/{name}.conf" for name in (
        "admin", "super-admin", "controller-manager", "scheduler", "kubelet")),
    f"{KUBELET_DIR}/kubelet.crt", f"{KUBELET_DIR}/kubelet.key",
}


def dated_pems(files: dict[str, tuple[bytes, int]]) -> list[str]:
    return sorted(p for p in files if p.startswith(f"{KUBELET_DIR}/kubelet-client-2"))


# --- which files, which modes ----------------------------------------------------------------

def test_control_plane_has_exactly_the_files_kubeadm_and_the_kubelet_leave(
        cluster: ClusterPKI) -> None:
    files = cluster.files_for(CP)
    # the kubeadm-issued pair the kubelet started with, then the one its CSR got
    assert len(dated_pems(files)) == 2
    assert set(files) - set(dated_pems(files)) == CONTROL_PLANE_FILES
    assert set(cluster.symlinks_for(CP)) == {CURRENT}


def test_certificates_are_world_readable_and_keys_and_kubeconfigs_are_private(
        cluster: ClusterPKI) -> None:
    for path, (_, mode) in cluster.files_for(CP).items():
        if path.endswith(".crt"):
            assert mode == 0o644, path
        else:  # .key, sa.pub (pkiutil.WritePublicKey uses keyutil.WriteKey), .conf, .pem
            assert mode == 0o600, path


def test_workers_get_the_ca_certificate_but_never_a_ca_key(cluster: ClusterPKI) -> None:
    for worker in (W1, W2):
        files = cluster.files_for(worker)
        assert set(files) - set(dated_pems(files)) == {
            f"{PKI_DIR}/ca.crt", "/etc/kubernetes/kubelet.conf",
            f"{KUBELET_DIR}/kubelet.crt", f"{KUBELET_DIR}/kubelet.key"}
        assert len(dated_pems(files)) == 1
        assert not any(p.endswith(("ca.key", "sa.key")) for p in files)
        assert files[f"{PKI_DIR}/ca.crt"] == cluster.files_for(CP)[f"{PKI_DIR}/ca.crt"]


def test_asking_for_a_node_outside_the_cluster_is_an_error(cluster: ClusterPKI) -> None:
    with pytest.raises(KeyError):
        cluster.files_for("kind-worker9")


def test_a_cluster_needs_a_control_plane() -> None:
    with pytest.raises(ValueError):
        build_cluster_pki("kind", [NodeInfo(W1, "worker", "172.18.0.3")], NOW)


# --- what openssl says -----------------------------------------------------------------------

@pytest.mark.parametrize(("ca", "leaf"), [
    ("ca.crt", "apiserver.crt"), ("ca.crt", "apiserver-kubelet-client.crt"),
    ("front-proxy-ca.crt", "front-proxy-client.crt"), ("etcd/ca.crt", "etcd/server.crt"),
    ("etcd/ca.crt", "etcd/peer.crt"), ("etcd/ca.crt", "etcd/healthcheck-client.crt"),
    ("etcd/ca.crt", "apiserver-etcd-client.crt"), ("ca.crt", "ca.crt"),
])
def test_openssl_verifies_each_certificate_against_the_ca_kubeadm_signs_it_with(
        on_disk: Root, ca: str, leaf: str) -> None:
    pki_dir = on_disk(CP) / PKI_DIR.lstrip("/")
    result = openssl("verify", "-CAfile", ca, leaf, cwd=pki_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{leaf}: OK"


def test_openssl_rejects_a_certificate_against_another_ca(on_disk: Root) -> None:
    pki_dir = on_disk(CP) / PKI_DIR.lstrip("/")
    assert openssl("verify", "-CAfile", "etcd/ca.crt", "apiserver.crt", cwd=pki_dir).returncode


def test_apiserver_certificate_has_kubeadms_subject_and_sans_for_kind(on_disk: Root) -> None:
    out = openssl("x509", "-in", on_disk(CP) / "etc/kubernetes/pki/apiserver.crt", "-noout",
                  "-subject", "-issuer", "-ext", "subjectAltName").stdout
    assert lines(out) == [
        "subject=CN = kube-apiserver",
        "issuer=CN = kubernetes",
        "X509v3 Subject Alternative Name:",
        "DNS:kind-control-plane, DNS:kubernetes, DNS:kubernetes.default, "
        "DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:localhost, "
        "IP Address:10.96.0.1, IP Address:172.18.0.2, IP Address:127.0.0.1",
    ]


def test_etcd_serving_certificates_are_named_after_the_node(on_disk: Root) -> None:
    for name in ("server", "peer"):
        out = openssl("x509", "-in", on_disk(CP) / f"etc/kubernetes/pki/etcd/{name}.crt",
                      "-noout", "-subject", "-issuer", "-ext", "subjectAltName,extendedKeyUsage")
        text = out.stdout
        assert "subject=CN = kind-control-plane" in text
        assert "issuer=CN = etcd-ca" in text
        assert ("DNS:kind-control-plane, DNS:localhost, IP Address:172.18.0.2, "
                "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1") in text
        assert "TLS Web Server Authentication, TLS Web Client Authentication" in text
        info = pki.cert_info((on_disk(CP) / f"etc/kubernetes/pki/etcd/{name}.crt").read_bytes())
        assert ", ".join(info.san) in text
        assert info.ip_addresses == ("172.18.0.2", "127.0.0.1", "::1")


@pytest.mark.parametrize(("path", "subject"), [
    ("apiserver-kubelet-client.crt",
     "subject=O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client"),
    ("apiserver-etcd-client.crt", "subject=CN = kube-apiserver-etcd-client"),
    ("etcd/healthcheck-client.crt", "subject=CN = kube-etcd-healthcheck-client"),
    ("front-proxy-client.crt", "subject=CN = front-proxy-client"),
    ("front-proxy-ca.crt", "subject=CN = front-proxy-ca"),
    ("etcd/ca.crt", "subject=CN = etcd-ca"),
])
def test_client_and_ca_certificates_carry_kubeadms_subjects(
        on_disk: Root, path: str, subject: str) -> None:
    out = openssl("x509", "-in", on_disk(CP) / "etc/kubernetes/pki" / path, "-noout", "-subject")
    assert out.stdout.strip() == subject


def test_leaf_certificates_last_one_year_and_cas_ten_years_from_kubeadm_init(
        on_disk: Root, cluster: ClusterPKI) -> None:
    pki_dir = on_disk(CP) / PKI_DIR.lstrip("/")
    init = cluster.init_time.replace(microsecond=0)
    # the cluster is issued for the start of its cache window, kubeadm init ran before that
    assert NOW - pki.CACHE_BUCKET - pki.INIT_LEAD <= init <= NOW
    for leaf in ("apiserver.crt", "apiserver-kubelet-client.crt", "front-proxy-client.crt",
                 "etcd/server.crt", "etcd/peer.crt", "apiserver-etcd-client.crt"):
        end = openssl_date(openssl("x509", "-in", leaf, "-noout", "-enddate", cwd=pki_dir).stdout)
        assert end == init + timedelta(days=365), leaf
    for ca in ("ca.crt", "front-proxy-ca.crt", "etcd/ca.crt"):
        end = openssl_date(openssl("x509", "-in", ca, "-noout", "-enddate", cwd=pki_dir).stdout)
        assert end == init + timedelta(days=3650), ca


def test_kubeadm_backdates_not_before_by_five_minutes(on_disk: Root, cluster: ClusterPKI) -> None:
    pki_dir = on_disk(CP) / PKI_DIR.lstrip("/")
    expected = cluster.init_time.replace(microsecond=0) - timedelta(minutes=5)
    for cert in ("ca.crt", "apiserver.crt", "etcd/ca.crt", "etcd/peer.crt"):
        start = openssl("x509", "-in", cert, "-noout", "-startdate", cwd=pki_dir).stdout
        assert openssl_date(start) == expected, cert


def test_key_usages_and_basic_constraints_are_kubeadms(on_disk: Root) -> None:
    pki_dir = on_disk(CP) / PKI_DIR.lstrip("/")

    def ext(cert: str) -> list[str]:
        return lines(openssl("x509", "-in", cert, "-noout", "-ext",
                             "keyUsage,extendedKeyUsage,basicConstraints", cwd=pki_dir).stdout)

    assert ext("ca.crt") == [
        "X509v3 Key Usage: critical", "Digital Signature, Key Encipherment, Certificate Sign",
        "X509v3 Basic Constraints: critical", "CA:TRUE"]
    assert ext("apiserver.crt") == [
        "X509v3 Key Usage: critical", "Digital Signature, Key Encipherment",
        "X509v3 Extended Key Usage:", "TLS Web Server Authentication",
        "X509v3 Basic Constraints: critical", "CA:FALSE"]
    assert ext("apiserver-etcd-client.crt")[3] == "TLS Web Client Authentication"


def test_every_key_belongs_to_its_certificate_and_sa_pub_to_sa_key(cluster: ClusterPKI) -> None:
    files = cluster.files_for(CP)
    for path in files:
        if not path.endswith(".crt"):
            continue
        key = serialization.load_pem_private_key(files[path[:-4] + ".key"][0], None)
        assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
        assert key.public_key() == pki.load_cert(files[path][0]).public_key(), path
    sa_key = serialization.load_pem_private_key(files[f"{PKI_DIR}/sa.key"][0], None)
    assert serialization.load_pem_public_key(files[f"{PKI_DIR}/sa.pub"][0]) == sa_key.public_key()
    assert files[f"{PKI_DIR}/ca.key"][0].startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
    assert files[f"{PKI_DIR}/sa.pub"][0].startswith(b"-----BEGIN PUBLIC KEY-----\n")


# --- kubeconfigs -----------------------------------------------------------------------------

@pytest.mark.parametrize(("conf", "user", "orgs", "server"), [
    ("admin", "kubernetes-admin", ("kubeadm:cluster-admins",), "https://kind-control-plane:6443"),
    ("super-admin", "kubernetes-super-admin", ("system:masters",),
     "https://kind-control-plane:6443"),
    ("controller-manager", "system:kube-controller-manager", (), "https://172.18.0.2:6443"),
    ("scheduler", "system:kube-scheduler", (), "https://172.18.0.2:6443"),
])
def test_kubeconfigs_parse_and_embed_a_client_cert_that_chains_to_the_cluster_ca(
        cluster: ClusterPKI, tmp_path: Path, conf: str, user: str, orgs: tuple[str, ...],
        server: str) -> None:
    files = cluster.files_for(CP)
    data = files[f"/etc/kubernetes/{conf}.conf"][0]
    parsed = kubeconfig.load(data)
    assert parsed["current-context"] == f"{user}@kind"
    assert parsed["clusters"][0]["name"] == "kind"
    assert parsed["users"][0]["name"] == user
    assert kubeconfig.server(data) == server
    assert kubeconfig.ca_data(data) == files[f"{PKI_DIR}/ca.crt"][0]
    cert, key = kubeconfig.client_cert_data(data), kubeconfig.client_key_data(data)
    assert cert is not None and key is not None
    assert serialization.load_pem_private_key(key, None).public_key() == \
        pki.load_cert(cert).public_key()
    info = pki.cert_info(cert)
    assert (info.subject_cn, info.organizations) == (user, orgs)
    assert info.ext_key_usage == ("TLS Web Client Authentication",)
    (tmp_path / "ca.crt").write_bytes(files[f"{PKI_DIR}/ca.crt"][0])
    (tmp_path / "client.crt").write_bytes(cert)
    assert openssl("verify", "-CAfile", "ca.crt", "client.crt", cwd=tmp_path).returncode == 0
    assert pki.verify_chain(cert, files[f"{PKI_DIR}/ca.crt"][0], at=NOW)


def test_admin_conf_is_laid_out_like_clientcmd_writes_it(cluster: ClusterPKI) -> None:
    text = cluster.files_for(CP)["/etc/kubernetes/admin.conf"][0].decode()
    shape = [line.split(": ")[0] + (": <data>" if "-data: " in line else
                                    ": " + line.split(": ", 1)[1] if ": " in line else "")
             for line in text.splitlines()]
    assert shape == [
        "apiVersion: v1", "clusters:", "- cluster:", "    certificate-authority-data: <data>",
        "    server: https://kind-control-plane:6443", "  name: kind", "contexts:", "- context:",
        "    cluster: kind", "    user: kubernetes-admin", "  name: kubernetes-admin@kind",
        "current-context: kubernetes-admin@kind", "kind: Config", "preferences: {}", "users:",
        "- name: kubernetes-admin", "  user:", "    client-certificate-data: <data>",
        "    client-key-data: <data>"]
    assert text.endswith("\n") and "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt" in text


def test_control_plane_kubelet_conf_points_at_the_local_apiserver_and_the_rotating_pem(
        cluster: ClusterPKI) -> None:
    data = cluster.files_for(CP)["/etc/kubernetes/kubelet.conf"][0]
    parsed = kubeconfig.load(data)
    assert parsed["current-context"] == "system:node:kind-control-plane@kind"
    assert parsed["users"] == [{"name": "system:node:kind-control-plane", "user": {
        "client-certificate": CURRENT, "client-key": CURRENT}}]
    # kubeadm 1.33: ControlPlaneKubeletLocalMode is beta and on
    assert kubeconfig.server(data) == "https://172.18.0.2:6443"


def test_worker_kubelet_conf_is_the_one_the_kubelet_writes_after_tls_bootstrap(
        cluster: ClusterPKI) -> None:
    data = cluster.files_for(W1)["/etc/kubernetes/kubelet.conf"][0]
    parsed = kubeconfig.load(data)
    assert parsed["current-context"] == "default-context"
    assert parsed["contexts"] == [{"name": "default-context", "context": {
        "cluster": "default-cluster", "namespace": "default", "user": "default-auth"}}]
    assert parsed["users"][0]["user"] == {"client-certificate": CURRENT, "client-key": CURRENT}
    assert kubeconfig.server(data) == "https://kind-control-plane:6443"
    assert kubeconfig.ca_data(data) == cluster.files_for(W1)[f"{PKI_DIR}/ca.crt"][0]


# --- kubelet PKI -----------------------------------------------------------------------------

@pytest.mark.parametrize("node", [CP, W1])
def test_kubelet_client_current_links_to_the_newest_pem_signed_by_the_cluster_ca(
        cluster: ClusterPKI, on_disk: Root, node: str) -> None:
    files = cluster.files_for(node)
    target = cluster.symlinks_for(node)[CURRENT]
    assert target == dated_pems(files)[-1]
    root = on_disk(node)
    ca = on_disk(CP) / PKI_DIR.lstrip("/") / "ca.crt"
    verified = openssl("verify", "-CAfile", ca, root / CURRENT.lstrip("/"))
    assert verified.returncode == 0, verified.stderr
    subject = openssl("x509", "-in", root / CURRENT.lstrip("/"), "-noout", "-subject").stdout
    assert subject.strip() == f"subject=O = system:nodes, CN = system:node:{node}"
    pem = files[target][0]
    key = serialization.load_pem_private_key(pem[pem.index(b"-----BEGIN EC"):], None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key() == pki.load_cert(pem).public_key()
    assert pki.cert_info(pem).key_usage == ("Digital Signature",)


def test_kubelet_serving_cert_is_signed_by_a_throwaway_ca_shipped_in_the_same_file(
        cluster: ClusterPKI, tmp_path: Path) -> None:
    bundle = cluster.files_for(W1)[f"{KUBELET_DIR}/kubelet.crt"][0]
    leaf_end = bundle.index(b"-----END CERTIFICATE-----\n") + len(b"-----END CERTIFICATE-----\n")
    (tmp_path / "leaf.crt").write_bytes(bundle[:leaf_end])
    (tmp_path / "ca.crt").write_bytes(bundle[leaf_end:])
    assert openssl("verify", "-CAfile", "ca.crt", "leaf.crt", cwd=tmp_path).returncode == 0
    info = pki.cert_info(bundle)
    assert info.subject_cn.startswith("kind-worker@") and info.issuer_cn.startswith(
        "kind-worker-ca@")
    assert info.dns_names == ("kind-worker",) and info.serial == 2


# --- reissue (the cert-expire fault) ---------------------------------------------------------

def test_reissue_keeps_the_key_and_sans_and_a_past_not_after_fails_checkend(
        cluster: ClusterPKI, tmp_path: Path) -> None:
    files = cluster.files_for(CP)
    original = files[f"{PKI_DIR}/apiserver.crt"][0]
    ca_crt, ca_key = cluster.ca_pair("ca")
    expired = pki.reissue(original, ca_crt, ca_key, not_before=NOW - timedelta(days=400),
                          not_after=NOW - timedelta(days=1))
    (tmp_path / "old.crt").write_bytes(original)
    (tmp_path / "new.crt").write_bytes(expired)
    (tmp_path / "ca.crt").write_bytes(ca_crt)

    def show(name: str, *args: str) -> str:
        return openssl("x509", "-in", name, "-noout", *args, cwd=tmp_path).stdout

    assert show("new.crt", "-pubkey") == show("old.crt", "-pubkey")
    assert show("new.crt", "-subject", "-ext", "subjectAltName,keyUsage,extendedKeyUsage") == \
        show("old.crt", "-subject", "-ext", "subjectAltName,keyUsage,extendedKeyUsage")
    assert openssl("x509", "-in", "old.crt", "-noout", "-checkend", "0",
                   cwd=tmp_path).returncode == 0
    assert openssl("x509", "-in", "new.crt", "-noout", "-checkend", "0",
                   cwd=tmp_path).returncode == 1
    refused = openssl("verify", "-CAfile", "ca.crt", "new.crt", cwd=tmp_path)
    assert refused.returncode != 0 and "certificate has expired" in refused.stdout + refused.stderr
    assert pki.verify_chain(expired, ca_crt)
    assert not pki.verify_chain(expired, ca_crt, at=NOW)
    assert not pki.is_valid_at(expired, NOW)
    assert pki.cert_validity(expired)[1] == (NOW - timedelta(days=1)).replace(microsecond=0)


def test_reissue_leaves_the_other_blocks_of_a_combined_pem_alone(cluster: ClusterPKI) -> None:
    target = cluster.symlinks_for(W1)[CURRENT]
    pem = cluster.files_for(W1)[target][0]
    ca_crt, ca_key = cluster.ca_pair()
    new = pki.reissue(pem, ca_crt, ca_key, not_before=NOW - timedelta(days=2),
                      not_after=NOW - timedelta(days=1))
    key_block = pem[pem.index(b"-----BEGIN EC PRIVATE KEY-----"):]
    assert new.endswith(key_block) and new.count(b"-----BEGIN") == 2
    assert pki.load_cert(new).public_key() == pki.load_cert(pem).public_key()


def test_an_expired_admin_conf_cert_can_be_written_back_into_the_kubeconfig(
        cluster: ClusterPKI) -> None:
    conf = cluster.files_for(CP)["/etc/kubernetes/admin.conf"][0]
    cert = kubeconfig.client_cert_data(conf)
    assert cert is not None
    ca_crt, ca_key = cluster.ca_pair()
    expired = pki.reissue(cert, ca_crt, ca_key, not_before=NOW - timedelta(days=366),
                          not_after=NOW - timedelta(hours=1))
    edited = kubeconfig.replace_client_cert(conf, expired)
    assert kubeconfig.client_cert_data(edited) == expired
    assert edited.replace(kubeconfig.b64(expired).encode(), b"") == \
        conf.replace(kubeconfig.b64(cert).encode(), b"")


# --- helpers ---------------------------------------------------------------------------------

def test_validity_helpers_follow_the_certificate_dates(cluster: ClusterPKI) -> None:
    pem = cluster.files_for(CP)[f"{PKI_DIR}/apiserver.crt"][0]
    not_before, not_after = pki.cert_validity(pem)
    assert pki.is_valid_at(pem, not_before) and pki.is_valid_at(pem, not_after)
    assert not pki.is_valid_at(pem, not_before - timedelta(seconds=1))
    assert not pki.is_valid_at(pem, not_after + timedelta(seconds=1))
    assert pki.is_valid_at(pem, NOW.replace(tzinfo=None))  # naive means UTC


def test_verify_chain_refuses_the_wrong_ca_and_a_leaf_posing_as_ca(cluster: ClusterPKI) -> None:
    files = cluster.files_for(CP)
    apiserver = files[f"{PKI_DIR}/apiserver.crt"][0]
    assert pki.verify_chain(apiserver, files[f"{PKI_DIR}/ca.crt"][0])
    assert not pki.verify_chain(apiserver, files[f"{PKI_DIR}/front-proxy-ca.crt"][0])
    assert not pki.verify_chain(apiserver, apiserver)


def test_cert_info_gives_what_openssl_text_and_check_expiration_print(
        cluster: ClusterPKI, on_disk: Root) -> None:
    path = on_disk(CP) / "etc/kubernetes/pki/apiserver.crt"
    info = pki.cert_info(path.read_bytes())
    assert info.subject == "CN = kube-apiserver" and info.issuer == "CN = kubernetes"
    assert info.issuer_cn == "kubernetes" and not info.is_ca
    assert openssl("x509", "-in", path, "-noout", "-serial").stdout.strip() == \
        f"serial={info.serial_hex}"
    assert info.san[0] == "DNS:kind-control-plane" and info.san[-1] == "IP Address:127.0.0.1"
    assert info.key_usage == ("Digital Signature", "Key Encipherment")
    assert (info.public_key_algorithm, info.public_key_bits) == ("rsaEncryption", 2048)
    assert info.signature_algorithm == "sha256WithRSAEncryption"
    ca = pki.cert_info(cluster.files_for(CP)[f"{PKI_DIR}/ca.crt"][0])
    assert ca.is_ca and ca.subject_key_id == info.authority_key_id
    assert ca.dns_names == ("kubernetes",)


# --- more than one control plane --------------------------------------------------------------

def test_joined_control_plane_shares_the_cas_and_admin_conf_but_has_its_own_leaves(
        ha: ClusterPKI) -> None:
    first, second = ha.files_for("ha-control-plane"), ha.files_for("ha-control-plane2")
    for shared in ("ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.key", "etcd/ca.key"):
        assert first[f"{PKI_DIR}/{shared}"][0] == second[f"{PKI_DIR}/{shared}"][0], shared
    assert first["/etc/kubernetes/admin.conf"] == second["/etc/kubernetes/admin.conf"]
    assert "/etc/kubernetes/super-admin.conf" not in second
    assert first[f"{PKI_DIR}/apiserver.key"] != second[f"{PKI_DIR}/apiserver.key"]
    info = pki.cert_info(second[f"{PKI_DIR}/apiserver.crt"][0])
    assert "ha-external-load-balancer" in info.dns_names
    assert info.ip_addresses == ("10.96.0.1", "172.19.0.4", "127.0.0.1")
    assert pki.cert_info(second[f"{PKI_DIR}/etcd/peer.crt"][0]).subject_cn == "ha-control-plane2"
    assert kubeconfig.server(second["/etc/kubernetes/admin.conf"][0]) == \
        "https://ha-external-load-balancer:6443"
    # a joined control plane's kubelet bootstraps against its own apiserver
    kubelet = second["/etc/kubernetes/kubelet.conf"][0]
    assert kubeconfig.load(kubelet)["current-context"] == "default-context"
    assert kubeconfig.server(kubelet) == "https://172.19.0.4:6443"
    assert len(dated_pems(second)) == 1
    assert kubeconfig.server(ha.files_for("ha-worker")["/etc/kubernetes/kubelet.conf"][0]) == \
        "https://ha-external-load-balancer:6443"


def test_nothing_is_written_after_the_cluster_is_ready(ha: ClusterPKI) -> None:
    for node in ha.nodes:
        times = ha.mtimes_for(node.name)
        assert set(times) == set(ha.files_for(node.name)) | set(ha.symlinks_for(node.name))
        assert max(times.values()) <= ha.created_at.timestamp()
        assert min(times.values()) >= ha.init_time.timestamp()


# --- speed -----------------------------------------------------------------------------------

def test_the_same_cluster_in_the_same_window_comes_from_the_cache(cluster: ClusterPKI) -> None:
    start = time.perf_counter()
    for _ in range(200):
        again = build_cluster_pki("kind", list(reversed(NODES)), NOW)
    average = (time.perf_counter() - start) / 200
    assert again is cluster
    assert average < 0.002


def test_a_new_window_reissues_with_pooled_keys_well_under_a_second(cluster: ClusterPKI) -> None:
    start = time.perf_counter()
    later = build_cluster_pki("kind", NODES, NOW + 3 * pki.CACHE_BUCKET)
    elapsed = time.perf_counter() - start
    assert later is not cluster
    assert later.init_time == cluster.init_time + 3 * pki.CACHE_BUCKET
    assert later.ca_pair()[1] == cluster.ca_pair()[1]  # same pooled key, new certificate
    assert later.ca_pair()[0] != cluster.ca_pair()[0]
    assert elapsed < 0.5
