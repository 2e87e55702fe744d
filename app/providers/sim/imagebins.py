"""Binaries of the kind node image that the twin lists but does not keep: the CNI plugins.

kind v0.29.0 `images/base/Dockerfile` (stage `build-cni`, base image
`kindest/base:v20250521-31a79fd4`, kind's `pkg/build/nodeimage/defaults.go`) clones
containernetworking/plugins at `CNI_PLUGINS_VERSION="v1.7.1"` and builds exactly four plugins
with `CGO_ENABLED=0 go build -o ./bin/<name> -mod=vendor`: `host-local`
(plugins/ipam/host-local), `loopback` (plugins/main/loopback), `ptp` (plugins/main/ptp) and
`portmap` (plugins/meta/portmap); the final stage `mkdir -p /opt/cni/bin` and COPYs them there
(root:root; `go build` writes 0755 under the default umask and COPY keeps mode and mtime;
kindnetd's conflist uses ptp, host-local and portmap, containerd's loopback). No LICENSE or
README lands in /opt/cni/bin (go-licenses saves to /LICENSES).

**Reconstructed**: the sizes. No real `ls -l /opt/cni/bin` of a v0.29.0 node was found; these
are unstripped static Go 1.24 builds of v1.7.1 sized like the upstream release's binaries of
the same plugins (about 4 to 4.7 MB, ptp the largest), and the time of day of the base image's
build (its tag gives the day).

The template keeps a 64-byte ELF stub per binary and its size as `Inode.apparent`, shared by
every node of every twin; nothing is stored per twin.
"""

from __future__ import annotations

from app.providers.sim.vfs import FILE, Inode

CNI_BIN = "/opt/cni/bin"
CNI_PLUGINS_VERSION = "v1.7.1"
BASE_BUILT = 1747793100.0  # 2025-05-21 02:05 UTC: kindest/base:v20250521-31a79fd4 (time made up)
# name -> st_size (reconstructed, see above)
CNI_PLUGINS = {"host-local": 4_141_560, "loopback": 4_158_544, "portmap": 4_587_184,
               "ptp": 4_715_688}


def elf_stub(name: str) -> bytes:
    """What `cat`/`head -c` of the binary starts with: an x86-64 ELF header, then the Go
    build id note that file(1) shows (its value made up from the name)."""
    import base64
    import hashlib

    digest = base64.urlsafe_b64encode(hashlib.sha512(name.encode()).digest()).decode()
    build_id = "/".join(digest[i:i + 20] for i in range(0, 80, 20))
    return (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00"
            + b'\x04\x00\x00\x00Go\x00\x00Go BuildID="' + build_id.encode() + b'"\x00')


def template_entries() -> dict[str, Inode]:
    """The image's binaries, for nodefiles.base_template (built once per process)."""
    return {f"{CNI_BIN}/{name}": Inode(FILE, data=elf_stub(name), mode=0o755,
                                       mtime=BASE_BUILT, apparent=size)
            for name, size in CNI_PLUGINS.items()}
