"""Raw-mode terminal: the browser's xterm.js bridged to a real shell on a kind node.

The sim provider's terminal is line mode (terminal_ws.py): the browser edits a line and the
server runs it. On kind the shell is a real `bash -l` on a PTY owned by the server
(RawTerminal in app/providers/base.py), so keystrokes go to it as they are typed and
everything it prints comes back as it is printed. Frames (JSON text, like line mode):

    server → hello {mode: "raw", node, banner} | output {data} | ended {detail} | error {detail}
    client → input {data} | resize {cols, rows}

`hello` carries `"mode": "raw"` so static/js/terminal.js switches to raw mode. `ended` is sent
when the attempt ends (checked every few seconds) or when the shell exits.

The debrief needs the commands a trainee ran, but in raw mode the server only sees keystrokes.
`LineAssembler` rebuilds each line from them, best effort: see its docstring for what it
understands and what it cannot see.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

log = logging.getLogger(__name__)

MAX_FRAME = 65536          # largest text frame accepted from the browser (as line mode)
MAX_OUTPUT_CHARS = 32768   # largest output frame sent: bursts are split
MAX_LINE = 4096            # longest line kept by the assembler (settings.max_command_length)
READ_TIMEOUT_S = 0.1       # how long one RawTerminal.read waits: bounds shutdown latency
STATUS_EVERY_S = 2.0       # how often the attempt's status is checked while connected
QUEUE_CHUNKS = 64          # output chunks buffered before the reader stops reading the PTY

BANNER = ("kubedrill: you are root on {node}, a node of a real kind cluster. "
          "Investigate, fix what you can, then answer.\r\n")
SHELL_EXITED = "The shell on {node} exited. Reload the page to open a new one."


class RawTerminal(Protocol):
    """What the bridge needs of app.providers.base.RawTerminal (kind-core owns that one)."""

    node: str

    def write(self, data: bytes) -> None: ...
    def read(self, timeout: float) -> bytes: ...
    def resize(self, cols: int, rows: int) -> None: ...
    def close(self) -> None: ...


# ----- line assembly ------------------------------------------------------------------------

_ALT_SCREEN = re.compile(r"\x1b\[\?(?:1049|1047|47)([hl])")
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]+")


class LineAssembler:
    """Rebuilds the command lines typed into a raw shell from keystrokes, for the debrief.

    Understood, as bash's readline (emacs mode) does them:
    - printable text (typed or pasted, bracketed paste markers dropped) inserted at the cursor;
    - Enter (CR or LF) ends a line; blank lines are not recorded;
    - Backspace (DEL or ^H), Delete (ESC[3~), ^D on a non-empty line: delete a character;
    - ^U kills to the start, ^K to the end, ^W the whitespace-delimited word before the cursor;
    - ^C and ^G abandon the line (nothing is recorded);
    - cursor moves: arrows, Home/End, ^A/^E/^B/^F, Alt-B/Alt-F and Ctrl/Alt-arrows;
    - Tab: when the shell's answer (see `observe_output`) is plain text, it is the completed
      part and is inserted; a list of candidates or a bell inserts nothing.

    Not seeable from keystrokes, so such a line is dropped rather than recorded wrong: history
    recall (Up/Down, ^P/^N, ^R searches) and other readline commands (Alt-D, ^T, ^Y...).
    While a full-screen program holds the alternate screen (vi, less, top: seen in the output
    as ESC[?1049h ... ESC[?1049l), keystrokes are not commands and nothing is recorded.
    Input the shell reads as data (a heredoc, a password prompt, `cat > file`) is recorded as
    lines too: the debrief shows what was typed, which is what this can know.
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self.buf: list[str] = []
        self.cursor = 0
        self.unknown = False          # the line holds text we could not see (history recall)
        self.alt_screen = False       # a full-screen program is running
        self.awaiting_completion = False
        self._esc = ""                # an escape sequence split across input chunks

    # -- input -----------------------------------------------------------------------------

    def feed(self, data: str) -> list[str]:
        """Feed keystrokes; returns the lines completed by them, oldest first."""
        done: list[str] = []
        data, self._esc = self._esc + data, ""
        i = 0
        while i < len(data):
            ch = data[i]
            self.awaiting_completion = ch == "\t"
            if ch == "\x1b":
                seq = _escape_sequence(data, i)
                if seq is None:            # incomplete: keep it for the next chunk
                    self._esc = data[i:]
                    break
                self._escape(seq)
                i += len(seq)
                continue
            i += 1
            if ch in "\r\n":
                line = self._take()
                if line is not None:
                    done.append(line)
            elif ch == "\t":
                pass                               # the completion arrives as output
            elif ch < " " or ch == "\x7f":
                self._control(ch)
            else:
                self._insert(ch)
        return done

    def observe_output(self, text: str) -> None:
        """Watch what the shell prints: the alternate screen, and the answer to a Tab."""
        for m in _ALT_SCREEN.finditer(text):
            self.alt_screen = m.group(1) == "h"
            if self.alt_screen:
                self._reset()
        if self.awaiting_completion:
            self.awaiting_completion = False
            if _PRINTABLE.fullmatch(text):
                self._insert(text)

    def _take(self) -> str | None:
        line = "".join(self.buf)
        unknown, alt = self.unknown, self.alt_screen
        self._reset()
        if unknown or alt or not line.strip():
            return None
        return line

    def _reset(self) -> None:
        self.buf, self.cursor, self.unknown = [], 0, False

    def _insert(self, text: str) -> None:
        room = self.max_line - len(self.buf)
        chars = list(text)[:max(room, 0)]
        self.buf[self.cursor:self.cursor] = chars
        self.cursor += len(chars)

    def _control(self, ch: str) -> None:
        buf, cur = self.buf, self.cursor
        if ch in "\x7f\x08":
            if cur:
                del buf[cur - 1]
                self.cursor -= 1
        elif ch == "\x04":
            if cur < len(buf):
                del buf[cur]
        elif ch in "\x03\x07":
            self._reset()
        elif ch == "\x15":
            del buf[:cur]
            self.cursor = 0
        elif ch == "\x0b":
            del buf[cur:]
        elif ch == "\x17":
            start = cur
            while start and buf[start - 1].isspace():
                start -= 1
            while start and not buf[start - 1].isspace():
                start -= 1
            del buf[start:cur]
            self.cursor = start
        elif ch == "\x01":
            self.cursor = 0
        elif ch == "\x05":
            self.cursor = len(buf)
        elif ch == "\x02":
            self.cursor = max(0, cur - 1)
        elif ch == "\x06":
            self.cursor = min(len(buf), cur + 1)
        elif ch in "\x10\x0e\x12\x13\x14\x19":   # history, searches, transpose, yank
            self.unknown = True
        # Other control characters (^L, ^Z, ^\ ...) do not change the line.

    def _escape(self, seq: str) -> None:
        if seq in ("\x1b[200~", "\x1b[201~"):     # bracketed paste markers
            return
        final = seq[-1]
        csi = seq.startswith("\x1b[") or seq.startswith("\x1bO")
        words = seq in ("\x1bb", "\x1bf") or (csi and ";" in seq and final in "CD")
        if words:
            self._word_move(forward=final in "fC")
        elif csi and final in "AB":
            self.unknown = True                   # history recall
        elif csi and final == "D":
            self.cursor = max(0, self.cursor - 1)
        elif csi and final == "C":
            self.cursor = min(len(self.buf), self.cursor + 1)
        elif (csi and final == "H") or seq in ("\x1b[1~", "\x1b[7~"):
            self.cursor = 0
        elif (csi and final == "F") or seq in ("\x1b[4~", "\x1b[8~"):
            self.cursor = len(self.buf)
        elif seq == "\x1b[3~":
            if self.cursor < len(self.buf):
                del self.buf[self.cursor]
        elif not csi and len(seq) == 2 and seq[1] in "\x7f\x08":
            self._word_rubout()                   # Alt-Backspace
        elif not csi and len(seq) == 2:
            self.unknown = True                   # Alt-D, Alt-., Alt-Y...: unseeable edits
        # Anything else (function keys, focus reports) leaves the line alone.

    def _word_move(self, *, forward: bool) -> None:
        buf, i = self.buf, self.cursor
        if forward:
            while i < len(buf) and not buf[i].isalnum():
                i += 1
            while i < len(buf) and buf[i].isalnum():
                i += 1
        else:
            while i and not buf[i - 1].isalnum():
                i -= 1
            while i and buf[i - 1].isalnum():
                i -= 1
        self.cursor = i

    def _word_rubout(self) -> None:
        end = self.cursor
        self._word_move(forward=False)
        del self.buf[self.cursor:end]


def _escape_sequence(data: str, i: int) -> str | None:
    """The escape sequence starting at data[i] (an ESC), or None when it is cut short."""
    if i + 1 >= len(data):
        return None
    nxt = data[i + 1]
    if nxt == "[":                                # CSI: parameters, then a final byte @..~
        j = i + 2
        while j < len(data) and not "\x40" <= data[j] <= "\x7e":
            j += 1
        return data[i:j + 1] if j < len(data) else None
    if nxt == "O":                                # SS3: one more character
        return data[i:i + 3] if i + 2 < len(data) else None
    return data[i:i + 2]                          # Alt+key, or a lone ESC before a key


# ----- the bridge ---------------------------------------------------------------------------

async def bridge(ws: WebSocket, terminal: RawTerminal, *, record: Callable[[str], None],
                 check_ended: Callable[[], Awaitable[str | None]],
                 status_every_s: float = STATUS_EVERY_S, read_timeout_s: float = READ_TIMEOUT_S,
                 max_line: int = MAX_LINE,
                 admit: Callable[[str], dict | None] | None = None) -> None:
    """Pump a RawTerminal to an accepted WebSocket and back until one side ends.

    `record(line)` is called (in a worker thread) for every line LineAssembler completes.
    `check_ended()` returns None while the attempt is on, else the detail for `ended`.
    `admit(data)` may refuse keystrokes before they reach the shell (rate limits): it returns
    the error frame to send instead, and the input is dropped whole, so the line the trainee
    sees and the line kept for the debrief stay the same.
    The terminal is closed when this returns, whoever ended it.
    """
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    send_lock = asyncio.Lock()
    lines = LineAssembler(max_line)

    async def send(frame: dict) -> None:
        async with send_lock:
            await ws.send_json(frame)

    def read_pty() -> None:
        # A thread, so a blocking read never holds the event loop. It waits for room in the
        # queue, so a slow browser slows the shell down as a real terminal would.
        while not stop.is_set():
            try:
                data: bytes | None = terminal.read(read_timeout_s)
            except EOFError:
                data = None
            except Exception:  # noqa: BLE001 - a broken PTY ends this session only
                log.exception("raw terminal read failed on %s", terminal.node)
                data = None
            if data == b"":
                continue
            future = asyncio.run_coroutine_threadsafe(chunks.put(data), loop)
            while not stop.is_set():
                try:
                    future.result(timeout=0.5)
                    break
                except TimeoutError:
                    continue
            else:
                future.cancel()
            if data is None:
                return

    async def pump_output() -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            data = await chunks.get()
            if data is None:
                tail = decoder.decode(b"", final=True)
                if tail:
                    await send({"type": "output", "data": tail})
                await send({"type": "ended", "reason": "shell-exited",
                            "detail": SHELL_EXITED.format(node=terminal.node)})
                return
            while not chunks.empty() and len(data) < MAX_OUTPUT_CHARS:
                more = chunks.get_nowait()
                if more is None:                 # keep the end for the next round
                    chunks.put_nowait(None)
                    break
                data += more
            text = decoder.decode(data)
            lines.observe_output(text)
            for start in range(0, len(text), MAX_OUTPUT_CHARS):
                await send({"type": "output", "data": text[start:start + MAX_OUTPUT_CHARS]})

    async def watch_attempt() -> None:
        while True:
            await asyncio.sleep(status_every_s)
            detail = await check_ended()
            if detail is not None:
                await send({"type": "ended", "detail": detail})
                return

    async def receive_input() -> None:
        while True:
            try:
                raw = await ws.receive_text()
            except WebSocketDisconnect:
                return
            if len(raw) > MAX_FRAME:
                await send({"type": "error", "detail": "message too large"})
                continue
            try:
                msg = json.loads(raw)
            except ValueError:
                await send({"type": "error", "detail": "invalid JSON"})
                continue
            if isinstance(msg, dict):
                await _handle(msg)

    async def _handle(msg: dict) -> None:
        kind = msg.get("type")
        if kind == "input" and isinstance(msg.get("data"), str):
            data = msg["data"]
            refusal = admit(data) if admit is not None else None
            if refusal is not None:
                await send(refusal)
                return
            await run_in_threadpool(terminal.write, data.encode("utf-8", "replace"))
            for line in lines.feed(data):
                await run_in_threadpool(_record_safely, record, line)
        elif kind == "interrupt":
            await run_in_threadpool(terminal.write, b"\x03")
            lines.feed("\x03")
        elif kind == "resize":
            cols, rows = _dimension(msg.get("cols")), _dimension(msg.get("rows"))
            if cols and rows:
                await run_in_threadpool(terminal.resize, cols, rows)
        elif kind in ("exec", "complete"):
            await send({"type": "error",
                        "detail": "this terminal is a real shell: send keystrokes as input"})

    async def until_done(part: Callable[[], Awaitable[None]], scope: anyio.CancelScope) -> None:
        # Whichever part ends first (browser gone, shell exited, attempt over) ends them all.
        try:
            await part()
        except WebSocketDisconnect:
            pass
        except Exception:  # noqa: BLE001 - one broken session must not take the server down
            log.exception("raw terminal bridge failed on %s", terminal.node)
        finally:
            scope.cancel()

    reader = threading.Thread(target=read_pty, name=f"raw-terminal-{terminal.node}",
                              daemon=True)
    reader.start()
    try:
        async with anyio.create_task_group() as group:
            for part in (receive_input, pump_output, watch_attempt):
                group.start_soon(until_done, part, group.cancel_scope)
    finally:
        stop.set()
        with anyio.CancelScope(shield=True):
            with contextlib.suppress(Exception):
                await run_in_threadpool(terminal.close)
            await run_in_threadpool(reader.join, 2 * read_timeout_s + 1)
            with contextlib.suppress(Exception):
                await ws.close(1000)


def _dimension(value: object) -> int:
    """A terminal size from the browser: an int between 1 and 1000, else 0 (ignored)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    n = int(value)
    return n if 1 <= n <= 1000 else 0


def _record_safely(record: Callable[[str], None], line: str) -> None:
    try:
        record(line)
    except Exception:  # noqa: BLE001 - the debrief loses a line; the shell carries on
        log.exception("could not record a terminal command")


# ----- wiring to the app --------------------------------------------------------------------

async def serve(ws: WebSocket, engine, attempt_id: str, state,  # noqa: ANN001
                limit_key: str = "") -> None:
    """Raw mode for an accepted WebSocket of a kind attempt (called by terminal_ws.py).

    The shell comes from app.training.kind_runtime (the training layer owns provisioning and
    the command record); it is imported here so the sim-only server never loads it.
    """
    from sqlmodel import Session

    from app.training import kind_runtime, service

    catalog, settings, metrics = state.catalog, state.settings, state.metrics

    def status() -> tuple[str, str | None]:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            service.refresh(db=db, catalog=catalog, attempt=attempt)
            db.commit()
            status = attempt.status
        if status == "active":
            return status, None
        if status == "provisioning":
            return status, "Your cluster is still being created: the terminal opens when it is."
        return status, f"This attempt has ended ({status})."

    async def check_ended() -> str | None:
        status_now, detail = await run_in_threadpool(status)
        return None if status_now in ("active", "provisioning") else detail

    def open_terminal() -> RawTerminal:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            return kind_runtime.open_raw_terminal(state, attempt)

    status_now, detail = await run_in_threadpool(status)
    if status_now == "provisioning":
        await ws.send_json({"type": "error", "detail": detail})
        await ws.close(1013, "cluster not ready yet")     # "try again later": the page retries
        return
    if detail is not None:
        await ws.send_json({"type": "ended", "detail": detail})
        await ws.close(1000)
        return
    try:
        terminal = await run_in_threadpool(open_terminal)
    except Exception as err:  # noqa: BLE001 - say why, let the page retry
        metrics.inc("kubedrill_provider_errors_total")
        log.exception("could not open a shell for attempt %s", attempt_id)
        await ws.send_json({"type": "error", "detail": f"could not open a shell: {err}"})
        await ws.close(1011, "could not open a shell")
        return

    def record(line: str) -> None:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            kind_runtime.record_command(db, attempt, terminal.node, line)
            db.commit()
        metrics.inc("kubedrill_commands_total", via="terminal")

    await ws.send_json({"type": "hello", "mode": "raw", "node": terminal.node, "prompt": "",
                        "banner": BANNER.format(node=terminal.node)})
    await bridge(ws, terminal, record=record, check_ended=check_ended,
                 status_every_s=STATUS_EVERY_S, max_line=settings.max_command_length,
                 admit=input_limits(settings, state.limiter, limit_key))


def input_limits(settings, limiter, limit_key: str  # noqa: ANN001 - Settings, Limiter
                 ) -> Callable[[str], dict | None]:
    """Keystrokes of one connection under `terminal_input_bytes_per_s` (a burst of one full
    frame allowed), and every Enter under the attempt's command limit, like the line terminal
    and the exec API: a refused frame gets the same 429-style error with `retry_after`."""
    from app.web.limits import Bucket, refusal_frame

    rate = settings.terminal_input_bytes_per_s
    typing = Bucket(rate, MAX_FRAME) if rate > 0 else None

    def admit(data: str) -> dict | None:
        if typing is not None:
            wait = typing.take(time.monotonic(), len(data.encode("utf-8", "replace")))
            if wait:
                return refusal_frame("input", wait)
        if "\r" in data or "\n" in data:
            wait = limiter.retry_after("command", limit_key)
            if wait:
                return refusal_frame("command", wait)
        return None

    return admit
