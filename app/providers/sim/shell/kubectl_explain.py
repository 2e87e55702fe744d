"""`kubectl explain RESOURCE[.field.path] [--recursive]` as kubectl 1.33 prints it.

The rendering follows kubectl's `pkg/explain/v2/templates/plaintext.tmpl` step by step (header
GROUP/KIND/VERSION, `FIELD: name <type>`, DESCRIPTION of the field and of its type, wrapped at
76 by go-wordwrap and indented, FIELDS sorted by name with `-required-`, or with --recursive
the whole tree without descriptions, each level two spaces deeper; a `$ref` already on the
path is not expanded again). The schemas are the Kubernetes v1.33 definitions vendored into
app/providers/sim/data/explain-v1.33.json.gz by scripts/vendor_explain_schema.py.
"""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources
from typing import Any

from app.providers.sim.shell.registry import Invocation, Output

DATA = ("data", "explain-v1.33.json.gz")  # package data of app.providers.sim
Schema = dict[str, Any]


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    raw = resources.files("app.providers.sim").joinpath(*DATA).read_bytes()
    return json.loads(gzip.decompress(raw))


def resource_for(word: str) -> dict[str, Any] | None:
    """A resource by plural, singular (lower-case kind), short name or `plural.group`."""
    word = word.lower()
    name, _, group = word.partition(".")
    for res in _data()["resources"]:
        if group and res["group"] != group and not res["group"].startswith(group + "."):
            continue
        if name in (res["resource"], res["kind"].lower(), *res["short"]):
            return res
    return None


# --- the template's helpers ----------------------------------------------------------------

def wordwrap(text: str, limit: int) -> str:
    """mitchellh/go-wordwrap WrapString: break at spaces before a word would pass `limit`;
    newlines stay; a word longer than the limit is not broken."""
    out: list[str] = []
    current = 0
    word: list[str] = []
    space: list[str] = []
    for ch in text:
        if ch == "\n":
            if not word:
                if current + len(space) <= limit:
                    out.extend(space)
            else:
                out.extend(space)
                out.extend(word)
                word = []
            space = []
            out.append(ch)
            current = 0
        elif ch.isspace() and ch != "\u00a0":
            if not space or word:
                current += len(space) + len(word)
                out.extend(space)
                out.extend(word)
                space, word = [], []
            space.append(ch)
        else:
            word.append(ch)
            if current + len(space) + len(word) > limit and len(word) < limit:
                out.append("\n")
                current = 0
                space = []
    if not word:
        if current + len(space) <= limit:
            out.extend(space)
    else:
        out.extend(space)
        out.extend(word)
    return "".join(out)


def indent(amount: int, text: str) -> str:
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


def _resolve(ref: str | None) -> Schema | None:
    return _data()["schemas"].get(ref) if ref else None


def type_guess(schema: Schema) -> str:
    if schema.get("items"):
        return "[]" + type_guess(schema["items"])
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        return "map[string]" + type_guess(extra)
    if schema.get("allOf") and not schema.get("properties") and len(schema["allOf"]) == 1:
        return type_guess(schema["allOf"][0])
    if schema.get("$ref"):
        target = _resolve(schema["$ref"])
        if not target or not target.get("type") or target.get("type") == "object":
            return schema["$ref"].rsplit(".", 1)[-1] or "Object"
        return target["type"]
    kind = schema.get("type")
    return "Object" if kind in ("object", None, "") else str(kind)


def description(schema: Schema) -> str:
    target = _resolve(schema.get("$ref")) or schema
    out = (target["description"] + "\n") if target.get("description") else ""
    for sub in target.get("allOf") or []:
        out += description(sub)
    if target.get("items"):
        out += description(target["items"])
    extra = target.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        out += description(extra)
    return out


def field_list(schema: Schema, level: int, recursive: bool, history: frozenset[str]) -> str:
    ref = schema.get("$ref") or ""
    if ref and ref in history:
        return ""  # a cycle: stop
    history = history | {ref}
    resolved = _resolve(ref) or schema
    out = ""
    props = resolved.get("properties") or {}
    for name in sorted(props):
        out += _field_detail(name, resolved, recursive, level)
        if recursive:
            out += field_list(props[name], level + 1, recursive, history)
    for sub in resolved.get("allOf") or []:
        out += field_list(sub, level, recursive, history)
    if resolved.get("items"):
        out += field_list(resolved["items"], level, recursive, history)
    extra = resolved.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        out += field_list(extra, level, recursive, history)
    return out


