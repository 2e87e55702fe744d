"""The rules of the bootstrap RBAC policy every kubeadm cluster holds, as the apiserver's
bootstrappolicy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go, controller_policy.go,
namespace_policy.go) writes them, and the aggregated rules the clusterrole-aggregation
controller fills admin/edit/view with.

Transcribed from the package's golden files testdata/cluster-roles.yaml (the version with
selfsubjectreviews, csistoragecapacities for the scheduler and node runtimeclasses),
testdata/controller-roles.yaml and testdata/namespace-roles.yaml, feature-gated roles left out.
system:service-account-issuer-discovery carries the trailing-slash URLs a v1.33 cluster shows
(`kubectl describe clusterroles` sample in tests/fidelity/samples). One rule a line:
`groups | resources | verbs [| resourceNames]` (`-` is the core group ""), or
`url | nonResourceURLs | verbs`. Built once per process: every twin shares the rule lists.
"""

from __future__ import annotations

import functools
from typing import Any

Obj = dict[str, Any]
EVENTS = "- events.k8s.io | events | create patch update"
READ = "get list watch"
WRITE = "create delete deletecollection patch update"

CLUSTER_ROLES: dict[str, str] = {
    "cluster-admin": """* | * | *
        url | * | *""",
    "system:aggregate-to-admin": """authorization.k8s.io | localsubjectaccessreviews | create
        rbac.authorization.k8s.io | rolebindings roles | create delete deletecollection get list
        patch update watch""",
    "system:aggregate-to-edit": f"""- | pods/attach pods/exec pods/portforward pods/proxy secrets
        services/proxy | {READ}
        - | serviceaccounts | impersonate
        - | pods pods/attach pods/exec pods/portforward pods/proxy | {WRITE}
        - | pods/eviction | create
        - | configmaps events persistentvolumeclaims replicationcontrollers
        replicationcontrollers/scale secrets serviceaccounts services services/proxy | {WRITE}
        - | serviceaccounts/token | create
        apps | daemonsets deployments deployments/rollback deployments/scale replicasets
        replicasets/scale statefulsets statefulsets/scale | {WRITE}
        autoscaling | horizontalpodautoscalers | {WRITE}
        batch | cronjobs jobs | {WRITE}
        extensions | daemonsets deployments deployments/rollback deployments/scale ingresses
        networkpolicies replicasets replicasets/scale replicationcontrollers/scale | {WRITE}
        policy | poddisruptionbudgets | {WRITE}
        networking.k8s.io | ingresses networkpolicies | {WRITE}
        coordination.k8s.io | leases | create delete deletecollection get list patch update
        watch""",
    "system:aggregate-to-view": f"""- | configmaps endpoints persistentvolumeclaims
        persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale
        serviceaccounts services services/status | {READ}
        - | bindings events limitranges namespaces/status pods/log pods/status
        replicationcontrollers/status resourcequotas resourcequotas/status | {READ}
        - | namespaces | {READ}
        discovery.k8s.io | endpointslices | {READ}
        apps | controllerrevisions daemonsets daemonsets/status deployments deployments/scale
        deployments/status replicasets replicasets/scale replicasets/status statefulsets
        statefulsets/scale statefulsets/status | {READ}
        autoscaling | horizontalpodautoscalers horizontalpodautoscalers/status | {READ}
        batch | cronjobs cronjobs/status jobs jobs/status | {READ}
        extensions | daemonsets daemonsets/status deployments deployments/scale
        deployments/status ingresses ingresses/status networkpolicies replicasets
        replicasets/scale replicasets/status replicationcontrollers/scale | {READ}
        policy | poddisruptionbudgets poddisruptionbudgets/status | {READ}
        networking.k8s.io | ingresses ingresses/status networkpolicies | {READ}""",
    "system:auth-delegator": """authentication.k8s.io | tokenreviews | create
        authorization.k8s.io | subjectaccessreviews | create""",
    "system:basic-user": """authorization.k8s.io | selfsubjectaccessreviews
        selfsubjectrulesreviews | create
        authentication.k8s.io | selfsubjectreviews | create""",
    "system:certificates.k8s.io:certificatesigningrequests:nodeclient":
        "certificates.k8s.io | certificatesigningrequests/nodeclient | create",
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient":
        "certificates.k8s.io | certificatesigningrequests/selfnodeclient | create",
    "system:certificates.k8s.io:kube-apiserver-client-approver":
        "certificates.k8s.io | signers | approve | kubernetes.io/kube-apiserver-client",
    "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver":
        "certificates.k8s.io | signers | approve | kubernetes.io/kube-apiserver-client-kubelet",
    "system:certificates.k8s.io:kubelet-serving-approver":
        "certificates.k8s.io | signers | approve | kubernetes.io/kubelet-serving",
    "system:certificates.k8s.io:legacy-unknown-approver":
        "certificates.k8s.io | signers | approve | kubernetes.io/legacy-unknown",
    "system:discovery": """url | /api /api/* /apis /apis/* /healthz /livez /openapi /openapi/*
        /readyz /version /version/ | get""",
    "system:heapster": f"""- | events namespaces nodes pods | {READ}
        extensions | deployments | {READ}""",
    "system:kube-aggregator": f"- | endpoints services | {READ}",
    "system:kube-controller-manager": f"""{EVENTS}
        coordination.k8s.io | leases | create
        coordination.k8s.io | leases | get update | kube-controller-manager
        - | secrets serviceaccounts | create
        - | secrets | delete
        - | configmaps namespaces secrets serviceaccounts | get
        - | secrets serviceaccounts | update
        authentication.k8s.io | tokenreviews | create
        authorization.k8s.io | subjectaccessreviews | create
        * | * | list watch
        - | serviceaccounts/token | create""",
    "system:kube-dns": "- | endpoints services | list watch",
    "system:kube-scheduler": f"""{EVENTS}
        coordination.k8s.io | leases | create
        coordination.k8s.io | leases | get update | kube-scheduler
        - | nodes | {READ}
        - | pods | delete get list watch
        - | bindings pods/binding | create
        - | pods/status | patch update
        - | replicationcontrollers services | {READ}
        apps extensions | replicasets | {READ}
        apps | statefulsets | {READ}
        policy | poddisruptionbudgets | {READ}
        - | persistentvolumeclaims persistentvolumes | {READ}
        authentication.k8s.io | tokenreviews | create
        authorization.k8s.io | subjectaccessreviews | create
        storage.k8s.io | csinodes | {READ}
        - | namespaces | {READ}
        storage.k8s.io | csidrivers | {READ}
        storage.k8s.io | csistoragecapacities | {READ}""",
    "system:kubelet-api-admin": f"""- | nodes | {READ}
        - | nodes | proxy
        - | nodes/log nodes/metrics nodes/proxy nodes/stats | *""",
    "system:monitoring": """url | /healthz /healthz/* /livez /livez/* /metrics /metrics/slis
        /readyz /readyz/* | get""",
    "system:node": f"""authentication.k8s.io | tokenreviews | create
        authorization.k8s.io | localsubjectaccessreviews subjectaccessreviews | create
        - | services | {READ}
        - | nodes | create get list watch
        - | nodes/status | patch update
        - | nodes | patch update
        - | events | create patch update
        - | pods | {READ}
        - | pods | create delete
        - | pods/status | patch update
        - | pods/eviction | create
        - | configmaps secrets | {READ}
        - | persistentvolumeclaims persistentvolumes | get
        - | endpoints | get
        certificates.k8s.io | certificatesigningrequests | create get list watch
        coordination.k8s.io | leases | create delete get patch update
        storage.k8s.io | volumeattachments | get
        - | serviceaccounts/token | create
        - | persistentvolumeclaims/status | get patch update
        storage.k8s.io | csidrivers | {READ}
        storage.k8s.io | csinodes | create delete get patch update
        node.k8s.io | runtimeclasses | {READ}""",
    "system:node-bootstrapper":
        "certificates.k8s.io | certificatesigningrequests | create get list watch",
    "system:node-problem-detector": f"""- | nodes | get
        - | nodes/status | patch
        {EVENTS}""",
    "system:node-proxier": f"""- | endpoints services | list watch
        - | nodes | {READ}
        {EVENTS}
        discovery.k8s.io | endpointslices | list watch""",
    "system:persistent-volume-provisioner": f"""- | persistentvolumes | create delete get list
        watch
        - | persistentvolumeclaims | get list update watch
        storage.k8s.io | storageclasses | {READ}
        - | events | watch
        {EVENTS}""",
    "system:public-info-viewer": "url | /healthz /livez /readyz /version /version/ | get",
    "system:service-account-issuer-discovery": """url | /.well-known/openid-configuration
        /.well-known/openid-configuration/ /openid/v1/jwks /openid/v1/jwks/ | get""",
    "system:volume-scheduler": f"""- | persistentvolumes | get list patch update watch
        storage.k8s.io | storageclasses | {READ}
        - | persistentvolumeclaims | get list patch update watch""",
}

