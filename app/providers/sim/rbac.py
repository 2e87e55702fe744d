"""The apiserver's authorizers for the twin: who may do what, from the store's RBAC objects.

Order as in kube-apiserver `--authorization-mode=Node,RBAC` (kubeadm's default): members of
`system:masters` are allowed everything before any authorizer runs (the privileged-group
short-circuit of pkg/kubeapiserver/authorizer); then RBAC (plugin/pkg/auth/authorizer/rbac):
every ClusterRoleBinding, and the RoleBindings of the request's namespace, whose subjects
match the user (User name, Group, ServiceAccount `system:serviceaccount:<ns>:<name>`), grant
the rules of their role; a rule matches on verb, API group, `resource[/subresource]` (or
`*/subresource`), resource name, or non-resource URL (`*` and trailing-`*` prefixes), as
rbac/v1 helpers' VerbMatches/APIGroupMatches/ResourceMatches/NonResourceURLMatches do. A binding
to a missing role denies with `RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`.

The bootstrap policy (bootstrappolicy/policy.go: cluster-admin, system:discovery,
system:basic-user, system:public-info-viewer, system:service-account-issuer-discovery and their
bindings) and kubeadm's own (`kubeadm:cluster-admins` -> cluster-admin, `kubeadm:get-nodes`)
exist on every kind cluster. The store holds them with bootstrappolicy's real rules
(rbac_policy.py, written by bootstrap_objects and by etcd_keyspace into a fresh keyspace); the
few built in here stay as a floor under a store object of the same name, as the apiserver's
reconciliation of `rbac.authorization.kubernetes.io/autoupdate` roles only ever adds missing
permissions back. The Node authorizer (kubelets' `system:node:<name>`) is not
modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                  "/openapi/*", "/readyz", "/version", "/version/"]
PUBLIC_INFO_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"]


def _role(name: str, rules: list[Obj]) -> Obj:
    return {"kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}


def _binding(name: str, role: str, subjects: list[tuple[str, str]]) -> Obj:
    return {"kind": "ClusterRoleBinding", "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": role},
            "subjects": [{"kind": k, "name": n, **({"namespace": n.split("/")[0]} if k ==
                                                   "ServiceAccount" else {})}
                         for k, n in subjects]}


BUILTIN_ROLES = {r["metadata"]["name"]: r for r in [
    _role("cluster-admin", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                            {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
    _role("system:discovery", [{"nonResourceURLs": DISCOVERY_URLS, "verbs": ["get"]}]),
    _role("system:basic-user", [
        {"apiGroups": ["authorization.k8s.io"],
         "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
         "verbs": ["create"]},
        {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"],
         "verbs": ["create"]}]),
    _role("system:public-info-viewer", [{"nonResourceURLs": PUBLIC_INFO_URLS,
                                         "verbs": ["get"]}]),
    _role("system:service-account-issuer-discovery", [
        {"nonResourceURLs": ["/.well-known/openid-configuration",
                             "/.well-known/openid-configuration/", "/openid/v1/jwks",
                             "/openid/v1/jwks/"], "verbs": ["get"]}]),
    _role("kubeadm:get-nodes", [{"apiGroups": [""], "resources": ["nodes"],
                                 "verbs": ["get"]}]),
]}
BUILTIN_BINDINGS = {b["metadata"]["name"]: b for b in [
    _binding("cluster-admin", "cluster-admin", [("Group", "system:masters")]),
    _binding("system:basic-user", "system:basic-user", [("Group", "system:authenticated")]),
    _binding("system:discovery", "system:discovery", [("Group", "system:authenticated")]),
    _binding("system:public-info-viewer", "system:public-info-viewer",
             [("Group", "system:authenticated"), ("Group", "system:unauthenticated")]),
    _binding("system:service-account-issuer-discovery",
             "system:service-account-issuer-discovery", [("Group", "system:serviceaccounts")]),
    _binding("kubeadm:cluster-admins", "cluster-admin", [("Group", "kubeadm:cluster-admins")]),
    _binding("kubeadm:get-nodes", "kubeadm:get-nodes",
             [("Group", "system:bootstrappers:kubeadm:default-node-token")]),
]}


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...] = ()

    @classmethod
    def authenticated(cls, name: str, groups: list[str] | tuple[str, ...] = ()) -> User:
        """The user an authenticator hands on: service accounts get their groups, every
        non-anonymous user `system:authenticated` (pkg/authentication/group)."""
        gs = list(groups)
        if name.startswith("system:serviceaccount:") and name.count(":") == 3:
            ns = name.split(":")[2]
            gs += ["system:serviceaccounts", f"system:serviceaccounts:{ns}"]
        if name != "system:anonymous" and "system:authenticated" not in gs:
            gs.append("system:authenticated")
        return cls(name, tuple(dict.fromkeys(gs)))


@dataclass(frozen=True)
class Request:
    verb: str
    namespace: str = ""
    group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""  # a non-resource request when set


@dataclass
class Decision:
    allowed: bool
    reason: str = ""
    errors: list[str] = field(default_factory=list)


def _merged(builtin: dict[str, Obj], stored: list[Obj], key: str) -> dict[str, Obj]:
    out = {n: dict(o) for n, o in builtin.items()}
    for o in stored:
        name = o["metadata"]["name"]
        if name in out:  # autoupdate reconciliation only adds what is missing
            base = out[name]
            merged = dict(o)
            extra = [x for x in base.get(key) or [] if x not in (o.get(key) or [])]
            merged[key] = list(o.get(key) or []) + extra
            out[name] = merged
        else:
            out[name] = o
    return out


class Policy:
    """The RBAC objects of one cluster, built-ins included."""

    def __init__(self, store: Any) -> None:  # noqa: ANN401 - the twin's Store
        self.cluster_roles = _merged(BUILTIN_ROLES, store.list("ClusterRole"), "rules")
        self.cluster_bindings = _merged(BUILTIN_BINDINGS, store.list("ClusterRoleBinding"),
                                        "subjects")
        self.roles = {(o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
                      for o in store.list("Role")}
        self.bindings = store.list("RoleBinding")

    def _role_rules(self, ref: Obj, namespace: str) -> tuple[list[Obj], str | None]:
        name = ref.get("name", "")
        if ref.get("kind") == "Role":
            role = self.roles.get((namespace, name))
            missing = f'role.rbac.authorization.k8s.io "{name}" not found'
        else:
            role = self.cluster_roles.get(name)
            missing = f'clusterrole.rbac.authorization.k8s.io "{name}" not found'
        if role is None:
            return [], missing
        return list(role.get("rules") or []), None

    def rules_for(self, user: User, namespace: str) -> tuple[list[Obj], list[str]]:
        """Every rule that applies to `user` in `namespace` ("" = cluster scope), in the
        order the rule resolver visits bindings, and the errors of dangling role refs."""
        rules: list[Obj] = []
        errors: list[str] = []
        for name in sorted(self.cluster_bindings):
            b = self.cluster_bindings[name]
            if _applies(b, user, ""):
                got, err = self._role_rules(b.get("roleRef") or {}, "")
                rules += got
                if err:
                    errors.append(err)
        if namespace:
            for b in self.bindings:
                ns = b["metadata"].get("namespace", "")
                if ns == namespace and _applies(b, user, ns):
                    got, err = self._role_rules(b.get("roleRef") or {}, ns)
                    rules += got
                    if err:
                        errors.append(err)
        return rules, errors

    def authorize(self, user: User, req: Request) -> Decision:
        if "system:masters" in user.groups:
            return Decision(True)
        rules, errors = self.rules_for(user, req.namespace)
        if any(rule_allows(r, req) for r in rules):
            return Decision(True)
        reason = f"RBAC: {_aggregate(errors)}" if errors else ""
        return Decision(False, reason, errors)


def _aggregate(errors: list[str]) -> str:
    # utilerrors.NewAggregate: one error as itself, several as "[a, b]"
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


def _applies(binding: Obj, user: User, namespace: str) -> bool:
    for s in binding.get("subjects") or []:
        kind, name = s.get("kind"), s.get("name", "")
        if kind == "User" and name == user.name:
            return True
        if kind == "Group" and name in user.groups:
            return True
        if kind == "ServiceAccount":
            ns = s.get("namespace") or namespace
            if user.name == f"system:serviceaccount:{ns}:{name}":
                return True
    return False


def _has(values: list[str] | None, want: str) -> bool:
    return bool(values) and ("*" in values or want in values)  # type: ignore[operator]


def rule_allows(rule: Obj, req: Request) -> bool:
    if not _has(rule.get("verbs"), req.verb):
        return False
    if req.path:
        for url in rule.get("nonResourceURLs") or []:
            if url == "*" or url == req.path or (url.endswith("*") and
                                                 req.path.startswith(url[:-1])):
                return True
        return False
    if rule.get("nonResourceURLs") and not rule.get("resources"):
        return False
    if not _has(rule.get("apiGroups"), req.group):
        return False
    combined = f"{req.resource}/{req.subresource}" if req.subresource else req.resource
    ok = False
    for res in rule.get("resources") or []:
        if res in ("*", combined) or (req.subresource and res == f"*/{req.subresource}"):
            ok = True
            break
    if not ok:
        return False
    names = rule.get("resourceNames") or []
    return not names or req.name in names
