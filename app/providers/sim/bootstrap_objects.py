"""The API objects a fresh `kind create cluster` (kind v0.29, kubeadm v1.33) holds besides pods.

Who writes what, and the source each shape is taken from (samples in tests/fidelity/samples/):
- kube-apiserver: extension-apiserver-authentication, the legacy token-tracking ConfigMap and
  the bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy; the rules, and
  admin/edit/view as the clusterrole-aggregation controller fills them, from rbac_policy.py).
- kubeadm init: kubeadm-config (ClusterConfiguration as uploadconfig.go marshals it,
  kubeadm.k8s.io/v1beta4 with its defaults), kubelet-config (the same KubeletConfiguration the
  node's /var/lib/kubelet/config.yaml holds), kube-public/cluster-info (clusterinfo phase;
  the bootstrap signer adds `jws-kubeconfig-<token-id>`), the `abcdef` bootstrap token Secret
  (kind's well-known token, 24 h TTL), the coredns and kube-proxy addons
  (cmd/kubeadm/app/phases/addons/{dns,proxy}/manifests.go) and kubeadm's RBAC objects.
- kube-controller-manager (--use-service-account-credentials): one ServiceAccount per
  controller in kube-system (the list a kubeadm v1.33.0 cluster shows), `default` and
  `kube-root-ca.crt` in every namespace (also for namespaces made later: `sync`), and the
  kubelet client CSRs it approved.
- kind v0.29.0 (tag, read in full): kindnet's RBAC (pkg/build/nodeimage/const_cni.go) and the
  local-path-provisioner objects (const_storage.go): local-path-config, the `standard`
  default StorageClass.

Everything that does not depend on the cluster is built once per process and handed to each
store as a light copy (`_fresh`): a deep copy of ~200 objects would cost more than the rest of
the twin's creation.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.providers.sim import rbac_policy, versions
from app.providers.sim import store as store_module
from app.providers.sim.clock import rfc3339
from app.providers.sim.jsoncopy import clone
from app.providers.sim.nodefiles import _data

if TYPE_CHECKING:
    from cryptography import x509

    from app.providers.sim.cluster import SimCluster

Obj = dict[str, Any]

TOKEN_ID, TOKEN_SECRET = "abcdef", "0123456789abcdef"  # kind's kubeadm.conf bootstrapTokens
TOKEN_TTL = 24 * 3600
NODE_TOKEN_GROUP = "system:bootstrappers:kubeadm:default-node-token"
RBAC = "rbac.authorization.k8s.io"
ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters.")

# `kubectl get sa -n kube-system` on a kubeadm v1.33.0 cluster (samples/kubectl-get-sa-
# kube-system-kubeadm-v1.33.txt) without its CNI's and the lab's own, plus kind's kindnet.
CONTROLLER_SAS = (
    "attachdetach-controller", "bootstrap-signer", "certificate-controller",
    "clusterrole-aggregation-controller", "cronjob-controller", "daemon-set-controller",
    "deployment-controller", "disruption-controller", "endpoint-controller",
    "endpointslice-controller", "endpointslicemirroring-controller",
    "ephemeral-volume-controller", "expand-controller", "generic-garbage-collector",
    "horizontal-pod-autoscaler", "job-controller", "legacy-service-account-token-cleaner",
    "namespace-controller", "node-controller", "persistent-volume-binder",
    "pod-garbage-collector", "pv-protection-controller", "pvc-protection-controller",
    "replicaset-controller", "replication-controller", "resourcequota-controller",
    "root-ca-cert-publisher", "service-account-controller", "service-cidrs-controller",
    "statefulset-controller", "token-cleaner", "ttl-after-finished-controller",
    "ttl-controller", "validatingadmissionpolicy-status-controller")
# The system:controller:* ClusterRoles and their bindings in the same cluster.
CONTROLLER_ROLES = (
    "attachdetach-controller", "certificate-controller", "clusterrole-aggregation-controller",
    "cronjob-controller", "daemon-set-controller", "deployment-controller",
    "disruption-controller", "endpoint-controller", "endpointslice-controller",
    "endpointslicemirroring-controller", "ephemeral-volume-controller", "expand-controller",
    "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller",
    "legacy-service-account-token-cleaner", "namespace-controller", "node-controller",
    "persistent-volume-binder", "pod-garbage-collector", "pv-protection-controller",
    "pvc-protection-controller", "replicaset-controller", "replication-controller",
    "resourcequota-controller", "root-ca-cert-publisher", "route-controller",
    "selinux-warning-controller", "service-account-controller", "service-cidrs-controller",
    "service-controller", "statefulset-controller", "ttl-after-finished-controller",
    "ttl-controller", "validatingadmissionpolicy-status-controller")
# bootstrappolicy ClusterRoles (policy.go ClusterRoles) that are not controller roles.
POLICY_ROLES = (
    "admin", "cluster-admin", "edit", "system:aggregate-to-admin", "system:aggregate-to-edit",
    "system:aggregate-to-view", "system:auth-delegator", "system:basic-user",
    "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
    "system:certificates.k8s.io:kube-apiserver-client-approver",
    "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
    "system:certificates.k8s.io:kubelet-serving-approver",
    "system:certificates.k8s.io:legacy-unknown-approver", "system:discovery",
    "system:heapster", "system:kube-aggregator", "system:kube-controller-manager",
    "system:kube-dns", "system:kube-scheduler", "system:kubelet-api-admin", "system:monitoring",
    "system:node", "system:node-bootstrapper", "system:node-problem-detector",
    "system:node-proxier", "system:persistent-volume-provisioner", "system:public-info-viewer",
    "system:service-account-issuer-discovery", "system:volume-scheduler", "view")
# namespace_policy.go Roles in kube-system (each bound by a RoleBinding of the same name,
# extension-apiserver-authentication-reader's binding being `system::`-prefixed).
NS_ROLES = (
    "extension-apiserver-authentication-reader", "system::leader-locking-kube-controller-manager",
    "system::leader-locking-kube-scheduler", "system:controller:bootstrap-signer",
    "system:controller:cloud-provider", "system:controller:token-cleaner")
# The rules of the bootstrap roles people look at first (policy.go); the others are left
# without rules.
_GET = ["get"]
POLICY_RULES: dict[str, list[Obj]] = {
    "cluster-admin": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                      {"nonResourceURLs": ["*"], "verbs": ["*"]}],
    "system:public-info-viewer": [{"nonResourceURLs": [
        "/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": _GET}],
    "system:discovery": [{"nonResourceURLs": [
        "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
        "/readyz", "/version", "/version/"], "verbs": _GET}],
    "system:basic-user": [
        {"apiGroups": ["authorization.k8s.io"],
         "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
         "verbs": ["create"]},
        {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"],
         "verbs": ["create"]}],
}
# policy.go ClusterRoleBindings (each binds the role of the same name).
POLICY_BINDINGS = (
    "cluster-admin", "system:basic-user", "system:discovery", "system:kube-controller-manager",
    "system:kube-dns", "system:kube-scheduler", "system:monitoring", "system:node",
    "system:node-proxier", "system:public-info-viewer",
    "system:service-account-issuer-discovery", "system:volume-scheduler")

COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
"""

