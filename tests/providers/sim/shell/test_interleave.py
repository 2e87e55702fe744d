"""What the terminal shows follows the order the writes happened in, as with bash on a tty:
stdout and stderr of a sequence of commands interleave, redirections keep their meaning, and a
tool that interleaves its own streams (curl -v) is shown in its order."""

from __future__ import annotations

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.shell.registry import Output
from app.providers.sim.terminal import SimTerminal

ERR = "ls: cannot access '/nope': No such file or directory\n"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0, seed=3, clock=Clock(frozen_at=1764118800.0), age=300)


def sh(cluster: SimCluster, line: str) -> str:
    return SimTerminal(cluster, "kind-control-plane").run(line).output


def test_a_sequence_shows_the_error_where_it_happened(cluster: SimCluster) -> None:
    assert sh(cluster, "echo a; ls /nope; echo b") == "a\n" + ERR + "b\n"
    assert sh(cluster, "ls /nope || echo fallback") == ERR + "fallback\n"
    assert sh(cluster, "echo x && ls /nope && echo never") == "x\n" + ERR


def test_a_loop_interleaves_each_iteration(cluster: SimCluster) -> None:
    out = sh(cluster, "for i in 1 2; do ls /nope; echo x$i; done")
    assert out == ERR + "x1\n" + ERR + "x2\n"


def test_redirections_keep_their_meaning(cluster: SimCluster) -> None:
    assert sh(cluster, "{ echo 1; ls /nope; echo 2; } 2>/dev/null") == "1\n2\n"
    assert sh(cluster, "{ echo 1; ls /nope; echo 2; } >/tmp/out 2>&1; cat /tmp/out") == \
        "1\n" + ERR + "2\n"
    # `> file` takes stdout only: the error still reaches the terminal.
    assert sh(cluster, "{ echo 1; ls /nope; } > /tmp/o1; echo ---; cat /tmp/o1") == \
        ERR + "---\n1\n"
    assert sh(cluster, "{ echo 1; ls /nope; echo 2; } 2>&1 | cat") == "1\n" + ERR + "2\n"
    assert sh(cluster, "{ echo 1; ls /nope; echo 2; } |& tail -2") == ERR + "2\n"
    assert sh(cluster, "{ echo 1; ls /nope; echo 2; } 2>&1 >/dev/null") == ERR


def test_substitution_and_scripts_keep_the_order(cluster: SimCluster) -> None:
    assert sh(cluster, 'x=$(ls /nope; echo in); echo "[$x]"') == ERR + "[in]\n"
    assert sh(cluster, "bash -c 'echo 1; ls /nope; echo 2'") == "1\n" + ERR + "2\n"


def test_kubectl_warnings_come_before_the_table(cluster: SimCluster) -> None:
    out = sh(cluster, "kubectl get cs 2>&1 | head -2")
    assert out.splitlines() == ["Warning: v1 ComponentStatus is deprecated in v1.19+",
                                "NAME                 STATUS    MESSAGE   ERROR"]


def test_curl_verbose_shows_trace_then_body_then_left_intact(cluster: SimCluster) -> None:
    out = sh(cluster, "curl -vk https://127.0.0.1:6443/healthz")
    assert out.index("*   Trying 127.0.0.1:6443...") < out.index("> GET /healthz HTTP/2") < \
        out.index("< HTTP/2 200") < out.index("\nok* Connection #0 to host 127.0.0.1 left intact")
    assert out.endswith("ok* Connection #0 to host 127.0.0.1 left intact\n")
    # --write-out comes after the error message (tool_operate.c post_per_transfer).
    assert sh(cluster, 'curl -w "%{http_code}\\n" https://127.0.0.1:1/') == \
        "curl: (7) Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to " \
        "server\n000\n"


def test_output_ordered_keeps_streams_and_order() -> None:
    out = Output.ordered([(2, "e1\n"), (1, "o\n"), (2, ""), (2, "e2\n")], 3)
    assert (out.stdout, out.stderr, out.exit_code) == ("o\n", "e1\ne2\n", 3)
    assert out.merged == "e1\no\ne2\n"
    assert Output("o\n", "e\n").merged == "o\ne\n"


def test_xargs_and_find_exec_keep_the_order(cluster: SimCluster) -> None:
    assert sh(cluster, "printf '/nope\\n/etc/hostname\\n' | xargs -n1 ls") == \
        ERR + "/etc/hostname\n"
    sh(cluster, "mkdir -p /tmp/fx && touch /tmp/fx/a /tmp/fx/b")
    out = sh(cluster, "find /tmp/fx -type f -exec ls {} /nope \\;")
    assert out == ("/tmp/fx/a\n" + ERR + "/tmp/fx/b\n" + ERR) or \
        out == (ERR + "/tmp/fx/a\n" + ERR + "/tmp/fx/b\n")


def test_a_changed_output_falls_back_to_stdout_then_stderr() -> None:
    out = Output.ordered([(2, "e\n"), (1, "o\n")])
    out.stdout += "more\n"
    assert out.merged == "o\nmore\ne\n"


def test_force_delete_warns_before_it_deletes() -> None:
    # kubectl v1.33 delete.go: WarningPrinter in Validate, then `force deleted` per object
    # (public transcripts: stored code index ids 7793573580, 27359899876).
    c = create_cluster("kind", 1, 0, seed=3, clock=Clock(frozen_at=1764118800.0), age=300)
    out = sh(c, "kubectl -n kube-system delete pod -l k8s-app=kube-dns --force --grace-period=0")
    lines = out.splitlines()
    assert lines[0] == ("Warning: Immediate deletion does not wait for confirmation that the "
                        "running resource has been terminated. The resource may continue to run "
                        "on the cluster indefinitely.")
    assert len(lines) == 3 and all(x.endswith('" force deleted') for x in lines[1:])
    out = sh(c, "kubectl -n kube-system delete pod nope --force")
    assert out.splitlines()[1] == 'Error from server (NotFound): pods "nope" not found'
    assert sh(c, "kubectl -n kube-system delete pod nope --grace-period=0").startswith("Error")
