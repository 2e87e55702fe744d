"""kindnetd's CNI config on every node where it runs: byte for byte what its Go template
renders for the node's pod CIDR, and crictl info's view of it."""

from __future__ import annotations

import json
from pathlib import Path

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.kindnet_cni import conflist, tree
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"


def twin() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-worker") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_the_template_renders_as_go_text_template_does() -> None:
    real = (SAMPLES / "kindnet-conflist-go-rendered.txt").read_text()
    assert conflist(["10.244.1.0/24"], ["0.0.0.0/0"]) == real
    doc = json.loads(real)
    assert doc["plugins"][0]["ipam"]["ranges"] == [[{"subnet": "10.244.1.0/24"}]]


def test_each_node_has_the_conflist_for_its_own_pod_cidr() -> None:
    c = twin()
    for node in ("kind-control-plane", "kind-worker"):
        cidr = sh(c, f"kubectl get node {node} -o jsonpath='{{.spec.podCIDR}}'",
                  "kind-control-plane").strip()
        text = sh(c, "cat /etc/cni/net.d/10-kindnet.conflist", node)
        assert text == conflist([cidr], ["0.0.0.0/0"])
    assert sh(c, "ls -l /etc/cni/net.d").splitlines()[1].startswith("-rw-r--r-- 1 root root 409 ")


def test_no_conflist_before_kindnet_runs_on_the_node() -> None:
    c = twin()
    node = c.node("kind-worker")
    assert set(tree(node)) == {"/etc/cni/net.d/10-kindnet.conflist"}
    for cont in [x for x in node.runtime.containers.values() if x.name == "kindnet-cni"]:
        cont.started = c.t + 60  # as if kindnet had not started yet
    assert tree(node) == {}


def test_crictl_info_has_the_loopback_and_kindnet_networks_and_is_ready() -> None:
    doc = json.loads(sh(twin(), "crictl info"))
    nets = doc["cniconfig"]["Networks"]
    assert [n["Config"]["Name"] for n in nets] == ["cni-loopback", "kindnet"]
    assert [n["IFName"] for n in nets] == ["lo", "eth0"]
    assert nets[1]["Config"]["Source"].startswith("\n{\n\t\"cniVersion\": \"0.3.1\"")
    assert [p["Network"]["type"] for p in nets[1]["Config"]["Plugins"]] == ["ptp", "portmap"]
    conds = {x["type"]: x["status"] for x in doc["status"]["conditions"]}
    assert conds == {"RuntimeReady": True, "NetworkReady": True,
                     "ContainerdHasNoDeprecationWarnings": True}
    assert doc["lastCNILoadStatus"] == doc["lastCNILoadStatus.default"] == "OK"
    runtimes = doc["config"]["containerd"]["runtimes"]
    assert runtimes["runc"]["options"]["SystemdCgroup"] is True  # kind's config.toml
    assert runtimes["runc"]["baseRuntimeSpec"] == "/etc/containerd/cri-base.json"
    assert sorted(h.get("name", "") for h in doc["runtimeHandlers"]) == ["", "runc",
                                                                         "test-handler"]


def test_crictl_info_prints_sorted_keys_indented_by_two() -> None:
    text = sh(twin(), "crictl info")
    top = [ln.split('"')[1] for ln in text.splitlines() if ln.startswith('  "')]
    assert top == ["cniconfig", "config", "features", "golang", "lastCNILoadStatus",
                   "lastCNILoadStatus.default", "runtimeHandlers", "status"]
    assert '  "golang": "go1.24.2",\n' in text


def test_without_a_cni_config_the_network_is_not_ready() -> None:
    c = twin()
    sh(c, "rm /etc/cni/net.d/10-kindnet.conflist")
    doc = json.loads(sh(c, "crictl info"))
    net = next(x for x in doc["status"]["conditions"] if x["type"] == "NetworkReady")
    assert net == {"type": "NetworkReady", "status": False, "reason": "NetworkPluginNotReady",
                   "message": "Network plugin returns error: cni plugin not initialized"}
    assert doc["lastCNILoadStatus"] == ("cni config load failed: no network config found in "
                                        "/etc/cni/net.d: cni plugin not initialized: failed to "
                                        "load cni config")
    assert [n["IFName"] for n in doc["cniconfig"]["Networks"]] == ["lo"]


def test_quiet_leaves_out_the_verbose_info() -> None:
    doc = json.loads(sh(twin(), "crictl info -q"))
    assert sorted(doc) == ["features", "runtimeHandlers", "status"]
