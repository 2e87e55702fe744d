"""The certificates, keys and kubeconfigs a kind v0.29 / kubeadm v1.33 cluster leaves on its nodes.

Everything is real X.509 made with `cryptography`, shaped the way kubeadm, the kubelet and the
controller-manager's CSR signer shape it, so `openssl` on a twin node prints what it prints on a
kind node and the twin's components can decide from real validity dates whether they start.
Facts are cited as `repo path` (shared/reference/kind-node-files.md sections 3-5 has the rest).

How a cluster is laid out in time: `kind create cluster` runs `kubeadm init` on the first
control plane (INIT_LEAD before the cluster is ready), then `kubeadm join` on further control
planes one by one, then on the workers. The kubelet writes its serving certificate when it
starts and its client certificate when the CSR is signed.

Symlinks: `/var/lib/kubelet/pki/kubelet-client-current.pem` is a symlink on a real node. It is
not in `files_for()` (a plain file there would hide it); `symlinks_for()` maps link path -> target
(an absolute path, as the kubelet's certificate store writes it) for the vfs to create with
`VFS.symlink(target, path)`.

Speed: RSA-2048 keys take ~50 ms each, a signature ~1 ms. Keys are pooled per cluster name and
reused across builds (new names are generated in parallel threads; `warm_key_pool()` can do it
ahead of time); a finished ClusterPKI is cached per (cluster name, topology, CACHE_BUCKET window),
and all its dates derive from the window's start: the same inputs give the same object within a
process, and no date lies in the caller's future.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from app.providers.sim import entropy, kubeconfig

PKI = "/etc/kubernetes/pki"
KUBELET_PKI = "/var/lib/kubelet/pki"
API_PORT = 6443
# kind's service subnet, not kubeadm's /12
# (kubernetes-sigs/kind pkg/internal/apis/config/default.go)
SERVICE_SUBNET = "10.96.0.0/16"
DNS_DOMAIN = "cluster.local"
# kind's ClusterConfiguration template: `certSANs: [localhost, "{{.APIServerAddress}}"]` with the
# default apiServerAddress 127.0.0.1 (kind pkg/cluster/internal/kubeadm/config.go, v0.29.0)
APISERVER_CERT_SANS = ("localhost", "127.0.0.1")

# kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go: CertificateBackdate,
# CertificateValidityPeriod, CACertificateValidityPeriod; cmd/kubeadm/app/phases/certs/certlist.go
# GetConfig sets NotBefore = start - backdate and NotAfter = start + period (v1beta3 input gets the
# same periods, cmd/kubeadm/app/apis/kubeadm/v1beta3/conversion.go).
BACKDATE = timedelta(minutes=5)
LEAF_VALIDITY = timedelta(days=365)
CA_VALIDITY = timedelta(days=3650)
# kube-controller-manager CSR signer: NotBefore = now - 5m, NotAfter = now + ttl - 5m
# (kubernetes/kubernetes pkg/controller/certificates/authority/policies.go); ttl is
# --cluster-signing-duration, default 8760h.
CSR_BACKDATE = timedelta(minutes=5)
# kubelet serving cert: validFrom = now - 1h, valid 1y (kubernetes/client-go util/cert/cert.go
# GenerateSelfSignedCertKeyWithFixtures)
SERVING_BACKDATE = timedelta(hours=1)

# Timeline of `kind create cluster`, relative to the moment kubeadm init starts. Plausible values
# from kind create logs; only their order matters to the twin.
INIT_LEAD = timedelta(seconds=90)       # kubeadm init starts this long before the cluster is ready
KUBECONFIG_PHASE = timedelta(seconds=1)
KUBELET_START = timedelta(seconds=3)
CLIENT_ROTATED = timedelta(seconds=18)  # controller-manager up, kubelet's CSR signed
FINALIZE = timedelta(seconds=20)        # kubelet-finalize repoints kubelet.conf at the PEM file
INIT_DONE = timedelta(seconds=30)       # kind copies CAs and admin.conf to other control planes
JOIN_STEP = timedelta(seconds=15)       # kind joins control planes one after another
CP_JOIN_KUBELET = timedelta(seconds=8)  # a joined control plane's kubelet waits for its apiserver
WORKER_KUBELET = timedelta(seconds=1)
CSR_SIGNED = timedelta(seconds=1)

CACHE_BUCKET = timedelta(minutes=10)
CACHE_SIZE = 128

KEY_USAGE_NAMES = (  # openssl's spelling, in openssl's order
    ("digital_signature", "Digital Signature"), ("content_commitment", "Non Repudiation"),
    ("key_encipherment", "Key Encipherment"), ("data_encipherment", "Data Encipherment"),
    ("key_agreement", "Key Agreement"), ("key_cert_sign", "Certificate Sign"),
    ("crl_sign", "CRL Sign"),
)
EKU_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "TLS Web Server Authentication",
    ExtendedKeyUsageOID.CLIENT_AUTH: "TLS Web Client Authentication",
}
SIGNATURE_NAMES = {
    SignatureAlgorithmOID.RSA_WITH_SHA256: "sha256WithRSAEncryption",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "ecdsa-with-SHA256",
}
NAME_SHORT = {NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATION_NAME: "O",
              NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.COUNTRY_NAME: "C"}

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class NodeLike(Protocol):
    name: str
    role: str  # "control-plane" | "worker"
    ip: str


@dataclass(frozen=True)
class NodeInfo:
    name: str
    role: str
    ip: str


# --- keys ------------------------------------------------------------------------------------

_lock = threading.Lock()
_key_pool: dict[tuple[str, str], rsa.RSAPrivateKey] = {}
_cache: OrderedDict[tuple[object, ...], ClusterPKI] = OrderedDict()


def _new_rsa() -> rsa.RSAPrivateKey:
    entropy.note()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pooled_keys(cluster: str, labels: Sequence[str]) -> dict[str, rsa.RSAPrivateKey]:
    with _lock:
        missing = [lb for lb in labels if (cluster, lb) not in _key_pool]
    if missing:
        # OpenSSL releases the GIL while generating, so threads use every core.
        with ThreadPoolExecutor(max_workers=min(len(missing), os.cpu_count() or 1)) as pool:
            fresh = list(pool.map(lambda _: _new_rsa(), missing))
        with _lock:
            for label, key in zip(missing, fresh, strict=True):
                _key_pool.setdefault((cluster, label), key)
    with _lock:
        return {lb: _key_pool[(cluster, lb)] for lb in labels}


def _key_labels(cps: Sequence[NodeInfo], workers: Sequence[NodeInfo]) -> list[str]:
    labels = ["ca", "front-proxy-ca", "etcd-ca", "sa", "admin", "super-admin"]
    for i, n in enumerate(cps):
        labels += [f"{n.name}/{leaf}" for leaf in (
            "apiserver", "apiserver-kubelet-client", "front-proxy-client", "etcd-server",
            "etcd-peer", "etcd-healthcheck-client", "apiserver-etcd-client",
            "controller-manager", "scheduler")]
        if i == 0:
            labels.append(f"{n.name}/kubelet-conf")
    for n in [*cps, *workers]:
        labels += [f"{n.name}/serving-ca", f"{n.name}/serving"]
    return labels


def warm_key_pool(cluster_name: str = "kind", nodes: Sequence[NodeLike] | None = None, *,
                  background: bool = True) -> threading.Thread | None:
    """Generate the RSA keys a cluster needs before the first attempt asks for it."""
    infos = [NodeInfo(n.name, n.role, n.ip) for n in nodes] if nodes else [
        NodeInfo(f"{cluster_name}-control-plane", "control-plane", "172.18.0.2"),
        *(NodeInfo(f"{cluster_name}-worker{s}", "worker", f"172.18.0.{i + 3}")
          for i, s in enumerate(("", "2", "3")))]
    cps, workers = _split(infos)
    labels = _key_labels(cps, workers)
    if not background:
        _pooled_keys(cluster_name, labels)
        return None
    thread = threading.Thread(target=_pooled_keys, args=(cluster_name, labels),
                              name="pki-warm-up", daemon=True)
    thread.start()
    return thread


# --- certificates ----------------------------------------------------------------------------

def _attr(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute:
    # Go's encoding/asn1 writes a PrintableString when every character allows it, else UTF8String.
    printable = re.fullmatch(r"[A-Za-z0-9 '()+,\-./:=?]*", value) is not None
    kind = _ASN1Type.PrintableString if printable else _ASN1Type.UTF8String
    return x509.NameAttribute(oid, value, _type=kind)


def _name(cn: str, orgs: Sequence[str] = ()) -> x509.Name:
    # pkix.Name puts O before CN (crypto/x509/pkix ToRDNSequence).
    return x509.Name([*(_attr(NameOID.ORGANIZATION_NAME, o) for o in orgs),
                      _attr(NameOID.COMMON_NAME, cn)])


def _kubeadm_serial() -> int:
    # uniform in [1, MaxInt64) (cmd/kubeadm/app/util/pkiutil/pki_helpers.go NewSignedCert)
    entropy.note()
    return secrets.randbelow(2**63 - 2) + 1


def _sec(t: datetime) -> datetime:
    return t.replace(microsecond=0)


@dataclass(frozen=True)
class _Issued:
    cert: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return _key_pem(self.key)


def _key_pem(key: PrivateKey) -> bytes:
    # "RSA PRIVATE KEY" / "EC PRIVATE KEY" as keyutil.MarshalPrivateKeyToPEM writes them
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _sign(subject: x509.Name, key: PrivateKey, issuer: _Issued | None, *, serial: int,
          not_before: datetime, not_after: datetime, usage: Collection[str] = (),
          eku: Sequence[x509.ObjectIdentifier] = (), is_ca: bool = False,
          dns: Sequence[str] = (), ips: Sequence[str] = ()) -> _Issued:
    """One certificate with extensions in the order Go's x509.CreateCertificate writes them."""
    issuer_name = issuer.cert.subject if issuer else subject
    signer = issuer.key if issuer else key
    flags = {k: k in usage for k, _ in KEY_USAGE_NAMES}
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(_sec(not_before)).not_valid_after(_sec(not_after))
         .add_extension(x509.KeyUsage(**flags, encipher_only=False, decipher_only=False),
                        critical=True))
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    b = b.add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    if is_ca:  # Go derives a SubjectKeyId only for CA templates
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                            critical=False)
    if issuer is not None:
        ski = issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        b = b.add_extension(x509.AuthorityKeyIdentifier(ski.digest, None, None), critical=False)
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return _Issued(b.sign(signer, hashes.SHA256()), key)


