"""`kubectl auth can-i` (kubectl v1.33, staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go),
answered by the twin's RBAC (app/providers/sim/rbac.py) for the kubeconfig's user.

The user is the client certificate's CN and its O's (admin.conf: `kubernetes-admin` in
`kubeadm:cluster-admins`; super-admin.conf: `system:masters`). `--as`/`--as-group` impersonate
after the apiserver checks the `impersonate` verb on users/groups/serviceaccounts (its error is
the standard Forbidden text). One check prints `yes`, or `no` (plus ` - <reason>` when RBAC met
a binding to a missing role) and exits 1; `-q` prints nothing. Warnings go to stderr first,
prefixed `Warning: ` (kubectl's WarningPrinter): an unknown resource type, a cluster-scoped
resource asked without -A, an unknown verb. `--list` prints the SelfSubjectRulesReview as
kubectl does: rules broken down to one verb each (rbacutil.BreakdownRule), same
group/resource/name merged with their verbs in order (CompactRules), sorted by the Go string
of the PolicyRule, in the four columns `Resources`, `Non-Resource URLs`, `Resource Names`,
`Verbs`, Go `%v` slices, kubectl's tabwriter.
"""

from __future__ import annotations

from cryptography.x509.oid import NameOID

from app.providers.sim import kubeconfig, pki, rbac
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.store import KINDS
from app.providers.sim.tables import kubectl_table

RESOURCE_VERBS = {"get", "list", "watch", "create", "update", "patch", "delete",
                  "deletecollection", "use", "bind", "impersonate", "*", "approve", "sign",
                  "escalate", "attest"}
NON_RESOURCE_VERBS = {"get", "put", "post", "head", "options", "delete", "patch", "*"}
VALUE = {"n", "namespace", "as", "as-group", "as-uid", "subresource", "kubeconfig", "context"}
USAGE_ERR = ("error: you must specify two arguments: verb resource or verb "
             "resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.\n")
# Types the API serves besides the store's kinds: (group, resource, namespaced)
EXTRA_TYPES = {
    "namespaces": ("", "namespaces", False), "ns": ("", "namespaces", False),
    "persistentvolumes": ("", "persistentvolumes", False), "pv": ("", "persistentvolumes",
                                                                  False),
    "persistentvolumeclaims": ("", "persistentvolumeclaims", True),
    "pvc": ("", "persistentvolumeclaims", True),
    "certificatesigningrequests": ("certificates.k8s.io", "certificatesigningrequests", False),
    "csr": ("certificates.k8s.io", "certificatesigningrequests", False),
    "storageclasses": ("storage.k8s.io", "storageclasses", False),
    "sc": ("storage.k8s.io", "storageclasses", False),
    "ingresses": ("networking.k8s.io", "ingresses", True),
    "ing": ("networking.k8s.io", "ingresses", True),
    "networkpolicies": ("networking.k8s.io", "networkpolicies", True),
    "netpol": ("networking.k8s.io", "networkpolicies", True),
    "customresourcedefinitions": ("apiextensions.k8s.io", "customresourcedefinitions", False),
    "crd": ("apiextensions.k8s.io", "customresourcedefinitions", False),
    "selfsubjectaccessreviews": ("authorization.k8s.io", "selfsubjectaccessreviews", False),
    "selfsubjectrulesreviews": ("authorization.k8s.io", "selfsubjectrulesreviews", False),
    "tokenreviews": ("authentication.k8s.io", "tokenreviews", False),
}
SHORT = {"po": "pods", "no": "nodes", "deploy": "deployments", "rs": "replicasets",
         "ds": "daemonsets", "sts": "statefulsets", "svc": "services", "ep": "endpoints",
         "ev": "events", "cm": "configmaps", "sa": "serviceaccounts", "cj": "cronjobs",
         "pc": "priorityclasses"}


def _types() -> dict[str, tuple[str, str, bool]]:
    out = dict(EXTRA_TYPES)
    for kind, (api_version, plural, namespaced) in KINDS.items():
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        for word in (plural, kind.lower()):
            out.setdefault(word, (group, plural, namespaced))
    for short, plural in SHORT.items():
        if plural in out:
            out[short] = out[plural]
    return out


