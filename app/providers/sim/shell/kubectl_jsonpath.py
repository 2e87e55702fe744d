"""`kubectl get -o jsonpath=...` and `-o custom-columns=...`, as k8s.io/client-go/util/jsonpath
and kubectl's CustomColumnsPrinter print them.

Semantics followed (client-go jsonpath, kubectl docs "JSONPath Support"): a template is text
with `{...}` actions; `.a.b`, `['a']`, `[0]`, `[-1]`, `[1:3]`, `[*]`, `.*`, `..name` (recursive
descent), filters `[?(@.type=="Ready")]` (==, !=, <, <=, >, >=, or existence), `{range ...}` …
`{end}`, string literals `{"\\n"}`; several results of one action are joined by a space; maps and
lists print as JSON; missing keys print nothing (kubectl's --allow-missing-template-keys
default). Custom columns use the "relaxed" form (`.metadata.name` or `{.metadata.name}`),
print `<none>` for a missing value and join several values with a comma.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.providers.sim.tables import kubectl_table


class JSONPathError(ValueError):
    pass


_MISSING = object()


def render(fmt: str, doc: Any, objs: list[dict], single: bool) -> str:
    """The output of `-o <fmt>` for a jsonpath or custom-columns format."""
    name, _, arg = fmt.partition("=")
    if name in ("jsonpath", "jsonpath-as-json"):
        if not arg:
            raise JSONPathError("error: template format specified but no template given")
        if name == "jsonpath-as-json":
            return json.dumps(_eval_all(arg, doc), indent=4) + "\n"
        return execute(arg, doc)
    if name == "custom-columns":
        return custom_columns(arg, objs)
    raise JSONPathError(f'error: output format "{name}" is not supported here')


# --- templates -------------------------------------------------------------------------


def parse_template(template: str) -> list[tuple[str, str]]:
    """[(kind, text)] with kind text | action; braces inside quoted strings do not count."""
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(template):
        start = template.find("{", i)
        if start < 0:
            parts.append(("text", template[i:]))
            break
        if start > i:
            parts.append(("text", template[i:start]))
        j, quote, depth = start + 1, "", 1
        while j < len(template):
            c = template[j]
            if quote:
                if c == "\\":
                    j += 1
                elif c == quote:
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        else:
            raise JSONPathError(f'error: error parsing jsonpath {template}, unclosed action')
        parts.append(("action", template[start + 1:j].strip()))
        i = j + 1
    return parts


def execute(template: str, root: Any) -> str:
    parts = parse_template(template)
    out: list[str] = []
    _run(parts, 0, len(parts), root, root, out)
    return "".join(out)


def _run(parts: list[tuple[str, str]], start: int, stop: int, root: Any, current: Any,
         out: list[str]) -> None:
    i = start
    while i < stop:
        kind, text = parts[i]
        if kind == "text":
            out.append(text)
        elif text.startswith("range "):
            end = _matching_end(parts, i, stop)
            for item in evaluate(text[6:].strip(), root, current):
                _run(parts, i + 1, end, root, item, out)
            i = end
        elif text == "end":
            raise JSONPathError("error: not in range, nothing to end")
        elif text[:1] in "\"'":
            out.append(_literal(text))
        else:
            out.append(" ".join(_show(v) for v in evaluate(text, root, current)))
        i += 1


def _matching_end(parts: list[tuple[str, str]], at: int, stop: int) -> int:
    depth = 0
    for j in range(at + 1, stop):
        kind, text = parts[j]
        if kind == "action" and text.startswith("range "):
            depth += 1
        elif kind == "action" and text == "end":
            if depth == 0:
                return j
            depth -= 1
    raise JSONPathError("error: unclosed range")


def _literal(text: str) -> str:
    body = text[1:-1] if len(text) >= 2 and text[-1] == text[0] else text[1:]
    return body.encode("latin-1", "backslashreplace").decode("unicode_escape")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)  # Go sorts map keys
    return str(value)


def _eval_all(template: str, root: Any) -> list[Any]:
    values: list[Any] = []
    for kind, text in parse_template(template):
        if kind == "action" and not text.startswith(("range ", "end", '"', "'")):
            values.extend(evaluate(text, root, root))
    return values


# --- paths -----------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    \.\.(?P<deep>(?:[A-Za-z0-9_\-/]|\\\.)+|\*)
  | \.(?P<field>(?:[A-Za-z0-9_\-/]|\\\.)+|\*)
  | \[(?P<bracket>(?:[^\]'"]|'[^']*'|"[^"]*")*)\]
""", re.VERBOSE)


