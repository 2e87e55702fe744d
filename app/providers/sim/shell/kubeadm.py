"""`kubeadm certs check-expiration|renew`, `kubeadm version`, `kubeadm config print
init-defaults` on a twin node, computed from the node's files and the twin's clock.

Sources: kubernetes/kubernetes cmd/kubeadm/app/cmd/certs.go (certTextPrinter: tabwriter
(10, 4, 3, ' ', 0), "Jan 02, 2006 15:04 MST", `%-8v` yes/no, "!MISSING! <name>"), the renewal
manager's LongName strings ("... renewed", phases/certs/certlist.go, phases/kubeconfig), and
apimachinery duration.ShortHumanDuration for RESIDUAL TIME. Real runs:
tests/fidelity/samples/kubeadm-certs-renew-all.txt (see SOURCES.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.providers.sim import kubeconfig, pki, versions
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, node_of
from app.providers.sim.tables import tabwrite
from app.providers.sim.vfs import VFSError

PKI = "/etc/kubernetes/pki"
K8S = "/etc/kubernetes"
VALIDITY = timedelta(days=365)  # kubeadm constants.CertificateValidityPeriod


@dataclass(frozen=True)
class Entry:
    name: str
    path: str
    ca: str            # "ca" | "etcd-ca" | "front-proxy-ca"
    long_name: str
    kubeconfig: bool = False


# In the renewal manager's order (sorted by name), with certlist.go / kubeconfig LongNames.
ENTRIES = (
    Entry("admin.conf", f"{K8S}/admin.conf", "ca", "certificate embedded in the kubeconfig file "
          "for the admin to use and for kubeadm itself", True),
    Entry("apiserver", f"{PKI}/apiserver.crt", "ca", "certificate for serving the Kubernetes API"),
    Entry("apiserver-etcd-client", f"{PKI}/apiserver-etcd-client.crt", "etcd-ca",
          "certificate the apiserver uses to access etcd"),
    Entry("apiserver-kubelet-client", f"{PKI}/apiserver-kubelet-client.crt", "ca",
          "certificate for the API server to connect to kubelet"),
    Entry("controller-manager.conf", f"{K8S}/controller-manager.conf", "ca",
          "certificate embedded in the kubeconfig file for the controller manager to use", True),
    Entry("etcd-healthcheck-client", f"{PKI}/etcd/healthcheck-client.crt", "etcd-ca",
          "certificate for liveness probes to healthcheck etcd"),
    Entry("etcd-peer", f"{PKI}/etcd/peer.crt", "etcd-ca",
          "certificate for etcd nodes to communicate with each other"),
    Entry("etcd-server", f"{PKI}/etcd/server.crt", "etcd-ca", "certificate for serving etcd"),
    Entry("front-proxy-client", f"{PKI}/front-proxy-client.crt", "front-proxy-ca",
          "certificate for the front proxy client"),
    Entry("scheduler.conf", f"{K8S}/scheduler.conf", "ca",
          "certificate embedded in the kubeconfig file for the scheduler manager to use", True),
    Entry("super-admin.conf", f"{K8S}/super-admin.conf", "ca",
          "certificate embedded in the kubeconfig file for the super-admin", True),
)
CA_FILES = {"ca": f"{PKI}/ca", "etcd-ca": f"{PKI}/etcd/ca",
            "front-proxy-ca": f"{PKI}/front-proxy-ca"}


def short_human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration ShortHumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60:
        return f"{s}s"
    if s // 60 < 60:
        return f"{s // 60}m"
    hours = s // 3600
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{int(seconds / 3600 / 24 / 365)}y"


def _read(inv: Invocation, path: str) -> bytes | None:
    try:
        return inv.session.vfs.read(path)
    except VFSError:
        return None


def _cert_of(inv: Invocation, e: Entry) -> bytes | None:
    data = _read(inv, e.path)
    if data is None:
        return None
    if e.kubeconfig:
        try:
            return kubeconfig.client_cert_data(data)
        except ValueError:
            return None
    return data


def _preamble(inv: Invocation, prefix: str) -> str:
    """getInternalCfg: kubeadm first reads its ClusterConfiguration through admin.conf."""
    lines = (f"[{prefix}] Reading configuration from the cluster...\n"
             f"[{prefix}] FYI: You can look at this config file with "
             "'kubectl -n kube-system get cm kubeadm-config -o yaml'\n")
    if cluster_of(inv).api_error(node_of(inv)) is not None:
        return lines + (f"[{prefix}] Error reading configuration from the Cluster. Falling back "
                        "to default configuration\n\n")
    return lines + "\n"


def _when(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%b %d, %Y %H:%M UTC")


def check_expiration(inv: Invocation) -> Output:
    now = cluster_of(inv).t
    rows = [["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY",
             "EXTERNALLY MANAGED"]]
    for e in ENTRIES:
        pem = _cert_of(inv, e)
        if pem is None:
            rows.append([f"!MISSING! {e.name}", "", "", "", ""])
            continue
        end = pki.cert_validity(pem)[1]
        ext = "no" if _read(inv, CA_FILES[e.ca] + ".key") is not None else "yes"
        rows.append([e.name, _when(end), short_human_duration(end.timestamp() - now), e.ca,
                     f"{ext:<8}"])
    cas = [["CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED"]]
    for name, base in CA_FILES.items():
        pem = _read(inv, base + ".crt")
        if pem is None:
            cas.append([f"!MISSING! {name}", "", "", ""])
            continue
        end = pki.cert_validity(pem)[1]
        ext = "no" if _read(inv, base + ".key") is not None else "yes"
        cas.append([name, _when(end), short_human_duration(end.timestamp() - now), f"{ext:<8}"])
    body = tabwrite(rows, minwidth=10, padding=3) + "\n" + tabwrite(cas, minwidth=10, padding=3)
    return Output(_preamble(inv, "check-expiration") + body)


def _renew_one(inv: Invocation, e: Entry, now: float) -> str | None:
    """Re-sign one certificate with its CA; None when done, else kubeadm's error."""
    data = _read(inv, e.path)
    pem = _cert_of(inv, e)
    ca_crt, ca_key = _read(inv, CA_FILES[e.ca] + ".crt"), _read(inv, CA_FILES[e.ca] + ".key")
    if data is None or pem is None:
        return None  # kubeadm skips what is not there (external CA / not this node's cert)
    if ca_crt is None or ca_key is None:
        return (f"failed to renew certificate {e.name}: failed to load CA: couldn't load the "
                f"certificate file {CA_FILES[e.ca]}.crt: open {CA_FILES[e.ca]}.crt: no such "
                "file or directory")
    # pkiutil.NewSignedCert: NotBefore is the CA's, NotAfter one year from now.
    start = pki.cert_validity(ca_crt)[0]
    end = datetime.fromtimestamp(int(now), UTC) + VALIDITY
    new = pki.reissue(pem, ca_crt, ca_key, not_before=start, not_after=end)
    vfs = inv.session.vfs
    if e.kubeconfig:
        vfs.write(e.path, kubeconfig.replace_client_cert(data, new))
    else:
        vfs.write(e.path, new)
    return None