CONTROLLER_ROLES: dict[str, str] = {
    "attachdetach-controller": f"""- | persistentvolumeclaims persistentvolumes | list watch
        - | nodes | {READ}
        - | nodes/status | patch update
        - | pods | list watch
        {EVENTS}
        storage.k8s.io | volumeattachments | create delete get list watch
        storage.k8s.io | csidrivers | {READ}
        storage.k8s.io | csinodes | {READ}""",
    "certificate-controller": f"""certificates.k8s.io | certificatesigningrequests | delete get
        list watch
        certificates.k8s.io | certificatesigningrequests/approval
        certificatesigningrequests/status | update
        certificates.k8s.io | signers | approve | kubernetes.io/kube-apiserver-client-kubelet
        certificates.k8s.io | signers | sign | kubernetes.io/kube-apiserver-client
        kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving
        kubernetes.io/legacy-unknown
        authorization.k8s.io | subjectaccessreviews | create
        {EVENTS}""",
    "clusterrole-aggregation-controller":
        "rbac.authorization.k8s.io | clusterroles | escalate get list patch update watch",
    "cronjob-controller": f"""batch | cronjobs | get list update watch
        batch | jobs | create delete get list patch update watch
        batch | cronjobs/status | update
        batch | cronjobs/finalizers | update
        - | pods | delete list watch
        {EVENTS}""",
    "daemon-set-controller": f"""apps extensions | daemonsets | {READ}
        apps extensions | daemonsets/status | update
        apps extensions | daemonsets/finalizers | update
        - | nodes | list watch
        - | pods | create delete list patch watch
        - | pods/binding | create
        apps | controllerrevisions | create delete get list patch update watch
        {EVENTS}""",
    "deployment-controller": f"""apps extensions | deployments | get list update watch
        apps extensions | deployments/status | update
        apps extensions | deployments/finalizers | update
        apps extensions | replicasets | create delete get list patch update watch
        - | pods | get list update watch
        {EVENTS}""",
    "disruption-controller": f"""apps extensions | deployments | {READ}
        apps extensions | replicasets | {READ}
        - | replicationcontrollers | {READ}
        policy | poddisruptionbudgets | {READ}
        apps | statefulsets | {READ}
        policy | poddisruptionbudgets/status | update
        - | pods/status | patch update
        * | */scale | get
        {EVENTS}""",
    "endpoint-controller": f"""- | pods services | {READ}
        - | endpoints | create delete get list update watch
        - | endpoints/restricted | create
        {EVENTS}""",
    "endpointslice-controller": f"""- | nodes pods services | {READ}
        - | services/finalizers | update
        discovery.k8s.io | endpointslices | create delete get list update watch
        {EVENTS}""",
    "endpointslicemirroring-controller": f"""- | endpoints services | {READ}
        - | services/finalizers | update
        - | endpoints/finalizers | update
        discovery.k8s.io | endpointslices | create delete get list update watch
        {EVENTS}""",
    "ephemeral-volume-controller": f"""- | pods | {READ}
        - | pods/finalizers | update
        - | persistentvolumeclaims | create get list watch
        {EVENTS}""",
    "expand-controller": f"""- | persistentvolumes | get list patch update watch
        - | persistentvolumeclaims/status | patch update
        - | persistentvolumeclaims | {READ}
        {EVENTS}""",
    "generic-garbage-collector": f"""* | * | delete get list patch update watch
        {EVENTS}""",
    "horizontal-pod-autoscaler": f"""autoscaling | horizontalpodautoscalers | {READ}
        autoscaling | horizontalpodautoscalers/status | update
        * | */scale | get update
        - | pods | list watch
        metrics.k8s.io | pods | list watch
        custom.metrics.k8s.io | * | {READ}
        external.metrics.k8s.io | * | {READ}
        {EVENTS}""",
    "job-controller": f"""batch | jobs | get list patch update watch
        batch | jobs/status | update
        batch | jobs/finalizers | update
        - | pods | create delete list patch watch
        {EVENTS}""",
    "legacy-service-account-token-cleaner": """- | configmaps | get |
        kube-apiserver-legacy-service-account-token-tracking
        - | secrets | delete patch""",
    "namespace-controller": """- | namespaces | delete get list watch
        - | namespaces/finalize namespaces/status | update
        * | * | delete deletecollection get list watch""",
    "node-controller": f"""- | nodes | delete get list patch update watch
        - | nodes/status | patch update
        - | pods/status | patch update
        - | pods | delete get list watch
        {EVENTS}""",
    "persistent-volume-binder": f"""- | persistentvolumes | create delete get list update watch
        - | persistentvolumes/status | update
        - | persistentvolumeclaims | get list update watch
        - | persistentvolumeclaims/status | update
        - | pods | create delete get list watch
        storage.k8s.io | storageclasses | {READ}
        - | nodes | list watch
        {EVENTS}
        - | events | watch""",
    "pod-garbage-collector": f"""- | pods | delete list watch
        - | nodes | {READ}
        - | pods/status | patch""",
    "pv-protection-controller": f"""- | persistentvolumes | get list update watch
        {EVENTS}""",
    "pvc-protection-controller": f"""- | persistentvolumeclaims | get list update watch
        - | persistentvolumeclaims/status | update
        - | pods | {READ}
        {EVENTS}""",
    "replicaset-controller": f"""apps extensions | replicasets | get list update watch
        apps extensions | replicasets/status | update
        apps extensions | replicasets/finalizers | update
        - | pods | create delete list patch watch
        {EVENTS}""",
    "replication-controller": f"""- | replicationcontrollers | get list update watch
        - | replicationcontrollers/status | update
        - | replicationcontrollers/finalizers | update
        - | pods | create delete list patch watch
        {EVENTS}""",
    "resourcequota-controller": f"""* | * | list watch
        - | resourcequotas/status | update
        {EVENTS}""",
    "root-ca-cert-publisher": f"""- | configmaps | create update
        {EVENTS}""",
    "route-controller": f"""- | nodes | list watch
        - | nodes/status | patch
        {EVENTS}""",
    "selinux-warning-controller": f"""{EVENTS}
        - | persistentvolumes | {READ}
        - | persistentvolumeclaims | {READ}
        - | pods | {READ}
        storage.k8s.io | csidrivers | {READ}""",
    "service-account-controller": f"""- | serviceaccounts | create
        {EVENTS}""",
    "service-cidrs-controller": f"""networking.k8s.io | servicecidrs | get list patch update watch
        networking.k8s.io | servicecidrs/finalizers | patch update
        networking.k8s.io | servicecidrs/status | patch update
        networking.k8s.io | ipaddresses | {READ}
        {EVENTS}""",
    "service-controller": f"""- | services | {READ}
        - | services/status | patch update
        - | nodes | list watch
        {EVENTS}""",
    "statefulset-controller": f"""- | pods | list watch
        apps | statefulsets | {READ}
        apps | statefulsets/status | update
        apps | statefulsets/finalizers | update
        - | pods | create delete get patch update
        apps | controllerrevisions | create delete get list patch update watch
        - | persistentvolumeclaims | create get list watch
        - | persistentvolumeclaims | delete update
        - | pods/finalizers | update
        {EVENTS}""",
    "ttl-after-finished-controller": f"""batch | jobs | delete get list watch
        {EVENTS}""",
    "ttl-controller": f"""- | nodes | list patch update watch
        {EVENTS}""",
    "validatingadmissionpolicy-status-controller": f"""admissionregistration.k8s.io |
        validatingadmissionpolicies | {READ}
        admissionregistration.k8s.io | validatingadmissionpolicies/status | get patch update
        {EVENTS}""",
}