def evaluate(path: str, root: Any, current: Any) -> list[Any]:
    path = path.strip()
    if path.startswith("$"):
        nodes, path = [root], path[1:]
    elif path.startswith("@"):
        nodes, path = [current], path[1:]
    else:
        nodes = [current]
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            raise JSONPathError(f"error: error parsing jsonpath {{{path}}}, unrecognized "
                                f"character in action: {path[pos]!r}")
        pos = m.end()
        if m.group("deep") is not None:
            name = m.group("deep").replace("\\.", ".")  # `kubernetes\.io/hostname`
            nodes = [v for n in nodes for v in _descend(n, name)]
        elif m.group("field") is not None:
            name = m.group("field").replace("\\.", ".")
            nodes = [v for n in nodes for v in _field(n, name)]
        else:
            nodes = [v for n in nodes for v in _bracket(n, m.group("bracket").strip(), root)]
    return nodes


def _field(node: Any, name: str) -> list[Any]:
    if name == "*":
        return list(node.values()) if isinstance(node, dict) else \
            list(node) if isinstance(node, list) else []
    if isinstance(node, dict) and name in node:
        return [node[name]]
    return []


def _descend(node: Any, name: str) -> list[Any]:
    found = _field(node, name)
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) \
        else []
    for child in children:
        found.extend(_descend(child, name))
    return found


def _bracket(node: Any, inner: str, root: Any) -> list[Any]:
    if inner.startswith("?(") and inner.endswith(")"):
        items = node if isinstance(node, list) else list(node.values()) \
            if isinstance(node, dict) else []
        return [item for item in items if _filter(inner[2:-1], root, item)]
    if inner[:1] in "'\"":
        return [v for name in re.findall(r"'([^']*)'|\"([^\"]*)\"", inner)
                for v in _field(node, name[0] or name[1])]
    if inner == "*":
        return _field(node, "*")
    if not isinstance(node, list):
        return []
    if ":" in inner:
        bits = [int(b) if b.strip() else None for b in inner.split(":")[:3]]
        return node[slice(*bits)]
    try:
        index = int(inner)
    except ValueError:
        raise JSONPathError(f"error: invalid array index {inner}") from None
    return [node[index]] if -len(node) <= index < len(node) else []


_COMPARISON = re.compile(r"^(?P<left>@[^=!<>\s]*)\s*(?:(?P<op>==|!=|<=|>=|<|>)\s*"
                         r"(?P<right>.+))?$")


def _filter(expr: str, root: Any, item: Any) -> bool:
    m = _COMPARISON.match(expr.strip())
    if m is None:
        raise JSONPathError(f"error: unrecognized filter {expr}")
    left = evaluate(m.group("left"), root, item)
    if m.group("op") is None:
        return bool(left)
    right_text = m.group("right").strip()
    if right_text[:1] in "'\"":
        right: Any = right_text[1:-1]
    elif right_text.startswith("@") or right_text.startswith("$"):
        got = evaluate(right_text, root, item)
        right = got[0] if got else _MISSING
    else:
        try:
            right = float(right_text)
        except ValueError:
            right = right_text
    if not left or right is _MISSING:
        return False
    value = left[0]
    if isinstance(right, float) and isinstance(value, int | float) \
            and not isinstance(value, bool):
        value = float(value)
    op = m.group("op")
    try:
        return {"==": value == right, "!=": value != right}.get(op) if op in ("==", "!=") \
            else {"<": value < right, "<=": value <= right, ">": value > right,
                  ">=": value >= right}[op]
    except TypeError:
        return False


# --- custom columns --------------------------------------------------------------------


def custom_columns(spec: str, objs: list[dict]) -> str:
    if not spec:
        raise JSONPathError("error: custom-columns format specified but no custom columns "
                            "given")
    headers, paths = [], []
    for column in spec.split(","):
        header, sep, path = column.partition(":")
        if not sep:
            raise JSONPathError('error: unexpected custom-columns spec: '
                                f'{column}, expected <header>:<json-path-expr>')
        headers.append(header)
        paths.append(_relaxed(path))
    rows = []
    for obj in objs:
        row = []
        for path in paths:
            parts = parse_template(path)
            values = [v for kind, text in parts if kind == "action"
                      for v in evaluate(text, obj, obj)]
            row.append(",".join(_show(v) for v in values) if values else "<none>")
        rows.append(row)
    return kubectl_table([headers, *rows])


def _relaxed(path: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b` and `{.a.b}` all mean `{.a.b}`."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        return path
    if not path.startswith("."):
        path = "." + path
    return "{" + path + "}"