TYPES = _types()


class AuthError(Exception):
    """kubectl's error text (already ending in a newline), exit code 1."""


def _split(args: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    flags: dict[str, str] = {}
    groups: list[str] = []
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1:
            name, eq, value = a.lstrip("-").partition("=")
            if name in VALUE:
                if not eq:
                    if i + 1 >= len(args):
                        raise AuthError(f"error: flag needs an argument: --{name}\n")
                    value = args[i + 1]
                    i += 1
                if name == "as-group":
                    groups.append(value)
                flags[name] = value
            else:
                flags[name] = value if eq else "true"
        else:
            pos.append(a)
        i += 1
    return flags, groups, pos


def _on(flags: dict[str, str], *names: str) -> bool:
    return any(flags.get(n, "false") not in ("false", "") for n in names)


def current_user(inv: Invocation, flags: dict[str, str]) -> rbac.User:
    """Who the kubeconfig's client certificate says we are (system:anonymous without one)."""
    try:
        cert_pem = kubeconfig.client_cert_data(inv.session.vfs.read(
            _kubeconfig_path(inv, flags)))
        cert = pki.load_cert(cert_pem or b"")
    except Exception:  # noqa: BLE001 - no usable client certificate: anonymous
        return rbac.User("system:anonymous", ("system:unauthenticated",))
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    orgs = [str(a.value) for a in cert.subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME)]
    return rbac.User.authenticated(str(cn[0].value) if cn else "", orgs)


def whoami(inv: Invocation) -> Output:
    """`kubectl auth whoami` (pkg/cmd/auth/whoami.go): the SelfSubjectReview's user as an
    ATTRIBUTE/VALUE table; an x509 user carries the credential-id extra
    `X509SHA256=<sha256 of the certificate's DER>`, an impersonated one has no extra."""
    try:
        flags, as_groups, _ = _split(inv.args)
        from app.providers.sim.shell import kubectl as k

        try:
            k._connect(inv)  # noqa: SLF001
        except k.KubectlError as err:
            raise AuthError(f"{err}\n") from None
        from app.providers.sim.shell.twin import cluster_of

        user = current_user(inv, flags)
        extra = ""
        if flags.get("as"):
            user = _impersonate(rbac.Policy(cluster_of(inv).store), user, flags["as"],
                                as_groups)
        elif user.name != "system:anonymous":
            extra = _credential_id(inv, flags)
    except AuthError as err:
        return Output("", str(err), 1)
    rows = [["ATTRIBUTE", "VALUE"], ["Username", user.name]]
    if user.groups:
        rows.append(["Groups", _go(list(user.groups))])
    if extra:
        rows.append(["Extra: authentication.kubernetes.io/credential-id", f"[{extra}]"])
    return Output(stdout=kubectl_table(rows))


def _credential_id(inv: Invocation, flags: dict[str, str]) -> str:
    import hashlib

    from cryptography.hazmat.primitives import serialization

    try:
        cert_pem = kubeconfig.client_cert_data(inv.session.vfs.read(
            _kubeconfig_path(inv, flags)))
        der = pki.load_cert(cert_pem or b"").public_bytes(serialization.Encoding.DER)
    except Exception:  # noqa: BLE001 - no certificate, no credential id
        return ""
    return "X509SHA256=" + hashlib.sha256(der).hexdigest()


def _kubeconfig_path(inv: Invocation, flags: dict[str, str]) -> str:
    env = {**inv.session.env, **inv.env}
    path = flags.get("kubeconfig") or env.get("KUBECONFIG") or \
        f"{env.get('HOME', '/root')}/.kube/config"
    return path.split(":")[0]


def _auth_info_name(inv: Invocation, flags: dict[str, str]) -> str:
    """The kubeconfig user entry the current context names (`kubernetes-admin`)."""
    try:
        conf = kubeconfig.load(inv.session.vfs.read(_kubeconfig_path(inv, flags)))
        ctx_name = conf.get("current-context")
        ctx = next(c["context"] for c in conf.get("contexts") or []
                   if c.get("name") == ctx_name)
        return str(ctx.get("user", ""))
    except Exception:  # noqa: BLE001 - no kubeconfig: the name is empty, as clientcmd's is
        return ""