def _kubeadm_ca(cn: str, key: rsa.RSAPrivateKey, start: datetime) -> _Issued:
    # NewSelfSignedCACert: DNSNames = [CommonName] (cmd/kubeadm/app/util/pkiutil/pki_helpers.go)
    return _sign(_name(cn), key, None, serial=_kubeadm_serial(), not_before=start - BACKDATE,
                 not_after=start + CA_VALIDITY, is_ca=True,
                 usage={"digital_signature", "key_encipherment", "key_cert_sign"}, dns=[cn])


def _kubeadm_leaf(ca: _Issued, cn: str, key: rsa.RSAPrivateKey, start: datetime,
                  eku: Sequence[x509.ObjectIdentifier], orgs: Sequence[str] = (),
                  dns: Sequence[str] = (), ips: Sequence[str] = ()) -> _Issued:
    # NewSignedCert: KeyEncipherment|DigitalSignature; RemoveDuplicateAltNames sorts DNS names
    # and de-duplicates IPs keeping their order.
    return _sign(_name(cn, orgs), key, ca, serial=_kubeadm_serial(),
                 not_before=start - BACKDATE, not_after=start + LEAF_VALIDITY,
                 usage={"digital_signature", "key_encipherment"}, eku=eku,
                 dns=sorted(set(dns)), ips=list(dict.fromkeys(ips)))


