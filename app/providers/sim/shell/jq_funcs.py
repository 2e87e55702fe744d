"""jq 1.6's value semantics and builtins over decoded JSON: type order, `tojson` dumping,
paths, arithmetic, string functions, `@base64`/`@csv` formats. Split out of jq.py."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from typing import Any

from app.providers.sim.shell.builtins import decode, encode
from app.providers.sim.shell.jq_parse import CompileError, JqError

# --- evaluation ------------------------------------------------------------------------------

def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _order(v: Any) -> tuple[Any, ...]:
    """jq's total order: null < false < true < numbers < strings < arrays < objects."""
    if v is None:
        return (0,)
    if isinstance(v, bool):
        return (1, v)
    if isinstance(v, int | float):
        return (2, v)
    if isinstance(v, str):
        return (3, v)
    if isinstance(v, list):
        return (4, [_order(x) for x in v])
    return (5, sorted(v), [_order(v[k]) for k in sorted(v)])


def dump(v: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    def norm(x: Any) -> Any:
        if isinstance(x, float):
            if x != x:
                return None
            if x.is_integer() and abs(x) < 1e17:
                return int(x)
            if math.isinf(x):
                return 1.7976931348623157e308 if x > 0 else -1.7976931348623157e308
        if isinstance(x, list):
            return [norm(i) for i in x]
        if isinstance(x, dict):
            return {k: norm(i) for k, i in x.items()}
        return x
    if indent is None:
        return json.dumps(norm(v), ensure_ascii=False, separators=(",", ":"),
                          sort_keys=sort_keys)
    return json.dumps(norm(v), ensure_ascii=False, indent=indent, sort_keys=sort_keys)


def truthy(v: Any) -> bool:
    return v is not None and v is not False


def index(target: Any, key: Any) -> Any:
    if target is None:
        return None
    if isinstance(target, dict) and isinstance(key, str):
        return target.get(key)
    if isinstance(target, list) and isinstance(key, int | float) and not isinstance(key, bool):
        k = int(key)
        return target[k] if -len(target) <= k < len(target) else None
    if isinstance(key, str):
        raise JqError(f"Cannot index {type_name(target)} with string \"{key}\"")
    raise JqError(f"Cannot index {type_name(target)} with {type_name(key)}")


def slice_(target: Any, start: Any, end: Any) -> Any:
    if target is None:
        return None
    if not isinstance(target, list | str):
        raise JqError(f"Cannot index {type_name(target)} with object")
    s = None if start is None else int(start)
    e = None if end is None else int(end)
    return target[s:e]


def iterate(target: Any) -> Iterator[Any]:
    if isinstance(target, list):
        yield from target
    elif isinstance(target, dict):
        yield from target.values()
    else:
        raise JqError(f"Cannot iterate over {type_name(target)}"
                      + (f" ({dump(target, None)})" if target is not None else ""))


def recurse(v: Any) -> Iterator[Any]:
    yield v
    if isinstance(v, list | dict):
        for x in iterate(v):
            yield from recurse(x)


def all_paths(v: Any) -> Iterator[list[Any]]:
    yield []
    if isinstance(v, dict):
        for k, x in v.items():
            yield from ([k, *p] for p in all_paths(x))
    elif isinstance(v, list):
        for k, x in enumerate(v):
            yield from ([k, *p] for p in all_paths(x))


def getpath(v: Any, path: list[Any]) -> Any:
    for key in path:
        v = index(v, key)
    return v


def setpath(v: Any, path: list[Any], new: Any) -> Any:
    if not path:
        return new
    key, rest = path[0], path[1:]
    if v is None:
        v = [] if isinstance(key, int) else {}
    if isinstance(v, dict) and isinstance(key, str):
        return {**v, key: setpath(v.get(key), rest, new)}
    if isinstance(v, list) and isinstance(key, int):
        items = list(v) + [None] * max(0, key + 1 - len(v))
        items[key] = setpath(items[key], rest, new)
        return items
    raise JqError(f"Cannot index {type_name(v)} with {type_name(key)}")


def delpath(v: Any, path: list[Any]) -> Any:
    if not path or v is None:
        return None if not path else v
    key, rest = path[0], path[1:]
    if isinstance(v, dict):
        if not rest:
            return {k: x for k, x in v.items() if k != key}
        return {**v, key: delpath(v.get(key), rest)} if key in v else v
    if isinstance(v, list) and isinstance(key, int):
        if not rest:
            return [x for k, x in enumerate(v) if k != key % max(len(v), 1)]
        items = list(v)
        items[key] = delpath(items[key], rest)
        return items
    raise JqError(f"Cannot delete field at index {key}")


def binop(op: str, a: Any, b: Any) -> Any:
    if op in ("==", "!="):
        return (a == b and type_name(a) == type_name(b)) == (op == "==")
    if op in ("<", "<=", ">", ">="):
        x, y = _order(a), _order(b)
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
    num = (int, float)
    if op == "+":
        if a is None:
            return b
        if b is None:
            return a
        if isinstance(a, num) and isinstance(b, num) or type_name(a) == type_name(b) in (
                "string", "array"):
            return a + b
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **b}
    elif op == "-":
        if isinstance(a, num) and isinstance(b, num):
            return a - b
        if isinstance(a, list) and isinstance(b, list):
            return [x for x in a if x not in b]
    elif op == "*":
        if isinstance(a, num) and isinstance(b, num):
            return a * b
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **b}
    elif op in ("/", "%"):
        if isinstance(a, num) and isinstance(b, num):
            if b == 0:
                raise JqError(f"{type_name(a)} ({dump(a, None)}) and {type_name(b)} "
                              f"({dump(b, None)}) cannot be divided because the divisor is zero")
            if op == "%":
                return int(a) % int(b) if int(a) >= 0 else -(-int(a) % int(b))
            result = a / b
            return int(result) if result.is_integer() else result
        if isinstance(a, str) and isinstance(b, str) and op == "/":
            return a.split(b)
    verb = {"+": "added", "-": "subtracted", "*": "multiplied", "/": "divided", "%": "divided"}
    raise JqError(f"{type_name(a)} ({dump(a, None)}) and {type_name(b)} ({dump(b, None)}) "
                  f"cannot be {verb[op]}")


