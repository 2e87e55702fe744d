"""Images on a node and in the registries: what containerd has, what a pull can fetch.

The node starts with what the kind node image pre-loads (kind-node-files.md §6.4: both
`registry.k8s.io/<component>` and `<component>-amd64` tags, same image ID). A pull of a
repository the twin knows (the Kubernetes images) succeeds only for tags that exist; other
repositories are assumed to have the tag asked for.

Kubelet image pulls follow `pkg/kubelet/images/image_manager.go` (IfNotPresent; a failed pull
is ErrImagePull, later syncs during the back-off report ImagePullBackOff, back-off 10 s doubling
to 5 min) with the CRI client's `"PullImage from image service failed"` line (OBS, kubelet
1.31+: `log.go:32`) and containerd's NotFound text for a missing tag (OBS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.sim import versions
from app.providers.sim.runtime import image_id

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimNode
    from app.providers.sim.kubelet import Kubelet, PodState

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

# Tags that exist upstream for the repositories the twin knows.
KNOWN_TAGS: dict[str, set[str]] = {
    "registry.k8s.io/etcd": {f"3.5.{i}-0" for i in range(0, 22)} |
                            {"3.4.13-0", "3.4.3-0", "3.6.0-0", "3.6.1-0"},
    "registry.k8s.io/pause": {"3.6", "3.7", "3.8", "3.9", "3.10"},
    "registry.k8s.io/coredns/coredns": {"v1.10.1", "v1.11.1", "v1.11.3", "v1.12.0"},
} | {f"registry.k8s.io/{c}": {f"v1.{m}.{p}" for m in range(28, 34) for p in range(0, 12)}
     for c in _K8S}


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


def pull_error(image: str) -> str | None:
    ref = normalize(image)
    repo, _, tag = ref.rpartition(":")
    if repo in KNOWN_TAGS and tag not in KNOWN_TAGS[repo]:
        return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
                f'failed to resolve reference "{ref}": {ref}: not found')
    return None


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
    if ref in imgs:
        return True
    key = f"{pod.uid}/{name}"
    pulls = _state(kubelet)
    entry = pulls.get(key)
    where = f'pod="{pod.namespace}/{pod.name}" podUID="{pod.uid}"'
    if entry is not None and entry["image"] == image and t < entry["until"]:
        if t >= entry["report_at"]:
            entry["report_at"] = t + REPORT_EVERY
            msg = f'Back-off pulling image "{image}": ErrImagePull: {entry["error"]}'
            _sync_error(kubelet, t, name, "ImagePullBackOff", msg, where)
        return False
    err = pull_error(image)
    if err is None:
        imgs[ref] = "57.7MB"
        pulls.pop(key, None)
        return True
    delay = PULL_BACKOFF_INITIAL if entry is None else min(entry["delay"] * 2, PULL_BACKOFF_MAX)
    pulls[key] = {"image": image, "error": err, "delay": delay, "until": t + delay,
                  "report_at": t + 1.0}
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
