"""Make a certificate on a node expired: re-issue it with the same key, subject, SANs and
extensions, signed by the CA on the node that signed it, with a validity window that ended
`expired_ago` before now. Then restart what loaded it, as happens when an expired certificate
is finally noticed (a static pod restarted by its kubelet, a kubelet restarted by systemd).

Only the first CERTIFICATE block of the file changes (`pki.reissue`), so a kubelet
cert+key PEM keeps its key byte for byte.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, field_validator

from app.faults.registry import register
from app.providers.base import Cluster, Node, ProviderError
from app.providers.sim import kubeconfig, pki

PKI = "/etc/kubernetes/pki"
# The CAs kubeadm leaves on a control plane; a worker has only ca.crt (no key).
CA_PAIRS = (f"{PKI}/ca", f"{PKI}/front-proxy-ca", f"{PKI}/etcd/ca")
MANIFESTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str) -> float:
    """`90s`, `5m`, `2h`, `1d`, `1d12h` -> seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise ValueError(f"bad duration {text!r} (use e.g. 90s, 5m, 2h, 1d)")
    return sum(float(n) * _UNITS[u] for n, u in parts)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str                   # the certificate file (or kubeconfig) on the node
    expired_ago: str = "1d"     # how long before now it expired
    validity: str = "365d"      # its lifetime (kubeadm's leaf certificates: one year)
    restart: bool = True        # restart the process that loaded it

    @field_validator("expired_ago", "validity")
    @classmethod
    def _duration(cls, v: str) -> str:
        seconds(v)
        return v


def now_of(cluster: Cluster) -> float:
    # The twin runs on its own clock (`t`); a real cluster on the wall clock.
    t = getattr(cluster, "t", None)
    return float(t) if isinstance(t, int | float) else time.time()


def find_ca(cluster: Cluster, node: Node, cert_pem: bytes) -> tuple[bytes, bytes]:
    """(CA cert, CA key) that issued `cert_pem`: the node's own CAs, else a control plane's."""
    issuer = pki.load_cert(cert_pem).issuer
    for where in (node, cluster.node("control-plane")):
        for base in CA_PAIRS:
            try:
                ca = where.read_file(f"{base}.crt")
            except (OSError, ProviderError):
                continue
            if pki.load_cert(ca).subject != issuer:
                continue
            try:
                return ca, where.read_file(f"{base}.key")
            except (OSError, ProviderError):
                continue
    raise ValueError(f"no CA with a key signs {issuer.rfc4514_string()}")


def restart_consumers(node: Node, path: str) -> None:
    """The containers of static pods that name the file are stopped (`crictl stop`, as when
    they crash or are killed) and the kubelet starts them again, now reading the expired file;
    the kubelet's own files take effect when systemd restarts it. A real kubelet does not
    restart a static pod whose manifest is rewritten unchanged, so this works on kind too."""
    if path.startswith(("/var/lib/kubelet/", "/etc/kubernetes/kubelet.conf")):
        node.service("kubelet", "restart")
        return
    for name in MANIFESTS:
        manifest = f"/etc/kubernetes/manifests/{name}.yaml"
        try:
            text = node.read_file(manifest)
        except (OSError, ProviderError):
            continue
        if path.encode() in text:
            node.exec(f"crictl stop $(crictl ps -q --name '^{name}$')")


@register("cert-expire", Params, "re-issue a node's certificate so that it has expired")
def inject(cluster: Cluster, node: Node, params: Params) -> None:
    data = node.read_file(params.path)
    # A kubeconfig (admin.conf, kubelet.conf...) carries its client certificate embedded.
    embedded = kubeconfig.client_cert_data(data) if b"apiVersion:" in data else None
    old = embedded if embedded is not None else data
    ca_pem, ca_key = find_ca(cluster, node, old)
    end = datetime.fromtimestamp(int(now_of(cluster) - seconds(params.expired_ago)), UTC)
    start = end - timedelta(seconds=seconds(params.validity))
    new = pki.reissue(old, ca_pem, ca_key, not_before=start, not_after=end)
    if embedded is not None:
        node.write_file(params.path, kubeconfig.replace_client_cert(data, new), 0o600)
    else:
        node.write_file(params.path, new, 0o600 if params.path.endswith(".pem") else 0o644)
    if params.restart:
        restart_consumers(node, params.path)