# kubeadm's marshalled KubeProxyConfiguration (every field, zero values included) with the
# three values kind's kubeadm.conf sets: mode iptables, conntrack.maxPerCore 0,
# iptables.minSyncPeriod 1s; clusterCIDR from networking.podSubnet.
KUBE_PROXY_CONF = """apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: 0
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 1s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: iptables
nftables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
"""[:-1]

KUBE_PROXY_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: {server}
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"""

CLUSTER_CONFIGURATION = """apiServer:
  certSANs:
  - localhost
  - 127.0.0.1
  extraArgs:
  - name: runtime-config
    value: ""
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: {cluster}
controlPlaneEndpoint: {endpoint}
controllerManager:
  extraArgs:
  - name: enable-hostpath-provisioner
    value: "true"
dns: {{}}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: {version}
networking:
  dnsDomain: cluster.local
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/16
proxy: {{}}
scheduler: {{}}
"""

LOCAL_PATH_HELPER = "docker.io/kindest/local-path-helper:v20241212-8ac705d0"
LOCAL_PATH_CONFIG = {
    "config.json": '{\n        "nodePathMap":[\n        {\n                "node":'
                   '"DEFAULT_PATH_FOR_NON_LISTED_NODES",\n                "paths":'
                   '["/var/local-path-provisioner"]\n        }\n        ]\n}',
    "setup": '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"',
    "teardown": '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"',
    "helperPod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: helper-pod\nspec:\n"
                      "  priorityClassName: system-node-critical\n  tolerations:\n"
                      "    - key: node.kubernetes.io/disk-pressure\n      operator: Exists\n"
                      "      effect: NoSchedule\n  containers:\n  - name: helper-pod\n"
                      f"    image: {LOCAL_PATH_HELPER}\n    imagePullPolicy: IfNotPresent",
}


def _rule(groups: list[str], resources: list[str], verbs: list[str],
          names: list[str] | None = None) -> Obj:
    rule: Obj = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        rule["resourceNames"] = names
    return rule


def _ref(kind: str, name: str) -> Obj:
    return {"apiGroup": RBAC, "kind": kind, "name": name}


def _subject(kind: str, name: str, ns: str = "") -> Obj:
    s: Obj = {"kind": kind, "name": name}
    if kind == "ServiceAccount":
        s["namespace"] = ns
    else:
        s["apiGroup"] = RBAC
    return s


def _meta(name: str, ns: str = "", labels: dict[str, str] | None = None,
          annotations: dict[str, str] | None = None) -> Obj:
    m: Obj = {"name": name}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    if annotations:
        m["annotations"] = annotations
    return m


BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
# policy.go ClusterRoleBindings' subjects (system:node is bound to nobody: the Node
# authorizer answers for kubelets).
POLICY_SUBJECTS: dict[str, list[Obj]] = {
    "cluster-admin": [_subject("Group", "system:masters")],
    "system:basic-user": [_subject("Group", "system:authenticated")],
    "system:discovery": [_subject("Group", "system:authenticated")],
    "system:kube-controller-manager": [_subject("User", "system:kube-controller-manager")],
    "system:kube-dns": [_subject("ServiceAccount", "kube-dns", "kube-system")],
    "system:kube-scheduler": [_subject("User", "system:kube-scheduler")],
    "system:monitoring": [_subject("Group", "system:monitoring")],
    "system:node": [],
    "system:node-proxier": [_subject("User", "system:kube-proxy")],
    "system:public-info-viewer": [_subject("Group", "system:authenticated"),
                                  _subject("Group", "system:unauthenticated")],
    "system:service-account-issuer-discovery": [_subject("Group", "system:serviceaccounts")],
    "system:volume-scheduler": [_subject("User", "system:kube-scheduler")],
}
RECONCILE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}


@functools.cache
def _rbac_objects() -> tuple[tuple[float, Obj], ...]:
    """(offset from cluster creation, object) for every RBAC object; the same in every twin."""
    out: list[tuple[float, Obj]] = []
    rules = rbac_policy.cluster_role_rules()
    for name in POLICY_ROLES + tuple(f"system:controller:{c}" for c in CONTROLLER_ROLES):
        labels = dict(BOOTSTRAP_LABELS)
        if name in rbac_policy.AGGREGATE_LABELS:
            labels[rbac_policy.AGGREGATE_LABELS[name]] = "true"
        role: Obj = {"kind": "ClusterRole", "metadata": _meta(
            name, labels=labels, annotations=RECONCILE),
            "rules": rules.get(name, POLICY_RULES.get(name, []))}
        if name in rbac_policy.AGGREGATED:
            role["aggregationRule"] = {"clusterRoleSelectors": [
                {"matchLabels": {rbac_policy.AGGREGATED[name]: "true"}}]}
        out.append((0.0, role))
    for name in POLICY_BINDINGS + tuple(f"system:controller:{c}" for c in CONTROLLER_ROLES):
        binding: Obj = {"kind": "ClusterRoleBinding", "metadata": _meta(
            name, labels=BOOTSTRAP_LABELS, annotations=RECONCILE),
            "roleRef": _ref("ClusterRole", name)}
        if name.startswith("system:controller:"):
            subjects = [_subject("ServiceAccount", name.split(":")[-1], "kube-system")]
        else:
            subjects = POLICY_SUBJECTS[name]
        if subjects:
            binding["subjects"] = subjects
        out.append((0.0, binding))
    # namespace_policy.go: the Roles and RoleBindings the apiserver keeps in kube-system and
    # kube-public
    for ns, names in (("kube-system", NS_ROLES), ("kube-public", ("system:controller:"
                                                                    "bootstrap-signer",))):
        for name in names:
            out.append((0.0, {"kind": "Role", "metadata": _meta(
                name, ns, labels=BOOTSTRAP_LABELS, annotations=RECONCILE),
                "rules": rbac_policy.namespace_role_rules().get((ns, name), [])}))
            bound = ("system::extension-apiserver-authentication-reader"
                     if name == "extension-apiserver-authentication-reader" else name)
            who = (_subject("ServiceAccount", name.split(":")[-1], "kube-system")
                   if name.startswith("system:controller:") else
                   _subject("User", "system:" + name.split("leader-locking-")[-1])
                   if "leader-locking" in name else
                   _subject("User", "system:kube-controller-manager"))
            out.append((0.0, {"kind": "RoleBinding", "metadata": _meta(
                bound, ns, labels=BOOTSTRAP_LABELS, annotations=RECONCILE),
                "roleRef": _ref("Role", name), "subjects": [who]}))
    # kubeadm (phases/bootstraptoken/clusterinfo, node, uploadconfig, kubelet, addons/proxy,
    # kubeconfig: kubeadm:cluster-admins) and kubeadm's CoreDNS addon
    kubeadm = [
        {"kind": "ClusterRole", "metadata": _meta("kubeadm:get-nodes"),
         "rules": [_rule([""], ["nodes"], ["get"])]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("kubeadm:get-nodes"),
         "roleRef": _ref("ClusterRole", "kubeadm:get-nodes"),
         "subjects": [_subject("Group", NODE_TOKEN_GROUP)]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("kubeadm:cluster-admins"),
         "roleRef": _ref("ClusterRole", "cluster-admin"),
         "subjects": [_subject("Group", "kubeadm:cluster-admins")]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("kubeadm:kubelet-bootstrap"),
         "roleRef": _ref("ClusterRole", "system:node-bootstrapper"),
         "subjects": [_subject("Group", NODE_TOKEN_GROUP)]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("kubeadm:node-autoapprove-bootstrap"),
         "roleRef": _ref("ClusterRole",
                         "system:certificates.k8s.io:certificatesigningrequests:nodeclient"),
         "subjects": [_subject("Group", NODE_TOKEN_GROUP)]},
        {"kind": "ClusterRoleBinding",
         "metadata": _meta("kubeadm:node-autoapprove-certificate-rotation"),
         "roleRef": _ref("ClusterRole",
                         "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"),
         "subjects": [_subject("Group", "system:nodes")]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("kubeadm:node-proxier"),
         "roleRef": _ref("ClusterRole", "system:node-proxier"),
         "subjects": [_subject("ServiceAccount", "kube-proxy", "kube-system")]},
        {"kind": "Role", "metadata": _meta("kubeadm:nodes-kubeadm-config", "kube-system"),
         "rules": [_rule([""], ["configmaps"], ["get"], ["kubeadm-config"])]},
        {"kind": "RoleBinding", "metadata": _meta("kubeadm:nodes-kubeadm-config", "kube-system"),
         "roleRef": _ref("Role", "kubeadm:nodes-kubeadm-config"),
         "subjects": [_subject("Group", NODE_TOKEN_GROUP), _subject("Group", "system:nodes")]},
        {"kind": "Role", "metadata": _meta("kubeadm:kubelet-config", "kube-system"),
         "rules": [_rule([""], ["configmaps"], ["get"], ["kubelet-config"])]},
        {"kind": "RoleBinding", "metadata": _meta("kubeadm:kubelet-config", "kube-system"),
         "roleRef": _ref("Role", "kubeadm:kubelet-config"),
         "subjects": [_subject("Group", "system:nodes"), _subject("Group", NODE_TOKEN_GROUP)]},
        {"kind": "Role", "metadata": _meta("kubeadm:bootstrap-signer-clusterinfo",
                                           "kube-public"),
         "rules": [_rule([""], ["configmaps"], ["get"], ["cluster-info"])]},
        {"kind": "RoleBinding", "metadata": _meta("kubeadm:bootstrap-signer-clusterinfo",
                                                  "kube-public"),
         "roleRef": _ref("Role", "kubeadm:bootstrap-signer-clusterinfo"),
         "subjects": [_subject("User", "system:anonymous")]},
        {"kind": "Role", "metadata": _meta("kube-proxy", "kube-system"),
         "rules": [_rule([""], ["configmaps"], ["get"], ["kube-proxy"])]},
        {"kind": "RoleBinding", "metadata": _meta("kube-proxy", "kube-system"),
         "roleRef": _ref("Role", "kube-proxy"),
         "subjects": [_subject("Group", NODE_TOKEN_GROUP)]},
    ]
    out += [(1.0, o) for o in kubeadm]
    coredns = [
        {"kind": "ClusterRole", "metadata": _meta("system:coredns"),
         "rules": [_rule([""], ["endpoints", "services", "pods", "namespaces"],
                         ["list", "watch"]),
                   _rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"])]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("system:coredns"),
         "roleRef": _ref("ClusterRole", "system:coredns"),
         "subjects": [_subject("ServiceAccount", "coredns", "kube-system")]},
    ]
    out += [(2.0, o) for o in coredns]
    kind_objects = [  # kind v0.29.0 pkg/build/nodeimage/const_cni.go
        {"kind": "ClusterRole", "metadata": _meta("kindnet"),
         "rules": [_rule(["policy"], ["podsecuritypolicies"], ["use"], ["kindnet"]),
                   _rule([""], ["nodes", "pods", "namespaces"], ["list", "watch"]),
                   _rule(["networking.k8s.io"], ["networkpolicies"], ["list", "watch"])]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("kindnet"),
         "roleRef": _ref("ClusterRole", "kindnet"),
         "subjects": [_subject("ServiceAccount", "kindnet", "kube-system")]},
    ]
    out += [(8.0, o) for o in kind_objects]
    lp_sa = _subject("ServiceAccount", "local-path-provisioner-service-account",
                     "local-path-storage")
    crud = ["get", "list", "watch", "create", "patch", "update", "delete"]
    local_path = [  # kind v0.29.0 pkg/build/nodeimage/const_storage.go
        {"kind": "Role", "metadata": _meta("local-path-provisioner-role", "local-path-storage"),
         "rules": [_rule([""], ["pods"], crud)]},
        {"kind": "ClusterRole", "metadata": _meta("local-path-provisioner-role"),
         "rules": [_rule([""], ["nodes", "persistentvolumeclaims", "configmaps", "pods",
                                "pods/log"], ["get", "list", "watch"]),
                   _rule([""], ["persistentvolumes"], crud),
                   _rule([""], ["events"], ["create", "patch"]),
                   _rule(["storage.k8s.io"], ["storageclasses"], ["get", "list", "watch"])]},
        {"kind": "RoleBinding", "metadata": _meta("local-path-provisioner-bind",
                                                  "local-path-storage"),
         "roleRef": _ref("Role", "local-path-provisioner-role"), "subjects": [lp_sa]},
        {"kind": "ClusterRoleBinding", "metadata": _meta("local-path-provisioner-bind"),
         "roleRef": _ref("ClusterRole", "local-path-provisioner-role"), "subjects": [lp_sa]},
    ]
    out += [(20.0, o) for o in local_path]
    return tuple(out)


@functools.cache
def _static_objects() -> tuple[tuple[float, Obj], ...]:
    """ConfigMaps, ServiceAccounts and the StorageClass that name nothing cluster-specific."""
    out: list[tuple[float, Obj]] = list(_rbac_objects())
    out.append((2.0, {"kind": "ConfigMap", "metadata": _meta("coredns", "kube-system"),
                      "data": {"Corefile": COREFILE}}))
    out.append((1.0, {"kind": "ConfigMap", "metadata": _meta(
        "kubelet-config", "kube-system", annotations={
            "kubeadm.kubernetes.io/component-config.hash":
                _config_hash({"kubelet": _kubelet_config()})}),
        "data": {"kubelet": _kubelet_config()}}))
    for i, name in enumerate(sorted(CONTROLLER_SAS)):
        out.append((3.0 + (i % 3) * 0.5, {"kind": "ServiceAccount",
                                          "metadata": _meta(name, "kube-system")}))
    out += [(2.0, {"kind": "ServiceAccount", "metadata": _meta(n, "kube-system")})
            for n in ("coredns", "kube-proxy")]
    out.append((8.0, {"kind": "ServiceAccount", "metadata": _meta("kindnet", "kube-system")}))
    out.append((20.0, {"kind": "ServiceAccount", "metadata": _meta(
        "local-path-provisioner-service-account", "local-path-storage")}))
    out.append((20.0, {"kind": "ConfigMap", "metadata": _meta("local-path-config",
                                                               "local-path-storage"),
                       "data": dict(LOCAL_PATH_CONFIG)}))
    # kube-apiserver's scheduling post-start hook (pkg/registry/scheduling/rest): the two
    # system PriorityClasses (values and descriptions of pkg/apis/scheduling SystemPriorityClasses)
    for name, value, text in (
            ("system-node-critical", 2000001000, "Used for system critical pods that must not "
             "be moved from their current node."),
            ("system-cluster-critical", 2000000000, "Used for system critical pods that must run "
             "in the cluster, but can be moved to another node if necessary.")):
        out.append((0.0, {"kind": "PriorityClass", "metadata": _meta(name), "value": value,
                          "description": text, "preemptionPolicy": "PreemptLowerPriority"}))
    out.append((20.0, {"kind": "StorageClass", "metadata": _meta(
        "standard", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer"}))
    return tuple(out)


@functools.cache
def _kubelet_config() -> str:
    return _data("node", "kubelet-config.yaml")


def _config_hash(data: dict[str, str]) -> str:
    """kubeadm's component-config.hash annotation (ChecksumForConfigMap): sha256 over the
    ConfigMap's values in the order of their sorted keys."""
    h = hashlib.sha256()
    for key in sorted(data):
        h.update(data[key].encode())
    return "sha256:" + h.hexdigest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_detached(content: str, token_id: str, token_secret: str) -> str:
    """bootstrap/util/jws ComputeDetachedSignature: HS256 keyed by the token secret, with the
    token id as `kid`, serialised compact with the payload left out (`header..signature`)."""
    header = _b64url(json.dumps({"alg": "HS256", "kid": token_id},
                                separators=(",", ":")).encode())
    signing_input = f"{header}.{_b64url(content.encode())}".encode()
    sig = hmac.new(token_secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}..{_b64url(sig)}"


