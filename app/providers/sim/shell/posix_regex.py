"""The POSIX regex translator grep, sed and awk share: BRE/ERE (bracket classes, back-references,
intervals) turned into Python `re` syntax, with GNU's error messages.

Quantified groups that themselves hold a quantifier become atomic, so a pattern like `(a+)+$`
cannot backtrack exponentially and stall the server; the few matches that needed backtracking
into such a group are the price. Split out of sed.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
           "lower": "a-z", "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "xdigit": "0-9A-Fa-f",
           "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "print": " -~",
           "graph": "!-~", "cntrl": "\\x00-\\x1f\\x7f"}


class RegexError(Exception):
    pass


@dataclass
class _Atom:
    text: str
    quantified: bool = False
    inner_quant: bool = False  # a group holding a quantifier
    inner: str = ""
    anchor: bool = False


@dataclass
class _Level:
    atoms: list[_Atom] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    has_quant: bool = False


def translate(pat: str, extended: bool, multiline: bool = False) -> str:
    """POSIX BRE (GNU flavour) or ERE -> Python regex source."""
    stack = [_Level()]
    groups = closed = 0
    i, n = 0, len(pat)

    def emit(text: str, anchor: bool = False) -> None:
        stack[-1].atoms.append(_Atom(text, anchor=anchor))

    def at_start() -> bool:
        atoms = stack[-1].atoms
        return not atoms or (len(atoms) == 1 and atoms[0].anchor and atoms[0].text == "^")

    def quantify(q: str) -> None:
        atom = stack[-1].atoms[-1]
        if atom.inner_quant and not atom.quantified:
            atom.text = f"((?>{atom.inner}))"
        elif atom.quantified:
            atom.text = f"(?>{atom.text})"
        atom.text += q
        atom.quantified = True
        stack[-1].has_quant = True

    def interval(j: int, close: str) -> tuple[str, int] | None:
        end = pat.find(close, j)
        if end < 0:
            return None
        body = pat[j:end]
        m = re.fullmatch(r"(\d*)(,?)(\d*)", body)
        if not m or (not m.group(1) and not m.group(2)):
            return None
        lo, comma, hi = m.groups()
        if int(lo or 0) > 32767 or int(hi or 0) > 32767 or (hi and int(lo or 0) > int(hi)):
            raise RegexError("Invalid content of \\{\\}")
        return "{" + (lo or "0") + comma + hi + "}", end + len(close)

    def close_group() -> None:
        nonlocal closed
        level = stack.pop()
        inner = "|".join([*level.branches, "".join(a.text for a in level.atoms)])
        closed += 1
        risky = level.has_quant or bool(level.branches)  # ambiguity a quantifier multiplies
        stack[-1].atoms.append(_Atom(f"({inner})", inner_quant=risky, inner=inner))
        stack[-1].has_quant |= level.has_quant

    def alternate() -> None:
        level = stack[-1]
        level.branches.append("".join(a.text for a in level.atoms))
        level.atoms = []

    while i < n:
        c = pat[i]
        if c == "\\":
            if i + 1 >= n:
                raise RegexError("Trailing backslash")
            d = pat[i + 1]
            i += 2
            if not extended and d == "(":
                groups += 1
                stack.append(_Level())
            elif not extended and d == ")":
                if len(stack) == 1:
                    raise RegexError("Unmatched ) or \\)")
                close_group()
            elif not extended and d == "|":
                alternate()
            elif not extended and d == "{":
                if at_start():
                    raise RegexError("Invalid preceding regular expression")
                got = interval(i, "\\}")
                if got is None:
                    raise RegexError("Unmatched \\{" if "\\}" not in pat[i:]
                                     else "Invalid content of \\{\\}")
                quantify(got[0])
                i = got[1]
            elif not extended and d in "+?":
                if at_start():
                    emit(re.escape(d))
                else:
                    quantify(d)
            elif d.isdigit() and d != "0":
                if int(d) > closed:
                    raise RegexError("Invalid back reference")
                emit("\\" + d)
            elif d in "wWsSbB":
                emit("\\" + d)
            elif d in "<>`'":
                emit({"<": r"\b(?=\w)", ">": r"\b(?<=\w)", "`": r"\A", "'": r"\Z"}[d], True)
            elif d in "nt":
                emit("\n" if d == "n" else "\t")
            else:
                emit(re.escape(d))
            continue
        i += 1
        if c == "[":
            text, i = _bracket(pat, i)
            emit(text)
        elif c == ".":
            emit(".")
        elif c == "*":
            if at_start() or stack[-1].atoms[-1].anchor:
                emit("\\*")
            else:
                quantify("*")
        elif extended and c in "+?":
            if at_start():
                emit(re.escape(c))
            else:
                quantify(c)
        elif extended and c == "{":
            got = interval(i, "}") if not at_start() else None
            if got is None:
                emit("\\{")
            else:
                quantify(got[0])
                i = got[1]
        elif extended and c == "(":
            groups += 1
            stack.append(_Level())
        elif extended and c == ")":
            if len(stack) == 1:
                emit("\\)")
            else:
                close_group()
        elif extended and c == "|":
            alternate()
        elif c == "^":
            if extended or at_start():
                emit("^", True)
            else:
                emit("\\^")
        elif c == "$":
            last = i >= n or pat.startswith(("\\)", "\\|"), i)
            if extended or last:
                emit("$" if multiline else r"\Z", True)
            else:
                emit("\\$")
        else:
            emit(re.escape(c))
    if len(stack) > 1:
        raise RegexError("Unmatched ( or \\(")
    level = stack[0]
    return "|".join([*level.branches, "".join(a.text for a in level.atoms)])


def _bracket(pat: str, j: int) -> tuple[str, int]:
    n = len(pat)
    items = []
    negate = j < n and pat[j] == "^"
    if negate:
        j += 1
    if j < n and pat[j] == "]":
        items.append("\\]")
        j += 1
    while j < n and pat[j] != "]":
        if pat.startswith("[:", j):
            end = pat.find(":]", j + 2)
            if end < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            name = pat[j + 2:end]
            if name not in CLASSES:
                raise RegexError("Invalid character class name")
            items.append(CLASSES[name])
            j = end + 2
        elif pat.startswith(("[=", "[."), j):
            end = pat.find(pat[j + 1] + "]", j + 2)
            if end < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            items.append(re.escape(pat[j + 2:end]))
            j = end + 2
        else:
            ch = pat[j]
            items.append("\\" + ch if ch in "\\[]^" else ch)
            j += 1
    if j >= n:
        raise RegexError("Unmatched [, [^, [:, [., or [=")
    body = "".join(items)
    try:
        re.compile(f"[{body}]")
    except re.error:
        raise RegexError("Invalid range end") from None
    return "[" + ("^" if negate else "") + body + "]", j + 1


def compile_posix(pat: str, extended: bool, icase: bool = False,
                  multiline: bool = False) -> re.Pattern[str]:
    flags = (re.I if icase else 0) | (re.M if multiline else 0) | re.S
    try:
        return re.compile(translate(pat, extended, multiline), flags)
    except re.error as exc:
        raise RegexError(_python_error(exc)) from None
    except RecursionError:
        raise RegexError("Regular expression too big") from None


def _python_error(exc: re.error) -> str:
    text = str(exc)
    if "multiple repeat" in text or "nothing to repeat" in text:
        return "Invalid preceding regular expression"
    if "unbalanced" in text or "missing )" in text:
        return "Unmatched ( or \\("
    return "Invalid regular expression"
