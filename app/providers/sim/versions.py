"""What kind v0.29.0 with kindest/node:v1.33.1 ships (shared/reference/kind-node-files.md §0)."""

KIND = "v0.29.0"
KUBERNETES = "v1.33.1"
ETCD = "3.5.21"
ETCD_IMAGE_TAG = "3.5.21-0"
CONTAINERD = "2.1.1"
CRICTL = "v1.33.0"
PAUSE = "3.10"
COREDNS = "v1.12.0"
KINDNETD = "v20250512-df8de77b"
LOCAL_PATH = "v20250214-acbabc1a"
KERNEL = "6.8.0-63-generic"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
GO = "go1.24.2"
# When the node image was built: the mtime of files that come with the image.
IMAGE_BUILT = 1747872000.0  # 2025-05-22