def cluster_info_kubeconfig(ca_pem: bytes, server: str) -> str:
    """What `kubeadm init` phase bootstrap-token writes to cluster-info: a nameless cluster."""
    return ("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: "
            f"{base64.b64encode(ca_pem).decode()}\n    server: {server}\n  name: \"\"\n"
            "contexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\n"
            "users: null\n")


def _server(cluster: SimCluster) -> str:
    cps = [n for n in cluster.nodes if n.role == "control-plane"]
    host = f"{cluster.name}-external-load-balancer" if len(cps) > 1 else cps[0].name
    return f"https://{host}:6443"


def extension_apiserver_authentication(cluster: SimCluster, ca: str) -> Obj:
    """The ConfigMap kube-apiserver publishes for aggregated apiservers: its client CA and the
    front-proxy request-header settings."""
    return {"kind": "ConfigMap", "metadata": _meta("extension-apiserver-authentication",
                                                   "kube-system"),
            "data": {"client-ca-file": ca,
                     "requestheader-allowed-names": '["front-proxy-client"]',
                     "requestheader-client-ca-file": _front_proxy_ca(cluster),
                     "requestheader-extra-headers-prefix": '["X-Remote-Extra-"]',
                     "requestheader-group-headers": '["X-Remote-Group"]',
                     "requestheader-username-headers": '["X-Remote-User"]'}}


