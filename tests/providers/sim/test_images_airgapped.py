"""Airgapped nodes: nothing can be pulled, a scenario's workload images are loaded onto every
node first (kind load docker-image), and pods otherwise fail as containerd 2.1 and the kubelet
really fail without network."""

from __future__ import annotations

from pathlib import Path

from app.providers.sim import images
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"
POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: kind-worker
  containers:
  - name: app
    image: {image}
{extra}"""


def twin() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str) -> str:
    return SimTerminal(cluster, "kind-control-plane").run(line).output


def trainee_apply(c: SimCluster, name: str, image: str, extra: str = "") -> None:
    c.node("control-plane").write_file(f"/root/{name}.yaml", POD.format(
        name=name, image=image, extra=extra).encode())
    assert "created" in sh(c, f"kubectl apply -f /root/{name}.yaml")


def test_crictl_pull_fails_at_the_registry_lookup_even_for_a_preloaded_image() -> None:
    c = twin()
    for image, host, url in (
            ("nginx:1.28", "registry-1.docker.io", "/v2/library/nginx/manifests/1.28"),
            ("registry.k8s.io/pause:3.10", "registry.k8s.io", "/v2/pause/manifests/3.10")):
        out = SimTerminal(c, "kind-worker").run(f"crictl pull {image}")
        assert out.exit_code == 1
        assert out.output.startswith("FATA[0000] pulling image: rpc error: code = Unknown desc = "
                                     "failed to pull and unpack image ")
        assert out.output.endswith(f'failed to resolve image: failed to do request: Head "https://'
                                   f'{host}{url}": dial tcp: lookup {host} on 127.0.0.11:53: '
                                   "server misbehaving\n")
    assert sh(c, "crictl pull") == "FATA[0000] image name cannot be empty\n"


def test_the_error_chain_is_a_real_containerd_2_one() -> None:
    real = (SAMPLES / "containerd2-pull-unreachable.txt").read_text()
    ours = images.pull_error("redis:alpine").split(" desc = ", 1)[1]
    shared = ('failed to pull and unpack image "docker.io/library/redis:alpine": failed to resolve '
              'image: failed to do request: Head "https://registry-1.docker.io/v2/library/redis/'
              'manifests/alpine": dial tcp')
    assert ours.startswith(shared)
    assert shared.replace('"', '\\\\\\"') in real


def test_a_pod_with_an_image_nobody_loaded_goes_errimagepull_then_backoff() -> None:
    c = twin()
    trainee_apply(c, "web", "nginx:1.28")
    c.clock.advance(20)
    assert sh(c, "kubectl get pod web").split()[7] == "ImagePullBackOff"
    events = sh(c, "kubectl get events --field-selector involvedObject.name=web")
    for text in ('Pulling image "nginx:1.28"', "Error: ErrImagePull", "Error: ImagePullBackOff",
                 'Back-off pulling image "nginx:1.28"', "lookup registry-1.docker.io on "
                 "127.0.0.11:53: server misbehaving"):
        assert text in events, text
    journal = SimTerminal(c, "kind-worker").run("journalctl -u kubelet").output
    assert '"PullImage from image service failed"' in journal
    runtime_log = SimTerminal(c, "kind-worker").run("journalctl -u containerd").output
    assert 'level=info msg="PullImage \\"nginx:1.28\\""' in runtime_log
    assert ('level=error msg="PullImage \\"nginx:1.28\\" failed" error="failed to pull and '
            'unpack image \\"docker.io/library/nginx:1.28\\": failed to resolve image: '
            'failed to do request: Head ') in runtime_log


def test_a_provider_applied_workload_has_its_image_on_every_node_and_runs() -> None:
    c = twin()
    c.apply(POD.format(name="shop", image="ghcr.io/acme/shop:2.0.1", extra=""))
    for node in ("kind-control-plane", "kind-worker"):
        listing = SimTerminal(c, node).run("crictl images").output
        assert "ghcr.io/acme/shop" in listing and "2.0.1" in listing
    c.clock.advance(10)
    assert sh(c, "kubectl get pod shop").split()[7] == "Running"


def test_pull_policies_always_and_never() -> None:
    c = twin()
    trainee_apply(c, "always", "registry.k8s.io/pause:3.10", "    imagePullPolicy: Always\n")
    trainee_apply(c, "never", "busybox:1.36.1", "    imagePullPolicy: Never\n")
    c.clock.advance(5)
    assert sh(c, "kubectl get pod always").split()[7] in ("ErrImagePull", "ImagePullBackOff")
    assert sh(c, "kubectl get pod never").split()[7] == "ErrImageNeverPull"
    msg = sh(c, "kubectl get pod never -o jsonpath='{.status.containerStatuses[0].state}'")
    assert 'Container image \\"busybox:1.36.1\\" is not present with pull policy of Never' in msg
