"""The fault modules of app/faults, unchanged, through a kind cluster (fake tools): which
commands they cause, and that the twin behind the fake ends up broken as on the twin."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from app.catalog.loader import load_catalog
from app.faults.registry import get
from app.providers.base import Check, ProviderError
from app.providers.kind.node import WRITE_SCRIPT
from app.providers.sim import pki
from app.training.provisioning import break_cluster
from tests.conftest import SCENARIOS

ETCD = "/etc/kubernetes/manifests/etcd.yaml"


def inject(cluster, fault: str, node: str = "control-plane", **params) -> None:  # noqa: ANN001
    ft = get(fault)
    ft.inject(cluster, cluster.node(node), ft.params(**params))


@pytest.fixture
def cluster(fake, provider):  # noqa: ANN001, ANN201
    return provider.create("kd-f", control_planes=1, workers=1)


def test_manifest_flag_is_a_read_then_an_atomic_write_and_a_fix_heals_it(fake, cluster) -> None:
    before = len(fake.calls())
    inject(cluster, "manifest-flag", manifest="etcd", rename="--listen-client-urls",
           to="--listen-client-url")
    calls = fake.calls()[before:]
    assert [c["argv"] for c in calls] == [
        ["exec", "kd-f-control-plane", "cat", "--", ETCD],
        ["exec", "-i", "kd-f-control-plane", "sh", "-c", WRITE_SCRIPT, "sh", ETCD, "0600"]]
    assert calls[1]["stdin_bytes"] > 1000
    assert b"--listen-client-url=" in fake.twin("kd-f").node("control-plane").read_file(ETCD)
    fake.advance("kd-f", 60)
    broken = cluster.probe(Check("apiserver-healthy"))
    assert not broken.ok and "kube-apiserver is not ready" in broken.message
    assert not cluster.probe(Check("static-pod-running", {"component": "etcd"})).ok
    result = cluster.node("control-plane").exec(
        f"sed -i 's#--listen-client-url=#--listen-client-urls=#' {ETCD}")
    assert result.exit_code == 0
    exec_call = fake.calls()[-1]
    assert exec_call["argv"][:4] == ["exec", "-e", "KUBECONFIG=/etc/kubernetes/admin.conf",
                                     "kd-f-control-plane"]
    fake.advance("kd-f", 330)
    assert cluster.probe(Check("apiserver-healthy")).ok
    assert cluster.probe(Check("etcd-healthy")).ok
    assert cluster.probe(Check("static-pod-running", {"component": "etcd"})).ok


def test_cert_expire_resigns_with_the_nodes_own_ca(fake, cluster) -> None:
    path = "/etc/kubernetes/pki/apiserver.crt"
    inject(cluster, "cert-expire", path=path, expired_ago="2d")
    argvs = fake.argvs("docker")
    assert ["exec", "kd-f-control-plane", "cat", "--", "/etc/kubernetes/pki/ca.key"] in argvs
    writes = [a for a in argvs if a[:3] == ["exec", "-i", "kd-f-control-plane"]]
    assert [a[7:9] for a in writes][0] == [path, "0644"]
    new = cluster.node("control-plane").read_file(path)
    ca = cluster.node("control-plane").read_file("/etc/kubernetes/pki/ca.crt")
    _, not_after = pki.cert_validity(new)
    assert abs((datetime.now(UTC) - not_after).total_seconds() - 2 * 86400) < 600
    assert pki.verify_chain(new, ca)


def test_service_stop_power_off_and_reboot_are_systemctl_and_docker(fake, cluster) -> None:
    inject(cluster, "service-stop", node="worker", unit="kubelet", disable=True, reboot=True)
    argvs = fake.argvs("docker")
    assert ["exec", "kd-f-worker", "systemctl", "disable", "--now", "kubelet"] in argvs
    assert argvs[-1] == ["restart", "kd-f-worker"]
    assert fake.twin("kd-f").node("worker").services["kubelet"]["active"] is False
    inject(cluster, "node-power-off", node="worker")
    assert fake.argvs("docker")[-1] == ["stop", "kd-f-worker"]
    fake.advance("kd-f", 120)
    result = cluster.probe(Check("nodes-ready"))
    assert not result.ok and "kd-f-worker" in result.message
    with pytest.raises(ProviderError) as e:
        cluster.node("worker").exec("true")
    assert "is not running" in e.value.stderr and e.value.command[:3] == ["docker", "exec",
                                                                         "kd-f-worker"]
    cluster.node("worker").power_on()
    assert fake.argvs("docker")[-1] == ["start", "kd-f-worker"]
    assert cluster.node("worker").exec("true").exit_code == 0


def test_disk_latency_sets_io_max_through_systemd_and_the_fsync_probe_sees_it(fake, cluster
                                                                              ) -> None:
    cluster.fsync_window_s = 0.0
    assert cluster.probe(Check("etcd-fsync-fast", {"max_ms": 10})).ok
    inject(cluster, "disk-latency", ms=50)
    argvs = [a for a in fake.argvs("docker") if a[:2] == ["exec", "kd-f-control-plane"]][-4:]
    assert argvs == [
        ["exec", "kd-f-control-plane", "cat", "/sys/fs/cgroup/cgroup.controllers"],
        ["exec", "kd-f-control-plane", "systemctl", "set-property", "--runtime",
         "kubelet-kubepods.slice", "IOReadIOPSMax=/var/lib/etcd 20",
         "IOWriteIOPSMax=/var/lib/etcd 20"],
        ["exec", "kd-f-control-plane", "systemctl", "show", "-p", "ControlGroup", "--value",
         "kubelet-kubepods.slice"],
        ["exec", "kd-f-control-plane", "cat", "--",
         "/sys/fs/cgroup/kubelet.slice/kubelet-kubepods.slice/io.max"]]
    slow = cluster.probe(Check("etcd-fsync-fast", {"max_ms": 10}))
    assert not slow.ok and "WAL fsync p99" in slow.message
    cluster.node("control-plane").set_disk_latency("sda", 0)
    assert cluster.probe(Check("etcd-fsync-fast", {"max_ms": 10})).ok


def test_disk_latency_without_the_io_controller_says_what_the_host_lacks(fake, cluster) -> None:
    fake.fail(no_io=True)
    with pytest.raises(ProviderError, match="io cgroup controller is not delegated"):
        inject(cluster, "disk-latency", ms=50)
    assert not any(a[2:4] == ["systemctl", "set-property"] for a in fake.argvs("docker"))


def test_apply_goes_to_kubectl_apply_on_stdin_with_stand_ins(fake, cluster) -> None:
    manifest = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        kubedrill.io/behaviour: '{"listen": [8080], "warmup_s": 1}'
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.8.2
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""
    inject(cluster, "apply", inline=manifest)
    call = fake.calls("kubectl")[-1]
    assert call["argv"] == ["--kubeconfig", str(cluster.kubeconfig), "apply", "-f", "-"]
    assert call["stdin_bytes"] > len(manifest)  # the stand-in command was added
    deploy = fake.twin("kd-f").store.find("Deployment", "web", "default")
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.36.1"
    fake.advance("kd-f", 60)
    assert cluster.probe(Check("pods-ready", {"selector": "app=web", "min": 2})).ok
    assert cluster.probe(Check("object-exists", {"kind": "Deployment", "name": "web"})).ok
    assert cluster.probe(Check("service-endpoints", {"name": "web", "min": 2})).ok
    serves = cluster.probe(Check("service-serves", {"name": "web", "path": "/", "min": 2}))
    assert serves.ok, serves.message
    curls = [a for a in fake.argvs("docker") if a[2:3] == ["curl"]]
    assert len(curls) == 2 and all(a[-1].endswith(":8080/") for a in curls)
    none = cluster.probe(Check("service-endpoints", {"name": "nope"}))
    assert not none.ok and "does not exist" in none.message
    missing = cluster.probe(Check("object-exists", {"kind": "Deployment", "name": "nope"}))
    assert not missing.ok and "not found" in missing.message


def test_encryption_and_secrets_probe_read_etcd_through_crictl_exec(fake, cluster) -> None:
    inject(cluster, "encryption-off")
    cluster.node("control-plane").exec("kubectl create secret generic s1 --from-literal=a=b")
    result = cluster.probe(Check("secrets-encrypted"))
    assert not result.ok and "/registry/secrets/default/s1" in result.message
    etcdctl = [a for a in fake.argvs("docker") if "etcdctl" in a][-1]
    assert etcdctl[2:4] == ["crictl", "exec"]
    assert "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt" in etcdctl


@pytest.mark.parametrize("scenario_id", ["etcd-manifest-typo", "readiness-wrong-port"])
def test_break_cluster_plays_a_catalog_scenario_on_kind(fake, provider, scenario_id: str
                                                        ) -> None:
    scenario = load_catalog(SCENARIOS).get(scenario_id)
    topo = scenario.topology
    cluster = provider.create("kd-play", control_planes=topo.control_planes,
                              workers=topo.workers)
    break_cluster(cluster, scenario)  # no cluster.sync() on kind
    fake.advance("kd-play", 60)
    assert any(not cluster.probe(c.to_check()).ok for c in scenario.checks)
    for step in scenario.fix_path:
        result = cluster.node(step.node or "control-plane").exec(step.run)
        assert result.exit_code == 0, result.output
    fake.advance("kd-play", 330)
    deadline = time.monotonic() + 60
    while not all(cluster.probe(c.to_check()).ok for c in scenario.checks):
        assert time.monotonic() < deadline
        fake.advance("kd-play", 30)