def apiserver_rbac(kind: str, name: str) -> Obj:
    """A copy of the bootstrap-policy ClusterRole or ClusterRoleBinding `name` (what
    kube-apiserver's RBAC post-start hook writes into an empty etcd)."""
    for _, obj in _rbac_objects():
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return clone(obj)
    raise KeyError(name)


def root_ca_configmap(ns: str, ca_pem: str) -> Obj:
    return {"kind": "ConfigMap", "metadata": _meta("kube-root-ca.crt", ns, annotations={
        "kubernetes.io/description": ROOT_CA_DESCRIPTION}), "data": {"ca.crt": ca_pem}}


def _ca_pem(cluster: SimCluster) -> str:
    files = getattr(cluster, "pki_files", {}).get(cluster.nodes[0].name, {})
    inode = files.get("/etc/kubernetes/pki/ca.crt")
    return inode.data.decode() if inode is not None else ""


@functools.lru_cache(maxsize=64)
def _csr_for(pem: bytes) -> tuple[str, str, str]:
    """(spec.request, status.certificate, CN) for a kubelet-client PEM (certificate + key):
    the PKCS#10 request the kubelet's certificate manager sent for that key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from app.providers.sim import pki

    cert = pki.load_cert(pem)
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    key_pem = pem[pem.index(b"-----BEGIN", len(cert_pem) - 1):] if pem.count(b"-----BEGIN") > 1 \
        else pem
    return (_request_for(key_pem, cert.subject),
            base64.b64encode(cert_pem).decode(), str(cn))


@functools.lru_cache(maxsize=64)
def _request_for(key_pem: bytes, subject: x509.Name) -> str:
    """The base64 PEM of a PKCS#10 request for this key and subject. The same key (the pool
    keeps one per node name) and subject make the same bytes (PKCS#1 v1.5 signatures are
    deterministic): signed once, not at every new twin."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    from app.providers.sim import pki

    key = pki.load_private_key(key_pem)
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(
        key, hashes.SHA256())
    return base64.b64encode(csr.public_bytes(serialization.Encoding.PEM)).decode()


