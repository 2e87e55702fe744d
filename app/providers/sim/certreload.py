"""kube-apiserver serves a renewed --tls-cert-file without a restart.

k8s.io/apiserver options/serving.go loads the serving pair with
`dynamiccertificates.NewDynamicServingContentFromFiles("serving-cert", certFile, keyFile)`;
its controller (dynamic_serving_content.go) watches both files with fsnotify and re-reads them
every minute, and `loadCertKeyPair` swaps in the new pair when it parses and the key matches
the certificate (`tls.X509KeyPair`; validity dates are not checked). New TLS handshakes then get
the new certificate. So after `kubeadm certs renew apiserver` a real apiserver answers with the
renewed certificate within seconds; the "Loaded a new cert/key pair" line is klog V(2), not
printed at kubeadm's default verbosity.

Its etcd client is built from etcd's `transport.TLSInfo{CertFile, KeyFile, TrustedCAFile}`
(storagebackend/factory/etcd3.go newETCD3Client), whose `GetClientCertificate` reads the files
again at every handshake (etcd client/pkg/transport/listener.go): an apiserver still retrying
etcd after `kubeadm certs renew apiserver-etcd-client` connects at its next dial.

Kubeconfig-based clients (controller-manager, scheduler) are not covered here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.sim import pki, tls
from app.providers.sim.components.base import flag_values

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.runtime import Container

NOTE = "serving_cert"


def _pair_matches(cert: bytes, key: bytes) -> bool:
    try:
        public = pki.load_cert(cert).public_key()
        return public == pki.load_private_key(key).public_key()
    except (ValueError, TypeError):
        return False


def _reload(node: SimNode, c: Container, note: str, cert_flag: str, key_flag: str) -> bool:
    if note not in c.notes:
        return False
    flags = flag_values(c.command)
    cert_path, key_path = flags.get(cert_flag), flags.get(key_flag)
    if not cert_path or not key_path:
        return False
    cert = tls.read_pem(node, cert_path)
    if cert is None or cert == tls.loaded(c.notes, note):
        return False
    key = tls.read_pem(node, key_path)
    if key is None or not _pair_matches(cert, key):
        return False  # the pair it has stays in use
    c.notes[note] = cert.decode("latin-1")
    return True


def reload_serving(node: SimNode, c: Container) -> bool:
    """Swap the apiserver's loaded serving certificate for the file's, as the dynamic serving
    content controller does; True when it changed."""
    return _reload(node, c, NOTE, "tls-cert-file", "tls-private-key-file")


def reload_etcd_client(node: SimNode, c: Container) -> bool:
    """The etcd client certificate as the next handshake reads it; True when it changed."""
    return _reload(node, c, "etcd_client_cert", "etcd-certfile", "etcd-keyfile")