def _impersonate(policy: rbac.Policy, me: rbac.User, name: str, groups: list[str]
                 ) -> rbac.User:
    """The impersonation filter: each impersonated identity needs the `impersonate` verb."""
    checks: list[tuple[rbac.Request, str]] = []
    if name.startswith("system:serviceaccount:") and name.count(":") == 3:
        _, _, ns, sa = name.split(":")
        checks.append((rbac.Request("impersonate", ns, "", "serviceaccounts", name=sa),
                       f'serviceaccounts "{sa}" is forbidden: User "{me.name}" cannot '
                       f'impersonate resource "serviceaccounts" in API group "" in the '
                       f'namespace "{ns}"'))
    else:
        checks.append((rbac.Request("impersonate", "", "", "users", name=name),
                       f'users "{name}" is forbidden: User "{me.name}" cannot impersonate '
                       'resource "users" in API group "" at the cluster scope'))
    for g in groups:
        checks.append((rbac.Request("impersonate", "", "", "groups", name=g),
                       f'groups "{g}" is forbidden: User "{me.name}" cannot impersonate '
                       'resource "groups" in API group "" at the cluster scope'))
    for req, message in checks:
        if not policy.authorize(me, req).allowed:
            raise AuthError(f"Error from server (Forbidden): {message}\n")
    if groups:  # given groups are the whole set (no system:authenticated added)
        return rbac.User(name, tuple(groups))
    return rbac.User.authenticated(name)


def _resource(arg: str, warnings: list[str]) -> tuple[str, str, bool | None]:
    """resourceFor: (group, resource, namespaced or None when unknown)."""
    if arg == "*":
        return "", "*", None
    word = arg.lower()
    res, _, group = word.partition(".")
    found = TYPES.get(res)
    if found is not None and (not group or group == found[0]):
        return found[0], found[1], found[2]
    if word not in ("users", "groups"):
        if group:
            warnings.append(f"Warning: the server doesn't have a resource type '{res}' in group "
                            f"'{group}'\n")
        else:
            warnings.append(f"Warning: the server doesn't have a resource type '{res}'\n")
    return "", arg, None


def can_i(inv: Invocation) -> Output:
    try:
        return _can_i(inv)
    except AuthError as err:
        return Output("", str(err), 1)


def _can_i(inv: Invocation) -> Output:
    from app.providers.sim.shell import kubectl as k

    flags, as_groups, pos = _split(inv.args)
    pos = pos[2:] if pos[:2] == ["auth", "can-i"] else pos
    listing = _on(flags, "list")
    quiet = _on(flags, "q", "quiet")
    all_ns = _on(flags, "A", "all-namespaces")
    warnings: list[str] = []
    if listing:
        if pos:
            raise AuthError("error: list option must be specified with no arguments\n")
    elif len(pos) != 2:
        raise AuthError(USAGE_ERR)
    if as_groups and not flags.get("as"):  # clientcmd validateAuthInfo, kubectl checkErr
        raise AuthError("Error in configuration: requesting uid, groups or user-extra for "
                        f"{_auth_info_name(inv, flags)} without impersonating a user\n")
    verb = pos[0] if pos else ""
    req_group, resource, name, url, namespaced = "", "", "", "", None
    if not listing:
        if pos[1].startswith("/"):
            url = pos[1]
        else:
            head, _, name = pos[1].partition("/")
            req_group, resource, namespaced = _resource(head, warnings)
    subresource = flags.get("subresource", "")
    if listing:
        if quiet or all_ns or subresource:
            raise AuthError("error: list option can't be specified with neither quiet, "
                            "all-namespaces nor subresource options\n")
    elif url:
        if subresource:
            raise AuthError("error: --subresource can not be used with NonResourceURL\n")
        if verb not in NON_RESOURCE_VERBS:
            warnings.append(f"Warning: verb '{verb}' is not a known verb\n")
    else:
        if namespaced is False and not all_ns:
            warnings.append(f"Warning: resource '{resource}' is not namespace scoped\n"
                            if not req_group else f"Warning: resource '{resource}' is not "
                            f"namespace scoped in group '{req_group}'\n")
        if verb not in RESOURCE_VERBS:
            warnings.append(f"Warning: verb '{verb}' is not a known verb\n")
    if _on(flags, "no-headers") and not listing:
        raise AuthError("error: --no-headers cannot be set without --list specified\n")
    try:
        k._connect(inv)  # noqa: SLF001 - the same reachability as every API verb
    except k.KubectlError as err:
        raise AuthError(f"{err}\n") from None
    from app.providers.sim.shell.twin import cluster_of

    policy = rbac.Policy(cluster_of(inv).store)
    user = current_user(inv, flags)
    if flags.get("as"):
        user = _impersonate(policy, user, flags["as"], as_groups)
    namespace = "" if all_ns else (flags.get("n") or flags.get("namespace") or "default")
    if listing:
        rules, _ = policy.rules_for(user, namespace)
        return Output(stdout=access_table(rules, not _on(flags, "no-headers")))
    req = rbac.Request(verb, "" if url else namespace, req_group, resource, subresource, name,
                       url)
    decision = policy.authorize(user, req)
    if decision.allowed:
        answer = "yes\n"
    else:
        answer = "no" + (f" - {decision.reason}" if decision.reason else "") + "\n"
    writes = [(2, "".join(warnings)), (1, "" if quiet else answer)]
    return Output.ordered(writes, 0 if decision.allowed else 1)