def _csr_objects(cluster: SimCluster, rng: random.Random, created: float) -> list[
        tuple[float, Obj]]:
    from app.providers.sim.bootstrap import suffix

    out = []
    first_cp = cluster.nodes[0].name
    for n in cluster.nodes:
        files = getattr(cluster, "pki_files", {}).get(n.name, {})
        # the newest dated PEM is the one kubelet-client-current.pem points at
        pem = next((f.data for p, f in sorted(files.items(), reverse=True)
                    if "/kubelet-client-" in p and p.endswith(".pem")
                    and f"system:node:{n.name}".encode() in _cn_bytes(f.data)), None)
        if pem is None:
            continue
        request, certificate, _ = _csr_for(pem)
        offset = 1.0 if n.role == "control-plane" else 15.0
        if n.name == first_cp:  # kubeadm init: the kubelet rotates its kubeadm-signed cert
            user, groups = f"system:node:{n.name}", ["system:nodes", "system:authenticated"]
            reason = "Auto approving self kubelet client certificate after SubjectAccessReview."
        else:  # kubeadm join: the bootstrap token asks
            user = f"system:bootstrap:{TOKEN_ID}"
            groups = ["system:bootstrappers", NODE_TOKEN_GROUP, "system:authenticated"]
            reason = "Auto approving kubelet client certificate after SubjectAccessReview."
        when = rfc3339(created + offset)
        out.append((offset, {"kind": "CertificateSigningRequest",
                        "metadata": {"name": f"csr-{suffix(rng)}"},
                        "spec": {"groups": groups, "request": request,
                                 "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                                 "usages": ["digital signature", "client auth"],
                                 "username": user},
                        "status": {"certificate": certificate, "conditions": [
                            {"lastTransitionTime": when, "lastUpdateTime": when,
                             "message": reason, "reason": "AutoApproved", "status": "True",
                             "type": "Approved"}]}}))
    return out


