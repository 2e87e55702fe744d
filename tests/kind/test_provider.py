"""KindProvider against the fake kind/docker/kubectl: the commands it runs and how it fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from app.providers.base import Cluster, Node, ProviderError
from app.providers.kind.config import NODE_IMAGE
from app.providers.kind.provider import KindProvider
from app.providers.kind.tools import Tools

DOCKER_DOWN = ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
               "Is the docker daemon running?")


def test_create_runs_kind_with_the_generated_config(fake, provider: KindProvider) -> None:
    steps: list[str] = []
    cluster = provider.create("kd-t1", control_planes=1, workers=2, progress=steps.append)
    argv = fake.argvs("kind")[0]
    work = provider.workdir
    assert argv == ["create", "cluster", "--name", "kd-t1", "--config",
                    str(work / "kd-t1.kind.yaml"), "--image", NODE_IMAGE, "--wait", "5m0s",
                    "--kubeconfig", str(work / "kd-t1.kubeconfig")]
    cfg = yaml.safe_load((work / "kd-t1.kind.yaml").read_text())
    assert [n["role"] for n in cfg["nodes"]] == ["control-plane", "worker", "worker"]
    assert cfg["networking"]["apiServerPort"] == 0
    assert (work / "kd-t1.kubeconfig").read_text().count("current-context: kind-kd-t1") == 1
    assert steps[0] == "creating cluster: 3 nodes"
    assert steps.index("creating nodes") < steps.index("waiting for the control plane")
    assert steps[-2:] == ["waiting for the nodes to be Ready", "cluster ready"]
    assert [(n.name, n.role) for n in cluster.nodes] == [
        ("kd-t1-control-plane", "control-plane"), ("kd-t1-worker", "worker"),
        ("kd-t1-worker2", "worker")]
    assert isinstance(cluster, Cluster) and all(isinstance(n, Node) for n in cluster.nodes)
    # the scenario's logical names map onto this cluster's nodes
    assert cluster.node("kind-worker2").name == "kd-t1-worker2"
    assert cluster.node("control-plane").name == cluster.default_node().name
    assert ["get", "nodes", "--name", "kd-t1"] in fake.argvs("kind")


def test_clusters_lists_only_our_prefix_and_delete_is_idempotent(fake, provider, tmp_path
                                                                  ) -> None:
    provider.create("kd-a", control_planes=1, workers=0)
    config = tmp_path / "other.yaml"
    config.write_text("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n"
                      "nodes:\n- role: control-plane\n")
    subprocess.run(["kind", "create", "cluster", "--name", "someone-else", "--config",
                    str(config)], check=True, capture_output=True)
    assert provider.clusters() == ["kd-a"]
    provider.delete("kd-a")
    assert ["delete", "cluster", "--name", "kd-a", "--kubeconfig",
            str(provider.workdir / "kd-a.kubeconfig")] in fake.argvs("kind")
    assert not (provider.workdir / "kd-a.kubeconfig").exists()
    assert provider.clusters() == []
    provider.delete("kd-a")  # a missing cluster is not an error
    with pytest.raises(ProviderError, match="must start with 'kd-'"):
        provider.delete("someone-else")
    assert ["delete", "cluster", "--name", "someone-else"] not in [
        a[:4] for a in fake.argvs("kind")]


def test_attach_reads_nodes_and_fetches_the_kubeconfig(fake, provider) -> None:
    provider.create("kd-at", control_planes=2, workers=1)
    (provider.workdir / "kd-at.kubeconfig").unlink()
    cluster = provider.attach("kd-at")
    assert [n.name for n in cluster.nodes] == ["kd-at-control-plane", "kd-at-control-plane2",
                                               "kd-at-worker"]  # no external-load-balancer
    assert ["get", "kubeconfig", "--name", "kd-at"] in fake.argvs("kind")
    assert (provider.workdir / "kd-at.kubeconfig").stat().st_mode & 0o777 == 0o600
    assert provider.healthy("kd-at")
    with pytest.raises(ProviderError, match="no kind cluster named kd-nope"):
        provider.attach("kd-nope")


def test_internal_kubeconfig_points_at_the_node(fake, tmp_path) -> None:
    provider = KindProvider(Tools(), tmp_path / "w", internal_kubeconfig=True)
    provider.create("kd-in", control_planes=1, workers=0)
    assert ["get", "kubeconfig", "--name", "kd-in", "--internal"] in fake.argvs("kind")
    text = (tmp_path / "w" / "kd-in.kubeconfig").read_text()
    assert "server: https://kd-in-control-plane:6443" in text


def test_invalid_names_never_reach_kind(fake, provider) -> None:
    for bad in ("web", "kd-UPPER", "kd-a;rm -rf /", "--name"):
        with pytest.raises(ProviderError):
            provider.create(bad, control_planes=1, workers=0)
    assert fake.calls() == []


def test_control_plane_that_never_gets_ready_fails_the_create(fake, provider) -> None:
    fake.fail(not_ready=True)
    with pytest.raises(ProviderError) as e:
        provider.create("kd-nr", control_planes=1, workers=1)
    # kind itself exits 0 with a warning; the provider must not take that for success
    assert "did not become Ready within 5m0s" in str(e.value)
    assert "WARNING: Timed out waiting for Ready" in e.value.stderr
    assert e.value.command[:3] == ["kind", "create", "cluster"]
    assert fake.argvs("kind")[-1][:4] == ["delete", "cluster", "--name", "kd-nr"]
    assert provider.clusters() == []


def test_kind_create_that_hangs_is_killed_at_the_timeout(fake, tmp_path) -> None:
    fake.fail(create_hang=30)
    provider = KindProvider(Tools(), tmp_path / "w", create_timeout_s=4)
    with pytest.raises(ProviderError) as e:
        provider.create("kd-slow", control_planes=1, workers=0)
    assert "timed out after 4s" in str(e.value)
    assert "kind create cluster --name kd-slow" in str(e.value)
    assert "Starting control-plane" in e.value.stderr


def test_docker_not_running_is_reported_with_dockers_message(fake, provider) -> None:
    fake.fail(docker_down=True)
    with pytest.raises(ProviderError) as e:
        provider.check()
    assert str(e.value).startswith("Docker not reachable")
    assert DOCKER_DOWN in e.value.stderr
    assert e.value.command == ["docker", "info", "--format", "{{.ServerVersion}}"]
    with pytest.raises(ProviderError) as e:
        provider.create("kd-x", control_planes=1, workers=0)
    assert "Docker not reachable" in str(e.value) and DOCKER_DOWN in e.value.stderr
    assert provider.healthy("kd-x") is False


def test_check_passes_and_names_a_missing_binary(fake, tmp_path: Path) -> None:
    KindProvider(Tools(), tmp_path / "w").check()
    assert [c["argv"][0] for c in fake.calls()] == ["version", "version", "info"]
    with pytest.raises(ProviderError, match=r"kubectl not found on PATH \(set "
                                            r"KUBEDRILL_KUBECTL_BIN\)"):
        KindProvider(Tools(kubectl=str(tmp_path / "no" / "kubectl")), tmp_path / "w").check()