def _field_detail(name: str, schema: Schema, short: bool, level: int) -> str:
    amount = level * 2
    field = schema["properties"][name]
    out = indent(amount, name) + f"\t<{type_guess(field)}>"
    if name in (schema.get("required") or []):
        out += " -required-"
    out += "\n"
    if not short:
        text = field.get("description") or "<no description>"
        out += indent(amount + 2, wordwrap(text, 78 - amount)) + "\n\n"
    return out


class FieldMissing(Exception):
    pass


def output(schema: Schema, path: list[str], recursive: bool, history: frozenset[str]) -> str:
    """The template's "output": follow `path`, then DESCRIPTION and FIELDS; "" if not found."""
    ref = schema.get("$ref") or ""
    next_history = history | {ref}
    resolved = _resolve(ref) or schema
    if not path:
        text = description(resolved) or "<empty>"
        out = "DESCRIPTION:\n" + indent(4, wordwrap(text, 76)) + "\n"
        fields = field_list(resolved, 1, recursive, frozenset())
        return out + ("FIELDS:\n" + fields if fields else "")
    if ref and ref in history:
        return ""
    props = resolved.get("properties") or {}
    if path[0] in props:
        sub = props[path[0]]
        head = f"FIELD: {path[0]} <{type_guess(sub)}>\n\n\n" if len(path) == 1 else ""
        return head + output(sub, path[1:], recursive, frozenset())
    if resolved.get("items"):
        return output(resolved["items"], path, recursive, next_history)
    extra = resolved.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        return output(extra, path, recursive, next_history)
    for sub in resolved.get("allOf") or []:
        found = output(sub, path, recursive, next_history)
        if found:
            return found
    return ""


def explain_text(res: dict[str, Any], path: list[str], recursive: bool) -> str:
    head = (f"GROUP:      {res['group']}\n" if res["group"] else "") + \
        f"KIND:       {res['kind']}\nVERSION:    {res['version']}\n\n"
    body = output({"$ref": res["schema"]}, path, recursive, frozenset())
    if not body:
        raise FieldMissing(f'error: field "{path[-1]}" does not exist')
    return head + body + "\n"


# --- the command ---------------------------------------------------------------------------

VALUE_FLAGS = {"api-version", "output", "o", "n", "namespace", "kubeconfig", "context"}


def _parse(args: list[str]) -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1:
            name, eq, value = a.lstrip("-").partition("=")
            if name in VALUE_FLAGS and not eq and i + 1 < len(args):
                value, i = args[i + 1], i + 1
            flags[name] = value if (eq or name in VALUE_FLAGS) else "true"
        else:
            pos.append(a)
        i += 1
    return flags, pos


def explain(inv: Invocation) -> Output:
    """`kubectl explain` (inv.argv is the whole kubectl command line)."""
    from app.providers.sim.shell import kubectl as k

    args = list(inv.args)
    if "explain" in args:
        args.remove("explain")
    flags, pos = _parse(args)
    if not pos:
        return Output(stderr="You must specify the type of resource to explain. Use \"kubectl "
                             "api-resources\" for a complete list of supported resources.\n",
                      exit_code=1)
    if len(pos) > 1:
        return Output(stderr="error: We accept only this format: explain RESOURCE\n",
                      exit_code=1)
    fmt = flags.get("output") or flags.get("o") or "plaintext"
    if fmt not in ("plaintext", "plaintext-openapiv2"):
        return Output(stderr=f"error: unrecognized format: {fmt}\n", exit_code=1)
    words = pos[0].split(".")
    try:
        k._connect(inv)
    except k.KubectlError as err:
        return Output(stderr=str(err) + "\n", exit_code=1)
    res = resource_for(words[0])
    if res is None:
        return Output(stderr=f'error: the server doesn\'t have a resource type "{words[0]}"\n',
                      exit_code=1)
    api = flags.get("api-version")
    if api and api != (f"{res['group']}/{res['version']}" if res["group"] else res["version"]):
        group, _, version = api.rpartition("/")
        return Output(stderr=f'error: couldn\'t find resource for "{group}/{version}, '
                             f'Resource={res["resource"]}"\n', exit_code=1)
    recursive = flags.get("recursive", "false") not in ("false", "False", "0")
    try:
        return Output(stdout=explain_text(res, words[1:], recursive))
    except FieldMissing as err:
        return Output(stderr=f"{err}\n", exit_code=1)
