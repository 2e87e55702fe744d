"""`grep`, `egrep`, `fgrep` as GNU grep 3.8 prints them: patterns, context, counts, files,
recursion over the node's files, colour. Split out of text.py."""

from __future__ import annotations

import posixpath
import re

from app.providers.sim.shell.builtins import (
    UsageError,
    encode,
    getopt,
    read_text,
)
from app.providers.sim.shell.posix_regex import RegexError, compile_posix
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.vfs import VFSError, normpath

# --- grep ------------------------------------------------------------------------------------

GREP_USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]...\n"
GREP_LONG = {
    "extended-regexp": ("E", False), "fixed-strings": ("F", False), "basic-regexp": ("G", False),
    "perl-regexp": ("P", False), "ignore-case": ("i", False), "invert-match": ("v", False),
    "word-regexp": ("w", False), "line-regexp": ("x", False), "count": ("c", False),
    "files-with-matches": ("l", False), "files-without-match": ("L", False),
    "line-number": ("n", False), "no-filename": ("h", False), "with-filename": ("H", False),
    "only-matching": ("o", False), "quiet": ("q", False), "silent": ("q", False),
    "no-messages": ("s", False), "recursive": ("r", False), "dereference-recursive": ("R", False),
    "after-context": ("A", True), "before-context": ("B", True), "context": ("C", True),
    "regexp": ("e", True), "file": ("f", True), "max-count": ("m", True),
    "color": ("color", "optional"), "colour": ("color", "optional"), "include": ("include", True),
    "exclude": ("exclude", True), "exclude-dir": ("exclude-dir", True), "text": ("a", False),
    "label": ("label", True), "null": ("Z", False), "byte-offset": ("b", False),
    "ignore-binary-files": ("I", False)}
SGR = {"match": "\x1b[01;31m\x1b[K", "file": "\x1b[35m\x1b[K", "num": "\x1b[32m\x1b[K",
       "sep": "\x1b[36m\x1b[K", "end": "\x1b[m\x1b[K"}


class _Matcher:
    def __init__(self, patterns: list[str], keys: set[str]) -> None:
        extended = "E" in keys or "P" in keys
        self.regexes = []
        for pat in patterns:
            if "F" in keys:
                source = re.escape(pat)
            elif "P" in keys:
                source = pat
            else:
                try:
                    source = compile_posix(pat, extended).pattern
                except RegexError:
                    raise
            if "x" in keys:
                source = f"^(?:{source})$"
            elif "w" in keys:
                source = rf"(?<!\w)(?:{source})(?!\w)"
            try:
                self.regexes.append(re.compile(source, re.I if "i" in keys else 0))
            except re.error as exc:
                raise RegexError(str(exc)) from None

    def search(self, line: str) -> bool:
        return any(rx.search(line) for rx in self.regexes)

    def spans(self, line: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        pos = 0
        while pos <= len(line):
            best = None
            for rx in self.regexes:
                m = rx.search(line, pos)
                if m and (best is None or m.start() < best[0] or
                          (m.start() == best[0] and m.end() > best[1])):
                    best = (m.start(), m.end())
            if best is None:
                break
            if best[1] > best[0]:
                found.append(best)
            pos = best[1] if best[1] > best[0] else best[0] + 1
        return found


@command("grep", "egrep", "fgrep")
def grep(inv: Invocation) -> Output:
    args = _legacy_context(inv.args)
    try:
        opts, operands = getopt("grep", args, "EFGPivwxclLnhHoqsrRA:B:C:e:f:m:aZbIy", GREP_LONG,
                                status=2, usage=GREP_USAGE)
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts} | ({"E"} if inv.argv[0] == "egrep" else set()) | (
        {"F"} if inv.argv[0] == "fgrep" else set())
    if "y" in keys:
        keys.add("i")
    values = dict(opts)
    patterns: list[str] = []
    for key, value in opts:
        if key == "e":
            patterns += value.split("\n")
        elif key == "f":
            try:
                patterns += read_text(inv, value).splitlines()
            except VFSError as exc:
                return Output("", f"grep: {value}: {exc}\n", 2)
    if not patterns and "e" not in values and "f" not in values:
        if not operands:
            return Output("", GREP_USAGE + "Try 'grep --help' for more information.\n", 2)
        patterns = operands.pop(0).split("\n")
    try:
        matcher = _Matcher(patterns, keys)
        context = {k: int(values.get(k) or values.get("C") or 0) for k in "AB"}
        max_count = int(values["m"]) if "m" in values else -1
    except RegexError as exc:
        return Output("", f"grep: {exc}\n", 2)
    except ValueError:
        return Output("", "grep: invalid context length argument\n", 2)
    recursive = bool(keys & {"r", "R"})
    files = _grep_files(inv, operands, recursive, values)
    show_names = ("H" in keys or len(files) > 1 or recursive) and "h" not in keys
    color = values.get("color", "") in ("always", "yes", "force") or (
        values.get("color", "never") in ("", "auto", "tty") and "color" in values
        and (inv.session.executor is not None and inv.session.executor.io.tty))
    out, err = [], []
    matched_any = error = False
    for name, shown, problem in files:
        if problem:
            error = True
            if "s" not in keys:
                err.append(problem)
            continue
        try:
            text = read_text(inv, name) if name != "-" else inv.stdin
        except VFSError as exc:
            error = True
            if "s" not in keys:
                err.append(f"grep: {shown}: {exc}\n")
            continue
        found = _grep_one(text, shown, matcher, keys, context, max_count, show_names, color,
                          out, err)
        matched_any |= found
        if found and "q" in keys:
            return Output()
    status = 0 if matched_any else 1
    if error and not ("q" in keys and matched_any):
        status = 2
    return Output("".join(out), "".join(err), status)


