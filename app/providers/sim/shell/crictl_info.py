"""`crictl info [-o json|yaml|go-template] [--template T] [-q]`: containerd 2.1's CRI Status
as crictl v1.33 prints it, consistent with the node's config.toml and CNI config.

Reconstructed from the sources, not copied from a kind node (no complete containerd 2.x
`crictl info` was found; partial real ones, containerd/containerd#12802 (2.2.1) and #12560
(2.x), agree with the keys below):
- cri-tools v1.33.0 `cmd/crictl/info.go` + `util.go` outputStatusData: `status` (protojson,
  defaults emitted), `runtimeHandlers` and `features` (encoding/json of the CRI structs,
  omitempty), then every `info` key: JSON objects decoded, other values with their quotes
  trimmed; all re-marshalled as Go maps (every key sorted) and indented by two spaces.
  `-q` asks without Verbose: no info keys.
- containerd v2.1.1 `internal/cri/server/status.go`: RuntimeReady, NetworkReady (false with
  `NetworkPluginNotReady` / `Network plugin returns error: cni plugin not initialized` until
  a CNI config exists) and ContainerdHasNoDeprecationWarnings (kind's config sets none of the
  deprecated properties); info `config` (the criconfig.Config JSON), `golang`, `cniconfig`
  (go-cni GetConfig: the loopback network, then the first conflist in /etc/cni/net.d),
  `lastCNILoadStatus` and `lastCNILoadStatus.default`.
- The config is containerd's DefaultRuntimeConfig (`internal/cri/config/config_unix.go`)
  with kind's config.toml (version 2, migrated) decoded over it by go-toml v2, which merges
  into existing map entries: `runc` keeps the default runc options and adds SystemdCgroup;
  `test-handler` is new (only SystemdCgroup); ValidateRuntimeConfig sets `sandboxer`
  `podsandbox`. Every runtime handler is runc v2 (runc 1.3: `rro` and idmap mounts), so
  recursive read-only mounts and user namespaces are both supported; `""` is the default.
- `golang` is the Go kind v0.29.0 builds with (its `.go-version`, 1.24.2): reconstructed.
"""

from __future__ import annotations

import json
from typing import Any

from app.providers.sim.shell import goyaml
from app.providers.sim.shell.crictl_more import go_json
from app.providers.sim.shell.gotemplate import TemplateError, render
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import node_of
from app.providers.sim.vfs import VFSError

GOLANG = "go1.24.2"
CONF_DIR = "/etc/cni/net.d"
LOOPBACK_SOURCE = ('{\n"cniVersion": "0.3.1",\n"name": "cni-loopback",\n"plugins": [{\n'
                   '  "type": "loopback"\n}]\n}')
NOT_INITIALIZED = "cni plugin not initialized"
NO_CONFIG = (f"cni config load failed: no network config found in {CONF_DIR}: "
             f"{NOT_INITIALIZED}: failed to load cni config")
RUNC_DEFAULT_OPTIONS = {"BinaryName": "", "CriuImagePath": "", "CriuWorkPath": "", "IoGid": 0,
                        "IoUid": 0, "NoNewKeyring": False, "Root": "", "ShimCgroup": ""}


def _runtime(options: dict[str, Any]) -> dict[str, Any]:
    return {"ContainerAnnotations": None, "PodAnnotations": None,
            "baseRuntimeSpec": "/etc/containerd/cri-base.json", "cgroupWritable": False,
            "cniConfDir": "", "cniMaxConfNum": 0, "io_type": "", "options": options,
            "privileged_without_host_devices": False,
            "privileged_without_host_devices_all_devices_allowed": False, "runtimePath": "",
            "runtimeType": "io.containerd.runc.v2", "sandboxer": "podsandbox",
            "snapshotter": ""}


def config() -> dict[str, Any]:
    return {
        "containerd": {
            "defaultRuntimeName": "runc", "ignoreBlockIONotEnabledErrors": False,
            "ignoreRdtNotEnabledErrors": False,
            "runtimes": {"runc": _runtime({**RUNC_DEFAULT_OPTIONS, "SystemdCgroup": True}),
                         "test-handler": _runtime({"SystemdCgroup": True})},
        },
        "cni": {"binDir": "", "binDirs": ["/opt/cni/bin"], "confDir": CONF_DIR,
                "confTemplate": "", "ipPref": "", "maxConfNum": 1, "setupSerially": False,
                "useInternalLoopback": False},
        "enableSelinux": False, "selinuxCategoryRange": 1024, "maxContainerLogLineSize": 16384,
        "disableApparmor": False, "restrictOOMScoreAdj": False, "disableProcMount": False,
        "unsetSeccompProfile": "", "tolerateMissingHugetlbController": True,
        "disableHugetlbController": True, "device_ownership_from_security_context": False,
        "ignoreImageDefinedVolumes": False, "netnsMountsUnderStateDir": False,
        "enableUnprivilegedPorts": True, "enableUnprivilegedICMP": True, "enableCDI": True,
        "cdiSpecDirs": ["/etc/cdi", "/var/run/cdi"], "drainExecSyncIOTimeout": "0s",
        "ignoreDeprecationWarnings": None,
        "containerdRootDir": "/var/lib/containerd",
        "containerdEndpoint": "/run/containerd/containerd.sock",
        "rootDir": "/var/lib/containerd/io.containerd.grpc.v1.cri",
        "stateDir": "/run/containerd/io.containerd.grpc.v1.cri",
    }