def contains(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in a and contains(a[k], x) for k, x in b.items())
    if isinstance(a, list) and isinstance(b, list):
        return all(any(contains(x, y) for x in a) for y in b)
    if isinstance(a, str) and isinstance(b, str):
        return b in a
    return a == b


def string_fn(name: str, v: Any, arg: Any, extra: Any) -> Any:
    if name == "join":
        return arg.join("" if x is None else x if isinstance(x, str) else dump(x, None)
                        for x in iterate(v))
    if not isinstance(v, str):
        verb = {"test": "matched, as it is not a string", "split": "split"}.get(name,
                                                                                "searched from")
        raise JqError(f"{type_name(v)} ({dump(v, None)}) cannot be {verb}")
    if name == "startswith":
        return v.startswith(arg)
    if name == "endswith":
        return v.endswith(arg)
    if name == "ltrimstr":
        return v[len(arg):] if isinstance(arg, str) and v.startswith(arg) else v
    if name == "rtrimstr":
        return v[:-len(arg)] if isinstance(arg, str) and arg and v.endswith(arg) else v
    if name == "split":
        return v.split(arg) if arg else list(v)
    if name == "test":
        flags = re.I if extra and "i" in extra else 0
        try:
            return re.search(arg, v, flags) is not None
        except re.error as exc:
            raise JqError(f"{arg} (at offset 0) is not a valid regex: {exc}") from None
    positions = [m.start() for m in re.finditer(re.escape(arg), v)] if arg else []
    if name == "indices":
        return positions
    if not positions:
        return None
    return positions[0] if name == "index" else positions[-1]


def to_entries(v: Any) -> list[dict[str, Any]]:
    if isinstance(v, dict):
        return [{"key": k, "value": x} for k, x in v.items()]
    return [{"key": k, "value": x} for k, x in enumerate(iterate(v))]


def from_entries(entries: Any) -> dict[str, Any]:
    out = {}
    for e in iterate(entries):
        key = next((e[k] for k in ("key", "k", "name", "Name", "Key", "K") if k in e), None)
        value = next((e[k] for k in ("value", "v", "Value", "V") if k in e), None)
        out[key if isinstance(key, str) else dump(key, None)] = value
    return out


