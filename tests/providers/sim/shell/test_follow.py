"""Streaming lines: which lines stream, how they are re-run, and what each beat prints."""

from __future__ import annotations

import pytest

from app.providers.sim.shell.follow import CLEAR, Follow, plan


@pytest.mark.parametrize(("line", "kind", "rerun"), [
    ("tail -f /var/log/syslog", "append", "tail /var/log/syslog -n +1"),
    ("tail -n 20 -f /var/log/pods/x.log", "append", "tail /var/log/pods/x.log -n +1"),
    ("tail -F -n5 a.log", "append", "tail a.log -n +1"),
    ("journalctl -u kubelet -f", "append", "journalctl -u kubelet"),
    ("journalctl -fu kubelet", "append", "journalctl -u kubelet"),
    ("journalctl -xef", "append", "journalctl -xe"),
    ("journalctl -u kubelet -n 50 -f | grep -i error", "append",
     "journalctl -u kubelet | grep -i error"),
    ("kubectl logs -f -n kube-system etcd-kind-control-plane --tail=5", "append",
     "kubectl logs -n kube-system etcd-kind-control-plane"),
    ("kubectl get pods -A -w", "rows", "kubectl get pods -A --no-headers"),
    ("watch -n 5 kubectl get nodes", "watch", "watch -n 5 kubectl get nodes"),
    ("sleep 3", "sleep", ""),
])
def test_streaming_lines_are_recognised_with_their_rerun(line: str, kind: str | None,
                                                         rerun: str | None) -> None:
    follow = plan(line)
    if kind is None:
        assert follow is None
        return
    assert follow is not None and follow.kind == kind and follow.rerun == rerun


@pytest.mark.parametrize("line", [
    "tail /var/log/syslog", "kubectl get pods", "kubectl logs etcd-x", "sleep 1; tail -f x",
    "tail -f x && echo", "echo $(tail -f x)", "sleep", "sleep nope", "journalctl -u kubelet",
    "tail -f 'unterminated",
])
def test_ordinary_lines_do_not_stream(line: str) -> None:
    assert plan(line) is None


def test_append_beats_print_only_the_lines_added_since_the_last_beat() -> None:
    follow = plan("journalctl -u kubelet -f")
    assert follow is not None
    log = ["a\n", "b\n"]
    run = lambda _line: "".join(log)  # noqa: E731
    assert follow.tick(run, 1) == ("", False)  # the baseline: already on screen
    log.append("c\n")
    assert follow.tick(run, 2) == ("c\n", False)
    assert follow.tick(run, 3) == ("", False)


def test_kubectl_logs_follow_ends_when_the_container_is_replaced() -> None:
    follow = plan("kubectl logs -f web-1")
    assert follow is not None
    follow.tick(lambda _l: "old 1\nold 2\n", 1)
    assert follow.tick(lambda _l: "new 1\n", 2) == ("", True)


def test_get_watch_prints_rows_that_changed() -> None:
    follow = plan("kubectl get pods -w")
    assert follow is not None
    table = {"web-1": "web-1   0/1   Running   0   10s", "web-2": "web-2   1/1   Running   0   10s"}
    run = lambda _l: "\n".join(table.values()) + "\n"  # noqa: E731
    assert follow.tick(run, 1) == ("", False)
    table["web-1"] = "web-1   1/1   Running   0   11s"
    table["web-3"] = "web-3   0/1   Pending   0   0s"
    assert follow.tick(run, 2) == ("web-1   1/1   Running   0   11s\n"
                                   "web-3   0/1   Pending   0   0s\n", False)


def test_watch_redraws_the_screen_and_sleep_ends_on_time() -> None:
    follow = plan("watch kubectl get nodes")
    assert follow is not None and follow.interval == 2.0
    assert follow.tick(lambda _l: "Every 2.0s: x\n\nnodes\n", 2) == (
        CLEAR + "Every 2.0s: x\n\nnodes\n", False)
    nap = Follow("sleep", "", seconds=3)
    assert nap.tick(lambda _l: "", 1.0) == ("", False)
    assert nap.tick(lambda _l: "", 3.0) == ("", True)
