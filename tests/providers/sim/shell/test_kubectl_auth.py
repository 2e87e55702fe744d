"""`kubectl auth can-i` answers from the twin's RBAC, in kubectl v1.33's words and layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"
ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: team}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [db]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: gone}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}
"""


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 0)
    term = SimTerminal(c, "kind-control-plane")
    assert term.run("kubectl create namespace team").exit_code == 0
    r = term.run(f"cat > /root/rbac.yaml <<'EOF'\n{ROLE}EOF\nkubectl apply -f /root/rbac.yaml")
    assert r.exit_code == 0, r.output
    return c


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def test_the_admins_list_is_kubectls_table(cluster: SimCluster) -> None:
    want = (SAMPLES / "kubectl-auth-can-i-list-admin.txt").read_text()
    assert sh(cluster, "kubectl auth can-i --list") == (want, 0)


@pytest.mark.parametrize(("line", "expected"), [
    ("kubectl auth can-i get pods", ("yes\n", 0)),
    ("kubectl auth can-i '*' '*' -A", ("yes\n", 0)),
    ("kubectl auth can-i get pods --as alice", ("no\n", 1)),
    ("kubectl auth can-i get pods --as alice -n team", ("yes\n", 0)),
    ("kubectl auth can-i get pods --subresource=log --as alice -n team", ("yes\n", 0)),
    ("kubectl auth can-i create pods --subresource=exec --as alice -n team", ("no\n", 1)),
    ("kubectl auth can-i delete pods --as alice -n team", ("no\n", 1)),
    ("kubectl auth can-i get secrets/db --as alice -n team", ("yes\n", 0)),
    ("kubectl auth can-i get secrets/other --as alice -n team", ("no\n", 1)),
    ("kubectl auth can-i get pods --as bob -n team",
     ('no - RBAC: role.rbac.authorization.k8s.io "gone" not found\n', 1)),
    ("kubectl auth can-i get pods --as alice -n team -q", ("", 0)),
    ("kubectl auth can-i get pods --as alice -q", ("", 1)),
    ("kubectl auth can-i get /healthz --as alice", ("yes\n", 0)),
    ("kubectl auth can-i get /metrics --as alice", ("no\n", 1)),
    ("kubectl auth can-i get pods --as alice --as-group system:masters", ("yes\n", 0)),
    ("kubectl auth can-i list nodes --as system:serviceaccount:team:default -A", ("no\n", 1)),
    ("KUBECONFIG=/etc/kubernetes/super-admin.conf kubectl auth can-i delete nodes -A",
     ("yes\n", 0)),
])
def test_answers_and_exit_codes(cluster: SimCluster, line: str,
                                expected: tuple[str, int]) -> None:
    assert sh(cluster, line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("kubectl auth can-i get nodes", "Warning: resource 'nodes' is not namespace scoped\nyes\n"),
    ("kubectl auth can-i get clusterroles.rbac.authorization.k8s.io",
     "Warning: resource 'clusterroles' is not namespace scoped in group "
     "'rbac.authorization.k8s.io'\nyes\n"),
    ("kubectl auth can-i get widgets", "Warning: the server doesn't have a resource type "
                                       "'widgets'\nyes\n"),
    ("kubectl auth can-i frob pods", "Warning: verb 'frob' is not a known verb\nyes\n"),
    ("kubectl auth can-i get", "error: you must specify two arguments: verb resource or verb "
                               "resource/resourceName.\nSee 'kubectl auth can-i -h' for help "
                               "and examples.\n"),
    ("kubectl auth can-i --list get pods",
     "error: list option must be specified with no arguments\n"),
    ("kubectl auth can-i --list -q", "error: list option can't be specified with neither "
                                     "quiet, all-namespaces nor subresource options\n"),
    ("kubectl auth can-i get pods --no-headers",
     "error: --no-headers cannot be set without --list specified\n"),
    ("kubectl auth can-i get /logs --subresource=x",
     "error: --subresource can not be used with NonResourceURL\n"),
])
def test_warnings_and_errors_are_kubectls(cluster: SimCluster, line: str,
                                          expected: str) -> None:
    assert sh(cluster, line)[0] == expected


