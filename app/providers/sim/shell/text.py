"""Text commands (cat, head, tail, grep, sort, uniq, cut, tr, wc, diff …) as GNU prints them.

All read the twin's files through the VFS or the invocation's stdin. Generators such as `yes`
and `seq` stop at a fixed size: a pipe has no back-pressure here.
"""

from __future__ import annotations

import base64
import difflib
import functools
import hashlib
import posixpath
import re
import time
from collections.abc import Callable, Iterator

from app.providers.sim.shell.builtins import (
    UsageError,
    decode,
    encode,
    escapes,
    executor,
    fail,
    getopt,
    read_text,
    to_int,
    write_file,
)
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.sed import RegexError, compile_posix
from app.providers.sim.vfs import VFSError, normpath

MAX_GENERATED = 2 << 20


def lines_of(text: str) -> list[str]:
    """Lines with their "\\n" kept; only "\\n" ends a line (unlike str.splitlines)."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def inputs(inv: Invocation, operands: list[str],
           error: Callable[[str, VFSError], str]) -> Iterator[tuple[str, str | None, str]]:
    """(name, text or None, error line) for each operand; `-` or no operand is stdin."""
    for name in operands or ["-"]:
        try:
            if name != "-" and inv.session.vfs.is_dir(name, inv.session.cwd):
                from app.providers.sim.vfs import IsADirectory
                raise IsADirectory(name)
            yield name, read_text(inv, name), ""
        except VFSError as exc:
            yield name, None, error(name, exc)


def _number(text: str, prog: str, what: str) -> int:
    m = re.fullmatch(r"([-+]?\d+)([bkKMGT]?B?|kB)?", text.strip())
    if not m:
        raise UsageError(fail(prog, f"invalid number of {what}: '{text}'"))
    scale = {"": 1, "b": 512, "k": 1024, "K": 1024, "kB": 1000, "M": 1 << 20, "MB": 10 ** 6,
             "G": 1 << 30, "T": 1 << 40}.get(m.group(2) or "", 1)
    return int(m.group(1)) * scale


# --- cat / head / tail / less / more / tee -------------------------------------------------

def _visible(text: str, tabs: bool, ends: bool, nonprinting: bool) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append("$\n" if ends else "\n")
        elif ch == "\t":
            out.append("^I" if tabs else "\t")
        elif nonprinting and (code < 32 or code == 127):
            out.append("^" + chr(code ^ 0x40))
        elif nonprinting and 0xDC80 <= code <= 0xDCFF:
            byte = code - 0xDC00
            low = byte & 0x7F
            out.append("M-" + ("^" + chr(low ^ 0x40) if low < 32 or low == 127 else chr(low)))
        else:
            out.append(ch)
    return "".join(out)


@command("cat")
def cat(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("cat", inv.args, "AbeEnstTuv", {
            "show-all": ("A", False), "number-nonblank": ("b", False), "number": ("n", False),
            "squeeze-blank": ("s", False), "show-ends": ("E", False), "show-tabs": ("T", False),
            "show-nonprinting": ("v", False)})
    except UsageError as exc:
        return exc.out
    f = {k for k, _ in opts}
    if "A" in f:
        f |= {"v", "E", "T"}
    if "e" in f:
        f |= {"v", "E"}
    if "t" in f:
        f |= {"v", "T"}
    out, err = [], []
    number, blank_run = 0, False
    for _name, text, error in inputs(inv, operands, lambda n, e: f"cat: {n}: {e}\n"):
        if text is None:
            err.append(error)
            continue
        if not f - {"u"}:
            out.append(text)
            continue
        for line in lines_of(text):
            empty = line in ("\n", "")
            if "s" in f and empty and blank_run:
                continue
            blank_run = empty
            prefix = ""
            if "b" in f and not empty or "n" in f and "b" not in f:
                number += 1
                prefix = f"{number:6d}\t"
            out.append(prefix + _visible(line, "T" in f, "E" in f, "v" in f))
    return Output("".join(out), "".join(err), 1 if err else 0)


def _legacy_count(args: list[str]) -> list[str]:
    """`head -5` / `tail -20` / `tail +3` are the old spelling of `-n 5` and friends."""
    out: list[str] = []
    for k, arg in enumerate(args):
        m = re.fullmatch(r"[-+](\d+)([cl]?)", arg)
        takes_value = k > 0 and args[k - 1] in ("-n", "-c", "--lines", "--bytes")
        if m and not takes_value and (arg[0] == "-" or k == 0):
            if arg[0] == "+":
                out += ["-c" if m.group(2) == "c" else "-n", "+" + m.group(1)]
                continue
            out += ["-c" if m.group(2) == "c" else "-n", m.group(1)]
        else:
            out.append(arg)
    return out


@command("head")
def head(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("head", _legacy_count(inv.args), "n:c:qvz", {
            "lines": ("n", True), "bytes": ("c", True), "quiet": ("q", False),
            "silent": ("q", False), "verbose": ("v", False)})
        mode, count = "n", 10
        for key, value in opts:
            if key in "nc":
                mode, count = key, _number(value, "head", "lines" if key == "n" else "bytes")
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts}
    headers = ("v" in keys or len(operands) > 1) and "q" not in keys
    out, err = [], []
    for name, text, error in inputs(inv, operands, _open_error("head")):
        if text is None:
            err.append(error)
            continue
        if headers:
            out.append(("\n" if out else "") + f"==> {_label(name)} <==\n")
        if mode == "c":
            data = encode(text)
            out.append(decode(data[:count] if count >= 0 else data[:count or len(data)]))
        else:
            lines = lines_of(text)
            out.append("".join(lines[:count] if count >= 0 else lines[:count or len(lines)]))
    return Output("".join(out), "".join(err), 1 if err else 0)


def _open_error(prog: str) -> Callable[[str, VFSError], str]:
    def message(name: str, exc: VFSError) -> str:
        if str(exc) == "Is a directory":
            return f"{prog}: error reading '{name}': Is a directory\n"
        return f"{prog}: cannot open '{name}' for reading: {exc}\n"
    return message


def _label(name: str) -> str:
    return "standard input" if name == "-" else name


@command("tail")
def tail(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("tail", _legacy_count(inv.args), "n:c:fFqvs:z", {
            "lines": ("n", True), "bytes": ("c", True), "follow": ("f", "optional"),
            "quiet": ("q", False), "silent": ("q", False), "verbose": ("v", False),
            "retry": ("r", False), "sleep-interval": ("s", True), "pid": ("p", True)})
    except UsageError as exc:
        return exc.out
    mode, count, from_start = "n", 10, False
    try:
        for key, value in opts:
            if key in "nc":
                mode, from_start = key, value.startswith("+")
                count = abs(_number(value, "tail", "lines" if key == "n" else "bytes"))
    except UsageError as exc:
        return exc.out
    keys = {k for k, _ in opts}
    headers = ("v" in keys or len(operands) > 1) and "q" not in keys
    out, err = [], []
    for name, text, error in inputs(inv, operands, _open_error("tail")):
        if text is None:
            err.append(error)
            continue
        if headers:
            out.append(("\n" if out else "") + f"==> {_label(name)} <==\n")
        items: list[str] | bytes = encode(text) if mode == "c" else lines_of(text)
        if from_start:
            chosen = items[max(0, count - 1):]
        else:
            chosen = items[len(items) - count:] if count else items[:0]
        out.append(decode(chosen) if isinstance(chosen, bytes) else "".join(chosen))
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("less", "more", "most", "pg")
def pager(inv: Invocation) -> Output:
    """Over this API a pager shows everything at once, as `less` does when not on a tty."""
    prog = inv.argv[0]
    operands = [a for a in inv.args if not a.startswith(("-", "+"))]
    if not operands and not inv.stdin:
        if prog == "less":
            return Output("", "Missing filename (\"less --help\" for help)\n", 1)
        return Output("", f"{prog}: bad usage\nTry '{prog} --help' for more information.\n", 1)
    out, err = [], []
    for name, text, error in inputs(inv, operands, lambda n, e: (
            f"{n} is a directory\n" if str(e) == "Is a directory" else f"{n}: {e}\n")
            if prog == "less" else f"{prog}: cannot open {n}: {e}\n"):
        if text is None:
            err.append(error)
            continue
        if len(operands) > 1:
            out.append(f"::::::::::::::\n{name}\n::::::::::::::\n")
        out.append(text)
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("tee")
def tee(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("tee", inv.args, "aip", {"append": ("a", False),
                                                         "ignore-interrupts": ("i", False)})
    except UsageError as exc:
        return exc.out
    append = any(k == "a" for k, _ in opts)
    err = []
    for name in operands:
        if name == "/dev/null":
            continue
        try:
            write_file(inv.session.vfs, normpath(name, inv.session.cwd), encode(inv.stdin),
                       append=append)
        except VFSError as exc:
            err.append(f"tee: {name}: {exc}\n")
    return Output(inv.stdin, "".join(err), 1 if err else 0)


# --- wc / diff ------------------------------------------------------------------------------

@command("wc")
def wc(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("wc", inv.args, "clLmw", {
            "bytes": ("c", False), "chars": ("m", False), "lines": ("l", False),
            "words": ("w", False), "max-line-length": ("L", False)})
    except UsageError as exc:
        return exc.out
    wanted = [k for k in "lwmcL" if k in {k for k, _ in opts}] or ["l", "w", "c"]
    rows, err = [], []
    totals = dict.fromkeys(wanted, 0)
    regular_total, piped = 0, not operands or "-" in operands
    for name, text, error in inputs(inv, operands, lambda n, e: f"wc: {n}: {e}\n"):
        if text is None:
            err.append(error)
            continue
        data = encode(text)
        # -m counts bytes: in the POSIX locale of a kind node a character is a byte.
        counts = {"l": text.count("\n"), "w": len(data.split()), "c": len(data),
                  "m": len(data), "L": max((len(ln.expandtabs(8)) for ln in
                                            text.split("\n")), default=0)}
        if name != "-":
            regular_total += len(data)
        for k in wanted:
            totals[k] = max(totals[k], counts[k]) if k == "L" else totals[k] + counts[k]
        rows.append((counts, "" if not operands else name))
    if len(rows) > 1:
        rows.append((totals, "total"))
    if len(wanted) == 1 and len(operands) <= 1:
        width = 1
    else:
        width = max(len(str(regular_total)), 7 if piped else 1)
    lines = [" ".join(str(c[k]).rjust(width) for k in wanted) + (f" {n}" if n else "") + "\n"
             for c, n in rows]
    return Output("".join(lines), "".join(err), 1 if err else 0)


def _diff_time(inv: Invocation, name: str) -> str:
    try:
        t = inv.session.vfs.stat(name, inv.session.cwd).mtime
    except VFSError:
        t = inv.session.host.now()
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + f".{f'{t % 1:.9f}'[2:]} +0000"


@command("diff")
def diff(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("diff", inv.args, "uU:qiwbBNrsyc", {
            "unified": ("u", "optional"), "brief": ("q", False), "ignore-case": ("i", False),
            "ignore-all-space": ("w", False), "ignore-space-change": ("b", False),
            "report-identical-files": ("s", False), "color": ("color", "optional"),
            "recursive": ("r", False), "new-file": ("N", False), "text": ("a", False)},
            status=2)
    except UsageError as exc:
        return exc.out
    keys = dict(opts)
    if len(operands) != 2:
        word = "missing" if len(operands) < 2 else "extra"
        shown = f" after '{operands[-1]}'" if operands else ""
        return Output("", f"diff: {word} operand{shown}\ndiff: Try 'diff --help' for more "
                          "information.\n", 2)
    texts = []
    for name in operands:
        try:
            if name != "-" and inv.session.vfs.is_dir(name, inv.session.cwd):
                return Output("", f"diff: {name}: Is a directory\n", 2)
            texts.append(read_text(inv, name))
        except VFSError as exc:
            return Output("", f"diff: {name}: {exc}\n", 2)
    a, b = lines_of(texts[0]), lines_of(texts[1])

    def norm(line: str) -> str:
        if "i" in keys:
            line = line.lower()
        if "w" in keys:
            line = re.sub(r"\s+", "", line)
        elif "b" in keys:
            line = re.sub(r"[ \t]+", " ", line).rstrip()
        return line
    matcher = difflib.SequenceMatcher(None, [norm(x) for x in a], [norm(x) for x in b],
                                      autojunk=False)
    if matcher.ratio() == 1.0 and len(a) == len(b):
        if "s" in keys:
            return Output(f"Files {operands[0]} and {operands[1]} are identical\n")
        return Output()
    if "q" in keys:
        return Output(f"Files {operands[0]} and {operands[1]} differ\n", "", 1)
    out: list[str] = []
    if "u" in keys or "U" in keys:
        raw = keys.get("U") or keys.get("u") or "3"
        if not raw.isdigit():
            return Output("", f"diff: invalid context length '{raw}'\ndiff: Try 'diff --help' "
                              "for more information.\n", 2)
        context = int(raw)
        out += [f"--- {operands[0]}\t{_diff_time(inv, operands[0])}\n",
                f"+++ {operands[1]}\t{_diff_time(inv, operands[1])}\n"]
        for group in matcher.get_grouped_opcodes(context):
            i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
            out.append(f"@@ -{_urange(i1, i2)} +{_urange(j1, j2)} @@\n")
            for tag, x1, x2, y1, y2 in group:
                if tag == "equal":
                    out += [_line(" ", ln) for ln in a[x1:x2]]
                    continue
                out += [_line("-", ln) for ln in a[x1:x2]]
                out += [_line("+", ln) for ln in b[y1:y2]]
        return Output("".join(out), "", 1)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        code = {"replace": "c", "delete": "d", "insert": "a"}[tag]
        left = _nrange(i1, i2) if tag != "insert" else str(i1)
        right = _nrange(j1, j2) if tag != "delete" else str(j1)
        out.append(f"{left}{code}{right}\n")
        out += [_line("< ", ln) for ln in a[i1:i2]]
        if tag == "replace":
            out.append("---\n")
        out += [_line("> ", ln) for ln in b[j1:j2]]
    return Output("".join(out), "", 1)


def _line(prefix: str, line: str) -> str:
    if line.endswith("\n"):
        return prefix + line
    return f"{prefix}{line}\n\\ No newline at end of file\n"


def _nrange(a: int, b: int) -> str:
    return str(a + 1) if b - a == 1 else f"{a + 1},{b}"


def _urange(a: int, b: int) -> str:
    length = b - a
    if length == 1:
        return str(a + 1)
    return f"{a + 1 if length else a},{length}"


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


# --- base64 / hashes / small filters ---------------------------------------------------------

@command("base64")
def base64_(inv: Invocation) -> Output:
    try:
        opts, operands = getopt("base64", inv.args, "diw:", {
            "decode": ("d", False), "ignore-garbage": ("i", False), "wrap": ("w", True)})
    except UsageError as exc:
        return exc.out
    values = dict(opts)
    name = operands[0] if operands else "-"
    try:
        data = encode(read_text(inv, name))
    except VFSError as exc:
        return fail("base64", f"{name}: {exc}")
    if "d" in values:
        cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", data) if "i" in values else re.sub(
            rb"\s", b"", data)
        try:
            decoded = base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4), validate=True)
        except ValueError:
            return Output("", "base64: invalid input\n", 1)
        return Output(decode(decoded))
    encoded = base64.b64encode(data).decode()
    try:
        wrap = to_int(values.get("w", "76"), "base64", "invalid wrap size: '{text}'")
    except UsageError as exc:
        return exc.out
    if wrap <= 0:
        return Output(encoded)
    return Output("".join(encoded[i:i + wrap] + "\n" for i in range(0, len(encoded), wrap)))


@command("md5sum", "sha1sum", "sha256sum", "sha512sum")
def checksum(inv: Invocation) -> Output:
    algo = inv.argv[0][:-3]
    out, err = [], []
    for name, text, error in inputs(inv, [a for a in inv.args if not a.startswith("-")],
                                    lambda n, e: f"{inv.argv[0]}: {n}: {e}\n"):
        if text is None:
            err.append(error)
            continue
        out.append(f"{hashlib.new(algo, encode(text)).hexdigest()}  {name}\n")
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("rev", "tac")
def rev(inv: Invocation) -> Output:
    out, err = [], []
    operands = [a for a in inv.args if not a.startswith("-") or a == "-"]
    for _name, text, error in inputs(inv, operands, lambda n, e: (
            f"{inv.argv[0]}: cannot open {n}: {e}\n" if inv.argv[0] == "rev"
            else f"tac: failed to open '{n}' for reading: {e}\n")):
        if text is None:
            err.append(error)
            continue
        lines = lines_of(text)
        if inv.argv[0] == "rev":
            out += [ln[:-1][::-1] + "\n" if ln.endswith("\n") else ln[::-1] for ln in lines]
        else:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += ""
            out += lines[::-1]
    return Output("".join(out), "".join(err), 1 if err else 0)


@command("nl")
def nl(inv: Invocation) -> Output:
    all_lines = "-ba" in inv.args or ("-b" in inv.args and "a" in inv.args)
    operands = [a for a in inv.args if not a.startswith("-") and a != "a"]
    out, number = [], 0
    for _name, text, error in inputs(inv, operands, lambda n, e: f"nl: {n}: {e}\n"):
        if text is None:
            return Output("".join(out), error, 1)
        for line in lines_of(text):
            if line.strip("\n") or all_lines:
                number += 1
                out.append(f"{number:6d}\t{line}")
            else:
                out.append(f"       {line}")
    return Output("".join(out))


@command("yes")
def yes(inv: Invocation) -> Output:
    """Bounded: about 2 MiB, far more than `yes | head` needs."""
    line = (" ".join(inv.args) if inv.args else "y") + "\n"
    return Output(line * max(1, MAX_GENERATED // len(line)))


@command("seq")
def seq(inv: Invocation) -> Output:
    args = list(inv.args)
    sep, width_eq, fmt = "\n", False, ""
    while args and args[0].startswith("-") and not re.fullmatch(r"-[\d.]+", args[0]):
        flag = args.pop(0)
        if flag in ("-s", "--separator") and args:
            sep = args.pop(0)
        elif flag.startswith("-s"):
            sep = flag[2:]
        elif flag in ("-w", "--equal-width"):
            width_eq = True
        elif flag in ("-f", "--format") and args:
            fmt = args.pop(0)
        else:
            return fail("seq", f"invalid option -- '{flag[1:2]}'\n"
                               "Try 'seq --help' for more information.")
    if not args:
        return fail("seq", "missing operand\nTry 'seq --help' for more information.")
    if fmt:
        plain = fmt.replace("%%", "")
        directives = re.findall(r"%[-+ #0'\d.]*[aAeEfFgG]", plain)
        if not directives or plain.count("%") != len(directives):
            return fail("seq", f"format '{fmt}' has no % directive")
        if len(directives) > 1:
            return fail("seq", f"format '{fmt}' has too many % directives")
    if len(args) > 3:
        return fail("seq", f"extra operand '{args[3]}'\nTry 'seq --help' for more information.")
    try:
        nums = [float(a) for a in args]
    except ValueError:
        bad = next(a for a in args if not re.fullmatch(r"[-+]?\d*\.?\d+(e[-+]?\d+)?", a))
        return fail("seq", f"invalid floating point argument: '{bad}'\n"
                           "Try 'seq --help' for more information.")
    first, step, last = (1.0, 1.0, nums[0]) if len(nums) == 1 else (
        (nums[0], 1.0, nums[1]) if len(nums) == 2 else tuple(nums))
    if step == 0:
        return fail("seq", f"invalid Zero increment value: '{args[1]}'\n"
                           "Try 'seq --help' for more information.")
    decimals = max((len(a.split(".")[1]) if "." in a else 0) for a in args)
    values: list[str] = []
    size, value = 0, first
    while (value <= last + 1e-9 if step > 0 else value >= last - 1e-9) and size < MAX_GENERATED:
        text = (fmt % value) if fmt else f"{value:.{decimals}f}"
        values.append(text)
        size += len(text) + len(sep)
        value = first + step * len(values)
    if width_eq and values:
        width = max(len(v) for v in values)
        values = [v.zfill(width) if not v.startswith("-") else v for v in values]
    return Output(sep.join(values) + ("\n" if values else ""))


# --- xargs / date ----------------------------------------------------------------------------

def _xargs_items(text: str, delim: str | None) -> list[str]:
    if delim is not None:
        items = text.split(delim)
        return items[:-1] if items and items[-1] in ("", "\n") else items
    items, cur, quote, has = [], [], "", False
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            else:
                cur.append(c)
        elif c in "'\"":
            quote, has = c, True
        elif c == "\\" and i + 1 < len(text):
            i += 1
            cur.append(text[i])
            has = True
        elif c in " \t\n":
            if cur or has:
                items.append("".join(cur))
            cur, has = [], False
        else:
            cur.append(c)
        i += 1
    if cur or has:
        items.append("".join(cur))
    return items


@command("xargs")
def xargs(inv: Invocation) -> Output:
    try:
        opts, rest = getopt("xargs", inv.args, "0d:n:I:i:L:l:rtpP:s:a:E:x", {
            "null": ("0", False), "delimiter": ("d", True), "max-args": ("n", True),
            "replace": ("I", "optional"), "max-lines": ("L", True), "no-run-if-empty": ("r", False),
            "verbose": ("t", False), "max-procs": ("P", True), "arg-file": ("a", True)},
            permute=False)
    except UsageError as exc:
        return exc.out
    values = dict(opts)
    argv = rest or ["echo"]
    text = inv.stdin
    if "a" in values:
        try:
            text = read_text(inv, values["a"])
        except VFSError as exc:
            return fail("xargs", f"{values['a']}: {exc}")
    replace = values.get("I", values.get("i"))
    if replace is not None and replace == "":
        replace = "{}"
    delim = "\0" if "0" in values else (escapes(values["d"], echo_style=False)[0][:1] or "\n"
                                        if "d" in values else None)
    if replace is not None:
        items = [ln for ln in text.split("\n") if ln.strip()] if delim is None else \
            _xargs_items(text, delim)
        batches = [[a.replace(replace, item) for a in argv] for item in items]
    else:
        items = _xargs_items(text, delim)
        try:
            per = to_int(values.get("n") or values.get("L") or "0", "xargs",
                         "invalid number \"{text}\" for -n option")
        except UsageError as exc:
            return exc.out
        if per < 0 or ("n" in values and per == 0):
            return fail("xargs", "value for -n option should be >= 1")
        per = per or max(1, len(items))
        batches = [argv + items[i:i + per] for i in range(0, len(items), per)] or (
            [] if "r" in values else [list(argv)])
    out, err, status = [], [], 0
    for batch in batches:
        if "t" in values:
            err.append(" ".join(batch) + "\n")
        result = executor(inv).call(batch, "")
        out.append(result.stdout)
        if result.exit_code == 127 and result.stderr.startswith("bash:"):
            err.append(f"xargs: {batch[0]}: No such file or directory\n")
            return Output("".join(out), "".join(err), 127)
        err.append(result.stderr)
        if result.exit_code == 255:
            err.append(f"xargs: {batch[0]}: exited with status 255; aborting\n")
            return Output("".join(out), "".join(err), 124)
        if result.exit_code:
            status = 123
    return Output("".join(out), "".join(err), status)


def _parse_date(text: str, now: float) -> float | None:
    import calendar
    t = text.strip().lower()
    if t.startswith("@"):
        try:
            return float(t[1:])
        except ValueError:
            return None
    base = now
    for word, delta in (("yesterday", -86400), ("tomorrow", 86400), ("now", 0), ("today", 0)):
        if t.startswith(word):
            base, t = now + delta, t[len(word):].strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
                 r"\s*(z|utc|[+-]00:?00)?", t)
    if m:
        y, mo, d, hh, mm, ss = (int(g or 0) for g in m.groups()[:6])
        try:
            base = calendar.timegm((y, mo, d, hh, mm, ss, 0, 0, 0))
        except ValueError:
            return None
        t = t[m.end():].strip()
    units = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "day": 86400,
             "week": 604800, "month": 2592000, "year": 31536000}
    for m in re.finditer(r"([+-]?\d+)?\s*(sec|second|min|minute|hour|day|week|month|year)s?"
                         r"(\s+ago)?", t):
        amount = int(m.group(1) or 1) * units[m.group(2)]
        base += -amount if m.group(3) else amount
        t = t.replace(m.group(0), "", 1)
    return base if not t.strip() else None


def format_date(fmt: str, t: float) -> str:
    tm = time.gmtime(t)
    table = {"s": str(int(t)), "N": f"{int(round((t % 1) * 1e9)):09d}", "Z": "UTC",
             "z": "+0000", ":z": "+00:00", "P": time.strftime("%p", tm).lower(),
             "-d": str(tm.tm_mday), "-m": str(tm.tm_mon), "-H": str(tm.tm_hour), "%": "%"}
    return re.sub(r"%(:z|-[dmH]|[a-zA-Z%])",
                  lambda m: table.get(m.group(1)) or time.strftime("%" + m.group(1), tm), fmt)


@command("date")
def date(inv: Invocation) -> Output:
    now = inv.session.host.now()
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    args = list(inv.args)
    when = now
    while args:
        arg = args.pop(0)
        if arg.startswith("+"):
            fmt = arg[1:]
        elif arg in ("-u", "--utc", "--universal"):
            continue
        elif arg in ("-d", "--date") or arg.startswith(("--date=", "-d")):
            value = arg.split("=", 1)[1] if "=" in arg else (arg[2:] if arg != "-d" and
                                                             arg.startswith("-d") else
                                                             (args.pop(0) if args else ""))
            parsed = _parse_date(value, now)
            if parsed is None:
                return fail("date", f"invalid date '{value}'")
            when = parsed
        elif arg in ("-r", "--reference") and args:
            name = args.pop(0)
            try:
                when = inv.session.vfs.stat(name, inv.session.cwd).mtime
            except VFSError as exc:
                return fail("date", f"{name}: {exc}")
        elif arg in ("-R", "--rfc-email"):
            fmt = "%a, %d %b %Y %H:%M:%S %z"
        elif arg.startswith(("-I", "--iso-8601")):
            spec = arg.split("=", 1)[1] if "=" in arg else arg[2:] if arg.startswith("-I") else ""
            fmt = {"": "%Y-%m-%d", "date": "%Y-%m-%d", "hours": "%Y-%m-%dT%H%:z",
                   "minutes": "%Y-%m-%dT%H:%M%:z", "seconds": "%Y-%m-%dT%H:%M:%S%:z",
                   "ns": "%Y-%m-%dT%H:%M:%S,%N%:z"}.get(spec, "%Y-%m-%d")
        elif arg.startswith("--rfc-3339="):
            fmt = {"date": "%Y-%m-%d", "seconds": "%Y-%m-%d %H:%M:%S%:z",
                   "ns": "%Y-%m-%d %H:%M:%S.%N%:z"}.get(arg.split("=", 1)[1], "%Y-%m-%d")
        elif arg.startswith("-"):
            return fail("date", f"invalid option -- '{arg[1:2]}'\n"
                                "Try 'date --help' for more information.")
        else:
            return fail("date", f"invalid date '{arg}'")
    return Output(format_date(fmt, when) + "\n")
