"""The bash grammar: tokens, AST shapes, word parts and bash's syntax error wording."""

from __future__ import annotations

import pytest

from app.providers.sim.shell.parser import (
    Arith,
    Case,
    For,
    FuncDef,
    Group,
    If,
    Lit,
    Loop,
    Param,
    ParseError,
    Simple,
    Subst,
    is_incomplete,
    parse,
    parse_word,
    tokenize,
)


def simple(text: str) -> Simple:
    cmd = parse(text).items[0].first.commands[0]
    assert isinstance(cmd, Simple)
    return cmd


def test_words_keep_their_quotes_for_expansion() -> None:
    assert simple("""echo 'a b' "c $d" e\\ f""").words == ["echo", "'a b'", '"c $d"', "e\\ f"]


def test_operators_split_words_without_spaces() -> None:
    script = parse("a|b&&c||d;e")
    first = script.items[0]
    assert [c.words for c in first.first.commands] == [["a"], ["b"]]
    assert [op for op, _ in first.rest] == ["&&", "||"]
    assert script.items[1].first.commands[0].words == ["e"]


def test_redirections_with_fd_numbers() -> None:
    cmd = simple("cmd 2>&1 >out 2>>log <in &>all <<<here")
    assert [(r.fd, r.op, r.target) for r in cmd.redirects] == [
        (2, ">&", "1"), (None, ">", "out"), (2, ">>", "log"), (None, "<", "in"),
        (None, "&>", "all"), (None, "<<<", "here")]


def test_assignments_only_before_the_command_name() -> None:
    cmd = simple("A=1 B=$(x) cmd C=2")
    assert cmd.assigns == ["A=1", "B=$(x)"]
    assert cmd.words == ["cmd", "C=2"]


def test_comments_and_substitutions_with_spaces() -> None:
    cmd = simple("echo $(echo a | tr a b) `date` $((1 + 2)) # comment")
    assert cmd.words == ["echo", "$(echo a | tr a b)", "`date`", "$((1 + 2))"]


def test_compound_commands() -> None:
    assert isinstance(parse("if a; then b; elif c; then d; else e; fi").items[0].first
                      .commands[0], If)
    loop = parse("for i in 1 2; do echo $i; done").items[0].first.commands[0]
    assert isinstance(loop, For) and loop.words == ["1", "2"]
    assert isinstance(parse("while true; do :; done").items[0].first.commands[0], Loop)
    assert isinstance(parse("case x in a|b) y;; *) z;; esac").items[0].first.commands[0], Case)
    assert isinstance(parse("{ a; b; } > f").items[0].first.commands[0], Group)
    assert isinstance(parse("f() { a; }").items[0].first.commands[0], FuncDef)


def test_fork_bomb_parses_as_a_function() -> None:
    first = parse(":(){ :|:& };:").items[0].first.commands[0]
    assert isinstance(first, FuncDef) and first.name == ":"


def test_heredoc_body_is_attached_to_its_redirect() -> None:
    cmd = simple("cat <<EOF\nhello $x\nEOF\n")
    assert cmd.redirects[0].heredoc == "hello $x\n"
    assert not cmd.redirects[0].heredoc_quoted


@pytest.mark.parametrize(("text", "message", "incomplete"), [
    ("| echo", "syntax error near unexpected token `|'", False),
    ("echo >", "syntax error near unexpected token `newline'", False),
    ("echo a )", "syntax error near unexpected token `)'", False),
    ("fi", "syntax error near unexpected token `fi'", False),
    ("echo a ;; b", "syntax error near unexpected token `;;'", False),
    ("echo 'abc", "unexpected EOF while looking for matching `''", True),
    ('echo "abc', "unexpected EOF while looking for matching `\"'", True),
    ("if true; then", "syntax error: unexpected end of file", True),
    ("echo a |", "syntax error: unexpected end of file", True),
    ("echo $(date", "unexpected EOF while looking for matching `)'", True),
])
def test_syntax_errors_are_worded_like_bash(text: str, message: str, incomplete: bool) -> None:
    with pytest.raises(ParseError) as err:
        parse(text)
    assert err.value.message == message
    assert err.value.incomplete is incomplete
    assert is_incomplete(text) is incomplete


def test_word_parts() -> None:
    parts = parse_word("""pre"a $b ${c:-d}"$(e)'f'\\*$((1+2))""")
    kinds = [type(p).__name__ for p in parts]
    assert kinds == ["Lit", "Lit", "Lit", "Param", "Lit", "Param", "Subst", "Lit", "Lit", "Arith"]
    assert parts[3] == Param("b", True)
    assert parts[5] == Param("c", True, op=":-", arg="d")
    assert parts[6] == Subst("e", False)
    assert parts[7] == Lit("f", True)
    assert parts[8] == Lit("*", True)
    assert parts[9] == Arith("1+2", False)


def test_io_numbers_only_touching_a_redirection() -> None:
    kinds = [(t.kind, t.value) for t in tokenize("echo 2 >x 2>y")][:-1]
    assert kinds == [("word", "echo"), ("word", "2"), ("op", ">"), ("word", "x"),
                     ("io", "2"), ("op", ">"), ("word", "y")]
