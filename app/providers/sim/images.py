"""Images on a node: what containerd has, and why no pull can fetch more.

The node starts with what the kind node image pre-loads (kind-node-files.md §6.4: both
`registry.k8s.io/<component>` and `<component>-amd64` tags, same image ID). The nodes are
airgapped, like the workshop's kind set-up: a scenario's workload images arrive the way an
instructor brings them, `kind load docker-image` onto every node before the drill
(`load`, called for every manifest the provider applies), and nothing else can be pulled.

A pull fails where containerd 2.1 fails without network: the transfer service resolves the
reference with a HEAD to the registry (`core/transfer/local/pull.go` "failed to resolve image:
%w", `core/remotes/docker/resolver.go` "failed to do request: %w"), Go's resolver asks the
node's nameserver (Docker's embedded DNS, 127.0.0.11, which answers SERVFAIL for outside names:
app/providers/sim/shell/dns.py; Go words that "server misbehaving"), and the CRI wraps it as
`failed to pull and unpack image %q` (internal/cri/server/images/image_pull.go) with gRPC code
Unknown. OBS, containerd 2.x: `failed to pull and unpack image "docker.io/library/redis:alpine":
failed to resolve image: failed to do request: Head "https://registry-1.docker.io/v2/library/
redis/manifests/alpine": dial tcp ...` (tests/fidelity/samples/SOURCES.md).

Kubelet image pulls follow `pkg/kubelet/images/image_manager.go`: IfNotPresent (the default
for a tagged image) uses what the node has; Always pulls every time (and so fails here);
Never gives ErrImageNeverPull. A failed pull is ErrImagePull, later syncs during the back-off
report ImagePullBackOff (10 s doubling to 5 min), with the CRI client's `"PullImage from image
service failed"` line (OBS, kubelet 1.31+: `log.go:32`) and the pod's events `Pulling image`,
`Failed to pull image`, `Error: ErrImagePull`, `Back-off pulling image`, `Error:
ImagePullBackOff` (real-output.md §2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim import versions
from app.providers.sim.runtime import image_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.kubelet import Kubelet, PodState
    from app.providers.sim.vfs import VFS

PULL_BACKOFF_INITIAL = 10.0
PULL_BACKOFF_MAX = 300.0
REPORT_EVERY = 12.0  # pod worker re-syncs while the pull backs off

_K8S = ["kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler"]
PRELOADED: list[tuple[str, str, str]] = [
    ("docker.io/kindest/kindnetd", versions.KINDNETD, "44.4MB"),
    ("docker.io/kindest/local-path-helper", "v20241212-8ac705d0", "3.08MB"),
    ("docker.io/kindest/local-path-provisioner", versions.LOCAL_PATH, "22.5MB"),
    ("registry.k8s.io/coredns/coredns", versions.COREDNS, "20.9MB"),
    ("registry.k8s.io/etcd", versions.ETCD_IMAGE_TAG, "58.9MB"),
] + [(f"registry.k8s.io/{c}{arch}", versions.KUBERNETES, size)
     for c, size in zip(_K8S, ["102MB", "95.7MB", "99.8MB", "74.5MB"], strict=True)
     for arch in ("-amd64", "")] + [
    ("registry.k8s.io/pause", versions.PAUSE, "320kB"),
]

def normalize(image: str) -> str:
    """containerd's full reference: `nginx:1.27` is `docker.io/library/nginx:1.27`."""
    name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "",
                                                                                   "latest")
    first = name.split("/", 1)[0]
    if "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}" if "/" in name else f"docker.io/library/{name}"
    return f"{name}:{tag}"


def node_images(node: SimNode) -> dict[str, str]:
    """Image reference -> size, as containerd on the node has them."""
    imgs = getattr(node, "images", None)
    if imgs is None:
        imgs = {f"{r}:{t}": s for r, t, s in PRELOADED}
        node.images = imgs  # type: ignore[attr-defined]
    return imgs


def listed_id(ref: str) -> str:
    """The IMAGE ID crictl shows: an `-amd64` alias shares its image's ID."""
    repo, _, tag = ref.rpartition(":")
    return image_id(f"{repo.removesuffix('-amd64')}:{tag}")


def manifest_url(ref: str) -> tuple[str, str]:
    """(registry host, manifest URL) containerd's resolver asks for a full reference: Docker
    Hub's API host is registry-1.docker.io (core/remotes/docker/config hosts defaults)."""
    name, at, digest = ref.partition("@")
    repo, _, tag = name.rpartition(":") if not at else (name, "", "")
    host, _, path = repo.partition("/")
    api = "registry-1.docker.io" if host == "docker.io" else host
    return api, f"https://{api}/v2/{path}/manifests/{digest or tag}"