def length(v: Any) -> Any:
    if v is None:
        return 0
    if isinstance(v, bool):
        raise JqError(f"boolean ({dump(v, None)}) has no length")
    if isinstance(v, int | float):
        return abs(v)
    return len(v)


def keys(v: Any, sort: bool = True) -> list[Any]:
    if isinstance(v, dict):
        return sorted(v) if sort else list(v)
    if isinstance(v, list):
        return list(range(len(v)))
    raise JqError(f"{type_name(v)} ({dump(v, None)}) has no keys")


def tonumber(v: Any) -> Any:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return v
    try:
        number = float(v)
    except (TypeError, ValueError):
        raise JqError(f"Cannot parse '{v}' as JSON") from None
    return int(number) if number.is_integer() and "." not in str(v) else number


def fmt(how: str, v: Any) -> str:
    text = v if isinstance(v, str) else dump(v, None)
    if how in ("@text", "@json"):
        return dump(v, None) if how == "@json" else text
    if how == "@base64":
        return base64.b64encode(encode(text)).decode()
    if how == "@base64d":
        try:
            return decode(base64.b64decode(text + "=" * (-len(text) % 4)))
        except ValueError:
            raise JqError(f"string ({dump(v, None)}) is not valid base64 data") from None
    if how in ("@csv", "@tsv"):
        if not isinstance(v, list):
            raise JqError(f"{type_name(v)} ({dump(v, None)}) cannot be {how[1:]}-formatted, "
                          "only an array can be")
        if how == "@csv":
            return ",".join('"' + x.replace('"', '""') + '"' if isinstance(x, str) else
                            dump(x, None) for x in v)
        return "\t".join(x.replace("\\", "\\\\").replace("\t", "\\t") if isinstance(x, str)
                         else dump(x, None) for x in v)
    if how == "@sh":
        items = v if isinstance(v, list) else [v]
        return " ".join("'" + x.replace("'", "'\\''") + "'" if isinstance(x, str) else
                        dump(x, None) for x in items)
    if how == "@uri":
        from urllib.parse import quote
        return quote(text, safe="-_.~")
    if how == "@html":
        return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("'", "&#39;").replace('"', "&quot;"))
    raise CompileError(f"{how[1:]} is not a valid format")


SIMPLE: dict[str, Any] = {
    "length": length, "keys": keys, "keys_unsorted": lambda v: keys(v, False),
    "values": lambda v: v, "type": type_name, "to_entries": to_entries,
    "from_entries": from_entries, "add": lambda v: _add(v), "reverse": lambda v: v[::-1],
    "sort": lambda v: sorted(v, key=_order), "unique": lambda v: _unique(v),
    "min": lambda v: min(v, key=_order) if v else None,
    "max": lambda v: max(v, key=_order) if v else None,
    "first": lambda v: index(v, 0), "last": lambda v: index(v, -1),
    "flatten": lambda v: _flatten(v), "tostring": lambda v: v if isinstance(v, str) else
    dump(v, None), "tonumber": tonumber, "ascii_downcase": lambda v: v.lower(),
    "ascii_upcase": lambda v: v.upper(), "floor": lambda v: math.floor(v),
    "sqrt": lambda v: math.sqrt(v), "fromjson": lambda v: json.loads(v),
    "any": lambda v: any(truthy(x) for x in v), "all": lambda v: all(truthy(x) for x in v),
    "utf8bytelength": lambda v: len(encode(v)), "not": lambda v: not truthy(v),
    "tojson": lambda v: dump(v, None), "isnan": lambda v: v != v, "ceil": math.ceil,
    "round": lambda v: round(v), "abs": abs, "arrays": lambda v: v, "objects": lambda v: v,
}


def _add(v: Any) -> Any:
    result = None
    for x in iterate(v):
        result = binop("+", result, x)
    return result


def _unique(v: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in sorted(v, key=_order):
        if not out or out[-1] != x:
            out.append(x)
    return out


def _flatten(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in iterate(v):
        out.extend(_flatten(x) if isinstance(x, list) else [x])
    return out
