"""kubeconfig files as kubeadm and the kubelet write them on a kind node.

Both write through client-go's `clientcmd.Write` (kubernetes/client-go
`tools/clientcmd/loader.go`): the Config is encoded to JSON and converted to YAML, so keys come
out sorted, lists are not indented under their key, `preferences: {}` is always present and
`*-data` fields are one long base64 line. The templates below reproduce that text exactly so a
trainee's `cat /etc/kubernetes/admin.conf` looks like the real file
(shared/reference/kind-node-files.md section 4).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from app.providers.sim import yamlcache

# The kubelet's TLS bootstrap writes its kubeconfig with these fixed names
# (kubernetes/kubernetes `pkg/kubelet/certificate/bootstrap/bootstrap.go`,
# writeKubeconfigFromBootstrapping).
BOOTSTRAP_CLUSTER = "default-cluster"
BOOTSTRAP_USER = "default-auth"
BOOTSTRAP_CONTEXT = "default-context"

# kubelet's certificate store keeps the current client pair behind this symlink
# (kubernetes/client-go `util/certificate/certificate_store.go`, prefix "kubelet-client").
KUBELET_CLIENT_CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _render(cluster: str, server: str, ca_pem: bytes, user: str, context: str,
            user_lines: list[str], namespace: str | None = None) -> bytes:
    context_lines = [f"    cluster: {cluster}"]
    if namespace:
        context_lines.append(f"    namespace: {namespace}")
    context_lines.append(f"    user: {user}")
    lines = [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        f"    certificate-authority-data: {b64(ca_pem)}",
        f"    server: {server}",
        f"  name: {cluster}",
        "contexts:",
        "- context:",
        *context_lines,
        f"  name: {context}",
        f"current-context: {context}",
        "kind: Config",
        "preferences: {}",
        "users:",
        f"- name: {user}",
        "  user:",
        *user_lines,
    ]
    return ("\n".join(lines) + "\n").encode()


def with_embedded_cert(cluster: str, server: str, user: str, ca_pem: bytes, cert_pem: bytes,
                       key_pem: bytes) -> bytes:
    """admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf as kubeadm writes them.

    Context `<user>@<cluster>`: kubernetes/kubernetes
    `cmd/kubeadm/app/util/kubeconfig/kubeconfig.go` (CreateBasic).
    """
    return _render(cluster, server, ca_pem, user, f"{user}@{cluster}", [
        f"    client-certificate-data: {b64(cert_pem)}",
        f"    client-key-data: {b64(key_pem)}",
    ])


def with_client_pem_file(cluster: str, server: str, user: str, ca_pem: bytes,
                         pem_path: str = KUBELET_CLIENT_CURRENT) -> bytes:
    """kubelet.conf on the `kubeadm init` node after the kubelet-finalize phase.

    kubeadm first embeds a client certificate, then (cmd/kubeadm/app/phases/kubelet,
    EnableClientCertRotation) points the same user at the kubelet's rotating PEM file.
    """
    return _render(cluster, server, ca_pem, user, f"{user}@{cluster}", [
        f"    client-certificate: {pem_path}",
        f"    client-key: {pem_path}",
    ])


def from_tls_bootstrap(server: str, ca_pem: bytes,
                       pem_path: str = KUBELET_CLIENT_CURRENT) -> bytes:
    """kubelet.conf the kubelet itself writes after `kubeadm join` (TLS bootstrap)."""
    return _render(BOOTSTRAP_CLUSTER, server, ca_pem, BOOTSTRAP_USER, BOOTSTRAP_CONTEXT, [
        f"    client-certificate: {pem_path}",
        f"    client-key: {pem_path}",
    ], namespace="default")


# --- reading and editing ---------------------------------------------------------------------

def load(data: bytes) -> dict[str, Any]:
    parsed = yamlcache.load(data)
    if not isinstance(parsed, dict):
        raise ValueError("not a kubeconfig: top level is not a mapping")
    return parsed


def _read(data: bytes) -> dict[str, Any]:
    """`load` without the copy, for the readers below (kubelets read kubelet.conf each step)."""
    parsed = yamlcache.peek(data)
    if not isinstance(parsed, dict):
        raise ValueError("not a kubeconfig: top level is not a mapping")
    return parsed


def _current(conf: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(cluster, user) entries that the current context names."""
    ctx_name = conf.get("current-context")
    ctx = next((c["context"] for c in conf.get("contexts") or [] if c.get("name") == ctx_name),
               None)
    if ctx is None:
        raise ValueError(f"current-context {ctx_name!r} not found")
    cluster = next((c["cluster"] for c in conf.get("clusters") or []
                    if c.get("name") == ctx.get("cluster")), None)
    user = next((u["user"] for u in conf.get("users") or [] if u.get("name") == ctx.get("user")),
                None)
    if cluster is None or user is None:
        raise ValueError("context names a missing cluster or user")
    return cluster, user


def server(data: bytes) -> str:
    cluster, _ = _current(_read(data))
    return str(cluster.get("server", ""))


def ca_data(data: bytes) -> bytes | None:
    cluster, _ = _current(_read(data))
    raw = cluster.get("certificate-authority-data")
    return base64.b64decode(raw) if raw else None


def client_cert_data(data: bytes) -> bytes | None:
    """The embedded client certificate PEM, or None when the user points at a file."""
    _, user = _current(_read(data))
    raw = user.get("client-certificate-data")
    return base64.b64decode(raw) if raw else None


def client_key_data(data: bytes) -> bytes | None:
    _, user = _current(_read(data))
    raw = user.get("client-key-data")
    return base64.b64decode(raw) if raw else None


def replace_client_cert(data: bytes, cert_pem: bytes) -> bytes:
    """Swap the embedded client certificate, leaving every other byte of the file as it was.

    A textual edit (not load + dump) keeps the file shaped like kubeadm wrote it, which is what a
    fault such as an expired admin.conf certificate needs.
    """
    text = data.decode()
    new, count = re.subn(r"(?m)^(\s*client-certificate-data:\s*)\S+$",
                         lambda m: m.group(1) + b64(cert_pem), text, count=1)
    if count != 1:
        raise ValueError("kubeconfig has no embedded client-certificate-data")
    return new.encode()
