"""Random command lines never raise, never print more than the cap and always finish."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.providers.sim.shell.interpreter import MAX_OUTPUT
from app.providers.sim.shell.session import ShellSession

from .conftest import FakeHost

WORDS = ["ls", "cat", "echo", "grep", "sed", "awk", "sort", "uniq", "head", "tail", "wc", "cut",
         "tr", "find", "xargs", "yes", "seq", "printf", "test", "[", "]", "cd", "export", "ssh",
         "bash", "-c", "exit", "read", "eval", "source", "f", "f()", "while", "until", "for",
         "in", "do", "done", "if", "then", "else", "fi", "case", "esac", ")", "(", "{", "}",
         "|", "||", "&&", ";", ";;", "&", ">", ">>", "<", "<<<", "<<", "2>&1", "&>", "$(", "`",
         "'", '"', "\\", "$x", "${x", "${x:-y}", "$((", "))", "$?", "$@", "*", "?", "[a-z]",
         "~", "#", "!", "\n", "-la", "-n", "-e", "/etc", "/etc/hosts", "/tmp/x", "/dev/null",
         "x=1", "x=$x$x", "{1..9}", "s/a/b/g", "'{print $1}'", ":(){ :|:& };:", "1", "0",
         "-1", "%s", "%d", ".*", "(a+)+$", "kubectl", "nope", "rm", "-rf", "mkdir", "-p",
         "chmod", "777", "ln", "-s", "diff", "stat", "file", "du", "tee", "base64", "date"]

lines = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(
    lambda words: " ".join(words))
raw = st.text(alphabet=" |&;<>()$`'\"\\{}[]*?~#!=\n-abcxyz019/.", max_size=40)


def check(line: str) -> None:
    session = ShellSession(FakeHost())
    started = time.monotonic()
    result = session.run(line)
    elapsed = time.monotonic() - started
    note = len("\nkubedrill: output truncated at 1 MiB\n")
    assert len(result.stdout) + len(result.stderr) <= MAX_OUTPUT + note
    assert isinstance(result.exit_code, int) and 0 <= result.exit_code <= 255
    assert elapsed < 8, line
    assert "internal error" not in result.stderr, line
    assert session.prompt().startswith("root@")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_random_command_lines(line: str) -> None:
    check(line)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw)
def test_random_metacharacters(line: str) -> None:
    check(line)


COMMANDS = ["ls", "cat", "head", "tail", "cp", "mv", "rm", "mkdir", "touch", "chmod", "chown",
            "ln", "stat", "file", "find", "du", "tee", "wc", "diff", "grep", "sort", "uniq",
            "cut", "tr", "base64", "xargs", "date", "seq", "sed", "awk", "echo", "printf",
            "test", "cd", "export", "env", "type", "which", "ssh", "docker", "sudo", "watch",
            "bash", "uname", "readlink", "basename", "dirname", "read", "set", "let"]
ARGS = ["-a", "-l", "-h", "-n", "-c", "-r", "-R", "-f", "-i", "-e", "-E", "-s", "-v", "-d", ",",
        "-t", ":", "-k2", "-k", "1,2n", "-F:", "-o", "-w", "-x", "-1", "--", "-", "+3", "-5",
        "/etc", "/etc/hosts", "/root/notes.txt", "/nope", "/tmp/x", "*", "'{print $1}'",
        "'s/a/b/'", "'[a-z]'", "'%s %d'", "x", "1", "0", "-999", "99999999999", "''", "'\\'",
        "/dev/null", "-exec", "{}", "\\;", "-name", "-type", "f", "-maxdepth", "--color=always",
        "-C2", "-m1", "--help", "-u", "-p", "-I{}", "-n1", "-b", "-z", "-L", "-P", "a-z",
        "[:upper:]", "-S", "-U", "--version", "-w0", "-y"]

invocations = st.tuples(st.booleans(), st.sampled_from(COMMANDS),
                        st.lists(st.sampled_from(ARGS), max_size=6)).map(
    lambda t: ("cat /etc/kubernetes/manifests/etcd.yaml | " if t[0] else "")
    + " ".join([t[1], *t[2]]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invocations)
def test_random_options_never_crash_a_command(line: str) -> None:
    check(line)