@functools.lru_cache(maxsize=256)
def _cn_bytes(pem: bytes) -> bytes:
    from app.providers.sim import pki

    return pki.load_cert(pem).subject.rfc4514_string().encode()


def install(cluster: SimCluster, created: float) -> None:
    """Create every object above in the store, each at the time its writer made it."""
    rng = random.Random(cluster.seed * 104729 + 3)
    ca = _ca_pem(cluster)
    server = _server(cluster)
    info = cluster_info_kubeconfig(ca.encode(), server)
    cluster_cfg = CLUSTER_CONFIGURATION.format(cluster=cluster.name,
                                               endpoint=server.removeprefix("https://"),
                                               version=versions.KUBERNETES)
    proxy_kubeconfig = KUBE_PROXY_KUBECONFIG.format(server=server)
    since = datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%d")
    proxy_data = {"config.conf": KUBE_PROXY_CONF, "kubeconfig.conf": proxy_kubeconfig}
    dynamic: list[tuple[float, Obj]] = [
        (0.0, extension_apiserver_authentication(cluster, ca)),
        (0.0, {"kind": "ConfigMap", "metadata": _meta(
            "kube-apiserver-legacy-service-account-token-tracking", "kube-system"),
            "data": {"since": since}}),
        (1.0, {"kind": "ConfigMap", "metadata": _meta("kubeadm-config", "kube-system"),
               "data": {"ClusterConfiguration": cluster_cfg}}),
        (1.0, {"kind": "ConfigMap", "metadata": _meta("cluster-info", "kube-public"),
               "data": {"kubeconfig": info,
                        f"jws-kubeconfig-{TOKEN_ID}": jws_detached(info, TOKEN_ID,
                                                                    TOKEN_SECRET)}}),
        (2.0, {"kind": "ConfigMap", "metadata": _meta(
            "kube-proxy", "kube-system", labels={"app": "kube-proxy"},
            annotations={"kubeadm.kubernetes.io/component-config.hash":
                         _config_hash(proxy_data)}),
            "data": proxy_data}),
    ]
    if cluster.clock.now() - created < TOKEN_TTL:  # the token cleaner deletes it once it expires
        expires = datetime.fromtimestamp(created + 1, UTC) + timedelta(seconds=TOKEN_TTL)
        dynamic.append((1.0, {"kind": "Secret", "type": "bootstrap.kubernetes.io/token",
                              "metadata": _meta(f"bootstrap-token-{TOKEN_ID}", "kube-system"),
                              "data": {k: base64.b64encode(v.encode()).decode() for k, v in {
                                  "auth-extra-groups": NODE_TOKEN_GROUP,
                                  "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  "token-id": TOKEN_ID, "token-secret": TOKEN_SECRET,
                                  "usage-bootstrap-authentication": "true",
                                  "usage-bootstrap-signing": "true"}.items()}}))
    dynamic += _csr_objects(cluster, rng, created)
    store = cluster.store
    shared = {id(obj) for _, obj in _static_objects()}
    for offset, obj in sorted(_static_objects() + tuple(dynamic), key=lambda p: p[0]):
        if id(obj) in shared:
            store.create_shared(obj, created + offset)
        else:
            store.create(_fresh(obj), created + offset, copy=False)
    sync(cluster, created + 2.0, ca)