def _net_conf(plugin: dict[str, Any]) -> dict[str, Any]:
    """libcni types.NetConf as go-cni keeps it (cni v1.3.0): omitempty strings and
    capabilities, the ipam struct always."""
    out: dict[str, Any] = {"ipam": {k: v for k, v in {"type": (plugin.get("ipam") or {}).get(
        "type", "")}.items() if v}}
    for key in ("cniVersion", "name", "type"):
        if plugin.get(key):
            out[key] = plugin[key]
    if plugin.get("capabilities"):
        out["capabilities"] = plugin["capabilities"]
    return out


def _loopback() -> dict[str, Any]:
    return {"Config": {"CNIVersion": "0.3.1", "Name": "cni-loopback", "Plugins": [
        {"Network": {"ipam": {}, "type": "loopback"}, "Source": '{"type":"loopback"}'}],
        "Source": LOOPBACK_SOURCE}, "IFName": "lo"}


def _first_conflist(node: Any) -> tuple[str, dict[str, Any]] | None:  # noqa: ANN401 - SimNode
    """The first file by name in /etc/cni/net.d that parses as a CNI config list (libcni
    ConfFiles with max_conf_num 1)."""
    vfs = node.vfs
    try:
        names = sorted(vfs.listdir(CONF_DIR))
    except VFSError:
        return None
    for name in names:
        if not name.endswith((".conf", ".conflist", ".json")):
            continue
        try:
            raw = vfs.read_text(f"{CONF_DIR}/{name}")
            doc = json.loads(raw)
        except (VFSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("plugins"), list) and doc.get("name"):
            return raw, doc
    return None


def status_doc(node: Any, verbose: bool) -> dict[str, Any]:  # noqa: ANN401 - SimNode
    found = _first_conflist(node)
    network: dict[str, Any] = {"type": "NetworkReady", "status": True, "reason": "",
                               "message": ""}
    if found is None:
        network.update(status=False, reason="NetworkPluginNotReady",
                       message=f"Network plugin returns error: {NOT_INITIALIZED}")
    handler_features = {"recursive_read_only_mounts": True, "user_namespaces": True}
    doc: dict[str, Any] = {
        "status": {"conditions": [
            {"type": "RuntimeReady", "status": True, "reason": "", "message": ""}, network,
            {"type": "ContainerdHasNoDeprecationWarnings", "status": True, "reason": "",
             "message": ""}]},
        "runtimeHandlers": [{"features": handler_features}] + [
            {"name": n, "features": handler_features} for n in ("runc", "test-handler")],
        "features": {"supplemental_groups_policy": True},
    }
    if not verbose:
        return doc
    networks = [_loopback()]
    if found is not None:
        raw, conf = found
        networks.append({"Config": {
            "CNIVersion": conf.get("cniVersion", ""), "Name": conf["name"],
            "Plugins": [{"Network": _net_conf(p), "Source": go_json(p)}
                        for p in conf["plugins"] if isinstance(p, dict)],
            "Source": raw}, "IFName": "eth0"})
    load = "OK" if found is not None else NO_CONFIG
    doc.update({
        "cniconfig": {"PluginDirs": ["/opt/cni/bin"], "PluginConfDir": CONF_DIR,
                      "PluginMaxConfNum": 1, "Prefix": "eth", "Networks": networks},
        "config": config(), "golang": GOLANG, "lastCNILoadStatus": load,
        "lastCNILoadStatus.default": load,
    })
    return doc


def info(inv: Invocation, flags: dict[str, str], rest: list[str]) -> Output:
    if rest:
        return Output(stdout="NAME:\n   crictl info - Display information of the container "
                             "runtime\n\nUSAGE:\n   crictl info [command options]\n")
    fmt = flags.get("o") or flags.get("output") or "json"
    doc = status_doc(node_of(inv), verbose=not ("q" in flags or "quiet" in flags))
    if fmt == "json":
        return Output(stdout=go_json(doc, indent=2) + "\n")
    if fmt == "yaml":
        return Output(stdout=goyaml.dump(json.loads(go_json(doc))) + "\n")
    if fmt == "go-template":
        try:
            return Output(stdout=render(flags.get("template", ""), json.loads(go_json(doc)),
                                        "tmplExecuteRawJSON") + "\n")
        except TemplateError as err:
            return Output(stderr=f"FATA[0000] getting status of runtime: execute template: "
                                 f"{err}\n", exit_code=1)
    return Output(stderr=f'FATA[0000] getting status of runtime: unsupported format: "{fmt}"\n',
                  exit_code=1)
