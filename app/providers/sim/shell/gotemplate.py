"""A small subset of Go's text/template, for crictl's `-o go-template --template`.

Supported: literal text, `{{.a.b}}` field paths on decoded JSON, `{{.}}`, and crictl's builtin
functions `json`, `upper`, `lower`, `title` applied to one path (`{{json .status}}`), with
`missingkey=error` as crictl sets it. Anything else is a parse error worded as Go's.
"""

from __future__ import annotations

import json
import re
from typing import Any

ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
FUNCS = ("json", "upper", "lower", "title")


class TemplateError(Exception):
    pass


def go_print(value: Any) -> str:
    """fmt.Print of a value decoded by encoding/json (UseNumber): maps as map[k:v] sorted."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_print(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_print(v) for v in value) + "]"
    return str(value)


def _lookup(path: str, data: Any, name: str, col: int) -> Any:
    value = data
    if path == ".":
        return value
    for key in path.lstrip(".").split("."):
        if not isinstance(value, dict):
            raise TemplateError(f'failed to template data: template: {name}:1:{col}: executing '
                                f'"{name}" at <{path}>: can\'t evaluate field {key} in type '
                                f"{_go_type(value)}")
        if key not in value:
            raise TemplateError(f'failed to template data: template: {name}:1:{col}: executing '
                                f'"{name}" at <{path}>: map has no entry for key "{key}"')
        value = value[key]
    return value


def _go_type(value: Any) -> str:
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "interface {}"


def render(template: str, data: Any, name: str) -> str:
    out, pos = [], 0
    for m in ACTION.finditer(template):
        out.append(template[pos:m.start()])
        pos = m.end()
        expr = m.group(1)
        words = expr.split()
        # Go reports the byte offset of the field node in its line.
        col = m.start(1) + (expr.index(words[-1]) if words else 0)
        if len(words) == 1 and words[0].startswith("."):
            out.append(go_print(_lookup(words[0], data, name, col)))
        elif len(words) == 2 and words[0] in FUNCS and words[1].startswith("."):
            value = _lookup(words[1], data, name, col)
            if words[0] == "json":
                out.append(json.dumps(value, separators=(",", ":")) + "\n")
            elif words[0] == "upper":
                out.append(go_print(value).upper())
            elif words[0] == "lower":
                out.append(go_print(value).lower())
            else:
                out.append(go_print(value).title())
        else:
            head = words[0] if words else ""
            raise TemplateError(f"failed to generate go-template: template: {name}:1: "
                                f'function "{head}" not defined' if head and head[0].isalpha()
                                else f"failed to generate go-template: template: {name}:1: "
                                     f"unexpected {expr!r} in command")
    out.append(template[pos:])
    return "".join(out)