def _csr_signed_client(ca: _Issued, node: str, signed_at: datetime) -> _Issued:
    # The kubelet asks with a fresh P-256 key for digital signature + client auth
    # (client-go util/certificate/certificate_manager.go generateCSR,
    # DefaultKubeletClientGetUsages); the signer draws a 128-bit serial.
    entropy.note()
    key = ec.generate_private_key(ec.SECP256R1())
    return _sign(_name(f"system:node:{node}", ["system:nodes"]), key, ca,
                 serial=secrets.randbelow(2**128 - 1) + 1,
                 not_before=signed_at - CSR_BACKDATE,
                 not_after=signed_at + LEAF_VALIDITY - CSR_BACKDATE,
                 usage={"digital_signature"}, eku=[ExtendedKeyUsageOID.CLIENT_AUTH])


def _kubelet_serving(node: str, ca_key: rsa.RSAPrivateKey, key: rsa.RSAPrivateKey,
                     started: datetime) -> tuple[bytes, bytes]:
    """kubelet.crt (leaf then its throwaway CA) and kubelet.key, as certutil writes them."""
    unix = int(started.timestamp())
    start = started - SERVING_BACKDATE
    ca = _sign(_name(f"{node}-ca@{unix}"), ca_key, None, serial=1, not_before=start,
               not_after=start + LEAF_VALIDITY, is_ca=True,
               usage={"digital_signature", "key_encipherment", "key_cert_sign"})
    leaf = _sign(_name(f"{node}@{unix}"), key, ca, serial=2, not_before=start,
                 not_after=start + LEAF_VALIDITY, usage={"digital_signature", "key_encipherment"},
                 eku=[ExtendedKeyUsageOID.SERVER_AUTH], dns=[node])
    return leaf.cert_pem + ca.cert_pem, leaf.key_pem