# namespace_policy.go: (namespace, Role name) -> rules
NAMESPACE_ROLES: dict[tuple[str, str], str] = {
    ("kube-public", "system:controller:bootstrap-signer"): f"""- | configmaps | {READ}
        - | configmaps | update | cluster-info
        {EVENTS}""",
    ("kube-system", "extension-apiserver-authentication-reader"):
        f"- | configmaps | {READ} | extension-apiserver-authentication",
    ("kube-system", "system::leader-locking-kube-controller-manager"): """coordination.k8s.io |
        leases | create get list update watch
        coordination.k8s.io | leasecandidates | create get list update watch""",
    ("kube-system", "system::leader-locking-kube-scheduler"): """coordination.k8s.io | leases |
        create get list update watch
        coordination.k8s.io | leasecandidates | create get list update watch""",
    ("kube-system", "system:controller:bootstrap-signer"): f"- | secrets | {READ}",
    ("kube-system", "system:controller:cloud-provider"):
        "- | configmaps | create get list watch",
    ("kube-system", "system:controller:token-cleaner"): f"""- | secrets | delete get list watch
        {EVENTS}""",
}

# policy.go: the aggregated roles and the labels that select what they aggregate
AGGREGATED = {"admin": "rbac.authorization.k8s.io/aggregate-to-admin",
              "edit": "rbac.authorization.k8s.io/aggregate-to-edit",
              "view": "rbac.authorization.k8s.io/aggregate-to-view"}
