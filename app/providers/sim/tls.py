"""TLS decisions of the twin's components: Go's x509 verification against the twin's clock.

Components load their certificates when they start (a file renewed later only takes effect
after a restart, as on a real node; except kube-apiserver's serving pair, which it re-reads on
change: certreload.py) and peers verify them at `cluster.t`. Error texts are Go's:
crypto/x509 `CertificateInvalidError.Error()` (verify.go: "x509: certificate has expired or is
not yet valid: " + "current time %s is after %s", times formatted time.RFC3339) and, from Go
1.20, crypto/tls `CertificateVerificationError` ("tls: failed to verify certificate: %v"). A
Go >= 1.21 TLS server that rejects an expired client certificate sends the
`certificate_expired` alert, which the client reports as "remote error: tls: expired
certificate" (crypto/tls alert.go, handshake_server.go processCertsFromClient).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.providers.sim import pki
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.runtime import Container

TLS_VERIFY = "tls: failed to verify certificate: "
EXPIRED_ALERT = "remote error: tls: expired certificate"
UNKNOWN_CA = "x509: certificate signed by unknown authority"


def go_rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(t: float) -> datetime:
    return datetime.fromtimestamp(int(t), UTC)


def validity_error(pem: bytes, t: float) -> str | None:
    """Go's x509 error for a certificate outside its validity window at `t`, else None."""
    not_before, not_after = pki.cert_validity(pem)
    now = at(t)
    if now < not_before:
        return ("x509: certificate has expired or is not yet valid: current time "
                f"{go_rfc3339(now)} is before {go_rfc3339(not_before)}")
    if now > not_after:
        return ("x509: certificate has expired or is not yet valid: current time "
                f"{go_rfc3339(now)} is after {go_rfc3339(not_after)}")
    return None


def verify_error(pem: bytes, ca_pem: bytes | None, t: float) -> str | None:
    """What Go's Verify returns: the leaf's validity first, then its chain to `ca_pem`."""
    err = validity_error(pem, t)
    if err is not None:
        return err
    if ca_pem is not None and not pki.verify_chain(pem, ca_pem):
        return UNKNOWN_CA
    return None


def read_pem(node: SimNode, path: str) -> bytes | None:
    try:
        return node.vfs.read(path)
    except VFSError:
        return None


def kubeconfig_ca(node: SimNode, path: str) -> bytes | None:
    """The CA a kubeconfig on `node` embeds (None when it is unreadable or has none)."""
    from app.providers.sim import kubeconfig

    data = read_pem(node, path)
    try:
        return kubeconfig.ca_data(data) if data is not None else None
    except (ValueError, KeyError, TypeError):
        return None


def load_into(notes: dict, key: str, node: SimNode, path: str) -> bool:
    """Remember the PEM a process loaded at start (False when the file cannot be read)."""
    data = read_pem(node, path)
    if data is None:
        return False
    notes[key] = data.decode("latin-1")
    return True


def loaded(notes: dict, key: str) -> bytes | None:
    raw = notes.get(key)
    return raw.encode("latin-1") if isinstance(raw, str) else None


def serving_error(apiserver: Container | None, t: float, ca_pem: bytes | None = None
                  ) -> str | None:
    """What a Go client gets from the apiserver's handshake: its serving certificate (loaded at
    start from --tls-cert-file) verified at `t`, wrapped as crypto/tls reports it."""
    pem = loaded(apiserver.notes, "serving_cert") if apiserver is not None else None
    if pem is None:
        return None
    err = verify_error(pem, ca_pem, t)
    return None if err is None else TLS_VERIFY + err


def install_pki_links(cluster: object, created: float) -> None:
    """The symlinks of the kubelet's certificate store (kubelet-client-current.pem ->
    kubelet-client-<date>.pem), which the PKI bundle lists apart from its regular files."""
    nodes = [pki.NodeInfo(n.name, n.role, n.ip) for n in cluster.nodes]  # type: ignore[attr-defined]
    bundle = pki.build_cluster_pki(cluster.name, nodes,  # type: ignore[attr-defined]
                                   datetime.fromtimestamp(created, UTC))
    for n in cluster.nodes:  # type: ignore[attr-defined]
        for link, target in bundle.symlinks_for(n.name).items():
            if not n.vfs.exists(link) and n.vfs.exists(target):
                n.vfs.symlink(target, link)