# --- the cluster -----------------------------------------------------------------------------

class ClusterPKI:
    """Every node's PKI files. Immutable and shared between clusters built from the same inputs."""

    def __init__(self, cluster_name: str, nodes: tuple[NodeInfo, ...], created_at: datetime,
                 control_plane_endpoint: str) -> None:
        self.cluster_name = cluster_name
        self.nodes = nodes
        self.created_at = created_at
        self.init_time = created_at - INIT_LEAD
        self.control_plane_endpoint = control_plane_endpoint  # host:port, as in kubeadm.conf
        self._files: dict[str, dict[str, tuple[bytes, int]]] = {n.name: {} for n in nodes}
        self._links: dict[str, dict[str, str]] = {n.name: {} for n in nodes}
        self._mtimes: dict[str, dict[str, float]] = {n.name: {} for n in nodes}
        self._cas: dict[str, tuple[bytes, bytes]] = {}

    def _put(self, node: str, path: str, data: bytes, mode: int, when: datetime) -> None:
        self._files[node][path] = (data, mode)
        self._mtimes[node][path] = when.timestamp()

    def _node(self, node_name: str) -> str:
        if node_name not in self._files:
            raise KeyError(f"no node {node_name!r} in cluster {self.cluster_name!r}")
        return node_name

    def files_for(self, node_name: str) -> dict[str, tuple[bytes, int]]:
        """Absolute path -> (content, mode) of the regular PKI files on the node."""
        return dict(self._files[self._node(node_name)])

    def symlinks_for(self, node_name: str) -> dict[str, str]:
        """Symlink path -> absolute target (kubelet-client-current.pem)."""
        return dict(self._links[self._node(node_name)])

    def mtimes_for(self, node_name: str) -> dict[str, float]:
        """Path -> when it was written (epoch seconds), for files and symlinks, for `ls -l`."""
        return dict(self._mtimes[self._node(node_name)])

    def ca_pair(self, name: str = "ca") -> tuple[bytes, bytes]:
        """(cert PEM, key PEM) of "ca", "front-proxy-ca" or "etcd-ca", e.g. for reissue()."""
        return self._cas[name]


def _split(nodes: Sequence[NodeInfo]) -> tuple[list[NodeInfo], list[NodeInfo]]:
    # kind's bootstrap control plane is the first by name (kind pkg/cluster/nodeutils/roles.go)
    cps = sorted((n for n in nodes if n.role == "control-plane"), key=lambda n: n.name)
    workers = sorted((n for n in nodes if n.role == "worker"), key=lambda n: n.name)
    if not cps:
        raise ValueError("a kubeadm cluster needs a control-plane node")
    if len(cps) + len(workers) != len(nodes) or len({n.name for n in nodes}) != len(nodes):
        raise ValueError("node roles must be control-plane or worker and names unique")
    return cps, workers


def _stamp(t: datetime) -> str:
    # client-go certificate_store.go: time.Now().Format("2006-01-02-15-04-05"); kind nodes run UTC
    return t.astimezone(UTC).strftime("%Y-%m-%d-%H-%M-%S")


