"""`kubectl -o yaml` quoting as go-yaml v2 (sigs.k8s.io/yaml) writes it; api-resources order."""

from __future__ import annotations

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.shell import goyaml
from app.providers.sim.terminal import SimTerminal

# kind-node-files.md, "Node object, verbatim excerpt" (a real kind-control-plane's
# `kubectl get node -o yaml`): strings that read as other types are double-quoted.
REAL_NODE_LINES = [
    '    beta.kubernetes.io/arch: amd64',
    '    kubernetes.io/hostname: kind-control-plane',
    '    node-role.kubernetes.io/control-plane: ""',
    '    node.kubernetes.io/exclude-from-external-load-balancers: ""',
    '  podCIDRs:',
    '  - 10.244.0.0/24',
    '  providerID: kind://docker/kind/kind-control-plane',
    '  - effect: NoSchedule',
]


def test_strings_that_read_as_other_types_are_double_quoted() -> None:
    out = goyaml.dump({"a": "1174", "b": "true", "c": "", "d": "2026-11-26T11:24:54Z",
                       "e": "null", "f": "plain text", "g": "a: b", "h": 7})
    assert out == ('a: "1174"\nb: "true"\nc: ""\nd: "2026-11-26T11:24:54Z"\ne: "null"\n'
                   "f: plain text\ng: 'a: b'\nh: 7\n")


def test_a_string_with_newlines_is_a_literal_block() -> None:
    assert goyaml.dump({"k": "a\nb\n"}) == "k: |\n  a\n  b\n"
    assert goyaml.dump({"k": "a\nb"}) == "k: |-\n  a\n  b\n"


def test_a_node_prints_as_kubectl_prints_it() -> None:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=1764118800.0))
    out = SimTerminal(c, "kind-control-plane").run(
        "kubectl get node kind-control-plane -o yaml").output
    lines = out.splitlines()
    for line in REAL_NODE_LINES:
        assert line in lines
    assert any(line.startswith('  resourceVersion: "') for line in lines)
    assert any(line.startswith('  creationTimestamp: "') for line in lines)


def test_api_resources_are_grouped_core_first_with_short_names() -> None:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0))
    rows = SimTerminal(c, "kind-control-plane").run("kubectl api-resources").output.splitlines()
    names = [r.split()[0] for r in rows[1:]]
    assert names[:3] == ["configmaps", "endpoints", "events"]  # the core group, by name
    assert names.index("services") < names.index("daemonsets") < names.index("jobs")
    assert any(r.split()[:2] == ["storageclasses", "sc"] for r in rows)
    assert any(r.split()[:2] == ["certificatesigningrequests", "csr"] for r in rows)
