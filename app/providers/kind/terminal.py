"""A real interactive shell on a kind node: `docker exec -it ... bash -l` on a PTY the server
owns (the RawTerminal protocol of app/providers/base.py).

`docker exec -i -t` needs a terminal on its own stdin ("the input device is not a TTY"
otherwise), so the child gets the slave side of `pty.openpty()` as stdin/stdout/stderr and as
its controlling terminal (a new session, then TIOCSCTTY). The docker CLI copies its terminal's
size to the exec session and follows SIGWINCH, which the kernel sends to the foreground process
group when TIOCSWINSZ changes the size (docs.docker.com `docker container exec`; tty_ioctl(4)).
`close` ends the whole process group (SIGHUP, SIGTERM, then SIGKILL), which also ends the
exec'd bash in the node because docker ends an exec session whose client went away.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time

from app.providers.base import ProviderError

DEFAULT_SIZE = (120, 32)


def _become_tty_owner() -> None:  # runs in the child after setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyTerminal:
    def __init__(self, node: str, argv: list[str], *, size: tuple[int, int] = DEFAULT_SIZE
                 ) -> None:
        self.node = node
        self.argv = argv
        master, slave = pty.openpty()
        self._fd: int | None = master
        self._set_size(slave, *size)
        try:
            self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                         start_new_session=True, close_fds=True,
                                         preexec_fn=_become_tty_owner)  # noqa: PLW1509
        except FileNotFoundError:
            os.close(master)
            raise ProviderError(f"{argv[0]} not found on PATH (set KUBEDRILL_DOCKER_BIN)",
                                command=argv) from None
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self._eof = False

    @staticmethod
    def _set_size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def write(self, data: bytes) -> None:
        if self._fd is None or self._eof:
            raise EOFError("the shell has exited")
        view = memoryview(data)
        while view:
            try:
                n = os.write(self._fd, view)
            except BlockingIOError:
                select.select([], [self._fd], [], 1.0)
                continue
            except OSError as e:
                raise EOFError("the shell has exited") from e
            view = view[n:]

    def read(self, timeout: float) -> bytes:
        """What the shell printed; b"" when nothing arrived in `timeout` seconds; EOFError once
        the shell exited and everything it printed has been read."""
        if self._fd is None or self._eof:
            raise EOFError("the shell has exited")
        ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        if not ready:
            if self.proc.poll() is not None:
                return self._drain_or_eof()
            return b""
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return b""
        except OSError:  # EIO: every slave fd closed, the child exited
            data = b""
        if not data:
            self._eof = True
            raise EOFError("the shell has exited")
        return data

    def _drain_or_eof(self) -> bytes:
        try:
            data = os.read(self._fd, 65536) if self._fd is not None else b""
        except OSError:
            data = b""
        if data:
            return data
        self._eof = True
        raise EOFError("the shell has exited")

    def resize(self, cols: int, rows: int) -> None:
        if self._fd is None:
            return
        cols, rows = max(1, min(int(cols), 1000)), max(1, min(int(rows), 1000))
        self._set_size(self._fd, cols, rows)

    def close(self) -> None:
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGHUP, 1.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, sig)
                deadline = time.monotonic() + wait
                while self.proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
                if self.proc.poll() is not None:
                    break
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=1)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        self._eof = True
