"""`kubectl version -o json|yaml` (kubectl v1.33 pkg/cmd/version/version.go).

The client part is the kubectl binary's version.Info (no emulation fields); the server part is
what the apiserver's /version returns (curl_node.VERSION). JSON is json.MarshalIndent of the
Version struct (clientVersion, kustomizeVersion, serverVersion; Info's field order) plus a
newline; YAML is sigs.k8s.io/yaml's rendering of that JSON: keys sorted, strings that would
read as numbers or timestamps double-quoted. The output comes first, then the error of an
unreachable server, as version.go returns serverErr after printing.
"""

from __future__ import annotations

import json
import re

from app.providers.sim import versions

# kubectl v1.33.1 linux/amd64 (`kubectl version --client -o yaml` of the release binary)
CLIENT = {"major": "1", "minor": "33", "gitVersion": versions.KUBERNETES,
          "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828", "gitTreeState": "clean",
          "buildDate": "2025-05-15T08:27:33Z", "goVersion": versions.GO, "compiler": "gc",
          "platform": "linux/amd64"}
KUSTOMIZE = "v5.6.0"
BAD_OUTPUT = "error: --output must be 'yaml' or 'json'"


def _scalar(value: str) -> str:
    if re.fullmatch(r"[-+]?\d+(\.\d*)?|\d{4}-\d\d-\d\d(T[\d:.]+Z?)?|true|false|null|~|", value):
        return f'"{value}"'
    return value


def _yaml(doc: dict) -> str:
    lines: list[str] = []
    for key in sorted(doc):
        value = doc[key]
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {_scalar(value[k])}" for k in sorted(value)]
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def render(fmt: str, server: dict | None, client_only: bool) -> str:
    doc: dict = {"clientVersion": CLIENT, "kustomizeVersion": KUSTOMIZE}
    if server is not None and not client_only:
        doc["serverVersion"] = server
    if fmt == "json":
        return json.dumps(doc, indent=2) + "\n"
    return _yaml(doc)
