"""Stand-in containers for scenario apps on a real cluster.

A scenario's workload declares how its app behaves with the pod-template annotation
`kubedrill.io/behaviour` (app/providers/sim/probing.py: `listen` ports, `warmup_s`, `ok_paths`)
and names an image that does not exist (`ghcr.io/acme/web:1.8.2`): the twin needs no image. On
kind the kubelet would pull it and fail (ErrImagePull), which is not the drill. So before
`kubectl apply`, every container of such a pod template gets a small real program with the
declared behaviour: busybox's `httpd` (https://busybox.net/downloads/BusyBox.html, `httpd -f
-p PORT -h HOME`) on each `listen` port after `warmup_s`, serving `/` and every probe path at
once and each `ok_paths` entry from its time on (404 before: a failed probe, like the twin's
503). Everything else of the manifest (probes, ports, labels, the annotation) is untouched, so
`kubectl describe` shows the scenario's probes and ports. `image` becomes STANDIN_IMAGE; pods
show that image (a known difference from the twin, which shows the scenario's image name).

Containers without the annotation keep their image unless it names a registry that cannot
exist: the twin loads every workload image onto its airgapped nodes as `kind load docker-image`
would (app/providers/sim/images.py), and scenarios invent images of fictional companies
(`registry.acme.internal/shop/catalog`, `ghcr.io/example/checkout`). Hosts under the reserved
names `.internal`, `.example`, `.test`, `.invalid`, `.local`, `.localhost` (RFC 2606, RFC 6761,
ICANN's 2024 `.internal` reservation) and the organisations `example`/`acme` on public
registries get a stand-in that listens on the container's ports and every probe port (the
twin's default `listen`), serving at once. Real images (`nginx:1.27`, `bitnami/kubectl:1.33`)
are left alone and really pulled.

The image is pulled by the nodes from Docker Hub; for offline hosts preload it with
`kind load docker-image busybox:1.36.1 --name <cluster>`.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import yaml

ANNOTATION = "kubedrill.io/behaviour"
STANDIN_IMAGE = "busybox:1.36.1"
TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


RESERVED_TLDS = (".internal", ".example", ".test", ".invalid", ".local", ".localhost")
FICTIONAL_ORGS = {"example", "acme"}


def fictional(image: str) -> bool:
    """An image no registry can serve: a reserved host name or a fictional organisation."""
    parts = image.split("/")
    host = parts[0] if len(parts) > 1 and ("." in parts[0] or ":" in parts[0]) else ""
    if host.split(":")[0].endswith(RESERVED_TLDS):
        return True
    org = parts[1] if host else (parts[0] if len(parts) > 1 else "")
    return org in FICTIONAL_ORGS


def _probe_ports(container: dict[str, Any]) -> list[int]:
    ports = []
    for key in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = container.get(key) or {}
        for kind in ("httpGet", "tcpSocket"):
            port = (probe.get(kind) or {}).get("port")
            if isinstance(port, int):
                ports.append(port)
    return ports


def _seconds(v: Any) -> float:
    if isinstance(v, list) and len(v) == 2:  # a [lo, hi] range: the stand-in takes the middle
        return (float(v[0]) + float(v[1])) / 2
    return float(v or 0)


def _probe_paths(container: dict[str, Any]) -> list[str]:
    paths = []
    for key in ("readinessProbe", "livenessProbe", "startupProbe"):
        get = ((container.get(key) or {}).get("httpGet") or {})
        if isinstance(get.get("path"), str):
            paths.append(get["path"])
    return paths


def script(behaviour: dict[str, Any], container: dict[str, Any]) -> str:
    ports = behaviour.get("listen")
    if not ports:
        ports = [p.get("containerPort") for p in container.get("ports") or []
                 if isinstance(p.get("containerPort"), int)] or [8080]
    ok = {str(k): _seconds(v) for k, v in (behaviour.get("ok_paths") or {}).items()}
    now_paths = sorted({"/", *_probe_paths(container)} - set(ok))
    lines = ["set -e", "mkdir -p /www", f"sleep {_seconds(behaviour.get('warmup_s')):g}"]
    for path in now_paths:
        lines.append(f"f=/www{shlex.quote(_file(path))}; mkdir -p \"$(dirname \"$f\")\"; "
                     "echo ok > \"$f\"")
    for port in ports:
        lines.append(f"httpd -f -p {int(port)} -h /www &")
    waited = _seconds(behaviour.get("warmup_s"))
    for path, at in sorted(ok.items(), key=lambda kv: kv[1]):
        if at > waited:
            lines.append(f"sleep {at - waited:g}")
            waited = at
        lines.append(f"f=/www{shlex.quote(_file(path))}; mkdir -p \"$(dirname \"$f\")\"; "
                     "echo ok > \"$f\"")
    lines.append("wait")
    return "\n".join(lines)


def _file(path: str) -> str:
    clean = "/" + "/".join(p for p in path.split("?")[0].split("/") if p not in ("", ".", ".."))
    return clean.rstrip("/") + "/index.html" if clean == "/" or path.endswith("/") else clean


def _template(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc.get("kind") in TEMPLATE_KINDS:
        return (doc.get("spec") or {}).get("template")
    if doc.get("kind") == "CronJob":
        return (((doc.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get(
            "template")
    if doc.get("kind") == "Pod":
        return doc
    return None


def rewrite(manifest: str) -> str:
    """The manifest with stand-ins for annotated pod templates (unchanged text otherwise)."""
    if ANNOTATION not in manifest and "image:" not in manifest:
        return manifest
    docs = list(yaml.safe_load_all(manifest))
    changed = False
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        tmpl = _template(doc)
        if not tmpl:
            continue
        raw = ((tmpl.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION)
        try:
            declared = json.loads(raw) if raw else None
        except ValueError:
            declared = None
        for c in (tmpl.get("spec") or {}).get("containers") or []:
            behaviour = declared if isinstance(declared, dict) else None
            if behaviour is None and fictional(str(c.get("image", ""))):
                ports = [p.get("containerPort") for p in c.get("ports") or []]
                behaviour = {"listen": sorted({p for p in ports if isinstance(p, int)} |
                                              set(_probe_ports(c)))}
            if behaviour is None:
                continue
            c["image"] = STANDIN_IMAGE
            c["command"] = ["sh", "-c", script(behaviour, c)]
            c.pop("args", None)
            changed = True
    if not changed:
        return manifest
    return yaml.safe_dump_all([d for d in docs if d is not None], sort_keys=False)
