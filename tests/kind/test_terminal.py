"""The raw terminal: `docker exec -it` on a PTY, against the fake docker."""

from __future__ import annotations

import sys
import time

import pytest

from app.providers.base import RawTerminal
from app.providers.kind.terminal import PtyTerminal


def read_until(term, needle: bytes, timeout: float = 20) -> bytes:  # noqa: ANN001
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        assert time.monotonic() < deadline, seen
        seen += term.read(0.2)
    return seen


def test_terminal_is_a_login_shell_on_the_node_with_kubeconfig(fake, provider) -> None:
    cluster = provider.create("kd-term", control_planes=1, workers=1)
    term = cluster.open_terminal("control-plane")
    assert isinstance(term, RawTerminal) and term.node == "kd-term-control-plane"
    try:
        read_until(term, b"root@kd-term-control-plane:~# ")
        term.resize(100, 40)
        term.write(b"echo $KUBECONFIG\n")
        assert b"/etc/kubernetes/admin.conf" in read_until(term, b"admin.conf\r\n")
        term.write(b"kubectl get nodes\n")
        assert b"kd-term-worker" in read_until(term, b"kd-term-worker ")
        term.write(b"exit\n")
        with pytest.raises(EOFError):
            read_until(term, b"never printed", timeout=15)
    finally:
        term.close()
    call = [c for c in fake.calls("docker") if "-t" in c["argv"]][0]
    assert call["argv"] == ["exec", "-i", "-t", "-e", "KUBECONFIG=/etc/kubernetes/admin.conf",
                            "-w", "/root", "kd-term-control-plane", "bash", "-l"]
    worker = cluster.open_terminal("worker")
    try:
        read_until(worker, b"root@kd-term-worker:~# ")
    finally:
        worker.close()
    call = [c for c in fake.calls("docker") if "-t" in c["argv"]][-1]
    assert "-e" not in call["argv"]


def test_read_times_out_empty_and_close_kills_the_child() -> None:
    term = PtyTerminal("n", [sys.executable, "-c", "import time; print('hi', flush=True); "
                                                   "time.sleep(60)"])
    assert b"hi" in read_until(term, b"hi\r\n")
    started = time.monotonic()
    assert term.read(0.3) == b""
    assert time.monotonic() - started >= 0.25
    term.close()
    assert term.proc.poll() is not None
    with pytest.raises(EOFError):
        term.read(0.1)


def test_resize_reaches_the_child_as_its_window_size() -> None:
    code = ("import os, sys, signal, time, shutil\n"
            "signal.signal(signal.SIGWINCH, lambda *a: print('size', *os.get_terminal_size(0),"
            " flush=True))\n"
            "print('ready', flush=True)\n"
            "time.sleep(30)\n")
    term = PtyTerminal("n", [sys.executable, "-c", code])
    try:
        read_until(term, b"ready")
        term.resize(91, 27)
        assert b"size 91 27" in read_until(term, b"size 91 27")
    finally:
        term.close()
