"""Running lines: expansion, pipes, redirections, exit codes, limits and safety."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.providers.sim.shell.interpreter import MAX_OUTPUT
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.session import ShellSession

from .conftest import FakeHost

Sh = Callable[[str], Output]


def out(sh: Sh, line: str) -> str:
    return sh(line).stdout


def test_quoting_and_variables(sh: Sh) -> None:
    assert out(sh, """x="a  b"; echo $x "$x" '$x' \\$x""") == "a b a  b $x $x\n"
    assert out(sh, "echo ${y:-def} ${#HOME} ${HOME%/*}x ${HOME/oo/OO}") == "def 5 x /rOOt\n"
    assert out(sh, 'echo "$(echo "nested $(echo deep)")"') == "nested deep\n"
    assert out(sh, "echo `echo back`tick") == "backtick\n"
    assert out(sh, "echo $((2 + 3 * 4)) $((7 / 2)) $((-7 % 3)) $((2 ** 10))") == "14 3 -1 1024\n"
    assert out(sh, "echo ~ ~/x ~root") == "/root /root/x /root\n"
    assert out(sh, "echo a{b,c}d {1..3} {a..c}") == "abd acd 1 2 3 a b c\n"


def test_field_splitting_follows_ifs(sh: Sh) -> None:
    assert out(sh, 'x="a,b,,c"; IFS=,; for i in $x; do echo "[$i]"; done') == "[a]\n[b]\n[]\n[c]\n"
    assert out(sh, 'set -- "a b" c; for i in "$@"; do echo "<$i>"; done') == "<a b>\n<c>\n"
    assert out(sh, 'e=""; for i in $e; do echo x; done; echo "$e" | wc -c') == "1\n"


def test_prefix_assignment_is_for_that_command_only(sh: Sh) -> None:
    assert out(sh, "FOO=bar env | grep ^FOO=; echo \"[$FOO]\"") == "FOO=bar\n[]\n"
    assert out(sh, 'IFS=: read a b <<< "x:y z"; echo "$a|$b"') == "x|y z\n"


def test_exit_status_and_logic(sh: Sh) -> None:
    assert out(sh, "false || echo a && echo b; true && false; echo $?") == "a\nb\n1\n"
    assert out(sh, "! false; echo $?") == "0\n"
    assert sh("false | true").exit_code == 0
    assert sh("true | false").exit_code == 1
    assert out(sh, "(exit 4); echo $?") == "4\n"


def test_unknown_command(sh: Sh, session: ShellSession) -> None:
    result = sh("kubeclt get pods")
    assert (result.stderr, result.exit_code) == ("bash: kubeclt: command not found\n", 127)
    assert session.unknown_commands == ["kubeclt"]
    assert sh("./missing").stderr == "bash: ./missing: No such file or directory\n"


def test_pipes_carry_only_stdout(sh: Sh) -> None:
    result = sh("ls /nope /etc/hosts | wc -l")
    assert result.stdout == "1\n"
    assert result.stderr == "ls: cannot access '/nope': No such file or directory\n"
    assert out(sh, "ls /nope 2>&1 | wc -l") == "1\n"


def test_redirections_write_through_the_vfs(sh: Sh, session: ShellSession) -> None:
    sh("echo one > /tmp/f; echo two >> /tmp/f; ls /nope 2> /tmp/err; echo x &> /tmp/both")
    assert session.vfs.read("/tmp/f") == b"one\ntwo\n"
    assert session.vfs.read("/tmp/err") == b"ls: cannot access '/nope': No such file or directory\n"
    assert out(sh, "cat < /tmp/f; cat <<< 'here'") == "one\ntwo\nhere\n"
    assert sh("echo x > /dev/null").stdout == ""
    assert sh("echo x > /nope/f").stderr == "bash: /nope/f: No such file or directory\n"
    assert sh("echo x > /tmp").stderr == "bash: /tmp: Is a directory\n"
    assert sh("cat < /nope").stderr == "bash: /nope: No such file or directory\n"
    assert sh("echo x > /etc/*").stderr == "bash: /etc/*: ambiguous redirect\n"
    assert out(sh, "{ echo a; ls /nope; } > /tmp/g 2>&1; cat /tmp/g").startswith("a\nls:")


def test_order_of_redirections_matters(sh: Sh, session: ShellSession) -> None:
    result = sh("ls /nope 2>&1 >/tmp/o")
    assert "cannot access" in result.stdout
    assert session.vfs.read("/tmp/o") == b""


def test_heredoc(sh: Sh) -> None:
    assert out(sh, "x=1; cat <<EOF\nvalue $x\nEOF\n") == "value 1\n"
    assert out(sh, "cat <<'EOF'\nvalue $x\nEOF\n") == "value $x\n"


def test_globbing_against_the_vfs(sh: Sh) -> None:
    assert out(sh, "echo /etc/kubernetes/manifests/kube-*.yaml") == (
        "/etc/kubernetes/manifests/kube-apiserver.yaml "
        "/etc/kubernetes/manifests/kube-controller-manager.yaml "
        "/etc/kubernetes/manifests/kube-scheduler.yaml\n")
    assert out(sh, "cd /etc/kubernetes; echo */ m*/e*") == "manifests/ pki/ manifests/etcd.yaml\n"
    assert out(sh, "echo nomatch* '*' \"/etc/*\"") == "nomatch* * /etc/*\n"
    assert out(sh, "cd /root; echo *") == "notes.txt\n"


def test_control_flow(sh: Sh) -> None:
    assert out(sh, "for i in 1 2 3; do if [ $i = 2 ]; then continue; fi; echo $i; done") == \
        "1\n3\n"
    assert out(sh, "i=0; while [ $i -lt 5 ]; do i=$((i+1)); [ $i = 3 ] && break; done; echo $i") \
        == "3\n"
    assert out(sh, "case kube-apiserver in etcd) echo e;; kube-*) echo k;; esac") == "k\n"
    assert out(sh, "f() { local x=$1; echo \"f:$x:$#\"; return 3; }; f a b; echo $?") == \
        "f:a:2\n3\n"
    assert out(sh, "printf 'a\\nb\\n' | while read -r l; do echo \"<$l>\"; done") == "<a>\n<b>\n"
    assert out(sh, "[[ kube-proxy == kube-* && 2 -gt 1 ]] && echo yes") == "yes\n"


def test_subshells_do_not_leak(sh: Sh, session: ShellSession) -> None:
    sh("(cd /etc; X=1); echo a | cd /tmp")
    assert session.cwd == "/root"
    assert session.get_var("X") is None
    sh("cd /etc && Y=2")
    assert (session.cwd, session.get_var("Y")) == ("/etc", "2")


def test_scripts_in_the_vfs_run_as_bash(sh: Sh) -> None:
    result = sh("/usr/local/bin/check.sh etcd; echo rc=$?")
    assert result.stdout == "checking etcd\nrc=3\n"
    assert out(sh, "bash -c 'echo $1' _ one; sh -c 'exit 7'; echo $?") == "one\n7\n"


def test_fork_bomb_is_harmless(sh: Sh) -> None:
    started = time.monotonic()
    result = sh(":(){ :|:& };:")
    assert result.exit_code != 0
    assert "maximum function nesting level exceeded" in result.stderr
    assert time.monotonic() - started < 5


def test_endless_loops_and_generators_are_bounded(sh: Sh) -> None:
    result = sh("while true; do :; done")
    assert "too many commands" in result.stderr and result.exit_code == 1
    assert out(sh, "yes | head -n 3") == "y\ny\ny\n"
    big = sh("yes kubedrill")
    assert len(big.stdout) <= MAX_OUTPUT
    assert big.stderr.endswith("kubedrill: output truncated at 1 MiB\n")
    assert "cannot allocate" in sh("x=a; while true; do x=$x$x; done").stderr


def test_deep_substitution_nesting_is_refused(sh: Sh) -> None:
    line = "echo " + "$(echo " * 40 + "x" + ")" * 40
    result = sh(line)
    assert "nesting" in result.stderr


def test_a_crashing_command_is_an_internal_error(sh: Sh) -> None:
    @command("kd-test-crash")
    def crash(inv: Invocation) -> Output:
        raise ValueError("boom")

    result = sh("kd-test-crash; echo after")
    assert result.stderr == "bash: kd-test-crash: internal error\n"
    assert result.stdout == "after\n"


def test_sleep_returns_at_once(sh: Sh) -> None:
    started = time.monotonic()
    assert sh("sleep 1000").exit_code == 0
    assert time.monotonic() - started < 1
    assert sh("sleep abc").stderr.startswith("sleep: invalid time interval 'abc'")


def test_history_prompt_and_recording(host: FakeHost, session: ShellSession) -> None:
    session.run("cd /etc/kubernetes")
    assert session.prompt() == "root@kind-control-plane:/etc/kubernetes# "
    session.run("cd")
    assert session.prompt() == "root@kind-control-plane:~# "
    assert session.run("history").stdout == "    1  cd /etc/kubernetes\n    2  cd\n    3  history\n"
    assert host.recorded[0] == ("kind-control-plane", "cd /etc/kubernetes", 0)


def test_ssh_and_docker_exec_hop_between_nodes(session: ShellSession) -> None:
    assert session.run("ssh nope").stderr == (
        "ssh: Could not resolve hostname nope: Name or service not known\n")
    assert session.run("ssh nope").exit_code == 255
    assert session.run("ssh kind-worker hostname").stdout == "kind-worker\n"
    assert session.node == "kind-control-plane"
    session.run("ssh root@kind-worker")
    assert session.prompt() == "root@kind-worker:~# "
    assert "KUBECONFIG" not in session.env
    result = session.run("exit")
    assert result.stderr == "logout\nConnection to kind-worker closed.\n"
    assert session.node == "kind-control-plane" and not session.exited
    session.run("docker exec -it kind-worker bash")
    assert session.node == "kind-worker"
    assert session.run("exit").stderr == "exit\n"
    session.run("exit")
    assert session.exited


def test_session_survives_a_restart(host: FakeHost, session: ShellSession) -> None:
    session.run("cd /etc; export A=1; B=2; alias k=kubectl")
    restored = ShellSession.from_json(host, session.to_json())
    assert (restored.cwd, restored.env["A"], restored.get_var("B")) == ("/etc", "1", "2")
    assert restored.history == session.history
    assert restored.aliases == {"k": "kubectl"}


def test_control_plane_sessions_get_a_kubeconfig(host: FakeHost) -> None:
    env = ShellSession(host).env
    assert env["KUBECONFIG"] == "/etc/kubernetes/admin.conf"
    assert env["HOSTNAME"] == "kind-control-plane" and env["HOME"] == "/root"
    assert "KUBECONFIG" not in ShellSession(host, "kind-worker").env


def test_completion(session: ShellSession) -> None:
    assert session.complete("kubectl ge", 10) == ("kubectl get ", ["get"])
    assert session.complete("kubectl get po", 14) == ("kubectl get pods ", ["pods"])
    line, options = session.complete("cat /etc/kubernetes/man", 23)
    assert line == "cat /etc/kubernetes/manifests/"
    line, options = session.complete("ls /etc/kubernetes/manifests/kube-", 34)
    assert line is None or line.endswith("kube-")
    assert options == ["kube-apiserver.yaml", "kube-controller-manager.yaml",
                       "kube-scheduler.yaml"]
    line, options = session.complete("hostn", 5)
    assert line == "hostname "
    session.completers["crictl"] = lambda s, words, word: ["ps", "pods"]
    assert session.complete("crictl p", 8) == ("crictl p", ["pods", "ps"]) or \
        session.complete("crictl p", 8)[1] == ["pods", "ps"]