def _go(values: list[str] | None) -> str:
    return "[" + " ".join(values or []) + "]"


def _rule_string(r: dict) -> str:
    """PolicyRule.String() of the generated protobuf code, the sort key kubectl uses."""
    return (f"&PolicyRule{{Verbs:{_go(r.get('verbs'))},APIGroups:{_go(r.get('apiGroups'))},"
            f"Resources:{_go(r.get('resources'))},ResourceNames:{_go(r.get('resourceNames'))},"
            f"NonResourceURLs:{_go(r.get('nonResourceURLs'))},}}")


def _breakdown(rule: dict) -> list[dict]:
    out: list[dict] = []
    for group in rule.get("apiGroups") or []:
        for res in rule.get("resources") or []:
            for verb in rule.get("verbs") or []:
                names = rule.get("resourceNames") or []
                if names:
                    out += [{"apiGroups": [group], "resources": [res], "verbs": [verb],
                             "resourceNames": [n]} for n in names]
                else:
                    out.append({"apiGroups": [group], "resources": [res], "verbs": [verb]})
    for url in rule.get("nonResourceURLs") or []:
        out += [{"nonResourceURLs": [url], "verbs": [verb]} for verb in rule.get("verbs") or []]
    return out


def _combine(resources: list[str] | None, groups: list[str] | None) -> str:
    """describe.CombineResourceGroup: `deployments.apps`, `pods/log`, `deployments.apps/scale`."""
    if not resources:
        return ""
    res, _, sub = resources[0].partition("/")
    if groups and groups[0]:
        res += "." + groups[0]
    return res + (f"/{sub}" if sub else "")


def access_table(rules: list[dict], headers: bool) -> str:
    broken = [sub for r in rules for sub in _breakdown(r)]
    compacted: list[dict] = []
    simple: dict[tuple, dict] = {}
    for r in broken:
        if r.get("nonResourceURLs"):
            compacted.append(r)
            continue
        key = (r["apiGroups"][0], r["resources"][0], tuple(r.get("resourceNames") or []))
        if key in simple:
            simple[key]["verbs"] = simple[key]["verbs"] + r["verbs"]
        else:
            simple[key] = dict(r)
    compacted += list(simple.values())
    compacted.sort(key=_rule_string)
    rows = [["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]] if headers else []
    rows += [[_combine(r.get("resources"), r.get("apiGroups")), _go(r.get("nonResourceURLs")),
              _go(r.get("resourceNames")), _go(r.get("verbs"))] for r in compacted]
    return kubectl_table(rows)
