"""kube-apiserver serves a renewed --tls-cert-file without a restart.

k8s.io/apiserver options/serving.go loads the serving pair with
`dynamiccertificates.NewDynamicServingContentFromFiles("serving-cert", certFile, keyFile)`;
its controller (dynamic_serving_content.go) watches both files with fsnotify and re-reads them
every minute, and `loadCertKeyPair` swaps in the new pair when it parses and the key matches
the certificate (`tls.X509KeyPair`; validity dates are not checked). New TLS handshakes then get
the new certificate. So after `kubeadm certs renew apiserver` a real apiserver answers with the
renewed certificate within seconds; the "Loaded a new cert/key pair" line is klog V(2), not
printed at kubeadm's default verbosity.

The etcd client certificate and the kubeconfig-based clients are not covered here.
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


def reload_serving(node: SimNode, c: Container) -> bool:
    """Swap the apiserver's loaded serving certificate for the file's, as the dynamic serving
    content controller does; True when it changed."""
    if NOTE not in c.notes:
        return False
    flags = flag_values(c.command)
    cert_path, key_path = flags.get("tls-cert-file"), flags.get("tls-private-key-file")
    if not cert_path or not key_path:
        return False
    cert = tls.read_pem(node, cert_path)
    if cert is None or cert == tls.loaded(c.notes, NOTE):
        return False
    key = tls.read_pem(node, key_path)
    if key is None or not _pair_matches(cert, key):
        return False  # the controller keeps serving the pair it has
    c.notes[NOTE] = cert.decode("latin-1")
    return True