def _legacy_context(args: list[str]) -> list[str]:
    return [f"-C{a[1:]}" if re.fullmatch(r"-\d+", a) else a for a in args]


def _grep_files(inv: Invocation, operands: list[str], recursive: bool,
                values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(path to read, name to print, error) in the order grep visits them."""
    import fnmatch
    vfs, cwd = inv.session.vfs, inv.session.cwd
    if not operands:
        operands = ["."] if recursive else ["-"]
        implicit = True
    else:
        implicit = False
    result = []
    for name in operands:
        shown = values.get("label", "(standard input)") if name == "-" else name
        if name == "-":
            result.append((name, shown, ""))
            continue
        if not vfs.exists(name, cwd):
            result.append((name, name, f"grep: {name}: No such file or directory\n"))
            continue
        if not vfs.is_dir(name, cwd):
            result.append((name, name, ""))
            continue
        if not recursive:
            result.append((name, name, f"grep: {name}: Is a directory\n"))
            continue
        root = normpath(name, cwd)
        for path in vfs.walk(root):
            node = vfs.lstat(path)
            if node.kind != "file":
                continue
            rel = path[len(root):].lstrip("/")
            base = posixpath.basename(path)
            if "include" in values and not fnmatch.fnmatchcase(base, values["include"]):
                continue
            if "exclude" in values and fnmatch.fnmatchcase(base, values["exclude"]):
                continue
            if "exclude-dir" in values and any(fnmatch.fnmatchcase(part, values["exclude-dir"])
                                               for part in rel.split("/")[:-1]):
                continue
            shown = rel if implicit else (name.rstrip("/") + "/" + rel if name != "/" else path)
            result.append((path, shown, ""))
    return result


def _grep_one(text: str, shown: str, matcher: _Matcher, keys: set[str],
              context: dict[str, int], max_count: int, show_names: bool, color: bool,
              out: list[str], err: list[str]) -> bool:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    invert = "v" in keys
    binary = "\0" in text and "a" not in keys
    selected = []
    for i, line in enumerate(lines):
        if matcher.search(line) != invert:
            selected.append(i)
            if 0 <= max_count <= len(selected):
                break
    if binary and selected:
        if "I" in keys:
            return False
        if not keys & {"q", "l", "L", "c"}:
            err.append(f"grep: {shown}: binary file matches\n")
            return True
    def paint(kind: str, s: str) -> str:
        return f"{SGR[kind]}{s}{SGR['end']}" if color else s
    name_prefix = (paint("file", shown) + paint("sep", ":")) if show_names else ""
    if "c" in keys:
        out.append(f"{name_prefix}{len(selected)}\n")
        return bool(selected)
    if "l" in keys or "L" in keys:
        if bool(selected) == ("l" in keys):
            out.append(paint("file", shown) + "\n")
        return bool(selected)
    if "q" in keys:
        return bool(selected)
    shown_lines: set[int] = set()
    last = -2
    for i in selected:
        start = max(0, i - context["B"])
        end = min(len(lines) - 1, i + context["A"])
        if (context["A"] or context["B"]) and last >= 0 and start > last + 1:
            out.append(paint("sep", "--") + "\n")
        for j in range(max(start, last + 1), end + 1):
            if j in shown_lines:
                continue
            is_match = j == i or (j in selected)
            if not is_match and j > i and j in selected:
                continue
            shown_lines.add(j)
            sep = ":" if is_match else "-"
            prefix = (paint("file", shown) + paint("sep", sep)) if show_names else ""
            if "n" in keys:
                prefix += paint("num", str(j + 1)) + paint("sep", sep)
            line = lines[j]
            if "o" in keys:
                if is_match and not invert:
                    for a, b in matcher.spans(line):
                        offset = f"{len(encode(line[:a]))}:" if "b" in keys else ""
                        out.append(f"{prefix}{offset}{paint('match', line[a:b])}\n")
                continue
            if color and is_match and not invert:
                pieces, pos = [], 0
                for a, b in matcher.spans(line):
                    pieces += [line[pos:a], paint("match", line[a:b])]
                    pos = b
                line = "".join(pieces) + line[pos:]
            out.append(f"{prefix}{line}\n")
        last = max(last, end)
    return bool(selected)


