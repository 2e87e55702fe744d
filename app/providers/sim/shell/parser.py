"""Bash grammar for the twin's shell: tokens and a small AST (word parts are in words.py).

Like bash, the lexer keeps each word's raw text (quotes included) and expansion parses it
later with `parse_word`, so `"$x"` and `$x` can split differently. Nothing here runs anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

META = frozenset(" \t\n|&;()<>")
OPERATORS = ("&>>", "<<<", "<<-", "&&", "||", ";;", "|&", "<<", ">>", "&>", ">&", "<&", ">|",
             "<>", "|", "&", ";", "(", ")", "<", ">", "\n")
REDIR_OPS = frozenset({"<", ">", ">>", ">|", "<>", "<<", "<<-", "<<<", ">&", "<&", "&>", "&>>"})
SEPARATORS = frozenset({";", "&", "\n"})
KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while",
                      "until", "for", "in", "{", "}", "!", "function", "[[", "]]", "time"})
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGN_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")


class ParseError(Exception):
    """`incomplete` is set when more input would fix it: interactive bash would prompt `> `."""

    def __init__(self, message: str, incomplete: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.incomplete = incomplete


def unexpected(token: str) -> ParseError:
    shown = "newline" if token == "\n" else token
    return ParseError(f"syntax error near unexpected token `{shown}'")


# --- scanners shared by the lexer and the word parser ------------------------------------

def skip_single(s: str, i: int) -> int:
    j = s.find("'", i + 1)
    if j < 0:
        raise ParseError("unexpected EOF while looking for matching `''", True)
    return j + 1


def skip_double(s: str, i: int) -> int:
    i += 1
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif c == "$":
            i = skip_dollar(s, i)
        elif c == "`":
            i = skip_backtick(s, i)
        else:
            i += 1
    raise ParseError("unexpected EOF while looking for matching `\"'", True)


def skip_backtick(s: str, i: int) -> int:
    i += 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
        elif s[i] == "`":
            return i + 1
        else:
            i += 1
    raise ParseError("unexpected EOF while looking for matching ``'", True)


def skip_ansi(s: str, i: int) -> int:
    i += 2
    while i < len(s):
        if s[i] == "\\":
            i += 2
        elif s[i] == "'":
            return i + 1
        else:
            i += 1
    raise ParseError("unexpected EOF while looking for matching `''", True)


def skip_dollar(s: str, i: int) -> int:
    """End of the `$…` construct starting at s[i] (a bare `$name` is left to the caller)."""
    nxt = s[i + 1:i + 2]
    if nxt == "(":
        return match_close(s, i + 1, "(", ")")
    if nxt == "{":
        return match_close(s, i + 1, "{", "}")
    if nxt == "'":
        return skip_ansi(s, i)
    return i + 1


def match_close(s: str, i: int, open_: str, close: str) -> int:
    depth = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and open_ == "(":
            i = skip_single(s, i)
            continue
        if c == '"':
            i = skip_double(s, i)
            continue
        if c == "`":
            i = skip_backtick(s, i)
            continue
        if c == "$" and s[i + 1:i + 2] in ("(", "{"):
            i = skip_dollar(s, i)
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ParseError(f"unexpected EOF while looking for matching `{close}'", True)


# --- tokens --------------------------------------------------------------------------------

@dataclass
class Token:
    kind: str  # word | op | io | eof
    value: str
    heredoc: str | None = None  # body, for the delimiter word of `<<`
    heredoc_quoted: bool = False


def _scan_word(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] not in META:
        c = s[i]
        if c == "\\":
            i += 2
        elif c == "'":
            i = skip_single(s, i)
        elif c == '"':
            i = skip_double(s, i)
        elif c == "`":
            i = skip_backtick(s, i)
        elif c == "$":
            i = skip_dollar(s, i)
        else:
            i += 1
    return min(i, n)


def tokenize(s: str) -> list[Token]:
    toks: list[Token] = []
    pending: list[tuple[Token, bool]] = []  # heredoc delimiters waiting for their newline
    want_delim: bool | None = None
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t":
            i += 1
            continue
        if c == "\\" and s[i + 1:i + 2] == "\n":
            i += 2
            continue
        if c == "#":
            while i < n and s[i] != "\n":
                i += 1
            continue
        op = next((o for o in OPERATORS if s.startswith(o, i)), None)
        if op is not None:
            toks.append(Token("op", op))
            i += len(op)
            if op in ("<<", "<<-"):
                want_delim = op == "<<-"
            if op == "\n" and pending:
                i = _read_heredocs(s, i, pending)
                pending = []
            continue
        j = _scan_word(s, i)
        word = s[i:j]
        kind = "io" if word.isdigit() and j < n and s[j] in "<>" else "word"
        tok = Token(kind, word)
        toks.append(tok)
        if want_delim is not None and kind == "word":
            pending.append((tok, want_delim))
            want_delim = None
        i = j
    for tok, _ in pending:  # bash warns and uses what it has; the warning is the caller's
        tok.heredoc = ""
    toks.append(Token("eof", ""))
    return toks


def _read_heredocs(s: str, i: int, pending: list[tuple[Token, bool]]) -> int:
    from app.providers.sim.shell.words import Lit, parse_word  # words imports this module

    for tok, strip_tabs in pending:
        delim = "".join(p.text for p in parse_word(tok.value) if isinstance(p, Lit))
        tok.heredoc_quoted = any(q in tok.value for q in "'\"\\")
        body: list[str] = []
        while i < len(s):
            end = s.find("\n", i)
            line = s[i:] if end < 0 else s[i:end]
            i = len(s) if end < 0 else end + 1
            if strip_tabs:
                line = line.lstrip("\t")
            if line == delim:
                break
            body.append(line + "\n")
        tok.heredoc = "".join(body)
    return i


# --- AST -----------------------------------------------------------------------------------

@dataclass
class Redirect:
    fd: int | None
    op: str
    target: str
    heredoc: str | None = None
    heredoc_quoted: bool = False


@dataclass
class Simple:
    assigns: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    cond: bool = False  # a `[[ … ]]` command: no splitting or globbing of its words


@dataclass
class Script:
    items: list[AndOr] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[Command]
    negate: bool = False
    timed: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)


@dataclass
class Group:
    body: Script
    subshell: bool
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class If:
    clauses: list[tuple[Script, Script]]
    orelse: Script | None
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Loop:
    cond: Script
    body: Script
    until: bool = False
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class For:
    var: str
    words: list[str] | None
    body: Script
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Case:
    word: str
    arms: list[tuple[list[str], Script]]
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class FuncDef:
    name: str
    body: Command


Command = Simple | Group | If | Loop | For | Case | FuncDef


class Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        tok = self.toks[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def at_word(self, *values: str) -> bool:
        tok = self.peek()
        return tok.kind == "word" and tok.value in values

    def at_op(self, *values: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value in values

    def expect_word(self, value: str) -> None:
        tok = self.peek()
        if tok.kind == "eof":
            raise ParseError("syntax error: unexpected end of file", True)
        if not self.at_word(value):
            raise unexpected(tok.value)
        self.take()

    def skip_newlines(self) -> None:
        while self.at_op("\n"):
            self.take()

    def parse(self) -> Script:
        script = self.script(frozenset())
        tok = self.peek()
        if tok.kind != "eof":
            raise unexpected(tok.value)
        return script

    def script(self, terms: frozenset[str], allow_empty: bool = True) -> Script:
        items: list[AndOr] = []
        while True:
            self.skip_newlines()
            tok = self.peek()
            if tok.kind == "eof" or (tok.value in terms and tok.kind in ("word", "op")):
                break
            items.append(self.and_or())
            if not self.at_op(";", "&", "\n"):
                break
            self.take()
        if not items and not allow_empty:
            tok = self.peek()
            if tok.kind == "eof":
                raise ParseError("syntax error: unexpected end of file", True)
            raise unexpected(tok.value)
        return Script(items)

    def and_or(self) -> AndOr:
        node = AndOr(self.pipeline())
        while self.at_op("&&", "||"):
            op = self.take().value
            self.skip_newlines()
            node.rest.append((op, self.pipeline()))
        return node

    def pipeline(self) -> Pipeline:
        negate = timed = False
        while self.at_word("!", "time"):
            if self.take().value == "!":
                negate = not negate
            else:
                timed = True
        cmds = [self.command()]
        while self.at_op("|", "|&"):
            if self.take().value == "|&":
                _redirects(cmds[-1]).append(Redirect(2, ">&", "1"))
            self.skip_newlines()
            cmds.append(self.command())
        return Pipeline(cmds, negate, timed)

    def command(self) -> Command:
        tok = self.peek()
        if tok.kind == "eof":
            raise ParseError("syntax error: unexpected end of file", True)
        if tok.kind == "op" and tok.value not in REDIR_OPS and tok.value != "(":
            raise unexpected(tok.value)
        node: Command
        if tok.kind == "op" and tok.value == "(":
            self.take()
            node = Group(self.script(frozenset({")"}), False), subshell=True)
            self._close(")")
        elif tok.kind == "word" and tok.value in KEYWORDS and tok.value not in ("!", "time"):
            node = self.compound(tok.value)
        else:
            if (tok.kind == "word" and NAME_RE.fullmatch(tok.value.replace(":", "_"))
                    and self.toks[self.i + 1].value == "("
                    and self.toks[self.i + 2].value == ")"):
                self.i += 3
                return self.funcdef(tok.value)
            return self.simple()
        while self.peek().kind == "io" or self.at_op(*REDIR_OPS):
            _redirects(node).append(self.redirect())
        return node

    def _close(self, value: str) -> None:
        tok = self.peek()
        if tok.kind == "eof":
            raise ParseError("syntax error: unexpected end of file", True)
        if tok.value != value:
            raise unexpected(tok.value)
        self.take()

    def funcdef(self, name: str) -> FuncDef:
        self.skip_newlines()
        if not (self.at_word("{", "if", "for", "while", "until", "case") or self.at_op("(")):
            tok = self.peek()
            if tok.kind == "eof":
                raise ParseError("syntax error: unexpected end of file", True)
            raise unexpected(tok.value)
        return FuncDef(name, self.command())

    def compound(self, word: str) -> Command:
        self.take()
        if word == "{":
            body = self.script(frozenset({"}"}), allow_empty=False)
            self.expect_word("}")
            return Group(body, subshell=False)
        if word == "if":
            clauses = []
            while True:
                cond = self.script(frozenset({"then"}), allow_empty=False)
                self.expect_word("then")
                body = self.script(frozenset({"elif", "else", "fi"}), allow_empty=False)
                clauses.append((cond, body))
                if not self.at_word("elif"):
                    break
                self.take()
            orelse = None
            if self.at_word("else"):
                self.take()
                orelse = self.script(frozenset({"fi"}), allow_empty=False)
            self.expect_word("fi")
            return If(clauses, orelse)
        if word in ("while", "until"):
            cond = self.script(frozenset({"do"}), allow_empty=False)
            self.expect_word("do")
            body = self.script(frozenset({"done"}), allow_empty=False)
            self.expect_word("done")
            return Loop(cond, body, until=word == "until")
        if word == "for":
            return self.for_loop()
        if word == "case":
            return self.case()
        if word == "function":
            name = self.take()
            if name.kind != "word":
                raise unexpected(name.value or "\n")
            if self.at_op("("):
                self.take()
                self._close(")")
            return self.funcdef(name.value)
        if word == "[[":
            return self.cond()
        raise unexpected(word)

    def for_loop(self) -> For:
        var = self.take()
        if var.kind != "word":
            raise unexpected(var.value or "\n")
        if not NAME_RE.fullmatch(var.value):
            raise ParseError(f"`{var.value}': not a valid identifier")
        self.skip_newlines()
        words: list[str] | None = None
        if self.at_word("in"):
            self.take()
            words = []
            while self.peek().kind == "word":
                words.append(self.take().value)
            if not self.at_op(";", "\n"):
                raise unexpected(self.peek().value or "\n")
            self.take()
        elif self.at_op(";"):
            self.take()
        self.skip_newlines()
        self.expect_word("do")
        body = self.script(frozenset({"done"}), allow_empty=False)
        self.expect_word("done")
        return For(var.value, words, body)

    def case(self) -> Case:
        word = self.take()
        if word.kind != "word":
            raise unexpected(word.value or "\n")
        self.skip_newlines()
        self.expect_word("in")
        arms: list[tuple[list[str], Script]] = []
        while True:
            self.skip_newlines()
            if self.at_word("esac"):
                self.take()
                return Case(word.value, arms)
            if self.at_op("("):
                self.take()
            patterns = [self._pattern()]
            while self.at_op("|"):
                self.take()
                patterns.append(self._pattern())
            self._close(")")
            body = self.script(frozenset({";;", "esac"}))
            arms.append((patterns, body))
            if self.at_op(";;"):
                self.take()
            elif not self.at_word("esac"):
                tok = self.peek()
                if tok.kind == "eof":
                    raise ParseError("syntax error: unexpected end of file", True)
                raise unexpected(tok.value)

    def _pattern(self) -> str:
        tok = self.take()
        if tok.kind == "eof":
            raise ParseError("syntax error: unexpected end of file", True)
        if tok.kind != "word":
            raise unexpected(tok.value)
        return tok.value

    def cond(self) -> Simple:
        words = ["[["]
        while not self.at_word("]]"):
            tok = self.take()
            if tok.kind == "eof":
                raise ParseError("syntax error: unexpected end of file", True)
            if tok.value == "\n":
                raise unexpected(tok.value)
            words.append(tok.value)
        self.take()
        return Simple(words=[*words, "]]"], cond=True)

    def simple(self) -> Simple:
        node = Simple()
        while True:
            tok = self.peek()
            if tok.kind == "io" or (tok.kind == "op" and tok.value in REDIR_OPS):
                node.redirects.append(self.redirect())
            elif tok.kind == "word":
                if not node.words and ASSIGN_RE.match(tok.value):
                    node.assigns.append(tok.value)
                else:
                    node.words.append(tok.value)
                self.take()
            else:
                break
        return node

    def redirect(self) -> Redirect:
        fd = int(self.take().value) if self.peek().kind == "io" else None
        op = self.take().value
        target = self.take()
        if target.kind != "word":
            if target.kind == "eof":
                raise unexpected("\n")
            raise unexpected(target.value)
        return Redirect(fd, op, target.value, target.heredoc, target.heredoc_quoted)


def _redirects(node: Command) -> list[Redirect]:
    if isinstance(node, FuncDef):
        return _redirects(node.body)
    return node.redirects


def parse(text: str) -> Script:
    return Parser(text).parse()


def is_incomplete(text: str) -> bool:
    """True when interactive bash would ask for a continuation line (open quote, `if` …)."""
    try:
        parse(text)
    except ParseError as exc:
        return exc.incomplete
    return text.rstrip(" \t").endswith("\\") and not text.rstrip(" \t").endswith("\\\\")


_MOVED_TO_WORDS = {"Lit", "Param", "Subst", "Arith", "Part", "ansi_c", "parse_word",
                   "parse_dquoted", "BadSubstitution"}


def __getattr__(name: str) -> object:
    """Word parts moved to words.py; `from ...parser import parse_word` keeps working."""
    if name in _MOVED_TO_WORDS:
        from app.providers.sim.shell import words

        return getattr(words, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