def renew(inv: Invocation, names: list[str]) -> Output:
    known = {e.name: e for e in ENTRIES}
    if not names:
        return Output("", "Error: missing subcommand; \"renew\" is not meant to be run on its "
                          "own\nTo see the stack trace of this error execute with --v=5 or "
                          "higher\n", 1)
    name = names[0]
    if name != "all" and name not in known:
        return Output("", f"error: unknown command \"{name}\" for \"kubeadm certs renew\"\n"
                          "Run 'kubeadm certs renew --help' for usage.\n", 1)
    now = cluster_of(inv).t
    out = [_preamble(inv, "renew")]
    for e in ENTRIES if name == "all" else [known[name]]:
        if _cert_of(inv, e) is None:
            if name != "all":
                return Output(out[0] + f"MISSING! {e.long_name}\n")
            continue
        err = _renew_one(inv, e, now)
        if err is not None:
            return Output(out[0] + "".join(out[1:]),
                          f"error: {err}\nTo see the stack trace of this error execute with "
                          "--v=5 or higher\n", 1)
        out.append(f"{e.long_name} renewed\n")
    if name == "all":
        out.append("\nDone renewing certificates. You must restart the kube-apiserver, "
                   "kube-controller-manager, kube-scheduler and etcd, so that they can use the "
                   "new certificates.\n")
    return Output("".join(out))


VERSION = (f'kubeadm version: &version.Info{{Major:"1", Minor:"33", EmulationMajor:"", '
           f'EmulationMinor:"", MinCompatibilityMajor:"", MinCompatibilityMinor:"", '
           f'GitVersion:"{versions.KUBERNETES}", '
           'GitCommit:"8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828", GitTreeState:"clean", '
           f'BuildDate:"2025-05-15T08:19:08Z", GoVersion:"{versions.GO}", Compiler:"gc", '
           'Platform:"linux/amd64"}\n')