def pull_error(image: str, nameserver: str = "127.0.0.11") -> str:
    """Why containerd cannot pull `image` on an airgapped node: its registry's name does not
    resolve (Go: "server misbehaving" for SERVFAIL, "no such host" for NXDOMAIN: the
    special-use `.local` names Docker's DNS does not forward)."""
    ref = normalize(image)
    host, url = manifest_url(ref)
    why = "no such host" if host.split(":")[0].endswith(".local") else "server misbehaving"
    return (f'rpc error: code = Unknown desc = failed to pull and unpack image "{ref}": '
            f'failed to resolve image: failed to do request: Head "{url}": dial tcp: lookup '
            f'{host.split(":")[0]} on {nameserver}:53: {why}')


def nameserver(node: SimNode) -> str:
    """The first nameserver of the node's /etc/resolv.conf, as Go's resolver reads it."""
    return resolv_nameserver(node.vfs)


def resolv_nameserver(vfs: VFS) -> str:
    """The first nameserver of /etc/resolv.conf in `vfs` (Go's resolver and glibc's both
    take the first, and fall back to the loopback without one)."""
    try:
        text = vfs.read("/etc/resolv.conf").decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - no resolv.conf: the loopback
        return "127.0.0.1"
    for line in text.splitlines():
        parts = line.split()
        if len(parts) > 1 and parts[0] == "nameserver":
            return parts[1]
    return "127.0.0.1"