AGGREGATE_LABELS = {"edit": "rbac.authorization.k8s.io/aggregate-to-admin",
                    "view": "rbac.authorization.k8s.io/aggregate-to-edit",
                    "system:aggregate-to-admin": "rbac.authorization.k8s.io/aggregate-to-admin",
                    "system:aggregate-to-edit": "rbac.authorization.k8s.io/aggregate-to-edit",
                    "system:aggregate-to-view": "rbac.authorization.k8s.io/aggregate-to-view"}


def parse(text: str) -> list[Obj]:
    """The rules of one role from the one-rule-a-line form above. A line continues the one
    before when it has no `|`, or when the one before is not yet a whole rule (fewer than two
    `|`, or ending in `|`)."""
    lines: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if lines and ("|" not in line or lines[-1].count("|") < 2
                      or lines[-1].endswith("|")):
            lines[-1] += " " + line
        else:
            lines.append(line)
    rules: list[Obj] = []
    for line in lines:
        parts = [p.split() for p in line.split("|")]
        if parts[0] == ["url"]:
            rules.append({"nonResourceURLs": parts[1], "verbs": parts[2]})
            continue
        rule: Obj = {"apiGroups": ["" if g == "-" else g for g in parts[0]],
                     "resources": parts[1], "verbs": parts[2]}
        if len(parts) > 3 and parts[3]:
            rule["resourceNames"] = parts[3]
        rules.append(rule)
    return rules


@functools.cache
def cluster_role_rules() -> dict[str, list[Obj]]:
    """name -> rules for every bootstrap ClusterRole, admin/edit/view with what the
    clusterrole-aggregation controller gives them: the rules of every ClusterRole whose labels
    match the selector, in the order of those roles' names, each rule once
    (clusterroleaggregation_controller.go)."""
    out = {name: parse(text) for name, text in CLUSTER_ROLES.items()}
    out.update({f"system:controller:{name}": parse(text)
                for name, text in CONTROLLER_ROLES.items()})
    for name in ("view", "edit", "admin"):  # view feeds edit, edit feeds admin
        label = AGGREGATED[name]
        rules: list[Obj] = []
        for source in sorted(n for n, lbl in AGGREGATE_LABELS.items() if lbl == label):
            for rule in out.get(source, []):
                if rule not in rules:
                    rules.append(rule)
        out[name] = rules
    return out


@functools.cache
def namespace_role_rules() -> dict[tuple[str, str], list[Obj]]:
    return {key: parse(text) for key, text in NAMESPACE_ROLES.items()}
