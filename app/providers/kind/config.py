"""The kind `Cluster` config (apiVersion kind.x-k8s.io/v1alpha4) for a scenario's topology.

Sources (kind v0.29.0):
- Node image: the release notes of v0.29.0 ("The default node image is now
  kindest/node:v1.33.1@sha256:0500722...b3d34f"; also `pkg/apis/config/defaults/image.go`).
  kind's release notes ask for the @sha256 digest to get an image built for that release.
- `networking.apiServerPort`: "Defaults to a random port on the host"
  (`pkg/apis/config/v1alpha4/types.go`); kind picks a free port with
  `common.PortOrGetFreePort` when it is 0 (`pkg/cluster/internal/providers/docker/provision.go`),
  and with several control planes only the external load balancer publishes it. So we leave
  it at 0: every cluster gets its own free port on 127.0.0.1 and several clusters never clash
  (a fixed 6443 would fail the second `kind create`).
- `apiServerAddress` 127.0.0.1, `podSubnet` 10.244.0.0/16 and `serviceSubnet` 10.96.0.0/16 are
  kind's defaults (`pkg/apis/config/v1alpha4/default.go`); written out so the twin and the
  cluster agree even if a later kind changes them.
- Names: `^[a-z0-9.-]+$` (`pkg/internal/apis/config/validate.go`); ours start with `kd-`.
"""

from __future__ import annotations

import yaml

from app.providers.base import ProviderError
from app.providers.kind.tools import check_name

NODE_IMAGE = ("kindest/node:v1.33.1@sha256:"
              "050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f")
PREFIX = "kd-"
API_SERVER_ADDRESS = "127.0.0.1"
POD_SUBNET = "10.244.0.0/16"
SERVICE_SUBNET = "10.96.0.0/16"
MAX_NODES = 9


def check_cluster_name(name: str, prefix: str = PREFIX) -> str:
    check_name(name, "cluster name")
    if not name.startswith(prefix):
        raise ProviderError(f"cluster name {name!r} must start with {prefix!r}")
    # kind names its nodes `<name>-control-plane`, `<name>-worker2`...; docker container
    # names and the nodes' hostnames must stay short.
    if len(name) > 40:
        raise ProviderError(f"cluster name {name!r} is longer than 40 characters")
    return name


def cluster_config(control_planes: int, workers: int, *, node_image: str = NODE_IMAGE,
                   api_server_port: int = 0) -> str:
    if not 1 <= control_planes <= 5 or workers < 0 or control_planes + workers > MAX_NODES:
        raise ProviderError(f"unsupported topology: {control_planes} control plane(s), "
                            f"{workers} worker(s) (1-5 control planes, at most {MAX_NODES} nodes)")
    nodes = ([{"role": "control-plane", "image": node_image}] * control_planes +
             [{"role": "worker", "image": node_image}] * workers)
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "networking": {
            "apiServerAddress": API_SERVER_ADDRESS,
            "apiServerPort": api_server_port,
            "podSubnet": POD_SUBNET,
            "serviceSubnet": SERVICE_SUBNET,
        },
        "nodes": [dict(n) for n in nodes],
    }
    return yaml.safe_dump(config, sort_keys=False)