def _fresh(obj: Obj) -> Obj:
    """A copy of a prepared object for one store, cheaper than a deep copy: metadata, labels,
    annotations and ConfigMap/Secret data are this twin's own; RBAC rules, subjects and
    roleRefs (which nothing in the twin edits in place) are shared with the template."""
    out = dict(obj)
    meta = out["metadata"] = dict(obj["metadata"])
    for key in ("labels", "annotations"):
        if key in meta:
            meta[key] = dict(meta[key])
    if "data" in out:
        out["data"] = dict(out["data"])
    for key in ("spec", "status"):
        if key in out:
            out[key] = clone(out[key])
    return out


def _front_proxy_ca(cluster: SimCluster) -> str:
    files = getattr(cluster, "pki_files", {}).get(cluster.nodes[0].name, {})
    inode = files.get("/etc/kubernetes/pki/front-proxy-ca.crt")
    return inode.data.decode() if inode is not None else ""


def sync(cluster: SimCluster, t: float, ca: str | None = None) -> None:
    """The serviceaccount and root-ca-cert-publisher controllers: every Active namespace gets
    a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap."""
    store = cluster.store
    for ns in store.list("Namespace"):
        if (ns.get("status") or {}).get("phase", "Active") != "Active":
            continue
        name = ns["metadata"]["name"]
        if store.find("ServiceAccount", "default", name) is None:
            store.create({"kind": "ServiceAccount", "metadata": _meta("default", name)}, t)
        if store.find("ConfigMap", "kube-root-ca.crt", name) is None:
            if ca is None:
                ca = _ca_pem(cluster)
            store.create(root_ca_configmap(name, ca), t)


for _, _template in _static_objects():  # a snapshot names these while they are unchanged
    store_module.share(_template, _fresh)