def _build(cluster: str, nodes: tuple[NodeInfo, ...], created: datetime) -> ClusterPKI:
    cps, workers = _split(nodes)
    # kind's kubeadm controlPlaneEndpoint is the LB container's name in HA clusters, else the
    # control plane's (kind pkg/cluster/internal/providers/docker/provider.go
    # GetAPIServerInternalEndpoint, nodeutils.APIServerEndpointNode)
    host = f"{cluster}-external-load-balancer" if len(cps) > 1 else cps[0].name
    pki = ClusterPKI(cluster, nodes, created, f"{host}:{API_PORT}")
    endpoint = f"https://{host}:{API_PORT}"
    keys = _pooled_keys(cluster, _key_labels(cps, workers))
    t0 = pki.init_time

    def at(offset: timedelta) -> datetime:  # nothing may happen after the cluster is ready
        return min(t0 + offset, created)

    ca = _kubeadm_ca("kubernetes", keys["ca"], t0)
    fp_ca = _kubeadm_ca("front-proxy-ca", keys["front-proxy-ca"], t0)
    etcd_ca = _kubeadm_ca("etcd-ca", keys["etcd-ca"], t0)
    for name, issued in (("ca", ca), ("front-proxy-ca", fp_ca), ("etcd-ca", etcd_ca)):
        pki._cas[name] = (issued.cert_pem, issued.key_pem)
    sa_pub = keys["sa"].public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    service_vip = str(next(ipaddress.ip_network(SERVICE_SUBNET).hosts()))
    server_auth, client_auth = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
    admin_conf = b""

    for index, node in enumerate(cps):
        n = node.name
        # offset of this node's kubeadm run: init, or a join after the previous one
        run = INIT_DONE + JOIN_STEP * (index - 1) if index else timedelta(0)
        start = at(run)
        k = {label.split("/", 1)[1]: key for label, key in keys.items()
             if label.startswith(n + "/")}
        cas_at = at(INIT_DONE) if index else t0  # joined nodes get the CAs copied by kind
        # certutil.WriteCert 0644, keyutil.WriteKey 0600 (sa.pub too: pkiutil.WritePublicKey)
        for base, issued in (("ca", ca), ("front-proxy-ca", fp_ca), ("etcd/ca", etcd_ca)):
            pki._put(n, f"{PKI}/{base}.crt", issued.cert_pem, 0o644, cas_at)
            pki._put(n, f"{PKI}/{base}.key", issued.key_pem, 0o600, cas_at)
        pki._put(n, f"{PKI}/sa.key", _key_pem(keys["sa"]), 0o600, cas_at)
        pki._put(n, f"{PKI}/sa.pub", sa_pub, 0o600, cas_at)
        # cmd/kubeadm/app/phases/certs/certlist.go and pkiutil GetAPIServerAltNames/getAltNames
        leaves = {
            "apiserver": _kubeadm_leaf(
                ca, "kube-apiserver", k["apiserver"], start, [server_auth],
                dns=[n, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                     f"kubernetes.default.svc.{DNS_DOMAIN}", host, "localhost"],
                ips=[service_vip, node.ip, "127.0.0.1"]),
            "apiserver-kubelet-client": _kubeadm_leaf(
                ca, "kube-apiserver-kubelet-client", k["apiserver-kubelet-client"], start,
                [client_auth], orgs=["kubeadm:cluster-admins"]),
            "front-proxy-client": _kubeadm_leaf(
                fp_ca, "front-proxy-client", k["front-proxy-client"], start, [client_auth]),
            "etcd/server": _kubeadm_leaf(
                etcd_ca, n, k["etcd-server"], start, [server_auth, client_auth],
                dns=[n, "localhost"], ips=[node.ip, "127.0.0.1", "::1"]),
            "etcd/peer": _kubeadm_leaf(
                etcd_ca, n, k["etcd-peer"], start, [server_auth, client_auth],
                dns=[n, "localhost"], ips=[node.ip, "127.0.0.1", "::1"]),
            "etcd/healthcheck-client": _kubeadm_leaf(
                etcd_ca, "kube-etcd-healthcheck-client", k["etcd-healthcheck-client"], start,
                [client_auth]),
            "apiserver-etcd-client": _kubeadm_leaf(
                etcd_ca, "kube-apiserver-etcd-client", k["apiserver-etcd-client"], start,
                [client_auth]),
        }
        for base, issued in leaves.items():
            pki._put(n, f"{PKI}/{base}.crt", issued.cert_pem, 0o644, start)
            pki._put(n, f"{PKI}/{base}.key", issued.key_pem, 0o600, start)

        # kubeconfig phase (cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go
        # getKubeConfigSpecsBase): admin/super-admin use the controlPlaneEndpoint, the
        # controller-manager, scheduler and (1.33, ControlPlaneKubeletLocalMode beta, on) kubelet
        # the local advertise address. clientcmd.WriteToFile writes 0600.
        local = f"https://{node.ip}:{API_PORT}"
        conf_at = at(run + KUBECONFIG_PHASE)
        if index == 0:
            admin_conf = _kubeadm_conf(cluster, ca, "kubernetes-admin", ["kubeadm:cluster-admins"],
                                       keys["admin"], endpoint, start)
            pki._put(n, "/etc/kubernetes/admin.conf", admin_conf, 0o600, conf_at)
            pki._put(n, "/etc/kubernetes/super-admin.conf",
                     _kubeadm_conf(cluster, ca, "kubernetes-super-admin", ["system:masters"],
                                   keys["super-admin"], endpoint, start), 0o600, conf_at)
        else:  # kind copies the init node's admin.conf and kubeadm join keeps it as it is
            pki._put(n, "/etc/kubernetes/admin.conf", admin_conf, 0o600, cas_at)
        pki._put(n, "/etc/kubernetes/controller-manager.conf",
                 _kubeadm_conf(cluster, ca, "system:kube-controller-manager", [],
                               k["controller-manager"], local, start), 0o600, conf_at)
        pki._put(n, "/etc/kubernetes/scheduler.conf",
                 _kubeadm_conf(cluster, ca, "system:kube-scheduler", [], k["scheduler"], local,
                               start), 0o600, conf_at)

        if index == 0:
            # kubeadm init embeds a system:node cert in kubelet.conf; the kubelet stores it as its
            # first pair, rotates at once, and kubelet-finalize repoints kubelet.conf at the PEM
            # (kubernetes pkg/kubelet/certificate/kubelet.go: "used by kubeadm on the masters").
            boot = _kubeadm_leaf(ca, f"system:node:{n}", k["kubelet-conf"], start,
                                 [client_auth], ["system:nodes"])
            kubelet_up = at(KUBELET_START)
            pki._put(n, f"{KUBELET_PKI}/kubelet-client-{_stamp(kubelet_up)}.pem",
                     boot.cert_pem + boot.key_pem, 0o600, kubelet_up)
            signed = at(CLIENT_ROTATED)
            kubelet_conf = kubeconfig.with_client_pem_file(cluster, local, f"system:node:{n}",
                                                           ca.cert_pem)
            pki._put(n, "/etc/kubernetes/kubelet.conf", kubelet_conf, 0o600, at(FINALIZE))
        else:
            kubelet_up = at(run + CP_JOIN_KUBELET)
            signed = at(run + CP_JOIN_KUBELET + CSR_SIGNED)
            pki._put(n, "/etc/kubernetes/kubelet.conf",
                     kubeconfig.from_tls_bootstrap(local, ca.cert_pem), 0o600, signed)
        _kubelet_files(pki, node, ca, keys, kubelet_up, signed)

    run = INIT_DONE + JOIN_STEP * (len(cps) - 1)  # kind joins all workers at once
    for node in workers:
        n = node.name
        pki._put(n, f"{PKI}/ca.crt", ca.cert_pem, 0o644, at(run))
        kubelet_up = at(run + WORKER_KUBELET)
        signed = at(run + WORKER_KUBELET + CSR_SIGNED)
        pki._put(n, "/etc/kubernetes/kubelet.conf",
                 kubeconfig.from_tls_bootstrap(endpoint, ca.cert_pem), 0o600, signed)
        _kubelet_files(pki, node, ca, keys, kubelet_up, signed)
    return pki


