"""`kubectl version -o json|yaml` as kubectl v1.33.1 prints it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0)


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def test_the_client_block_is_the_release_binarys(cluster: SimCluster) -> None:
    want = (SAMPLES / "kubectl-version-client-yaml.txt").read_text()
    out, code = sh(cluster, "kubectl version --client --output=yaml")
    assert code == 0 and out == want + "kustomizeVersion: v5.6.0\n"


def test_json_has_the_struct_order_and_the_servers_version(cluster: SimCluster) -> None:
    out, code = sh(cluster, "kubectl version -o json")
    doc = json.loads(out)
    assert code == 0 and list(doc) == ["clientVersion", "kustomizeVersion", "serverVersion"]
    assert list(doc["clientVersion"])[:3] == ["major", "minor", "gitVersion"]
    assert "emulationMajor" not in doc["clientVersion"]
    assert doc["serverVersion"]["minCompatibilityMinor"] == "32"
    assert out.startswith('{\n  "clientVersion": {\n    "major": "1",\n')


def test_yaml_sorts_keys_and_quotes_numbers(cluster: SimCluster) -> None:
    out, _ = sh(cluster, "kubectl version -o yaml")
    assert "serverVersion:\n  buildDate: \"2025-05-15T08:19:08Z\"\n  compiler: gc\n" \
           "  emulationMajor: \"1\"\n" in out


def test_other_formats_are_refused(cluster: SimCluster) -> None:
    assert sh(cluster, "kubectl version -o wide") == (
        "error: --output must be 'yaml' or 'json'\n", 1)


@pytest.mark.parametrize("line", ["kubectl version", "kubectl version -o json"])
def test_the_client_part_stays_on_stdout_when_the_server_is_down(line: str) -> None:
    c = create_cluster("kind", 1, 0)
    term = SimTerminal(c, "kind-control-plane")
    term.run("mv /etc/kubernetes/manifests/kube-apiserver.yaml /root/")
    c.advance(60)
    r = term.run(f"{line} 2>/dev/null")
    assert r.exit_code == 1
    assert "Client Version: v1.33.1" in r.output or '"clientVersion"' in r.output
    assert "refused" not in r.output and "Server" not in r.output
    err = term.run(f"{line} >/dev/null").output
    assert "The connection to the server" in err and "lientVersion" not in err
