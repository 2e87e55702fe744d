"""Pieces of the kind provider that need no fake tools: argument checks, the config, io.max
numbers, the metrics quantile and the workload stand-ins."""

from __future__ import annotations

import sys

import pytest
import yaml

from app.providers.base import ProviderError
from app.providers.kind import disk, standin
from app.providers.kind.config import NODE_IMAGE, check_cluster_name, cluster_config
from app.providers.kind.probes import histogram_p99, quantile
from app.providers.kind.tools import Tools, check_command, check_name, check_path, run


def test_run_times_out_with_the_command_in_the_error() -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(5)"]
    with pytest.raises(ProviderError) as e:
        run(argv, timeout=0.3)
    assert "timed out after 0.3s" in str(e.value)
    assert e.value.command == argv


def test_run_reports_exit_code_and_stderr() -> None:
    argv = [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"]
    with pytest.raises(ProviderError) as e:
        run(argv, timeout=10)
    assert e.value.exit_code == 3 and e.value.stderr == "boom\n"
    assert "exit code 3" in str(e.value) and "boom" in str(e.value)


def test_missing_binary_names_the_setting() -> None:
    with pytest.raises(ProviderError, match=r"kind not found on PATH \(set KUBEDRILL_KIND_BIN\)"):
        run(["/nonexistent/bin/kind", "version"], timeout=5)


def test_binaries_come_from_settings() -> None:
    tools = Tools.from_env({"KUBEDRILL_KIND_BIN": "/opt/kind", "KUBEDRILL_KUBECTL_BIN": ""})
    assert (tools.kind, tools.docker, tools.kubectl) == ("/opt/kind", "docker", "kubectl")


@pytest.mark.parametrize("bad", ["-v", "Kd-x", "a b", "x;rm", "", "a" * 64, "kd-\x00"])
def test_names_that_could_inject_options_or_shell_are_refused(bad: str) -> None:
    with pytest.raises(ProviderError):
        check_name(bad)


@pytest.mark.parametrize("bad", ["etc/passwd", "/etc/../root", "/a//b", "/a\x00", "/a\nb", ""])
def test_paths_must_be_absolute_and_normalised(bad: str) -> None:
    with pytest.raises(ProviderError):
        check_path(bad)


def test_command_lines_are_capped_and_nul_free() -> None:
    assert check_command("kubectl get pods") == "kubectl get pods"
    with pytest.raises(ProviderError):
        check_command("x" * 70000)
    with pytest.raises(ProviderError):
        check_command("echo \x00")


def test_run_refuses_nul_in_arguments() -> None:
    with pytest.raises(ProviderError, match="NUL"):
        run(["echo", "a\x00b"], timeout=5)


def test_cluster_names_need_the_prefix() -> None:
    assert check_cluster_name("kd-abc") == "kd-abc"
    for bad in ("kind", "abc", "kd-" + "x" * 40):
        with pytest.raises(ProviderError):
            check_cluster_name(bad)


def test_cluster_config_is_kinds_v1alpha4_with_a_random_api_port() -> None:
    cfg = yaml.safe_load(cluster_config(3, 2))
    assert cfg["apiVersion"] == "kind.x-k8s.io/v1alpha4" and cfg["kind"] == "Cluster"
    assert [n["role"] for n in cfg["nodes"]] == ["control-plane"] * 3 + ["worker"] * 2
    assert {n["image"] for n in cfg["nodes"]} == {NODE_IMAGE}
    assert cfg["networking"] == {"apiServerAddress": "127.0.0.1", "apiServerPort": 0,
                                 "podSubnet": "10.244.0.0/16", "serviceSubnet": "10.96.0.0/16"}
    assert NODE_IMAGE.endswith(
        "@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f")


def test_unsupported_topologies_are_refused() -> None:
    for cps, workers in ((0, 1), (6, 0), (3, 7), (1, -1)):
        with pytest.raises(ProviderError):
            cluster_config(cps, workers)


def test_latency_becomes_an_iops_cap() -> None:
    assert disk.iops_for(50) == 20 and disk.iops_for(2000) == 1 and disk.iops_for(0.5) == 2000
    assert disk.set_property_argv(100) == [
        "systemctl", "set-property", "--runtime", "kubelet-kubepods.slice",
        "IOReadIOPSMax=/var/lib/etcd 10", "IOWriteIOPSMax=/var/lib/etcd 10"]
    assert disk.set_property_argv(0)[-2:] == ["IOReadIOPSMax=", "IOWriteIOPSMax="]
    with pytest.raises(ProviderError):
        disk.iops_for(-1)


def test_io_controller_must_be_delegated() -> None:
    disk.check_controllers("cpuset cpu io memory pids")
    with pytest.raises(ProviderError, match="io cgroup controller is not delegated"):
        disk.check_controllers("cpuset cpu memory pids")
    with pytest.raises(ProviderError, match="cgroup v2"):
        disk.check_controllers("")


def test_fsync_p99_interpolates_like_histogram_quantile() -> None:
    metrics = "\n".join([
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 0',
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 50',
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 100',
        'etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 100',
        'etcd_disk_wal_fsync_duration_seconds_sum 0.2',
    ])
    p99, buckets = histogram_p99(metrics)
    assert buckets[0.004] == 100
    assert p99 == pytest.approx(0.002 + 0.002 * 49 / 50)
    assert quantile({}, 0.99) is None


def test_stand_in_serves_what_the_behaviour_declares() -> None:
    manifest = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      annotations:
        kubedrill.io/behaviour: '{"listen": [8080], "warmup_s": 3, "ok_paths": {"/ready": 4}}'
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.8.2
        readinessProbe: {httpGet: {path: /ready, port: 8081}}
"""
    doc = yaml.safe_load(standin.rewrite(manifest))
    c = doc["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == standin.STANDIN_IMAGE
    script = c["command"][2]
    assert "httpd -f -p 8080 -h /www &" in script and "8081" not in script
    assert script.index("sleep 3") < script.index("httpd") < script.index("sleep 1")
    assert "/www/ready" in script
    assert c["readinessProbe"] == {"httpGet": {"path": "/ready", "port": 8081}}
    plain = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    assert standin.rewrite(plain) == plain


def test_only_fictional_images_get_a_stand_in() -> None:
    assert standin.fictional("registry.acme.internal/shop/catalog:3.7.0")
    assert standin.fictional("ghcr.io/example/checkout:2.4.1")
    assert standin.fictional("acme/web:1")
    assert not standin.fictional("nginx:1.27")
    assert not standin.fictional("bitnami/kubectl:1.33")
    assert not standin.fictional("registry.k8s.io/etcd:3.5.21-0")
    manifest = """apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
      - {name: web, image: "nginx:1.27"}
      - name: checkout
        image: ghcr.io/example/checkout:2.4.1
        ports: [{containerPort: 8080}]
        livenessProbe: {tcpSocket: {port: 9090}}
"""
    web, checkout = yaml.safe_load(standin.rewrite(manifest))["spec"]["template"]["spec"][
        "containers"]
    assert web == {"name": "web", "image": "nginx:1.27"}
    assert checkout["image"] == standin.STANDIN_IMAGE
    script = checkout["command"][2]
    assert "httpd -f -p 8080 -h /www &" in script and "httpd -f -p 9090 -h /www &" in script