def _kubeadm_conf(cluster: str, ca: _Issued, user: str, orgs: Sequence[str],
                  key: rsa.RSAPrivateKey, server: str, start: datetime) -> bytes:
    cert = _kubeadm_leaf(ca, user, key, start, [ExtendedKeyUsageOID.CLIENT_AUTH], orgs)
    return kubeconfig.with_embedded_cert(cluster, server, user, ca.cert_pem, cert.cert_pem,
                                         cert.key_pem)


def _kubelet_files(pki: ClusterPKI, node: NodeInfo, ca: _Issued,
                   keys: dict[str, rsa.RSAPrivateKey], kubelet_up: datetime,
                   signed: datetime) -> None:
    n = node.name
    crt, key = _kubelet_serving(n, keys[f"{n}/serving-ca"], keys[f"{n}/serving"], kubelet_up)
    pki._put(n, f"{KUBELET_PKI}/kubelet.crt", crt, 0o644, kubelet_up)
    pki._put(n, f"{KUBELET_PKI}/kubelet.key", key, 0o600, kubelet_up)
    client = _csr_signed_client(ca, n, signed)
    # certificate_store.go Update: cert then key in one 0600 file, then the absolute symlink
    dated = f"{KUBELET_PKI}/kubelet-client-{_stamp(signed)}.pem"
    pki._put(n, dated, client.cert_pem + client.key_pem, 0o600, signed)
    pki._links[n][kubeconfig.KUBELET_CLIENT_CURRENT] = dated
    pki._mtimes[n][kubeconfig.KUBELET_CLIENT_CURRENT] = signed.timestamp()


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def build_cluster_pki(cluster_name: str, nodes: Sequence[NodeLike], now: datetime) -> ClusterPKI:
    """The PKI of a kind cluster that became ready at the start of `now`'s CACHE_BUCKET window.

    Cached: the same name, nodes and window give the same (immutable) object.
    """
    infos = tuple(NodeInfo(n.name, n.role, n.ip) for n in nodes)
    now = _utc(now)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    created = epoch + ((now - epoch) // CACHE_BUCKET) * CACHE_BUCKET
    key = (cluster_name, tuple(sorted((n.name, n.role, n.ip) for n in infos)), created)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    pki = _build(cluster_name, infos, created)
    with _lock:
        pki = _cache.setdefault(key, pki)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return pki


# --- reading certificates --------------------------------------------------------------------

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----\r?\n?", re.S)


def _blocks(pem: bytes) -> list[re.Match[bytes]]:
    return list(_PEM_BLOCK.finditer(pem))


@functools.lru_cache(maxsize=1024)
def load_private_key(pem: bytes):  # noqa: ANN201 - an RSA or EC private key
    """A private key from PEM, without OpenSSL's RSA consistency check (~60 ms a key on this
    machine, the slowest part of re-issuing a certificate). The keys are the twin's own; a key
    a trainee mangled still fails to parse, and one that parses but is inconsistent only makes
    signatures that do not verify, as it would on a real node."""
    return serialization.load_pem_private_key(pem, password=None,
                                              unsafe_skip_rsa_key_validation=True)


def load_cert(pem: bytes) -> x509.Certificate:
    """The first certificate in a PEM file (a bundle, or a kubelet cert+key PEM, is fine).

    Cached: the twin checks the same few certificates at every step, and a parsed
    certificate is immutable."""
    for m in _blocks(pem):
        if m.group(1) == b"CERTIFICATE":
            return x509.load_pem_x509_certificate(m.group(0))
    raise ValueError("no certificate in PEM data")


@functools.lru_cache(maxsize=1024)
def cert_validity(pem: bytes) -> tuple[datetime, datetime]:
    """(notBefore, notAfter): cached apart from load_cert, as the kubelet's and the
    components' checks ask for it at every step of the twin."""
    cert = load_cert(pem)
    return cert.not_valid_before_utc, cert.not_valid_after_utc


def is_valid_at(pem: bytes, when: datetime) -> bool:
    # inclusive at both ends, like Go's x509 (now.Before(NotBefore) / now.After(NotAfter))
    not_before, not_after = cert_validity(pem)
    return not_before <= _utc(when) <= not_after


def verify_chain(cert_pem: bytes, ca_pem: bytes, at: datetime | None = None) -> bool:
    """True when `ca_pem` signed `cert_pem` and is a CA; also both valid at `at` when given."""
    if not _signed_by(cert_pem, ca_pem):
        return False
    return at is None or (is_valid_at(cert_pem, at) and is_valid_at(ca_pem, at))


@functools.lru_cache(maxsize=1024)
def _signed_by(cert_pem: bytes, ca_pem: bytes) -> bool:
    # A signature check depends only on the two PEMs, and the twin repeats it every step.
    cert, ca = load_cert(cert_pem), load_cert(ca_pem)
    try:
        cert.verify_directly_issued_by(ca)
        constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return bool(constraints.ca)


def _oneline(name: x509.Name) -> str:
    # openssl 3's default -nameopt: "O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client"
    return ", ".join(f"{NAME_SHORT.get(a.oid, a.oid.dotted_string)} = {a.value}" for a in name)


def _openssl_ip(ip: str) -> str:
    # openssl 3.0 (Debian 12's) prints IPv6 SANs as eight uncompressed "%X" groups
    addr = ipaddress.ip_address(ip)
    if addr.version == 4:
        return ip
    return ":".join(f"{int(group, 16):X}" for group in addr.exploded.split(":"))


def _hexid(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


@dataclass(frozen=True)
class CertInfo:
    """What `openssl x509 -text` and `kubeadm certs check-expiration` show of a certificate."""

    subject: str                    # openssl one-line form
    issuer: str
    subject_cn: str
    issuer_cn: str
    organizations: tuple[str, ...]
    serial: int
    serial_hex: str                 # `openssl x509 -serial` value
    not_before: datetime
    not_after: datetime
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    san: tuple[str, ...]            # "DNS:x", "IP Address:y" as openssl prints them, in order
    key_usage: tuple[str, ...]      # "Digital Signature", ...
    ext_key_usage: tuple[str, ...]  # "TLS Web Server Authentication", ...
    is_ca: bool
    public_key_algorithm: str       # "rsaEncryption" | "id-ecPublicKey"
    public_key_bits: int
    signature_algorithm: str        # "sha256WithRSAEncryption"
    subject_key_id: str | None      # "AB:CD:..."
    authority_key_id: str | None


def cert_info(pem: bytes) -> CertInfo:
    cert = load_cert(pem)
    exts = {e.oid: e.value for e in cert.extensions}

    def get(cls: type[x509.ExtensionType]) -> x509.ExtensionType | None:
        return exts.get(cls.oid)

    san = get(x509.SubjectAlternativeName)
    dns = tuple(san.get_values_for_type(x509.DNSName)) if isinstance(
        san, x509.SubjectAlternativeName) else ()
    ips = tuple(str(i) for i in san.get_values_for_type(x509.IPAddress)) if isinstance(
        san, x509.SubjectAlternativeName) else ()
    ku = get(x509.KeyUsage)
    usages = tuple(label for attr, label in KEY_USAGE_NAMES
                   if isinstance(ku, x509.KeyUsage) and getattr(ku, attr))
    eku = get(x509.ExtendedKeyUsage)
    ekus = tuple(EKU_NAMES.get(o, o.dotted_string) for o in eku) if isinstance(
        eku, x509.ExtendedKeyUsage) else ()
    bc, ski, aki = get(x509.BasicConstraints), get(x509.SubjectKeyIdentifier), get(
        x509.AuthorityKeyIdentifier)
    key = cert.public_key()
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    icn = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    hexs = f"{cert.serial_number:X}"
    sig_oid = cert.signature_algorithm_oid
    return CertInfo(
        subject=_oneline(cert.subject), issuer=_oneline(cert.issuer),
        subject_cn=str(cn[0].value) if cn else "", issuer_cn=str(icn[0].value) if icn else "",
        organizations=tuple(str(a.value) for a in
                            cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)),
        serial=cert.serial_number, serial_hex=hexs.zfill(len(hexs) + len(hexs) % 2),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        dns_names=dns, ip_addresses=ips,
        san=tuple(f"DNS:{d}" for d in dns) + tuple(f"IP Address:{_openssl_ip(i)}" for i in ips),
        key_usage=usages, ext_key_usage=ekus,
        is_ca=isinstance(bc, x509.BasicConstraints) and bc.ca,
        public_key_algorithm="rsaEncryption" if isinstance(key, rsa.RSAPublicKey)
        else "id-ecPublicKey",
        public_key_bits=getattr(key, "key_size", 0),
        signature_algorithm=SIGNATURE_NAMES.get(sig_oid, sig_oid.dotted_string),
        subject_key_id=_hexid(ski.digest) if isinstance(ski, x509.SubjectKeyIdentifier)
        else None,
        authority_key_id=_hexid(aki.key_identifier) if isinstance(
            aki, x509.AuthorityKeyIdentifier) and aki.key_identifier else None,
    )


# --- re-signing --------------------------------------------------------------------------------

def reissue(cert_pem: bytes, ca_cert_pem: bytes, ca_key_pem: bytes, *, not_before: datetime,
            not_after: datetime) -> bytes:
    """The same certificate (subject, public key, SANs, extensions) with a new validity window.

    Signed by the given CA with a new kubeadm-style serial. Only the first CERTIFICATE block is
    replaced; every other block (the key in a kubelet-client PEM, the CA in kubelet.crt) stays
    byte for byte, so the result can be written back over the original file.
    """
    old = load_cert(cert_pem)
    ca = load_cert(ca_cert_pem)
    ca_key = load_private_key(ca_key_pem)
    if not isinstance(ca_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError("CA key must be RSA or ECDSA")
    self_signed = old.subject == ca.subject and old.public_key() == ca.public_key()
    b = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(ca.subject)
         .public_key(old.public_key()).serial_number(_kubeadm_serial())
         .not_valid_before(_sec(_utc(not_before))).not_valid_after(_sec(_utc(not_after))))
    for ext in old.extensions:
        value = ext.value
        if isinstance(value, x509.AuthorityKeyIdentifier) and not self_signed:
            try:  # point at the signing CA, as Go does from parent.SubjectKeyId
                ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
                value = x509.AuthorityKeyIdentifier(ski.digest, None, None)
            except x509.ExtensionNotFound:
                pass
        b = b.add_extension(value, critical=ext.critical)
    new_pem = b.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    for m in _blocks(cert_pem):
        if m.group(1) == b"CERTIFICATE":
            return cert_pem[:m.start()] + new_pem + cert_pem[m.end():]
    raise ValueError("no certificate in PEM data")
