"""YAML as kubectl prints it: sigs.k8s.io/yaml over go-yaml v2, whose encoder (encode.go
stringv) writes a string with a newline as a literal block (`|`, `|-`), a string that would
read back as another type (a number, a bool, a timestamp, null, "") in double quotes, and
any other string plain, or single-quoted where plain YAML cannot hold it (the emitter's
choice). PyYAML's safe_dump single-quotes all of them, e.g. `resourceVersion: '1174'`
where kubectl prints `resourceVersion: "1174"`."""

from __future__ import annotations

from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"


class _GoDumper(yaml.SafeDumper):
    pass


def _string(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar(_STR, data, style="|")
    if dumper.resolve(yaml.ScalarNode, data, (True, False)) != _STR:
        return dumper.represent_scalar(_STR, data, style='"')
    return dumper.represent_scalar(_STR, data)


_GoDumper.add_representer(str, _string)


def dump(doc: Any) -> str:
    """`kubectl ... -o yaml` of `doc` (keys sorted, as Go marshals maps)."""
    return yaml.dump(doc, Dumper=_GoDumper, default_flow_style=False, sort_keys=True,
                     allow_unicode=True)
