"""`crictl pull IMAGE` on an airgapped kind node (cri-tools v1.33.0 `cmd/crictl/image.go`).

crictl always asks containerd to pull, and containerd always resolves the reference at the
registry first, even for an image the node already has, so on a node without network every
pull fails, preloaded images included: `FATA[0000] pulling image: <the CRI error>`
(app/providers/sim/images.py pull_error). The images the node has keep working for pods with
`imagePullPolicy: IfNotPresent`, which never pull.
"""

from __future__ import annotations

from app.providers.sim.images import nameserver, pull_error
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import node_of


def pull(inv: Invocation, flags: dict[str, str], rest: list[str]) -> Output:
    if not rest:
        return Output(stderr="FATA[0000] image name cannot be empty\n", exit_code=1)
    if len(rest) > 1:
        return Output(stdout="NAME:\n   crictl pull - Pull an image from a registry\n\n"
                             "USAGE:\n   crictl pull [command options] NAME[:TAG|@DIGEST]\n")
    err = pull_error(rest[0], nameserver(node_of(inv)))
    return Output(stderr=f"FATA[0000] pulling image: {err}\n", exit_code=1)
