"""The kubelet's client certificate: whether it may talk to the API, and what it logs when not.

The kubelet authenticates with the certificate its kubeconfig (/etc/kubernetes/kubelet.conf)
names: embedded `client-certificate-data`, or a `client-certificate` file, on kubeadm nodes
/var/lib/kubelet/pki/kubelet-client-current.pem. client-go re-reads a certificate file it was
given by path, so the running kubelet always presents what the file holds now.

- Starting with an expired certificate (kubernetes pkg/kubelet/certificate/bootstrap
  LoadClientCert, called with --bootstrap-kubeconfig whatever rotateCertificates says): the
  kubelet logs `part of the existing bootstrap client certificate in <kubeconfig> is expired:
  <notAfter>`, falls back to /etc/kubernetes/bootstrap-kubelet.conf, which kubeadm deleted after
  the join, and exits (`run.go:72] "command failed" ...`): real-output §5 (OBS kubelet v1.30.11).
  systemd restarts it every second (kind's kubelet.service Restart=always); the twin logs one
  such cycle and leaves the unit inactive until someone starts it again.
- Expiring while the kubelet runs: the apiserver's x509 authenticator rejects it and every
  request gets 401 (`Unauthorized`), so node status updates stop (`"Error updating node status,
  will retry" err="error getting node \\"<node>\\": Unauthorized"`, §5) and the node controller
  marks the node Unknown after the grace period (nodelifecycle.py).

Rotation (rotateCertificates: true) is not modelled as renewal: the real certificate manager
renews at 70-90 % of the lifetime, so with rotation on a running kubelet never reaches an
expired certificate; scenarios that expire it therefore turn rotation off
(kubelet-config fault), which is also the only setting in which it happens on real nodes.
"""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import yaml

from app.providers.sim import kubeconfig, pki, tls, yamlcache
from app.providers.sim.components.base import klog
from app.providers.sim.vfs import VFSError

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode

KUBELET_CONF = "/etc/kubernetes/kubelet.conf"
BOOTSTRAP_CONF = "/etc/kubernetes/bootstrap-kubelet.conf"
STATUS_EVERY = 10.0  # nodeStatusUpdateFrequency default


def client_cert(node: SimNode) -> bytes | None:
    """The PEM the kubelet presents, read through its kubeconfig; None when unreadable.
    Read again only after the node's files changed (it is asked at every step)."""
    memo = getattr(node, "_client_cert_memo", None)
    if memo is not None and memo[0] == node.vfs.changes and memo[1] is node.vfs:
        return memo[2]
    pem = _read_client_cert(node)
    node._client_cert_memo = (node.vfs.changes, node.vfs, pem)  # type: ignore[attr-defined]
    return pem


def _read_client_cert(node: SimNode) -> bytes | None:
    try:
        conf = node.vfs.read(KUBELET_CONF)
        embedded = kubeconfig.client_cert_data(conf)
        if embedded is not None:
            return embedded
        doc = yamlcache.peek(conf)  # read only: no copy
        ctx_name = doc.get("current-context")
        ctx = next(c["context"] for c in doc["contexts"] if c["name"] == ctx_name)
        user = next(u["user"] for u in doc["users"] if u["name"] == ctx["user"])
        path = user.get("client-certificate")
        if not path:
            return None
        path = path if path.startswith("/") else posixpath.join(posixpath.dirname(KUBELET_CONF),
                                                                path)
        return node.vfs.read(path)
    except (VFSError, ValueError, KeyError, TypeError, StopIteration, yaml.YAMLError):
        return None


def expired(node: SimNode, t: float) -> datetime | None:
    """notAfter of the kubelet's client certificate when it is not valid at `t`, else None."""
    pem = client_cert(node)
    if pem is None:
        return None
    try:
        if tls.validity_error(pem, t) is None:
            return None
        return pki.cert_validity(pem)[1]
    except ValueError:
        return None


def _journal(node: SimNode, t: float, level: str, source: str, msg: str) -> None:
    node.journal_line(t, "kubelet", klog(t, level, source, msg, pid=node.kubelet_pid))


def blocks_start(node: SimNode, t: float) -> bool:
    """Checked once per kubelet process: True when it exits at start for its certificate."""
    svc = node.services["kubelet"]
    if svc.get("checked_pid") == node.kubelet_pid:
        return False
    svc["checked_pid"] = node.kubelet_pid
    not_after = expired(node, t)
    if not_after is None or node.vfs.exists(BOOTSTRAP_CONF):
        return False
    when = not_after.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
    _journal(node, t, "E", "bootstrap.go:266", "part of the existing bootstrap client "
             f"certificate in {KUBELET_CONF} is expired: {when}")
    _journal(node, t, "E", "run.go:72", '"command failed" err="failed to run Kubelet: unable '
             f'to load bootstrap kubeconfig: stat {BOOTSTRAP_CONF}: no such file or directory"')
    node.journal_line(t, "kubelet", "kubelet.service: Main process exited, code=exited, "
                      "status=1/FAILURE", pid=1)
    node.journal_line(t, "kubelet", "kubelet.service: Failed with result 'exit-code'.", pid=1)
    svc["active"], svc["since"] = False, t
    return True


def post_error(node: SimNode, t: float) -> str | None:
    """Why this kubelet's API requests fail (401), logging the status-update retries."""
    if expired(node, t) is None:
        node.services["kubelet"].pop("unauthorized_logged", None)
        return None
    svc = node.services["kubelet"]
    last = svc.get("unauthorized_logged")
    start = t if last is None else last + STATUS_EVERY
    beat = start
    while beat <= t:
        _journal(node, beat, "E", "kubelet_node_status.go:548", '"Error updating node status, '
                 f'will retry" err="error getting node \\"{node.name}\\": Unauthorized"')
        svc["unauthorized_logged"] = beat
        beat += STATUS_EVERY
    return "Unauthorized"


def api_tls_failure(node: SimNode, t: float) -> None:
    """A kubelet whose API server presents a certificate it cannot verify (expired serving
    certificate, real-output §3d): its status updates fail with the Go TLS error, every
    nodeStatusUpdateFrequency, logged as the refused case is (§1c) with the x509 text."""
    from app.providers.sim.tls import serving_error

    cluster = node.cluster
    api_node = cluster.apiserver_node()
    if api_node is None or not node.kubelet_running():
        return
    try:
        conf = node.vfs.read(KUBELET_CONF)
        server, ca = kubeconfig.server(conf), kubeconfig.ca_data(conf)
    except (VFSError, ValueError):
        return
    svc = node.services["kubelet"]
    last = svc.get("tls_failure_logged")
    beat = t if last is None else max(last + STATUS_EVERY, t - 60 * STATUS_EVERY)
    while beat <= t:
        err = serving_error(api_node.running_container("kube-apiserver"), beat, ca)
        if err is None:
            return
        _journal(node, beat, "E", "kubelet_node_status.go:548", '"Error updating node status, '
                 f'will retry" err="error getting node \\"{node.name}\\": Get \\"{server}/api/v1/'
                 f'nodes/{node.name}?resourceVersion=0&timeout=10s\\": {err}"')
        svc["tls_failure_logged"] = beat
        beat += STATUS_EVERY