def test_a_users_list_shows_its_role_merged_by_resource(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl auth can-i --list --as alice -n team --no-headers")
    rows = out.splitlines()
    assert code == 0 and not rows[0].startswith("Resources")
    assert "pods/log     " in out and rows[3].startswith("pods/log ")
    # sorted by PolicyRule.String(): Verbs first, then groups, resources, names, URLs
    assert [r.split()[0] for r in rows[3:5]] == ["pods/log", "pods"]
    assert rows[3].split()[-3:] == ["[get", "list", "watch]"]
    assert rows[5].split()[0] == "[/api/*]"
    assert rows[-1].split() == ["secrets", "[]", "[db]", "[get]"]


def test_impersonating_needs_the_impersonate_verb(cluster: SimCluster) -> None:
    sh(cluster, "kubeadm kubeconfig user --client-name alice > /root/alice.conf")
    out, code = sh(cluster, "KUBECONFIG=/root/alice.conf kubectl auth can-i get pods -n team")
    assert (out, code) == ("yes\n", 0)
    out, code = sh(cluster, "KUBECONFIG=/root/alice.conf kubectl auth can-i get pods --as bob")
    assert (out, code) == ('Error from server (Forbidden): users "bob" is forbidden: User '
                           '"alice" cannot impersonate resource "users" in API group "" at '
                           "the cluster scope\n", 1)


def test_as_group_without_as_is_a_kubeconfig_error(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl auth can-i get pods --as-group x") == (
        "Error in configuration: requesting uid, groups or user-extra for kubernetes-admin "
        "without impersonating a user\n", 1)


def test_whoami_is_the_certificates_user_in_kubectls_table(cluster: SimCluster) -> None:
    import hashlib

    from cryptography.hazmat.primitives import serialization

    from app.providers.sim import kubeconfig, pki

    admin, impersonated = (SAMPLES / "kubectl-auth-whoami.txt").read_text().split("---\n")
    out, code = sh(cluster, "kubectl auth whoami")
    assert code == 0 and out.splitlines()[:3] == admin.splitlines()[:3]
    conf = cluster.node("control-plane").read_file("/etc/kubernetes/admin.conf")
    der = pki.load_cert(kubeconfig.client_cert_data(conf) or b"").public_bytes(
        serialization.Encoding.DER)
    assert out.splitlines()[3] == ("Extra: authentication.kubernetes.io/credential-id   "
                                   f"[X509SHA256={hashlib.sha256(der).hexdigest()}]")
    assert sh(cluster, "kubectl auth whoami --as=system:serviceaccount:i12e:default") == (
        impersonated, 0)


VIEW_BINDING = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: jane-views, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}
"""


def test_default_service_account_cannot_list_pods(cluster: SimCluster) -> None:
    r = SimTerminal(cluster, "kind-control-plane").run(
        "kubectl auth can-i list pods --as=system:serviceaccount:default:default")
    assert (r.output, r.exit_code) == ("no\n", 1)


def test_user_bound_to_view_reads_pods_but_not_secrets_in_that_namespace(
        cluster: SimCluster) -> None:
    term = SimTerminal(cluster, "kind-control-plane")
    r = term.run(f"cat > /root/view.yaml <<'EOF'\n{VIEW_BINDING}EOF\n"
                 "kubectl apply -f /root/view.yaml")
    assert r.exit_code == 0, r.output
    assert term.run("kubectl auth can-i list pods --as=jane").output == "yes\n"
    assert term.run("kubectl auth can-i get deployments.apps --as=jane").output == "yes\n"
    assert term.run("kubectl auth can-i list secrets --as=jane").output == "no\n"
    assert term.run("kubectl auth can-i delete pods --as=jane").output == "no\n"
    assert term.run("kubectl auth can-i list pods --as=jane -n kube-system").output == "no\n"


def test_scheduler_rules_come_from_the_bootstrap_policy(cluster: SimCluster) -> None:
    term = SimTerminal(cluster, "kind-control-plane")
    assert term.run("kubectl auth can-i delete pods --as=system:kube-scheduler"
                    ).output == "yes\n"
    assert term.run("kubectl auth can-i create pods --as=system:kube-scheduler"
                    ).output == "no\n"
    assert term.run("kubectl auth can-i delete nodes --as=system:kube-scheduler"
                    ).output.endswith("no\n")