def manifest_images(manifest: str) -> list[str]:
    """Every container image a manifest names (pods and pod templates, any kind)."""
    import yaml

    found: list[str] = []

    def walk(node: Any) -> None:  # noqa: ANN401 - parsed YAML
        if isinstance(node, dict):
            for key in ("containers", "initContainers", "ephemeralContainers"):
                for c in node.get(key) or []:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        found.append(c["image"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    try:
        for doc in yaml.safe_load_all(manifest):
            walk(doc)
    except yaml.YAMLError:
        return []
    return found


def load(cluster: Any, refs: list[str]) -> None:  # noqa: ANN401 - SimCluster
    """`kind load docker-image`: the images onto every node, with a size of their own."""
    import hashlib

    for ref in {normalize(r) for r in refs}:
        mb = 20 + int(hashlib.sha1(ref.encode()).hexdigest()[:4], 16) % 180
        for node in cluster.nodes:
            node_images(node).setdefault(ref, f"{mb}.{mb % 10}MB")


def _state(kubelet: Kubelet) -> dict[str, dict[str, Any]]:
    st = getattr(kubelet, "pulls", None)
    if st is None:
        st = {}
        kubelet.pulls = st  # type: ignore[attr-defined]
    return st


def ensure(kubelet: Kubelet, pod: PodState, spec: dict[str, Any], t: float) -> bool:
    """True when the container's image is on the node (pulling it if it can); else log the
    failure or the back-off as the kubelet does and return False."""
    image = str(spec.get("image", ""))
    name = spec.get("name", "")
    ref = normalize(image)
    imgs = node_images(kubelet.node)
    policy = spec.get("imagePullPolicy") or ("Always" if ref.endswith(":latest") else
                                             "IfNotPresent")
    key = f"{pod.uid}/{name}"
    if ref in imgs and policy != "Always":
        if getattr(kubelet, "pulls", None):
            kubelet.pulls.pop(key, None)  # type: ignore[attr-defined]
        return True
    pulls = _state(kubelet)
    entry = pulls.get(key)
    where = f'pod="{pod.namespace}/{pod.name}" podUID="{pod.uid}"'
    if policy == "Never":
        msg = f'Container image "{image}" is not present with pull policy of Never'
        if entry is None or entry["image"] != image or t >= entry["report_at"]:
            pulls[key] = {"image": image, "error": msg, "delay": 0.0, "until": t,
                          "report_at": t + REPORT_EVERY, "at": t, "reason": "ErrImageNeverPull"}
            _sync_error(kubelet, t, name, "ErrImageNeverPull", msg, where)
            _event(kubelet, pod, name, t, "Warning", "ErrImageNeverPull", msg)
            _event(kubelet, pod, name, t, "Warning", "Failed", "Error: ErrImageNeverPull")
        return False
    if entry is not None and entry["image"] == image and t < entry["until"]:
        if t >= entry["report_at"]:
            entry["report_at"] = t + REPORT_EVERY
            msg = f'Back-off pulling image "{image}": ErrImagePull: {entry["error"]}'
            _sync_error(kubelet, t, name, "ImagePullBackOff", msg, where)
            _event(kubelet, pod, name, t, "Normal", "BackOff", f'Back-off pulling image "{image}"')
            _event(kubelet, pod, name, t, "Warning", "Failed", "Error: ImagePullBackOff")
        return False
    err = pull_error(image, nameserver(kubelet.node))
    _containerd_pull(kubelet.node, t, image, err)
    _event(kubelet, pod, name, t, "Normal", "Pulling", f'Pulling image "{image}"')
    _event(kubelet, pod, name, t, "Warning", "Failed", f'Failed to pull image "{image}": {err}')
    _event(kubelet, pod, name, t, "Warning", "Failed", "Error: ErrImagePull")
    delay = PULL_BACKOFF_INITIAL if entry is None else min(entry["delay"] * 2, PULL_BACKOFF_MAX)
    pulls[key] = {"image": image, "error": err, "delay": delay, "until": t + delay,
                  "report_at": t + 1.0, "at": t}
    kubelet.journal(t, "E", "log.go:32", f'"PullImage from image service failed" '
                                         f'err={_q(err)} image={_q(image)}')
    kubelet.journal(t, "E", "kuberuntime_image.go:42",
                    f'"Failed to pull image" err={_q(err)} image={_q(image)}')
    _sync_error(kubelet, t, name, "ErrImagePull", err, where)
    return False


def next_retry(kubelet: Kubelet, after: float) -> float | None:
    if not getattr(kubelet, "pulls", None):
        return None  # nothing failed to pull: asked at every twin step
    times = [min(e["until"], e["report_at"]) for key, e in _state(kubelet).items()
             if key.split("/", 1)[0] in kubelet.pods]
    times = [x for x in times if x > after] or times
    return min(times) if times else None


def waiting(kubelet: Kubelet, pod: PodState, name: str, t: float) -> dict[str, str] | None:
    """The container's `state.waiting` while its image cannot be had (kuberuntime: the
    reason is the pull error, the message its text; the back-off message once a sync ran
    into the back-off)."""
    entry = _state(kubelet).get(f"{pod.uid}/{name}") if getattr(kubelet, "pulls", None) \
        else None
    if entry is None:
        return None
    if entry.get("reason") == "ErrImageNeverPull":
        return {"reason": "ErrImageNeverPull", "message": entry["error"]}
    if t >= entry.get("at", t) + 1.0 and t < entry["until"]:
        return {"reason": "ImagePullBackOff",
                "message": f'Back-off pulling image "{entry["image"]}": ErrImagePull: '
                           f'{entry["error"]}'}
    return {"reason": "ErrImagePull", "message": entry["error"]}


def _containerd_pull(node: SimNode, t: float, image: str, err: str) -> None:
    """containerd's own lines for the kubelet's PullImage (instrumented_service.go: `PullImage
    %q` at info, `PullImage %q failed` at error with the error before its gRPC wrapping)."""
    from app.providers.sim.journals import _nanos, containerd_pid

    svc = node.services.get("containerd", {})
    pid = containerd_pid(node, max(node.booted, float(svc.get("since", node.booted))))
    plain = err.split(" desc = ", 1)[-1]
    asked = f"PullImage {_q(image)}"
    lines = ((t - 0.004, f"level=info msg={_q(asked)}"),
             (t - 0.001, f"level=error msg={_q(asked + ' failed')} error={_q(plain)}"))
    for n, (at, text) in enumerate(lines):
        node.journal_line(at, "containerd", f'time="{_nanos(at, n)}" {text}', pid=pid)


def _event(kubelet: Kubelet, pod: PodState, name: str, t: float, type_: str, reason: str,
           message: str) -> None:
    from app.providers.sim import events

    node = kubelet.node
    obj = node.cluster.store.find("Pod", pod.name, pod.namespace)
    if obj is None:  # a static pod's events go to its mirror pod, once there is one
        return
    events.record(node.cluster, t, events.involved(obj, f"spec.containers{{{name}}}"), type_,
                  reason, message, "kubelet", node.name)


def forget(kubelet: Kubelet, pod_uid: str) -> None:
    for key in [k for k in _state(kubelet) if k.startswith(pod_uid + "/")]:
        del _state(kubelet)[key]


def _q(text: str) -> str:
    """Go's %q of a plain string, as klog quotes structured values."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sync_error(kubelet: Kubelet, t: float, name: str, reason: str, msg: str,
                where: str) -> None:
    err = f'failed to "StartContainer" for "{name}" with {reason}: {_q(msg)}'
    kubelet.journal(t, "E", "pod_workers.go:1301",
                    f'"Error syncing pod, skipping" err={_q(err)} {where}')
