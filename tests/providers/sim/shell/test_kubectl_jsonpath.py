"""`-o jsonpath` / `-o custom-columns`: the examples of kubectl's "JSONPath Support" page
(kubernetes.io/docs/reference/kubectl/jsonpath/), with maps and lists printed as compact JSON
with sorted keys as client-go's jsonpath PrintResults does (util/jsonpath/jsonpath.go) — the
page's table still shows the older `map[cpu:4]` form."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.shell.kubectl_jsonpath import JSONPathError, custom_columns, execute
from app.providers.sim.terminal import SimTerminal

DOC = {
    "kind": "List",
    "items": [
        {"kind": "None", "metadata": {"name": "127.0.0.1",
                                      "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
         "status": {"capacity": {"cpu": "4"},
                    "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
        {"kind": "None", "metadata": {"name": "127.0.0.2"},
         "status": {"capacity": {"cpu": "8"},
                    "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"},
                                  {"type": "another", "address": "127.0.0.3"}]}},
    ],
    "users": [{"name": "myself", "user": {}},
              {"name": "e2e", "user": {"username": "admin", "password": "secret"}}],
}


@pytest.mark.parametrize(("template", "expected"), [
    ("kind is {.kind}", "kind is List"),
    ("{.kind}", "List"),
    ("{['kind']}", "List"),
    ("{..name}", "127.0.0.1 127.0.0.2 myself e2e"),
    ("{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
    ("{.users[0].name}", "myself"),
    ("{.items[*]['metadata.name', 'status.capacity']}", ""),  # dotted keys: no such key
    ("{.items[*].status.capacity}", '{"cpu":"4"} {"cpu":"8"}'),
    ('{.users[?(@.name=="e2e")].user.password}', "secret"),
    ("{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
     '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '),
    ("{.items[0].metadata.labels.kubernetes\\.io/hostname}", "127.0.0.1"),
    ("{.items[-1].metadata.name}", "127.0.0.2"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{.status.addresses[0].address}{"\\n"}{end}',
     "127.0.0.1\t127.0.0.1\n127.0.0.2\t127.0.0.2\n"),
    ("{.users[1].user}", '{"password":"secret","username":"admin"}'),
    ("{.items[*].status.addresses[?(@.type==\"another\")].address}", "127.0.0.3"),
    ("{.nothing.here}", ""),  # --allow-missing-template-keys=true, kubectl's default
    ("{.users[0:1].name}", "myself"),
])
def test_the_documented_examples(template: str, expected: str) -> None:
    assert execute(template, DOC) == expected


def test_unclosed_actions_and_stray_ends_are_errors() -> None:
    with pytest.raises(JSONPathError, match="unclosed action"):
        execute("{.kind", DOC)
    with pytest.raises(JSONPathError, match="not in range, nothing to end"):
        execute("{end}", DOC)


def test_custom_columns_align_like_kubectl_and_show_none_for_missing() -> None:
    out = custom_columns("NAME:.metadata.name,CPU:.status.capacity.cpu,HOST:{.metadata.labels}",
                         DOC["items"])
    assert out == ("NAME        CPU   HOST\n"
                   '127.0.0.1   4     {"kubernetes.io/hostname":"127.0.0.1"}\n'
                   "127.0.0.2   8     <none>\n")
    with pytest.raises(JSONPathError, match="expected <header>:<json-path-expr>"):
        custom_columns("NAME", DOC["items"])


def test_kubectl_get_uses_them_on_the_twin() -> None:
    cluster = create_cluster("kind", 1, 1, seed=1, clock=Clock(frozen_at=1764118800.0), age=300)
    term = SimTerminal(cluster, "kind-control-plane")
    ready = term.run("""kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}"""
                     """{" "}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'""")
    assert ready.output == "kind-control-plane True\nkind-worker True\n"
    cols = term.run("kubectl get deploy -n kube-system -o custom-columns=NAME:.metadata.name,"
                    "WANT:.spec.replicas")
    assert cols.output == "NAME      WANT\ncoredns   2\n"
    missing = term.run("kubectl get nodes -o jsonpath")
    assert missing.exit_code == 1
    assert missing.output == "error: template format specified but no template given\n"
