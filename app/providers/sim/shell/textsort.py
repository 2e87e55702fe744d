"""`sort`, `uniq`, `cut`, `tr` as GNU coreutils print them (keys, fields, ranges, sets).
Split out of text.py."""

from __future__ import annotations

import functools
import re

from app.providers.sim.shell.builtins import (
    UsageError,
    encode,
    fail,
    getopt,
    read_text,
    to_int,
    write_file,
)
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.text import inputs, lines_of
from app.providers.sim.vfs import VFSError, normpath

# --- sort / uniq / cut / tr ------------------------------------------------------------------

MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}


def _num_key(s: str) -> float:
    m = re.match(r"\s*(-?\d*\.?\d+|-?\d+\.?)", s)
    return float(m.group(1)) if m else 0.0


def _human_key(s: str) -> tuple[int, float]:
    m = re.match(r"\s*(-?\d*\.?\d+)([KMGTPEZY]?)", s)
    if not m:
        return (0, 0.0)
    value = float(m.group(1))
    order = " KMGTPEZY".index(m.group(2) or " ")
    return ((1 if value > 0 else -1 if value < 0 else 0) * (order + 1), value)


def _version_key(s: str) -> list[tuple[int, int | str]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|\D+", s)]


class _Key:
    def __init__(self, spec: str, global_opts: str) -> None:
        opts = "[bdfgiMhnRrV]*"
        m = re.fullmatch(rf"(\d+)(?:\.(\d+))?({opts})(?:,(\d+)(?:\.(\d+))?({opts}))?", spec)
        if not m or m.group(1) == "0":
            raise UsageError(fail("sort", f"invalid number at field start: invalid count at "
                                          f"start of '{spec}'", 2))
        self.f1, self.c1 = int(m.group(1)), int(m.group(2) or 1)
        self.f2 = int(m.group(4)) if m.group(4) else None
        self.c2 = int(m.group(5) or 0)
        own = (m.group(3) or "") + (m.group(6) or "")
        self.opts = own or global_opts
        self.start_blanks = "b" in (m.group(3) or "") or ("b" in global_opts and not own)
        self.end_blanks = "b" in (m.group(6) or "") or ("b" in global_opts and not own)


def _fields(line: str, sep: str | None) -> list[tuple[int, int]]:
    if sep is not None:
        spans, pos = [], 0
        for part in line.split(sep):
            spans.append((pos, pos + len(part)))
            pos += len(part) + 1
        return spans
    return [(m.start(), m.end()) for m in re.finditer(r"[ \t]*[^ \t]+|[ \t]+$", line)] or [(0, 0)]


def _extract(line: str, key: _Key, sep: str | None) -> str:
    spans = _fields(line, sep)
    if key.f1 > len(spans):
        return ""
    start = spans[key.f1 - 1][0]
    if key.start_blanks:
        while start < len(line) and line[start] in " \t":
            start += 1
    start = min(start + key.c1 - 1, len(line))
    if key.f2 is None or key.f2 > len(spans):
        return line[start:]
    f_start, f_end = spans[key.f2 - 1]
    if key.c2:
        if key.end_blanks:
            while f_start < len(line) and line[f_start] in " \t":
                f_start += 1
        end = min(f_start + key.c2, f_end)
    else:
        end = f_end
    return line[start:max(start, end)]


def _compare_value(a: str, b: str, opts: str) -> int:
    if "b" in opts:
        a, b = a.lstrip(" \t"), b.lstrip(" \t")
    if "d" in opts:
        a, b = (re.sub(r"[^ \tA-Za-z0-9]", "", x) for x in (a, b))
    if "f" in opts:
        a, b = a.upper(), b.upper()
    ka: object
    kb: object
    if "n" in opts or "g" in opts:
        ka, kb = _num_key(a), _num_key(b)
    elif "h" in opts:
        ka, kb = _human_key(a), _human_key(b)
    elif "M" in opts:
        ka, kb = MONTHS.get(a.strip()[:3].upper(), 0), MONTHS.get(b.strip()[:3].upper(), 0)
    elif "V" in opts:
        ka, kb = _version_key(a), _version_key(b)
    else:
        ka, kb = a, b
    result = (ka > kb) - (ka < kb)  # type: ignore[operator]
    return -result if "r" in opts else result


@command("sort")
def sort(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("sort", inv.args, "bdfgiMhnRrVcCk:t:o:suzS:T:", {
            "numeric-sort": ("n", False), "reverse": ("r", False), "unique": ("u", False),
            "key": ("k", True), "field-separator": ("t", True), "output": ("o", True),
            "human-numeric-sort": ("h", False), "version-sort": ("V", False),
            "ignore-case": ("f", False), "general-numeric-sort": ("g", False),
            "month-sort": ("M", False), "stable": ("s", False), "check": ("c", "optional"),
            "ignore-leading-blanks": ("b", False), "dictionary-order": ("d", False),
            "random-sort": ("R", False), "buffer-size": ("S", True), "parallel": ("P", True)},
            status=2)
        global_opts = "".join(k for k, _ in opts if len(k) == 1 and k in "bdfgiMhnRrV")
        sep = None
        keys = []
        for key, value in opts:
            if key == "t":
                if len(value) != 1:
                    return fail("sort", "multi-character tab '" + value + "'", 2)
                sep = value
            elif key == "k":
                keys.append(_Key(value, global_opts))
    except UsageError as exc:
        return exc.out
    flags = {k for k, _ in opts}
    text_parts = []
    for _name, text, error in inputs(inv, operands, lambda n, e: f"sort: cannot read: {n}: {e}\n"
                                    if str(e) == "Is a directory" else f"sort: cannot read: "
                                    f"{n}: {e}\n"):
        if text is None:
            return Output("", error, 2)
        text_parts.append(text if text.endswith("\n") or not text else text + "\n")
    lines = "".join(text_parts).split("\n")[:-1]
    last_resort = not ({"s", "u"} & flags) and (keys or global_opts.strip("r"))

    def compare(a: str, b: str) -> int:
        for key in keys or [None]:
            if key is None:
                result = _compare_value(a, b, global_opts)
            else:
                result = _compare_value(_extract(a, key, sep), _extract(b, key, sep), key.opts)
            if result:
                return result
        if last_resort:
            result = (a > b) - (a < b)
            return -result if "r" in flags else result
        return 0
    if "c" in flags or "C" in flags:
        for i in range(1, len(lines)):
            if compare(lines[i - 1], lines[i]) > 0 or ("u" in flags and
                                                         not compare(lines[i - 1], lines[i])):
                shown = operands[0] if operands else "-"
                message = "" if "C" in flags else f"sort: {shown}:{i + 1}: disorder: {lines[i]}\n"
                return Output("", message, 1)
        return Output()
    ordered = sorted(lines, key=functools.cmp_to_key(compare))
    if "u" in flags:
        unique: list[str] = []
        for line in ordered:
            if not unique or compare(unique[-1], line):
                unique.append(line)
        ordered = unique
    result = "".join(line + "\n" for line in ordered)
    if "o" in dict(opts):
        target = dict(opts)["o"]
        try:
            write_file(inv.session.vfs, normpath(target, inv.session.cwd), encode(result))
        except VFSError as exc:
            return fail("sort", f"open failed: {target}: {exc}", 2)
        return Output()
    return Output(result)


@command("uniq")
def uniq(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("uniq", inv.args, "cdDuif:s:w:z", {
            "count": ("c", False), "repeated": ("d", False), "unique": ("u", False),
            "ignore-case": ("i", False), "skip-fields": ("f", True), "skip-chars": ("s", True),
            "check-chars": ("w", True), "all-repeated": ("D", "optional")})
    except UsageError as exc:
        return exc.out
    flags, values = {k for k, _ in opts}, dict(opts)
    name = operands[0] if operands else "-"
    try:
        text = read_text(inv, name)
    except VFSError as exc:
        return fail("uniq", f"{name}: {exc}")
    try:
        skip_f = to_int(values.get("f", "0"), "uniq", "{text}: invalid number of fields to skip")
        skip_c = to_int(values.get("s", "0"), "uniq", "{text}: invalid number of bytes to skip")
        width = to_int(values["w"], "uniq", "{text}: invalid number of bytes to compare") \
            if "w" in values else None
    except UsageError as exc:
        return exc.out

    def key(line: str) -> str:
        if skip_f:
            line = re.sub(rf"^([ \t]*[^ \t]+){{{skip_f}}}", "", line)
        line = line[skip_c:]
        line = line[:width] if width is not None else line
        return line.lower() if "i" in flags else line
    groups: list[list[str]] = []
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []:
        if groups and key(groups[-1][0]) == key(line):
            groups[-1].append(line)
        else:
            groups.append([line])
    out = []
    for group in groups:
        if "d" in flags and len(group) < 2 or "u" in flags and len(group) > 1:
            continue
        if "D" in flags:
            if len(group) > 1:
                out += [g + "\n" for g in group]
            continue
        out.append((f"{len(group):7d} " if "c" in flags else "") + group[0] + "\n")
    result = "".join(out)
    if len(operands) > 1:
        try:
            write_file(inv.session.vfs, normpath(operands[1], inv.session.cwd), encode(result))
        except VFSError as exc:
            return fail("uniq", f"{operands[1]}: {exc}")
        return Output()
    return Output(result)


def _ranges(spec: str, what: str) -> list[tuple[int, int]] | Output:
    ranges = []
    for part in spec.split(","):
        m = re.fullmatch(r"(\d*)(-?)(\d*)", part)
        if not m or not (m.group(1) or m.group(3)):
            return fail("cut", f"invalid {what} list\nTry 'cut --help' for more information."
                        if part else f"invalid {what} range\nTry 'cut --help' for more "
                                     "information.")
        lo = int(m.group(1) or 1)
        hi = int(m.group(3)) if m.group(3) else (lo if not m.group(2) else 1 << 30)
        if lo == 0 or hi == 0:
            return fail("cut", f"{what}s are numbered from 1\nTry 'cut --help' for more "
                               "information.")
        ranges.append((lo, hi))
    return ranges


@command("cut")
def cut(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("cut", inv.args, "b:c:f:d:sn", {
            "bytes": ("b", True), "characters": ("c", True), "fields": ("f", True),
            "delimiter": ("d", True), "only-delimited": ("s", False),
            "complement": ("complement", False), "output-delimiter": ("od", True)})
    except UsageError as exc:
        return exc.out
    values = dict(opts)
    modes = [k for k in "bcf" if k in values]
    if not modes:
        return fail("cut", "you must specify a list of bytes, characters, or fields\n"
                           "Try 'cut --help' for more information.")
    if len(modes) > 1:
        return fail("cut", "only one type of list may be specified\n"
                           "Try 'cut --help' for more information.")
    mode = modes[0]
    delim = values.get("d", "\t")
    if len(delim) != 1:
        return fail("cut", "the delimiter must be a single character\n"
                           "Try 'cut --help' for more information.")
    if "d" in values and mode != "f":
        return fail("cut", "an input delimiter may be specified only when operating on "
                           "fields\nTry 'cut --help' for more information.")
    ranges = _ranges(values[mode], {"b": "byte/character", "c": "byte/character",
                                    "f": "field"}[mode])
    if isinstance(ranges, Output):
        return ranges
    complement = "complement" in values

    def keep(i: int) -> bool:
        return any(lo <= i <= hi for lo, hi in ranges) != complement
    out, err = [], []
    for _name, text, error in inputs(inv, operands, lambda n, e: f"cut: {n}: {e}\n"):
        if text is None:
            err.append(error)
            continue
        for line in lines_of(text):
            body, nl = (line[:-1], "\n") if line.endswith("\n") else (line, "\n")
            if mode == "f":
                if delim not in body:
                    if "s" not in values:
                        out.append(body + nl)
                    continue
                fields = body.split(delim)
                chosen = [f for i, f in enumerate(fields, 1) if keep(i)]
                out.append(values.get("od", delim).join(chosen) + nl)
            else:
                chosen_chars = [c for i, c in enumerate(body, 1) if keep(i)]
                out.append("".join(chosen_chars) + nl)
    return Output("".join(out), "".join(err), 1 if err else 0)


def _chars(lo: int, hi: int) -> str:
    return "".join(chr(c) for c in range(lo, hi + 1))


TR_CLASSES = {"alpha": _chars(65, 90) + _chars(97, 122), "digit": _chars(48, 57),
              "alnum": _chars(48, 57) + _chars(65, 90) + _chars(97, 122),
              "upper": _chars(65, 90), "lower": _chars(97, 122), "space": "\t\n\v\f\r ",
              "blank": "\t ", "xdigit": "0123456789ABCDEFabcdef",
              "punct": "".join(c for c in _chars(33, 126) if not c.isalnum()),
              "cntrl": _chars(0, 31) + "\x7f", "print": _chars(32, 126),
              "graph": _chars(33, 126)}
_TR_ESC = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
           "\\": "\\"}


def _tr_char(spec: str, i: int) -> tuple[str, int]:
    if spec[i] == "\\" and i + 1 < len(spec):
        m = re.match(r"[0-7]{1,3}", spec[i + 1:])
        if m:
            return chr(int(m.group(), 8)), i + 1 + m.end()
        return _TR_ESC.get(spec[i + 1], spec[i + 1]), i + 2
    return spec[i], i + 1


def _tr_set(spec: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(spec):
        end = spec.find(":]", i)
        if spec.startswith("[:", i) and end > 0 and spec[i + 2:end] in TR_CLASSES:
            out += TR_CLASSES[spec[i + 2:end]]
            i = end + 2
            continue
        m = re.match(r"\[(.)\*(\d*)\]|\[=(.)=\]", spec[i:])
        if m:
            out += (m.group(1) * int(m.group(2) or 1)) if m.group(1) else m.group(3)
            i += m.end()
            continue
        c, i = _tr_char(spec, i)
        if i + 1 < len(spec) and spec[i] == "-":
            hi, j = _tr_char(spec, i + 1)
            if ord(hi) < ord(c):
                raise UsageError(fail("tr", f"range-endpoints of '{c}-{hi}' are in reverse "
                                            "collating sequence order"))
            out += _chars(ord(c), ord(hi))
            i = j
        else:
            out.append(c)
    return out


@command("tr")
def tr(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("tr", inv.args, "cCdst", {
            "complement": ("c", False), "delete": ("d", False), "squeeze-repeats": ("s", False),
            "truncate-set1": ("t", False)})
    except UsageError as exc:
        return exc.out
    flags = {k for k, _ in opts}
    if "C" in flags:
        flags.add("c")
    need = 1 if ("d" in flags and "s" not in flags) or ("s" in flags and "d" not in flags
                                                        and len(operands) == 1) else 2
    if not operands:
        return fail("tr", "missing operand\nTry 'tr --help' for more information.")
    if len(operands) < need:
        return fail("tr", f"missing operand after '{operands[0]}'\nTwo strings must be given "
                          "when translating.\nTry 'tr --help' for more information.")
    if len(operands) > need:
        return fail("tr", f"extra operand '{operands[need]}'\nTry 'tr --help' for more "
                          "information.")
    try:
        set1 = _tr_set(operands[0])
        set2 = _tr_set(operands[1]) if len(operands) > 1 else []
    except UsageError as exc:
        return exc.out
    text = inv.stdin
    members = set(set1)

    def in1(c: str) -> bool:
        return (c in members) != ("c" in flags)
    if "d" in flags:
        text = "".join(c for c in text if not in1(c))
        squeeze = set(set2)
    elif set2:
        if "c" in flags:
            text = "".join(set2[-1] if in1(c) else c for c in text)
        else:
            pad = set2 + [set2[-1]] * max(0, len(set1) - len(set2))
            table = {ord(a): b for a, b in zip(set1, pad, strict=False)}
            text = text.translate(table)
        squeeze = set(set2)
    else:
        squeeze = members
    if "s" in flags:
        out, prev = [], None
        for c in text:
            if c == prev and ((c in squeeze) != ("c" in flags and not set2)):
                continue
            out.append(c)
            prev = c
        text = "".join(out)
    return Output(text)


