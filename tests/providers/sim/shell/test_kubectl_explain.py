"""`kubectl explain` from the vendored v1.33 schemas, compared with real kubectl output
(samples/kubectl-explain-*.txt) and kubectl's plaintext template rules."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.shell.kubectl_explain import DATA, wordwrap
from app.providers.sim.terminal import SimTerminal

SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"
ROOT = Path(__file__).parents[4]


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0, seed=3, clock=Clock(frozen_at=1764118800.0), age=300)


def run(cluster: SimCluster, line: str) -> tuple[str, int]:
    out = SimTerminal(cluster, "kind-control-plane").run(line)
    return out.output, out.exit_code


def test_field_path_matches_real_kubectl(cluster: SimCluster) -> None:
    out, code = run(cluster, "kubectl explain deploy.spec.strategy.rollingUpdate")
    real = (SAMPLES / "kubectl-explain-deploy-rollingupdate.txt").read_text()
    # The transcript lost the template's last newline: the body is the same, kubectl's output
    # ends with the field's blank line and the template's final "\n".
    assert code == 0 and out.rstrip("\n") == real.rstrip("\n") and out.endswith(".\n\n\n")


def test_recursive_prints_the_tree_without_descriptions(cluster: SimCluster) -> None:
    out, _ = run(cluster, "kubectl explain pods.spec.containers.resources --recursive")
    tail = (SAMPLES / "kubectl-explain-resources-recursive-tail.txt").read_text()
    assert out.startswith("KIND:       Pod\nVERSION:    v1\n\nFIELD: resources "
                          "<ResourceRequirements>\n\n\nDESCRIPTION:\n    Compute Resources")
    assert out.endswith(tail + "\n")


def test_recursive_pod_nests_two_spaces_per_level(cluster: SimCluster) -> None:
    lines = run(cluster, "kubectl explain pod --recursive")[0].splitlines()
    fields = lines[lines.index("FIELDS:") + 1:]
    assert "  spec\t<PodSpec>" in fields and "    containers\t<[]Container> -required-" in fields
    assert "      livenessProbe\t<Probe>" in fields and "        httpGet\t<HTTPGetAction>" in fields
    assert "          port\t<IntOrString> -required-" in fields
    top = [f.split("\t")[0].strip() for f in fields if f.startswith("  ") and f[2] != " "]
    assert top == ["apiVersion", "kind", "metadata", "spec", "status"]


def test_explain_pod_still_matches_its_sample(cluster: SimCluster) -> None:
    assert run(cluster, "kubectl explain pods")[0] == \
        (SAMPLES / "kubectl-explain-pod.txt").read_text()


def test_names_short_names_and_groups(cluster: SimCluster) -> None:
    assert run(cluster, "kubectl explain hpa")[0].startswith(
        "GROUP:      autoscaling\nKIND:       HorizontalPodAutoscaler\nVERSION:    v2\n")
    assert run(cluster, "kubectl explain ingresses.spec")[0].startswith(
        "GROUP:      networking.k8s.io\nKIND:       Ingress\n")
    assert "  replicas\t<integer>\n" in run(cluster, "kubectl explain deploy.spec")[0]
    out, code = run(cluster, "kubectl explain deploy --api-version=apps/v2")
    assert code == 1 and out == ('error: couldn\'t find resource for "apps/v2, '
                                 'Resource=deployments"\n')


def test_missing_field_names_the_last_path_element(cluster: SimCluster) -> None:
    # plaintext.tmpl throws with the last element of the path, not the first missing one.
    assert run(cluster, "kubectl explain pod.spec.foo.bar") == (
        'error: field "bar" does not exist\n', 1)
    assert run(cluster, "kubectl explain svc.spec.ports.port") [0].startswith(
        "KIND:       Service\nVERSION:    v1\n\nFIELD: port <integer>\n\n\n")


def test_wordwrap_is_go_wordwrap() -> None:
    assert wordwrap("aaa bbb ccc", 7) == "aaa bbb\nccc"
    assert wordwrap("More info: https://example.com/a/very/long/url", 12) == \
        "More info:\nhttps://example.com/a/very/long/url"
    assert wordwrap("two  spaces kept\n\nnew paragraph", 80) == \
        "two  spaces kept\n\nnew paragraph"


def test_vendored_schemas_are_what_the_script_builds() -> None:
    """app data is generated from kubernetes-validate (dev only) by the committed script."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("vendor", ROOT / "scripts" /
                                                  "vendor_explain_schema.py")
    assert spec and spec.loader
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    built = vendor.build(json.loads(vendor.source().read_text())["$defs"])
    with gzip.open(ROOT / "app" / "providers" / "sim" / Path(*DATA)) as fh:
        assert json.loads(fh.read()) == json.loads(json.dumps(built))


def test_every_kind_the_twin_serves_is_explained(cluster: SimCluster) -> None:
    from app.providers.sim.shell.kubectl import ALIASES

    for word in sorted(set(ALIASES)):
        out, code = run(cluster, f"kubectl explain {word}")
        assert code == 0 and "\nFIELDS:\n" in out and "\n  kind\t<string>\n" in out, word
    assert "Deprecated: This API is deprecated in v1.33+. Use discoveryv1.EndpointSlice." in \
        run(cluster, "kubectl explain ep")[0]