INIT_DEFAULTS = f"""apiVersion: kubeadm.k8s.io/v1beta4
bootstrapTokens:
- groups:
  - system:bootstrappers:kubeadm:default-node-token
  token: abcdef.0123456789abcdef
  ttl: 24h0m0s
  usages:
  - signing
  - authentication
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 1.2.3.4
  bindPort: 6443
nodeRegistration:
  criSocket: unix:///var/run/containerd/containerd.sock
  imagePullPolicy: IfNotPresent
  imagePullSerial: true
  name: node
  taints: null
timeouts:
  controlPlaneComponentHealthCheck: 4m0s
  discovery: 5m0s
  etcdAPICall: 2m0s
  kubeletHealthCheck: 4m0s
  kubernetesAPICall: 1m0s
  tlsBootstrap: 5m0s
  upgradeManifests: 5m0s
---
apiServer: {{}}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controllerManager: {{}}
dns: {{}}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: {versions.KUBERNETES.removesuffix(".1")}.0
networking:
  dnsDomain: cluster.local
  serviceSubnet: 10.96.0.0/12
proxy: {{}}
scheduler: {{}}
"""


def kubeconfig_user(inv: Invocation, args: list[str]) -> Output:
    """`kubeadm kubeconfig user --client-name X [--org O]...`: a kubeconfig with a new key and a
    one-year client certificate signed by this node's CA, on stdout. Without --config kubeadm
    uses its defaults: cluster "kubernetes", the node's own address as the API endpoint."""
    name, orgs, i = "", [], 0
    while i < len(args):
        a = args[i]
        flag, eq, val = a.partition("=")
        if flag in ("--client-name", "--org") and not eq and i + 1 < len(args):
            val, i = args[i + 1], i + 1
        if flag == "--client-name":
            name = val
        elif flag == "--org":
            orgs.append(val)
        i += 1
    if not name:
        return Output("", 'error: required flag(s) "client-name" not set\n', 1)
    ca_crt, ca_key = _read(inv, f"{PKI}/ca.crt"), _read(inv, f"{PKI}/ca.key")
    if ca_crt is None or ca_key is None:
        return Output("", f"error: couldn't load the certificate file {PKI}/ca.crt: open "
                          f"{PKI}/ca.crt: no such file or directory\n", 1)
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca = pki._Issued(pki.load_cert(ca_crt),  # noqa: SLF001 - the PKI module's own signer
                     pki.load_private_key(ca_key))
    start = datetime.fromtimestamp(int(cluster_of(inv).t), UTC)
    leaf = pki._kubeadm_leaf(ca, name, pki._new_rsa(),  # noqa: SLF001
                             start, [ExtendedKeyUsageOID.CLIENT_AUTH], orgs)
    server = f"https://{node_of(inv).ip}:6443"
    return Output(kubeconfig.with_embedded_cert("kubernetes", server, name, ca_crt,
                                                leaf.cert_pem, leaf.key_pem).decode())


@command("kubeadm")
def kubeadm(inv: Invocation) -> Output:
    args = [a for a in inv.args if not a.startswith("--v=")]
    if not args:
        return Output("", "Error: requires a subcommand\n", 1)
    if args[0] == "version":
        if "-o" in args or any(a.startswith("--output") for a in args):
            return Output(f"{versions.KUBERNETES}\n" if "short" in args[-1] else VERSION)
        return Output(VERSION)
    if args[:2] == ["certs", "check-expiration"]:
        return check_expiration(inv)
    if args[:2] == ["certs", "renew"]:
        return renew(inv, [a for a in args[2:] if not a.startswith("-")])
    if args[:2] == ["kubeconfig", "user"]:
        return kubeconfig_user(inv, args[2:])
    if args[:3] == ["config", "print", "init-defaults"]:
        return Output(INIT_DEFAULTS)
    if args[0] in KUBEADM_VERBS:
        sub = args[1] if len(args) > 1 and not args[1].startswith("-") else ""
        if args[0] in KUBEADM_GROUPS and sub and sub not in KUBEADM_GROUPS[args[0]]:
            # cmd/kubeadm/app/cmd/util SubCmdRun + usageErrorf, printed by util/errors CheckErr
            return Output("", f"error: invalid subcommand \"{sub}\"\nSee 'kubeadm {args[0]} -h' "
                              "for help and examples\nTo see the stack trace of this error "
                              "execute with --v=5 or higher\n", 1)
        inv.session.unknown_commands.append(f"kubeadm {' '.join(args[:2])}")
        return Output("", f"error: \"kubeadm {' '.join(args[:2]).strip()}\" is not simulated by "
                          "this kubedrill twin yet\n", 1)
    return Output("", f"error: unknown command \"{args[0]}\" for \"kubeadm\"\n"
                      "Run 'kubeadm --help' for usage.\n", 1)


# kubeadm v1.33 commands the twin does not model, and the subcommands of its command groups
KUBEADM_VERBS = {"init", "join", "reset", "token", "upgrade", "config", "certs", "kubeconfig",
                 "completion"}
KUBEADM_GROUPS = {"config": {"images", "migrate", "print", "validate"},
                  "certs": {"certificate-key", "check-expiration", "generate-csr", "renew"},
                  "token": {"create", "delete", "generate", "list"},
                  "upgrade": {"apply", "diff", "node", "plan"},
                  "kubeconfig": {"user"}}
