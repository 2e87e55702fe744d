"""Small text filters and generators (`base64`, checksums, `rev`/`tac`, `nl`, `yes`, `seq`)
and `xargs`/`date`, as GNU coreutils/findutils print them. Split out of text.py.

Generators stop at a fixed size: a pipe has no back-pressure here."""

from __future__ import annotations

import base64
import hashlib
import re
import time

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
)
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.text import MAX_GENERATED, inputs, lines_of
from app.providers.sim.vfs import VFSError

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
    writes: list[tuple[int, str]] = []  # in the order the commands wrote them
    status = 0
    for batch in batches:
        if "t" in values:
            writes.append((2, " ".join(batch) + "\n"))
        result = executor(inv).call(batch, "")
        if result.exit_code == 127 and result.stderr.startswith("bash:"):
            writes.append((1, result.stdout))
            writes.append((2, f"xargs: {batch[0]}: No such file or directory\n"))
            return Output.ordered(writes, 127)
        writes.extend(result.chunks())
        if result.exit_code == 255:
            writes.append((2, f"xargs: {batch[0]}: exited with status 255; aborting\n"))
            return Output.ordered(writes, 124)
        if result.exit_code:
            status = 123
    return Output.ordered(writes, status)


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
