"""Text commands (cat, head, tail, less, tee, wc, diff) as GNU prints them, and the input
helpers the other text families share (grep.py, textsort.py, textmisc.py).

All read the twin's files through the VFS or the invocation's stdin."""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Iterator

from app.providers.sim.shell.builtins import (
    UsageError,
    decode,
    encode,
    fail,
    getopt,
    read_text,
    write_file,
)
from app.providers.sim.shell.registry import Invocation, Output, command
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
